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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from itpp_web import feedback, messages
from itpp_web.api import ApiError, ApiResponse
from itpp_web.changes import Lookup, describe_change, describe_diff
from itpp_web.contract import models, operations
from itpp_web.forms import localized, text
from itpp_web.i18n import LANGUAGES, Formatter
from itpp_web.labels import LABELS, field_label
from itpp_web.messages import translate
from itpp_web.routes.attachments import attachment_context
from itpp_web.routes.comments import Parent, thread_context
from itpp_web.routes.common import CommitmentChoices, commitment_choices
from itpp_web.routes.live import watch_start
from itpp_web.web import (
    Viewer,
    ViewerDep,
    api_of,
    ask_first,
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
# The definition fields of a commitment an amendment can empty (the others always have one).
CLEARABLE = (
    "description",
    "lead_organisation_id",
    "supporting_organisation_ids",
    "start_date",
    "due_date",
    "pcm_activity_ref",
)
# The predecessor choice that removes the link.
NO_PREDECESSOR = "none"
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
    "milestones": messages.N_(
        "Write each milestone on its own line: due date | Japanese title | English title (the "
        "date as YYYY-MM-DD or empty, at least one title)."
    ),
    "positions": messages.N_("Give every priority area a whole-number position."),
    "section-incomplete": messages.N_(
        "Give each section its number and its text in at least one language (empty a row "
        "entirely to take the section out)."
    ),
    "lead-number-missing": messages.N_(
        "Give the number of the list or chapter each lead text belongs to (such as 2.2 or 3)."
    ),
    "choose-predecessor": messages.N_("Choose the predecessor plan, or none."),
    "choose-confirmation": messages.N_(
        "Choose whether progress updates need the lead party's confirmation."
    ),
    "successor-reference": messages.N_(
        "Give the successor plan's reference (such as JP-NATO-2027)."
    ),
}


async def operation_kinds(request: Request, viewer: Viewer) -> list[models.AmendmentOperation]:
    """The kinds of change set operation as the API describes them (GET
    /amendment-operations): the change builder offers them from this, in its order."""
    described = await operations.list_amendment_operations(api_of(request), token=viewer.token)
    return list(described["items"])


