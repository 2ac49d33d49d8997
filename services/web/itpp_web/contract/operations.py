"""One typed function per API operation.

Generated from services/api/openapi.json by
services/web/generate_contract.py (`make openapi`); do not edit.

A read (a GET answering JSON) returns the answer's body; `cache` picks the read cache
(`ApiClient.read`); `<read>_response` returns the whole answer (its ETag, its
Content-Disposition). Any other call returns the `ApiResponse` (status, ETag, headers);
a file (another media type, chosen with `accept`) is its `content`, as bytes.
"""

from __future__ import annotations

from typing import Any, Literal, cast
from uuid import UUID

from itpp_web.api import ApiClient, ApiResponse, Cache
from itpp_web.contract import models


async def create_token(
    api: ApiClient,
    *,
    token: str | None,
    data: dict[str, str],
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.TokenResponse]:
    """POST /auth/token: Sign in: exchange credentials for a token."""
    answer = await api.request("POST", "/auth/token", token=token, data=data, headers=headers)
    return cast("ApiResponse[models.TokenResponse]", answer)


async def delete_current_token(
    api: ApiClient,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """POST /auth/logout: Sign out: end this token now."""
    answer = await api.request("POST", "/auth/logout", token=token, headers=headers)
    return cast("ApiResponse[None]", answer)


async def list_my_tokens(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ApiTokenList:
    """GET /users/me/tokens: List my live tokens."""
    found = await api.read("/users/me/tokens", token=token, cache=cache)
    return cast("models.ApiTokenList", found)


async def create_api_token(
    api: ApiClient,
    body: models.ApiTokenCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ApiTokenCreated]:
    """POST /users/me/tokens: Create a named API token for an automated client."""
    answer = await api.request("POST", "/users/me/tokens", token=token, json=body, headers=headers)
    return cast("ApiResponse[models.ApiTokenCreated]", answer)


async def revoke_token(
    api: ApiClient,
    token_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /users/me/tokens/{token_id}: Revoke one of my tokens."""
    answer = await api.request(
        "DELETE", f"/users/me/tokens/{token_id}", token=token, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def get_current_user(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.UserPublic:
    """GET /users/me: Who am I."""
    found = await api.read("/users/me", token=token, cache=cache)
    return cast("models.UserPublic", found)


async def get_current_user_response(
    api: ApiClient,
    *,
    token: str | None,
) -> ApiResponse[models.UserPublic]:
    """`get_current_user`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", "/users/me", token=token, raw=True)
    return cast("ApiResponse[models.UserPublic]", answer)


async def update_current_user(
    api: ApiClient,
    body: models.ProfileUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.UserPublic]:
    """PATCH /users/me: Change my display name or language (If-Match required)."""
    answer = await api.request("PATCH", "/users/me", token=token, json=body, headers=headers)
    return cast("ApiResponse[models.UserPublic]", answer)


async def change_password(
    api: ApiClient,
    body: models.PasswordChange,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """POST /users/me/password: Change my password (with the current one; ends all my tokens)."""
    answer = await api.request(
        "POST", "/users/me/password", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def start_totp_enrolment(
    api: ApiClient,
    body: models.TotpEnrolmentStart | None = None,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.TotpEnrolment]:
    """POST /users/me/totp: Begin setting up (or replacing) my second factor."""
    answer = await api.request("POST", "/users/me/totp", token=token, json=body, headers=headers)
    return cast("ApiResponse[models.TotpEnrolment]", answer)


async def confirm_totp_enrolment(
    api: ApiClient,
    body: models.TotpConfirmation,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.UserPublic]:
    """POST /users/me/totp/confirm: Finish setting up my second factor (ends all my tokens)."""
    answer = await api.request(
        "POST", "/users/me/totp/confirm", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.UserPublic]", answer)


async def list_users(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.UserList:
    """GET /users: List my party's users (admins)."""
    found = await api.read("/users", token=token, cache=cache)
    return cast("models.UserList", found)


async def create_user(
    api: ApiClient,
    body: models.UserCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.UserPublic]:
    """POST /users: Add a user to my party (admins)."""
    answer = await api.request("POST", "/users", token=token, json=body, headers=headers)
    return cast("ApiResponse[models.UserPublic]", answer)


async def invite_user(
    api: ApiClient,
    body: models.UserInvite,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.UserPublic]:
    """POST /users/invitations: Invite a user to my party: they choose their password by a one-
    time link (admins).
    """
    answer = await api.request(
        "POST", "/users/invitations", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.UserPublic]", answer)


async def get_invitation(
    api: ApiClient,
    path_token: str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.InvitationPublic:
    """GET /invitations/{token}: Whom a one-time set-password link is for (no sign-in)."""
    found = await api.read(f"/invitations/{path_token}", token=token, cache=cache)
    return cast("models.InvitationPublic", found)


async def get_invitation_response(
    api: ApiClient,
    path_token: str,
    *,
    token: str | None,
) -> ApiResponse[models.InvitationPublic]:
    """`get_invitation`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/invitations/{path_token}", token=token, raw=True)
    return cast("ApiResponse[models.InvitationPublic]", answer)


async def accept_invitation(
    api: ApiClient,
    path_token: str,
    body: models.InvitationAcceptance,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """POST /invitations/{token}: Choose my password with a one-time link, which makes my
    account active (no sign-in).
    """
    answer = await api.request(
        "POST", f"/invitations/{path_token}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def get_user(
    api: ApiClient,
    user_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.UserPublic:
    """GET /users/{user_id}: Get a user of my party (admins)."""
    found = await api.read(f"/users/{user_id}", token=token, cache=cache)
    return cast("models.UserPublic", found)


async def get_user_response(
    api: ApiClient,
    user_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.UserPublic]:
    """`get_user`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/users/{user_id}", token=token, raw=True)
    return cast("ApiResponse[models.UserPublic]", answer)


async def update_user(
    api: ApiClient,
    user_id: UUID | str,
    body: models.UserUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.UserPublic]:
    """PATCH /users/{user_id}: Change another user of my party: role, language, active (admins;
    If-Match).
    """
    answer = await api.request(
        "PATCH", f"/users/{user_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.UserPublic]", answer)


async def reset_password(
    api: ApiClient,
    user_id: UUID | str,
    body: models.PasswordReset,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """POST /users/{user_id}/password: Set a new password for another user of my party (admins;
    ends their tokens).
    """
    answer = await api.request(
        "POST", f"/users/{user_id}/password", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def reset_totp(
    api: ApiClient,
    user_id: UUID | str,
    body: models.AdminReauthentication,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.UserPublic]:
    """POST /users/{user_id}/totp/reset: Clear another user's second factor so they enrol again
    (admins; re-authenticate).
    """
    answer = await api.request(
        "POST", f"/users/{user_id}/totp/reset", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.UserPublic]", answer)


async def get_current_user_inbox(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.Inbox:
    """GET /users/me/inbox: What waits on me or my party: consents, reviews, overdue
    commitments, exchanges and expiry ahead.
    """
    found = await api.read("/users/me/inbox", token=token, cache=cache)
    return cast("models.Inbox", found)


async def search(
    api: ApiClient,
    *,
    token: str | None,
    params: models.SearchParametersQuery | None = None,
    cache: Cache = "none",
) -> models.SearchPage:
    """GET /search: Search the plans, priority areas, commitments, exchanges, reviews and
    amendments you may see.
    """
    found = await api.read("/search", token=token, params=params, cache=cache)
    return cast("models.SearchPage", found)


async def get_portfolio(
    api: ApiClient,
    *,
    token: str | None,
    params: models.GetPortfolioParametersQuery | None = None,
    cache: Cache = "none",
) -> models.Portfolio:
    """GET /portfolio: Every plan of your party at a glance: term, next review, progress,
    health, consents awaiting, overdue commitments.
    """
    found = await api.read("/portfolio", token=token, params=params, cache=cache)
    return cast("models.Portfolio", found)


GetPortfolioFileAccept = Literal[
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
]


async def get_portfolio_file(
    api: ApiClient,
    *,
    token: str | None,
    params: models.GetPortfolioParametersQuery | None = None,
    accept: GetPortfolioFileAccept | None = None,
) -> ApiResponse[None]:
    """`get_portfolio`, answered as a file (`accept`): its bytes and headers."""
    return await api.request(
        "GET",
        "/portfolio",
        token=token,
        params=params,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


async def get_notification_preferences(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.NotificationPreferences:
    """GET /users/me/notification-preferences: How I hear of each kind of notification."""
    found = await api.read("/users/me/notification-preferences", token=token, cache=cache)
    return cast("models.NotificationPreferences", found)


async def get_notification_preferences_response(
    api: ApiClient,
    *,
    token: str | None,
) -> ApiResponse[models.NotificationPreferences]:
    """`get_notification_preferences`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", "/users/me/notification-preferences", token=token, raw=True)
    return cast("ApiResponse[models.NotificationPreferences]", answer)


async def update_notification_preferences(
    api: ApiClient,
    body: models.NotificationPreferencesUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.NotificationPreferences]:
    """PATCH /users/me/notification-preferences: Change how I hear of some kinds of
    notification (If-Match required).
    """
    answer = await api.request(
        "PATCH", "/users/me/notification-preferences", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.NotificationPreferences]", answer)


async def get_unsubscription(
    api: ApiClient,
    path_token: str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.Unsubscription:
    """GET /notification-unsubscriptions/{token}: What an unsubscribe link would turn off (no
    header needed: the link is the credential); changes nothing.
    """
    found = await api.read(f"/notification-unsubscriptions/{path_token}", token=token, cache=cache)
    return cast("models.Unsubscription", found)


async def unsubscribe(
    api: ApiClient,
    path_token: str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.Unsubscription]:
    """POST /notification-unsubscriptions/{token}: Turn off the kinds of notification an
    unsubscribe link names (RFC 8058 one-click; no header needed).
    """
    answer = await api.request(
        "POST", f"/notification-unsubscriptions/{path_token}", token=token, headers=headers
    )
    return cast("ApiResponse[models.Unsubscription]", answer)


async def list_plans(
    api: ApiClient,
    *,
    token: str | None,
    params: models.ListPlansParametersQuery | None = None,
    cache: Cache = "none",
) -> models.PlanPage:
    """GET /plans: List plans."""
    found = await api.read("/plans", token=token, params=params, cache=cache)
    return cast("models.PlanPage", found)


async def create_plan(
    api: ApiClient,
    body: models.PlanCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PlanPublic]:
    """POST /plans: Create a draft plan."""
    answer = await api.request("POST", "/plans", token=token, json=body, headers=headers)
    return cast("ApiResponse[models.PlanPublic]", answer)


async def get_plan(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PlanPublic:
    """GET /plans/{plan_id}: Get a plan."""
    found = await api.read(f"/plans/{plan_id}", token=token, cache=cache)
    return cast("models.PlanPublic", found)


async def get_plan_response(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.PlanPublic]:
    """`get_plan`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/plans/{plan_id}", token=token, raw=True)
    return cast("ApiResponse[models.PlanPublic]", answer)


async def update_plan(
    api: ApiClient,
    plan_id: UUID | str,
    body: models.PlanUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PlanPublic]:
    """PATCH /plans/{plan_id}: Update a plan (If-Match required)."""
    answer = await api.request(
        "PATCH", f"/plans/{plan_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.PlanPublic]", answer)


async def delete_plan(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /plans/{plan_id}: Delete a draft that never came into force (softly; If-Match
    required).
    """
    answer = await api.request("DELETE", f"/plans/{plan_id}", token=token, headers=headers)
    return cast("ApiResponse[None]", answer)


async def list_priority_areas(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PriorityAreaList:
    """GET /plans/{plan_id}/priority-areas: List a plan's priority areas in order."""
    found = await api.read(f"/plans/{plan_id}/priority-areas", token=token, cache=cache)
    return cast("models.PriorityAreaList", found)


async def create_priority_area(
    api: ApiClient,
    plan_id: UUID | str,
    body: models.PriorityAreaCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PriorityAreaPublic]:
    """POST /plans/{plan_id}/priority-areas: Add a priority area."""
    answer = await api.request(
        "POST", f"/plans/{plan_id}/priority-areas", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.PriorityAreaPublic]", answer)


async def reorder_priority_areas(
    api: ApiClient,
    plan_id: UUID | str,
    body: models.PriorityAreaOrder,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PriorityAreaList]:
    """POST /plans/{plan_id}/priority-areas/order: Put a plan's priority areas in a new order."""
    answer = await api.request(
        "POST", f"/plans/{plan_id}/priority-areas/order", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.PriorityAreaList]", answer)


async def get_priority_area(
    api: ApiClient,
    area_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PriorityAreaPublic:
    """GET /priority-areas/{area_id}: Get a priority area."""
    found = await api.read(f"/priority-areas/{area_id}", token=token, cache=cache)
    return cast("models.PriorityAreaPublic", found)


async def get_priority_area_response(
    api: ApiClient,
    area_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.PriorityAreaPublic]:
    """`get_priority_area`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/priority-areas/{area_id}", token=token, raw=True)
    return cast("ApiResponse[models.PriorityAreaPublic]", answer)


async def update_priority_area(
    api: ApiClient,
    area_id: UUID | str,
    body: models.PriorityAreaUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PriorityAreaPublic]:
    """PATCH /priority-areas/{area_id}: Update a priority area (If-Match required)."""
    answer = await api.request(
        "PATCH", f"/priority-areas/{area_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.PriorityAreaPublic]", answer)


async def retire_priority_area(
    api: ApiClient,
    area_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PriorityAreaPublic]:
    """POST /priority-areas/{area_id}/retire: Retire a draft's priority area (If-Match
    required).
    """
    answer = await api.request(
        "POST", f"/priority-areas/{area_id}/retire", token=token, headers=headers
    )
    return cast("ApiResponse[models.PriorityAreaPublic]", answer)


async def list_plan_versions(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PlanVersionList:
    """GET /plans/{plan_id}/versions: List a plan's versions, newest first."""
    found = await api.read(f"/plans/{plan_id}/versions", token=token, cache=cache)
    return cast("models.PlanVersionList", found)


async def diff_plan_versions(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.DiffPlanVersionsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.PlanVersionDiff:
    """GET /plans/{plan_id}/versions/diff: What changed between two versions of a plan."""
    found = await api.read(
        f"/plans/{plan_id}/versions/diff", token=token, params=params, cache=cache
    )
    return cast("models.PlanVersionDiff", found)


async def get_plan_as_of(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.GetPlanAsOfParametersQuery | None = None,
    cache: Cache = "none",
) -> models.PlanAsOf:
    """GET /plans/{plan_id}/as-of: The plan and its commitments' status and progress as they
    stood on a date.
    """
    found = await api.read(f"/plans/{plan_id}/as-of", token=token, params=params, cache=cache)
    return cast("models.PlanAsOf", found)


async def get_plan_version(
    api: ApiClient,
    plan_id: UUID | str,
    number: int,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PlanVersionPublic:
    """GET /plans/{plan_id}/versions/{number}: Get one version of a plan with its full
    snapshot.
    """
    found = await api.read(f"/plans/{plan_id}/versions/{number}", token=token, cache=cache)
    return cast("models.PlanVersionPublic", found)


async def list_commitments(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.ListCommitmentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommitmentPage:
    """GET /plans/{plan_id}/commitments: List a plan's commitments (filtered, sorted,
    paginated, counted).
    """
    found = await api.read(f"/plans/{plan_id}/commitments", token=token, params=params, cache=cache)
    return cast("models.CommitmentPage", found)


async def create_commitment(
    api: ApiClient,
    plan_id: UUID | str,
    body: models.CommitmentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommitmentPublic]:
    """POST /plans/{plan_id}/commitments: Create a commitment under a priority area."""
    answer = await api.request(
        "POST", f"/plans/{plan_id}/commitments", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommitmentPublic]", answer)


async def get_plan_commitment_table(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.GetPlanCommitmentTableParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommitmentTable:
    """GET /plans/{plan_id}/commitment-table: A plan's commitments page in one read: the plan
    and one page of its commitments.
    """
    found = await api.read(
        f"/plans/{plan_id}/commitment-table", token=token, params=params, cache=cache
    )
    return cast("models.CommitmentTable", found)


async def get_plan_commitment_table_response(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.GetPlanCommitmentTableParametersQuery | None = None,
) -> ApiResponse[models.CommitmentTable]:
    """`get_plan_commitment_table`, its whole answer: headers, typed body, bytes."""
    answer = await api.request(
        "GET", f"/plans/{plan_id}/commitment-table", token=token, params=params, raw=True
    )
    return cast("ApiResponse[models.CommitmentTable]", answer)


async def get_commitment(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.CommitmentDetail:
    """GET /commitments/{commitment_id}: Get a commitment with its milestones and the exchanges
    that deliver it.
    """
    found = await api.read(f"/commitments/{commitment_id}", token=token, cache=cache)
    return cast("models.CommitmentDetail", found)


async def get_commitment_response(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.CommitmentDetail]:
    """`get_commitment`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/commitments/{commitment_id}", token=token, raw=True)
    return cast("ApiResponse[models.CommitmentDetail]", answer)


async def update_commitment(
    api: ApiClient,
    commitment_id: UUID | str,
    body: models.CommitmentUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommitmentPublic]:
    """PATCH /commitments/{commitment_id}: Update a commitment (If-Match required)."""
    answer = await api.request(
        "PATCH", f"/commitments/{commitment_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommitmentPublic]", answer)


async def cancel_commitment(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommitmentPublic]:
    """DELETE /commitments/{commitment_id}: Cancel a commitment (it stays on record; If-Match
    required).
    """
    answer = await api.request(
        "DELETE", f"/commitments/{commitment_id}", token=token, headers=headers
    )
    return cast("ApiResponse[models.CommitmentPublic]", answer)


async def list_milestones(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.MilestoneList:
    """GET /commitments/{commitment_id}/milestones: List a commitment's milestones."""
    found = await api.read(f"/commitments/{commitment_id}/milestones", token=token, cache=cache)
    return cast("models.MilestoneList", found)


async def create_milestone(
    api: ApiClient,
    commitment_id: UUID | str,
    body: models.MilestoneCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.MilestonePublic]:
    """POST /commitments/{commitment_id}/milestones: Add a milestone to a commitment."""
    answer = await api.request(
        "POST", f"/commitments/{commitment_id}/milestones", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.MilestonePublic]", answer)


async def get_milestone(
    api: ApiClient,
    milestone_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.MilestonePublic:
    """GET /milestones/{milestone_id}: Get a milestone."""
    found = await api.read(f"/milestones/{milestone_id}", token=token, cache=cache)
    return cast("models.MilestonePublic", found)


async def get_milestone_response(
    api: ApiClient,
    milestone_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.MilestonePublic]:
    """`get_milestone`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/milestones/{milestone_id}", token=token, raw=True)
    return cast("ApiResponse[models.MilestonePublic]", answer)


async def update_milestone(
    api: ApiClient,
    milestone_id: UUID | str,
    body: models.MilestoneUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.MilestonePublic]:
    """PATCH /milestones/{milestone_id}: Update a milestone (If-Match required)."""
    answer = await api.request(
        "PATCH", f"/milestones/{milestone_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.MilestonePublic]", answer)


async def delete_milestone(
    api: ApiClient,
    milestone_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /milestones/{milestone_id}: Remove a milestone (If-Match required)."""
    answer = await api.request(
        "DELETE", f"/milestones/{milestone_id}", token=token, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def list_exchanges(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.ListExchangesParametersQuery | None = None,
    cache: Cache = "none",
) -> models.ExchangePage:
    """GET /plans/{plan_id}/exchanges: List a plan's exchanges and placements (filtered,
    sorted, paginated, counted).
    """
    found = await api.read(f"/plans/{plan_id}/exchanges", token=token, params=params, cache=cache)
    return cast("models.ExchangePage", found)


async def create_exchange(
    api: ApiClient,
    plan_id: UUID | str,
    body: models.ExchangeCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ExchangePublic]:
    """POST /plans/{plan_id}/exchanges: Record an exchange or placement."""
    answer = await api.request(
        "POST", f"/plans/{plan_id}/exchanges", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.ExchangePublic]", answer)


async def get_exchange(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ExchangePublic:
    """GET /exchanges/{exchange_id}: Get an exchange with the commitments it delivers."""
    found = await api.read(f"/exchanges/{exchange_id}", token=token, cache=cache)
    return cast("models.ExchangePublic", found)


async def get_exchange_response(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.ExchangePublic]:
    """`get_exchange`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/exchanges/{exchange_id}", token=token, raw=True)
    return cast("ApiResponse[models.ExchangePublic]", answer)


async def update_exchange(
    api: ApiClient,
    exchange_id: UUID | str,
    body: models.ExchangeUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ExchangePublic]:
    """PATCH /exchanges/{exchange_id}: Update an exchange: status, outcome, lessons, links (If-
    Match required).
    """
    answer = await api.request(
        "PATCH", f"/exchanges/{exchange_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.ExchangePublic]", answer)


async def cancel_exchange(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ExchangePublic]:
    """DELETE /exchanges/{exchange_id}: Cancel an exchange (it stays on record with its
    history; If-Match required).
    """
    answer = await api.request("DELETE", f"/exchanges/{exchange_id}", token=token, headers=headers)
    return cast("ApiResponse[models.ExchangePublic]", answer)


async def get_plan_dashboard(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.Dashboard:
    """GET /plans/{plan_id}/dashboard: Where the plan stands: term, next review, progress by
    area, overdue items, exchanges ahead, recent activity.
    """
    found = await api.read(f"/plans/{plan_id}/dashboard", token=token, cache=cache)
    return cast("models.Dashboard", found)


async def get_plan_progress_history(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ProgressHistory:
    """GET /plans/{plan_id}/progress-history: The plan's burn-up: its commitments' scope,
    completions and progress over time.
    """
    found = await api.read(f"/plans/{plan_id}/progress-history", token=token, cache=cache)
    return cast("models.ProgressHistory", found)


async def get_plan_overview(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PlanOverview:
    """GET /plans/{plan_id}/overview: The plan's dashboard page in one read: where to start
    watching its events, the dashboard and the burn-up.
    """
    found = await api.read(f"/plans/{plan_id}/overview", token=token, cache=cache)
    return cast("models.PlanOverview", found)


async def get_plan_overview_response(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.PlanOverview]:
    """`get_plan_overview`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/plans/{plan_id}/overview", token=token, raw=True)
    return cast("ApiResponse[models.PlanOverview]", answer)


async def list_plan_reviews(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ReviewList:
    """GET /plans/{plan_id}/reviews: List a plan's review cycles in order, with their due dates
    and overdue flags.
    """
    found = await api.read(f"/plans/{plan_id}/reviews", token=token, cache=cache)
    return cast("models.ReviewList", found)


async def get_review(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ReviewPublic:
    """GET /reviews/{review_id}: Get a review: items with snapshots and assessments,
    disagreements, sign-offs.
    """
    found = await api.read(f"/reviews/{review_id}", token=token, cache=cache)
    return cast("models.ReviewPublic", found)


async def get_review_response(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.ReviewPublic]:
    """`get_review`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/reviews/{review_id}", token=token, raw=True)
    return cast("ApiResponse[models.ReviewPublic]", answer)


async def update_review(
    api: ApiClient,
    review_id: UUID | str,
    body: models.ReviewUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ReviewPublic]:
    """PATCH /reviews/{review_id}: Write the joint summary or the outcome of an open review
    (If-Match required; withdraws the sign-offs given so far).
    """
    answer = await api.request(
        "PATCH", f"/reviews/{review_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.ReviewPublic]", answer)


async def get_review_workspace(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    params: models.GetReviewWorkspaceParametersQuery | None = None,
    cache: Cache = "none",
) -> models.ReviewWorkspace:
    """GET /reviews/{review_id}/workspace: A review's page in one read: where to start watching
    its plan's events, the review, its plan, its files and a page of its comment threads.
    """
    found = await api.read(
        f"/reviews/{review_id}/workspace", token=token, params=params, cache=cache
    )
    return cast("models.ReviewWorkspace", found)


async def get_review_workspace_response(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    params: models.GetReviewWorkspaceParametersQuery | None = None,
) -> ApiResponse[models.ReviewWorkspace]:
    """`get_review_workspace`, its whole answer: headers, typed body, bytes."""
    answer = await api.request(
        "GET", f"/reviews/{review_id}/workspace", token=token, params=params, raw=True
    )
    return cast("ApiResponse[models.ReviewWorkspace]", answer)


async def open_review(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ReviewPublic]:
    """POST /reviews/{review_id}/open: Open a scheduled review: snapshot every live commitment
    for assessment.
    """
    answer = await api.request("POST", f"/reviews/{review_id}/open", token=token, headers=headers)
    return cast("ApiResponse[models.ReviewPublic]", answer)


async def put_review_assessment(
    api: ApiClient,
    review_id: UUID | str,
    item_id: UUID | str,
    body: models.AssessmentWrite,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ReviewItemPublic]:
    """PUT /reviews/{review_id}/items/{item_id}/assessment: Record your own party's assessment
    of a commitment under review (If-Match: the item's ETag).
    """
    answer = await api.request(
        "PUT",
        f"/reviews/{review_id}/items/{item_id}/assessment",
        token=token,
        json=body,
        headers=headers,
    )
    return cast("ApiResponse[models.ReviewItemPublic]", answer)


async def update_review_item(
    api: ApiClient,
    review_id: UUID | str,
    item_id: UUID | str,
    body: models.ReviewItemUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ReviewItemPublic]:
    """PATCH /reviews/{review_id}/items/{item_id}: Record the agreed rating of a commitment
    under review (If-Match required; withdraws the sign-offs given so far).
    """
    answer = await api.request(
        "PATCH", f"/reviews/{review_id}/items/{item_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.ReviewItemPublic]", answer)


async def agree_where_parties_agree(
    api: ApiClient,
    review_id: UUID | str,
    body: models.AgreeWherePartiesAgree,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AgreeResult]:
    """POST /reviews/{review_id}/agree-where-parties-agree: Record, in one step, the agreed
    rating of every named item every party assessed alike (approvers; items changed since
    you read them are skipped and reported).
    """
    answer = await api.request(
        "POST",
        f"/reviews/{review_id}/agree-where-parties-agree",
        token=token,
        json=body,
        headers=headers,
    )
    return cast("ApiResponse[models.AgreeResult]", answer)


async def sign_off_review(
    api: ApiClient,
    review_id: UUID | str,
    body: models.SignOffCreate | None = None,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ReviewPublic]:
    """POST /reviews/{review_id}/sign-offs: Sign a review off for your own party (approvers
    only; If-Match required; signing again changes nothing).
    """
    answer = await api.request(
        "POST", f"/reviews/{review_id}/sign-offs", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.ReviewPublic]", answer)


async def conclude_review(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ReviewPublic]:
    """POST /reviews/{review_id}/conclude: Conclude a review signed off by every party:
    commitments take their agreed ratings as health.
    """
    answer = await api.request(
        "POST", f"/reviews/{review_id}/conclude", token=token, headers=headers
    )
    return cast("ApiResponse[models.ReviewPublic]", answer)


GetPlanCalendarAccept = Literal["text/calendar"]


async def get_plan_calendar(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    accept: GetPlanCalendarAccept | None = None,
) -> ApiResponse[None]:
    """GET /plans/{plan_id}/calendar.ics: The plan's dates as iCalendar: exchanges, due dates,
    milestones, reviews, expiry.
    """
    return await api.request(
        "GET",
        f"/plans/{plan_id}/calendar.ics",
        token=token,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


GetCalendarFeedAccept = Literal["text/calendar"]


async def get_calendar_feed(
    api: ApiClient,
    secret: str,
    *,
    token: str | None,
    accept: GetCalendarFeedAccept | None = None,
) -> ApiResponse[None]:
    """GET /calendar-feeds/{secret}.ics: A personal calendar feed (no header needed: the secret
    URL is the credential).
    """
    return await api.request(
        "GET",
        f"/calendar-feeds/{secret}.ics",
        token=token,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


async def list_calendar_feeds(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.CalendarFeedList:
    """GET /users/me/calendar-feeds: List my calendar feed URLs (without their secrets)."""
    found = await api.read("/users/me/calendar-feeds", token=token, cache=cache)
    return cast("models.CalendarFeedList", found)


async def create_calendar_feed(
    api: ApiClient,
    body: models.CalendarFeedCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CalendarFeedCreated]:
    """POST /users/me/calendar-feeds: Create a personal calendar feed URL (shown once)."""
    answer = await api.request(
        "POST", "/users/me/calendar-feeds", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CalendarFeedCreated]", answer)


async def revoke_calendar_feed(
    api: ApiClient,
    feed_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /users/me/calendar-feeds/{feed_id}: Revoke a calendar feed URL at once."""
    answer = await api.request(
        "DELETE", f"/users/me/calendar-feeds/{feed_id}", token=token, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def list_saved_views(
    api: ApiClient,
    *,
    token: str | None,
    params: models.ListSavedViewsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.SavedViewPage:
    """GET /users/me/saved-views: List my saved views (of one list, or of both), by name."""
    found = await api.read("/users/me/saved-views", token=token, params=params, cache=cache)
    return cast("models.SavedViewPage", found)


async def create_saved_view(
    api: ApiClient,
    body: models.SavedViewCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.SavedViewPublic]:
    """POST /users/me/saved-views: Save a list's filters and order under a name (for me alone)."""
    answer = await api.request(
        "POST", "/users/me/saved-views", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.SavedViewPublic]", answer)


async def delete_saved_view(
    api: ApiClient,
    view_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /users/me/saved-views/{view_id}: Delete one of my saved views."""
    answer = await api.request(
        "DELETE", f"/users/me/saved-views/{view_id}", token=token, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def list_amendment_operations(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AmendmentOperationList:
    """GET /amendment-operations: The kinds of operation a change set can hold, described for
    clients.
    """
    found = await api.read("/amendment-operations", token=token, cache=cache)
    return cast("models.AmendmentOperationList", found)


async def list_amendments(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.ListAmendmentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AmendmentPage:
    """GET /plans/{plan_id}/amendments: List a plan's amendments, newest first."""
    found = await api.read(f"/plans/{plan_id}/amendments", token=token, params=params, cache=cache)
    return cast("models.AmendmentPage", found)


async def propose_amendment(
    api: ApiClient,
    plan_id: UUID | str,
    body: models.AmendmentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AmendmentPublic]:
    """POST /plans/{plan_id}/amendments: Propose what every party must consent to: a draft's
    coming into force, a change to a plan in force, its termination or renewal.
    """
    answer = await api.request(
        "POST", f"/plans/{plan_id}/amendments", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.AmendmentPublic]", answer)


async def list_plan_consents(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ConsentRecordList:
    """GET /plans/{plan_id}/consents: The plan's record of consent: each consent applied, with
    every party's approval.
    """
    found = await api.read(f"/plans/{plan_id}/consents", token=token, cache=cache)
    return cast("models.ConsentRecordList", found)


async def get_amendment(
    api: ApiClient,
    amendment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AmendmentPublic:
    """GET /amendments/{amendment_id}: Get an amendment with each party's decision."""
    found = await api.read(f"/amendments/{amendment_id}", token=token, cache=cache)
    return cast("models.AmendmentPublic", found)


async def get_amendment_response(
    api: ApiClient,
    amendment_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.AmendmentPublic]:
    """`get_amendment`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/amendments/{amendment_id}", token=token, raw=True)
    return cast("ApiResponse[models.AmendmentPublic]", answer)


async def decide_amendment(
    api: ApiClient,
    amendment_id: UUID | str,
    body: models.AmendmentDecisionCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AmendmentPublic]:
    """POST /amendments/{amendment_id}/approvals: Approve or reject an amendment for your own
    party (approvers).
    """
    answer = await api.request(
        "POST", f"/amendments/{amendment_id}/approvals", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.AmendmentPublic]", answer)


async def withdraw_amendment(
    api: ApiClient,
    amendment_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AmendmentPublic]:
    """POST /amendments/{amendment_id}/withdraw: Withdraw a proposed amendment (the proposing
    party's writers).
    """
    answer = await api.request(
        "POST", f"/amendments/{amendment_id}/withdraw", token=token, headers=headers
    )
    return cast("ApiResponse[models.AmendmentPublic]", answer)


RenderPlanDocumentAccept = Literal[
    "text/html",
    "text/markdown",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
]


async def render_plan_document(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.RenderPlanDocumentParametersQuery | None = None,
    accept: RenderPlanDocumentAccept | None = None,
) -> ApiResponse[None]:
    """GET /plans/{plan_id}/document: The plan as a document (HTML, Markdown, PDF, Word or
    OpenDocument text) in the seed's structure.
    """
    return await api.request(
        "GET",
        f"/plans/{plan_id}/document",
        token=token,
        params=params,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


async def import_plan_document(
    api: ApiClient,
    *,
    token: str | None,
    params: models.ImportPlanDocumentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PlanImportResult]:
    """POST /plans/import: Create a draft plan from the text of a plan document."""
    answer = await api.request(
        "POST",
        "/plans/import",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.PlanImportResult]", answer)


async def export_plan(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PlanExport:
    """GET /plans/{plan_id}/export: Export a whole plan as one JSON document (what you may see
    of it).
    """
    found = await api.read(f"/plans/{plan_id}/export", token=token, cache=cache)
    return cast("models.PlanExport", found)


async def export_plan_response(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.PlanExport]:
    """`export_plan`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/plans/{plan_id}/export", token=token, raw=True)
    return cast("ApiResponse[models.PlanExport]", answer)


async def import_plan_export(
    api: ApiClient,
    body: dict[str, Any],
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PlanExportImported]:
    """POST /plans/import-json: Import a whole plan from a plan export."""
    answer = await api.request(
        "POST", "/plans/import-json", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.PlanExportImported]", answer)


async def get_plan_export_schema(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.JsonSchemaDocument:
    """GET /schemas/plan-export.json: The JSON Schema of plan exports."""
    found = await api.read("/schemas/plan-export.json", token=token, cache=cache)
    return cast("models.JsonSchemaDocument", found)


ExportCommitmentsAccept = Literal[
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
]


async def export_commitments(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.ExportCommitmentsParametersQuery | None = None,
    accept: ExportCommitmentsAccept | None = None,
) -> ApiResponse[None]:
    """GET /plans/{plan_id}/commitments/export: The commitment list (same filters and order) as
    CSV or XLSX.
    """
    return await api.request(
        "GET",
        f"/plans/{plan_id}/commitments/export",
        token=token,
        params=params,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


ExportExchangesAccept = Literal[
    "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
]


async def export_exchanges(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.ExportExchangesParametersQuery | None = None,
    accept: ExportExchangesAccept | None = None,
) -> ApiResponse[None]:
    """GET /plans/{plan_id}/exchanges/export: The exchange list (same filters and order) as CSV
    or XLSX.
    """
    return await api.request(
        "GET",
        f"/plans/{plan_id}/exchanges/export",
        token=token,
        params=params,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


async def list_parties(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PartyList:
    """GET /parties: List parties."""
    found = await api.read("/parties", token=token, cache=cache)
    return cast("models.PartyList", found)


async def create_party(
    api: ApiClient,
    body: models.PartyCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.PartyPublic]:
    """POST /parties: Create a party."""
    answer = await api.request("POST", "/parties", token=token, json=body, headers=headers)
    return cast("ApiResponse[models.PartyPublic]", answer)


async def get_party(
    api: ApiClient,
    party_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.PartyPublic:
    """GET /parties/{party_id}: Get a party."""
    found = await api.read(f"/parties/{party_id}", token=token, cache=cache)
    return cast("models.PartyPublic", found)


async def list_organisations(
    api: ApiClient,
    *,
    token: str | None,
    params: models.ListOrganisationsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.OrganisationList:
    """GET /organisations: List organisations."""
    found = await api.read("/organisations", token=token, params=params, cache=cache)
    return cast("models.OrganisationList", found)


async def create_organisation(
    api: ApiClient,
    party_id: UUID | str,
    body: models.OrganisationCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.OrganisationPublic]:
    """POST /parties/{party_id}/organisations: Create an organisation of a party."""
    answer = await api.request(
        "POST", f"/parties/{party_id}/organisations", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.OrganisationPublic]", answer)


async def get_organisation(
    api: ApiClient,
    organisation_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.OrganisationPublic:
    """GET /organisations/{organisation_id}: Get an organisation."""
    found = await api.read(f"/organisations/{organisation_id}", token=token, cache=cache)
    return cast("models.OrganisationPublic", found)


async def get_organisation_response(
    api: ApiClient,
    organisation_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.OrganisationPublic]:
    """`get_organisation`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/organisations/{organisation_id}", token=token, raw=True)
    return cast("ApiResponse[models.OrganisationPublic]", answer)


async def update_organisation(
    api: ApiClient,
    organisation_id: UUID | str,
    body: models.OrganisationUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.OrganisationPublic]:
    """PATCH /organisations/{organisation_id}: Change an organisation's names or code (admins
    of its party; If-Match).
    """
    answer = await api.request(
        "PATCH", f"/organisations/{organisation_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.OrganisationPublic]", answer)


async def list_audit_events(
    api: ApiClient,
    *,
    token: str | None,
    params: models.ListAuditEventsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AuditEventPage:
    """GET /audit-events: List audit events, newest first (only what your party may see)."""
    found = await api.read("/audit-events", token=token, params=params, cache=cache)
    return cast("models.AuditEventPage", found)


async def verify_audit_chain(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AuditChainVerification:
    """GET /audit-chain/verification: Walk the whole audit chain and report the first broken
    link, if any (admins).
    """
    found = await api.read("/audit-chain/verification", token=token, cache=cache)
    return cast("models.AuditChainVerification", found)


async def get_plan_history(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.GetPlanHistoryParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AuditEventPage:
    """GET /plans/{plan_id}/history: The audit history of a plan."""
    found = await api.read(f"/plans/{plan_id}/history", token=token, params=params, cache=cache)
    return cast("models.AuditEventPage", found)


async def get_priority_area_history(
    api: ApiClient,
    area_id: UUID | str,
    *,
    token: str | None,
    params: models.GetPriorityAreaHistoryParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AuditEventPage:
    """GET /priority-areas/{area_id}/history: The audit history of a priority area."""
    found = await api.read(
        f"/priority-areas/{area_id}/history", token=token, params=params, cache=cache
    )
    return cast("models.AuditEventPage", found)


async def get_commitment_history(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    params: models.GetCommitmentHistoryParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AuditEventPage:
    """GET /commitments/{commitment_id}/history: The audit history of a commitment."""
    found = await api.read(
        f"/commitments/{commitment_id}/history", token=token, params=params, cache=cache
    )
    return cast("models.AuditEventPage", found)


async def get_milestone_history(
    api: ApiClient,
    milestone_id: UUID | str,
    *,
    token: str | None,
    params: models.GetMilestoneHistoryParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AuditEventPage:
    """GET /milestones/{milestone_id}/history: The audit history of a milestone."""
    found = await api.read(
        f"/milestones/{milestone_id}/history", token=token, params=params, cache=cache
    )
    return cast("models.AuditEventPage", found)


async def get_exchange_history(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
    params: models.GetExchangeHistoryParametersQuery | None = None,
    cache: Cache = "none",
) -> models.AuditEventPage:
    """GET /exchanges/{exchange_id}/history: The audit history of an exchange."""
    found = await api.read(
        f"/exchanges/{exchange_id}/history", token=token, params=params, cache=cache
    )
    return cast("models.AuditEventPage", found)


async def wait_for_plan_events(
    api: ApiClient,
    plan_id: UUID | str,
    *,
    token: str | None,
    params: models.WaitForPlanEventsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.PlanEventBatch:
    """GET /plans/{plan_id}/events: Wait for a plan's audit events after a sequence number
    (long poll).
    """
    found = await api.read(f"/plans/{plan_id}/events", token=token, params=params, cache=cache)
    return cast("models.PlanEventBatch", found)


async def list_webhook_endpoints(
    api: ApiClient,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.WebhookEndpointList:
    """GET /webhook-endpoints: List my party's webhook endpoints (admins)."""
    found = await api.read("/webhook-endpoints", token=token, cache=cache)
    return cast("models.WebhookEndpointList", found)


async def create_webhook_endpoint(
    api: ApiClient,
    body: models.WebhookEndpointCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.WebhookEndpointWithSecret]:
    """POST /webhook-endpoints: Register a webhook endpoint for my party (admins); its secret
    is shown this once.
    """
    answer = await api.request(
        "POST", "/webhook-endpoints", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.WebhookEndpointWithSecret]", answer)


async def get_webhook_endpoint(
    api: ApiClient,
    endpoint_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.WebhookEndpointPublic:
    """GET /webhook-endpoints/{endpoint_id}: Get a webhook endpoint of my party (admins; never
    its secret).
    """
    found = await api.read(f"/webhook-endpoints/{endpoint_id}", token=token, cache=cache)
    return cast("models.WebhookEndpointPublic", found)


async def get_webhook_endpoint_response(
    api: ApiClient,
    endpoint_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.WebhookEndpointPublic]:
    """`get_webhook_endpoint`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/webhook-endpoints/{endpoint_id}", token=token, raw=True)
    return cast("ApiResponse[models.WebhookEndpointPublic]", answer)


async def update_webhook_endpoint(
    api: ApiClient,
    endpoint_id: UUID | str,
    body: models.WebhookEndpointUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.WebhookEndpointPublic]:
    """PATCH /webhook-endpoints/{endpoint_id}: Change or disable a webhook endpoint (admins;
    If-Match required).
    """
    answer = await api.request(
        "PATCH", f"/webhook-endpoints/{endpoint_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.WebhookEndpointPublic]", answer)


async def delete_webhook_endpoint(
    api: ApiClient,
    endpoint_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /webhook-endpoints/{endpoint_id}: Remove a webhook endpoint and its deliveries
    (admins; If-Match required).
    """
    answer = await api.request(
        "DELETE", f"/webhook-endpoints/{endpoint_id}", token=token, headers=headers
    )
    return cast("ApiResponse[None]", answer)


async def rotate_webhook_secret(
    api: ApiClient,
    endpoint_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.WebhookEndpointWithSecret]:
    """POST /webhook-endpoints/{endpoint_id}/secret: Replace an endpoint's signing secret
    (admins); the new one is shown this once.
    """
    answer = await api.request(
        "POST", f"/webhook-endpoints/{endpoint_id}/secret", token=token, headers=headers
    )
    return cast("ApiResponse[models.WebhookEndpointWithSecret]", answer)


async def list_webhook_deliveries(
    api: ApiClient,
    endpoint_id: UUID | str,
    *,
    token: str | None,
    params: models.ListWebhookDeliveriesParametersQuery | None = None,
    cache: Cache = "none",
) -> models.WebhookDeliveryList:
    """GET /webhook-endpoints/{endpoint_id}/deliveries: List what was sent (or is to be sent)
    to an endpoint, newest first (admins).
    """
    found = await api.read(
        f"/webhook-endpoints/{endpoint_id}/deliveries", token=token, params=params, cache=cache
    )
    return cast("models.WebhookDeliveryList", found)


async def get_webhook_delivery(
    api: ApiClient,
    endpoint_id: UUID | str,
    delivery_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.WebhookDeliveryPublic:
    """GET /webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}: Get one delivery of an
    endpoint (admins).
    """
    found = await api.read(
        f"/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}", token=token, cache=cache
    )
    return cast("models.WebhookDeliveryPublic", found)


async def replay_webhook_delivery(
    api: ApiClient,
    endpoint_id: UUID | str,
    delivery_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.WebhookDeliveryPublic]:
    """POST /webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay: Send a delivery
    again, with the same webhook-id and body (admins).
    """
    answer = await api.request(
        "POST",
        f"/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/replay",
        token=token,
        headers=headers,
    )
    return cast("ApiResponse[models.WebhookDeliveryPublic]", answer)


async def upload_commitment_attachment(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    params: models.UploadCommitmentAttachmentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AttachmentPublic]:
    """POST /commitments/{commitment_id}/attachments: Attach a file to a commitment (multipart,
    streamed).
    """
    answer = await api.request(
        "POST",
        f"/commitments/{commitment_id}/attachments",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def list_commitment_attachments(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentList:
    """GET /commitments/{commitment_id}/attachments: List a commitment's attachments."""
    found = await api.read(f"/commitments/{commitment_id}/attachments", token=token, cache=cache)
    return cast("models.AttachmentList", found)


async def upload_exchange_attachment(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
    params: models.UploadExchangeAttachmentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AttachmentPublic]:
    """POST /exchanges/{exchange_id}/attachments: Attach a file to an exchange (multipart,
    streamed).
    """
    answer = await api.request(
        "POST",
        f"/exchanges/{exchange_id}/attachments",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def list_exchange_attachments(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentList:
    """GET /exchanges/{exchange_id}/attachments: List an exchange's attachments."""
    found = await api.read(f"/exchanges/{exchange_id}/attachments", token=token, cache=cache)
    return cast("models.AttachmentList", found)


async def upload_review_attachment(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    params: models.UploadReviewAttachmentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AttachmentPublic]:
    """POST /reviews/{review_id}/attachments: Attach a file to a review (multipart, streamed)."""
    answer = await api.request(
        "POST",
        f"/reviews/{review_id}/attachments",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def list_review_attachments(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentList:
    """GET /reviews/{review_id}/attachments: List a review's attachments."""
    found = await api.read(f"/reviews/{review_id}/attachments", token=token, cache=cache)
    return cast("models.AttachmentList", found)


async def upload_review_item_attachment(
    api: ApiClient,
    review_id: UUID | str,
    item_id: UUID | str,
    *,
    token: str | None,
    params: models.UploadReviewItemAttachmentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AttachmentPublic]:
    """POST /reviews/{review_id}/items/{item_id}/attachments: Attach a file to a review item
    (multipart, streamed).
    """
    answer = await api.request(
        "POST",
        f"/reviews/{review_id}/items/{item_id}/attachments",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def list_review_item_attachments(
    api: ApiClient,
    review_id: UUID | str,
    item_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentList:
    """GET /reviews/{review_id}/items/{item_id}/attachments: List a review item's attachments."""
    found = await api.read(
        f"/reviews/{review_id}/items/{item_id}/attachments", token=token, cache=cache
    )
    return cast("models.AttachmentList", found)


async def upload_amendment_attachment(
    api: ApiClient,
    amendment_id: UUID | str,
    *,
    token: str | None,
    params: models.UploadAmendmentAttachmentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AttachmentPublic]:
    """POST /amendments/{amendment_id}/attachments: Attach a file to an amendment (multipart,
    streamed).
    """
    answer = await api.request(
        "POST",
        f"/amendments/{amendment_id}/attachments",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def list_amendment_attachments(
    api: ApiClient,
    amendment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentList:
    """GET /amendments/{amendment_id}/attachments: List an amendment's attachments."""
    found = await api.read(f"/amendments/{amendment_id}/attachments", token=token, cache=cache)
    return cast("models.AttachmentList", found)


async def upload_progress_update_attachment(
    api: ApiClient,
    update_id: UUID | str,
    *,
    token: str | None,
    params: models.UploadProgressUpdateAttachmentParametersQuery | None = None,
    files: Any = None,
    content: Any = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.AttachmentPublic]:
    """POST /updates/{update_id}/attachments: Attach evidence to a progress update (multipart,
    streamed).
    """
    answer = await api.request(
        "POST",
        f"/updates/{update_id}/attachments",
        token=token,
        params=params,
        files=files,
        content=content,
        headers=headers,
    )
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def list_progress_update_attachments(
    api: ApiClient,
    update_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentList:
    """GET /updates/{update_id}/attachments: List a progress update's evidence."""
    found = await api.read(f"/updates/{update_id}/attachments", token=token, cache=cache)
    return cast("models.AttachmentList", found)


async def get_attachment(
    api: ApiClient,
    attachment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.AttachmentPublic:
    """GET /attachments/{attachment_id}: Get an attachment's metadata (name, type, size,
    SHA-256).
    """
    found = await api.read(f"/attachments/{attachment_id}", token=token, cache=cache)
    return cast("models.AttachmentPublic", found)


async def get_attachment_response(
    api: ApiClient,
    attachment_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.AttachmentPublic]:
    """`get_attachment`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/attachments/{attachment_id}", token=token, raw=True)
    return cast("ApiResponse[models.AttachmentPublic]", answer)


async def delete_attachment(
    api: ApiClient,
    attachment_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /attachments/{attachment_id}: Delete an attachment (soft: its hash stays on
    record and in the audit log; If-Match required).
    """
    answer = await api.request(
        "DELETE", f"/attachments/{attachment_id}", token=token, headers=headers
    )
    return cast("ApiResponse[None]", answer)


DownloadAttachmentAccept = Literal[
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
]


async def download_attachment(
    api: ApiClient,
    attachment_id: UUID | str,
    *,
    token: str | None,
    accept: DownloadAttachmentAccept | None = None,
) -> ApiResponse[None]:
    """GET /attachments/{attachment_id}/content: Download an attachment's file (always as an
    attachment, never inline).
    """
    return await api.request(
        "GET",
        f"/attachments/{attachment_id}/content",
        token=token,
        headers={"Accept": accept} if accept is not None else None,
        raw=True,
    )


async def create_commitment_comment(
    api: ApiClient,
    commitment_id: UUID | str,
    body: models.CommentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommentPublic]:
    """POST /commitments/{commitment_id}/comments: Comment on a commitment, or reply in one of
    its threads.
    """
    answer = await api.request(
        "POST", f"/commitments/{commitment_id}/comments", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommentPublic]", answer)


async def list_commitment_comments(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    params: models.ListCommitmentCommentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommentThreadPage:
    """GET /commitments/{commitment_id}/comments: A commitment's comment threads (oldest first,
    cursor-paginated).
    """
    found = await api.read(
        f"/commitments/{commitment_id}/comments", token=token, params=params, cache=cache
    )
    return cast("models.CommentThreadPage", found)


async def create_exchange_comment(
    api: ApiClient,
    exchange_id: UUID | str,
    body: models.CommentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommentPublic]:
    """POST /exchanges/{exchange_id}/comments: Comment on an exchange, or reply in one of its
    threads.
    """
    answer = await api.request(
        "POST", f"/exchanges/{exchange_id}/comments", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommentPublic]", answer)


async def list_exchange_comments(
    api: ApiClient,
    exchange_id: UUID | str,
    *,
    token: str | None,
    params: models.ListExchangeCommentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommentThreadPage:
    """GET /exchanges/{exchange_id}/comments: An exchange's comment threads (oldest first,
    cursor-paginated).
    """
    found = await api.read(
        f"/exchanges/{exchange_id}/comments", token=token, params=params, cache=cache
    )
    return cast("models.CommentThreadPage", found)


async def create_review_comment(
    api: ApiClient,
    review_id: UUID | str,
    body: models.CommentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommentPublic]:
    """POST /reviews/{review_id}/comments: Comment on a review, or reply in one of its threads."""
    answer = await api.request(
        "POST", f"/reviews/{review_id}/comments", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommentPublic]", answer)


async def list_review_comments(
    api: ApiClient,
    review_id: UUID | str,
    *,
    token: str | None,
    params: models.ListReviewCommentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommentThreadPage:
    """GET /reviews/{review_id}/comments: A review's comment threads (oldest first, cursor-
    paginated).
    """
    found = await api.read(
        f"/reviews/{review_id}/comments", token=token, params=params, cache=cache
    )
    return cast("models.CommentThreadPage", found)


async def create_review_item_comment(
    api: ApiClient,
    review_id: UUID | str,
    item_id: UUID | str,
    body: models.CommentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommentPublic]:
    """POST /reviews/{review_id}/items/{item_id}/comments: Comment on a review item, or reply
    in one of its threads.
    """
    answer = await api.request(
        "POST",
        f"/reviews/{review_id}/items/{item_id}/comments",
        token=token,
        json=body,
        headers=headers,
    )
    return cast("ApiResponse[models.CommentPublic]", answer)


async def list_review_item_comments(
    api: ApiClient,
    review_id: UUID | str,
    item_id: UUID | str,
    *,
    token: str | None,
    params: models.ListReviewItemCommentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommentThreadPage:
    """GET /reviews/{review_id}/items/{item_id}/comments: A review item's comment threads
    (oldest first, cursor-paginated).
    """
    found = await api.read(
        f"/reviews/{review_id}/items/{item_id}/comments", token=token, params=params, cache=cache
    )
    return cast("models.CommentThreadPage", found)


async def create_amendment_comment(
    api: ApiClient,
    amendment_id: UUID | str,
    body: models.CommentCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommentPublic]:
    """POST /amendments/{amendment_id}/comments: Comment on an amendment, or reply in one of
    its threads.
    """
    answer = await api.request(
        "POST", f"/amendments/{amendment_id}/comments", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommentPublic]", answer)


async def list_amendment_comments(
    api: ApiClient,
    amendment_id: UUID | str,
    *,
    token: str | None,
    params: models.ListAmendmentCommentsParametersQuery | None = None,
    cache: Cache = "none",
) -> models.CommentThreadPage:
    """GET /amendments/{amendment_id}/comments: An amendment's comment threads (oldest first,
    cursor-paginated).
    """
    found = await api.read(
        f"/amendments/{amendment_id}/comments", token=token, params=params, cache=cache
    )
    return cast("models.CommentThreadPage", found)


async def get_comment(
    api: ApiClient,
    comment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.CommentPublic:
    """GET /comments/{comment_id}: Get a comment."""
    found = await api.read(f"/comments/{comment_id}", token=token, cache=cache)
    return cast("models.CommentPublic", found)


async def get_comment_response(
    api: ApiClient,
    comment_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.CommentPublic]:
    """`get_comment`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/comments/{comment_id}", token=token, raw=True)
    return cast("ApiResponse[models.CommentPublic]", answer)


async def update_comment(
    api: ApiClient,
    comment_id: UUID | str,
    body: models.CommentUpdate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.CommentPublic]:
    """PATCH /comments/{comment_id}: Edit your comment (the previous body is kept as a
    revision; If-Match required).
    """
    answer = await api.request(
        "PATCH", f"/comments/{comment_id}", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.CommentPublic]", answer)


async def delete_comment(
    api: ApiClient,
    comment_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[None]:
    """DELETE /comments/{comment_id}: Delete a comment (soft: its thread shows it as deleted;
    If-Match required).
    """
    answer = await api.request("DELETE", f"/comments/{comment_id}", token=token, headers=headers)
    return cast("ApiResponse[None]", answer)


async def list_comment_revisions(
    api: ApiClient,
    comment_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.CommentRevisionList:
    """GET /comments/{comment_id}/revisions: The earlier bodies of an edited comment (first
    posted first).
    """
    found = await api.read(f"/comments/{comment_id}/revisions", token=token, cache=cache)
    return cast("models.CommentRevisionList", found)


async def create_progress_update(
    api: ApiClient,
    commitment_id: UUID | str,
    body: models.ProgressUpdateCreate,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ProgressUpdatePublic]:
    """POST /commitments/{commitment_id}/updates: Post a progress update on a commitment (If-
    Match: the commitment's ETag).
    """
    answer = await api.request(
        "POST", f"/commitments/{commitment_id}/updates", token=token, json=body, headers=headers
    )
    return cast("ApiResponse[models.ProgressUpdatePublic]", answer)


async def list_progress_updates(
    api: ApiClient,
    commitment_id: UUID | str,
    *,
    token: str | None,
    params: models.ListProgressUpdatesParametersQuery | None = None,
    cache: Cache = "none",
) -> models.ProgressUpdatePage:
    """GET /commitments/{commitment_id}/updates: A commitment's progress updates, newest as-of
    date first (cursor-paginated).
    """
    found = await api.read(
        f"/commitments/{commitment_id}/updates", token=token, params=params, cache=cache
    )
    return cast("models.ProgressUpdatePage", found)


async def get_progress_update(
    api: ApiClient,
    update_id: UUID | str,
    *,
    token: str | None,
    cache: Cache = "none",
) -> models.ProgressUpdatePublic:
    """GET /updates/{update_id}: Get a progress update with its evidence."""
    found = await api.read(f"/updates/{update_id}", token=token, cache=cache)
    return cast("models.ProgressUpdatePublic", found)


async def get_progress_update_response(
    api: ApiClient,
    update_id: UUID | str,
    *,
    token: str | None,
) -> ApiResponse[models.ProgressUpdatePublic]:
    """`get_progress_update`, its whole answer: headers, typed body, bytes."""
    answer = await api.request("GET", f"/updates/{update_id}", token=token, raw=True)
    return cast("ApiResponse[models.ProgressUpdatePublic]", answer)


async def confirm_progress_update(
    api: ApiClient,
    update_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ProgressUpdatePublic]:
    """POST /updates/{update_id}/confirm: Confirm a pending progress update: it counts now (an
    approver of the lead party; If-Match required).
    """
    answer = await api.request(
        "POST", f"/updates/{update_id}/confirm", token=token, headers=headers
    )
    return cast("ApiResponse[models.ProgressUpdatePublic]", answer)


async def reject_progress_update(
    api: ApiClient,
    update_id: UUID | str,
    *,
    token: str | None,
    headers: dict[str, str] | None = None,
) -> ApiResponse[models.ProgressUpdatePublic]:
    """POST /updates/{update_id}/reject: Reject a pending progress update: it never counts (an
    approver of the lead party; If-Match required).
    """
    answer = await api.request("POST", f"/updates/{update_id}/reject", token=token, headers=headers)
    return cast("ApiResponse[models.ProgressUpdatePublic]", answer)
