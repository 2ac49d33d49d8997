"""Amendments by mutual consent: a plan's amendments, one amendment with each party's decision
and a readable diff of what it changes, the decision of one's own party, the form that
proposes one (a change set built step by step, previewed before it is sent; for a draft, its
coming into force), and the one-step proposal of a direct change the API refused as a change
to what the parties agreed."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from itpp_web import messages
from itpp_web.api import ApiError
from itpp_web.changes import Lookup, describe_change, describe_diff
from itpp_web.forms import localized, text
from itpp_web.i18n import LANGUAGES
from itpp_web.labels import LABELS
from itpp_web.messages import translate
from itpp_web.routes.live import watch_start
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    csrf_protect,
    formatter,
    is_htmx,
    redirect,
    renderer_of,
    safe_next,
)

router = APIRouter(dependencies=[Depends(csrf_protect)])

SHOWN_IN_PLACE = (403, 404, 409, 412, 422, 428)
MODALITIES = tuple(LABELS["modality"])
# The kinds of change the form offers (a renewal is proposed on its own, by the API).
FORM_OPS = (
    "add_commitment",
    "modify_commitment",
    "retire_commitment",
    "add_priority_area",
    "modify_priority_area",
    "retire_priority_area",
    "change_term",
    "change_review_interval",
    "change_text",
)
# A draft takes one consent only: its coming into force. A plan in force can also have its
# approval date corrected, or be terminated (alone in its change set).
DRAFT_OPS = ("bring_into_force",)
ACTIVE_OPS = (*FORM_OPS, "change_approval_date", "terminate")
ALL_OPS = frozenset(ACTIVE_OPS) | frozenset(DRAFT_OPS)
FORM_ERRORS = {
    "choose-commitment": messages.N_("Choose a commitment."),
    "choose-area": messages.N_("Choose a priority area."),
    "title-missing": messages.N_("Give the title in at least one language."),
    "nothing-changed": messages.N_("Fill in at least one field to change."),
    "months": messages.N_("Enter a whole number of months from 1 to 240."),
    "codes": messages.N_("Give the code (such as 3.1.10) and the short code (such as NEW)."),
    "modality": messages.N_("Choose a modality."),
    "lead-party": messages.N_("Choose the lead party."),
    "no-changes": messages.N_("Add at least one change first."),
    "texts": messages.N_("Give the title and the rationale in at least one language."),
    "date": messages.N_("Enter a date as YYYY-MM-DD."),
}


def form_ops(plan: dict[str, Any]) -> tuple[str, ...]:
    """The operations the proposal form offers for a plan in its status."""
    status = plan.get("status")
    if status == "draft":
        return DRAFT_OPS
    if status == "active":
        return ACTIVE_OPS
    return FORM_OPS


@dataclass
class _LookupParts:
    """What a change set's ids are looked up in: the plan, its areas, parties, bodies, plans."""

    plan: dict[str, Any]
    areas: list[dict[str, Any]]
    codes: dict[str, str]
    organisations: list[dict[str, Any]]
    plans: list[dict[str, Any]]


async def _lookup_parts(request: Request, viewer: Viewer, plan_id: str) -> _LookupParts:
    api = api_of(request)
    plan, areas, parties, organisations, plans = await asyncio.gather(
        api.get(f"/plans/{plan_id}", token=viewer.token),
        api.get(f"/plans/{plan_id}/priority-areas", token=viewer.token),
        api.get("/parties", token=viewer.token),
        api.get("/organisations", token=viewer.token),
        api.get("/plans", token=viewer.token, params={"limit": 100}),
    )
    codes = {party["id"]: party["code"] for party in parties["items"]}
    return _LookupParts(plan, areas["items"], codes, organisations["items"], plans["items"])


async def _commitments(
    request: Request, viewer: Viewer, ids: set[str]
) -> dict[str, dict[str, Any]]:
    """The commitments a change set names (one may have become invisible or gone: skipped)."""
    api = api_of(request)

    async def one(commitment_id: str) -> dict[str, Any] | None:
        try:
            record: dict[str, Any] = await api.get(
                f"/commitments/{commitment_id}", token=viewer.token
            )
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return record

    found = await asyncio.gather(*(one(commitment_id) for commitment_id in sorted(ids)))
    return {record["id"]: record for record in found if record}


