"""Reading a plan's term and review interval the way people write them, in Japanese or English.

Durations: "24 months", "two years", "two (2) years", "1 year and 6 months", "one and a half
years", "a year and a half", "1.5 years", "18-month"; 2年, 二年間, 1年6か月, 一年半, 半年, 18ヶ月
(か月/ヶ月/ヵ月/カ月/ケ月/箇月), with half- or full-width digits or kanji numerals.

Review intervals: "every six months", "every year", "every other year", "at intervals of 6
months", "at six-month intervals", frequency words (yearly, annually, each year, once a year,
semi-annually, half-yearly, twice a year, quarterly, monthly, biennially); 6か月ごと, 毎年, 年1回,
年に二回, 半年ごと, 四半期ごと, 毎四半期, 2年に1回, 隔年.

Only sentences about the term (期限, 期間, "for a period of", "runs for", …) are read for the
term, and only sentences about review (見直, review) for the interval, so a meeting held "twice
a year" is not taken for the review cadence. A sentence about the review or the term from which
no period can be read is returned as `phrase` without `months`: the caller reports it, and a
default applies only then or when no sentence speaks of it at all (`Reading.phrase` None).
Words whose meaning is split (biannual, bimonthly, "N年おき") are read as unreadable, not guessed.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

MAX_MONTHS = 240

_EN_ONES = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_EN_SMALL = {
    **_EN_ONES,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}

_EN_WORD_NUMBER = (
    r"(?:(?:" + "|".join(_EN_TENS) + r")(?:[- ](?:" + "|".join(_EN_ONES) + r"))?"
    r"|" + "|".join(sorted(_EN_SMALL, key=len, reverse=True)) + r")"
)
# "18", "1.5", "eighteen", "twenty-four", "two (2)", "18 (eighteen)", "a"/"an".
_EN_NUMBER = rf"(?:[0-9]{{1,3}}(?:\.[0-9]{{1,2}})?|{_EN_WORD_NUMBER})"
_EN_AMOUNT = rf"(?:{_EN_NUMBER}(?:\s*\(\s*{_EN_NUMBER}\s*\))?|an?)"
_EN_HALF = r"(?:\s+and\s+(?:a\s+|one[- ])half)"
_EN_YEAR = r"(?:years?|yrs?)\b"
_EN_MONTH = r"(?:months?|mos?)\b"
_B = r"(?<![\w.])"
_EN_DURATION = (
    rf"(?:{_B}(?P<y>{_EN_AMOUNT})(?P<yh>{_EN_HALF})?[- ]?{_EN_YEAR}(?P<yh2>{_EN_HALF})?"
    rf"(?:,?\s*(?:and\s+)?(?P<ym>{_EN_AMOUNT})[- ]?{_EN_MONTH})?"
    rf"|{_B}(?P<m>{_EN_AMOUNT})(?P<mh>{_EN_HALF})?[- ]?{_EN_MONTH}"
    rf"|{_B}(?P<half>half\s+an?\s+year|an?\s+half[- ]year|half[- ]year)\b)"
)

_JA_NUMERAL = "〇零一二三四五六七八九十百"
_JA_NUMBER = rf"(?:[0-9]{{1,3}}(?:\.[0-9]{{1,2}})?|[{_JA_NUMERAL}]{{1,4}})"
_JA_COUNTER = r"(?:か|ヶ|ヵ|カ|ケ|箇|ケ)"
_JA_DURATION = (
    rf"(?:(?<![0-9])(?P<y>{_JA_NUMBER})\s*年(?:間)?(?P<yh>半)?"
    rf"(?:\s*(?P<ym>{_JA_NUMBER})\s*{_JA_COUNTER}\s*月(?:間)?)?"
    rf"|(?<![0-9])(?P<m>{_JA_NUMBER})\s*{_JA_COUNTER}\s*月(?:間)?"
    r"|(?<!四)(?P<half>半年)(?:間)?)"
)
_EN_DURATION_RE = re.compile(_EN_DURATION, re.IGNORECASE)
_JA_DURATION_RE = re.compile(_JA_DURATION)

# Frequencies: each pattern gives the months itself, or through the duration it contains.
_ONCE = r"(?:1|一)\s*(?:回|度)"
_JA_INTERVALS: tuple[tuple[str, int | None], ...] = (
    (rf"{_JA_DURATION}\s*(?:ごと|毎|に\s*{_ONCE})", None),
    (rf"半年\s*(?:に)?\s*(?P<n>{_JA_NUMBER})\s*(?:回|度)", -6),
    (rf"毎\s*年(?:度)?(?:\s*{_ONCE})?|(?<![半期])年\s*(?:に)?\s*{_ONCE}|年次", 12),
    (r"隔\s*年", 24),
    (rf"四半期\s*(?:ごと|毎|に\s*{_ONCE})|毎\s*四半期", 3),
    (rf"毎\s*月|月\s*(?:に)?\s*{_ONCE}", 1),
    (rf"(?<![半期])年\s*(?:に)?\s*(?P<n>{_JA_NUMBER})\s*(?:回|度)", 0),
)
_EN_TIMES = rf"(?:twice|once|thrice|(?P<n>{_EN_NUMBER})\s+times)"
_EN_INTERVALS: tuple[tuple[str, int | None], ...] = (
    (r"\bevery\s+year\s+and\s+a\s+half\b", 18),
    (rf"\b(?:once\s+)?every\s+{_EN_DURATION}", None),
    (rf"\bintervals?\s+of\s+{_EN_DURATION}", None),
    (rf"\b{_EN_DURATION}\s+intervals?\b", None),
    (rf"\b{_EN_TIMES}\s+(?:(?:a|per|each|every)\s+year|yearly)\b", 0),
    (r"\bevery\s+(?:other|second)\s+year\b|\bbiennial(?:ly)?\b|\btwo-yearly\b", 24),
    (
        r"\bsemi-?annual(?:ly)?\b|\bhalf[- ]?year(?:ly)?\b|\bsix-monthly\b"
        r"|\bevery\s+half[- ]year\b",
        6,
    ),
    (
        r"\bonce\s+(?:a|per|each|every)\s+year\b|\b(?:per|each|every)\s+year\b|\byearly\b|\bannual(?:ly)?\b"
        r"|\bon\s+an\s+annual\s+basis\b",
        12,
    ),
    (
        r"\bquarterly\b|\bonce\s+(?:a|per|each|every)\s+quarter\b"
        r"|\b(?:per|each|every)\s+quarter\b|\bthree-monthly\b",
        3,
    ),
    (r"\bmonthly\b|\bonce\s+(?:a|per|each|every)\s+month\b|\b(?:per|each|every)\s+month\b", 1),
)
_JA_INTERVAL_RES = tuple((re.compile(p), m) for p, m in _JA_INTERVALS)
_EN_INTERVAL_RES = tuple((re.compile(p, re.IGNORECASE), m) for p, m in _EN_INTERVALS)
# Words read two ways: reported, never guessed.
_AMBIGUOUS = re.compile(
    rf"\bbi-?annual(?:ly)?\b|\bbi-?monthly\b|{_JA_DURATION}\s*おき", re.IGNORECASE
)

_TERM_CONTEXT = re.compile(
    r"期限|期間|有効|効力|承認(?:の)?日から"
    r"|\bperiod\s+of\b|(?<!-)\bterm\b(?!-)|\bruns?\s+for\b|\bvalid\s+for\b|\bin\s+force\s+for\b"
    r"|\bremains?\s+in\s+(?:force|effect)\b|\bduration\b|\bexpires?\b|\blasts?\s+for\b",
    re.IGNORECASE,
)
_REVIEW_CONTEXT = re.compile(r"見直|レビュー|\breview", re.IGNORECASE)
_SENTENCE = re.compile(r"[^。\n]+。?")
_EN_SENTENCE_BREAK = re.compile(r"(?<=[a-z)\]])\.\s+(?=[A-Z])")


@dataclass(frozen=True)
class Reading:
    """What the text says of a period: `months` when read; `phrase` is the words it was read
    from, or the sentence that speaks of it when none could be read (months None). Both None:
    the text says nothing of it."""

    months: int | None
    phrase: str | None
    problem: str | None = None


NOTHING = Reading(None, None)


def _ja_number(raw: str) -> Fraction | None:
    if raw[0].isdigit():
        return Fraction(raw)
    digits = {c: i for i, c in enumerate("〇一二三四五六七八九")}
    digits["零"] = 0
    total, current = 0, 0
    for char in raw:
        if char in digits:
            current = current * 10 + digits[char] if current else digits[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return Fraction(total + current)


def _en_number(raw: str) -> Fraction:
    # "two (2)": the first of the two is the number (they say the same).
    raw = raw.split("(")[0].strip().lower()
    if raw in ("a", "an"):
        return Fraction(1)
    if raw[0].isdigit():
        return Fraction(raw)
    if raw in _EN_SMALL:
        return Fraction(_EN_SMALL[raw])
    tens, _, ones = raw.replace(" ", "-").partition("-")
    return Fraction(_EN_TENS[tens] + _EN_ONES.get(ones, 0))


def _duration(match: re.Match[str], language: str) -> Fraction | None:
    """The months of a duration match (groups of _EN_DURATION / _JA_DURATION)."""
    number: Callable[[str], Fraction | None] = _ja_number if language == "ja" else _en_number
    groups = match.groupdict()
    if groups.get("half"):
        return Fraction(6)
    if groups.get("y"):
        years = number(groups["y"])
        if years is None:
            return None
        if groups.get("yh") or groups.get("yh2"):
            years += Fraction(1, 2)
        months = years * 12
        if groups.get("ym"):
            extra = number(groups["ym"])
            if extra is None:
                return None
            months += extra
        return months
    if groups.get("m"):
        counted = number(groups["m"])
        if counted is not None and groups.get("mh"):
            counted += Fraction(1, 2)
        return counted
    return None


def _sentences(text: str) -> list[tuple[str, str]]:
    """Each sentence of the text as written, and as read (NFKC: full-width digits are
    digits)."""
    out: list[tuple[str, str]] = []
    for line in text.split("\n"):
        for part in _EN_SENTENCE_BREAK.split(line):
            for sentence in _SENTENCE.findall(part):
                if sentence.strip():
                    out.append((sentence.strip(), unicodedata.normalize("NFKC", sentence)))
    return out


def _whole(value: Fraction | None) -> int | None:
    if value is None or value.denominator != 1 or not 1 <= value <= MAX_MONTHS:
        return None
    return int(value)


def _intervals(sentence: str) -> list[tuple[int, int, Fraction | None, str]]:
    """(start, end, months, phrase) of each frequency in the sentence, in order."""
    found: list[tuple[int, int, Fraction | None, str]] = []
    for regexes, language in ((_JA_INTERVAL_RES, "ja"), (_EN_INTERVAL_RES, "en")):
        for regex, fixed in regexes:
            for match in regex.finditer(sentence):
                if any(s < match.end() and match.start() < e for s, e, _, _ in found):
                    continue
                months: Fraction | None
                if fixed is None:
                    months = _duration(match, language)
                elif fixed <= 0:
                    # "N times a year" (0), "N times a half-year" (-6): twice, thrice or N.
                    raw = match.groupdict().get("n")
                    word = match.group(0).lower()
                    times: Fraction | None
                    if raw is not None:
                        times = _ja_number(raw) if language == "ja" else _en_number(raw)
                    else:
                        times = Fraction(
                            1 if word.startswith("once") else 3 if word.startswith("thrice") else 2
                        )
                    base = Fraction(12 if fixed == 0 else 6)
                    months = base / times if times else None
                else:
                    months = Fraction(fixed)
                found.append((match.start(), match.end(), months, match.group(0)))
    return sorted(found, key=lambda f: f[0])


def _durations(sentence: str) -> list[tuple[int, int, Fraction | None, str]]:
    found = []
    for regex, language in ((_JA_DURATION_RE, "ja"), (_EN_DURATION_RE, "en")):
        for match in regex.finditer(sentence):
            found.append((match.start(), match.end(), _duration(match, language), match.group(0)))
    return sorted(found, key=lambda f: f[0])


def _shorten(sentence: str, limit: int = 160) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def read_review_interval(texts: list[str]) -> Reading:
    """The review interval the texts state (the first readable one, in order)."""
    unreadable: Reading | None = None
    for text in texts:
        for written, sentence in _sentences(text):
            if not _REVIEW_CONTEXT.search(sentence):
                continue
            ambiguous = _AMBIGUOUS.search(sentence)
            for _, _, months, phrase in _intervals(sentence):
                whole = _whole(months)
                if whole is not None and not ambiguous:
                    return Reading(whole, phrase.strip())
                if unreadable is None:
                    unreadable = Reading(
                        None, phrase.strip(), "not a whole number of months from 1 to 240"
                    )
            if unreadable is None:
                if ambiguous:
                    unreadable = Reading(None, ambiguous.group(0), "read two ways")
                else:
                    unreadable = Reading(None, _shorten(written), "no interval in it")
    return unreadable or NOTHING


def read_term(texts: list[str]) -> Reading:
    """The term the texts state (the first readable one, in order)."""
    unreadable: Reading | None = None
    for text in texts:
        for written, sentence in _sentences(text):
            if not _TERM_CONTEXT.search(sentence):
                continue
            taken = [(s, e) for s, e, _, _ in _intervals(sentence)]
            for start, end, months, phrase in _durations(sentence):
                if any(s < end and start < e for s, e in taken):
                    continue  # "every 6 months" is the review's, not the term
                whole = _whole(months)
                if whole is not None:
                    return Reading(whole, phrase.strip())
                if unreadable is None:
                    unreadable = Reading(
                        None, phrase.strip(), "not a whole number of months from 1 to 240"
                    )
            if unreadable is None:
                unreadable = Reading(None, _shorten(written), "no length in it")
    return unreadable or NOTHING
