"""The plan document as OpenDocument text (.odt, issue 21 item 5): what only this format does
(its package, its styles, its outline and list numbering). What it does as the Word document
does is in test_documents_word_processors.py."""

import zipfile
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from itpp_api.config import get_settings
from itpp_api.documents import odf
from itpp_api.enums import Role
from tests.api.test_documents_word_processors import (
    _CONTENT,
    _MIMETYPE,
    NS,
    _areas,
    _document,
    _import,
    _package,
    _zip,
)
from tests.factories import auth_headers, make_commitment, make_world


def _texts(archive: zipfile.ZipFile) -> tuple[list[str], list[list[str]]]:
    """The paragraphs and headings of content.xml (outside tables), and the tables' rows."""
    content = etree.fromstring(archive.read("content.xml"))
    body = content.find("office:body/office:text", NS)
    paragraphs = [
        "".join(element.itertext())
        for element in body.iter(f"{{{NS['text']}}}p", f"{{{NS['text']}}}h")
        if not any(a.tag == f"{{{NS['table']}}}table" for a in element.iterancestors())
    ]
    rows = [
        ["".join(cell.itertext()) for cell in row.iter(f"{{{NS['table']}}}table-cell")]
        for row in body.iter(f"{{{NS['table']}}}table-row")
    ]
    return paragraphs, rows


def test_the_odt_holds_the_text_the_annex_table_the_marking_and_no_internal_commitment(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITPP_DOCUMENT_CLASSIFICATION", "取扱注意")
    get_settings.cache_clear()
    world = make_world()
    make_commitment(
        world,
        reference="CYB-10",
        title={"en": "Shared exercise", "ja": "共同演習"},
        status="in_progress",
        progress=40,
    )
    make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        title={"en": "NATO internal planning", "ja": "NATO 内部計画"},
    )
    make_commitment(
        world, visibility="internal", title={"en": "Japan internal budget", "ja": "日本内部予算"}
    )
    nato = auth_headers("NATO", Role.EDITOR, email="editor@nato.test.example")

    response = client.get(
        f"/api/v1/plans/{world.plan}/document", params={"format": "odt", "lang": "ja"}
    )

    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"TEST-PLAN-ja.odt\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "TEST-PLAN 試験計画.odt"
    archive = _package(response.content)
    paragraphs, rows = _texts(archive)
    assert paragraphs[0] == "試験計画"
    assert "3.1.1 サイバー防衛" in paragraphs  # an item of a bulleted list, no typed dash
    assert "付属書　優先分野ごとのコミットメント" in paragraphs
    assert "付属書　同意の記録" in paragraphs
    assert rows[0] == ["番号", "コミットメント", "主導・期日"]
    # The plan as it is now: its annex says where each commitment stands.
    where = "主導 JP、実施中 40%、根拠資料0件、確認済みの進捗報告なし"
    assert ["CYB-10", "共同演習", where] in rows
    # Fonts for both scripts, the document's language, the running header and the marking.
    styles = archive.read("styles.xml").decode()
    assert 'style:font-name-asian="Noto Serif CJK JP"' in styles
    assert 'style:font-name="Noto Serif"' in styles and 'fo:language="ja"' in styles
    master = etree.fromstring(archive.read("styles.xml")).find(
        "office:master-styles/style:master-page", NS
    )
    header = ["".join(p.itertext()) for p in master.find("style:header", NS)]
    footer = master.find("style:footer", NS)
    assert header[0] == "取扱注意" and "TEST-PLAN" in header[1]
    assert footer.find(".//text:page-number", NS) is not None
    assert "".join(list(footer)[-1].itertext()) == "取扱注意"
    # The styles the body names exist: the annex starts on a new page, the table has borders.
    content = etree.fromstring(archive.read("content.xml"))
    automatic = {
        style.get(f"{{{NS['style']}}}name"): etree.tostring(style).decode()
        for style in content.find("office:automatic-styles", NS)
    }
    annex = next(
        h
        for h in content.iter(f"{{{NS['text']}}}h")
        if "".join(h.itertext()) == "付属書　優先分野ごとのコミットメント"
    )
    assert 'fo:break-before="page"' in automatic[annex.get(f"{{{NS['text']}}}style-name")]
    for cell in content.iter(f"{{{NS['table']}}}table-cell"):
        assert "fo:border" in automatic[cell.get(f"{{{NS['table']}}}style-name")]
    common = etree.fromstring(archive.read("styles.xml")).find("office:styles", NS)
    named = {style.get(f"{{{NS['style']}}}name") for style in common}
    for heading in content.iter(f"{{{NS['text']}}}h"):
        name = heading.get(f"{{{NS['text']}}}style-name")
        assert name in named or name in automatic, name

    # Only what the parties agreed, whoever reads: no party's internal commitment.
    for headers in ({}, nato):
        for lang in ("ja", "en"):
            paragraphs, rows = _texts(
                _package(_document(client, str(world.plan), "odt", headers, lang=lang))
            )
            everything = "\n".join(paragraphs + [cell for row in rows for cell in row])
            for internal in ("internal", "内部"):
                assert internal not in everything, (headers, lang)