async def _all_commitments(request: Request, viewer: Viewer, plan_id: str) -> list[dict[str, Any]]:
    """Every live commitment of the plan the reader sees (the form's choices)."""
    api = api_of(request)
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(20):
        params: dict[str, Any] = {"limit": 200, "sort": "reference"}
        if cursor:
            params["cursor"] = cursor
        page = await api.get(f"/plans/{plan_id}/commitments", token=viewer.token, params=params)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return [item for item in items if item.get("status") != "cancelled"]


def _lookup(parts: _LookupParts, commitments: dict[str, dict[str, Any]]) -> Lookup:
    return Lookup(
        plan=parts.plan,
        areas={area["id"]: area for area in parts.areas},
        commitments=commitments,
        party_codes=parts.codes,
        organisations={org["id"]: org for org in parts.organisations},
        plans={plan["id"]: plan for plan in parts.plans},
    )


def _named_commitments(changes: list[dict[str, Any]]) -> set[str]:
    return {
        str(change["commitment_id"])
        for change in changes
        if change.get("op") in ("modify_commitment", "retire_commitment")
    }


@router.get("/plans/{plan_id}/amendments")
async def amendment_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    live_after = await watch_start(request, viewer, str(plan_id))
    plan, page = await asyncio.gather(
        api.get(f"/plans/{plan_id}", token=viewer.token),
        api.get(f"/plans/{plan_id}/amendments", token=viewer.token, params={"limit": 100}),
    )
    return renderer_of(request)(
        request,
        "amendments.html",
        {"plan": plan, "amendments": page["items"], "live_after": live_after},
        block="amendment_list",
    )


async def _amendment_context(request: Request, viewer: Viewer, amendment_id: str) -> dict[str, Any]:
    api = api_of(request)
    fmt = formatter(request)
    first = await api.get(f"/amendments/{amendment_id}", token=viewer.token)
    plan_id = str(first["plan_id"])
    live_after = await watch_start(request, viewer, plan_id)
    amendment = await api.get(f"/amendments/{amendment_id}", token=viewer.token)
    parts, commitments = await asyncio.gather(
        _lookup_parts(request, viewer, plan_id),
        _commitments(request, viewer, _named_commitments(amendment["changes"])),
    )
    plan = parts.plan
    lookup = _lookup(parts, commitments)
    diff = None
    # A coming into force made version 1 from nothing (its base is version 0): its change set
    # is what it changed.
    if (
        amendment["status"] == "applied"
        and amendment.get("applied_version")
        and int(amendment.get("base_version") or 0) >= 1
        and not amendment.get("successor_plan_id")
    ):
        raw = await api.get(
            f"/plans/{plan_id}/versions/diff",
            token=viewer.token,
            params={"from": amendment["base_version"], "to": amendment["applied_version"]},
        )
        diff = describe_diff(fmt, raw, lookup)
    own = next((d for d in amendment["decisions"] if d["party_id"] == viewer.party_id), None)
    return {
        "plan": plan,
        "amendment": amendment,
        "changes": [describe_change(fmt, change, lookup) for change in amendment["changes"]],
        "diff": diff,
        "own_decision": own,
        "live_after": live_after,
        "problem": None,
        "problem_detail": None,
    }


