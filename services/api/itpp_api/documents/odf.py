"""The plan document as OpenDocument text (.odt): written with odfdo, and read back for import.

Writing: the blocks of documents/layout.py — the same ones the Word writer (word.py) writes —
in ODF styles: the title; chapters as level-1 headings with their numbers written as text (the
outline carries no numbering of its own, so every word processor shows the seed's numbers and
the file imports back to the same records); sections as paragraphs opening with their number in
bold; the objectives and areas as bulleted lists; the end mark set right; the annex, from a new
page, with a bordered table of each area's commitments; the record of consent. The page (A4)
carries the running header (reference, version, status), the page number in the footer, and
the classification marking at its top and bottom when ITPP_DOCUMENT_CLASSIFICATION is set.
Fonts are named for both scripts: Noto Serif for Latin text, Noto Serif CJK JP as the Asian
font, with the document's language on both.

Reading: an upload whose ZIP holds a `mimetype` entry of `application/vnd.oasis.opendocument.text`
is read as an OpenDocument text (by its content, package.kind_of). Its paragraphs and headings,
in order, become the lines the text parser reads (a blank line between them); a number the
document keeps as list or outline numbering is written out as it shows it (`1.1`), a bulleted
item becomes a `- ` line, and each table row one line of its cells (`a | b | c`). Notes,
comments and tracked deletions are no text of the plan. Only `content.xml` and `styles.xml` are
read, each bounded in size (a ZIP bomb gets 413), their XML parsed without entities or network
access.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from itpp_api.documents import layout, package
from itpp_api.documents.layout import EAST_ASIAN_FONT, LATIN_FONT
from itpp_api.documents.render import PlanDocument

MEDIA_TYPE = package.ODF_TEXT

# --- writing ------------------------------------------------------------------------------

_FONT_FACES = [
    f'<style:font-face style:name="{name}" svg:font-family="&apos;{name}&apos;" '
    'style:font-family-generic="roman" style:font-pitch="variable"/>'
    for name in (LATIN_FONT, EAST_ASIAN_FONT)
]


def _text_properties(lang: str, country: str, size: float | None = None, extra: str = "") -> str:
    sizes = f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" ' if size else ""
    return (
        f'<style:text-properties style:font-name="{LATIN_FONT}" '
        f'style:font-name-asian="{EAST_ASIAN_FONT}" style:font-name-complex="{LATIN_FONT}" '
        f'{sizes}fo:language="{lang}" fo:country="{country}" '
        f'style:language-asian="ja" style:country-asian="JP" {extra}/>'
    )


_BOLD = 'fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"'
_ITALIC = 'fo:font-style="italic" style:font-style-asian="italic"'


def _styles(lang: str, country: str) -> list[str]:
    """The document's common styles (styles.xml), in its language."""
    body = _text_properties(lang, country, layout.BODY_PT)
    heading = (
        '<style:style style:name="Heading_20_{level}" style:display-name="Heading {level}" '
        'style:family="paragraph" style:parent-style-name="Standard" '
        'style:next-style-name="Standard" style:default-outline-level="{level}" '
        'style:class="text"><style:paragraph-properties fo:margin-top="{top}cm" '
        'fo:margin-bottom="0.2cm" fo:keep-with-next="always"/>{text}</style:style>'
    )
    return [
        '<style:style style:name="Standard" style:family="paragraph" style:class="text">'
        '<style:paragraph-properties fo:margin-bottom="0.2cm" fo:line-height="150%"/>'
        f"{body}</style:style>",
        '<style:style style:name="Title" style:family="paragraph" '
        'style:parent-style-name="Standard" style:class="chapter">'
        '<style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.4cm"/>'
        f"{_text_properties(lang, country, layout.TITLE_PT, _BOLD)}</style:style>",
        *(
            heading.format(
                level=level,
                top="0.5" if level == 1 else "0.35",
                text=_text_properties(lang, country, size, _BOLD),
            )
            for level, size in layout.HEADING_PT.items()
        ),
        '<style:style style:name="Header" style:family="paragraph" '
        'style:parent-style-name="Standard" style:class="extra">'
        '<style:paragraph-properties fo:text-align="center" fo:margin-bottom="0cm"/>'
        f"{_text_properties(lang, country, layout.HEADER_PT)}</style:style>",
        '<style:style style:name="Footer" style:family="paragraph" '
        'style:parent-style-name="Header" style:class="extra"/>',
        '<style:style style:name="Marking" style:family="paragraph" '
        'style:parent-style-name="Header" style:class="extra">'
        f"{_text_properties(lang, country, 9.0, _BOLD)}</style:style>",
        '<style:style style:name="Table_20_Heading" style:display-name="Table Heading" '
        'style:family="paragraph" style:parent-style-name="Standard" style:class="extra">'
        '<style:paragraph-properties fo:margin-bottom="0cm"/>'
        f"{_text_properties(lang, country, None, _BOLD)}</style:style>",
        '<style:style style:name="Table_20_Contents" style:display-name="Table Contents" '
        'style:family="paragraph" style:parent-style-name="Standard" style:class="extra">'
        '<style:paragraph-properties fo:margin-bottom="0cm"/></style:style>',
        '<style:style style:name="Strong_20_Emphasis" style:display-name="Strong Emphasis" '
        f'style:family="text"><style:text-properties {_BOLD}/></style:style>',
        '<text:list-style style:name="List_20_Bullet" style:display-name="List Bullet">'
        '<text:list-level-style-bullet text:level="1" text:bullet-char="•">'
        "<style:list-level-properties text:list-level-position-and-space-mode="
        '"label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" '
        'text:list-tab-stop-position="0.635cm" fo:text-indent="-0.635cm" '
        'fo:margin-left="0.635cm"/></style:list-level-properties>'
        "</text:list-level-style-bullet></text:list-style>",
        # The outline numbers no heading: the numbers are the text's own, as in the seed.
        '<text:outline-style style:name="Outline">'
        + "".join(
            f'<text:outline-level-style text:level="{level}" style:num-format=""/>'
            for level in range(1, 11)
        )
        + "</text:outline-style>",
        '<style:page-layout style:name="Mpm1"><style:page-layout-properties '
        'fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" '
        'fo:margin-top="1.4cm" fo:margin-bottom="1.4cm" fo:margin-left="2cm" '
        'fo:margin-right="2cm"/><style:header-style><style:header-footer-properties '
        'fo:min-height="0.6cm" fo:margin-bottom="0.4cm"/></style:header-style>'
        "<style:footer-style><style:header-footer-properties fo:min-height="
        '"0.6cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>',
    ]


