"""Request plumbing shared by the pages: the signed-in viewer, rendering, CSRF, redirects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks
from starlette.datastructures import FormData

from itpp_web import feedback, sealed, security
from itpp_web.api import ApiClient, ApiError
from itpp_web.config import WebSettings
from itpp_web.contract import models, operations
from itpp_web.i18n import LANGUAGES, Formatter, negotiate, supported
from itpp_web.observability import PAGES_SENT
from itpp_web.render_cache import RenderCache, RenderMismatch, answers_read, render_key

# What a 503 page asks the browser to wait, unless the API said otherwise.
RETRY_AFTER_SECONDS = 2


@dataclass(frozen=True)
class Viewer:
    """The signed-in user, as the API describes them, and the token the browser holds.

    What the user may do is never decided here: every record the API returns lists its
    `allowed_actions`, and the pages show exactly those controls (tests/web/test_no_role_logic.py).
    """

    token: str
    user: models.UserPublic

    @property
    def party_id(self) -> str:
        return str(self.user["party_id"])

    @property
    def party_code(self) -> str:
        return str(self.user.get("party_code") or "")

    @property
    def role(self) -> str:
        """Shown beside the user's name; never a reason to show or hide a control."""
        return str(self.user.get("role") or "")

    @property
    def display_name(self) -> str:
        return str(self.user.get("display_name") or self.user.get("email") or "")


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


def settings_of(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def api_of(request: Request) -> ApiClient:
    client: ApiClient = request.app.state.api
    return client


def is_htmx(request: Request) -> bool:
    """An htmx request that swaps a part of the page (a history restore wants the page)."""
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def client_headers(request: Request) -> dict[str, str]:
    """Headers the API needs about the browser: its address, for sign-in throttling."""
    address = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for")
    chain = f"{forwarded}, {address}" if forwarded else address
    return {"X-Forwarded-For": chain} if chain else {}


async def optional_viewer(request: Request) -> Viewer | None:
    """The signed-in user, or None; an expired or revoked session counts as none."""
    cached = getattr(request.state, "signed_in", False)
    if cached is None or isinstance(cached, Viewer):
        return cached
    token = request.cookies.get(security.SESSION_COOKIE)
    viewer: Viewer | None = None
    if token:
        try:
            user = await operations.get_current_user(api_of(request), token=token, cache="ttl")
            viewer = Viewer(token=token, user=user)
        except ApiError as exc:
            if exc.status not in (401, 403):
                raise
    request.state.signed_in = viewer
    return viewer


async def require_viewer(
    viewer: Annotated[Viewer | None, Depends(optional_viewer)],
) -> Viewer:
    if viewer is None:
        raise SignInRequired()
    return viewer


ViewerDep = Annotated[Viewer, Depends(require_viewer)]
OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]


def language_of(request: Request) -> str:
    """The reader's language: the page's own (an unsubscribe page speaks its recipient's),
    the profile, then the language cookie, then the browser."""
    page_language = supported(str(getattr(request.state, "page_language", "") or ""))
    if page_language:
        return page_language
    viewer = getattr(request.state, "signed_in", None)
    if isinstance(viewer, Viewer):
        chosen = supported(str(viewer.user.get("preferred_language") or ""))
        if chosen:
            return chosen
    cookie = supported(request.cookies.get(security.LANGUAGE_COOKIE))
    if cookie:
        return cookie
    return negotiate(request.headers.get("accept-language"), settings_of(request).default_language)


def formatter(request: Request) -> Formatter:
    cached = getattr(request.state, "formatter", None)
    language = language_of(request)
    if isinstance(cached, Formatter) and cached.language == language:
        return cached
    fmt = Formatter(language)
    request.state.formatter = fmt
    return fmt


