"""Localized text: a map from BCP 47 language tag to text, with at least one entry."""

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from typing_extensions import TypeAliasType

# RFC 5646 language tag, the common subset: language[-script][-region][-variant]*.
_BCP47 = re.compile(
    r"^[a-zA-Z]{2,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?(?:-(?:[a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*$"
)
MAX_TEXT_LENGTH = 20_000
MAX_LANGUAGES = 16


def canonical_tag(tag: str) -> str:
    """Canonical case for a tag: language lower, script title, region upper (en-GB, zh-Hant)."""
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def _validate(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("localized text needs at least one language")
    if len(value) > MAX_LANGUAGES:
        raise ValueError(f"localized text has more than {MAX_LANGUAGES} languages")
    cleaned: dict[str, str] = {}
    for tag, text in value.items():
        if not _BCP47.match(tag):
            raise ValueError(f"{tag!r} is not a BCP 47 language tag (for example 'ja', 'en-GB')")
        canonical = canonical_tag(tag)
        if canonical in cleaned:
            raise ValueError(f"language {canonical!r} given twice")
        stripped = text.strip()
        if not stripped:
            raise ValueError(f"the {canonical!r} text is empty")
        if len(stripped) > MAX_TEXT_LENGTH:
            raise ValueError(f"the {canonical!r} text is longer than {MAX_TEXT_LENGTH} characters")
        if "\x00" in stripped:
            raise ValueError(f"the {canonical!r} text contains a NUL character")
        cleaned[canonical] = stripped
    return cleaned


# A named type alias: the OpenAPI document gets one reusable `LocalizedText` schema that every
# field refers to, instead of a copy inlined at each use (which client generators name per field).
LocalizedText = TypeAliasType(
    "LocalizedText",
    Annotated[
        dict[str, str],
        AfterValidator(_validate),
        WithJsonSchema(
            {
                "type": "object",
                "title": "LocalizedText",
                "description": "Text by BCP 47 language tag; at least one language.",
                "minProperties": 1,
                "maxProperties": MAX_LANGUAGES,
                "propertyNames": {"pattern": _BCP47.pattern},
                "additionalProperties": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_TEXT_LENGTH,
                },
                "example": {"ja": "サイバー防衛", "en": "Cyber defence"},
            }
        ),
    ],
)


def search_text(*texts: dict[str, str] | None, extra: tuple[str, ...] = ()) -> str:
    """Lower-cased text of every language, for free-text search across languages."""
    parts = [value for text in texts if text for value in text.values()]
    parts.extend(extra)
    return "\n".join(parts).casefold()
