"""Administration: a party's users (invite, role, deactivate, reset a second factor), its
organisations, and the audit log with its chain verification; each user's own API tokens; the
public page where an invited user chooses a password.

Whether the reader may is the API's answer, never decided here: the header's Administration
entry follows `allowed_actions` of /users/me, each user's controls that user's
`allowed_actions`, and a page the API refuses (403) says so."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from itpp_web import feedback, messages, security
from itpp_web.api import ApiError
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.labels import LABELS, id_names
from itpp_web.submit import Adjust, idempotency, submit_form
from itpp_web.web import (
    OptionalViewerDep,
    Viewer,
    ViewerDep,
    api_of,
    ask_first,
    csrf_protect,
    formatter,
    redirect,
    renderer_of,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

# The roles offered in a form (their names are the API's; which one a user may get is its rule).
ROLE_CHOICES = tuple(LABELS["role"])


def _secret(form: Any, name: str) -> str:
    """A password as typed (never stripped: spaces may be part of it)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


LANGUAGE_CHOICES = ("ja", "en")
TOKEN_SCOPES = ("read", "read_write")
AUDIT_PAGE_SIZE = 50
ENTITY_TYPES = tuple(LABELS["entity_type"])
AUDIT_ACTIONS = tuple(LABELS["audit_action"])
USER_FIELDS = ("email", "display_name", "role", "preferred_language")


# --- users ----------------------------------------------------------------------------------


async def _users_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    reset_for: str | None = None,
    status_code: int = 200,
) -> Response:
    listed = await operations.list_users(api_of(request), token=viewer.token)
    users = [
        {**record, "role_choices": [(value, value == record["role"]) for value in ROLE_CHOICES]}
        for record in listed["items"]
    ]
    chosen = (values or {}).get("role") or ROLE_CHOICES[0]
    return renderer_of(request)(
        request,
        "admin_users.html",
        {
            "users": users,
            "invite_role_choices": [(value, value == chosen) for value in ROLE_CHOICES],
            "language_choices": LANGUAGE_CHOICES,
            "values": values or {"preferred_language": viewer.user.get("preferred_language", "en")},
            "errors": errors or {},
            "problem": problem,
            "reset_for": reset_for,
            "idempotency_key": str(uuid.uuid4()),
            "section": "users",
        },
        status_code=status_code,
    )


@router.get("/admin")
async def admin_home(request: Request, viewer: ViewerDep) -> Response:
    return redirect(request, "/admin/users")


@router.get("/admin/users")
async def users_page(request: Request, viewer: ViewerDep) -> Response:
    return await _users_page(request, viewer)