def csrf_seed(request: Request) -> str:
    """The browser's CSRF cookie value, or a new one set on this response."""
    seed = request.cookies.get(security.CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not seed:
        seed = security.new_csrf_seed()
        request.state.new_csrf = seed
    return str(seed)


def csrf_token_for(request: Request) -> str:
    key: bytes = request.app.state.secret_key
    return security.csrf_token(key, csrf_seed(request))


async def csrf_protect(request: Request) -> None:
    """Router dependency: every state-changing request needs our origin and a valid token."""
    if request.method in security.SAFE_METHODS:
        return
    security.check_origin(request)
    sent = request.headers.get(security.CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(security.CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    key: bytes = request.app.state.secret_key
    security.check_token(request, key, sent)


def safe_next(target: str | None, default: str = "/plans") -> str:
    """A local path to go back to; anything else (another site, `//host`) is refused."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect(
    request: Request, target: str, status_code: int = 303, *, notice: str | None = None
) -> Response:
    """Go to another page: htmx follows HX-Redirect, a plain browser the Location. `notice`
    names the success message (feedback.NOTICES) the next page shows."""
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=status_code)
    if notice:
        feedback.set_notice(response, request, notice)
    return response


# Fields a kept form never keeps: the CSRF token (the next page has its own), secrets, and a
# confirmation (a destructive action is confirmed again, never replayed).
_NEVER_KEPT = frozenset(
    {security.CSRF_FIELD, "password", "current_password", "new_password", "otp", "confirm"}
)


async def sign_in_redirect(request: Request) -> Response:
    """To the sign-in page, and back here after it. A form posted after the session ended
    keeps its fields (sealed in a cookie: `sealed.KEPT_FORM_COOKIE`) for the page that showed
    it, which shows them again once the user has signed in."""
    path = request.url.path
    kept: str | None = None
    if request.method not in security.SAFE_METHODS:
        origin = request.headers.get("referer") or request.headers.get("hx-current-url")
        path = safe_next(_path_of(origin) if origin else path)
        kept = await _kept_form(request, path)
    elif request.url.query:
        path = f"{path}?{request.url.query}"
    response = redirect(request, f"/sign-in?next={quote(path, safe='')}")
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    if kept is not None:
        response.set_cookie(
            sealed.KEPT_FORM_COOKIE,
            kept,
            max_age=sealed.KEPT_FORM_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=security.is_secure(request, settings_of(request)),
            path="/",
        )
    return response


async def _kept_form(request: Request, path: str) -> str | None:
    """The posted form's fields sealed for the page at `path`, or None (no form, too large)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    try:
        form = await request.form()
    except RuntimeError:  # the body was read elsewhere and not kept: nothing to keep
        return None
    fields = [
        [name, value]
        for name, value in form.multi_items()
        if isinstance(value, str) and name not in _NEVER_KEPT
    ]
    if not fields:
        return None
    key: bytes = request.app.state.secret_key
    value = {"path": path, "fields": fields}
    token = sealed.seal(key, sealed.KEPT_FORM_COOKIE, value, sealed.KEPT_FORM_MAX_AGE)
    return token if len(token) <= sealed.KEPT_FORM_MAX_BYTES else None


def restore_kept_form(request: Request, context: dict[str, Any]) -> bool:
    """Fill a form page's `values` with the fields kept when the session ended while it was
    being sent (same page, same browser, within its time). True when it did."""
    if request.method != "GET" or is_htmx(request) or not isinstance(context.get("values"), dict):
        return False
    key: bytes = request.app.state.secret_key
    kept = sealed.unseal(key, sealed.KEPT_FORM_COOKIE, request.cookies.get(sealed.KEPT_FORM_COOKIE))
    if not isinstance(kept, dict) or kept.get("path") != _path_of(str(request.url)):
        return False
    values = dict(context["values"])
    lists: dict[str, list[str]] = {}
    for name, value in kept.get("fields") or []:
        lists.setdefault(str(name), []).append(str(value))
    for name, chosen in lists.items():
        values[name] = chosen if isinstance(values.get(name), list) else chosen[-1]
    context["values"] = values
    return True


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# What the renderer adds to a page's context that is not a function of the language or the
# URL: part of the render cache's key (the language's functions, `fmt`, `_`, `gettext`, follow
# from `lang`; `current_url` from the URL, which the key holds whole).
_KEYED_ADDITIONS = ("me", "lang", "csrf_token", "notice")


class Renderer:
    """Renders a page, or only a block of it for an htmx request; a GET's page is sent from
    the render cache when it was rendered from the same context before (`render_cache`)."""

    def __init__(self, templates: Jinja2Blocks, cache: RenderCache | None = None) -> None:
        self.templates = templates
        self.cache = cache if cache is not None else RenderCache(0)

    def _key(
        self,
        request: Request,
        name: str,
        fragment: str | None,
        status_code: int,
        full_context: dict[str, Any],
        context: dict[str, Any],
    ) -> bytes | None:
        """The render cache's key of this page (`render_cache`), or None: not kept (a write's
        answer, the cache off, or a context it cannot stand for)."""
        if not self.cache.enabled or request.method != "GET":
            return None
        added = {k: full_context[k] for k in _KEYED_ADDITIONS}
        answers = answers_read()
        if answers is not None:
            # The parts of kept answers by their bytes' digest, not serialised again.
            context = answers.named(context, verify=self.cache.verify)
        return render_key(
            {
                "template": name,
                "fragment": fragment,
                "status": status_code,
                "url": str(request.url),
                "added": added,
                "context": context,
            }
        )

    def __call__(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        block: str | None = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        fmt = formatter(request)
        # A whole page shows (and uses up) the success message a redirect left for it.
        notice = None if is_htmx(request) else feedback.take_notice(request, fmt)
        restored = restore_kept_form(request, context)
        if restored:
            notice = fmt.gettext(feedback.NOTICES["form-kept"])
        full_context = {
            "request": request,
            # The signed-in user (`me` in the templates).
            "me": getattr(request.state, "signed_in", None),
            "lang": fmt.language,
            "languages": LANGUAGES,
            "fmt": fmt,
            "_": fmt.gettext,
            "gettext": fmt.gettext,
            "ngettext": fmt.ngettext,
            "csrf_token": csrf_token_for(request),
            "current_url": _path_of(str(request.url)),
            "notice": notice,
            "confirm_text": lambda kind: feedback.confirmation_text(fmt, kind),
            **context,
        }
        fragment = block if block and is_htmx(request) else None
        key = self._key(request, name, fragment, status_code, full_context, context)
        page = self.cache.get(key) if key is not None else None
        if page is not None and not self.cache.verify:
            response: Response = HTMLResponse(page, status_code=status_code, headers=headers)
            PAGES_SENT.labels(source="cache").inc()
        else:
            PAGES_SENT.labels(source="template").inc()
            response = self.templates.TemplateResponse(
                request,
                name,
                full_context,
                status_code=status_code,
                headers=headers,
                block_name=fragment,
            )
            if page is not None and page != response.body:
                raise RenderMismatch(f"{request.url}: the page kept for {name} differs")
            if key is not None:
                self.cache.put(key, bytes(response.body))
        set_csrf_cookie(request, response)
        if notice is not None:
            response.delete_cookie(feedback.NOTICE_COOKIE, path="/")
        if restored:
            response.delete_cookie(sealed.KEPT_FORM_COOKIE, path="/")
        return response


def set_csrf_cookie(request: Request, response: Response) -> None:
    new_seed = getattr(request.state, "new_csrf", None)
    if new_seed:
        response.set_cookie(
            security.CSRF_COOKIE,
            new_seed,
            httponly=True,
            samesite="lax",
            secure=security.is_secure(request, settings_of(request)),
            path="/",
        )


def renderer_of(request: Request) -> Renderer:
    renderer: Renderer = request.app.state.renderer
    return renderer


def ask_first(request: Request, kind: str, form: FormData, *, action: str, back: str) -> Response:
    """The confirmation page of an action sent without `confirm`: the same question as the
    dialog, and a form that sends the same fields again (a pressed button's among them),
    confirmed."""
    fields = [
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, str) and name not in (security.CSRF_FIELD, feedback.CONFIRM_FIELD)
    ]
    context: dict[str, Any] = {
        "confirmation": feedback.confirmation_text(formatter(request), kind),
        "kind": kind,
        "action": action,
        "fields": fields,
        "back": back,
    }
    headers = None
    if is_htmx(request):
        # Sent by htmx without the dialog's answer: the question takes the page's content.
        headers = {"HX-Retarget": "#main", "HX-Reswap": "innerHTML", "HX-Push-Url": "false"}
    return renderer_of(request)(request, "confirm.html", context, block="confirm", headers=headers)