# The annex table's columns (17 cm in all): reference, the title (one column per language in
# the side-by-side edition), lead and dates.
_COLUMN_WIDTHS = {"A": 3.0, "B": 8.5, "C": 5.5, "Title2": 4.8, "Details2": 4.4}
_COLUMN_STYLES = {
    3: ("Commitments.A", "Commitments.B", "Commitments.C"),
    4: ("Commitments.A", "Commitments.Title2", "Commitments.Title2", "Commitments.Details2"),
}
_CELL = 'fo:padding="0.05cm" fo:border="0.5pt solid #888888"'
# Automatic styles of the body (content.xml): what a block's paragraph adds to its style, the
# annex's bordered tables and the side-by-side edition's table without borders.
_AUTOMATIC = [
    '<style:style style:name="AnnexHeading" style:family="paragraph" '
    'style:parent-style-name="Heading_20_1"><style:paragraph-properties '
    'fo:break-before="page"/></style:style>',
    '<style:style style:name="Remark" style:family="paragraph" '
    f'style:parent-style-name="Standard"><style:text-properties {_ITALIC}/></style:style>',
    '<style:style style:name="EndMark" style:family="paragraph" '
    'style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="end"/>'
    "</style:style>",
    '<style:style style:name="Commitments" style:family="table"><style:table-properties '
    'style:width="17cm" table:align="margins" fo:margin-top="0.1cm" fo:margin-bottom="0.2cm"/>'
    "</style:style>",
    *(
        f'<style:style style:name="Commitments.{name}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{width}cm"/></style:style>'
        for name, width in _COLUMN_WIDTHS.items()
    ),
    '<style:style style:name="Commitments.Cell" style:family="table-cell">'
    f"<style:table-cell-properties {_CELL}/></style:style>",
    '<style:style style:name="Commitments.HeadCell" style:family="table-cell">'
    f'<style:table-cell-properties {_CELL} fo:background-color="#eeeeee"/></style:style>',
    '<style:style style:name="SideBySide" style:family="table"><style:table-properties '
    'style:width="17cm" table:align="margins"/></style:style>',
    '<style:style style:name="SideBySide.Column" style:family="table-column">'
    '<style:table-column-properties style:column-width="8.5cm"/></style:style>',
    '<style:style style:name="SideBySide.Cell" style:family="table-cell">'
    '<style:table-cell-properties fo:padding-left="0.1cm" fo:padding-right="0.2cm" '
    'fo:border="none"/></style:style>',
]


