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


def _approval_rows(
    fmt: Formatter, change: Mapping[str, Any], lookup: Lookup, *, new_plan: bool = False
) -> list[Row]:
    """A new approval date, and the expiry date it gives (approval date + term)."""
    plan = lookup.plan
    raw = change.get("approval_date")
    rows = [
        Row(
            field_name(fmt, "approval_date"),
            None if new_plan else value_of(fmt, "approval_date", plan.get("approval_date"), lookup),
            value_of(fmt, "approval_date", raw, lookup),
        )
    ]
    try:
        approval = dt.date.fromisoformat(str(raw))
    except ValueError:
        return rows
    expiry = add_months(approval, int(plan.get("term_months") or 24))
    rows.append(
        Row(
            field_name(fmt, "expiry_date"),
            None if new_plan else value_of(fmt, "expiry_date", plan.get("expiry_date"), lookup),
            Value(fmt.date(expiry)),
        )
    )
    return rows


def _plan_rows(fmt: Formatter, change: Mapping[str, Any], lookup: Lookup, *names: str) -> list[Row]:
    """One row for each plan field the operation sets: its value now and after."""
    return [
        Row(
            field_name(fmt, name),
            value_of(fmt, name, lookup.plan.get(name), lookup),
            value_of(fmt, name, change.get(name), lookup),
        )
        for name in names
    ]


