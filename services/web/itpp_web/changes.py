"""An amendment's change set, and a diff of two plan versions, as a reader sees them: each
change with its field, the value before and the value after — localized text in every
language side by side, ids as codes and names."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from itpp_web.i18n import LANGUAGES, Formatter
from itpp_web.labels import field_name, label
from itpp_web.messages import N_

LOCALIZED = frozenset({"title", "description", "heading", "body"})


@dataclass(frozen=True)
class Value:
    """A value as shown: plain text, or a localized text in each of its languages."""

    text: str = ""
    localized: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text and not self.localized


@dataclass
class Row:
    name: str
    old: Value | None
    new: Value | None


@dataclass
class ChangeView:
    """One operation of a change set, or one record of a version diff."""

    kind: str  # add | modify | retire | plan
    heading: str
    subject: str = ""
    rows: list[Row] = field(default_factory=list)
    note: str = ""


@dataclass
class Lookup:
    """What ids in a change set stand for: the plan, its areas, commitments, parties, bodies."""

    plan: Mapping[str, Any]
    areas: Mapping[str, Mapping[str, Any]]
    commitments: Mapping[str, Mapping[str, Any]]
    party_codes: Mapping[str, str]
    organisations: Mapping[str, Mapping[str, Any]]
    # Plans by id (a predecessor is named by its reference).
    plans: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The kinds of operation as the API describes them (GET /amendment-operations), by kind.
    operations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def localized_value(text: Mapping[str, Any] | None) -> Value:
    """Every language of a localized text, ours first."""
    if not text:
        return Value("—")
    ordered = [lang for lang in LANGUAGES if lang in text] + [
        lang for lang in text if lang not in LANGUAGES
    ]
    return Value(localized=tuple((lang, str(text[lang])) for lang in ordered))


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def value_of(fmt: Formatter, name: str, raw: Any, lookup: Lookup) -> Value:
    """A field's value as a reader would say it."""
    if raw is None or raw == "" or raw == []:
        return Value("—")
    if isinstance(raw, dict) and (
        name in LOCALIZED or all(isinstance(v, str) for v in raw.values())
    ):
        return localized_value(raw)
    if name == "priority_area_id":
        area = lookup.areas.get(str(raw))
        if area is None:
            return Value(str(raw))
        title = fmt.pick(area.get("title")).text
        return Value(f"{area.get('code', '')} {title}".strip())
    if name == "lead_party_id":
        return Value(lookup.party_codes.get(str(raw), str(raw)))
    if name == "lead_organisation_id":
        return Value(_organisation(fmt, lookup, str(raw)))
    if name == "predecessor_id":
        plan = lookup.plans.get(str(raw))
        return Value(str(plan.get("reference") or raw) if plan else str(raw))
    if name == "supporting_organisation_ids" and isinstance(raw, list):
        return Value(", ".join(_organisation(fmt, lookup, str(item)) for item in raw))
    if name == "modality":
        return Value(label(fmt, "modality", str(raw)))
    if name in ("status",):
        return Value(label(fmt, "commitment_status", str(raw)))
    if name == "health":
        return Value(label(fmt, "health", str(raw)))
    if isinstance(raw, bool):
        return Value(fmt.gettext("Yes") if raw else fmt.gettext("No"))
    if name == "progress" and isinstance(raw, int | float):
        return Value(fmt.percent(raw))
    if name.endswith("_months") and isinstance(raw, int):
        return Value(fmt.ngettext("%(num)s month", "%(num)s months", raw))
    if (name.endswith(("_date", "_on")) or name == "retired_at") and isinstance(raw, str):
        try:
            return Value(fmt.date(raw[:10]))
        except ValueError:
            return Value(raw)
    if name in ("sections", "objectives") and isinstance(raw, list):
        return Value(fmt.ngettext("%(num)s item", "%(num)s items", len(raw)))
    if name == "lead_texts" and isinstance(raw, dict):
        # The signed words around the lists and chapters: how many there are.
        count = bool((raw.get("objectives") or {}).get("text")) + bool(raw.get("areas"))
        for chapter in raw.get("chapters") or []:
            count += bool(chapter.get("heading")) + bool(chapter.get("text"))
        return Value(fmt.ngettext("%(num)s item", "%(num)s items", count))
    if isinstance(raw, list):
        return Value(", ".join(str(item) for item in raw))
    if isinstance(raw, bool):
        return Value(fmt.gettext("yes") if raw else fmt.gettext("no"))
    return Value(str(raw))