def _paragraph(text: str, style: str) -> Any:
    from odfdo import Paragraph

    return Paragraph(text, style=style)


def _table(block: layout.Table, index: int) -> Any:
    from odfdo import Cell, Column, Row, Table

    table = Table(f"Commitments{index}", style="Commitments")
    for style in _COLUMN_STYLES[len(block.header)]:
        table.append(Column(style=style))
    for cells, head in [(block.header, True), *[(row, False) for row in block.rows]]:
        row = Row()
        for text in cells:
            cell = Cell(style="Commitments.HeadCell" if head else "Commitments.Cell")
            cell.append(_paragraph(text, "Table_20_Heading" if head else "Table_20_Contents"))
            row.append(cell)
        table.append(row)
    return table


def _side_by_side(block: layout.SideBySide, index: int) -> Any:
    """The two languages in the columns of a table without borders, row by row."""
    from odfdo import Cell, Column, List, ListItem, Row, Span, Table

    styles = {"h1": "Title", "h2": "Heading_20_1", "p": "Standard", "li": "Standard"}
    table = Table(f"SideBySide{index}", style="SideBySide")
    for _ in block.languages:
        table.append(Column(style="SideBySide.Column"))
    for kind, number, *texts in block.rows:
        row = Row()
        for text in texts:
            cell = Cell(style="SideBySide.Cell")
            paragraph = _paragraph("", styles.get(kind, "Standard"))
            if text and number:
                paragraph.append(Span(number, style="Strong_20_Emphasis"))
                text = f" {text}"
            paragraph.append_plain_text(text)
            if kind == "li" and text:
                items = List(style="List_20_Bullet")
                items.append(ListItem(paragraph))
                cell.append(items)
            else:
                cell.append(paragraph)
            row.append(cell)
        table.append(row)
    return table


def render_odt(document: PlanDocument) -> bytes:
    """The document as an OpenDocument text (.odt): the blocks of layout.layout."""
    from odfdo import Document, Header, List, ListItem, Span, VarPageNumber

    laid = layout.layout(document)
    lang, country = laid.locale
    odt = Document("text")
    for face in _FONT_FACES:  # declared for the styles and for the body
        odt.insert_style(face, default=True)
        odt.insert_style(face)
    for style in _styles(lang, country):
        odt.insert_style(style)
    for style in _AUTOMATIC:
        odt.insert_style(style, automatic=True)
    odt.meta.title = laid.title
    odt.meta.subject = laid.reference
    odt.meta.language = f"{lang}-{country}"
    # The template's thumbnail is a picture of another document: out, with its manifest entry.
    odt.del_part("Thumbnails/thumbnail.png")
    odt.manifest.del_full_path("Thumbnails/thumbnail.png")

    master = odt.get_style("master-page", "Standard")
    header: list[Any] = [_paragraph(laid.running_header, "Header")]
    footer: list[Any] = [_paragraph("", "Footer")]
    footer[0].append(VarPageNumber(select_page="current"))
    if laid.classification:
        header.insert(0, _paragraph(laid.classification, "Marking"))
        footer.append(_paragraph(laid.classification, "Marking"))
    master.set_page_header(header)  # type: ignore[union-attr]
    master.set_page_footer(footer)  # type: ignore[union-attr]

    body = odt.body
    body.clear()
    tables = 0
    for block in laid.blocks:
        if isinstance(block, layout.Title):
            body.append(_paragraph(block.text, "Title"))
        elif isinstance(block, layout.Heading):
            style = "AnnexHeading" if block.new_page else f"Heading_20_{block.level}"
            heading = Header(block.level, block.text)
            heading.style = style  # (odfdo's Header takes no style of its own)
            body.append(heading)
        elif isinstance(block, layout.Paragraph):
            style = "Remark" if block.remark else "EndMark" if block.end else "Standard"
            paragraph = _paragraph("", style)
            if block.number:
                paragraph.append(Span(block.number, style="Strong_20_Emphasis"))
                if block.text:
                    paragraph.append_plain_text(f" {block.text}")
            else:
                paragraph.append_plain_text(block.text)
            body.append(paragraph)
        elif isinstance(block, layout.Bullets):
            items = List(style="List_20_Bullet")
            for text in block.items:
                items.append(ListItem(_paragraph(text, "Standard")))
            body.append(items)
        elif isinstance(block, layout.SideBySide):
            tables += 1
            body.append(_side_by_side(block, tables))
        else:
            tables += 1
            body.append(_table(block, tables))
    output = io.BytesIO()
    odt.save(output)
    return output.getvalue()


