"""The plan document in the house style (issue 21 item 4): page numbers running across the
parts a PDF is laid out in, the running header, the classification marking, the annex's table
of commitments, and the side-by-side (ja | en) edition."""

import io
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from itpp_api.config import get_settings
from itpp_api.documents import render
from tests.factories import make_commitment, make_world

MARKING = "取扱注意"


def _pdf_pages(client: TestClient, plan: object, **params: str) -> list[str]:
    response = client.get(f"/api/v1/plans/{plan}/document", params={"format": "pdf", **params})
    assert response.status_code == 200, response.text
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_pdf_pages_are_numbered_across_parts_and_carry_header_and_marking(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    for number in range(1, 7):
        make_commitment(world, reference=f"CYB-{number + 10}", title={"en": f"Task {number}"})
    # Two commitments a part, laid out by two children at once: four parts, each on new pages.
    monkeypatch.setattr(render, "PDF_PART_COMMITMENTS", 2)
    monkeypatch.setenv("ITPP_DOCUMENT_PDF_PROCESSES", "2")
    monkeypatch.setenv("ITPP_DOCUMENT_CLASSIFICATION", MARKING)
    get_settings.cache_clear()

    pages = _pdf_pages(client, world.plan, lang="en")

    assert len(pages) >= 4
    for index, text in enumerate(pages, start=1):
        assert f"{index} / {len(pages)}" in text, (index, text)
        assert text.count(MARKING) == 2, (index, text)  # top and bottom
        assert "TEST-PLAN · current records" in text, text


def test_without_a_marking_the_pdf_and_html_carry_none(client: TestClient) -> None:
    world = make_world()

    pages = _pdf_pages(client, world.plan, lang="ja")
    html = client.get(f"/api/v1/plans/{world.plan}/document", params={"lang": "ja"}).text

    assert pages and all(MARKING not in text for text in pages)
    assert f"1 / {len(pages)}" in pages[0]
    assert 'class="classification"' not in html


def test_the_html_carries_the_marking_at_top_and_bottom_escaped(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    monkeypatch.setenv("ITPP_DOCUMENT_CLASSIFICATION", "NATO <b>UNCLASSIFIED</b>")
    get_settings.cache_clear()

    html = client.get(f"/api/v1/plans/{world.plan}/document", params={"lang": "en"}).text

    body = html.split("<body>", 1)[1].split("</body>", 1)[0].strip()
    marking = '<p class="classification">NATO &lt;b&gt;UNCLASSIFIED&lt;/b&gt;</p>'
    assert body.startswith(marking)
    assert body.endswith(marking)
    assert "<b>" not in html


class _Tables(HTMLParser):
    """The cells of each table of class `commitments`, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "commitments") in attrs:
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" / ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_the_annex_is_a_table_of_commitments_with_status_and_progress(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    make_commitment(
        world,
        reference="CYB-10",
        title={"en": "Shared exercise", "ja": "共同演習"},
        status="in_progress",
        progress=40,
        due_date="2026-03-31",
    )
    tables = {}
    for lang in ("en", "ja", "ja-en"):
        parser = _Tables()
        parser.feed(client.get(f"/api/v1/plans/{world.plan}/document", params={"lang": lang}).text)
        tables[lang] = parser.tables

    header, *rows = tables["en"][0]
    assert header == ["Reference", "Title", "Lead", "Due", "Status", "Progress", "Evidence"]
    assert [
        "CYB-10",
        "Shared exercise",
        "JP",
        "2026-03-31",
        "In progress",
        "40%",
        "0 / no confirmed update",
    ] in rows
    header, *rows = tables["ja"][0]
    assert header == ["番号", "件名", "主導", "期日", "状態", "進捗", "根拠資料"]
    assert [
        "CYB-10",
        "共同演習",
        "JP",
        "2026-03-31",
        "実施中",
        "40%",
        "0 / 確認済みの進捗報告なし",
    ] in rows
    header, *rows = tables["ja-en"][0]
    assert header[:3] == ["番号 / Reference", "件名", "Title"]
    assert [
        "CYB-10",
        "共同演習",
        "Shared exercise",
        "JP",
        "2026-03-31",
        "実施中 / In progress",
        "40%",
        "0 / 確認済みの進捗報告なし / no confirmed update",
    ] in rows
    # The PDF's annex is the same table; in a large plan's PDF, a paragraph a commitment with
    # the same fields.
    text = "\n".join(_pdf_pages(client, world.plan, lang="en"))
    monkeypatch.setattr(render, "PDF_TABLE_COMMITMENTS", 0)
    large = " ".join(_pdf_pages(client, world.plan, lang="en")).replace("\n", " ")
    assert (
        "CYB-10 Shared exercise (lead JP, due 2026-03-31, In progress 40%, evidence: 0 file(s), "
        "no confirmed update)" in large
    )
    assert re.search(
        r"CYB-10\s*Shared exercise\s*JP\s*2026-03-31\s*In\s+progress\s*40%\s*0", text
    ), text


def test_the_side_by_side_edition_has_both_languages_in_order(client: TestClient) -> None:
    world = make_world()

    text = "\n".join(_pdf_pages(client, world.plan, lang="ja-en"))
    markdown = client.get(
        f"/api/v1/plans/{world.plan}/document", params={"lang": "ja-en", "format": "md"}
    )

    in_order = ["試験計画", "Test plan", "サイバー防衛", "Cyber defence", "海洋安全保障"]
    in_order.append("Maritime security")
    positions = [text.find(words) for words in in_order]
    assert -1 not in positions, (positions, text)
    assert positions == sorted(positions), (positions, text)
    assert "付属書　同意の記録 / Annex: record of consent" in text.replace("\n", " ")
    assert markdown.status_code == 422
    assert "lang=ja-en" in markdown.json()["detail"]


def test_css_strings_cannot_end_the_style_sheet() -> None:
    quoted = render._css_string('NATO "X"; } </style><script>')
    assert quoted.startswith('"') and quoted.endswith('"')
    assert not set(quoted[1:-1]) & set("\"';{}<>/")
