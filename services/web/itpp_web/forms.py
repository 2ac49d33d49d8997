"""Turning form posts into API bodies, and API records back into form values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
    else:
        body = {name: value for name, value in body.items() if value is not None}
        if not body.get("visibility"):
            body.pop("visibility", None)
    return body, errors


def _progress(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 <= number <= 100 else None


def progress_value(value: str) -> int | None:
    return _progress(value.strip())
