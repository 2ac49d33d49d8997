"""Signing in and out (through the API, second factor included) and the language switch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from itpp_web import messages, sealed, security
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.i18n import LANGUAGES
from itpp_web.web import (
    OptionalViewerDep,
    api_of,
    client_headers,
    csrf_protect,
    formatter,
    redirect,
    renderer_of,
    safe_next,
    settings_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

ENROL_COOKIE = "itpp_enrol"


def _set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None
) -> None:
    _set_cookie_at(request, response, name, value, max_age, "/")


def _set_cookie_at(
    request: Request, response: Response, name: str, value: str, max_age: int | None, path: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=security.is_secure(request, settings_of(request)),
        path=path,
    )


@router.get("/", include_in_schema=False)
async def home(viewer: OptionalViewerDep) -> Response:
    return RedirectResponse("/plans" if viewer else "/sign-in", status_code=303)


@router.get("/sign-in")
async def sign_in_page(
    request: Request, viewer: OptionalViewerDep, next: str | None = None
) -> Response:
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = None
    if request.query_params.get("enrolled") == "1":
        notice = formatter(request).gettext(
            "Your second factor is set up. Sign in with a code from your authenticator app."
        )
    return renderer_of(request)(
        request,
        "sign_in.html",
        {"next": safe_next(next), "email": "", "error": notice, "need_otp": False},
    )


@router.post("/sign-in")
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    otp: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/plans",
) -> Response:
    fmt = formatter(request)
    target = safe_next(next)

    key: bytes = request.app.state.secret_key
    # A sign-in waiting for its one-time code: the password typed a moment ago, sealed in a
    # cookie of this browser (never in the page), used when the password field is left empty.
    attempt = sealed.unseal(key, sealed.SIGN_IN_COOKIE, request.cookies.get(sealed.SIGN_IN_COOKIE))
    password_kept = False
    if (
        not password
        and isinstance(attempt, dict)
        and attempt.get("email") == email.strip()
        and attempt.get("password")
    ):
        password = str(attempt["password"])
        password_kept = True

    def again(
        error: str,
        need_otp: bool = False,
        status_code: int = 401,
        errors: dict[str, str] | None = None,
        keep_password: bool = False,
    ) -> Response:
        context = {
            "next": target,
            "email": email,
            "error": error,
            "need_otp": need_otp,
            "password_kept": keep_password,
        }
        response = renderer_of(request)(
            request,
            "sign_in.html",
            {**context, "errors": errors or {}},
            block="sign_in_form",
            status_code=status_code,
        )
        if keep_password:
            value = {"email": email.strip(), "password": password}
            _set_cookie_at(
                request,
                response,
                sealed.SIGN_IN_COOKIE,
                sealed.seal(key, sealed.SIGN_IN_COOKIE, value, sealed.SIGN_IN_MAX_AGE),
                sealed.SIGN_IN_MAX_AGE,
                "/sign-in",
            )
        else:
            response.delete_cookie(sealed.SIGN_IN_COOKIE, path="/sign-in")
        return response

    if not email.strip() or not password:
        required = messages.field_error_message(fmt, "missing")
        missing = {
            name: required
            for name, value in (("email", email.strip()), ("password", password))
            if not value
        }
        return again(fmt.gettext("Enter your email and password."), status_code=422, errors=missing)
    form = {"grant_type": "password", "username": email.strip(), "password": password}
    if otp.strip():
        form["otp"] = otp.replace(" ", "")
    try:
        result = await operations.create_token(
            api_of(request), token=None, data=form, headers=client_headers(request)
        )
    except ApiError as exc:
        if exc.slug == "second-factor-required":
            message = messages.problem_message(fmt, exc)
            return again(
                message,
                need_otp=True,
                errors={"otp": message} if otp.strip() else None,
                keep_password=True,
            )
        if exc.status == 429:
            wait = exc.headers.get("retry-after", "")
            return again(
                fmt.gettext(
                    "Too many failed sign-ins. Try again in %(seconds)s seconds.", seconds=wait
                ),
                status_code=429,
            )
        if exc.status in (401, 422):
            wrong = messages.translate(fmt, messages.PROBLEM_MESSAGES, "invalid-credentials")
            if password_kept and otp.strip():
                # The kept password was right a moment ago: the code was not. Ask again.
                return again(wrong, need_otp=True, errors={"otp": wrong}, keep_password=True)
            return again(wrong)
        raise
    token = str(result.data["access_token"])
    expires = datetime.fromisoformat(str(result.data["expires_at"]))
    max_age = max(int((expires - datetime.now(UTC)).total_seconds()), 60)
    if result.data.get("scope") == "enrol_totp":
        response = redirect(request, "/second-factor")
        _set_cookie(request, response, ENROL_COOKIE, token, max_age)
        return response
    response = redirect(request, target)
    _set_cookie(request, response, security.SESSION_COOKIE, token, max_age)
    response.delete_cookie(sealed.SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    token = request.cookies.get(security.SESSION_COOKIE)
    if token:
        try:
            # Revoked at the API: a copy of the cookie stops working too.
            await operations.delete_current_token(api_of(request), token=token)
        except ApiError as exc:
            if exc.status != 401:
                raise
    response = redirect(request, "/sign-in")
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    # Signing out on purpose: nothing typed here is shown to whoever signs in next.
    response.delete_cookie(sealed.KEPT_FORM_COOKIE, path="/")
    return response


@router.post("/language")
async def switch_language(
    request: Request,
    viewer: OptionalViewerDep,
    language: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/plans",
) -> Response:
    if language not in LANGUAGES:
        language = settings_of(request).default_language
    if viewer is not None and viewer.user.get("preferred_language") != language:
        await operations.update_current_user(
            api_of(request),
            {"preferred_language": language},
            token=viewer.token,
            headers={"If-Match": str(viewer.user.get("etag", "*"))},
        )
    response = redirect(request, safe_next(next))
    _set_cookie(request, response, security.LANGUAGE_COOKIE, language, 365 * 24 * 3600)
    return response


@router.get("/second-factor")
async def enrol_page(request: Request) -> Response:
    token = request.cookies.get(ENROL_COOKIE)
    if not token:
        return RedirectResponse("/sign-in", status_code=303)
    try:
        enrolment = (await operations.start_totp_enrolment(api_of(request), token=token)).data
    except ApiError as exc:
        if exc.status == 401:
            response = RedirectResponse("/sign-in", status_code=303)
            response.delete_cookie(ENROL_COOKIE, path="/")
            return response
        raise
    return _enrol_form(request, enrolment, error=None)


def _enrol_form(request: Request, enrolment: models.TotpEnrolment, error: str | None) -> Response:
    qr = segno.make(enrolment["provisioning_uri"], error="m")
    svg = qr.svg_data_uri(scale=4, dark="#000", light="#fff")
    return renderer_of(request)(
        request,
        "second_factor.html",
        {"enrolment": enrolment, "qr": svg, "error": error},
        status_code=422 if error else 200,
    )


@router.post("/second-factor")
async def enrol_confirm(
    request: Request,
    code: Annotated[str, Form(max_length=16)] = "",
    secret: Annotated[str, Form(max_length=128)] = "",
    provisioning_uri: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    token = request.cookies.get(ENROL_COOKIE)
    if not token:
        return redirect(request, "/sign-in")
    try:
        await operations.confirm_totp_enrolment(
            api_of(request), {"code": code.replace(" ", "")}, token=token
        )
    except ApiError as exc:
        if exc.status in (400, 401, 422):
            fmt = formatter(request)
            enrolment: models.TotpEnrolment = {
                "secret": secret,
                "provisioning_uri": provisioning_uri,
            }
            if not secret or not provisioning_uri.startswith("otpauth://"):
                return redirect(request, "/second-factor")
            return _enrol_form(
                request, enrolment, fmt.gettext("That code is not right. Try the current one.")
            )
        raise
    try:
        # The enrolment token has done its job: end it (the API may already have).
        await operations.delete_current_token(api_of(request), token=token)
    except ApiError as exc:
        if exc.status != 401:
            raise
    response = redirect(request, "/sign-in?enrolled=1")
    response.delete_cookie(ENROL_COOKIE, path="/")
    return response
