"""What the settings reference says of each setting, computed from the settings classes: its
variable, its default and its bounds as docs/settings.md and deploy/.env.example write them.
The tests of both files compare them with these (tests/test_docs.py,
tests/deploy/test_manifests.py), so neither can drift from the code."""

import re
import typing
from dataclasses import dataclass
from pathlib import Path

import annotated_types
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from itpp_api.config import Settings
from itpp_common.config import ServiceSettings
from itpp_web.config import WebSettings

ROOT = Path(__file__).resolve().parents[1]
# Written for the project's folder in both files, wherever the checkout is.
PROJECT = "<project>"
# ServiceSettings' fields are listed once per service, under each prefix.
SETTINGS_CLASSES: tuple[type[BaseSettings], ...] = (Settings, WebSettings)


@dataclass(frozen=True)
class Documented:
    variable: str
    default: str | None  # None: unset
    bounds: str  # "" for none
    shared: bool  # a field of ServiceSettings


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def default_text(field: FieldInfo) -> str | None:
    """The default as a variable would be written; None when the setting is unset."""
    value = field.default
    if value is PydanticUndefined and field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return _number(value)
    text = str(value)
    return text.replace(str(ROOT), PROJECT)


def bounds_text(field: FieldInfo) -> str:
    """The field's constraints as the reference states them ("" when it has none)."""
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    min_length = max_length = None
    choices: tuple[str, ...] = ()
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            ge = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            gt = float(item.gt)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            le = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.MinLen):
            min_length = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            max_length = item.max_length
        elif getattr(item, "pattern", None):
            pattern = re.fullmatch(r"\^\(([\w|]+)\)\$", str(item.pattern))
            assert pattern, f"a pattern the reference cannot state: {item.pattern}"
            choices = tuple(pattern[1].split("|"))
    for candidate in (field.annotation, *typing.get_args(field.annotation)):
        if typing.get_origin(candidate) is typing.Literal:
            choices = tuple(str(choice) for choice in typing.get_args(candidate))
        if candidate is bool:
            choices = ("true", "false")
    if choices:
        quoted = [f"`{choice}`" for choice in choices]
        return ", ".join(quoted[:-1]) + " or " + quoted[-1]
    parts: list[str] = []
    if gt is not None and ge is not None and ge > gt:
        gt = None  # "at least 1" says more than "above 0"
    if ge is not None and le is not None:
        parts.append(f"{_number(ge)}–{_number(le)}")
    else:
        if ge is not None:
            parts.append(f"≥ {_number(ge)}")
        if gt is not None:
            parts.append(f"> {_number(gt)}")
        if le is not None:
            parts.append(f"≤ {_number(le)}")
    if min_length is not None and max_length is not None:
        parts.append(f"{min_length}–{max_length} characters")
    elif max_length is not None:
        parts.append(f"at most {max_length} characters")
    elif min_length is not None:
        parts.append(f"at least {min_length} characters")
    return ", ".join(parts)


def documented_settings() -> list[Documented]:
    """Every setting of both services, under the variable that sets it."""
    found: list[Documented] = []
    for settings_class in SETTINGS_CLASSES:
        prefix = settings_class.model_config.get("env_prefix", "")
        for name, field in settings_class.model_fields.items():
            found.append(
                Documented(
                    variable=f"{prefix}{name}".upper(),
                    default=default_text(field),
                    bounds=bounds_text(field),
                    shared=name in ServiceSettings.model_fields,
                )
            )
    return found
