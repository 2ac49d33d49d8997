"""A form post's one shape: the web's own objections, else the API call; the API's refusal
shown beside the form's fields in the reader's language, else the page that follows.

    return await submit_form(
        request,
        render=lambda errors, problem, status, exc: _page(request, values=values, ...),
        own_errors=errors,
        send=lambda: operations.create_thing(
            api_of(request), body, token=viewer.token, headers=idempotency(form)
        ),
        refusals=(409, 422), fields=THING_FIELDS,
        done=lambda result: redirect(request, "/things", notice="thing-added"),
    )
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from itpp_web import messages
from itpp_web.api import ApiError, ApiResponse
from itpp_web.forms import text
from itpp_web.web import formatter

# The form again: (field errors, problem, status, the API's refusal or None for the web's own).
Render = Callable[[dict[str, str], str, int, ApiError | None], Awaitable[Response]]
# The API's answer to the form's call (a typed operation's `ApiResponse`).
Answer = TypeVar("Answer")
# What a refusal's errors become beyond the API's fields: (refusal, problem, errors) → None.
Adjust = Callable[[ApiError, str, dict[str, str]], None]


def idempotency(form: FormData) -> dict[str, str]:
    """The Idempotency-Key header of a create form (its hidden key, else a new one)."""
    return {"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())}


def refusal_context(request: Request, problem: str, exc: ApiError | None) -> dict[str, Any]:
    """A form page's `problem` and `problem_detail` (the API's own words) for `render`: the API's
    refusal, or the general "check the fields" problem for the web's own objections."""
    if exc is None:
        fmt = formatter(request)
        return {
            "problem": messages.translate(fmt, messages.PROBLEM_MESSAGES, "validation-error"),
            "problem_detail": None,
        }
    return {"problem": problem, "problem_detail": exc.detail}


async def submit_form(
    request: Request,
    *,
    render: Render,
    send: Callable[[], Awaitable[ApiResponse[Answer]]],
    done: Callable[[ApiResponse[Answer]], Response | Awaitable[Response]],
    refusals: Collection[int],
    fields: Collection[str] = (),
    own_errors: dict[str, str] | None = None,
    adjust: Adjust | None = None,
) -> Response:
    """`own_errors` (already in the reader's language): the form again, 422, before anything is
    sent. Else `send` (the typed operation's call, made only then); a refusal of a status in
    `refusals`: the form again with its problem and the errors it names among `fields` (then
    `adjust`ed), at its status; any other error goes on up; success: `done` of the answer."""
    fmt = formatter(request)
    if own_errors:
        return await render(own_errors, fmt.gettext("Some fields need correcting."), 422, None)
    try:
        result = await send()
    except ApiError as exc:
        if exc.status not in refusals:
            raise
        problem = messages.problem_message(fmt, exc)
        errors = messages.field_errors(fmt, exc, fields)
        if adjust is not None:
            adjust(exc, problem, errors)
        return await render(errors, problem, exc.status, exc)
    answer = done(result)
    return await answer if inspect.isawaitable(answer) else answer