def plan_value(fmt: Formatter, name: str, raw: Any, lookup: Lookup) -> Value:
    """A plan field's value as a reader would say it (its status is the plan's)."""
    if name == "status" and isinstance(raw, str):
        return Value(label(fmt, "plan_status", raw))
    return value_of(fmt, name, raw, lookup)


def _organisation(fmt: Formatter, lookup: Lookup, organisation_id: str) -> str:
    organisation = lookup.organisations.get(organisation_id)
    if organisation is None:
        return organisation_id
    return fmt.pick(organisation.get("name")).text or str(organisation.get("code") or "")


def _commitment_subject(fmt: Formatter, commitment: Mapping[str, Any] | None, fallback: str) -> str:
    if not commitment:
        return fallback
    return f"{commitment.get('reference', '')} {fmt.pick(commitment.get('title')).text}".strip()


def _area_subject(fmt: Formatter, area: Mapping[str, Any] | None, fallback: str) -> str:
    if not area:
        return fallback
    return f"{area.get('code', '')} {fmt.pick(area.get('title')).text}".strip()


COMMITMENT_ORDER = (
    "reference",
    "priority_area_id",
    "title",
    "description",
    "modality",
    "lead_party_id",
    "lead_organisation_id",
    "supporting_organisation_ids",
    "start_date",
    "due_date",
    "pcm_activity_ref",
)


# The records an id of an operation names, by where its values are chosen from: how one is
# named as the subject of a change, and which of its fields says where it stands in an order.
def _record_subject(
    fmt: Formatter, source: str, record: Mapping[str, Any] | None, fallback: str
) -> str:
    if source == "commitments":
        return _commitment_subject(fmt, record, fallback)
    return _area_subject(fmt, record, fallback)


_SUBJECT_SOURCES = ("commitments", "priority_areas")
_ORDER_CODES = {"priority_areas": "code", "commitments": "reference"}
# The row of one item of a list of objects in a new record (a milestone of a new commitment).
_ITEM_NAMES = {"milestones": N_("Milestone")}
# The plan's fields its expiry date follows from (approval date + term).
_EXPIRY_FROM = ("approval_date", "term_months")


def _records(lookup: Lookup, source: str) -> Mapping[str, Mapping[str, Any]]:
    return lookup.commitments if source == "commitments" else lookup.areas


def _given(raw: Any) -> bool:
    return raw not in (None, "", [])


# Marks sample data: no part of what the parties agree to (a version diff leaves it out too).
_NOT_SHOWN = frozenset({"is_example"})


