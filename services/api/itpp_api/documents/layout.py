"""The plan document laid out for a word processor: the one description of what the Word
(.docx, documents/word.py) and OpenDocument (.odt, documents/odf.py) files hold, in order.

Each writer only says how a block looks in its format; what the blocks are, their order and
their words come from here, built from the same PlanDocument as the HTML, Markdown and PDF
renderings: the title; each chapter as a level-1 heading with its number written as text (as
in the seed, so every word processor shows the same numbers and the file imports back to the
same records) and its lead text; each section as a paragraph opening with its number, then its
paragraphs and its bulleted list; the end mark; then, on a new page, the annex with each area's
commitments as a table (reference, commitment, lead party and dates — and, for the plan as it
is, status and progress), and the record of consent. The running header carries the plan's
reference, version and status; the classification marking (ITPP_DOCUMENT_CLASSIFICATION), when
set, stands at the top and the bottom of every page.
"""

from dataclasses import dataclass, field

from itpp_api.documents.render import PlanDocument, meta_line, parallel_rows

# Fonts named for both scripts: Latin text in Noto Serif, Japanese in Noto Serif CJK JP (both
# from the Debian package fonts-noto-cjk), so a word processor picks the face per character.
LATIN_FONT = "Noto Serif"
EAST_ASIAN_FONT = "Noto Serif CJK JP"
# Point sizes of the paragraph styles (body, title, chapter and annex headings, the header).
BODY_PT = 10.5
TITLE_PT = 16.0
HEADING_PT = {1: 12.5, 2: 11.0}
HEADER_PT = 8.0


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Heading:
    level: int  # 1: a chapter, the annexes; 2: an area of the annex, a consent
    text: str
    # The heading starts a new page (the annex, after the end of the text).
    new_page: bool = False


@dataclass(frozen=True)
class Paragraph:
    text: str
    # A section's number, printed in bold before its first paragraph's text.
    number: str = ""
    # A remark of the document's own (no commitments, no consent recorded): in italics.
    remark: bool = False
    # The end mark, set flush right.
    end: bool = False


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class SideBySide:
    """The side-by-side edition's text: rows of two columns (kind, number, left, right), as
    render.parallel_rows gives them — "h1" the title, "h2" a chapter's heading, "p" a
    paragraph (the section's number with its first), "li" an item of a list."""

    languages: tuple[str, str]
    rows: list[tuple[str, str, str, str]]


Block = Title | Heading | Paragraph | Bullets | Table | SideBySide


@dataclass
class Layout:
    """A plan document as a word processor's file holds it."""

    lang: str  # "ja" or "en"
    title: str
    reference: str
    running_header: str
    classification: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def locale(self) -> tuple[str, str]:
        """The document's language and country (ja-JP, en-GB)."""
        return ("ja", "JP") if self.lang == "ja" else ("en", "GB")


def layout(document: PlanDocument) -> Layout:
    """The blocks of the document, in order: in one language, or side by side (a document with
    its `parallel`: Japanese and English in two columns, row by row, as the HTML and PDF)."""
    other = document.parallel
    blocks: list[Block] = []
    if other is None:
        blocks.append(Title(document.title))
        for chapter in document.chapters:
            blocks.append(Heading(1, f"{chapter.number}. {chapter.heading}"))
            blocks += [Paragraph(text) for text in chapter.paragraphs]
            for part in chapter.sections:
                first, *rest = part.paragraphs or [""]
                blocks.append(Paragraph(first, number=part.number))
                blocks += [Paragraph(text) for text in rest]
                if part.bullets:
                    blocks.append(Bullets(list(part.bullets)))
        blocks.append(Paragraph(document.end_marker, end=True))
    else:
        title = ("h1", "", document.title, other.title)
        blocks.append(SideBySide((document.lang, other.lang), [title, *parallel_rows(document)]))
        blocks.append(Paragraph(f"{document.end_marker} {other.end_marker}", end=True))

    # The annex: side by side, its labels in both languages and a title column for each.
    blocks.append(Heading(1, document.both("annex"), new_page=True))
    header = [
        document.both("reference"),
        *(document.labels_of(lang)["commitment"] for lang in document.languages),
        document.both("details"),
    ]
    for area in document.annex:
        blocks.append(Heading(2, f"{area.code} {area.title}"))
        if area.description:
            blocks.append(Paragraph(area.description))
        if not area.commitments:
            blocks.append(Paragraph(document.both("none"), remark=True))
            continue
        blocks.append(
            Table(
                header=header,
                rows=[[c.reference, *c.titles, c.details] for c in area.commitments],
            )
        )
    blocks.append(Heading(1, document.both("consents")))
    for edition in [document, *([other] if other else [])]:
        if not edition.consents:
            blocks.append(Paragraph(edition.labels["no_consents"], remark=True))
        for consent in edition.consents:
            blocks.append(Heading(2, consent.heading))
            if consent.title:
                blocks.append(Paragraph(consent.title))
            if consent.approvals:
                blocks.append(Bullets(list(consent.approvals)))
    running_header = meta_line(document) + (f" / {meta_line(other)}" if other else "")
    return Layout(
        lang=document.lang,
        title=document.title + (f" / {other.title}" if other else ""),
        reference=document.reference,
        running_header=running_header,
        classification=document.classification,
        blocks=blocks,
    )