# --- reading ------------------------------------------------------------------------------

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "xml": "http://www.w3.org/XML/1998/namespace",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
}
_CONTENT_PART = "content.xml"
_STYLES_PART = "styles.xml"
_WHAT = "OpenDocument text"
# ODF's number formats (style:num-format) as package.format_number's names.
_FORMATS = {
    "1": "decimal",
    "a": "lowerLetter",
    "A": "upperLetter",
    "i": "lowerRoman",
    "I": "upperRoman",
    "１, ２, ３, ...": "decimalFullWidth",
}


def _q(name: str) -> str:
    prefix, _, local = name.partition(":")
    return f"{{{_NS[prefix]}}}{local}"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@dataclass
class _Level:
    bullet: bool
    format: str  # "" for none
    prefix: str = ""
    suffix: str = ""
    display: int = 1
    start: int = 1


def _levels(style: Any, tag_prefix: str) -> dict[int, _Level]:
    """The levels of a list style (or of the outline style)."""
    levels: dict[int, _Level] = {}
    for element in style:
        if not isinstance(element.tag, str) or not element.tag.startswith(_q(tag_prefix)):
            continue
        level = _int(element.get(_q("text:level")), 1)
        if element.tag.endswith("-bullet") or element.tag.endswith("-image"):
            levels[level] = _Level(bullet=True, format="")
            continue
        levels[level] = _Level(
            bullet=False,
            format=element.get(_q("style:num-format"), ""),
            prefix=element.get(_q("style:num-prefix"), ""),
            suffix=element.get(_q("style:num-suffix"), ""),
            display=max(1, _int(element.get(_q("text:display-levels")), 1)),
            start=_int(element.get(_q("text:start-value")), 1),
        )
    return levels


@dataclass
class _Counter:
    """The counters of one list (or of the headings' outline), by level."""

    levels: dict[int, _Level]
    values: dict[int, int] = field(default_factory=dict)

    def next(self, level: int, start: int | None = None) -> str | None:
        """The label of the next item at `level` (1-based): "-" for a bullet."""
        style = self.levels.get(level)
        if style is None:
            return None
        if style.bullet:
            return "-"
        if start is not None:
            self.values[level] = start
        else:
            self.values[level] = self.values[level] + 1 if level in self.values else style.start
        for deeper in [k for k in self.values if k > level]:
            del self.values[deeper]
        if not style.format:
            return None
        numbers = []
        for at in range(max(1, level - style.display + 1), level + 1):
            at_style = self.levels.get(at) or style
            value = self.values.get(at, at_style.start)
            kind = _FORMATS.get(at_style.format or style.format, "decimal")
            numbers.append(package.format_number(value, kind))
        return f"{style.prefix}{'.'.join(numbers)}{style.suffix}".strip() or None


