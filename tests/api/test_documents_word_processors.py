"""The plan document as a word processor's file, Word (.docx) and OpenDocument text (.odt)
alike (issue 21 item 5): what both formats do, tested for each. What only one of them does is in
test_documents_docx.py and test_documents_odt.py."""

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select
from typer.testing import CliRunner

from itpp_api.cli import app
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.documents import odf, render, word
from itpp_api.plans.models import Plan, PriorityArea
from tests.conftest import Database
from tests.factories import make_commitment, make_world
from tests.test_document_parser import ENGLISH_FOUR_AREAS, SEED

PROBLEM = "application/problem+json"
PARTIES = {"party": ["JP", "NATO"]}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
MEDIA_TYPES = {"docx": DOCX, "odt": ODT}
# What an import's report and the command line call each format.
FORMAT_NAMES = {"docx": "Word document", "odt": "OpenDocument text"}
FORMATS = ("docx", "odt")
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
}


def _import(client: TestClient, content: bytes, name: str, **params: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/plans/import",
        params={**PARTIES, **params},
        # The name and type say nothing: a word processor's file is known by its content.
        files={"file": (name, content, "application/octet-stream")},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _document(
    client: TestClient,
    plan: str,
    fmt: str,
    headers: dict[str, str] | None = None,
    **params: str,
) -> bytes:
    response = client.get(
        f"/api/v1/plans/{plan}/document",
        params={"format": fmt, "lang": "ja", **params},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    return response.content


def _plan_count() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Plan)) or 0)


def _areas(client: TestClient, plan: str) -> list[tuple[str, dict[str, str]]]:
    items = client.get(f"/api/v1/plans/{plan}/priority-areas").json()["items"]
    return [(a["code"], a["title"]) for a in items]


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return output.getvalue()


# A Word document's body, and an OpenDocument text's content, around paragraphs.
_BODY = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body>{}</w:body></w:document>"
)
_CONTENT = (
    f'<office:document-content xmlns:office="{NS["office"]}" xmlns:text="{NS["text"]}" '
    f'xmlns:style="{NS["style"]}" xmlns:table="{NS["table"]}">'
    "<office:body><office:text>{}</office:text></office:body></office:document-content>"
)
_MIMETYPE = {"mimetype": ODT.encode()}


