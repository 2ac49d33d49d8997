"""Localized text: a map from BCP 47 language tag to text, with at least one entry; and the
translation state of such texts (which language governs, which translations are stale)."""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema
from typing_extensions import TypeAliasType

from itpp_api.errors import FieldError, RuleViolation

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


# --- translation state --------------------------------------------------------------------
#
# Each localized text of a record has a governing (source) language; the other languages are
# translations of it. When the source text changes and a translation does not change with it,
# the translation is stale until someone updates it (or says it is still right), so nobody
# reads an out-of-date translation as current. A record keeps the state of all its localized
# texts in one JSON column, `translations`: {field: {"source": tag, "stale": [tag, ...]}}.

# Japanese governs when the text has it: the reference plan's agreed text is the Japanese one.
PREFERRED_SOURCE = "ja"

LanguageTag = Annotated[
    str,
    Field(pattern=_BCP47.pattern, examples=["ja", "en"]),
    AfterValidator(canonical_tag),
]


class TranslationStateData(TypedDict):
    """The stored form of one text's translation state (JSON)."""

    source: str
    stale: list[str]


class TranslationState(BaseModel):
    """The governing language of one localized text and its translations that are out of date."""

    source: str = Field(
        description="The governing (source) language: the others are translations of it.",
        examples=["ja"],
    )
    stale: list[str] = Field(
        description="Languages whose text was not updated after the source text last changed: "
        "show them marked as possibly out of date.",
        examples=[["en"]],
    )


@dataclass(frozen=True)
class TranslationError:
    """A request's source language or reviewed translation that does not fit the text."""

    loc: tuple[str | int, ...]
    msg: str
    type: str


class TranslationRequestError(ValueError):
    """The translation part of a request does not fit the record's texts."""

    def __init__(self, errors: list[TranslationError]) -> None:
        super().__init__(errors[0].msg)
        self.errors = errors


def default_source(text: Mapping[str, str]) -> str:
    """The source of a text nobody named one for: Japanese if present, else its first language."""
    return PREFERRED_SOURCE if PREFERRED_SOURCE in text else next(iter(text))


def next_translation_state(
    old_text: Mapping[str, str] | None,
    new_text: Mapping[str, str],
    old_state: TranslationStateData | None,
    source_override: str | None = None,
    reviewed: Collection[str] = (),
) -> TranslationStateData:
    """The translation state of a text after it changed from `old_text` to `new_text`.

    - A new text (`old_text` None): the source is `source_override` or `default_source`;
      nothing is stale (every language was written now).
    - A language whose text changed, or that someone `reviewed`, is fresh.
    - When the source text changed, every other language whose text did not change is stale.
    - A language removed from the text is no longer stale; when the source is removed, the
      source moves to a remaining language (Japanese first).
    - `source_override` names the new source (a language of `new_text`); "the source text
      changed" then also counts a change of the new source's text. The source is never stale.

    Tags are canonical (LocalizedText and LanguageTag make them so).
    """
    if source_override is not None and source_override not in new_text:
        raise ValueError(f"{source_override!r} is not a language of the text")
    if old_text is None:
        return {"source": source_override or default_source(new_text), "stale": []}
    if old_state is None or old_state["source"] not in old_text:
        old_state = {"source": default_source(old_text), "stale": []}
    old_source = old_state["source"]
    changed = {tag for tag, text in new_text.items() if old_text.get(tag) != text}
    if source_override is not None:
        source = source_override
    elif old_source in new_text:
        source = old_source
    else:
        source = default_source(new_text)
    stale = (set(old_state["stale"]) & new_text.keys()) - changed - set(reviewed)
    if old_source in changed or source in changed:
        stale |= new_text.keys() - changed - set(reviewed)
    stale.discard(source)
    return {"source": source, "stale": [tag for tag in new_text if tag in stale]}


def next_translations(
    old_texts: Mapping[str, Mapping[str, str]] | None,
    new_texts: Mapping[str, Mapping[str, str]],
    old_states: Mapping[str, TranslationStateData],
    *,
    source_languages: Mapping[str, str] | None = None,
    reviewed_translations: Mapping[str, Collection[str]] | None = None,
) -> dict[str, TranslationStateData]:
    """The translation states of a record's texts (by field) after a create or an update.

    `old_texts` is None on create. `source_languages` ({field: tag}) and
    `reviewed_translations` ({field: [tag]}) come from the request: each field must be a text of
    the record after the change, each tag one of its languages, else TranslationRequestError.
    """
    errors: list[TranslationError] = []
    for name, requested in (
        ("source_languages", source_languages or {}),
        ("reviewed_translations", reviewed_translations or {}),
    ):
        for key, value in requested.items():
            text = new_texts.get(key)
            if text is None:
                known = ", ".join(new_texts) or "none"
                errors.append(
                    TranslationError(
                        (name, key),
                        f"{key!r} is not a localized text of this record (its texts: {known})",
                        "unknown_localized_field",
                    )
                )
                continue
            for tag in [value] if isinstance(value, str) else value:
                if tag not in text:
                    errors.append(
                        TranslationError(
                            (name, key),
                            f"{tag!r} is not a language of the {key} text "
                            f"(it has {', '.join(text)})",
                            "language_not_in_text",
                        )
                    )
    if errors:
        raise TranslationRequestError(errors)
    sources = source_languages or {}
    reviewed = reviewed_translations or {}
    return {
        key: next_translation_state(
            None if old_texts is None else old_texts.get(key),
            text,
            old_states.get(key),
            sources.get(key),
            reviewed.get(key, ()),
        )
        for key, text in new_texts.items()
    }


