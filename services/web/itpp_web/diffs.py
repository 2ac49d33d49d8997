"""Values of a plan-version diff as a reader sees them: localized text in the reader's language
with the other languages at hand, enumerations and ids by their names, long lists reduced to
the items that differ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from itpp_web.i18n import Formatter
from itpp_web.labels import change_value, field_name

# Bookkeeping inside nested records that says nothing to a reader.
HIDDEN_PARTS = frozenset(
    {"id", "commitment_id", "plan_id", "position", "created_at", "updated_at", "etag"}
)


@dataclass
class Shown:
    """One value: its text in the reader's language, or its items, or its named parts."""

    text: str = ""
    language: str | None = None
    mark: str | None = None
    others: list[tuple[str, str]] = field(default_factory=list)
    items: list[Shown] = field(default_factory=list)
    parts: list[tuple[str, Shown]] = field(default_factory=list)
    note: str = ""
    is_list: bool = False


@dataclass
class FieldRow:
    name: str
    label: str
    old: Shown
    new: Shown


def _is_localized(value: Mapping[str, Any]) -> bool:
    return bool(value) and all(
        isinstance(key, str) and 2 <= len(key.split("-")[0]) <= 3 and isinstance(text, str)
        for key, text in value.items()
    )


def show(
    fmt: Formatter, entity: str, name: str, value: Any, names: Mapping[str, str] | None = None
) -> Shown:
    """A value of field `name` of a plan, priority area or commitment, ready to show."""
    if isinstance(value, Mapping) and _is_localized(value):
        picked = fmt.pick({str(k): str(v) for k, v in value.items()})
        others = [(str(k), str(v)) for k, v in value.items() if k != picked.language]
        return Shown(text=picked.text, language=picked.language, mark=picked.mark, others=others)
    if isinstance(value, Mapping):
        parts = [
            (field_name(fmt, str(key)), show(fmt, entity, str(key), item, names))
            for key, item in value.items()
            if key not in HIDDEN_PARTS
        ]
        return Shown(parts=parts)
    if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        return Shown(items=[show(fmt, entity, name, item, names) for item in value], is_list=True)
    return Shown(text=change_value(fmt, name, value, entity, names))


def _reduce(old: Any, new: Any) -> tuple[Any, Any, int]:
    """Two lists of equal length without the items they share (and how many were left out)."""
    if not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new)):
        return old, new, 0
    differing = [index for index, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    return (
        [old[i] for i in differing],
        [new[i] for i in differing],
        len(old) - len(differing),
    )


def field_rows(
    fmt: Formatter,
    entity: str,
    changes: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, str] | None = None,
) -> list[FieldRow]:
    """The API's {field: {old, new}} as rows to show side by side."""
    rows: list[FieldRow] = []
    for name, change in changes.items():
        old, new, unchanged = _reduce(change.get("old"), change.get("new"))
        old_shown = show(fmt, entity, name, old, names)
        new_shown = show(fmt, entity, name, new, names)
        if unchanged:
            note = fmt.ngettext(
                "%(num)s unchanged item not shown", "%(num)s unchanged items not shown", unchanged
            )
            old_shown.note = new_shown.note = note
        rows.append(FieldRow(name, field_name(fmt, name), old_shown, new_shown))
    return rows
