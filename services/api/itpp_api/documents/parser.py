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

from itpp_api.documents import periods

# Digits and dots, half- or full-width: "3.1.1", "３．１．１".
_NUM = r"[0-9０-９]{1,2}(?:[.．][0-9０-９]{1,2})*"
_NUMBERED = re.compile(rf"^(?P<num>{_NUM})[.．]?(?:\s+|$|(?=[^\s0-9０-９.．]))(?P<text>.*)$")
_BULLET = re.compile(r"^[-‐－・•*●◦○]\s*(?P<text>.*)$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_END_MARKERS = frozenset({"（了）", "(了)", "(end)", "(end of document)", "- end -", "end"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_SENTENCE_END = tuple("。．.!?！？）)」』:：")

_OBJECTIVES_CHAPTER = re.compile(r"目的|objective", re.IGNORECASE)

# A fallback marker the renderer puts before a text shown in another language ("[en] …").
_MARKER = re.compile(r"^\[(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\]\s?")
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


# Why a line is not part of the draft, as UnmappedLine.kind says it.
UNMAPPED_KINDS = (
    "after_end",
    "chapter_without_heading",
    "chapter_before_title",
    "duplicate_chapter",
    "duplicate_section",
    "item_outside_section",
    "area_without_title",
    "duplicate_area",
    "numbering_too_deep",
    "text_before_chapter_1",
    "text_outside_section",
    "bullet_without_code",
    "second_area_list",
    "text_after_area_list",
    "text_after_objectives",
    "empty_section",
)


@dataclass
class Unmapped:
    """A line the parser could not place in the plan, and why."""

    line: int
    text: str
    reason: str
    # The reason as a stable token (UNMAPPED_KINDS), for clients that say it in their own words.
    kind: str


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
    term: periods.Reading
    review_interval: periods.Reading
    predecessor_references: list[PredecessorReference]
    unmapped: list[Unmapped]
    # The signed words around the lists and chapters (kept as the plan's lead texts).
    objectives_number: str | None = None
    objectives_lead: str | None = None
    areas_lead: str | None = None
    chapter_leads: dict[str, str] = field(default_factory=dict)

    @property
    def term_months(self) -> int | None:
        return self.term.months

    @property
    def review_interval_months(self) -> int | None:
        return self.review_interval.months


class NotAPlanDocument(ValueError):
    """The text has no numbered structure of a plan."""


def _normal_number(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).replace("．", ".").strip(".")


def detect_language(text: str) -> str:
    """'ja' for text with Japanese script, else 'en'."""
    return "ja" if _CJK.search(text) else "en"


def split_marker(text: str) -> tuple[str | None, str]:
    """The language a fallback marker names ("[en] text" → "en") and the text without it;
    (None, text) for a text without one."""
    match = _MARKER.match(text)
    if match is None:
        return None, text
    return match.group("lang"), text[match.end() :]


