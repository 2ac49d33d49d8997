"""The plan document as Word (.docx): written with python-docx, and read back for import.

Writing: the blocks of documents/layout.py (the same ones the OpenDocument writer, odf.py,
writes) in Word's styles: the title, the numbered chapters and sections (their numbers written
as text, as in the seed, so any word processor shows them), the objectives and areas as
bulleted lists under their signed lead texts, the end marker, the annex of commitments as a
table per area, and the record of consent; the running header and the classification marking.
Fonts are named for both scripts: Noto Serif for Latin text and Noto Serif CJK JP for Japanese
(the eastAsia font), so Word picks the right one per character.

Reading: an upload that is a ZIP holding `word/document.xml` (and no OpenDocument `mimetype`)
is read as a Word document (by its content, never by its name; package.kind_of). Its
paragraphs, in order, become the lines the text parser reads (a blank line between
paragraphs); where Word holds a number as list numbering (a numbered heading style, a
multilevel list) the number is written out, and a bulleted paragraph becomes a `- ` line; each
table row becomes one line of its cells. Only the parts that hold the text are read, each
bounded in size (a ZIP bomb gets 413), and their XML is parsed without entities or network
access.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from itpp_api.documents import layout, package
from itpp_api.documents.layout import EAST_ASIAN_FONT, LATIN_FONT
from itpp_api.documents.render import PlanDocument

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# --- writing ------------------------------------------------------------------------------


def _set_fonts(style: Any, lang: str, size_pt: float | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = LATIN_FONT
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = rpr.makeelement(qn("w:lang"), {})
        rpr.append(language)
    language.set(qn("w:val"), "ja-JP" if lang == "ja" else "en-GB")
    language.set(qn("w:eastAsia"), "ja-JP")


def _page_number(paragraph: Any) -> None:
    """A PAGE field (Word fills in the page's number)."""
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, instruction in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
        else:
            element = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            element.text = instruction
        run._r.append(element)


def _marking(paragraph: Any, text: str) -> None:
    """The classification marking: bold, centred."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(9)


def _side_by_side(word: Any, block: layout.SideBySide) -> None:
    """The two languages in the columns of a table without borders, row by row."""
    from docx.shared import Pt

    sizes = {"h1": layout.TITLE_PT, "h2": layout.HEADING_PT[1]}
    table = word.add_table(rows=0, cols=2)
    for kind, number, *texts in block.rows:
        for cell, text in zip(table.add_row().cells, texts, strict=True):
            if not text:
                continue
            paragraph = cell.paragraphs[0]
            if kind == "li":
                paragraph.style = word.styles["List Bullet"]
            if number:
                paragraph.add_run(number).bold = True
                text = f" {text}"
            run = paragraph.add_run(text)
            if kind in sizes:
                run.bold = True
                run.font.size = Pt(sizes[kind])


def render_docx(document: PlanDocument) -> bytes:
    """The document as a Word file (.docx): the blocks of layout.layout, in Word's styles."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    laid = layout.layout(document)
    word = Document()
    for name, size in (
        ("Normal", layout.BODY_PT),
        ("Title", layout.TITLE_PT),
        ("Heading 1", layout.HEADING_PT[1]),
        ("Heading 2", layout.HEADING_PT[2]),
    ):
        _set_fonts(word.styles[name], laid.lang, size)
    for name in ("List Bullet", "Table Grid"):
        _set_fonts(word.styles[name], laid.lang)
    properties = word.core_properties
    properties.title = laid.title
    properties.subject = laid.reference
    properties.language = "-".join(laid.locale)
    properties.author = "ITPP Tracker"
    section = word.sections[0]
    header = section.header.paragraphs[0]
    if laid.classification:
        _marking(header, laid.classification)
        header = section.header.add_paragraph()
    header.text = laid.running_header
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.runs[0].font.size = Pt(layout.HEADER_PT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    if laid.classification:
        _marking(section.footer.add_paragraph(), laid.classification)

    for block in laid.blocks:
        if isinstance(block, layout.Title):
            word.add_paragraph(block.text, style="Title")
        elif isinstance(block, layout.Heading):
            heading = word.add_heading(block.text, level=block.level)
            heading.paragraph_format.page_break_before = block.new_page or None
        elif isinstance(block, layout.Paragraph):
            paragraph = word.add_paragraph()
            if block.number:
                paragraph.add_run(block.number).bold = True
            text = f" {block.text}" if block.number and block.text else block.text
            if text:
                paragraph.add_run(text).italic = block.remark or None
            if block.end:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif isinstance(block, layout.Bullets):
            for item in block.items:
                word.add_paragraph(item, style="List Bullet")
        elif isinstance(block, layout.SideBySide):
            _side_by_side(word, block)
        else:
            table = word.add_table(rows=1, cols=len(block.header))
            table.style = word.styles["Table Grid"]
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    output = io.BytesIO()
    word.save(output)
    return output.getvalue()


# --- reading ------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCUMENT_PART = package.WORD_DOCUMENT_PART
_NUMBERING_PART = "word/numbering.xml"
_STYLES_PART = "word/styles.xml"
_WHAT = "Word document"


def _w(name: str) -> str:
    return f"{{{_W}}}{name}"


@dataclass
class _Level:
    format: str
    text: str
    start: int


@dataclass
class _Numbering:
    """Word's list numbering: the levels of each list, and the counters while reading."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # by abstract list
    lists: dict[str, str] = field(default_factory=dict)  # numId → abstract list
    starts: dict[tuple[str, int], int] = field(default_factory=dict)  # overridden starts
    style_numbers: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    def label(self, num_id: str, level: int) -> str | None:
        """The number (or bullet) of the next paragraph of list `num_id` at `level`."""
        abstract = self.lists.get(num_id)
        levels = self.levels.get(abstract or "")
        if abstract is None or levels is None or level not in levels:
            return None
        if levels[level].format == "bullet":
            return "-"
        counters = self.counters.setdefault(abstract, {})

        def start_of(at: int) -> int:
            return self.starts.get((num_id, at), levels[at].start if at in levels else 1)

        counters[level] = counters[level] + 1 if level in counters else start_of(level)
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]

        def value(match: re.Match[str]) -> str:
            at = int(match.group(1)) - 1
            count = counters.get(at, start_of(at))
            return package.format_number(count, levels[at].format if at in levels else "decimal")

        return re.sub(r"%([1-9])", value, levels[level].text).strip() or None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _numbering(numbering_xml: Any | None, styles_xml: Any | None) -> _Numbering:
    numbering = _Numbering()
    if numbering_xml is not None:
        for abstract in numbering_xml.iterfind(_w("abstractNum")):
            levels: dict[int, _Level] = {}
            for level in abstract.iterfind(_w("lvl")):
                fmt = level.find(_w("numFmt"))
                text = level.find(_w("lvlText"))
                start = level.find(_w("start"))
                levels[_int(level.get(_w("ilvl")), 0)] = _Level(
                    format=fmt.get(_w("val"), "decimal") if fmt is not None else "decimal",
                    text=text.get(_w("val"), "") if text is not None else "",
                    start=_int(start.get(_w("val")) if start is not None else None, 1),
                )
            numbering.levels[abstract.get(_w("abstractNumId"), "")] = levels
        for num in numbering_xml.iterfind(_w("num")):
            num_id = num.get(_w("numId"), "")
            abstract_id = num.find(_w("abstractNumId"))
            if abstract_id is not None:
                numbering.lists[num_id] = abstract_id.get(_w("val"), "")
            for override in num.iterfind(_w("lvlOverride")):
                start = override.find(_w("startOverride"))
                if start is not None:
                    key = (num_id, _int(override.get(_w("ilvl")), 0))
                    numbering.starts[key] = _int(start.get(_w("val")), 1)
    if styles_xml is not None:
        based_on: dict[str, str] = {}
        own: dict[str, tuple[str, int]] = {}
        for style in styles_xml.iterfind(_w("style")):
            style_id = style.get(_w("styleId"), "")
            parent = style.find(_w("basedOn"))
            if parent is not None:
                based_on[style_id] = parent.get(_w("val"), "")
            num_pr = style.find(f"{_w('pPr')}/{_w('numPr')}")
            if num_pr is not None:
                num_id = num_pr.find(_w("numId"))
                level = num_pr.find(_w("ilvl"))
                if num_id is not None:
                    own[style_id] = (
                        num_id.get(_w("val"), "0"),
                        _int(level.get(_w("val")) if level is not None else None, 0),
                    )
        for style_id in {*based_on, *own}:
            seen: set[str] = set()
            current: str | None = style_id
            while current and current not in own and current not in seen:
                seen.add(current)
                current = based_on.get(current)
            if current and current in own:
                numbering.style_numbers[style_id] = own[current]
    return numbering


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    for element in paragraph.iter(_w("t"), _w("tab"), _w("br"), _w("cr")):
        if element.tag == _w("t"):
            parts.append(element.text or "")
        elif element.tag == _w("tab"):
            # A tab in a paragraph's properties (its tab stops) is no text.
            if element.getparent() is not None and element.getparent().tag == _w("tabs"):
                continue
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _paragraph_line(paragraph: Any, numbering: _Numbering) -> str:
    text = _paragraph_text(paragraph).strip()
    properties = paragraph.find(_w("pPr"))
    number: tuple[str, int] | None = None
    if properties is not None:
        style = properties.find(_w("pStyle"))
        if style is not None:
            number = numbering.style_numbers.get(style.get(_w("val"), ""))
        num_pr = properties.find(_w("numPr"))
        if num_pr is not None:
            num_id = num_pr.find(_w("numId"))
            level = num_pr.find(_w("ilvl"))
            number = (
                num_id.get(_w("val"), "0") if num_id is not None else (number or ("0", 0))[0],
                _int(level.get(_w("val")) if level is not None else None, (number or ("", 0))[1]),
            )
    if not text or number is None or number[0] == "0":
        return text
    label = numbering.label(*number)
    return f"{label} {text}" if label else text


def _blocks(container: Any, numbering: _Numbering) -> Iterator[str]:
    """The lines of a body (or a content control in it), in order: one per paragraph, one per
    table row (its cells' text joined by " | ")."""
    for element in container:
        if element.tag == _w("p"):
            yield _paragraph_line(element, numbering)
        elif element.tag == _w("tbl"):
            for row in element.iterfind(_w("tr")):
                cells = [
                    " ".join(t for p in cell.iter(_w("p")) if (t := _paragraph_text(p).strip()))
                    for cell in row.iter(_w("tc"))
                ]
                yield " | ".join(cell for cell in cells if cell)
        elif element.tag == _w("sdt"):
            content = element.find(_w("sdtContent"))
            if content is not None:
                yield from _blocks(content, numbering)


def document_text(raw: bytes, max_import_bytes: int) -> package.PackageText:
    """The text of an uploaded .docx; 422 when it is no readable Word document, 413 when its
    text is too large once uncompressed."""
    limit = max_import_bytes * package.EXPANSION_BOUND
    with package.opened(raw, ".docx", "docx") as archive:
        document = package.read_part(archive, _DOCUMENT_PART, limit, _WHAT)
        if document is None:
            raise package.problem(
                "The upload is a ZIP file but not a Word document (it has no "
                f"{_DOCUMENT_PART}). Upload a .docx, or the plan as text or Markdown.",
                "docx_not_word",
            )
        numbering = package.read_part(archive, _NUMBERING_PART, limit, _WHAT)
        styles = package.read_part(archive, _STYLES_PART, limit, _WHAT)
    root = package.parse_xml(document, _DOCUMENT_PART, _WHAT, "docx")
    body = root.find(_w("body"))
    if root.tag != _w("document") or body is None:
        raise package.problem(
            "The Word document has no body: it holds no text to import.", "docx_damaged"
        )
    listing = _numbering(
        package.parse_xml(numbering, _NUMBERING_PART, _WHAT, "docx") if numbering else None,
        package.parse_xml(styles, _STYLES_PART, _WHAT, "docx") if styles else None,
    )
    return package.package_text(_blocks(body, listing))