@router.get("/amendments/{amendment_id}")
async def amendment_page(request: Request, amendment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await _amendment_context(request, viewer, str(amendment_id))
    return renderer_of(request)(request, "amendment.html", context, block="amendment")


async def _amendment_action(
    request: Request, viewer: Viewer, amendment_id: uuid.UUID, path: str, body: Any = None
) -> Response:
    try:
        await api_of(request).request("POST", path, token=viewer.token, json=body)
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        context = await _amendment_context(request, viewer, str(amendment_id))
        context["problem"] = messages.problem_message(formatter(request), exc)
        context["problem_detail"] = exc.detail
        return renderer_of(request)(request, "amendment.html", context, status_code=exc.status)
    return redirect(request, f"/amendments/{amendment_id}")


@router.post("/amendments/{amendment_id}/decision")
async def decide(request: Request, amendment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    # Only the decision and a note go to the API: it records them for the caller's own party,
    # and no field of the request can name another.
    body: dict[str, Any] = {"decision": text(form, "decision")}
    note = text(form, "note")
    if note:
        body["note"] = note
    return await _amendment_action(
        request, viewer, amendment_id, f"/amendments/{amendment_id}/approvals", body
    )


@router.post("/amendments/{amendment_id}/withdraw")
async def withdraw(request: Request, amendment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    return await _amendment_action(
        request, viewer, amendment_id, f"/amendments/{amendment_id}/withdraw"
    )


# --- proposing --------------------------------------------------------------------------------


def _draft(form: FormData) -> list[dict[str, Any]]:
    """The change set built so far, carried in the form (the API checks all of it)."""
    try:
        value = json.loads(text(form, "changes_json") or "[]")
    except ValueError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _months(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 1 <= number <= 240 else None


def _day(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _change_from_form(form: FormData, op: str) -> tuple[dict[str, Any] | None, str | None]:
    """One operation from its fieldset (`<op>.<field>` inputs), or the reason it is incomplete."""

    def field(name: str) -> str:
        return text(form, f"{op}.{name}")

    if op == "add_commitment":
        title = localized(form, f"{op}.title")
        if not field("priority_area_id"):
            return None, "choose-area"
        if title is None:
            return None, "title-missing"
        if not field("modality"):
            return None, "modality"
        if not field("lead_party_id"):
            return None, "lead-party"
        commitment: dict[str, Any] = {
            "priority_area_id": field("priority_area_id"),
            "title": title,
            "modality": field("modality"),
            "lead_party_id": field("lead_party_id"),
        }
        description = localized(form, f"{op}.description")
        if description:
            commitment["description"] = description
        for name in ("start_date", "due_date"):
            if field(name):
                commitment[name] = field(name)
        return {"op": op, "commitment": commitment}, None
    if op == "modify_commitment":
        if not field("commitment_id"):
            return None, "choose-commitment"
        changes: dict[str, Any] = {}
        title = localized(form, f"{op}.title")
        if title:
            changes["title"] = title
        for name in ("priority_area_id", "lead_party_id", "start_date", "due_date"):
            if field(name):
                changes[name] = field(name)
        if not changes:
            return None, "nothing-changed"
        return {"op": op, "commitment_id": field("commitment_id"), "changes": changes}, None
    if op == "retire_commitment":
        if not field("commitment_id"):
            return None, "choose-commitment"
        return {"op": op, "commitment_id": field("commitment_id")}, None
    if op == "add_priority_area":
        title = localized(form, f"{op}.title")
        if not field("code") or not field("short_code"):
            return None, "codes"
        if title is None:
            return None, "title-missing"
        area: dict[str, Any] = {
            "code": field("code"),
            "short_code": field("short_code").upper(),
            "title": title,
        }
        return {"op": op, "priority_area": area}, None
    if op == "modify_priority_area":
        if not field("priority_area_id"):
            return None, "choose-area"
        area_changes: dict[str, Any] = {}
        title = localized(form, f"{op}.title")
        if title:
            area_changes["title"] = title
        if field("code"):
            area_changes["code"] = field("code")
        if not area_changes:
            return None, "nothing-changed"
        return {
            "op": op,
            "priority_area_id": field("priority_area_id"),
            "changes": area_changes,
        }, None
    if op == "retire_priority_area":
        if not field("priority_area_id"):
            return None, "choose-area"
        return {"op": op, "priority_area_id": field("priority_area_id")}, None
    if op == "change_term":
        months = _months(field("term_months"))
        if months is None:
            return None, "months"
        return {"op": op, "term_months": months}, None
    if op == "change_review_interval":
        months = _months(field("review_interval_months"))
        if months is None:
            return None, "months"
        return {"op": op, "review_interval_months": months}, None
    if op == "change_text":
        title = localized(form, f"{op}.title")
        if title is None:
            return None, "title-missing"
        return {"op": op, "title": title}, None
    if op in ("bring_into_force", "change_approval_date"):
        day = _day(field("approval_date"))
        if day is None:
            return None, "date"
        return {"op": op, "approval_date": day}, None
    if op == "terminate":
        # Without a date the plan ends on the day the last party approves.
        if not field("termination_date"):
            return {"op": op}, None
        day = _day(field("termination_date"))
        if day is None:
            return None, "date"
        return {"op": op, "termination_date": day}, None
    return None, None


async def _form_context(
    request: Request, viewer: Viewer, plan_id: str, draft: list[dict[str, Any]]
) -> dict[str, Any]:
    fmt = formatter(request)
    parts, all_commitments = await asyncio.gather(
        _lookup_parts(request, viewer, plan_id),
        _all_commitments(request, viewer, plan_id),
    )
    plan = parts.plan
    commitments = {item["id"]: item for item in all_commitments}
    missing = _named_commitments(draft) - set(commitments)
    if missing:
        commitments.update(await _commitments(request, viewer, missing))
    lookup = _lookup(parts, commitments)
    reviews = await api_of(request).get(f"/plans/{plan_id}/reviews", token=viewer.token)
    return {
        "plan": plan,
        "areas": [area for area in parts.areas if not area.get("retired_at")],
        "commitments": [item for item in all_commitments if item.get("visibility") == "shared"],
        "parties": plan.get("parties") or [],
        "modalities": MODALITIES,
        "reviews": reviews["items"],
        "ops": form_ops(plan),
        "draft": draft,
        "draft_json": json.dumps(draft, ensure_ascii=False),
        "draft_views": [describe_change(fmt, change, lookup) for change in draft],
        "values": {},
        "errors": {},
        "change_errors": {},
        "problem": None,
        "problem_detail": None,
        "preview": False,
        "open_op": None,
        # A new key for every rendering: sending the same preview twice proposes once.
        "idempotency_key": str(uuid.uuid4()),
    }


@router.get("/plans/{plan_id}/amendments/new")
async def new_amendment(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await _form_context(request, viewer, str(plan_id), [])
    plan = context["plan"]
    # `?op=terminate` opens that change (the amendments page links it); a draft's only one is
    # open from the start, its title suggested as the API would.
    asked = request.query_params.get("op", "")
    if asked in context["ops"]:
        context["open_op"] = asked
    if plan.get("status") == "draft":
        context["open_op"] = "bring_into_force"
        context["values"] = {
            "title.ja": f"{plan['reference']} の発効",
            "title.en": f"Bringing {plan['reference']} into force",
        }
    elif asked == "terminate":
        context["values"] = {
            "title.ja": f"{plan['reference']} の終了",
            "title.en": f"Termination of {plan['reference']}",
        }
    return renderer_of(request)(request, "amendment_form.html", context)


@router.post("/plans/{plan_id}/amendments/new")
async def compose_amendment(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    """Every button of the form posts here: add or remove a change, preview, edit, propose."""
    form = await request.form()
    fmt = formatter(request)
    draft = _draft(form)
    values = {name: str(value) for name, value in form.items()}
    errors: dict[str, str] = {}
    open_op: str | None = None
    preview = False
    status_code = 200
    problem: str | None = None
    problem_detail: str | None = None
    change_errors: dict[int, str] = {}
    add = text(form, "add")
    remove = text(form, "remove")
    action = text(form, "action")
    body: dict[str, Any] = {
        "title": localized(form, "title"),
        "rationale": localized(form, "rationale"),
        "changes": draft,
    }
    if text(form, "review_id"):
        body["review_id"] = text(form, "review_id")
    if add in ALL_OPS:
        change, error = _change_from_form(form, add)
        if change is None:
            errors[add] = translate(fmt, FORM_ERRORS, error or "nothing-changed")
            open_op = add
            status_code = 422
        else:
            draft = [*draft, change]
            # The fieldset's inputs are spent: the next change starts from empty fields.
            values = {k: v for k, v in values.items() if not k.startswith(f"{add}.")}
    elif remove.isdigit() and int(remove) < len(draft):
        draft = [change for index, change in enumerate(draft) if index != int(remove)]
    elif action in ("preview", "propose"):
        if not draft:
            errors["changes"] = translate(fmt, FORM_ERRORS, "no-changes")
        if body["title"] is None or body["rationale"] is None:
            errors["texts"] = translate(fmt, FORM_ERRORS, "texts")
        if errors:
            status_code = 422
        elif action == "preview":
            preview = True
        else:
            try:
                result = await api_of(request).request(
                    "POST",
                    f"/plans/{plan_id}/amendments",
                    token=viewer.token,
                    json=body,
                    headers={"Idempotency-Key": text(form, "idempotency_key") or str(uuid.uuid4())},
                )
            except ApiError as exc:
                if exc.status not in SHOWN_IN_PLACE:
                    raise
                problem = messages.problem_message(fmt, exc)
                problem_detail = exc.detail
                status_code = exc.status if exc.status in (403, 409) else 422
                preview = True
                for item in exc.field_errors:
                    location = list(item.get("loc") or [])
                    if len(location) >= 3 and location[:2] == ["body", "changes"]:
                        index = location[2]
                        if isinstance(index, int):
                            change_errors.setdefault(index, str(item.get("msg") or ""))
            else:
                return redirect(request, f"/amendments/{result.data['id']}")
    outcome = {
        "values": values,
        "errors": errors,
        "change_errors": change_errors,
        "problem": problem,
        "problem_detail": problem_detail,
    }
    if text(form, "origin") == "proposal":
        # Sent from the one-step proposal: it comes back as it was, with what to correct.
        context = await _proposal_context(request, viewer, str(plan_id), draft)
        context.update(
            {
                **outcome,
                "back": safe_next(text(form, "back"), f"/plans/{plan_id}"),
                "saved_fields": [str(name) for name in form.getlist("saved_fields")],
            }
        )
        return _render_proposal(request, context, status_code)
    context = await _form_context(request, viewer, str(plan_id), draft)
    context.update({**outcome, "preview": preview, "open_op": open_op})
    return renderer_of(request)(request, "amendment_form.html", context, status_code=status_code)


# --- one-step proposals -----------------------------------------------------------------------


async def _proposal_context(
    request: Request, viewer: Viewer, plan_id: str, draft: list[dict[str, Any]]
) -> dict[str, Any]:
    fmt = formatter(request)
    parts, commitments = await asyncio.gather(
        _lookup_parts(request, viewer, plan_id),
        _commitments(request, viewer, _named_commitments(draft)),
    )
    lookup = _lookup(parts, commitments)
    parties = parts.plan.get("parties") or []
    return {
        "plan": parts.plan,
        "other_parties": fmt.names(
            [party["code"] for party in parties if party["id"] != viewer.party_id]
        ),
        "draft_json": json.dumps(draft, ensure_ascii=False),
        "draft_views": [describe_change(fmt, change, lookup) for change in draft],
        "values": {},
        "errors": {},
        "change_errors": {},
        "problem": None,
        "problem_detail": None,
        "saved_fields": [],
        "not_saved": None,
        "idempotency_key": str(uuid.uuid4()),
    }


def _render_proposal(request: Request, context: dict[str, Any], status_code: int) -> Response:
    headers = None
    if is_htmx(request):
        # The form that was sent (an edit form, a row's status) gives way to the proposal.
        headers = {"HX-Retarget": "#main", "HX-Reswap": "innerHTML show:window:top"}
    return renderer_of(request)(
        request,
        "proposal.html",
        {**context, "is_fragment": is_htmx(request)},
        block="proposal",
        status_code=status_code,
        headers=headers,
    )


async def offer_proposal(
    request: Request,
    viewer: Viewer,
    proposal: dict[str, Any],
    *,
    back: str,
    saved_fields: list[str] | None = None,
    not_saved: str | None = None,
) -> Response:
    """A direct write the API refused as a change to what the parties agreed, offered as the
    amendment that makes it: the change set as the parties will see it, the suggested title
    (editable), a rationale to write, and one button that proposes it.

    `saved_fields` names the delivery part of the same edit, saved directly; `not_saved` says
    why it could not be."""
    draft = [change for change in proposal.get("changes") or [] if isinstance(change, dict)]
    context = await _proposal_context(request, viewer, str(proposal["plan_id"]), draft)
    title = proposal.get("title") or {}
    context.update(
        {
            "values": {f"title.{lang}": str(title.get(lang) or "") for lang in LANGUAGES},
            "back": back,
            "saved_fields": saved_fields or [],
            "not_saved": not_saved,
        }
    )
    return _render_proposal(request, context, 409)