@router.post("/admin/users")
async def invite_user(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    values = {name: text(form, name) for name in USER_FIELDS}
    if values["preferred_language"] not in LANGUAGE_CHOICES:
        values["preferred_language"] = fmt.language
    missing = {
        name: messages.field_error_message(fmt, "missing")
        for name in ("email", "display_name")
        if not values[name]
    }

    def taken(exc: ApiError, problem: str, errors: dict[str, str]) -> None:
        if exc.status == 409:
            errors["email"] = fmt.gettext("A user of your party already has this address.")

    return await submit_form(
        request,
        render=lambda errors, problem, status, exc: _users_page(
            request, viewer, values=values, errors=errors, problem=problem, status_code=status
        ),
        own_errors=missing,
        send=lambda: operations.invite_user(
            api_of(request),
            cast("models.UserInvite", values),
            token=viewer.token,
            headers=idempotency(form),
        ),
        refusals=(409, 422),
        fields=USER_FIELDS,
        adjust=taken,
        done=lambda result: redirect(request, "/admin/users", notice="user-invited"),
    )


async def _change_user(
    request: Request, viewer: Viewer, user_id: uuid.UUID, changes: models.UserUpdate, etag: str
) -> Response | None:
    """PATCH the user; a refusal the reader can act on is the users page with its reason."""
    fmt = formatter(request)
    try:
        await operations.update_user(
            api_of(request), user_id, changes, token=viewer.token, headers={"If-Match": etag}
        )
    except ApiError as exc:
        if exc.slug == "last-admin":
            return await _users_page(
                request,
                viewer,
                problem=fmt.gettext(
                    "This is your party's last active administrator: make another user an "
                    "administrator first."
                ),
                status_code=409,
            )
        if exc.status in (412, 428):
            return await _users_page(
                request,
                viewer,
                problem=fmt.gettext(
                    "This user was changed meanwhile. Here is the list as it is now: try again."
                ),
                status_code=409,
            )
        raise
    return None


@router.post("/admin/users/{user_id}/role")
async def change_role(request: Request, user_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    chosen = text(form, "role")
    if chosen not in ROLE_CHOICES:
        return await _users_page(
            request,
            viewer,
            problem=formatter(request).gettext("Choose one of the roles offered."),
            status_code=422,
        )
    # One of ROLE_CHOICES, checked above.
    changes = cast("models.UserUpdate", {"role": chosen})
    refused = await _change_user(request, viewer, user_id, changes, text(form, "etag"))
    return refused or redirect(request, "/admin/users", notice="user-role-changed")


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, user_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    active = text(form, "is_active") == "true"
    if not active and not feedback.confirmed(form):
        return ask_first(
            request,
            "deactivate-user",
            form,
            action=f"/admin/users/{user_id}/active",
            back="/admin/users",
        )
    refused = await _change_user(
        request, viewer, user_id, {"is_active": active}, text(form, "etag")
    )
    return refused or redirect(
        request, "/admin/users", notice="user-reactivated" if active else "user-deactivated"
    )


@router.post("/admin/users/{user_id}/second-factor")
async def reset_second_factor(request: Request, user_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    proof: models.AdminReauthentication = {"current_password": _secret(form, "current_password")}
    code = text(form, "current_code").replace(" ", "")
    if code:
        proof["current_code"] = code
    if not proof["current_password"]:
        return await _users_page(
            request,
            viewer,
            reset_for=str(user_id),
            errors={"current_password": messages.field_error_message(fmt, "missing")},
            problem=fmt.gettext("Confirm it is you: enter your password and a current code."),
            status_code=422,
        )
    try:
        await operations.reset_totp(api_of(request), user_id, proof, token=viewer.token)
    except ApiError as exc:
        if exc.status == 429:
            problem = fmt.gettext(
                "Too many failed attempts. Try again in %(seconds)s seconds.",
                seconds=exc.headers.get("retry-after", ""),
            )
            errors: dict[str, str] = {}
        elif exc.status == 422:
            errors = messages.field_errors(fmt, exc, ("current_password", "current_code"))
            problem = fmt.gettext("Confirm it is you: enter your password and a current code.")
        else:
            raise
        return await _users_page(
            request,
            viewer,
            reset_for=str(user_id),
            errors=errors,
            problem=problem,
            status_code=exc.status,
        )
    return redirect(request, "/admin/users", notice="second-factor-reset")


# --- organisations --------------------------------------------------------------------------


async def _organisations_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    editing: str | None = None,
    stale: bool = False,
    status_code: int = 200,
) -> Response:
    api = api_of(request)
    # The same refusal as the users page for anyone the API does not let manage users.
    await operations.list_users(api, token=viewer.token)
    parties, organisations = await asyncio.gather(
        operations.list_parties(api, token=viewer.token),
        operations.list_organisations(api, token=viewer.token),
    )
    by_party: dict[str, list[models.OrganisationPublic]] = {}
    for organisation in organisations["items"]:
        by_party.setdefault(str(organisation["party_id"]), []).append(organisation)
    return renderer_of(request)(
        request,
        "admin_organisations.html",
        {
            "parties": parties["items"],
            "by_party": by_party,
            "own_party_id": viewer.party_id,
            "may_add": "manage_organisations" in viewer.user.get("allowed_actions", []),
            # The organisation whose edit form the values and errors belong to (else the new one's).
            "editing": editing,
            # The problem is the page's own (an edit made on an organisation changed meanwhile).
            "stale": stale,
            "values": values or {},
            "errors": errors or {},
            "problem": problem,
            "idempotency_key": str(uuid.uuid4()),
            "section": "organisations",
        },
        status_code=status_code,
    )


@router.get("/admin/organisations")
async def organisations_page(request: Request, viewer: ViewerDep) -> Response:
    return await _organisations_page(request, viewer)


def _organisation_form(
    request: Request, form: Any
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The form's values, the API's localized name, and the web's own objections."""
    fmt = formatter(request)
    values = {name: text(form, name) for name in ("code", "name_ja", "name_en")}
    names = {tag: values[f"name_{tag}"] for tag in ("ja", "en") if values[f"name_{tag}"]}
    errors: dict[str, str] = {}
    if not values["code"]:
        errors["code"] = messages.field_error_message(fmt, "missing")
    if not names:
        errors["name_en"] = messages.field_error_message(fmt, "missing")
    return values, names, errors


def _organisation_refused(taken: str) -> Adjust:
    """The API's `name` error shown at the English name; a 409 (`taken`) at the code."""

    def adjust(exc: ApiError, problem: str, errors: dict[str, str]) -> None:
        if "name" in errors:
            errors["name_en"] = errors.pop("name")
        if exc.status == 409:
            errors["code"] = taken

    return adjust


@router.post("/admin/organisations")
async def add_organisation(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    values, names, errors = _organisation_form(request, form)
    return await submit_form(
        request,
        render=lambda errors, problem, status, exc: _organisations_page(
            request, viewer, values=values, errors=errors, problem=problem, status_code=status
        ),
        own_errors=errors,
        send=lambda: operations.create_organisation(
            api_of(request),
            viewer.party_id,
            {"code": values["code"], "name": names},
            token=viewer.token,
            headers=idempotency(form),
        ),
        refusals=(409, 422),
        fields=("code", "name"),
        adjust=_organisation_refused(
            fmt.gettext("Your party already has an organisation with this code.")
        ),
        done=lambda result: redirect(request, "/admin/organisations", notice="organisation-added"),
    )


@router.post("/admin/organisations/{organisation_id}")
async def edit_organisation(
    request: Request, viewer: ViewerDep, organisation_id: uuid.UUID
) -> Response:
    form = await request.form()
    fmt = formatter(request)
    values, names, errors = _organisation_form(request, form)
    editing = str(organisation_id)

    async def render(
        errors: dict[str, str], problem: str, status: int, exc: ApiError | None
    ) -> Response:
        if exc is not None and exc.status in (412, 428):
            return await _organisations_page(
                request,
                viewer,
                problem=fmt.gettext(
                    "This organisation was changed meanwhile. Here it is as it is now: try again."
                ),
                stale=True,
                status_code=409,
            )
        return await _organisations_page(
            request,
            viewer,
            values=values,
            errors=errors,
            problem=problem,
            editing=editing,
            status_code=status,
        )

    return await submit_form(
        request,
        render=render,
        own_errors=errors,
        send=lambda: operations.update_organisation(
            api_of(request),
            organisation_id,
            {"code": values["code"], "name": names},
            token=viewer.token,
            headers={"If-Match": text(form, "etag")},
        ),
        refusals=(409, 412, 422, 428),
        fields=("code", "name"),
        adjust=_organisation_refused(fmt.gettext("Another organisation already has this code.")),
        done=lambda result: redirect(
            request, "/admin/organisations", notice="organisation-updated"
        ),
    )


# --- the audit log --------------------------------------------------------------------------


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/audit")
async def audit_page(request: Request, viewer: ViewerDep) -> Response:
    query = request.query_params
    fmt = formatter(request)
    filters = {
        name: (query.get(name) or "").strip()
        for name in ("entity_type", "entity_id", "actor_user_id", "action", "since", "until")
    }
    params: models.ListAuditEventsParametersQuery = {"limit": AUDIT_PAGE_SIZE}
    errors: dict[str, str] = {}
    if filters["entity_type"] in ENTITY_TYPES:
        # One of the kinds the page offers (the contract's AuditEntityType values).
        params["entity_type"] = cast("models.AuditEntityType", filters["entity_type"])
    if filters["action"] in AUDIT_ACTIONS:
        params["action"] = filters["action"]
    for name in ("entity_id", "actor_user_id"):
        if filters[name]:
            try:
                named = str(uuid.UUID(filters[name]))
            except ValueError:
                errors[name] = fmt.gettext("This does not name a record.")
            else:
                if name == "entity_id":
                    params["entity_id"] = named
                else:
                    params["actor_user_id"] = named
    since, until = _day(filters["since"]), _day(filters["until"])
    if filters["since"] and since is None:
        errors["since"] = messages.field_error_message(fmt, "date_format")
    if filters["until"] and until is None:
        errors["until"] = messages.field_error_message(fmt, "date_format")
    if since:
        params["since"] = f"{since.isoformat()}T00:00:00Z"
    if until:
        params["until"] = f"{(until + dt.timedelta(days=1)).isoformat()}T00:00:00Z"
    if query.get("cursor"):
        params["cursor"] = query["cursor"][:512]
    api = api_of(request)
    page: models.AuditEventPage = {"items": [], "next_cursor": None}
    if not errors:
        try:
            page = await operations.list_audit_events(api, token=viewer.token, params=params)
        except ApiError as exc:
            if exc.status != 400:  # a damaged cursor: the first page again
                raise
            params.pop("cursor", None)
            page = await operations.list_audit_events(api, token=viewer.token, params=params)
    actions = viewer.user.get("allowed_actions", [])
    people: list[models.UserPublic] = []
    if "manage_users" in actions:
        people = (await operations.list_users(api, token=viewer.token))["items"]
    parties, organisations = await asyncio.gather(
        operations.list_parties(api, token=viewer.token),
        operations.list_organisations(api, token=viewer.token),
    )
    # What readers call the records an event names (never an id shown as text).
    names = id_names(fmt, parties["items"], organisations["items"])
    names.update({str(person["id"]): str(person["display_name"]) for person in people})
    kept = {name: value for name, value in filters.items() if value}
    next_url = (
        "/audit?" + urlencode({**kept, "cursor": page["next_cursor"]})
        if page.get("next_cursor")
        else None
    )
    verification = None
    if query.get("verify") == "1" and "verify_audit_chain" in actions:
        verification = await operations.verify_audit_chain(api, token=viewer.token)
    return renderer_of(request)(
        request,
        "audit.html",
        {
            "events": page["items"],
            "filters": filters,
            "errors": errors,
            "entity_types": ENTITY_TYPES,
            "audit_actions": AUDIT_ACTIONS,
            "people": people,
            "names": names,
            "next_url": next_url,
            "first_url": ("/audit?" + urlencode(kept)) if kept else "/audit",
            "paged": bool(query.get("cursor")),
            "may_verify": "verify_audit_chain" in actions,
            "verification": verification,
            "verify_url": "/audit?" + urlencode({**kept, "verify": "1"}),
            "section": "audit",
        },
        block="verification" if query.get("verify") == "1" else None,
        status_code=422 if errors else 200,
    )


# --- my API tokens --------------------------------------------------------------------------


async def _tokens_page(
    request: Request,
    viewer: Viewer,
    *,
    created: models.ApiTokenCreated | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    tokens = (await operations.list_my_tokens(api_of(request), token=viewer.token))["items"]
    return renderer_of(request)(
        request,
        "tokens.html",
        {
            "tokens": [t for t in tokens if t["kind"] == "api"],
            "created": created,
            "scopes": TOKEN_SCOPES,
            "values": values or {"scope": "read", "expires_in_days": "90"},
            "errors": errors or {},
            "problem": problem,
            "idempotency_key": str(uuid.uuid4()),
        },
        status_code=status_code,
    )


@router.get("/me/tokens")
async def tokens_page(request: Request, viewer: ViewerDep) -> Response:
    return await _tokens_page(request, viewer)


@router.post("/me/tokens")
async def create_token(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    values = {name: text(form, name) for name in ("name", "scope", "expires_in_days")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = messages.field_error_message(fmt, "missing")
    if values["scope"] not in TOKEN_SCOPES:
        errors["scope"] = messages.field_error_message(fmt, "enum")
    try:
        days = int(values["expires_in_days"])
    except ValueError:
        errors["expires_in_days"] = messages.field_error_message(fmt, "int_parsing")
        days = 0
    return await submit_form(
        request,
        render=lambda errors, problem, status, exc: _tokens_page(
            request, viewer, values=values, errors=errors, problem=problem, status_code=status
        ),
        own_errors=errors,
        send=lambda: operations.create_api_token(
            api_of(request),
            {
                "name": values["name"],
                # Sent only when it is one of TOKEN_SCOPES (checked above).
                "scope": cast("models.TokenScope", values["scope"]),
                "expires_in_days": days,
            },
            token=viewer.token,
            headers=idempotency(form),
        ),
        refusals=(403, 409, 422),
        fields=("name", "scope", "expires_in_days"),
        # The secret is shown this once (the API never shows it again): no redirect here.
        done=lambda result: _tokens_page(request, viewer, created=result.data, status_code=201),
    )


@router.post("/me/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request, "revoke-token", form, action=f"/me/tokens/{token_id}/revoke", back="/me/tokens"
        )
    try:
        await operations.revoke_token(api_of(request), token_id, token=viewer.token)
    except ApiError as exc:
        if exc.status != 404:  # already gone: the same end result
            raise
    return redirect(request, "/me/tokens", notice="token-revoked")


# --- the invited user's set-password page (no sign-in) --------------------------------------


async def _invitation_page(
    request: Request,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    try:
        invitation = await operations.get_invitation(api_of(request), token, token=None)
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        invitation = None
        status_code = 404
    if invitation is not None and not request.cookies.get(security.LANGUAGE_COOKIE):
        request.state.page_language = invitation.get("preferred_language") or ""
    return renderer_of(request)(
        request,
        "invitation.html",
        {
            "invitation": invitation,
            "token": token,
            "errors": errors or {},
            "problem": problem,
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin"},
    )


@router.get("/invitation/{token}")
async def invitation_page(request: Request, token: str, viewer: OptionalViewerDep) -> Response:
    return await _invitation_page(request, token[:100])


@router.post("/invitation/{token}")
async def set_password(request: Request, token: str, viewer: OptionalViewerDep) -> Response:
    form = await request.form()
    fmt = formatter(request)
    token = token[:100]
    password, again = _secret(form, "password"), _secret(form, "password_again")
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = messages.field_error_message(fmt, "missing")
    elif password != again:
        errors["password_again"] = fmt.gettext("Enter the same password twice.")
    return await submit_form(
        request,
        # An invitation gone meanwhile (404): its page says so.
        render=lambda errors, problem, status, exc: (
            _invitation_page(request, token)
            if status == 404
            else _invitation_page(
                request, token, errors=errors, problem=problem, status_code=status
            )
        ),
        own_errors=errors,
        send=lambda: operations.accept_invitation(
            api_of(request), token, {"password": password}, token=None
        ),
        refusals=(404, 422),
        fields=("password",),
        done=lambda result: redirect(request, "/sign-in", notice="password-set"),
    )
