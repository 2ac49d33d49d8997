"""What the list and form pages share: filters from the address, the edit that sends
If-Match and explains a conflict, and who changed what since the user's version."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from itpp_web import messages
from itpp_web.api import ApiError, ApiResponse
from itpp_web.contract import models, operations
from itpp_web.forms import text
from itpp_web.labels import LABELS
from itpp_web.messages import translate
from itpp_web.web import Viewer, api_of, formatter

# The statuses of a commitment, in the order the pages offer them.
COMMITMENT_STATUSES = tuple(LABELS["commitment_status"])


async def commitment_history(
    request: Request, viewer: Viewer, commitment_id: str
) -> list[models.AuditEventPublic]:
    """The newest 50 entries of a commitment's history (the commitment page and the update
    form shown again with its problem)."""
    page = await operations.get_commitment_history(
        api_of(request), commitment_id, token=viewer.token, params={"limit": 50}
    )
    return list(page["items"])


History = Callable[[], Awaitable[Sequence[Mapping[str, Any]]]]


def list_filters(
    request: Request, repeatable: tuple[str, ...], single: tuple[str, ...]
) -> dict[str, Any]:
    """A list page's filters from the address: lists for repeatable ones, strings otherwise."""
    query = request.query_params
    chosen: dict[str, Any] = {}
    for name in repeatable:
        values = [value for value in query.getlist(name) if value]
        if values:
            chosen[name] = values
    for name in single:
        value = query.get(name, "").strip()
        if value:
            chosen[name] = value
    return chosen


def query_string(filters: dict[str, Any], **changes: Any) -> str:
    """The address query of the filters with some changed (None or "" drops one)."""
    merged = {**filters, **changes}
    pairs: list[tuple[str, str]] = []
    for name, value in merged.items():
        if value is None or value == "":
            continue
        if isinstance(value, list):
            pairs.extend((name, str(item)) for item in value)
        else:
            pairs.append((name, str(value)))
    return urlencode(pairs)


def changes_since(history: Sequence[Mapping[str, Any]], seen: str) -> list[Mapping[str, Any]]:
    """The recorded changes made after the version the user had open (at least the last)."""
    try:
        seen_at = dt.datetime.fromisoformat(seen) if seen else None
    except ValueError:
        seen_at = None
    if seen_at is None:
        return list(history[:1])
    newer = []
    for event in history:
        try:
            occurred = dt.datetime.fromisoformat(str(event["occurred_at"]))
        except (KeyError, ValueError):
            continue
        if occurred > seen_at and event.get("action") != "create":
            newer.append(event)
    return newer or list(history[:1])


def form_errors(request: Request, table: dict[str, str], codes: dict[str, str]) -> dict[str, str]:
    """The web's own form checks (field → message key) as the reader's-language messages."""
    fmt = formatter(request)
    return {name: translate(fmt, table, code) for name, code in codes.items()}


def require_allowed(record: Mapping[str, Any], *actions: str) -> None:
    """A form page is offered only when the API allows one of `actions` on its record (the
    plan, for a new record): anyone else gets the 403 page, not a form refused on submit."""
    if not set(record.get("allowed_actions") or []) & set(actions):
        raise HTTPException(status_code=403)


def if_match(etag: str) -> dict[str, str]:
    """The If-Match header of the ETag a form was drawn from. Never `*`: without an ETag no
    header is sent, and the API refuses the write (428) rather than overwrite a change."""
    return {"If-Match": etag} if etag else {}


def etag_missing(request: Request) -> str:
    """What a form sent without its record's ETag is told."""
    return messages.translate(formatter(request), {"etag": messages.ETAG_MISSING}, "etag")


@dataclass
class EditOutcome:
    """How an edit sent to the API went: saved, or why not (to show beside the form)."""

    saved: bool = False
    problem: str | None = None
    problem_detail: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    conflict: list[Mapping[str, Any]] | None = None
    # A change to what the parties agreed: the amendment that makes it, and the fields it names.
    proposal: dict[str, Any] | None = None
    agreed_fields: list[str] = field(default_factory=list)
    refused_status: int | None = None

    @property
    def status_code(self) -> int:
        if self.refused_status is not None:
            return self.refused_status
        return 409 if self.conflict is not None else 422


async def send_edit(
    request: Request,
    send: Callable[[dict[str, str]], Awaitable[ApiResponse[Any]]],
    form: FormData,
    history: History,
    fields: Collection[str] | None = None,
) -> EditOutcome:
    """`send` the record's PATCH (its typed operation, given the headers: If-Match with the
    ETag the form was drawn from); a refusal the user can act on (409, 412, 422, 428) comes
    back as an outcome, with who changed what on a stale ETag, or with the amendment a change
    to agreed content needs. A form without its ETag is refused here: lost-update protection
    is never switched off."""
    etag = text(form, "etag")
    if not etag:
        return EditOutcome(problem=etag_missing(request), refused_status=428)
    try:
        await send(if_match(etag))
    except ApiError as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        outcome = EditOutcome(
            problem=messages.problem_message(formatter(request), exc),
            problem_detail=exc.detail,
            errors=messages.field_errors(formatter(request), exc, fields),
            proposal=exc.proposal,
            agreed_fields=exc.agreed_fields,
        )
        if exc.status in (412, 428):
            outcome.conflict = changes_since(await history(), text(form, "seen"))
        return outcome
    return EditOutcome(saved=True)