def texts_of(**fields: Mapping[str, str] | None) -> dict[str, Mapping[str, str]]:
    """A record's localized texts by field name, leaving out those it does not have."""
    return {name: text for name, text in fields.items() if text is not None}


def plan_texts(
    title: Mapping[str, str],
    sections: Sequence[Mapping[str, Any]],
    objectives: Sequence[Mapping[str, str]],
    lead_texts: Mapping[str, Any] | None = None,
) -> dict[str, Mapping[str, str]]:
    """A plan's localized texts by field: `title`, `sections[4.1].heading`,
    `sections[4.1].body` (a section by its number), `objectives[0]` (by position), and its
    lead texts: `lead_texts.objectives`, `lead_texts.areas`, `lead_texts.chapters[3].heading`,
    `lead_texts.chapters[3].text` (a chapter by its number)."""
    texts: dict[str, Mapping[str, str]] = {"title": title}
    for section in sections:
        for part in ("heading", "body"):
            if section.get(part) is not None:
                texts[f"sections[{section['number']}].{part}"] = section[part]
    for index, objective in enumerate(objectives):
        texts[f"objectives[{index}]"] = objective
    lead = lead_texts or {}
    if (lead.get("objectives") or {}).get("text") is not None:
        texts["lead_texts.objectives"] = lead["objectives"]["text"]
    if lead.get("areas") is not None:
        texts["lead_texts.areas"] = lead["areas"]
    for chapter in lead.get("chapters") or []:
        for part in ("heading", "text"):
            if chapter.get(part) is not None:
                texts[f"lead_texts.chapters[{chapter['number']}].{part}"] = chapter[part]
    return texts


SourceLanguages = Annotated[
    dict[str, LanguageTag],
    Field(
        max_length=500,
        description="The governing language of each named localized text, by field name "
        "(for a plan: `title`, `sections[4.1].heading`, `sections[4.1].body`, `objectives[0]`, "
        "`lead_texts.areas`…). "
        "Each must be one of that text's languages. Texts not named keep their source; a new "
        "text gets Japanese if it has it, else its first language.",
        examples=[{"title": "en"}],
    ),
]

ReviewedTranslations = Annotated[
    dict[str, Annotated[list[LanguageTag], Field(max_length=MAX_LANGUAGES)]],
    Field(
        max_length=500,
        description="Languages of the named texts that someone checked against the current "
        "source text and found still right: they are no longer stale, without changing them.",
        examples=[{"title": ["en"]}],
    ),
]


def record_translations(
    old_texts: Mapping[str, Mapping[str, str]] | None,
    new_texts: Mapping[str, Mapping[str, str]],
    old_states: Mapping[str, TranslationStateData],
    *,
    source_languages: Mapping[str, str] | None = None,
    reviewed_translations: Mapping[str, Collection[str]] | None = None,
    loc: Sequence[str | int] = ("body",),
) -> dict[str, Any]:
    """next_translations for a service: a request that does not fit is a 422 rule violation,
    each error at `loc` + the request field + the text's field name."""
    try:
        return dict(
            next_translations(
                old_texts,
                new_texts,
                old_states,
                source_languages=source_languages,
                reviewed_translations=reviewed_translations,
            )
        )
    except TranslationRequestError as error:
        raise RuleViolation(
            f"The translation state does not fit the texts: {error.errors[0].msg}.",
            errors=[FieldError(loc=[*loc, *e.loc], msg=e.msg, type=e.type) for e in error.errors],
        ) from None


def pop_translation_request(
    changes: dict[str, Any],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Take a request's `source_languages` and `reviewed_translations` out of its changes
    (they are not columns of the record)."""
    return changes.pop("source_languages", None) or {}, changes.pop(
        "reviewed_translations", None
    ) or {}


def translations_view(stored: Mapping[str, Mapping[str, Any]]) -> dict[str, TranslationStateData]:
    """A stored `translations` value for a response: each state's keys in TranslationState's
    order (JSONB keeps an object's keys in an order of its own: "stale" before "source")."""
    return {name: {"source": s["source"], "stale": s["stale"]} for name, s in stored.items()}