def _join(paragraph: str, line: str) -> str:
    """Continue a paragraph broken across lines: no space between CJK characters."""
    if not paragraph:
        return line
    if _CJK.match(paragraph[-1]) or _CJK.match(line[0]):
        return paragraph + line
    return paragraph + " " + line


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
    # The lead text of each chapter: its paragraphs before its first numbered section.
    chapter_leads: dict[str, list[tuple[int, str]]] = {}
    lead_open = False
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
            unmapped.append(Unmapped(index, line, "after the end of the plan text", "after_end"))
            continue
        if line.lower() in _END_MARKERS:
            ended = True
            continue
        bullet = _BULLET.match(line)
        content = bullet.group("text").strip() if bullet else line
        numbered = _NUMBERED.match(content)
        number = _normal_number(numbered.group("num")) if numbered else None
        depth = number.count(".") + 1 if number else 0
        follows = not blank_before
        continuation = current is not None and follows
        # A wrapped line that merely starts with a number ("2018 年に…") is not a heading.
        if numbered and number and len(number.split(".")[0]) > 2:
            numbered = None
        blank_before = False
        if numbered and number and depth == 1 and not bullet:
            heading = numbered.group("text").strip()
            if not heading:
                unmapped.append(
                    Unmapped(
                        index, line, "a chapter number without a heading", "chapter_without_heading"
                    )
                )
                continue
            if title is None:
                unmapped.append(
                    Unmapped(
                        index, line, "a chapter before the plan's title", "chapter_before_title"
                    )
                )
            chapter = number
            if number in chapters:
                unmapped.append(
                    Unmapped(index, line, f"chapter {number} appears twice", "duplicate_chapter")
                )
                continue
            chapters[number] = heading
            current = None
            lead_open = True
            continue
        if numbered and number and depth == 2 and not bullet:
            if any(b.number == number for b in blocks):
                unmapped.append(
                    Unmapped(index, line, f"section {number} appears twice", "duplicate_section")
                )
                current = None
                continue
            current = _Block(number=number, chapter=number.split(".")[0], line=index)
            blocks.append(current)
            lead_open = False
            rest = numbered.group("text").strip()
            if rest:
                current.paragraphs.append((index, rest))
            continue
        if numbered and number and depth == 3:
            area_title = numbered.group("text").strip()
            if current is None or not number.startswith(current.number + "."):
                unmapped.append(
                    Unmapped(
                        index,
                        line,
                        f"item {number} is not under section {number[:-2]}",
                        "item_outside_section",
                    )
                )
                continue
            if not area_title:
                unmapped.append(
                    Unmapped(
                        index, line, f"priority area {number} has no title", "area_without_title"
                    )
                )
                continue
            if any(a.code == number for b in blocks for a in b.areas):
                unmapped.append(
                    Unmapped(index, line, f"priority area {number} appears twice", "duplicate_area")
                )
                continue
            current.areas.append(ParsedArea(code=number, title=area_title, line=index))
            continue
        if numbered and number and depth > 3:
            unmapped.append(
                Unmapped(
                    index, line, f"numbering {number} is deeper than x.y.z", "numbering_too_deep"
                )
            )
            continue
        if current is None:
            if title is None and not chapters:
                title = line
            elif not chapters:
                unmapped.append(
                    Unmapped(
                        index, line, "text between the title and chapter 1", "text_before_chapter_1"
                    )
                )
            elif lead_open and not bullet:
                lead = chapter_leads.setdefault(chapter, [])
                if lead and (follows or not lead[-1][1].endswith(_SENTENCE_END)):
                    lead[-1] = (lead[-1][0], _join(lead[-1][1], line))
                else:
                    lead.append((index, line))
            else:
                unmapped.append(
                    Unmapped(
                        index,
                        line,
                        f"text under chapter {chapter} outside any section",
                        "text_outside_section",
                    )
                )
            continue
        if bullet:
            if current.areas:
                unmapped.append(
                    Unmapped(
                        index,
                        line,
                        "a bullet without an x.y.z code among priority areas",
                        "bullet_without_code",
                    )
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
    return _assemble(
        language,
        title,
        chapters,
        blocks,
        unmapped,
        {number: "\n".join(t for _, t in lead) for number, lead in chapter_leads.items()},
    )


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
    chapter_leads: dict[str, str],
) -> ParsedPlan:
    sections: list[ParsedSection] = []
    objectives: list[str] = []
    objectives_number: str | None = None
    objectives_lead: str | None = None
    areas: list[ParsedArea] = []
    areas_lead: str | None = None
    for block in blocks:
        heading = chapters.get(block.chapter)
        intro = "\n".join(text for _, text in block.paragraphs) or None
        if block.areas:
            first = not areas
            areas.extend(block.areas)
            if first:
                areas_lead = intro
            else:
                unmapped += [
                    Unmapped(
                        line_no,
                        text,
                        f"the introduction of a second priority-area list (§{block.number}): "
                        "a plan keeps the lead text of one",
                        "second_area_list",
                    )
                    for line_no, text in block.paragraphs
                ]
            for line_no, text in block.after_list:
                unmapped.append(
                    Unmapped(
                        line_no,
                        text,
                        f"text after the priority-area list of §{block.number}",
                        "text_after_area_list",
                    )
                )
            continue
        if _is_objectives(block, chapters) and not objectives:
            objectives.extend(text for _, text in block.bullets)
            objectives_number = block.number
            objectives_lead = intro
            for line_no, text in block.after_list:
                unmapped.append(
                    Unmapped(
                        line_no,
                        text,
                        f"text after the objectives of §{block.number}",
                        "text_after_objectives",
                    )
                )
            continue
        paragraphs = [text for _, text in block.paragraphs]
        # Bullets of a narrative section stay part of its text, as bullets.
        paragraphs += [f"- {text}" for _, text in block.bullets]
        paragraphs += [text for _, text in block.after_list]
        if not paragraphs:
            unmapped.append(
                Unmapped(
                    block.line, block.number, f"section {block.number} has no text", "empty_section"
                )
            )
            continue
        sections.append(
            ParsedSection(
                number=block.number, heading=heading, paragraphs=paragraphs, line=block.line
            )
        )
    narrative = [s.body for s in sections]
    unmapped.sort(key=lambda u: u.line)
    unmarked = [
        text
        for text in (
            title or "",
            *chapters.values(),
            *chapter_leads.values(),
            *narrative,
            *objectives,
            *(a.title for a in areas),
            objectives_lead or "",
            areas_lead or "",
        )
        if text and split_marker(text)[0] is None
    ]
    if unmarked:
        # A rendering in one language shows the texts it lacks in another behind a marker;
        # the document's language is that of the texts without one.
        language = detect_language("\n".join(unmarked))
    return ParsedPlan(
        language=language,
        title=title or "",
        chapters=chapters,
        sections=sections,
        objectives=objectives,
        areas=areas,
        term=periods.read_term([*chapter_leads.values(), *narrative]),
        review_interval=periods.read_review_interval([*chapter_leads.values(), *narrative]),
        predecessor_references=_predecessor_references(sections),
        unmapped=unmapped,
        objectives_number=objectives_number,
        objectives_lead=objectives_lead,
        areas_lead=areas_lead,
        chapter_leads=chapter_leads,
    )
