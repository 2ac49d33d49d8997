"""A parser of plan documents in the seed's numbered structure, in Japanese or English.

The structure (seed/000_2fed3e228f570b53.txt): a title line; chapters `1. heading`; numbered
sections `1.1 text…` whose paragraphs run until the next number; in the objectives chapter a
section of unnumbered bullets (the objectives, seed §2.2); in the priority-areas chapter a
section listing `- 3.1.1 title` items (the areas); the term ("承認日から 2 年", "for a period
of 24 months") and the review interval, where stated, in the text. Markdown renderings of the
same structure (`# title`, `## 1. heading`) parse the same way.

Nothing is dropped silently: every non-blank line the parser could not place in the plan is
returned in `ParsedPlan.unmapped` with its line number and the reason.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Digits and dots, half- or full-width: "3.1.1", "３．１．１".
_NUM = r"[0-9０-９]{1,2}(?:[.．][0-9０-９]{1,2})*"
_NUMBERED = re.compile(rf"^(?P<num>{_NUM})[.．]?(?:\s+|(?=[^\s0-9０-９.．]))(?P<text>.*)$")
_BULLET = re.compile(r"^[-‐－・•*●◦○]\s*(?P<text>.*)$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_END_MARKERS = frozenset({"（了）", "(了)", "(end)", "(end of document)", "- end -", "end"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_SENTENCE_END = tuple("。．.!?！？）)」』:：")

_OBJECTIVES_CHAPTER = re.compile(r"目的|objective", re.IGNORECASE)

_JA_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
    "thirty-six": 36,
}
_JA_AMOUNT = r"([0-9]{1,3}|[一二三四五六七八九十]{1,3})"
_EN_AMOUNT = r"([0-9]{1,3}|" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + ")"
_JA_UNIT = r"(年|か月|ヶ月|ヵ月|カ月|箇月|ケ月)"
_EN_UNIT = r"(years?|months?)"
_TERM_PATTERNS = (
    re.compile(rf"承認(?:の)?日から\s*{_JA_AMOUNT}\s*{_JA_UNIT}"),
    re.compile(rf"期限は?\s*{_JA_AMOUNT}\s*{_JA_UNIT}"),
    re.compile(rf"(?:period|term) of\s+{_EN_AMOUNT}(?:\s*\(\d+\))?\s+{_EN_UNIT}", re.IGNORECASE),
    re.compile(rf"runs? for\s+{_EN_AMOUNT}\s+{_EN_UNIT}", re.IGNORECASE),
)
_INTERVAL_PATTERNS = (
    re.compile(rf"{_JA_AMOUNT}\s*{_JA_UNIT}\s*(?:ごと|毎|おき)に?(?:[^。]*?)見直"),
    re.compile(rf"見直し?[^。]*?{_JA_AMOUNT}\s*{_JA_UNIT}\s*(?:ごと|毎|おき)"),
    re.compile(rf"every\s+{_EN_AMOUNT}\s+{_EN_UNIT}", re.IGNORECASE),
    re.compile(rf"intervals? of\s+{_EN_AMOUNT}\s+{_EN_UNIT}", re.IGNORECASE),
)
_JA_DATE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日")
_EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_EN_DATE = re.compile(
    r"\b([0-9]{1,2})\s+(" + "|".join(_EN_MONTHS) + r")\s+([0-9]{4})\b", re.IGNORECASE
)
_EN_DATE_US = re.compile(
    r"\b(" + "|".join(_EN_MONTHS) + r")\s+([0-9]{1,2}),\s*([0-9]{4})\b", re.IGNORECASE
)


@dataclass
class Unmapped:
    """A line the parser could not place in the plan, and why."""

    line: int
    text: str
    reason: str


@dataclass
class ParsedSection:
    number: str
    heading: str | None
    paragraphs: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class ParsedArea:
    code: str
    title: str
    line: int


@dataclass
class PredecessorReference:
    """An earlier agreement a section refers to (a date, and the sentence naming it)."""

    section: str
    date: str
    text: str


@dataclass
class ParsedPlan:
    """What a plan document says, in the language it is written in."""

    language: str
    title: str
    chapters: dict[str, str]
    sections: list[ParsedSection]
    objectives: list[str]
    areas: list[ParsedArea]
    term_months: int | None
    review_interval_months: int | None
    predecessor_references: list[PredecessorReference]
    unmapped: list[Unmapped]


class NotAPlanDocument(ValueError):
    """The text has no numbered structure of a plan."""


def _normal_number(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).replace("．", ".").strip(".")


def _amount(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    lowered = raw.lower()
    if lowered in _EN_NUMBERS:
        return _EN_NUMBERS[lowered]
    # Japanese numerals up to 99: 二, 十, 十二, 二十四.
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return (_JA_NUMBERS.get(tens, 1) if tens else 1) * 10 + _JA_NUMBERS.get(ones, 0)
    return _JA_NUMBERS.get(raw, 0)


def _months(amount: str, unit: str) -> int:
    value = _amount(amount)
    return value * 12 if unit.lower().startswith(("year", "年")) else value


def detect_language(text: str) -> str:
    """'ja' for text with Japanese script, else 'en'."""
    return "ja" if _CJK.search(text) else "en"


def _join(paragraph: str, line: str) -> str:
    """Continue a paragraph broken across lines: no space between CJK characters."""
    if not paragraph:
        return line
    if _CJK.match(paragraph[-1]) or _CJK.match(line[0]):
        return paragraph + line
    return paragraph + " " + line


def _term(texts: list[tuple[str, str]], patterns: tuple[re.Pattern[str], ...]) -> int | None:
    for _, text in texts:
        probe = unicodedata.normalize("NFKC", text)
        for pattern in patterns:
            match = pattern.search(probe)
            if match:
                months = _months(match.group(1), match.group(2))
                if months > 0:
                    return months
    return None


def _predecessor_references(sections: list[ParsedSection]) -> list[PredecessorReference]:
    found: list[PredecessorReference] = []
    for section in sections:
        probe = unicodedata.normalize("NFKC", section.body)
        dates: list[tuple[int, int, int]] = []
        for match in _JA_DATE.finditer(probe):
            year, month, day = match.groups()
            dates.append((int(year), int(month), int(day)))
        for match in _EN_DATE.finditer(probe):
            day, month_name, year = match.groups()
            dates.append((int(year), _EN_MONTHS.index(month_name.lower()) + 1, int(day)))
        for match in _EN_DATE_US.finditer(probe):
            month_name, day, year = match.groups()
            dates.append((int(year), _EN_MONTHS.index(month_name.lower()) + 1, int(day)))
        found += [
            PredecessorReference(section.number, f"{y:04d}-{m:02d}-{d:02d}", section.body)
            for y, m, d in dates
        ]
    return found


@dataclass
class _Block:
    """A numbered section while it is being read: paragraphs, bullets and area items."""

    number: str
    chapter: str
    line: int
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    bullets: list[tuple[int, str]] = field(default_factory=list)
    areas: list[ParsedArea] = field(default_factory=list)
    # Where paragraphs continue: text after the bullets is kept apart to be reported.
    after_list: list[tuple[int, str]] = field(default_factory=list)

    def add_text(self, line_no: int, text: str, *, new_paragraph: bool) -> None:
        target = self.after_list if (self.bullets or self.areas) else self.paragraphs
        if target and not new_paragraph:
            last_no, last = target[-1]
            target[-1] = (last_no, _join(last, text))
        else:
            target.append((line_no, text))


def parse_plan_text(text: str) -> ParsedPlan:
    """Parse a plan document; NotAPlanDocument when it has no numbered plan structure."""
    language = detect_language(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    unmapped: list[Unmapped] = []
    title: str | None = None
    chapters: dict[str, str] = {}
    chapter = ""
    blocks: list[_Block] = []
    current: _Block | None = None
    ended = False
    blank_before = True
    for index, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if not line:
            blank_before = True
            continue
        if line.startswith("<!--") and line.endswith("-->"):
            continue  # a comment of a Markdown rendering (its version line)
        line = _MARKDOWN_HEADING.sub("", line).strip()
        if line.startswith("**") and line.endswith("**") and len(line) > 4:
            line = line[2:-2].strip()
        if ended:
            unmapped.append(Unmapped(index, line, "after the end of the plan text"))
            continue
        if line.lower() in _END_MARKERS:
            ended = True
            continue
        bullet = _BULLET.match(line)
        content = bullet.group("text").strip() if bullet else line
        numbered = _NUMBERED.match(content)
        number = _normal_number(numbered.group("num")) if numbered else None
        depth = number.count(".") + 1 if number else 0
        continuation = current is not None and not blank_before
        # A wrapped line that merely starts with a number ("2018 年に…") is not a heading.
        if numbered and number and len(number.split(".")[0]) > 2:
            numbered = None
        blank_before = False
        if numbered and number and depth == 1 and not bullet:
            heading = numbered.group("text").strip()
            if not heading:
                unmapped.append(Unmapped(index, line, "a chapter number without a heading"))
                continue
            if title is None:
                unmapped.append(Unmapped(index, line, "a chapter before the plan's title"))
            chapter = number
            if number in chapters:
                unmapped.append(Unmapped(index, line, f"chapter {number} appears twice"))
                continue
            chapters[number] = heading
            current = None
            continue
        if numbered and number and depth == 2 and not bullet:
            if any(b.number == number for b in blocks):
                unmapped.append(Unmapped(index, line, f"section {number} appears twice"))
                current = None
                continue
            current = _Block(number=number, chapter=number.split(".")[0], line=index)
            blocks.append(current)
            rest = numbered.group("text").strip()
            if rest:
                current.paragraphs.append((index, rest))
            continue
        if numbered and number and depth == 3:
            area_title = numbered.group("text").strip()
            if current is None or not number.startswith(current.number + "."):
                unmapped.append(
                    Unmapped(index, line, f"item {number} is not under section {number[:-2]}")
                )
                continue
            if not area_title:
                unmapped.append(Unmapped(index, line, f"priority area {number} has no title"))
                continue
            if any(a.code == number for b in blocks for a in b.areas):
                unmapped.append(Unmapped(index, line, f"priority area {number} appears twice"))
                continue
            current.areas.append(ParsedArea(code=number, title=area_title, line=index))
            continue
        if numbered and number and depth > 3:
            unmapped.append(Unmapped(index, line, f"numbering {number} is deeper than x.y.z"))
            continue
        if current is None:
            if title is None and not chapters:
                title = line
            elif not chapters:
                unmapped.append(Unmapped(index, line, "text between the title and chapter 1"))
            else:
                unmapped.append(
                    Unmapped(index, line, f"text under chapter {chapter} outside any section")
                )
            continue
        if bullet:
            if current.areas:
                unmapped.append(
                    Unmapped(index, line, "a bullet without an x.y.z code among priority areas")
                )
            elif content:
                current.bullets.append((index, content))
            continue
        # Text: a new paragraph after a blank line, unless the previous one was cut mid-sentence
        # (the seed's §3.2 is broken across a blank line).
        target = current.after_list if (current.bullets or current.areas) else current.paragraphs
        new_paragraph = not continuation
        if target and not continuation and not target[-1][1].endswith(_SENTENCE_END):
            new_paragraph = False
        if current.bullets and not current.after_list and continuation:
            # A bullet wrapped onto the next line.
            last_no, last = current.bullets[-1]
            current.bullets[-1] = (last_no, _join(last, line))
            continue
        current.add_text(index, line, new_paragraph=new_paragraph)

    if not chapters and not blocks:
        raise NotAPlanDocument(
            "No numbered plan structure found: a plan document has chapters ('1. …') and "
            "numbered sections ('1.1 …')."
        )
    return _assemble(language, title, chapters, blocks, unmapped)


def _is_objectives(block: _Block, chapters: dict[str, str]) -> bool:
    heading = chapters.get(block.chapter, "")
    return bool(block.bullets) and (
        bool(_OBJECTIVES_CHAPTER.search(heading)) or (not heading and block.number == "2.2")
    )


def _assemble(
    language: str,
    title: str | None,
    chapters: dict[str, str],
    blocks: list[_Block],
    unmapped: list[Unmapped],
) -> ParsedPlan:
    sections: list[ParsedSection] = []
    objectives: list[str] = []
    areas: list[ParsedArea] = []
    for block in blocks:
        heading = chapters.get(block.chapter)
        if block.areas:
            areas.extend(block.areas)
            for line_no, text in block.paragraphs:
                unmapped.append(
                    Unmapped(
                        line_no,
                        text,
                        f"the introduction of the priority-area list (§{block.number}): the "
                        "areas were imported, the sentence is not kept",
                    )
                )
            for line_no, text in block.after_list:
                unmapped.append(
                    Unmapped(line_no, text, f"text after the priority-area list of §{block.number}")
                )
            continue
        if _is_objectives(block, chapters) and not objectives:
            objectives.extend(text for _, text in block.bullets)
            for line_no, text in block.paragraphs:
                unmapped.append(
                    Unmapped(
                        line_no,
                        text,
                        f"the introduction of the objectives (§{block.number}): the objectives "
                        "were imported, the sentence is not kept",
                    )
                )
            for line_no, text in block.after_list:
                unmapped.append(
                    Unmapped(line_no, text, f"text after the objectives of §{block.number}")
                )
            continue
        paragraphs = [text for _, text in block.paragraphs]
        # Bullets of a narrative section stay part of its text, as bullets.
        paragraphs += [f"- {text}" for _, text in block.bullets]
        paragraphs += [text for _, text in block.after_list]
        if not paragraphs:
            unmapped.append(
                Unmapped(block.line, block.number, f"section {block.number} has no text")
            )
            continue
        sections.append(
            ParsedSection(
                number=block.number, heading=heading, paragraphs=paragraphs, line=block.line
            )
        )
    narrative = [(s.number, s.body) for s in sections]
    unmapped.sort(key=lambda u: u.line)
    return ParsedPlan(
        language=language,
        title=title or "",
        chapters=chapters,
        sections=sections,
        objectives=objectives,
        areas=areas,
        term_months=_term(narrative, _TERM_PATTERNS),
        review_interval_months=_term(narrative, _INTERVAL_PATTERNS),
        predecessor_references=_predecessor_references(sections),
        unmapped=unmapped,
    )