def test_a_recorded_version_as_odt_has_no_delivery_and_its_file_name_says_the_version(
    client: TestClient,
) -> None:
    world = make_world()

    response = client.get(
        f"/api/v1/plans/{world.plan}/document", params={"format": "odt", "lang": "en", "version": 1}
    )

    assert response.status_code == 200, response.text
    assert 'filename="TEST-PLAN-v1-en.odt"' in response.headers["content-disposition"]
    paragraphs, rows = _texts(_package(response.content))
    assert paragraphs[0] == "Test plan"
    assert not any("%" in cell for row in rows for cell in row)


_STYLES = f"""<office:document-styles xmlns:office="{NS["office"]}" xmlns:text="{NS["text"]}"
 xmlns:style="{NS["style"]}"><office:styles>
<text:outline-style style:name="Outline">
<text:outline-level-style text:level="1" style:num-format="1" style:num-suffix="."/>
<text:outline-level-style text:level="2" style:num-format="1" text:display-levels="2"/>
</text:outline-style>
<text:list-style style:name="Numbered">
<text:list-level-style-number text:level="1" style:num-format="1" style:num-suffix="."/>
<text:list-level-style-number text:level="2" style:num-format="1" text:display-levels="2"/>
<text:list-level-style-number text:level="3" style:num-format="1" text:display-levels="3"/>
</text:list-style>
<text:list-style style:name="Bullets">
<text:list-level-style-bullet text:level="1" text:bullet-char="•"/>
</text:list-style>
</office:styles></office:document-styles>"""


def _h(text: str, level: int = 1) -> str:
    return f'<text:h text:outline-level="{level}">{text}</text:h>'


def _p(text: str) -> str:
    return f"<text:p>{text}</text:p>"


def test_numbers_an_odt_keeps_as_outline_and_list_numbering_are_read_as_the_documents_numbers(
    client: TestClient,
) -> None:
    """A document typed in a word processor with numbered headings (the outline) and numbered
    and bulleted lists imports as if the numbers had been typed; notes and comments are no
    text of the plan."""
    make_world()
    body = "".join(
        [
            _p("Individually Tailored Partnership Programme"),
            _h(
                "Political <text:ruby><text:ruby-base>context</text:ruby-base>"
                "<text:ruby-text>a reading</text:ruby-text></text:ruby>"
            ),
            # A deletion tracked by the word processor is no text of the plan.
            "<text:tracked-changes><text:changed-region><text:deletion>"
            + _p("1. Deleted chapter")
            + "</text:deletion></text:changed-region></text:tracked-changes>",
            _h("Japan and NATO are natural<text:s text:c='1'/>partners.", 2),
            _h("Objectives"),
            _h(
                "We cooperate to:<text:note><text:note-body><text:p>a footnote</text:p>"
                "</text:note-body></text:note>",
                2,
            ),
            '<text:list text:style-name="Bullets"><text:list-item>'
            + _p(
                "strengthen dialogue.<office:annotation><text:p>a comment</text:p>"
                "</office:annotation>"
            )
            + "</text:list-item></text:list>",
            _h("Priority areas"),
            _h("We focus on the following areas.", 2),
            # A numbered list whose first level stands for the chapter (3), the second for
            # the section (3.1): its third level numbers the areas 3.1.1, 3.1.2.
            '<text:list text:style-name="Numbered"><text:list-item text:start-value="3">'
            "<text:list><text:list-item><text:list>"
            f"<text:list-item>{_p('Cyber defence')}</text:list-item>"
            f"<text:list-item>{_p('Maritime security')}</text:list-item>"
            "</text:list></text:list-item></text:list></text:list-item></text:list>",
            _h("Review"),
            _h("This plan runs for a period of 2 years.", 2),
            _p("(End)"),
            "<table:table><table:table-row><table:table-cell>"
            + _p("Signed in Brussels")
            + "</table:table-cell><table:table-cell>"
            + _p("Tokyo")
            + "</table:table-cell></table:table-row></table:table>",
        ]
    )
    content = _zip(
        {
            **_MIMETYPE,
            "content.xml": _CONTENT.format(body).encode(),
            "styles.xml": _STYLES.encode(),
        }
    )
    lines = odf.document_text(content, 1024 * 1024).text.split("\n\n")
    assert lines[:9] == [
        "Individually Tailored Partnership Programme",
        "1. Political context",
        "1.1 Japan and NATO are natural partners.",
        "2. Objectives",
        "2.1 We cooperate to:",
        "- strengthen dialogue.",
        "3. Priority areas",
        "3.1 We focus on the following areas.",
        "3.1.1 Cyber defence",
    ]

    result = _import(client, content, "plan.odt", reference="ODF-1")

    plan = result["plan"]
    assert plan["title"] == {"en": "Individually Tailored Partnership Programme"}
    assert plan["objectives"] == [{"en": "strengthen dialogue."}]
    assert plan["term_months"] == 24
    assert [code for code, _ in _areas(client, plan["id"])] == ["3.1.1", "3.1.2"]
    # The report names the paragraph (the 14th: a table row counts as one), not a line.
    assert result["report"]["unmapped"] == [
        {
            "line": 14,
            "text": "Signed in Brussels | Tokyo",
            "reason": "after the end of the plan text",
            "kind": "after_end",
        }
    ]
