"""What a file is, read from its bytes (never from its name), and the name it is kept under.

The allow-list: PDF, Office documents (the zip-based Word, Excel and PowerPoint formats), PNG,
JPEG, GIF and WebP images, plain text and CSV (text, named .csv). Anything else is refused.
Text is served as text/plain (or text/csv) whatever it contains, HTML included: downloads are
never inline and carry `X-Content-Type-Options: nosniff`.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True)
class FileType:
    media_type: str
    extensions: tuple[str, ...]  # the first is added to a name that has none of them


PDF = FileType("application/pdf", (".pdf",))
PNG = FileType("image/png", (".png",))
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"))
GIF = FileType("image/gif", (".gif",))
WEBP = FileType("image/webp", (".webp",))
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",))
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
)
TEXT = FileType("text/plain; charset=utf-8", (".txt",))
CSV = FileType("text/csv; charset=utf-8", (".csv",))

ALLOWED = (PDF, DOCX, XLSX, PPTX, PNG, JPEG, GIF, WEBP, TEXT, CSV)

_OFFICE = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))


def _office(file: BinaryIO) -> FileType | None:
    """An Office Open XML package: a zip with [Content_Types].xml and its part folder (the
    central directory only is read)."""
    try:
        with zipfile.ZipFile(file) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, kind in _OFFICE:
        if any(name.startswith(folder) for name in names):
            return kind
    return None


def _text(head: bytes) -> bool:
    """UTF-8 text without NUL or other control characters (but tab, newlines, form feed)."""
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end inside a character.
        if error.start < len(head) - 3:
            return False
        text = head[: error.start].decode("utf-8")
    return not any(
        unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text.lstrip("\ufeff")
    )


def detect(head: bytes, file: BinaryIO, name: str) -> FileType | None:
    """The allowed type of a file from its first bytes (`head`) and, for a zip, its directory;
    None when it is none of them. `name` only chooses CSV over plain text."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office(file)
    if _text(head):
        return CSV if name.lower().endswith(".csv") else TEXT
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
MAX_NAME = 200


def safe_name(raw: str | None, kind: FileType) -> str:
    """The name a file is kept and offered under: its last path segment, without control or
    reserved characters or leading dots, at most MAX_NAME characters, ending in an extension
    of its detected type (`../../x.html` holding text becomes `x.html.txt`)."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if not name:
        name = "attachment"
    if not name.lower().endswith(kind.extensions):
        name += kind.extensions[0]
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        name = stem[: MAX_NAME - len(extension) - 1] + dot + extension
    return name
