"""The plan as a document (issue 8): rendering it, and importing a draft plan from its text."""

import io
import re
import uuid
from typing import Any, cast
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus, Role
from itpp_api.plans.models import Plan, PriorityArea
from tests.conftest import Database
from tests.factories import agree, auth_headers, bring_into_force, make_commitment, make_world
from tests.test_document_parser import ENGLISH_FOUR_AREAS, SEED

PROBLEM = "application/problem+json"
PARTIES = {"party": ["JP", "NATO"]}


def _upload(content: bytes, content_type: str = "text/plain") -> dict[str, Any]:
    return {"file": ("plan.txt", content, content_type)}


def _import(client: TestClient, text: bytes, **params: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/plans/import", params={**PARTIES, **params}, files=_upload(text)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _plan_count() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Plan)) or 0)


def _structure(markdown: str) -> list[str]:
    """The numbered skeleton of a Markdown rendering: chapters, sections, list items."""
    body = markdown.split("（了）")[0].split("(End)")[0]
    return [
        match.group(0)
        for line in body.splitlines()
        if (match := re.match(r"^(## \d+\.|\d+\.\d+ |- \d+\.\d+\.\d+ .*|- )", line))
    ]


def test_importing_the_seed_creates_a_draft_with_its_areas_objectives_term_and_sections(
    client: TestClient,
) -> None:
    make_world()

    result = _import(client, SEED.read_bytes(), reference="SEED-2026")

    plan = result["plan"]
    assert plan["status"] == "draft"
    assert plan["reference"] == "SEED-2026"
    assert plan["title"] == {"ja": "日NATO国別パートナーシップ協力計画"}
    assert [s["number"] for s in plan["sections"]] == [
        "1.1", "1.2", "1.3", "2.1", "3.2", "3.3", "4.1", "4.2",
    ]  # fmt: skip
    assert len(plan["objectives"]) == 3
    assert plan["term_months"] == 24
    assert plan["review_interval_months"] == 12
    areas = client.get(f"/api/v1/plans/{plan['id']}/priority-areas").json()["items"]
    assert [(a["code"], a["short_code"]) for a in areas] == [
        ("3.1.1", "CYB"), ("3.1.2", "MAR"), ("3.1.3", "HADR"), ("3.1.4", "ACD"),
        ("3.1.5", "DST"), ("3.1.6", "WPS"), ("3.1.7", "HSEC"), ("3.1.8", "PD"), ("3.1.9", "OTH"),
    ]  # fmt: skip
    report = result["report"]
    assert report["unmapped"] == []
    assert plan["lead_texts"]["objectives"] == {
        "number": "2.2",
        "text": {"ja": "日本と NATO は、次のとおり協力を推進する。"},
    }
    assert plan["lead_texts"]["areas"]["ja"].startswith("政治対話や防衛交流の促進に加え")
    # "一定の間隔で見直す" speaks of an interval without its length: said, with the words.
    assert any(
        "review interval" in note and "一定の間隔で見直す" in note and "default" in note
        for note in report["notes"]
    )
    assert any("(24 months) was read from “2 年”" in note for note in report["notes"])
    assert report["predecessor_references"] == [{"section": "2.1", "date": "2014-05-06"}]
    history = client.get(f"/api/v1/plans/{plan['id']}/history").json()["items"]
    assert history, "the import is in the audit log"


def test_an_english_document_with_another_structure_imports_as_correctly(
    client: TestClient,
) -> None:
    make_world()

    result = _import(client, ENGLISH_FOUR_AREAS.encode())

    plan = result["plan"]
    assert plan["reference"].startswith("IMPORT-")
    assert plan["term_months"] == 18
    assert plan["review_interval_months"] == 6
    assert len(plan["objectives"]) == 2
    assert plan["sections"][0]["heading"] == {"en": "Political context and principles"}
    areas = client.get(f"/api/v1/plans/{plan['id']}/priority-areas").json()["items"]
    assert [(a["code"], a["title"]["en"]) for a in areas] == [
        ("3.1.1", "Cyber defence"),
        ("3.1.2", "Maritime security"),
        ("3.1.3", "Space security"),
        ("3.1.4", "Critical minerals"),
    ]
    assert result["report"]["unmapped"] == []
    assert plan["lead_texts"]["objectives"]["text"] == {
        "en": "Australia and Japan will promote cooperation as follows:"
    }
    assert plan["lead_texts"]["areas"] == {
        "en": "The sides will focus on the following priority areas:"
    }


def test_a_shift_jis_document_imports_when_its_charset_is_named(client: TestClient) -> None:
    make_world()

    response = client.post(
        "/api/v1/plans/import",
        params=PARTIES,
        files=_upload(
            SEED.read_text(encoding="utf-8").encode("cp932"), "text/plain; charset=shift_jis"
        ),
    )

    assert response.status_code == 201, response.text
    assert response.json()["plan"]["title"] == {"ja": "日NATO国別パートナーシップ協力計画"}


@pytest.mark.parametrize(
    ("content", "content_type", "status", "words"),
    [
        (b"", "text/plain", 422, "empty"),
        (b"   \n\n ", "text/plain", 422, "empty"),
        (b"Dear colleagues,\nthe meeting is on Monday.\n", "text/plain", 422, "not a plan"),
        ("日本語の文書".encode("cp932") * 20, "text/plain", 422, "not valid utf-8"),
        (b"1. Title\n", "text/plain; charset=klingon-8", 415, "unknown character encoding"),
        (b"\x00\x01binary", "text/plain", 422, "nul"),
    ],
)
def test_bad_input_gets_a_clear_problem_and_creates_nothing(
    client: TestClient, content: bytes, content_type: str, status: int, words: str
) -> None:
    make_world()
    before = _plan_count()

    response = client.post(
        "/api/v1/plans/import", params=PARTIES, files=_upload(content, content_type)
    )

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert words in response.json()["detail"].lower()
    assert _plan_count() == before


def test_a_document_not_sent_as_a_form_with_a_file_is_refused(client: TestClient) -> None:
    make_world()
    before = _plan_count()

    as_text = client.post(
        "/api/v1/plans/import",
        params=PARTIES,
        content=SEED.read_bytes(),
        headers={"Content-Type": "text/plain"},
    )
    without_file = client.post(
        "/api/v1/plans/import",
        params=PARTIES,
        data={"name": "x"},
        files={"other": ("a.txt", b"1. x", "text/plain")},
    )

    assert as_text.status_code == 415
    assert "multipart/form-data" in as_text.json()["detail"]
    assert without_file.status_code == 422
    assert without_file.json()["errors"][0]["loc"] == ["body", "file"]
    assert _plan_count() == before


def test_a_fifty_megabyte_upload_is_refused_before_anything_is_read(client: TestClient) -> None:
    make_world()
    before = _plan_count()

    response = client.post(
        "/api/v1/plans/import",
        params=PARTIES,
        files=_upload(b"1.1 " + b"x" * (50 * 1024 * 1024)),
    )

    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"
    assert _plan_count() == before


def test_a_viewer_cannot_import_and_unknown_parties_are_named(client: TestClient) -> None:
    make_world()
    viewer = auth_headers("JP", Role.VIEWER, email="viewer@jp.test.example")

    refused = client.post(
        "/api/v1/plans/import", params=PARTIES, files=_upload(SEED.read_bytes()), headers=viewer
    )
    unknown = client.post(
        "/api/v1/plans/import", params={"party": ["JP", "XX"]}, files=_upload(SEED.read_bytes())
    )

    assert refused.status_code == 403
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["query", "party", 1]


def test_render_import_render_gives_the_same_structure(client: TestClient) -> None:
    make_world()
    plan_id = _import(client, SEED.read_bytes())["plan"]["id"]

    first = client.get(f"/api/v1/plans/{plan_id}/document", params={"format": "md", "lang": "ja"})
    again_id = _import(client, first.content, reference="SEED-AGAIN")["plan"]["id"]
    second = client.get(f"/api/v1/plans/{again_id}/document", params={"format": "md", "lang": "ja"})

    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"] == "text/markdown; charset=utf-8"
    structure = _structure(first.text)
    assert structure == _structure(second.text)
    assert structure[:2] == ["## 1.", "1.1 "]
    assert "- 3.1.9 日本及び NATO の共通関心分野における防衛及び安全保障に関するその他の協力" in (
        structure
    )
    # The same text, but for the first line (the reference and the time of rendering).
    assert first.text.splitlines()[1:] == second.text.splitlines()[1:]


def test_the_html_document_escapes_text_and_is_shown_inline(client: TestClient) -> None:
    world = make_world()
    make_commitment(world, title={"en": "<script>alert(1)</script>", "ja": "試験"})

    response = client.get(f"/api/v1/plans/{world.plan}/document", params={"lang": "en"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-disposition"].startswith('inline; filename="TEST-PLAN-en')
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text
    assert "3.1.1 Cyber defence" in response.text


def test_the_pdf_contains_the_japanese_text_and_embeds_its_fonts(client: TestClient) -> None:
    make_world()
    plan_id = _import(client, SEED.read_bytes(), reference="SEED-PDF")["plan"]["id"]

    response = client.get(f"/api/v1/plans/{plan_id}/document", params={"format": "pdf"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"SEED-PDF-ja.pdf\"; filename*=UTF-8''")
    assert (
        unquote(disposition.split("''", 1)[1]) == "SEED-PDF 日NATO国別パートナーシップ協力計画.pdf"
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "日NATO国別パートナーシップ協力計画" in text
    assert "サイバー防衛" in text
    fonts = [
        font.get_object()
        for page in reader.pages
        for font in cast(Any, page["/Resources"])["/Font"].values()
    ]
    assert fonts
    for font in fonts:
        descriptor = (
            font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if "/DescendantFonts" in font
            else font["/FontDescriptor"]
        ).get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
    assert any("CJK" in str(font["/BaseFont"]) for font in fonts)


def test_a_pdf_over_its_time_or_a_document_over_its_size_gets_a_problem(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    monkeypatch.setenv("ITPP_DOCUMENT_PDF_TIMEOUT_SECONDS", "0.001")
    get_settings.cache_clear()

    slow = client.get(f"/api/v1/plans/{world.plan}/document", params={"format": "pdf"})

    monkeypatch.setenv("ITPP_DOCUMENT_MAX_BYTES", "1024")
    get_settings.cache_clear()
    large = client.get(f"/api/v1/plans/{world.plan}/document", params={"format": "html"})

    assert slow.status_code == 503
    assert slow.headers["content-type"].startswith(PROBLEM)
    assert "longer than" in slow.json()["detail"]
    assert large.status_code == 422
    assert "over the limit" in large.json()["detail"]


def _document(
    client: TestClient, plan: uuid.UUID, headers: dict[str, str] | None = None, **params: str | int
) -> str:
    response = client.get(f"/api/v1/plans/{plan}/document", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.text)


def test_the_document_shows_where_shared_commitments_stand_and_no_internal_ones(
    client: TestClient,
) -> None:
    world = make_world()
    make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        title={"en": "NATO internal planning", "ja": "NATO 内部計画"},
    )
    make_commitment(
        world, visibility="internal", title={"en": "Japan internal budget", "ja": "日本内部予算"}
    )
    make_commitment(
        world,
        reference="CYB-10",
        title={"en": "Shared exercise", "ja": "共同演習"},
        status="in_progress",
        progress=40,
    )
    nato = auth_headers("NATO", Role.EDITOR, email="editor@nato.test.example")

    annex_of = {
        "en": "Annex: commitments under the priority areas",
        "ja": "付属書　優先分野ごとのコミットメント",
    }
    record_of = {"en": "Annex: record of consent", "ja": "付属書　同意の記録"}
    in_progress = {"en": "In progress", "ja": "実施中"}
    for headers in ({}, nato):
        for lang in ("en", "ja"):
            for fmt in ("md", "html"):
                text = _document(client, world.plan, headers, format=fmt, lang=lang)

                annex = text.split(annex_of[lang], 1)[1].split(record_of[lang], 1)[0]
                assert "CYB-10" in annex
                assert "Shared exercise" in annex or "共同演習" in annex
                # The plan as it is: the annex shows where each shared commitment stands.
                assert in_progress[lang] in annex, (lang, fmt)
                assert "40%" in annex, (lang, fmt)
                # No party's internal commitment is part of what the parties agreed.
                for internal in ("internal", "内部"):
                    assert internal not in text, (lang, fmt, headers)
    version = _document(client, world.plan, format="md", lang="en", version=1)
    assert "Version 1" in version
    # A recorded version holds what was agreed only: no delivery.
    assert "%" not in version.split(annex_of["en"], 1)[1]


def test_a_version_the_plan_does_not_have_is_not_found(client: TestClient, db: Database) -> None:
    world = make_world()

    response = client.get(f"/api/v1/plans/{world.plan}/document", params={"version": 9})

    assert response.status_code == 404
    with transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(PriorityArea)) == 2


def test_the_document_records_each_consent_with_every_partys_approver(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    bring_into_force(world.plan)
    agree(world.plan, [{"op": "change_term", "term_months": 36}], title="Longer term")
    consents = client.get(f"/api/v1/plans/{world.plan}/consents").json()["items"]
    assert [(c["kind"], c["version"]) for c in consents] == [
        ("entry_into_force", 1),
        ("amendment", 2),
    ]
    approvers = [
        [(a["party_code"], a["decided_by_name"], a["decided_at"][:10]) for a in c["approvals"]]
        for c in consents
    ]
    assert [sorted(code for code, _, _ in each) for each in approvers] == [["JP", "NATO"]] * 2
    record_of = {"en": "Annex: record of consent", "ja": "付属書　同意の記録"}
    headings = {
        "en": ["Coming into force (version 1)", "Amendment (version 2)"],
        "ja": ["発効（第1版）", "修正（第2版）"],
    }
    # Japanese punctuation in the Japanese document.
    line = {"en": "{code}: {name}, approved {day}", "ja": "{code}：{name}、承認 {day}"}

    for lang in ("en", "ja"):
        for fmt in ("md", "html"):
            text = _document(client, world.plan, format=fmt, lang=lang)

            record = text.split(record_of[lang], 1)[1]
            for heading, consent, approvals in zip(
                headings[lang], consents, approvers, strict=True
            ):
                assert heading in record, (lang, fmt, heading)
                assert consent["title"][lang] in record
                for code, name, day in approvals:
                    expected = line[lang].format(code=code, name=name, day=day)
                    assert expected in record, (lang, fmt)
            assert record.index(headings[lang][0]) < record.index(headings[lang][1])

    # A version's document records the consents up to that version.
    first = _document(client, world.plan, format="md", lang="en", version=1)
    assert "Coming into force (version 1)" in first
    assert "Amendment (version 2)" not in first


def test_a_plan_recorded_by_the_operator_says_it_was_agreed_outside_the_system(
    client: TestClient,
) -> None:
    world = make_world()

    for lang, words in (
        ("en", "agreed outside ITPP Tracker"),
        ("ja", "ITPP Tracker の外で合意され"),
    ):
        for fmt in ("md", "html"):
            assert words in _document(client, world.plan, format=fmt, lang=lang)


def test_an_imported_plans_lead_texts_change_only_by_amendment_once_in_force(
    client: TestClient, db: Database
) -> None:
    from tests.api.test_plans import assert_problem, consent_to, patch_plan

    make_world()
    plan = _import(client, SEED.read_bytes(), reference="SEED-LEAD")["plan"]
    url = f"/api/v1/plans/{plan['id']}"
    bring_into_force(uuid.UUID(plan["id"]))
    lead = client.get(url).json()["lead_texts"]
    changed = {**lead, "areas": {"ja": "次の分野で協力する。", "en": "We cooperate as follows."}}

    response = patch_plan(client, plan["id"], {"lead_texts": changed})

    body = assert_problem(response, 409, "/problems/amendment-required")
    assert body["agreed_fields"] == ["lead_texts"]
    assert body["proposal"]["changes"] == [{"op": "change_text", "lead_texts": changed}]
    assert client.get(url).json()["lead_texts"] == lead
    consent_to(client, body["proposal"])
    after = client.get(url).json()
    assert after["lead_texts"] == changed
    assert "lead_texts.areas" in after["translations"]
    versions = client.get(f"{url}/versions").json()["items"]
    first, latest = (
        client.get(f"{url}/versions/{n}").json()["snapshot"]["plan"]["lead_texts"]
        for n in (versions[-1]["number"], versions[0]["number"])
    )
    assert (first, latest) == (lead, changed)
    # Each version's document prints the words of that version.
    old = _document(client, plan["id"], format="md", lang="ja", version=1)
    new = _document(client, plan["id"], format="md", lang="en")
    assert "3.1 政治対話や防衛交流の促進に加え" in old
    assert "3.1 We cooperate as follows." in new


def test_the_seed_imports_back_from_its_rendering_as_the_same_records(client: TestClient) -> None:
    make_world()
    first = _import(client, SEED.read_bytes(), reference="SEED-ONE")["plan"]
    markdown = client.get(
        f"/api/v1/plans/{first['id']}/document", params={"format": "md", "lang": "ja"}
    ).text

    again = _import(client, markdown.encode(), reference="SEED-TWO")
    second = again["plan"]

    for name in ("title", "sections", "objectives", "lead_texts", "term_months"):
        assert second[name] == first[name], name
    areas = [
        [(a["code"], a["title"]) for a in client.get(f"/api/v1/plans/{p['id']}/priority-areas")
         .json()["items"]]
        for p in (first, second)
    ]  # fmt: skip
    assert areas[0] == areas[1]
    # The only lines it could not place are the annexes after the end of the text.
    assert {u["reason"] for u in again["report"]["unmapped"]} == {"after the end of the plan text"}
    assert {u["kind"] for u in again["report"]["unmapped"]} == {"after_end"}
