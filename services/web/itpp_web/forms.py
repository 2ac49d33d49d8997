"""Turning form posts into API bodies, and API records back into form values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from itpp_web.i18n import LANGUAGES

LOCALIZED_FIELDS = ("title", "description")
COMMITMENT_FIELDS = (
    "priority_area_id",
    "modality",
    "lead_party_id",
    "lead_organisation_id",
    "start_date",
    "due_date",
    "pcm_activity_ref",
    "visibility",
)
# The names of the commitment form's inputs (where the API's field errors are shown).
COMMITMENT_FORM_FIELDS = frozenset(
    {
        *COMMITMENT_FIELDS,
        *LOCALIZED_FIELDS,
        *(f"{name}.{lang}" for name in LOCALIZED_FIELDS for lang in LANGUAGES),
        "status",
        "progress",
    }
)
NULLABLE = frozenset(
    {"lead_organisation_id", "start_date", "due_date", "pcm_activity_ref", "description"}
)


def text(form: FormData | Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def localized(form: FormData | Mapping[str, Any], name: str) -> dict[str, str] | None:
    """`title.ja` and `title.en` inputs as one localized text (None when all are empty)."""
    values = {lang: text(form, f"{name}.{lang}") for lang in LANGUAGES}
    kept = {lang: value for lang, value in values.items() if value}
    return kept or None


def commitment_values(record: Mapping[str, Any]) -> dict[str, str]:
    """A commitment as the edit form's input values."""
    values: dict[str, str] = {}
    for name in LOCALIZED_FIELDS:
        localized_text = record.get(name) or {}
        for lang in LANGUAGES:
            values[f"{name}.{lang}"] = str(localized_text.get(lang, ""))
    for name in (*COMMITMENT_FIELDS, "status", "progress"):
        value = record.get(name)
        values[name] = "" if value is None else str(value)
    return values