async def plan_context(
    viewer: Viewer,
    request: Request,
    plan_id: str,
    plan_read: Awaitable[models.PlanPublic] | None = None,
) -> dict[str, Any]:
    """What every page of a plan shows around its records: the plan, its areas, the parties
    and their organisations (all but the plan through the per-token read cache, `ReadCache`).
    `plan_read`: the plan as the page reads it with its own records (a composite read), else
    it is read alone."""
    api = api_of(request)
    plan, areas, parties, organisations = await asyncio.gather(
        plan_read or operations.get_plan(api, plan_id, token=viewer.token),
        operations.list_priority_areas(api, plan_id, token=viewer.token, cache="ttl"),
        operations.list_parties(api, token=viewer.token, cache="ttl"),
        operations.list_organisations(api, token=viewer.token, cache="ttl"),
    )
    party_items = parties["items"]
    # A plan's forms offer its own parties and their organisations (a record of the plan names
    # no other); every party's code stays known, to name what history mentions.
    members = {party["id"] for party in plan["parties"]}
    return {
        "plan": plan,
        "areas": areas["items"],
        "parties": [party for party in party_items if party["id"] in members],
        "party_codes": {party["id"]: party["code"] for party in party_items},
        "organisations": [org for org in organisations["items"] if org.get("party_id") in members],
    }


# --- commitment pickers -------------------------------------------------------------------------

# How many matches a commitment picker lists at once: a plan has up to thousands, and the user
# narrows them by typing (the API's `q`: reference, title, description or organisation, in
# any language).
PICKER_LIMIT = 50
PICKER_QUERY_MAX = 200
LIVE_STATUSES: tuple[models.CommitmentStatus, ...] = (
    "planned",
    "in_progress",
    "completed",
    "deferred",
)


@dataclass
class CommitmentChoices:
    """What a commitment picker offers: the commitments chosen already, then those matching the
    search (`more` when more match than are listed)."""

    options: list[dict[str, Any]]
    chosen: list[str]
    q: str = ""
    matched: int = 0  # how many of the matches are listed (some may be chosen as well)
    more: bool = False


def _uuid_text(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


async def commitments_by_id(
    request: Request, viewer: Viewer, plan_id: str, ids: list[str] | tuple[str, ...]
) -> list[dict[str, Any]]:
    """The plan's commitments of these ids the reader sees (at most PICKER_LIMIT), in order;
    one that is gone, of another plan or not visible to the reader is left out."""
    api = api_of(request)
    wanted = list(dict.fromkeys(i for i in (_uuid_text(c) for c in ids) if i))[:PICKER_LIMIT]

    async def one(commitment_id: str) -> dict[str, Any] | None:
        try:
            record = await operations.get_commitment(api, commitment_id, token=viewer.token)
        except ApiError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return dict(record) if str(record.get("plan_id")) == plan_id else None

    found = await asyncio.gather(*(one(commitment_id) for commitment_id in wanted))
    return [record for record in found if record]


async def commitment_choices(
    request: Request,
    viewer: Viewer,
    plan_id: str,
    *,
    q: str = "",
    chosen: list[str] | tuple[str, ...] = (),
    live: bool = False,
    shared: bool = False,
) -> CommitmentChoices:
    """The options of a commitment picker: the chosen commitments (always, so that a form sent
    again keeps them), then the first PICKER_LIMIT of the plan's commitments the reader sees that
    match `q`; `live` leaves cancelled ones out, `shared` internal ones."""
    api = api_of(request)
    q = q.strip()[:PICKER_QUERY_MAX]
    params: models.ListCommitmentsParametersQuery = {"sort": "reference", "limit": PICKER_LIMIT}
    if q:
        params["q"] = q
    if live:
        params["status"] = list(LIVE_STATUSES)
    page, found = await asyncio.gather(
        operations.list_commitments(api, plan_id, token=viewer.token, params=params),
        commitments_by_id(request, viewer, plan_id, chosen),
    )
    known = {record["id"] for record in found}
    matches = [
        item for item in page["items"] if not (shared and item.get("visibility") != "shared")
    ]
    return CommitmentChoices(
        options=[*found, *(dict(item) for item in matches if item["id"] not in known)],
        chosen=[record["id"] for record in found],
        q=q,
        matched=len(matches),
        more=bool(page.get("next_cursor")),
    )