def form_ops(
    plan: Mapping[str, Any], described: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The operations the proposal form offers for a plan in its status (a draft: its coming
    into force; a plan in force: every change, its termination or renewal; an expired plan:
    its renewal)."""
    return [op for op in described if plan.get("status") in op["plan_statuses"]]


def _kinds(
    described: Sequence[Mapping[str, Any]], has: Callable[[dict[str, Any]], bool]
) -> set[str]:
    """The kinds of the operations that have a field (or a field of an object field) `has`."""
    return {
        op["kind"]
        for op in described
        for field in op["fields"]
        if has(field) or any(has(inner) for inner in field.get("fields") or [])
    }


def source_ops(described: Sequence[Mapping[str, Any]]) -> set[str]:
    """The operations whose texts can name their source language (the one they were written
    in)."""
    return _kinds(described, lambda field: field["name"] == "source_languages")


def picker_ops(described: Sequence[Mapping[str, Any]]) -> list[str]:
    """The operations that name one commitment of the plan (chosen with a picker)."""
    return [
        op["kind"]
        for op in described
        if any(f["type"] == "id" and f.get("choices_source") == "commitments" for f in op["fields"])
    ]


@dataclass
class _LookupParts:
    """What a change set's ids are looked up in: the plan, its areas, parties, bodies, plans."""

    plan: models.PlanPublic
    areas: list[models.PriorityAreaPublic]
    codes: dict[str, str]
    organisations: list[models.OrganisationPublic]
    plans: list[models.PlanPublic]


async def _lookup_parts(request: Request, viewer: Viewer, plan_id: str) -> _LookupParts:
    api = api_of(request)
    plan, areas, parties, organisations, plans = await asyncio.gather(
        operations.get_plan(api, plan_id, token=viewer.token),
        operations.list_priority_areas(api, plan_id, token=viewer.token),
        operations.list_parties(api, token=viewer.token),
        operations.list_organisations(api, token=viewer.token),
        operations.list_plans(api, token=viewer.token, params={"limit": 100}),
    )
    codes = {party["id"]: party["code"] for party in parties["items"]}
    return _LookupParts(plan, areas["items"], codes, organisations["items"], plans["items"])


async def _commitments(
    request: Request, viewer: Viewer, ids: set[str]
) -> dict[str, models.CommitmentDetail]:
    """The commitments a change set names (one may have become invisible or gone: skipped)."""
    api = api_of(request)

    async def one(commitment_id: str) -> models.CommitmentDetail | None:
        try:
            record = await operations.get_commitment(api, commitment_id, token=viewer.token)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return record

    found = await asyncio.gather(*(one(commitment_id) for commitment_id in sorted(ids)))
    return {record["id"]: record for record in found if record}


def _lookup(
    parts: _LookupParts,
    commitments: Mapping[str, Mapping[str, Any]],
    described: Sequence[Mapping[str, Any]],
) -> Lookup:
    return Lookup(
        plan=parts.plan,
        areas={area["id"]: area for area in parts.areas},
        commitments=commitments,
        party_codes=parts.codes,
        organisations={org["id"]: org for org in parts.organisations},
        plans={plan["id"]: plan for plan in parts.plans},
        operations={op["kind"]: op for op in described},
    )


def _named_commitments(changes: Sequence[Mapping[str, Any]]) -> set[str]:
    """The commitments the changes name (a change or a retirement names one by its id)."""
    return {str(change["commitment_id"]) for change in changes if change.get("commitment_id")}


@router.get("/plans/{plan_id}/amendments")
async def amendment_list(request: Request, plan_id: uuid.UUID, viewer: ViewerDep) -> Response:
    api = api_of(request)
    live_after = await watch_start(request, viewer, str(plan_id))
    plan, page = await asyncio.gather(
        operations.get_plan(api, plan_id, token=viewer.token),
        operations.list_amendments(api, plan_id, token=viewer.token, params={"limit": 100}),
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
    first = await operations.get_amendment(api, amendment_id, token=viewer.token)
    plan_id = str(first["plan_id"])
    live_after = await watch_start(request, viewer, plan_id)
    amendment = await operations.get_amendment(api, amendment_id, token=viewer.token)
    # An amendment is between the parties: its files and threads are shared unless marked.
    parent = Parent("amendment", amendment_id)
    parts, commitments, files, threads, described = await asyncio.gather(
        _lookup_parts(request, viewer, plan_id),
        _commitments(request, viewer, _named_commitments(amendment["changes"])),
        attachment_context(request, viewer, parent, internal=False),
        thread_context(request, viewer, parent, internal=False),
        operation_kinds(request, viewer),
    )
    plan = parts.plan
    lookup = _lookup(parts, commitments, described)
    diff = None
    # A coming into force made version 1 from nothing (its base is version 0): its change set
    # is what it changed.
    if (
        amendment["status"] == "applied"
        and amendment.get("applied_version")
        and int(amendment.get("base_version") or 0) >= 1
        and not amendment.get("successor_plan_id")
    ):
        raw = await operations.diff_plan_versions(
            api,
            plan_id,
            token=viewer.token,
            # Both set, as the condition above makes sure.
            params={
                "from": int(amendment["base_version"] or 0),
                "to": int(amendment["applied_version"] or 0),
            },
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
        **files,
        **threads,
    }


@router.get("/amendments/{amendment_id}")
async def amendment_page(request: Request, amendment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    context = await _amendment_context(request, viewer, str(amendment_id))
    return renderer_of(request)(request, "amendment.html", context, block="amendment")


async def _amendment_action(
    request: Request,
    viewer: Viewer,
    amendment_id: uuid.UUID,
    sent: Awaitable[ApiResponse[models.AmendmentPublic]],
    *,
    notice: str,
) -> Response:
    """A decision or a withdrawal (`sent`, the operation's call, is awaited here), then the
    amendment (or why it was refused)."""
    try:
        await sent
    except ApiError as exc:
        if exc.status not in SHOWN_IN_PLACE:
            raise
        context = await _amendment_context(request, viewer, str(amendment_id))
        context["problem"] = messages.problem_message(formatter(request), exc)
        context["problem_detail"] = exc.detail
        return renderer_of(request)(request, "amendment.html", context, status_code=exc.status)
    return redirect(request, f"/amendments/{amendment_id}", notice=notice)


@router.post("/amendments/{amendment_id}/decision")
async def decide(request: Request, amendment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    # Only the decision and a note go to the API: it records them for the caller's own party,
    # and no field of the request can name another.
    decision = text(form, "decision")
    if decision == "reject" and not feedback.confirmed(form):
        return ask_first(
            request,
            "reject-amendment",
            form,
            action=f"/amendments/{amendment_id}/decision",
            back=f"/amendments/{amendment_id}",
        )
    # The decision as the form sent it: the API refuses an unknown one (422).
    body = cast("models.AmendmentDecisionCreate", {"decision": decision})
    note = text(form, "note")
    if note:
        body["note"] = note
    sent = operations.decide_amendment(api_of(request), amendment_id, body, token=viewer.token)
    return await _amendment_action(
        request,
        viewer,
        amendment_id,
        sent,
        notice="amendment-rejected" if decision == "reject" else "amendment-approved",
    )


@router.post("/amendments/{amendment_id}/withdraw")
async def withdraw(request: Request, amendment_id: uuid.UUID, viewer: ViewerDep) -> Response:
    form = await request.form()
    if not feedback.confirmed(form):
        return ask_first(
            request,
            "withdraw-amendment",
            form,
            action=f"/amendments/{amendment_id}/withdraw",
            back=f"/amendments/{amendment_id}",
        )
    sent = operations.withdraw_amendment(api_of(request), amendment_id, token=viewer.token)
    return await _amendment_action(
        request, viewer, amendment_id, sent, notice="amendment-withdrawn"
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


def _many(form: FormData, name: str) -> list[str]:
    return [str(value) for value in form.getlist(name) if str(value).strip()]


def _with_source(
    form: FormData, op: str, record: dict[str, Any], texts: dict[str, Any]
) -> dict[str, Any]:
    """`record` with the source language chosen in the op's fieldset (`<op>.source_language`)
    for each of its localized `texts` (name → text) written in that language; unchanged when
    none is chosen (the API then takes Japanese if the text has it, else its first language)."""
    language = text(form, f"{op}.source_language")
    if language not in LANGUAGES:
        return record
    chosen = {
        name: language
        for name, value in texts.items()
        if isinstance(value, dict) and value.get(language)
    }
    return {**record, "source_languages": chosen} if chosen else record


def _milestones(value: str) -> list[dict[str, Any]] | None:
    """Milestone lines `due date | Japanese title | English title` (the date may be empty, one
    title too), or None when a line has no title or a date that is not one."""
    milestones: list[dict[str, Any]] = []
    for line in value.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3:
            return None
        due, title_ja, title_en = [*parts, "", ""][:3]
        title = {lang: t for lang, t in (("ja", title_ja), ("en", title_en)) if t}
        if not title:
            return None
        milestone: dict[str, Any] = {"title": title}
        if due:
            day = _day(due)
            if day is None:
                return None
            milestone["due_date"] = day
        milestones.append(milestone)
    return milestones


def _indexed(form: FormData, prefix: str) -> list[int]:
    """The row numbers of `<prefix>.<n>.…` inputs, in order."""
    found: set[int] = set()
    for name in form:
        rest = name[len(prefix) + 1 :] if name.startswith(f"{prefix}.") else ""
        number = rest.split(".", 1)[0]
        if number.isdigit():
            found.add(int(number))
    return sorted(found)


def _in_form_languages(value: dict[str, str] | None) -> dict[str, str] | None:
    """A localized text as far as the form shows it (its languages), None when empty."""
    kept = {lang: text for lang, text in (value or {}).items() if lang in LANGUAGES and text}
    return kept or None


def plan_texts_from_form(
    form: FormData, plan: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The plan's title, sections and objectives as the change_text fieldset has them, only
    those that differ from the plan's now; or the reason they cannot be sent."""
    op = "change_text"
    changed: dict[str, Any] = {}
    title = localized(form, f"{op}.title")
    if title is None:
        return {}, "title-missing"
    if title != _in_form_languages(plan.get("title")):
        changed["title"] = title
    sections: list[dict[str, Any]] = []
    for row in _indexed(form, f"{op}.sections"):
        prefix = f"{op}.sections.{row}"
        number = text(form, f"{prefix}.number")
        heading = localized(form, f"{prefix}.heading")
        body = localized(form, f"{prefix}.body")
        if not number and heading is None and body is None:
            continue  # an empty row, or a section taken out
        if not number or body is None:
            return {}, "section-incomplete"
        sections.append({"number": number, "heading": heading, "body": body})
    current_sections = [
        {
            "number": section.get("number"),
            "heading": _in_form_languages(section.get("heading")),
            "body": _in_form_languages(section.get("body")),
        }
        for section in plan.get("sections") or []
    ]
    if sections != current_sections:
        changed["sections"] = sections
    objectives = [
        objective
        for row in _indexed(form, f"{op}.objectives")
        if (objective := localized(form, f"{op}.objectives.{row}")) is not None
    ]
    if objectives != [_in_form_languages(o) for o in plan.get("objectives") or []]:
        changed["objectives"] = objectives
    lead_texts, problem = _lead_texts(form)
    if problem:
        return {}, problem
    if lead_texts != _lead_texts_in_form(plan.get("lead_texts") or {}):
        changed["lead_texts"] = lead_texts
    if not changed:
        return {}, "nothing-changed"
    return changed, None


def _lead_texts(form: FormData) -> tuple[dict[str, Any], str | None]:
    """The signed lead texts as the change_text fieldset has them (the API's `PlanLeadTexts`):
    the sentence before the objectives with its list's number, the one before the priority
    areas, and each chapter's heading and lead text; or the reason they cannot be sent."""
    prefix = "change_text.lead_texts"
    lead: dict[str, Any] = {"objectives": None, "areas": None, "chapters": []}
    number = text(form, f"{prefix}.objectives.number")
    sentence = localized(form, f"{prefix}.objectives.text")
    if number or sentence is not None:
        if not number:
            return {}, "lead-number-missing"
        lead["objectives"] = {"number": number, "text": sentence}
    lead["areas"] = localized(form, f"{prefix}.areas")
    for row in _indexed(form, f"{prefix}.chapters"):
        at = f"{prefix}.chapters.{row}"
        chapter = text(form, f"{at}.number")
        heading, body = localized(form, f"{at}.heading"), localized(form, f"{at}.text")
        if not chapter and heading is None and body is None:
            continue  # an empty row, or a chapter's texts taken out
        if not chapter:
            return {}, "lead-number-missing"
        lead["chapters"].append({"number": chapter, "heading": heading, "text": body})
    return lead, None


def _lead_texts_in_form(current: dict[str, Any]) -> dict[str, Any]:
    """The plan's lead texts as far as the form shows them (its languages), to compare."""
    objectives = current.get("objectives")
    return {
        "objectives": None
        if not objectives
        else {
            "number": objectives.get("number"),
            "text": _in_form_languages(objectives.get("text")),
        },
        "areas": _in_form_languages(current.get("areas")),
        "chapters": [
            {
                "number": chapter.get("number"),
                "heading": _in_form_languages(chapter.get("heading")),
                "text": _in_form_languages(chapter.get("text")),
            }
            for chapter in current.get("chapters") or []
        ],
    }


def _upper(described: Mapping[str, Any]) -> bool:
    """A code the API takes in capitals (its pattern has capitals and no small letters): sent
    so, whatever case it was typed in."""
    pattern = str(described.get("pattern") or "")
    return "A-Z" in pattern and "a-z" not in pattern


def _value_from_form(form: FormData, name: str, described: Mapping[str, Any]) -> tuple[Any, bool]:
    """The input `name` as the field's type has it (None for a value that is not one), and
    whether anything was given in it."""
    kind = described["type"]
    if kind == "localized_text":
        texts = localized(form, name)
        return texts, texts is not None
    if kind == "list":
        values = _many(form, name)
        return values, bool(values)
    raw = text(form, name)
    if kind == "integer":
        return _months(raw), bool(raw)
    if kind == "date":
        return _day(raw), bool(raw)
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw), bool(raw)
    if kind == "string" and _upper(described):
        return raw.upper(), bool(raw)
    return raw, bool(raw)


# What to ask for when a field is missing or malformed: by its name, by the records an id is
# chosen from, or by its type.
_FIELD_ERRORS = {
    "code": "codes",
    "short_code": "codes",
    "reference": "successor-reference",
    "modality": "modality",
    "milestones": "milestones",
    "commitments": "choose-commitment",
    "priority_areas": "choose-area",
    "plan_parties": "lead-party",
    "plans": "choose-predecessor",
    "integer": "months",
    "date": "date",
    "boolean": "choose-confirmation",
    "localized_text": "title-missing",
}


def _error_for(described: Mapping[str, Any]) -> str:
    for key in (described["name"], described.get("choices_source"), described["type"]):
        if isinstance(key, str) and key in _FIELD_ERRORS:
            return _FIELD_ERRORS[key]
    return "nothing-changed"


def _with_sources(
    form: FormData, op: str, fields: Sequence[Mapping[str, Any]], record: dict[str, Any]
) -> dict[str, Any]:
    """`record` with the source language of its localized texts, if its kind takes one."""
    if not any(f["name"] == "source_languages" for f in fields):
        return record
    texts = {f["name"]: record.get(f["name"]) for f in fields if f["type"] == "localized_text"}
    return _with_source(form, op, record, texts)


def _reading_order(described: Mapping[str, Any]) -> int:
    return {"localized_text": 0, "list": 2}.get(str(described["type"]), 1)


def _record_from_form(
    form: FormData, op: str, described: Mapping[str, Any], *, changes: bool
) -> tuple[dict[str, Any], str | None]:
    """An object field from the operation's fieldset (its fields are `<op>.<field>` inputs),
    or the reason it is incomplete: a new record (every field given, the required ones asked
    for; a list of objects, such as milestones, one a line) or changes to one (the fields
    given and those marked to be emptied, `<op>.clear`; at least one)."""
    fields: list[Mapping[str, Any]] = list(described.get("fields") or [])
    record: dict[str, Any] = {}
    # Changes are shown (previewed) in the order they are given: texts first, then single
    # values, then lists; a new record's fields are shown in the description's order anyway.
    for inner in sorted(fields, key=_reading_order) if changes else fields:
        name = inner["name"]
        if inner["type"] == "mapping" or inner.get("item_type") == "object":
            continue  # source languages (below), lists of objects (after the required ones)
        value, given = _value_from_form(form, f"{op}.{name}", inner)
        if given and value is None:
            return {}, _error_for(inner)
        if given:
            record[name] = value
    if changes:
        types = {f["name"]: f["type"] for f in fields}
        for name in _many(form, f"{op}.clear"):
            if name in types and name in CLEARABLE and name not in record:
                record[name] = [] if types[name] == "list" else None
        if not record:
            return {}, "nothing-changed"
    missing = next((f for f in fields if f["required"] and f["name"] not in record), None)
    if missing is not None and not changes:
        return {}, _error_for(missing)
    for inner in fields:
        if inner.get("item_type") != "object":
            continue
        items = _milestones(text(form, f"{op}.{inner['name']}"))
        if items is None:
            return {}, _error_for(inner)
        if items:
            item_fields = inner.get("fields") or []
            record[inner["name"]] = [_with_sources(form, op, item_fields, i) for i in items]
    return _with_sources(form, op, fields, record), None


def _order_from_form(
    form: FormData, operation: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """A new order of records (`<op>.position.<id>`: each one's whole-number position)."""
    op = str(operation["kind"])
    positions: list[tuple[int, str]] = []
    for name in form:
        if name.startswith(f"{op}.position."):
            try:
                position = int(text(form, name))
            except ValueError:
                return None, "positions"
            positions.append((position, name.removeprefix(f"{op}.position.")))
    if not positions:
        return None, "positions"
    # Equal positions keep the records' present order (the inputs come in that order).
    ordered = [record_id for _, record_id in sorted(positions, key=lambda item: item[0])]
    (listed,) = [f["name"] for f in operation["fields"] if f["type"] == "list"]
    return {"op": op, listed: ordered}, None


def edits_in_place(operation: Mapping[str, Any]) -> bool:
    """An operation on the plan with lists among its fields (its sections, its objectives)
    sets the plan's texts: its fieldset shows them as they are, to be edited in place."""
    return operation["effect"] == "plan" and any(f["type"] == "list" for f in operation["fields"])


def _texts_from_form(
    form: FormData, op: str, plan: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """The plan's texts that differ from the plan's now (`plan`), with their source language."""
    texts, error = plan_texts_from_form(form, plan)
    if error:
        return None, error
    # Named as the plan's translation state names them.
    named: dict[str, Any] = {"title": texts.get("title")}
    for section in texts.get("sections") or []:
        for part in ("heading", "body"):
            named[f"sections[{section['number']}].{part}"] = section.get(part)
    for index, objective in enumerate(texts.get("objectives") or []):
        named[f"objectives[{index}]"] = objective
    return _with_source(form, op, {"op": op, **texts}, named), None


def _change_from_form(
    form: FormData, operation: Mapping[str, Any], plan: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """One operation from its fieldset (`<op>.<field>` inputs), read as the API describes it
    (never by its kind), or the reason it is incomplete: a new order from positions, the
    plan's texts edited in place (`plan` is the plan now), every other one field by field."""
    if operation["effect"] == "order":
        return _order_from_form(form, operation)
    if edits_in_place(operation):
        return _texts_from_form(form, str(operation["kind"]), plan or {})
    return _fields_from_form(form, operation)


def _fields_from_form(
    form: FormData, operation: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """An operation field by field, in the order the API describes them: an empty optional
    field is left out; an id that may be null takes the "none" choice (NO_PREDECESSOR); an
    object is a record of its own (_record_from_form: changes to one if the operation modifies
    a record)."""
    op = str(operation["kind"])
    change: dict[str, Any] = {"op": op}
    for described in operation["fields"]:
        name, kind = described["name"], described["type"]
        if kind == "mapping":
            continue
        if kind == "object":
            record, error = _record_from_form(
                form, op, described, changes=operation["effect"] == "modify"
            )
            if error:
                return None, error
            change[name] = record
            continue
        if kind == "id" and described["nullable"] and text(form, f"{op}.{name}") == NO_PREDECESSOR:
            change[name] = None
            continue
        value, given = _value_from_form(form, f"{op}.{name}", described)
        if value is None or value == "" or value == []:
            if not described["required"] and not given:
                continue
            return None, _error_for(described)
        change[name] = value
    return change, None


def text_defaults(plan: Mapping[str, Any]) -> dict[str, str]:
    """The change_text fieldset's inputs as the plan has them now (its texts are edited in
    place), with two empty rows each for a new section and a new objective."""
    op = "change_text"
    values: dict[str, str] = {}
    for lang in LANGUAGES:
        values[f"{op}.title.{lang}"] = str((plan.get("title") or {}).get(lang) or "")
    for row, section in enumerate(plan.get("sections") or []):
        values[f"{op}.sections.{row}.number"] = str(section.get("number") or "")
        for part in ("heading", "body"):
            for lang in LANGUAGES:
                values[f"{op}.sections.{row}.{part}.{lang}"] = str(
                    (section.get(part) or {}).get(lang) or ""
                )
    for row, objective in enumerate(plan.get("objectives") or []):
        for lang in LANGUAGES:
            values[f"{op}.objectives.{row}.{lang}"] = str(objective.get(lang) or "")
    lead = _lead_texts_in_form(plan.get("lead_texts") or {})
    prefix = f"{op}.lead_texts"
    values[f"{prefix}.objectives.number"] = str((lead["objectives"] or {}).get("number") or "")
    for lang in LANGUAGES:
        objectives_text = (lead["objectives"] or {}).get("text") or {}
        values[f"{prefix}.objectives.text.{lang}"] = str(objectives_text.get(lang) or "")
        values[f"{prefix}.areas.{lang}"] = str((lead["areas"] or {}).get(lang) or "")
    for row, chapter in enumerate(lead["chapters"]):
        values[f"{prefix}.chapters.{row}.number"] = str(chapter["number"] or "")
        for part in ("heading", "text"):
            for lang in LANGUAGES:
                values[f"{prefix}.chapters.{row}.{part}.{lang}"] = str(
                    (chapter[part] or {}).get(lang) or ""
                )
    return values


async def _form_context(
    request: Request,
    viewer: Viewer,
    plan_id: str,
    draft: list[dict[str, Any]],
    values: dict[str, str] | None = None,
) -> dict[str, Any]:
    fmt = formatter(request)
    values = values or {}
    described = await operation_kinds(request, viewer)
    pickers_for = picker_ops(described)

    async def picker(op: str) -> CommitmentChoices:
        # A change names a shared commitment that is not cancelled.
        chosen = values.get(f"{op}.commitment_id")
        return await commitment_choices(
            request,
            viewer,
            plan_id,
            q=values.get(f"{op}.commitment_q", ""),
            chosen=[chosen] if chosen else [],
            live=True,
            shared=True,
        )

    (parts, commitments), pickers = await asyncio.gather(
        asyncio.gather(
            _lookup_parts(request, viewer, plan_id),
            _commitments(request, viewer, _named_commitments(draft)),
        ),
        asyncio.gather(*(picker(op) for op in pickers_for)),
    )
    plan = parts.plan
    lookup = _lookup(parts, commitments, described)
    reviews = await operations.list_plan_reviews(api_of(request), plan_id, token=viewer.token)
    party_codes = parts.codes
    return {
        "plan": plan,
        "areas": [area for area in parts.areas if not area.get("retired_at")],
        # A new order names every area, retired ones too.
        "all_areas": parts.areas,
        "pickers": dict(zip(pickers_for, pickers, strict=True)),
        "parties": plan.get("parties") or [],
        "organisations": [
            {**org, "party_code": party_codes.get(org.get("party_id") or "", "")}
            for org in parts.organisations
        ],
        "other_plans": [other for other in parts.plans if other["id"] != plan["id"]],
        "no_predecessor": NO_PREDECESSOR,
        "clearable": CLEARABLE,
        "source_ops": source_ops(described),
        "defaults": text_defaults(plan),
        "section_rows": len(plan.get("sections") or []) + 2,
        "objective_rows": len(plan.get("objectives") or []) + 2,
        "chapter_rows": len((plan.get("lead_texts") or {}).get("chapters") or []) + 1,
        "modalities": MODALITIES,
        "reviews": reviews["items"],
        "ops": form_ops(plan, described),
        "draft": draft,
        "draft_json": json.dumps(draft, ensure_ascii=False),
        "draft_views": [describe_change(fmt, change, lookup) for change in draft],
        "values": values,
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
    # open from the start (the one operation a draft takes), its title suggested as the API
    # would; so is a termination's.
    wanted = request.query_params.get("op")
    asked = next((op for op in context["ops"] if op["kind"] == wanted), None)
    if asked is not None:
        context["open_op"] = asked["kind"]
    if plan.get("status") == "draft" and context["ops"]:
        context["open_op"] = context["ops"][0]["kind"]
        context["values"] = {
            "title.ja": f"{plan['reference']} の発効",
            "title.en": f"Bringing {plan['reference']} into force",
        }
    elif asked is not None and asked["consent_kind"] == "termination":
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
    described = await operation_kinds(request, viewer) if add or text(form, "search") else []
    if add in {op["kind"] for op in described}:
        operation = next(op for op in described if op["kind"] == add)
        plan = (
            await operations.get_plan(api_of(request), plan_id, token=viewer.token)
            if edits_in_place(operation)
            else None
        )
        change, error = _change_from_form(form, operation, plan)
        if change is None:
            errors[add] = translate(fmt, FORM_ERRORS, error or "nothing-changed")
            open_op = add
            status_code = 422
        else:
            draft = [*draft, change]
            # The fieldset's inputs are spent: the next change starts from empty fields.
            values = {k: v for k, v in values.items() if not k.startswith(f"{add}.")}
    elif text(form, "search") in picker_ops(described):
        # A picker's Search button (without JavaScript): the form again, with the matches.
        open_op = text(form, "search")
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
                result = await operations.propose_amendment(
                    api_of(request),
                    plan_id,
                    # The change set as the form built it from the API's description of each
                    # operation (`operation_kinds`); the API checks it (422).
                    cast("models.AmendmentCreate", body),
                    token=viewer.token,
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
                            change_errors.setdefault(index, _change_error(fmt, item))
            else:
                return redirect(
                    request, f"/amendments/{result.data['id']}", notice="amendment-proposed"
                )
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
    context = await _form_context(request, viewer, str(plan_id), draft, values)
    context.update({**outcome, "preview": preview, "open_op": open_op})
    return renderer_of(request)(request, "amendment_form.html", context, status_code=status_code)


# --- one-step proposals -----------------------------------------------------------------------


async def _proposal_context(
    request: Request, viewer: Viewer, plan_id: str, draft: list[dict[str, Any]]
) -> dict[str, Any]:
    fmt = formatter(request)
    parts, commitments, described = await asyncio.gather(
        _lookup_parts(request, viewer, plan_id),
        _commitments(request, viewer, _named_commitments(draft)),
        operation_kinds(request, viewer),
    )
    lookup = _lookup(parts, commitments, described)
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


def _change_error(fmt: Formatter, item: dict[str, Any]) -> str:
    """One refused operation of a change set, in the reader's language: the field it names
    (after `["body", "changes", index]`) and what is wrong with it (by the error's type)."""
    message = messages.field_error_message(fmt, str(item.get("type") or ""))
    inner = ".".join(str(part) for part in list(item.get("loc") or [])[3:])
    return f"{field_label(fmt, inner)}: {message}" if inner else message
