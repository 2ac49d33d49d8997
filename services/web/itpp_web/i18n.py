"""Languages of the interface: gettext catalogs (compiled at start-up) and locale formatting.

The interface strings are written in English in the templates and the code; the Japanese
catalog `locales/ja/LC_MESSAGES/messages.po` translates them. Catalogs are compiled in memory
when the process starts, so no binary `.mo` file is ever committed or needed.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_decimal, format_percent, parse_pattern

LANGUAGES: tuple[str, ...] = ("ja", "en")
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English is the source: no catalog needed)."""
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    # Fuzzy entries are never used: a translator has not confirmed them.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(accept_language: str | None, default: str) -> str:
    """The best of our languages for an Accept-Language header."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, tag))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality >= 0:
            break
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return default


def supported(language: str | None) -> str | None:
    """Our language for a BCP 47 tag from a profile (`en-GB` → `en`), or None."""
    if not language:
        return None
    primary = language.split("-")[0].lower()
    return primary if primary in LANGUAGES else None


@cache
def _number_pattern(digits: int) -> NumberPattern:
    """Parsed once: a page formats hundreds of numbers, and babel parses a pattern given as text
    on every call."""
    return parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))


_PERCENT = parse_pattern("#,##0%")

# A page formats the same few values many times (each row's progress, twice; the due dates)
# and the next page the same ones again: each is formatted once per language and kept, in a
# bounded cache (babel takes a tenth of a millisecond or more per call).
_FORMATTED_KEPT = 4096


@lru_cache(maxsize=_FORMATTED_KEPT)
def _formatted_date(language: str, value: date | str, form: str) -> str:
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(parsed, format=form, locale=Locale.parse(language))


@lru_cache(maxsize=_FORMATTED_KEPT)
def _formatted_number(language: str, value: float | int, digits: int) -> str:
    return format_decimal(value, format=_number_pattern(digits), locale=Locale.parse(language))


@lru_cache(maxsize=_FORMATTED_KEPT)
def _formatted_percent(language: str, value: float | int) -> str:
    return format_percent(value / 100, format=_PERCENT, locale=Locale.parse(language))


class Formatter:
    """Dates, numbers and record text for one reader's language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._translations = translations(language)

    def gettext(self, message: str, **variables: Any) -> str:
        text = self._translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, count: int, **variables: Any) -> str:
        text = self._translations.ngettext(singular, plural, count)
        return text % {"num": count, **variables}

    def month(self, value: date | str) -> str:
        """The month's short name, as an axis shows it ("Dec", "12月")."""
        parsed = date.fromisoformat(value) if isinstance(value, str) else value
        return format_skeleton("MMM", parsed, locale=self.locale)

    def date(self, value: date | str | None, form: str = "medium") -> str:
        if value is None or value == "":
            return ""
        return _formatted_date(self.language, value, form)

    def datetime(self, value: datetime | str | None) -> str:
        if value is None or value == "":
            return ""
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        # Shown in UTC with its zone named: the two parties work nine hours apart.
        return format_datetime(parsed, format="medium", tzinfo=None, locale=self.locale) + " UTC"

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        return _formatted_number(self.language, value, digits)

    def percent(self, value: float | int | None) -> str:
        if value is None:
            return "—"
        return _formatted_percent(self.language, value)

    def names(self, items: Sequence[str]) -> str:
        """Names as one phrase of the reader's language ("JP, NATO and EU")."""
        return format_list(list(items), locale=self.locale) if items else ""

    def pick(
        self,
        text: Mapping[str, str] | None,
        translations_state: Mapping[str, Any] | None = None,
        field: str = "title",
    ) -> LocalText:
        """The reader's language of a localized text, marked when it is missing or stale."""
        return pick_text(self.language, text, translations_state, field)


class LocalText:
    """One localized value as shown: its text, its language and why it may be marked."""

    __slots__ = ("language", "mark", "text")

    def __init__(self, text: str, language: str, mark: str | None) -> None:
        self.text = text
        self.language = language
        self.mark = mark  # None, "fallback" (reader's language missing) or "stale"

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def pick_text(
    language: str,
    text: Mapping[str, str] | None,
    translations_state: Mapping[str, Any] | None = None,
    field: str = "title",
) -> LocalText:
    if not text:
        return LocalText("", language, None)
    state = (translations_state or {}).get(field) or {}
    stale = set(state.get("stale") or ())
    if language in text:
        return LocalText(text[language], language, "stale" if language in stale else None)
    for tag, value in text.items():
        if tag.split("-")[0] == language:
            return LocalText(value, tag, "stale" if tag in stale else None)
    source = state.get("source")
    chosen = source if isinstance(source, str) and source in text else next(iter(text))
    return LocalText(text[chosen], chosen, "fallback")
