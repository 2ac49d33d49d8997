"""The plan as a document in the web, and the downloads that go through it."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import Stack, WebSession, draft_plan_with_markup

HTMX = {"HX-Request": "true"}


def test_document_page_in_either_language_with_downloads(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    japanese = web_session.get(f"/plans/{active_plan_id}/document?lang=ja")
    assert japanese.status_code == 200
    assert 'class="plan-document" lang="ja"' in japanese.text
    assert "サイバー防衛" in japanese.text and "海洋安全保障" in japanese.text
    english = web_session.get(f"/plans/{active_plan_id}/document?lang=en", headers=HTMX)
    assert english.text.lstrip().startswith('<section id="document"')
    assert "Cyber defence" in english.text and "<html" not in english.text
    # The page keeps its own h1: the document's headings move one level down.
    assert "<h1" not in english.text
    pdf = web_session.get(f"/plans/{active_plan_id}/document.pdf?lang=ja")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    markdown = web_session.get(f"/plans/{active_plan_id}/document.md?lang=en")
    assert markdown.status_code == 200 and "Cyber defence" in markdown.text
    docx = web_session.get(f"/plans/{active_plan_id}/document.docx?lang=ja")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert ".docx" in docx.headers["content-disposition"]
    assert 'document.docx?lang=ja" download>Word</a>' in japanese.text
    # The OpenDocument text beside it, its label in the reader's language.
    odt = web_session.get(f"/plans/{active_plan_id}/document.odt?lang=en")
    assert odt.status_code == 200
    assert odt.headers["content-type"] == "application/vnd.oasis.opendocument.text"
    assert odt.content[30:38] == b"mimetype"  # an ODF package: its mimetype entry first
    assert ".odt" in odt.headers["content-disposition"]
    assert 'document.odt?lang=ja" download>OpenDocument（ODF）</a>' in japanese.text
    assert web_session.get(f"/plans/{active_plan_id}/document.exe").status_code == 404
    # The side-by-side edition: both languages in rows, kept through the page's sanitiser;
    # downloadable as PDF, Word or OpenDocument (Markdown is one language).
    both = web_session.get(f"/plans/{active_plan_id}/document?lang=ja-en", headers=HTMX)
    assert '<table class="parallel">' in both.text and '<td lang="en">' in both.text
    assert both.text.index("サイバー防衛") < both.text.index("Cyber defence")
    assert "document.pdf?lang=ja-en" in both.text and "document.md" not in both.text
    assert "document.docx?lang=ja-en" in both.text and "document.odt?lang=ja-en" in both.text


def test_document_of_a_plan_with_markup_stays_inert(stack: Stack, web_session: WebSession) -> None:
    plan_id, _ = draft_plan_with_markup(stack)
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/plans/{plan_id}/document?lang=ja").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(" in page


def test_table_downloads_apply_the_page_filters(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "editor")
    response = web_session.get(
        f"/plans/{active_plan_id}/commitments/export.csv?priority_area=3.1.2&status=in_progress"
    )
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel in Japanese wants
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        expected = api.get(
            f"/plans/{active_plan_id}/commitments",
            params={"priority_area": "3.1.2", "status": "in_progress"},
        ).json()["items"]
    assert rows and len(rows) == len(expected)
    xlsx = web_session.get(f"/plans/{active_plan_id}/exchanges/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    page = web_session.get(f"/plans/{active_plan_id}/commitments?priority_area=3.1.2").text
    assert f"/plans/{active_plan_id}/commitments/export.csv?priority_area=3.1.2" in page
    # The exchange list offers its own, with its filters (not the picker's search).
    exchanges = web_session.get(
        f"/plans/{active_plan_id}/exchanges?kind=placement&commitment_q=cyber"
    ).text
    for fmt in ("csv", "xlsx"):
        assert f'href="/plans/{active_plan_id}/exchanges/export.{fmt}?kind=placement"' in exchanges
    placements = web_session.get(f"/plans/{active_plan_id}/exchanges/export.csv?kind=placement")
    listed = list(csv.DictReader(io.StringIO(placements.content.decode("utf-8-sig"))))
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        expected_placements = api.get(
            f"/plans/{active_plan_id}/exchanges", params={"kind": "placement", "limit": 200}
        ).json()["items"]
    assert listed and len(listed) == len(expected_placements)