def _package(content: bytes) -> zipfile.ZipFile:
    """The file as an ODF package, checked: a ZIP whose first entry is the uncompressed
    `mimetype` naming an OpenDocument text, with a manifest listing it."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    first = archive.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == ODT.encode()
    # Readers find the media type at a fixed offset: no extra field in the first header.
    assert content[30:38] == b"mimetype" and content[38 : 38 + len(ODT)] == ODT.encode()
    manifest = etree.fromstring(archive.read("META-INF/manifest.xml"))
    listed = {
        entry.get("{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}full-path")
        for entry in manifest
    }
    assert {"/", "content.xml", "styles.xml", "meta.xml"} <= listed
    assert all(path.endswith("/") or path in archive.namelist() for path in listed - {"/"})
    content = etree.fromstring(archive.read("content.xml"))
    assert content.find("office:body/office:text", NS) is not None
    # A list item holds paragraphs, headings or a deeper list (a word processor drops
    # anything else, such as an item inside an item).
    allowed = {f"{{{NS['text']}}}{name}" for name in ("p", "h", "list", "soft-page-break")}
    for item in content.iter(f"{{{NS['text']}}}list-item"):
        assert {child.tag for child in item} <= allowed, etree.tostring(item)
    return archive


def _a_real_odt_cut_short() -> bytes:
    document = render.PlanDocument(
        lang="en",
        reference="R",
        title="T",
        version=None,
        status="draft",
        approval_date=None,
        expiry_date=None,
        parties=[],
        chapters=[],
        annex=[],
    )
    whole = odf.render_odt(document)
    return whole[: len(whole) // 2]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("text", "lang"), [(SEED.read_bytes(), "ja"), (ENGLISH_FOUR_AREAS.encode(), "en")]
)
def test_the_plan_exported_as_a_word_processors_file_imports_back_as_the_same_records(
    client: TestClient, text: bytes, lang: str, fmt: str
) -> None:
    make_world()
    first = _import(client, text, "seed.txt", reference="SEED-ONE")["plan"]

    content = _document(client, first["id"], fmt, lang=lang)
    again = _import(client, content, "upload.bin", reference="SEED-TWO")
    second = again["plan"]

    for name in (
        "title",
        "sections",
        "objectives",
        "lead_texts",
        "term_months",
        "review_interval_months",
    ):
        assert second[name] == first[name], name
    assert _areas(client, second["id"]) == _areas(client, first["id"])
    assert again["report"]["language"] == lang
    # The only paragraphs it could not place are the annexes after the end of the text.
    assert {u["reason"] for u in again["report"]["unmapped"]} == {"after the end of the plan text"}
    assert any(FORMAT_NAMES[fmt] in note for note in again["report"]["notes"])
    if fmt == "odt":
        # The same lines as the Word document of the same plan.
        docx = client.get(
            f"/api/v1/plans/{first['id']}/document", params={"format": "docx", "lang": lang}
        ).content
        assert odf.document_text(content, 10**7).text == word.document_text(docx, 10**7).text


_BAD_DOCX = [
    (b"PK\x03\x04" + b"\x00" * 200, 422, "cannot be read"),
    (_zip({"hello.txt": b"1. x"}), 422, "not a word document"),
    (_zip({"word/document.xml": b"<w:document><w:body>"}), 422, "not well-formed"),
    (
        _zip({"word/document.xml": b'<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'}),
        422,
        "no body",
    ),
    (_zip({"word/document.xml": _BODY.format("").encode()}), 422, "not a plan"),
    # A ZIP bomb: a few hundred kilobytes that would inflate to 72 MB of XML.
    (
        _zip({"word/document.xml": _BODY.format(" " * (72 * 1024 * 1024)).encode()}),
        413,
        "uncompressed",
    ),
]
_BAD_ODT = [
    (_a_real_odt_cut_short(), 422, "cannot be read"),
    (_zip({**_MIMETYPE, "styles.xml": b"<x/>"}), 422, "no content.xml"),
    (_zip({**_MIMETYPE, "content.xml": b"<office:document-content>"}), 422, "not well-formed"),
    (
        _zip({**_MIMETYPE, "content.xml": b'<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'}),
        422,
        "no body",
    ),
    (_zip({**_MIMETYPE, "content.xml": _CONTENT.format("").encode()}), 422, "not a plan"),
    (
        _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        422,
        "not a text document",
    ),
    # A ZIP bomb: a few hundred kilobytes that would inflate to 72 MB of XML.
    (
        _zip({**_MIMETYPE, "content.xml": _CONTENT.format(" " * (72 * 1024 * 1024)).encode()}),
        413,
        "uncompressed",
    ),
]


@pytest.mark.parametrize(
    ("fmt", "content", "status", "words"),
    [("docx", *case) for case in _BAD_DOCX] + [("odt", *case) for case in _BAD_ODT],
    ids=[
        *(
            f"docx-{name}"
            for name in (
                "corrupt-zip",
                "zip-without-document",
                "broken-xml",
                "entities",
                "empty",
                "zip-bomb",
            )
        ),
        *(
            f"odt-{name}"
            for name in (
                "cut-short",
                "no-content",
                "broken-xml",
                "entities",
                "empty",
                "spreadsheet",
                "zip-bomb",
            )
        ),
    ],
)
def test_a_bad_word_processors_file_gets_a_problem_and_creates_nothing(
    client: TestClient, fmt: str, content: bytes, status: int, words: str
) -> None:
    make_world()
    before = _plan_count()

    response = client.post(
        "/api/v1/plans/import",
        params=PARTIES,
        files={"file": (f"plan.{fmt}", content, MEDIA_TYPES[fmt])},
    )

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert words in response.json()["detail"].lower()
    assert _plan_count() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_word_processors_limit_follows_the_import_limit(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    make_world()
    monkeypatch.setenv("ITPP_MAX_IMPORT_BYTES", "1024")
    get_settings.cache_clear()
    if fmt == "docx":
        content = _zip({"word/document.xml": _BODY.format(" " * 5000).encode()})
    else:
        content = _zip({**_MIMETYPE, "content.xml": _CONTENT.format(" " * 5000).encode()})
    assert len(content) < 1024

    response = client.post(
        "/api/v1/plans/import",
        params=PARTIES,
        files={"file": (f"p.{fmt}", content, MEDIA_TYPES[fmt])},
    )

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"


@pytest.mark.parametrize(("fmt", "reference"), [("docx", "CLI-W"), ("odt", "CLI-O")])
def test_the_command_line_exports_a_word_processors_file_that_it_imports_again(
    db: Database, tmp_path: Path, fmt: str, reference: str
) -> None:
    make_world()
    target = tmp_path / f"plan.{fmt}"
    runner = CliRunner()

    exported = runner.invoke(
        app,
        ["export", "document", "TEST-PLAN", "--format", fmt, "--lang", "en", "-o", str(target)],
    )
    imported = runner.invoke(
        app,
        [
            "import",
            "plan",
            str(target),
            "--party",
            "JP",
            "--party",
            "NATO",
            "--reference",
            reference,
        ],
    )

    assert exported.exit_code == 0, exported.output
    assert imported.exit_code == 0, imported.output
    assert f"Created draft plan {reference}" in imported.output
    assert FORMAT_NAMES[fmt] in imported.output
    with transaction(write=False) as session:
        plan = session.scalars(select(Plan).where(Plan.reference == reference)).one()
        assert plan.title == {"en": "Test plan"}
        codes = session.scalars(
            select(PriorityArea.code).where(PriorityArea.plan_id == plan.id)
        ).all()
    assert sorted(codes) == ["3.1.1", "3.1.2"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_word_processors_file_over_the_document_size_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    world = make_world()
    monkeypatch.setenv("ITPP_DOCUMENT_MAX_BYTES", "1024")
    get_settings.cache_clear()

    response = client.get(f"/api/v1/plans/{world.plan}/document", params={"format": fmt})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "over the limit" in response.json()["detail"]


@pytest.mark.parametrize("fmt", ["odt", "docx"])
def test_the_side_by_side_edition_as_a_word_processors_file_has_both_languages_in_order(
    client: TestClient, fmt: str
) -> None:
    world = make_world()
    make_commitment(world, reference="CYB-10", title={"en": "Shared exercise", "ja": "共同演習"})
    make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        title={"en": "NATO internal planning", "ja": "NATO 内部計画"},
    )

    response = client.get(
        f"/api/v1/plans/{world.plan}/document", params={"format": fmt, "lang": "ja-en"}
    )

    assert response.status_code == 200, response.text
    assert 'filename="TEST-PLAN-ja-en.' in response.headers["content-disposition"]
    read = odf.document_text if fmt == "odt" else word.document_text
    lines = read(response.content, 10**7).text.split("\n\n")
    text = "\n".join(lines)
    in_order = ["試験計画", "Test plan", "サイバー防衛", "Cyber defence", "海洋安全保障"]
    in_order += ["Maritime security", "付属書　同意の記録 / Annex: record of consent"]
    positions = [text.find(words) for words in in_order]
    assert -1 not in positions, (positions, text)
    assert positions == sorted(positions), (positions, text)
    # Row by row: each language in its column, the title and the areas beside each other.
    assert "試験計画 | Test plan" in lines
    assert "3.1.1 サイバー防衛 | 3.1.1 Cyber defence" in lines
    # The annex's table: a title column for each language.
    assert "番号 / Reference | コミットメント | Commitment | 主導・期日 / Lead and dates" in lines
    row = next(line for line in lines if line.startswith("CYB-10 | 共同演習 | Shared exercise"))
    # Lead and dates in each language, the English reader's too.
    assert "主導 JP" in row and "/ lead JP" in row, row
    assert "内部" not in text and "internal" not in text
    if fmt == "odt":
        _package(response.content)
