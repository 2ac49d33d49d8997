"""Reading an uploaded word processor's file (a ZIP package: Word .docx, OpenDocument .odt)
for import: which kind it is, by its content; its text parts, each bounded in size and parsed
as XML without entities, DTDs or network access; and its blocks (paragraphs, table rows) as
the lines the text parser reads.
"""

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from itpp_api.errors import FieldError, PayloadTooLarge, ValidationFailed

# How much larger than the upload the text's XML may be once uncompressed (a bound on what a
# ZIP bomb can make the server inflate; real documents compress about five to ten times).
EXPANSION_BOUND = 4
# The `mimetype` entry of an OpenDocument package, and the one of a text document.
MIMETYPE_PART = "mimetype"
ODF_TEXT = "application/vnd.oasis.opendocument.text"
_ODF_PREFIX = "application/vnd.oasis.opendocument."
WORD_DOCUMENT_PART = "word/document.xml"


def is_zip(raw: bytes) -> bool:
    """Whether the upload is a ZIP file (a .docx or .odt is one), by its first bytes."""
    return raw.startswith(b"PK\x03\x04")


def problem(message: str, kind: str) -> ValidationFailed:
    """422: the upload is no readable document of its kind."""
    return ValidationFailed(
        message, errors=[FieldError(loc=["body", "file"], msg=message, type=kind)]
    )


@contextmanager
def opened(raw: bytes, what: str, kind: str) -> Iterator[zipfile.ZipFile]:
    """The upload as a ZIP archive; a damaged one is a 422 naming `what` it looked like."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            yield archive
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,  # a compression method zipfile does not know
        RuntimeError,  # an encrypted member
        ValueError,  # headers pointing outside the file
        OSError,
    ) as exc:
        raise problem(
            f"The upload looks like a ZIP file (a {what}) but cannot be read: {exc}.",
            f"{kind}_damaged",
        ) from None
    except zlib.error as exc:
        raise problem(
            f"The {what} is damaged (its compressed data cannot be read: {exc}).",
            f"{kind}_damaged",
        ) from None


def kind_of(raw: bytes) -> str | None:
    """ "odt" or "docx" for a ZIP upload, by its content: an OpenDocument package's `mimetype`
    entry, else a Word document's `word/document.xml`; None when it is no ZIP. A ZIP that is
    neither, or another kind of OpenDocument (a spreadsheet), is a 422."""
    if not is_zip(raw):
        return None
    with opened(raw, ".docx or .odt", "zip") as archive:
        names = set(archive.namelist())
        mimetype = ""
        if MIMETYPE_PART in names:
            mimetype = (read_part(archive, MIMETYPE_PART, 200, "document") or b"").decode(
                "ascii", errors="replace"
            )
    mimetype = mimetype.strip()
    if mimetype == ODF_TEXT:
        return "odt"
    if mimetype.startswith(_ODF_PREFIX):
        raise problem(
            f"The upload is an OpenDocument file of another kind ({mimetype}), not a text "
            "document. Upload a .odt or .docx, or the plan as text or Markdown.",
            "odt_not_text",
        )
    if WORD_DOCUMENT_PART in names:
        return "docx"
    raise problem(
        "The upload is a ZIP file but not a Word document (it has no "
        f"{WORD_DOCUMENT_PART}) and not an OpenDocument text (its {MIMETYPE_PART} entry is "
        f"not {ODF_TEXT}). Upload a .docx or .odt, or the plan as text or Markdown.",
        "zip_not_a_document",
    )


def read_part(archive: zipfile.ZipFile, name: str, limit: int, what: str) -> bytes | None:
    """A member of the package, None when missing; 413 when over `limit` uncompressed."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    too_large = PayloadTooLarge(
        f"The {what}'s text ({name}) is larger than {limit} bytes once uncompressed "
        f"({EXPANSION_BOUND} times ITPP_MAX_IMPORT_BYTES); split the plan or upload it as text."
    )
    if info.file_size > limit:
        raise too_large
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def parse_xml(data: bytes, name: str, what: str, kind: str) -> Any:
    """The XML of a part, parsed without entities, DTDs or network access (422 if broken)."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise problem(
            f"The {what} is damaged: its {name} is not well-formed XML ({exc.msg}).",
            f"{kind}_damaged",
        ) from None


@dataclass
class PackageText:
    """The lines of a word processor's document as the text parser reads them, and the
    paragraph each line came from (the import's report names paragraphs, not lines)."""

    text: str
    paragraph_of_line: list[int]


def package_text(blocks: Iterable[str]) -> PackageText:
    """The text of a document's blocks (one per paragraph or table row, in order): a blank
    line after each, a line break within one kept as a line of the same paragraph."""
    lines: list[str] = []
    paragraph_of_line: list[int] = []
    for number, block in enumerate(blocks, start=1):
        for line in block.split("\n"):
            lines.append(line)
            paragraph_of_line.append(number)
        lines.append("")
        paragraph_of_line.append(number)
    return PackageText(text="\n".join(lines), paragraph_of_line=paragraph_of_line)


def format_number(value: int, kind: str) -> str:
    """A list's counter as a word processor shows it: decimal, letters, roman numerals or
    full-width digits (Word's numFmt names)."""
    if kind in ("lowerLetter", "upperLetter") and 1 <= value <= 26:
        letter = chr(ord("a") + value - 1)
        return letter.upper() if kind == "upperLetter" else letter
    if kind in ("lowerRoman", "upperRoman") and 1 <= value < 40:
        roman = ""
        for number, numeral in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
            while value >= number:
                roman += numeral
                value -= number
        return roman.upper() if kind == "upperRoman" else roman
    if kind == "decimalFullWidth":
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(value)
