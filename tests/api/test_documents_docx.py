"""The plan document as Word (.docx, issue 21 item 5): what only this format does (its
fonts, its list numbering, its running header). What it does as the OpenDocument text does is
in test_documents_word_processors.py."""

import io
from urllib.parse import unquote

import pytest
from docx import Document
from docx.oxml.ns import qn
from fastapi.testclient import TestClient

from itpp_api.config import get_settings
from itpp_api.documents import word
from tests.api.test_documents_word_processors import _BODY, _areas, _document, _import, _zip
from tests.factories import make_commitment, make_world


def test_the_word_document_holds_the_japanese_text_the_annex_table_and_its_fonts(
    client: TestClient,
) -> None:
    world = make_world()
    make_commitment(world, reference="CYB-10", title={"en": "Shared exercise", "ja": "共同演習"})
    make_commitment(
        world, visibility="internal", title={"en": "Japan internal budget", "ja": "日本内部予算"}
    )

    response = client.get(
        f"/api/v1/plans/{world.plan}/document", params={"format": "docx", "lang": "ja"}
    )

    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"TEST-PLAN-ja.docx\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "TEST-PLAN 試験計画.docx"
    document = Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "試験計画"
    assert "- 3.1.1 サイバー防衛" not in paragraphs  # a Word list, not a typed dash
    assert "3.1.1 サイバー防衛" in paragraphs
    assert "付属書　優先分野ごとのコミットメント" in paragraphs
    assert "付属書　同意の記録" in paragraphs
    rows = [[cell.text for cell in row.cells] for t in document.tables for row in t.rows]
    assert rows[0] == ["番号", "コミットメント", "主導・期日"]
    # The plan as it is now: its annex says where each commitment stands (a version's does not).
    assert ["CYB-10", "共同演習", "主導 JP、予定 0%、根拠資料0件、確認済みの進捗報告なし"] in rows
    # Only what the parties agreed: no party's internal commitment.
    everything = "\n".join(paragraphs + [cell for row in rows for cell in row])
    assert "内部" not in everything
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Noto Serif CJK JP"
    assert fonts.get(qn("w:ascii")) == "Noto Serif"
    assert "TEST-PLAN" in document.sections[0].header.paragraphs[0].text


_NUMBERING = """<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="7">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
<w:lvlText w:val="%1.%2.%3"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="8">
<w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
</w:abstractNum>
<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="8"/></w:num>
</w:numbering>"""
_STYLES = """<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="Chapter"><w:pPr><w:numPr><w:numId w:val="3"/>
</w:numPr></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="MyChapter"><w:basedOn w:val="Chapter"/></w:style>
</w:styles>"""


def _paragraph(text: str, style: str | None = None, num: tuple[int, int] | None = None) -> str:
    properties = f'<w:pStyle w:val="{style}"/>' if style else ""
    if num:
        properties += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    return f"<w:p><w:pPr>{properties}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_numbers_word_keeps_as_list_numbering_are_read_as_the_documents_numbers(
    client: TestClient,
) -> None:
    """A document typed in Word with numbered headings (a style tied to a multilevel list)
    and bullets imports as if the numbers had been typed."""
    make_world()
    body = "".join(
        [
            _paragraph("Individually Tailored Partnership Programme"),
            _paragraph("Political context", style="MyChapter"),
            _paragraph("Japan and NATO are natural partners.", num=(3, 1)),
            _paragraph("Objectives", style="Chapter"),
            _paragraph("We cooperate to:", num=(3, 1)),
            _paragraph("strengthen dialogue.", num=(4, 0)),
            _paragraph("Priority areas", style="Chapter"),
            _paragraph("We focus on the following areas.", num=(3, 1)),
            _paragraph("Cyber defence", num=(3, 2)),
            _paragraph("Maritime security", num=(3, 2)),
            _paragraph("Review", style="Chapter"),
            _paragraph("This plan runs for a period of 2 years.", num=(3, 1)),
            _paragraph("(End)"),
            _paragraph("Signed in Brussels"),
        ]
    )
    content = _zip(
        {
            "word/document.xml": _BODY.format(body).encode(),
            "word/numbering.xml": _NUMBERING.encode(),
            "word/styles.xml": _STYLES.encode(),
        }
    )
    assert word.document_text(content, 1024 * 1024).text.split("\n\n")[:6] == [
        "Individually Tailored Partnership Programme",
        "1. Political context",
        "1.1 Japan and NATO are natural partners.",
        "2. Objectives",
        "2.1 We cooperate to:",
        "- strengthen dialogue.",
    ]

    result = _import(client, content, "plan.docx", reference="WORD-1")

    plan = result["plan"]
    assert plan["title"] == {"en": "Individually Tailored Partnership Programme"}
    assert plan["objectives"] == [{"en": "strengthen dialogue."}]
    assert plan["term_months"] == 24
    assert [code for code, _ in _areas(client, plan["id"])] == ["3.1.1", "3.1.2"]
    # The report names the paragraph (the 14th), not a line of the text made from it.
    assert result["report"]["unmapped"] == [
        {
            "line": 14,
            "text": "Signed in Brussels",
            "reason": "after the end of the plan text",
            "kind": "after_end",
        }
    ]


def test_the_word_document_carries_the_classification_marking_on_every_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITPP_DOCUMENT_CLASSIFICATION", "NATO UNCLASSIFIED")
    get_settings.cache_clear()
    world = make_world()

    content = _document(client, str(world.plan), "docx", lang="en")

    section = Document(io.BytesIO(content)).sections[0]
    header = [p.text for p in section.header.paragraphs]
    footer = [p.text for p in section.footer.paragraphs]
    assert header[0] == "NATO UNCLASSIFIED" and "TEST-PLAN" in header[1]
    assert footer[-1] == "NATO UNCLASSIFIED"
    assert section.header.paragraphs[0].runs[0].bold