@dataclass
class _Reader:
    list_styles: dict[str, dict[int, _Level]]
    outline: _Counter
    # The lists read so far, by xml:id, and the last one (text:continue-numbering).
    lists: dict[str, _Counter] = field(default_factory=dict)
    last: _Counter | None = None

    def text(self, element: Any) -> str:
        """The text of a paragraph or heading: its runs, spaces, tabs and line breaks, without
        notes, comments, readings over the text or the number the application cached (tracked
        deletions stand apart, in the body's text:tracked-changes, which is not read)."""
        parts: list[str] = [element.text or ""]
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == _q("text:s"):
                parts.append(" " * _int(child.get(_q("text:c")), 1))
            elif tag == _q("text:tab"):
                parts.append("\t")
            elif tag == _q("text:line-break"):
                parts.append("\n")
            elif tag in (
                _q("text:note"),
                _q("office:annotation"),
                _q("text:number"),
                _q("text:ruby-text"),  # a reading set over the text (furigana)
            ) or tag.startswith(_q("draw:")):
                pass  # nor is a frame's text box or image text of the paragraph
            elif tag:
                parts.append(self.text(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def line(self, element: Any, label: str | None) -> str:
        text = self.text(element).strip()
        cached = element.find(_q("text:number"))
        if cached is not None and (cached.text or "").strip():
            label = cached.text.strip()
        return f"{label} {text}" if label and text else text

    def heading(self, element: Any) -> str:
        level = _int(element.get(_q("text:outline-level")), 1)
        label = None
        if element.get(_q("text:is-list-header")) != "true":
            start = element.get(_q("text:start-value"))
            label = self.outline.next(level, _int(start, 1) if start else None)
        return self.line(element, label)

    def list_lines(
        self, element: Any, style: str | None, counter: _Counter | None, depth: int
    ) -> Iterator[str]:
        style = element.get(_q("text:style-name")) or style
        if counter is None:
            continued = element.get(_q("text:continue-list"))
            if continued and continued in self.lists:
                counter = self.lists[continued]
            elif element.get(_q("text:continue-numbering")) == "true" and self.last:
                counter = self.last
            else:
                counter = _Counter(levels=self.list_styles.get(style or "", {}))
            self.last = counter
            own_id = element.get(_q("xml:id"))
            if own_id:
                self.lists[own_id] = counter
        for item in element:
            if item.tag not in (_q("text:list-item"), _q("text:list-header")):
                continue
            numbered = item.tag == _q("text:list-item")
            start = item.get(_q("text:start-value"))
            first = True
            for child in item:
                if child.tag in (_q("text:p"), _q("text:h")):
                    label = None
                    if numbered and first:
                        label = counter.next(depth, _int(start, 1) if start else None)
                    first = False
                    yield self.line(child, label)
                elif child.tag == _q("text:list"):
                    if numbered and first and start:
                        # An item holding only a deeper list still sets its level's number.
                        counter.next(depth, _int(start, 1))
                    first = False
                    yield from self.list_lines(child, style, counter, depth + 1)

    def blocks(self, container: Any) -> Iterator[str]:
        """The lines of the body (or a section in it), in order: one per paragraph or
        heading, one per table row (its cells' text joined by " | ")."""
        for element in container:
            tag = element.tag
            if tag == _q("text:p"):
                yield self.line(element, None)
            elif tag == _q("text:h"):
                yield self.heading(element)
            elif tag == _q("text:list"):
                yield from self.list_lines(element, None, None, 1)
            elif tag == _q("table:table"):
                for row in element.iter(_q("table:table-row")):
                    cells = [
                        " ".join(
                            t
                            for p in cell.iter(_q("text:p"), _q("text:h"))
                            if (t := self.text(p).strip())
                        )
                        for cell in row.iter(_q("table:table-cell"))
                    ]
                    yield " | ".join(cell for cell in cells if cell)
            elif tag in (_q("text:section"), _q("text:index-body")):
                yield from self.blocks(element)


def document_text(raw: bytes, max_import_bytes: int) -> package.PackageText:
    """The text of an uploaded .odt; 422 when it is no readable OpenDocument text, 413 when
    its text is too large once uncompressed."""
    limit = max_import_bytes * package.EXPANSION_BOUND
    with package.opened(raw, ".odt", "odt") as archive:
        content = package.read_part(archive, _CONTENT_PART, limit, _WHAT)
        if content is None:
            raise package.problem(
                f"The OpenDocument text has no {_CONTENT_PART}: it holds no text to import.",
                "odt_damaged",
            )
        styles = package.read_part(archive, _STYLES_PART, limit, _WHAT)
    root = package.parse_xml(content, _CONTENT_PART, _WHAT, "odt")
    text = root.find(f"{_q('office:body')}/{_q('office:text')}")
    if root.tag != _q("office:document-content") or text is None:
        raise package.problem(
            "The OpenDocument text has no body: it holds no text to import.", "odt_damaged"
        )
    list_styles: dict[str, dict[int, _Level]] = {}
    outline: dict[int, _Level] = {}
    for tree in (package.parse_xml(styles, _STYLES_PART, _WHAT, "odt") if styles else None, root):
        if tree is None:
            continue
        for style in tree.iter(_q("text:list-style")):
            list_styles[style.get(_q("style:name"), "")] = _levels(style, "text:list-level-style")
        for style in tree.iter(_q("text:outline-style")):
            outline = _levels(style, "text:outline-level-style")
    reader = _Reader(list_styles=list_styles, outline=_Counter(levels=outline))
    return package.package_text(reader.blocks(text))