def commitment_body(
    form: FormData | Mapping[str, Any], *, current: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body of a create (no `current`) or of an edit (only what changed).

    Returns the body and the errors found before asking the API (field name → message key).
    """
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    title = localized(form, "title")
    if title is None:
        errors["title"] = "title-missing"
    else:
        body["title"] = title
    body["description"] = localized(form, "description")
    for name in COMMITMENT_FIELDS:
        value = text(form, name)
        body[name] = value or None
    for name in ("start_date", "due_date"):
        date_text = body.get(name)
        if isinstance(date_text, str) and date_text:
            try:
                dt.date.fromisoformat(date_text)
            except ValueError:
                errors[name] = "date-invalid"
    if current is not None:
        status = text(form, "status")
        if status:
            body["status"] = status
        progress = text(form, "progress")
        if progress:
            parsed = _progress(progress)
            if parsed is None:
                errors["progress"] = "progress-invalid"
            else:
                body["progress"] = parsed
        # Send only what changed: an unchanged field is not a change to ask the API for.
        body = {
            name: value
            for name, value in body.items()
            if value != current.get(name) and not (value is None and not current.get(name))
        }
        reviewed = _reviewed(form, current)
        if reviewed:
            body["reviewed_translations"] = reviewed
    else:
        body = {name: value for name, value in body.items() if value is not None}
        if not body.get("visibility"):
            body.pop("visibility", None)
    return body, errors


def delivery_part(body: Mapping[str, Any], agreed_fields: list[str]) -> dict[str, Any]:
    """What of a commitment edit refused as a change to agreed content is written directly:
    everything but the agreed fields the API named. Cancelling a shared commitment (or bringing
    it back) changes its existence: then its status waits for the amendment too."""
    held = set(agreed_fields)
    if "existence" in held:
        held.add("status")
    return {name: value for name, value in body.items() if name not in held}


def _reviewed(
    form: FormData | Mapping[str, Any], current: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Translations marked out of date that the user confirmed are still right."""
    state = current.get("translations") or {}
    reviewed: dict[str, list[str]] = {}
    for name in LOCALIZED_FIELDS:
        stale = (state.get(name) or {}).get("stale") or []
        chosen = form.getlist(f"reviewed.{name}") if isinstance(form, FormData) else []
        confirmed = [lang for lang in stale if lang in chosen]
        if confirmed:
            reviewed[name] = confirmed
    return reviewed


def _progress(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None


def progress_value(value: str) -> int | None:
    return _progress(value.strip())


# --- exchanges --------------------------------------------------------------------------------

EXCHANGE_LOCALIZED = ("title", "outcome", "lessons_learned", "post_title")
EXCHANGE_FIELDS = (
    "kind",
    "status",
    "from_party_id",
    "from_organisation_id",
    "to_party_id",
    "to_organisation_id",
    "start_date",
    "end_date",
    "location",
    "host_organisation_id",
    "visibility",
)
EXCHANGE_FORM_FIELDS = frozenset(
    {
        *EXCHANGE_FIELDS,
        *EXCHANGE_LOCALIZED,
        *(f"{name}.{lang}" for name in EXCHANGE_LOCALIZED for lang in LANGUAGES),
        "participants",
        "commitment_ids",
    }
)
EXCHANGE_REQUIRED = ("kind", "from_party_id", "to_party_id", "start_date")
PARTICIPANT_SEPARATOR = "|"


def participants_text(
    participants: list[Mapping[str, Any]] | None,
    organisation_codes: Mapping[str, str] | None = None,
) -> str:
    """Participants as the form's text: one a line, `role | name | organisation code` (the name
    and the organisation only if any)."""
    codes = organisation_codes or {}
    lines = []
    for participant in participants or []:
        parts = [str(participant.get("role") or "")]
        name = str(participant.get("name") or "")
        code = codes.get(str(participant.get("organisation_id") or ""), "")
        if name or code:
            parts.append(name)
        if code:
            parts.append(code)
        lines.append(f" {PARTICIPANT_SEPARATOR} ".join(parts))
    return "\n".join(lines)


def parse_participants(
    value: str,
    current: list[Mapping[str, Any]] | None = None,
    organisations: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The form's participant lines as the API's list, or the error key of the first bad line
    (a line without a role, or an organisation code nobody has).

    The third part of a line names the participant's organisation by its code (any case). A
    line without one that names a participant already recorded with an organisation the form
    cannot name keeps it."""
    by_code = {str(org.get("code") or "").upper(): str(org["id"]) for org in organisations or []}
    nameable = set(by_code.values())
    known = {
        (str(p.get("role") or ""), p.get("name") or None): p.get("organisation_id")
        for p in current or []
    }
    participants: list[dict[str, Any]] = []
    for line in value.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(PARTICIPANT_SEPARATOR)]
        if not parts[0] or len(parts) > 3:
            return [], "participant-role-missing"
        role, name, code = [*parts, "", ""][:3]
        if code:
            organisation_id = by_code.get(code.upper())
            if organisation_id is None:
                return [], "participant-organisation-unknown"
        else:
            kept = known.get((role, name or None))
            organisation_id = kept if kept and str(kept) not in nameable else None
        participants.append(
            {"role": role, "name": name or None, "organisation_id": organisation_id}
        )
    return participants, None


def form_values(form: FormData) -> dict[str, Any]:
    """A posted form as the values to show again (repeated fields as lists)."""
    values: dict[str, Any] = {name: str(value) for name, value in form.items()}
    values["commitment_ids"] = [str(value) for value in form.getlist("commitment_ids")]
    return values


def exchange_values(
    record: Mapping[str, Any], organisations: list[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """An exchange as the edit form's input values."""
    values: dict[str, Any] = {}
    for name in EXCHANGE_LOCALIZED:
        localized_text = record.get(name) or {}
        for lang in LANGUAGES:
            values[f"{name}.{lang}"] = str(localized_text.get(lang, ""))
    for name in EXCHANGE_FIELDS:
        value = record.get(name)
        values[name] = "" if value is None else str(value)
    codes = {str(org["id"]): str(org.get("code") or "") for org in organisations or []}
    values["participants"] = participants_text(record.get("participants"), codes)
    values["commitment_ids"] = [str(c["id"]) for c in record.get("commitments") or []]
    return values


def exchange_body(
    form: FormData,
    *,
    current: Mapping[str, Any] | None = None,
    organisations: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body of a new exchange (no `current`) or of an edit (only what changed).

    Returns the body and the errors found before asking the API (field name → message key).
    """
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    title = localized(form, "title")
    if title is None:
        errors["title"] = "title-missing"
    body["title"] = title
    for name in ("outcome", "lessons_learned", "post_title"):
        body[name] = localized(form, name)
    for name in EXCHANGE_FIELDS:
        body[name] = text(form, name) or None
    for name in EXCHANGE_REQUIRED:
        if not body.get(name):
            errors[name] = "required"
    for name in ("start_date", "end_date"):
        date_text = body.get(name)
        if date_text:
            try:
                dt.date.fromisoformat(date_text)
            except ValueError:
                errors[name] = "date-invalid"
    start, end = body.get("start_date"), body.get("end_date")
    if start and end and not {"start_date", "end_date"} & set(errors) and end < start:
        errors["end_date"] = "dates-out-of-order"
    participants, participant_error = parse_participants(
        text(form, "participants"), (current or {}).get("participants"), organisations
    )
    if participant_error:
        errors["participants"] = participant_error
    body["participants"] = participants
    body["commitment_ids"] = [value for value in form.getlist("commitment_ids") if value]
    if current is None:
        return {name: value for name, value in body.items() if value not in (None, [])}, errors
    linked = [str(c["id"]) for c in current.get("commitments") or []]
    changed: dict[str, Any] = {}
    for name, value in body.items():
        if name == "commitment_ids":
            if sorted(value) != sorted(linked):
                changed[name] = value
        elif name == "participants":
            if value != [dict(p) for p in current.get("participants") or []]:
                changed[name] = value
        elif value != current.get(name) and not (value is None and not current.get(name)):
            changed[name] = value
    # Required fields cannot be cleared: an empty one was reported above, never sent as null.
    for name in (*EXCHANGE_REQUIRED, "title", "status", "visibility"):
        if changed.get(name, "") is None:
            changed.pop(name)
    return changed, errors


# --- milestones in the commitment form -------------------------------------------------------

# Blank rows the commitment form offers for new milestones (more after saving).
NEW_MILESTONE_ROWS = 3


def milestone_prefix(key: str) -> str:
    """The form's name prefix of a milestone row: `ms.<id>` or `ms.new<n>`."""
    return f"ms.{key}"


def milestone_values(milestones: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """A commitment's milestones as the edit form's input values."""
    values: dict[str, str] = {}
    for milestone in milestones:
        prefix = milestone_prefix(str(milestone["id"]))
        for lang in LANGUAGES:
            values[f"{prefix}.title.{lang}"] = str((milestone.get("title") or {}).get(lang, ""))
        values[f"{prefix}.due_date"] = str(milestone.get("due_date") or "")
        values[f"{prefix}.etag"] = str(milestone.get("etag") or "")
    return values


@dataclass
class MilestoneChanges:
    """What the form asks of a commitment's milestones (field name → error key if refused)."""

    create: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    update: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    delete: list[tuple[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)


def _milestone_row(
    form: FormData | Mapping[str, Any], prefix: str, errors: dict[str, str]
) -> tuple[dict[str, str] | None, str | None, bool]:
    """A row's title, due date and whether anything at all was typed in it."""
    title = localized(form, f"{prefix}.title")
    due = text(form, f"{prefix}.due_date")
    if due:
        try:
            dt.date.fromisoformat(due)
        except ValueError:
            errors[f"{prefix}.due_date"] = "date-invalid"
    return title, due or None, bool(title or due)


def milestone_changes(
    form: FormData | Mapping[str, Any], current: Sequence[Mapping[str, Any]] | None = None
) -> MilestoneChanges:
    """The milestones added (blank rows filled), changed and removed (ticked) in the form.

    A row of an existing milestone is read only when the API allows `update` on it (its
    removal only with `delete`): other rows are not in the form."""
    changes = MilestoneChanges()
    for milestone in current or []:
        allowed = set(milestone.get("allowed_actions") or [])
        prefix = milestone_prefix(str(milestone["id"]))
        etag = text(form, f"{prefix}.etag") or str(milestone.get("etag") or "")
        if "delete" in allowed and text(form, f"{prefix}.remove") == "yes":
            changes.delete.append((str(milestone["id"]), etag))
            continue
        if "update" not in allowed or f"{prefix}.due_date" not in form:
            continue
        title, due, _ = _milestone_row(form, prefix, changes.errors)
        body: dict[str, Any] = {}
        if title is None:
            changes.errors[f"{prefix}.title"] = "title-missing"
        elif title != (milestone.get("title") or {}):
            body["title"] = title
        if due != (str(milestone["due_date"]) if milestone.get("due_date") else None):
            body["due_date"] = due
        if body:
            changes.update.append((str(milestone["id"]), etag, body))
    for row in range(NEW_MILESTONE_ROWS):
        prefix = milestone_prefix(f"new{row}")
        title, due, typed = _milestone_row(form, prefix, changes.errors)
        if not typed:
            continue
        if title is None:
            changes.errors[f"{prefix}.title"] = "title-missing"
            continue
        changes.create.append((prefix, {"title": title, **({"due_date": due} if due else {})}))
    return changes