def describe_change(fmt: Formatter, change: Mapping[str, Any], lookup: Lookup) -> ChangeView:
    """One operation of a change set, with the values it changes from and to."""
    op = str(change.get("op"))
    heading = label(fmt, "amendment_op", op)
    unknown = fmt.gettext("(no longer in the plan)")
    if op == "add_commitment":
        proposed = change.get("commitment") or {}
        rows = [
            Row(field_name(fmt, name), None, value_of(fmt, name, proposed.get(name), lookup))
            for name in COMMITMENT_ORDER
            if proposed.get(name) not in (None, "", [])
        ]
        milestones = proposed.get("milestones") or []
        for milestone in milestones:
            title = fmt.pick(milestone.get("title")).text
            due = fmt.date(milestone.get("due_date")) if milestone.get("due_date") else "—"
            rows.append(Row(fmt.gettext("Milestone"), None, Value(f"{title} ({due})")))
        subject = fmt.pick(proposed.get("title")).text
        return ChangeView("add", heading, subject, rows)
    if op == "modify_commitment":
        current = lookup.commitments.get(str(change.get("commitment_id")))
        changes = change.get("changes") or {}
        rows = [
            Row(
                field_name(fmt, name),
                value_of(fmt, name, (current or {}).get(name), lookup) if current else None,
                value_of(fmt, name, value, lookup),
            )
            for name, value in changes.items()
        ]
        return ChangeView("modify", heading, _commitment_subject(fmt, current, unknown), rows)
    if op == "retire_commitment":
        current = lookup.commitments.get(str(change.get("commitment_id")))
        rows = []
        if current:
            rows.append(
                Row(
                    field_name(fmt, "status"),
                    value_of(fmt, "status", current.get("status"), lookup),
                    value_of(fmt, "status", "cancelled", lookup),
                )
            )
        return ChangeView(
            "retire",
            heading,
            _commitment_subject(fmt, current, unknown),
            rows,
            fmt.gettext("It is cancelled and stays on record."),
        )
    if op == "add_priority_area":
        proposed = change.get("priority_area") or {}
        rows = [
            Row(field_name(fmt, name), None, value_of(fmt, name, proposed.get(name), lookup))
            for name in ("code", "short_code", "title", "description")
            if proposed.get(name)
        ]
        return ChangeView("add", heading, str(proposed.get("code") or ""), rows)
    if op == "modify_priority_area":
        area = lookup.areas.get(str(change.get("priority_area_id")))
        changes = change.get("changes") or {}
        rows = [
            Row(
                field_name(fmt, name),
                value_of(fmt, name, (area or {}).get(name), lookup) if area else None,
                value_of(fmt, name, value, lookup),
            )
            for name, value in changes.items()
        ]
        return ChangeView("modify", heading, _area_subject(fmt, area, unknown), rows)
    if op == "retire_priority_area":
        area = lookup.areas.get(str(change.get("priority_area_id")))
        return ChangeView(
            "retire",
            heading,
            _area_subject(fmt, area, unknown),
            [],
            fmt.gettext("It stays on record and takes no new commitments."),
        )
    plan = lookup.plan
    if op == "change_term":
        new_term = int(change.get("term_months") or 0)
        rows = [
            Row(
                field_name(fmt, "term_months"),
                value_of(fmt, "term_months", plan.get("term_months"), lookup),
                value_of(fmt, "term_months", new_term, lookup),
            )
        ]
        approval = plan.get("approval_date")
        if approval:
            new_expiry = add_months(dt.date.fromisoformat(str(approval)), new_term)
            rows.append(
                Row(
                    field_name(fmt, "expiry_date"),
                    value_of(fmt, "expiry_date", plan.get("expiry_date"), lookup),
                    Value(fmt.date(new_expiry)),
                )
            )
        return ChangeView("plan", heading, "", rows)
    if op == "change_review_interval":
        return ChangeView(
            "plan", heading, "", _plan_rows(fmt, change, lookup, "review_interval_months")
        )
    if op == "change_text":
        names = [
            n
            for n in ("title", "sections", "objectives", "lead_texts")
            if change.get(n) is not None
        ]
        return ChangeView("plan", heading, "", _plan_rows(fmt, change, lookup, *names))
    if op == "change_approval_date":
        return ChangeView("plan", heading, "", _approval_rows(fmt, change, lookup))
    if op == "change_predecessor":
        return ChangeView("plan", heading, "", _plan_rows(fmt, change, lookup, "predecessor_id"))
    if op == "change_progress_updates_confirmation":
        return ChangeView(
            "plan",
            heading,
            "",
            _plan_rows(fmt, change, lookup, "progress_updates_need_confirmation"),
        )
    if op == "reorder_priority_areas":
        # The plan's areas come in their order.
        current_order = [area for area in lookup.areas.values() if not area.get("retired_at")]
        new_order = [lookup.areas.get(str(i)) for i in change.get("priority_area_ids") or []]
        return ChangeView(
            "plan",
            heading,
            "",
            [
                Row(
                    field_name(fmt, "priority_area_order"),
                    Value(" → ".join(str(area.get("code") or "") for area in current_order)),
                    Value(
                        " → ".join(
                            str(area.get("code") or "") if area else unknown for area in new_order
                        )
                    ),
                )
            ],
        )
    if op == "bring_into_force":
        rows = [
            Row(
                field_name(fmt, "status"),
                Value(label(fmt, "plan_status", "draft")),
                Value(label(fmt, "plan_status", "active")),
            ),
            *_approval_rows(fmt, change, lookup, new_plan=True),
        ]
        return ChangeView(
            "plan",
            heading,
            "",
            rows,
            fmt.gettext(
                "When every party has approved, the plan comes into force and version 1 records "
                "it as agreed."
            ),
        )
    if op == "terminate":
        day = change.get("termination_date")
        rows = [
            Row(
                field_name(fmt, "status"),
                Value(label(fmt, "plan_status", "active")),
                Value(label(fmt, "plan_status", "terminated")),
            ),
            Row(
                field_name(fmt, "termination_date"),
                None,
                value_of(fmt, "termination_date", day, lookup)
                if day
                else Value(fmt.gettext("The day the last party approves")),
            ),
        ]
        return ChangeView(
            "retire",
            heading,
            "",
            rows,
            fmt.gettext(
                "The plan ends before its term: it takes no more changes, and its records stay."
            ),
        )
    if op == "renew":
        rows = [Row(field_name(fmt, "reference"), None, Value(str(change.get("reference") or "")))]
        if change.get("term_months"):
            rows.append(
                Row(
                    field_name(fmt, "term_months"),
                    None,
                    value_of(fmt, "term_months", change["term_months"], lookup),
                )
            )
        if change.get("title"):
            rows.append(
                Row(field_name(fmt, "title"), None, value_of(fmt, "title", change["title"], lookup))
            )
        return ChangeView(
            "add",
            heading,
            "",
            rows,
            fmt.gettext(
                "A successor plan takes over the live commitments; this plan is superseded."
            ),
        )
    return ChangeView("plan", heading or op)


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