def _shown(fields: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The fields a reader is shown (a text's source languages are not, nor a sample's mark),
    a record's reference first as a version diff lists it."""
    return sorted(
        (f for f in fields if f["type"] != "mapping" and f["name"] not in _NOT_SHOWN),
        key=lambda f: f["name"] != "reference",
    )


def _item_rows(
    fmt: Formatter, described: Mapping[str, Any], items: list[Mapping[str, Any]]
) -> list[Row]:
    """One row per object of a list: its text and, in brackets, its (first) date."""
    fields = described.get("fields") or []
    text_field = next((f["name"] for f in fields if f["type"] == "localized_text"), None)
    date_field = next((f["name"] for f in fields if f["type"] == "date"), None)
    name = _ITEM_NAMES.get(described["name"])
    rows = []
    for item in items:
        title = fmt.pick(item.get(text_field)).text if text_field else ""
        day = item.get(date_field) if date_field else None
        rows.append(
            Row(
                fmt.gettext(name) if name else field_name(fmt, described["name"]),
                None,
                Value(f"{title} ({fmt.date(day) if day else '—'})"),
            )
        )
    return rows


def _new_record_rows(
    fmt: Formatter, fields: list[Mapping[str, Any]], values: Mapping[str, Any], lookup: Lookup
) -> list[Row]:
    """The fields of something new: every one given, with no value before."""
    rows: list[Row] = []
    for described in _shown(fields):
        name, raw = described["name"], values.get(described["name"])
        if described["type"] == "list" and described.get("item_type") == "object":
            rows.extend(_item_rows(fmt, described, raw or []))
        elif _given(raw):
            rows.append(Row(field_name(fmt, name), None, value_of(fmt, name, raw, lookup)))
    return rows


def _new_subject(fmt: Formatter, fields: list[Mapping[str, Any]], values: Mapping[str, Any]) -> str:
    """A new record named by its code (a required string), else by its title."""
    for kind in ("string", "localized_text"):
        for described in fields:
            if described["type"] == kind and described["required"]:
                raw = values.get(described["name"])
                return str(raw or "") if kind == "string" else fmt.pick(raw).text
    return ""


def _plan_rows(
    fmt: Formatter, operation: Mapping[str, Any], change: Mapping[str, Any], lookup: Lookup
) -> list[Row]:
    """The plan fields the operation sets, against the plan now; one that gives the plan a
    status first says so, and its fields have no value before (they take effect with it)."""
    plan = lookup.plan
    status = operation.get("sets_status")
    rows: list[Row] = []
    if status:
        # Such an operation is proposed in one status of the plan: the one it leaves.
        rows.append(
            Row(
                field_name(fmt, "status"),
                Value(label(fmt, "plan_status", str(operation["plan_statuses"][0]))),
                Value(label(fmt, "plan_status", str(status))),
            )
        )
    fields = _shown(operation["fields"])
    for described in fields:
        name, raw = described["name"], change.get(described["name"])
        if raw is None and not described["required"] and not status:
            continue  # an optional field left out changes nothing
        if raw is None and status and described["type"] == "date":
            # A day left open is the day the operation takes effect.
            new = Value(fmt.gettext("The day the last party approves"))
        else:
            new = value_of(fmt, name, raw, lookup)
        old = None if status else value_of(fmt, name, plan.get(name), lookup)
        rows.append(Row(field_name(fmt, name), old, new))
    if operation["effect"] == "plan" and any(f["name"] in _EXPIRY_FROM for f in fields):
        rows.extend(_expiry_rows(fmt, change, lookup, before=not status))
    return rows


def _expiry_rows(
    fmt: Formatter, change: Mapping[str, Any], lookup: Lookup, *, before: bool
) -> list[Row]:
    """The expiry date a new approval date or term gives (approval date + term)."""
    plan = lookup.plan
    approval = change.get("approval_date") or plan.get("approval_date")
    if not approval:
        return []
    try:
        day = dt.date.fromisoformat(str(approval))
    except ValueError:
        return []
    term = int(change.get("term_months") or plan.get("term_months") or 24)
    return [
        Row(
            field_name(fmt, "expiry_date"),
            value_of(fmt, "expiry_date", plan.get("expiry_date"), lookup) if before else None,
            Value(fmt.date(add_months(day, term))),
        )
    ]


def _order_rows(
    fmt: Formatter, operation: Mapping[str, Any], change: Mapping[str, Any], lookup: Lookup
) -> list[Row]:
    """A new order of records of the plan: their codes now (the live ones, in the order the
    plan has them) and in the order given."""
    unknown = fmt.gettext("(no longer in the plan)")
    rows = []
    for described in operation["fields"]:
        source = described.get("choices_source")
        if described["type"] != "list" or source not in _ORDER_CODES:
            continue
        code, records = _ORDER_CODES[source], _records(lookup, source)
        current = [record for record in records.values() if not record.get("retired_at")]
        given = [records.get(str(i)) for i in change.get(described["name"]) or []]
        rows.append(
            Row(
                field_name(fmt, described["name"].removesuffix("_ids") + "_order"),
                Value(" → ".join(str(record.get(code) or "") for record in current)),
                Value(
                    " → ".join(
                        str(record.get(code) or "") if record else unknown for record in given
                    )
                ),
            )
        )
    return rows


def _record_rows(
    fmt: Formatter,
    operation: Mapping[str, Any],
    change: Mapping[str, Any],
    source: str,
    record: Mapping[str, Any] | None,
    lookup: Lookup,
) -> list[Row]:
    """What a change or a retirement does to a record of the plan: each field it changes (an
    object of changes) against the record now, or the status it gives it."""
    rows = []
    for described in operation["fields"]:
        if described["type"] != "object":
            continue
        for name, value in (change.get(described["name"]) or {}).items():
            rows.append(
                Row(
                    field_name(fmt, name),
                    value_of(fmt, name, record.get(name), lookup) if record else None,
                    value_of(fmt, name, value, lookup),
                )
            )
    status = operation.get("sets_status")
    if status and record:
        rows.append(
            Row(
                field_name(fmt, "status"),
                value_of(fmt, "status", record.get("status"), lookup),
                value_of(fmt, "status", status, lookup),
            )
        )
    return rows


def describe_change(fmt: Formatter, change: Mapping[str, Any], lookup: Lookup) -> ChangeView:
    """One operation of a change set, with the values it changes from and to, drawn from the
    API's description of its kind (`lookup.operations`): what it does (`effect`), the types of
    its fields and where their ids come from — never from which kind it is."""
    op = str(change.get("op"))
    heading = label(fmt, "amendment_op", op)
    operation = lookup.operations.get(op)
    if operation is None:
        return ChangeView("plan", heading or op)
    effect = str(operation["effect"])
    note = fmt.pick(operation.get("note")).text
    fields = operation["fields"]
    if effect == "order":
        return ChangeView("plan", heading, "", _order_rows(fmt, operation, change, lookup), note)
    if effect == "add":
        new_record = next((f for f in fields if f["type"] == "object"), None)
        if new_record is None:  # something new made of the operation's own fields
            return ChangeView(
                "add", heading, "", _new_record_rows(fmt, fields, change, lookup), note
            )
        values = change.get(new_record["name"]) or {}
        inner = new_record.get("fields") or []
        return ChangeView(
            "add",
            heading,
            _new_subject(fmt, inner, values),
            _new_record_rows(fmt, inner, values, lookup),
            note,
        )
    named = next(
        (f for f in fields if f["type"] == "id" and f.get("choices_source") in _SUBJECT_SOURCES),
        None,
    )
    if named is not None:
        source = str(named["choices_source"])
        record = _records(lookup, source).get(str(change.get(named["name"])))
        return ChangeView(
            effect,
            heading,
            _record_subject(fmt, source, record, fmt.gettext("(no longer in the plan)")),
            _record_rows(fmt, operation, change, source, record, lookup),
            note,
        )
    # What the plan itself takes: its fields (or its end).
    return ChangeView(
        "retire" if effect == "retire" else "plan",
        heading,
        "",
        _plan_rows(fmt, operation, change, lookup),
        note,
    )


def _field_rows(fmt: Formatter, fields: Mapping[str, Any], lookup: Lookup) -> list[Row]:
    return [
        Row(
            field_name(fmt, name),
            value_of(fmt, name, values.get("old"), lookup),
            value_of(fmt, name, values.get("new"), lookup),
        )
        for name, values in fields.items()
    ]


@dataclass
class DiffView:
    """Two versions of a plan: what the parties' agreement changed (versions hold agreed
    content only, so delivery — status, progress, health — never appears here)."""

    plan_rows: list[Row]
    changes: list[ChangeView]


def describe_diff(fmt: Formatter, diff: Mapping[str, Any], lookup: Lookup) -> DiffView:
    """A version diff from the API, in the same form as a change set."""
    plan_rows = [
        Row(
            field_name(fmt, name),
            plan_value(fmt, name, values.get("old"), lookup),
            plan_value(fmt, name, values.get("new"), lookup),
        )
        for name, values in (diff.get("plan") or {}).items()
        if name not in ("updated_at", "row_version")
    ]
    changes: list[ChangeView] = []
    for kind, records in (
        ("area", diff.get("priority_areas") or {}),
        ("commitment", diff.get("commitments") or {}),
    ):
        for record in records.get("added") or []:
            names = (
                COMMITMENT_ORDER
                if kind == "commitment"
                else ("code", "short_code", "title", "description")
            )
            rows = [
                Row(field_name(fmt, name), None, value_of(fmt, name, record.get(name), lookup))
                for name in names
                if record.get(name) not in (None, "", [])
            ]
            subject = (
                _commitment_subject(fmt, record, "")
                if kind == "commitment"
                else _area_subject(fmt, record, "")
            )
            heading = label(
                fmt,
                "amendment_op",
                f"add_{'commitment' if kind == 'commitment' else 'priority_area'}",
            )
            changes.append(ChangeView("add", heading, subject, rows))
        for record in records.get("changed") or []:
            fields = {
                name: values
                for name, values in (record.get("fields") or {}).items()
                if name != "updated_at"
            }
            op = f"modify_{'commitment' if kind == 'commitment' else 'priority_area'}"
            if fields:
                changes.append(
                    ChangeView(
                        "modify",
                        label(fmt, "amendment_op", op),
                        str(record.get("label") or ""),
                        _field_rows(fmt, fields, lookup),
                    )
                )
        for record in records.get("retired") or []:
            subject = (
                _commitment_subject(fmt, record, "")
                if kind == "commitment"
                else _area_subject(fmt, record, "")
            )
            op = f"retire_{'commitment' if kind == 'commitment' else 'priority_area'}"
            changes.append(ChangeView("retire", label(fmt, "amendment_op", op), subject, []))
    return DiffView(plan_rows, changes)
