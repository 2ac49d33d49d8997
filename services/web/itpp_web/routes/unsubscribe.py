"""The page of a mail's one-click unsubscribe link (RFC 8058), no sign-in needed.

GET shows what the link turns off, in its recipient's language, with a button; only a POST
turns it off — the button's, or a mail client's one-click `List-Unsubscribe=One-Click`. A mail
scanner that opens links changes nothing. This router has no CSRF check: the POST comes from a
mail provider, with no session or form token, and the signed token in the address is the whole
credential (the API checks it); a forged POST could only turn off the mails of the link's own
recipient, which the link's holder may do anyway.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from itpp_web.api import ApiError
from itpp_web.contract import operations
from itpp_web.web import api_of, renderer_of

router = APIRouter()

# Longer than any token the API signs: anything longer is not one (the API says the same).
MAX_TOKEN_LENGTH = 600


def _invalid(request: Request) -> Response:
    return renderer_of(request)(request, "unsubscribe.html", {"invalid": True}, status_code=404)


async def _answer(request: Request, token: str, *, method: str) -> Response:
    if len(token) > MAX_TOKEN_LENGTH:
        return _invalid(request)
    api = api_of(request)
    try:
        # The link is the credential: no token of a signed-in user is sent.
        if method == "POST":
            answer = (await operations.unsubscribe(api, token, token=None)).data
        else:
            answer = await operations.get_unsubscription(api, token, token=None)
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        return _invalid(request)
    request.state.page_language = answer["language"]
    return renderer_of(request)(
        request,
        "unsubscribe.html",
        {
            "invalid": False,
            "token": token,
            "kinds": answer["kinds"],
            "preferences": answer["preferences"],
            "done": method == "POST",
        },
        # Nobody else's business, and never worth keeping.
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get("/unsubscribe/{token}")
async def unsubscribe_page(request: Request, token: str) -> Response:
    return await _answer(request, token, method="GET")


@router.post("/unsubscribe/{token}")
async def unsubscribe(request: Request, token: str) -> Response:
    return await _answer(request, token, method="POST")
