"""The amendment form over HTTP, as a browser without JavaScript uses it: it offers every
operation and every field the API's change sets take, and each kind, built in the form and
sent, reaches the API as the operation the user filled in."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CSRF_INPUT, SAMPLE_PLAN, Stack, WebSession, bring_into_force

OPENAPI = Path(__file__).resolve().parents[2] / "services" / "api" / "openapi.json"
EN = {"Accept-Language": "en"}
# Fields no form offers: translation reviews (the commitment and area pages have them) and the
# sample mark.
NOT_IN_FORMS = {"reviewed_translations", "is_example"}


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match
    return match.group(1)


def _draft(page: str) -> str:
    match = re.search(r'name="changes_json" value="([^"]*)"', page)
    assert match
    return html.unescape(match.group(1))


@pytest.fixture(scope="module")
def plan(stack: Stack) -> dict[str, Any]:
    """A plan in force of Japan and NATO with narrative sections, objectives, two areas (the
    second without commitments) and two commitments, and the ids the form's choices name."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        organisations = {o["code"]: o["id"] for o in api.get("/organisations").json()["items"]}
        sample = api.get("/plans", params={"limit": 100}).json()["items"]
        created = api.post(
            "/plans",
            json={
                "reference": f"FORM-{uuid.uuid4().hex[:6].upper()}",
                "title": {"ja": "修正様式の試験計画", "en": "Amendment form test plan"},
                "party_ids": [parties["JP"], parties["NATO"]],
                "sections": [
                    {
                        "number": "1.1",
                        "heading": {"ja": "共有する価値", "en": "Shared values"},
                        "body": {"ja": "自由と民主主義", "en": "Freedom and democracy"},
                    }
                ],
                "objectives": [{"ja": "ハイレベル対話", "en": "High-level dialogue"}],
            },
        )
        assert created.status_code == 201, created.text
        plan_id = str(created.json()["id"])
        areas = []
        for code, short in (("3.1.1", "CYB"), ("3.1.2", "MAR")):
            area = api.post(
                f"/plans/{plan_id}/priority-areas",
                json={"code": code, "short_code": short, "title": {"en": f"Area {short}"}},
            )
            assert area.status_code == 201, area.text
            areas.append(str(area.json()["id"]))
        commitments = []
        for number in (1, 2):
            commitment = api.post(
                f"/plans/{plan_id}/commitments",
                json={
                    "priority_area_id": areas[0],
                    "title": {"ja": f"演習 {number}", "en": f"Exercise {number}"},
                    "description": {"en": "To be agreed."},
                    "modality": "exercise_participation",
                    "lead_party_id": parties["JP"],
                    "due_date": "2027-12-31",
                },
            )
            assert commitment.status_code == 201, commitment.text
            commitments.append(str(commitment.json()["id"]))
    bring_into_force(stack, plan_id)
    return {
        "id": plan_id,
        "areas": areas,
        "commitments": commitments,
        "parties": parties,
        "organisations": organisations,
        "sample_plan": next(str(p["id"]) for p in sample if p["reference"] == SAMPLE_PLAN),
    }


@pytest.fixture(scope="module")
def editor(stack: Stack) -> Iterator[WebSession]:
    session = WebSession(stack)
    session.sign_in("JP", "editor")
    yield session
    session.client.close()


def _schema_fields(schemas: dict[str, Any], ref: str) -> set[str]:
    return set(schemas[ref.rsplit("/", 1)[-1]]["properties"])


def test_the_form_offers_every_operation_and_every_field_of_the_api(
    editor: WebSession, plan: dict[str, Any]
) -> None:
    schemas = json.loads(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]
    mapping = schemas["AmendmentCreate"]["properties"]["changes"]["items"]["discriminator"][
        "mapping"
    ]
    page = editor.get(f"/plans/{plan['id']}/amendments/new", headers=EN).text
    offered = set(re.findall(r'<details class="op" id="op-([a-z_]+)"', page))
    # A plan in force takes every operation but its coming into force (a draft's only one).
    assert offered == set(mapping) - {"bring_into_force"}
    # What each operation names, its fields and those of what it adds or changes.
    nested = {
        "add_commitment": "commitment",
        "modify_commitment": "changes",
        "add_priority_area": "priority_area",
        "modify_priority_area": "changes",
    }
    for op, ref in mapping.items():
        properties = schemas[ref.rsplit("/", 1)[-1]]["properties"]
        fields = set(properties) - {"op"}
        if op in nested:
            inner = properties[nested[op]]
            inner_ref = inner.get("$ref") or next(
                item["$ref"]
                for item in inner.get("anyOf", inner.get("allOf", []))
                if "$ref" in item
            )
            fields = (fields - {nested[op]}) | _schema_fields(schemas, inner_ref)
        for name in sorted(fields - NOT_IN_FORMS):
            if op == "bring_into_force":
                continue  # offered on a draft (tests/web/test_agreement_pages.py)
            if name == "source_languages":
                # One choice for the texts of the change (and of a new commitment's milestones).
                assert f'name="{op}.source_language"' in page, op
            elif op == "change_text" and name in ("sections", "objectives"):
                assert f'name="change_text.{name}.0.' in page, (op, name)
            elif op == "reorder_priority_areas":
                assert f'name="{op}.position.{plan["areas"][0]}"' in page
            else:
                assert re.search(rf'name="{op}\.{name}[."]', page), (op, name)


Fields = Callable[[dict[str, Any]], dict[str, Any]]

CASES: dict[str, tuple[str, Fields, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "add_commitment": (
        "add_commitment",
        lambda p: {
            "add_commitment.priority_area_id": p["areas"][1],
            "add_commitment.title.ja": "海洋状況把握",
            "add_commitment.title.en": "Maritime domain awareness",
            "add_commitment.description.en": "Share the picture.",
            "add_commitment.modality": "information_sharing",
            "add_commitment.lead_party_id": p["parties"]["NATO"],
            "add_commitment.lead_organisation_id": p["organisations"]["MARCOM"],
            "add_commitment.supporting_organisation_ids": [p["organisations"]["SHAPE"]],
            "add_commitment.start_date": "2027-01-01",
            "add_commitment.due_date": "2027-06-30",
            "add_commitment.pcm_activity_ref": "PCM-42",
            "add_commitment.reference": "mar-07",
            "add_commitment.milestones": "2027-03-31 | 計画会議 | Planning conference\n | 報告 |",
            "add_commitment.source_language": "en",
        },
        lambda p: {
            "op": "add_commitment",
            "commitment": {
                "priority_area_id": p["areas"][1],
                "reference": "MAR-07",
                "title": {"ja": "海洋状況把握", "en": "Maritime domain awareness"},
                "description": {"en": "Share the picture."},
                "modality": "information_sharing",
                "lead_party_id": p["parties"]["NATO"],
                "lead_organisation_id": p["organisations"]["MARCOM"],
                "supporting_organisation_ids": [p["organisations"]["SHAPE"]],
                "start_date": "2027-01-01",
                "due_date": "2027-06-30",
                "pcm_activity_ref": "PCM-42",
                "milestones": [
                    {
                        "title": {"ja": "計画会議", "en": "Planning conference"},
                        "due_date": "2027-03-31",
                        "source_languages": {"title": "en"},
                    },
                    {"title": {"ja": "報告"}},
                ],
                # Written in English: each text that has English names it as its source.
                "source_languages": {"title": "en", "description": "en"},
            },
        },
    ),
    "modify_commitment": (
        "modify_commitment",
        lambda p: {
            "modify_commitment.commitment_id": p["commitments"][0],
            "modify_commitment.title.en": "Exercise one, renamed",
            "modify_commitment.description.ja": "新しい説明",
            "modify_commitment.priority_area_id": p["areas"][1],
            "modify_commitment.modality": "seminar_symposium",
            "modify_commitment.lead_party_id": p["parties"]["NATO"],
            "modify_commitment.lead_organisation_id": p["organisations"]["SHAPE"],
            "modify_commitment.supporting_organisation_ids": [
                p["organisations"]["MARCOM"],
                p["organisations"]["SHAPE"],
            ],
            "modify_commitment.start_date": "2027-02-01",
            "modify_commitment.due_date": "2028-01-31",
            "modify_commitment.pcm_activity_ref": "PCM-7",
        },
        lambda p: {
            "op": "modify_commitment",
            "commitment_id": p["commitments"][0],
            "changes": {
                "title": {"en": "Exercise one, renamed"},
                "description": {"ja": "新しい説明"},
                "priority_area_id": p["areas"][1],
                "modality": "seminar_symposium",
                "lead_party_id": p["parties"]["NATO"],
                "lead_organisation_id": p["organisations"]["SHAPE"],
                "supporting_organisation_ids": [
                    p["organisations"]["MARCOM"],
                    p["organisations"]["SHAPE"],
                ],
                "start_date": "2027-02-01",
                "due_date": "2028-01-31",
                "pcm_activity_ref": "PCM-7",
            },
        },
    ),
    "modify_commitment_clearing": (
        "modify_commitment",
        lambda p: {
            "modify_commitment.commitment_id": p["commitments"][1],
            "modify_commitment.clear": ["description", "due_date", "supporting_organisation_ids"],
        },
        lambda p: {
            "op": "modify_commitment",
            "commitment_id": p["commitments"][1],
            "changes": {"description": None, "due_date": None, "supporting_organisation_ids": []},
        },
    ),
    "retire_commitment": (
        "retire_commitment",
        lambda p: {"retire_commitment.commitment_id": p["commitments"][1]},
        lambda p: {"op": "retire_commitment", "commitment_id": p["commitments"][1]},
    ),
    "add_priority_area": (
        "add_priority_area",
        lambda p: {
            "add_priority_area.code": "3.1.10",
            "add_priority_area.short_code": "spc",
            "add_priority_area.title.en": "Space",
            "add_priority_area.title.ja": "宇宙",
            "add_priority_area.description.en": "Space situational awareness.",
        },
        lambda p: {
            "op": "add_priority_area",
            "priority_area": {
                "code": "3.1.10",
                "short_code": "SPC",
                "title": {"ja": "宇宙", "en": "Space"},
                "description": {"en": "Space situational awareness."},
            },
        },
    ),
    "modify_priority_area": (
        "modify_priority_area",
        lambda p: {
            "modify_priority_area.priority_area_id": p["areas"][1],
            "modify_priority_area.code": "3.1.3",
            "modify_priority_area.short_code": "sea",
            "modify_priority_area.title.en": "Maritime security",
            "modify_priority_area.description.ja": "海洋安全保障の説明",
            "modify_priority_area.source_language": "ja",
        },
        lambda p: {
            "op": "modify_priority_area",
            "priority_area_id": p["areas"][1],
            "changes": {
                "code": "3.1.3",
                "short_code": "SEA",
                "title": {"en": "Maritime security"},
                "description": {"ja": "海洋安全保障の説明"},
                "source_languages": {"description": "ja"},
            },
        },
    ),
    "modify_priority_area_clearing": (
        "modify_priority_area",
        lambda p: {
            "modify_priority_area.priority_area_id": p["areas"][0],
            "modify_priority_area.clear": "description",
        },
        lambda p: {
            "op": "modify_priority_area",
            "priority_area_id": p["areas"][0],
            "changes": {"description": None},
        },
    ),
    "retire_priority_area": (
        "retire_priority_area",
        lambda p: {"retire_priority_area.priority_area_id": p["areas"][1]},
        lambda p: {"op": "retire_priority_area", "priority_area_id": p["areas"][1]},
    ),
    "reorder_priority_areas": (
        "reorder_priority_areas",
        lambda p: {
            f"reorder_priority_areas.position.{p['areas'][0]}": "2",
            f"reorder_priority_areas.position.{p['areas'][1]}": "1",
        },
        lambda p: {
            "op": "reorder_priority_areas",
            "priority_area_ids": [p["areas"][1], p["areas"][0]],
        },
    ),
    "change_term": (
        "change_term",
        lambda p: {"change_term.term_months": "36"},
        lambda p: {"op": "change_term", "term_months": 36},
    ),
    "change_review_interval": (
        "change_review_interval",
        lambda p: {"change_review_interval.review_interval_months": "6"},
        lambda p: {"op": "change_review_interval", "review_interval_months": 6},
    ),
    "change_text": (
        "change_text",
        # The plan's texts as the form shows them, one section edited, one added, the
        # objective kept and another added; the title unchanged is not sent.
        lambda p: {
            "change_text.title.ja": "修正様式の試験計画",
            "change_text.title.en": "Amendment form test plan",
            "change_text.sections.0.number": "1.1",
            "change_text.sections.0.heading.ja": "共有する価値",
            "change_text.sections.0.heading.en": "Shared values",
            "change_text.sections.0.body.ja": "自由、民主主義と法の支配",
            "change_text.sections.0.body.en": "Freedom, democracy and the rule of law",
            "change_text.sections.1.number": "4.3",
            "change_text.sections.1.body.en": "The parties meet yearly.",
            "change_text.sections.2.number": "",
            "change_text.objectives.0.ja": "ハイレベル対話",
            "change_text.objectives.0.en": "High-level dialogue",
            "change_text.objectives.1.en": "Practical cooperation",
        },
        lambda p: {
            "op": "change_text",
            "sections": [
                {
                    "number": "1.1",
                    "heading": {"ja": "共有する価値", "en": "Shared values"},
                    "body": {
                        "ja": "自由、民主主義と法の支配",
                        "en": "Freedom, democracy and the rule of law",
                    },
                },
                {"number": "4.3", "heading": None, "body": {"en": "The parties meet yearly."}},
            ],
            "objectives": [
                {"ja": "ハイレベル対話", "en": "High-level dialogue"},
                {"en": "Practical cooperation"},
            ],
        },
    ),
    "change_text_objectives_in_english": (
        "change_text",
        lambda p: {
            "change_text.title.ja": "修正様式の試験計画",
            "change_text.title.en": "Amendment form test plan",
            "change_text.sections.0.number": "1.1",
            "change_text.sections.0.heading.ja": "共有する価値",
            "change_text.sections.0.heading.en": "Shared values",
            "change_text.sections.0.body.ja": "自由と民主主義",
            "change_text.sections.0.body.en": "Freedom and democracy",
            "change_text.objectives.0.ja": "ハイレベル対話",
            "change_text.objectives.0.en": "High-level dialogue",
            "change_text.objectives.1.en": "Science and technology",
            "change_text.source_language": "en",
        },
        lambda p: {
            "op": "change_text",
            "objectives": [
                {"ja": "ハイレベル対話", "en": "High-level dialogue"},
                {"en": "Science and technology"},
            ],
            "source_languages": {"objectives[0]": "en", "objectives[1]": "en"},
        },
    ),
    "change_text_lead_texts": (
        "change_text",
        # The plan's other texts as they are; the signed lead texts given where there were none.
        lambda p: {
            "change_text.title.ja": "修正様式の試験計画",
            "change_text.title.en": "Amendment form test plan",
            "change_text.sections.0.number": "1.1",
            "change_text.sections.0.heading.ja": "共有する価値",
            "change_text.sections.0.heading.en": "Shared values",
            "change_text.sections.0.body.ja": "自由と民主主義",
            "change_text.sections.0.body.en": "Freedom and democracy",
            "change_text.objectives.0.ja": "ハイレベル対話",
            "change_text.objectives.0.en": "High-level dialogue",
            "change_text.lead_texts.objectives.number": "2.2",
            "change_text.lead_texts.objectives.text.ja": "日本と NATO は次のとおり協力する。",
            "change_text.lead_texts.areas.en": "Practical cooperation focuses on these areas.",
            "change_text.lead_texts.chapters.0.number": "3",
            "change_text.lead_texts.chapters.0.heading.ja": "協力の優先分野",
            "change_text.lead_texts.chapters.1.number": "",
        },
        lambda p: {
            "op": "change_text",
            "lead_texts": {
                "objectives": {
                    "number": "2.2",
                    "text": {"ja": "日本と NATO は次のとおり協力する。"},
                },
                "areas": {"en": "Practical cooperation focuses on these areas."},
                "chapters": [{"number": "3", "heading": {"ja": "協力の優先分野"}, "text": None}],
            },
        },
    ),
    "change_approval_date": (
        "change_approval_date",
        lambda p: {"change_approval_date.approval_date": time.strftime("%Y-%m-%d", time.gmtime())},
        lambda p: {
            "op": "change_approval_date",
            "approval_date": time.strftime("%Y-%m-%d", time.gmtime()),
        },
    ),
    "change_predecessor": (
        "change_predecessor",
        lambda p: {"change_predecessor.predecessor_id": p["sample_plan"]},
        lambda p: {"op": "change_predecessor", "predecessor_id": p["sample_plan"]},
    ),
    "change_progress_updates_confirmation": (
        "change_progress_updates_confirmation",
        lambda p: {
            "change_progress_updates_confirmation.progress_updates_need_confirmation": "true"
        },
        lambda p: {
            "op": "change_progress_updates_confirmation",
            "progress_updates_need_confirmation": True,
        },
    ),
    "terminate": (
        "terminate",
        lambda p: {},
        lambda p: {"op": "terminate"},
    ),
    "renew": (
        "renew",
        lambda p: {
            "renew.reference": f"next-{p['id'][:6]}",
            "renew.term_months": "30",
            "renew.title.en": "The next plan",
        },
        lambda p: {
            "op": "renew",
            "reference": f"NEXT-{p['id'][:6]}".upper(),
            "term_months": 30,
            "title": {"en": "The next plan"},
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_change_reaches_the_api_as_filled_in(
    stack: Stack, editor: WebSession, plan: dict[str, Any], case: str
) -> None:
    op, fields, expected = CASES[case]
    url = f"/plans/{plan['id']}/amendments/new"
    page = editor.get(url, headers=EN)
    assert page.status_code == 200
    form: dict[str, Any] = {
        "csrf_token": _csrf(page.text),
        "title.en": f"Amendment: {case.replace('_', ' ')}",
        "rationale.en": "Agreed at the staff talks.",
        "changes_json": "[]",
    }
    added = editor.post(url, data={**form, **fields(plan), "add": op}, headers=EN)
    assert added.status_code == 200, re.findall(r'class="form-error"[^>]*>([^<]+)', added.text)
    draft = _draft(added.text)
    sent = editor.post(
        url,
        data={**form, "changes_json": draft, "action": "propose", "idempotency_key": uuid.uuid4()},
        headers=EN,
    )
    assert sent.status_code == 303, re.findall(
        r"<p lang=\"en\">([^<]+)</p>|class=\"form-error\"[^>]*>([^<]+)", sent.text
    )
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        amendment = api.get(sent.headers["location"]).json()
    assert amendment["changes"] == [expected(plan)]
    # The amendment page reads it back as a change of its kind.
    shown = editor.get(sent.headers["location"], headers=EN).text
    assert "badge-proposed" in shown


def test_an_incomplete_new_kind_of_change_says_what_is_missing_in_the_readers_language(
    editor: WebSession, plan: dict[str, Any]
) -> None:
    url = f"/plans/{plan['id']}/amendments/new"
    form = {"csrf_token": _csrf(editor.get(url).text), "changes_json": "[]"}
    cases = {
        "renew": ({}, "後継計画の整理番号"),
        "change_predecessor": ({}, "前身の計画"),
        "reorder_priority_areas": (
            {f"reorder_priority_areas.position.{plan['areas'][0]}": "first"},
            "整数",
        ),
        "add_commitment": (
            {
                "add_commitment.priority_area_id": plan["areas"][0],
                "add_commitment.title.en": "Milestones without titles",
                "add_commitment.modality": "seminar_symposium",
                "add_commitment.lead_party_id": plan["parties"]["JP"],
                "add_commitment.milestones": "2027-13-01 | 会議 |",
            },
            "マイルストーン",
        ),
        "change_text": (
            {
                "change_text.title.en": "Amendment form test plan",
                "change_text.title.ja": "修正様式の試験計画",
                "change_text.sections.0.number": "1.1",
            },
            "章",
        ),
    }
    for op, (fields, words) in cases.items():
        # Japan's editor reads Japanese (the profile's language).
        answer = editor.post(url, data={**form, **fields, "add": op})
        assert answer.status_code == 422, op
        errors = re.findall(r'<p class="form-error" role="alert">([^<]+)</p>', answer.text)
        assert errors and words in errors[0], (op, errors)
        assert _draft(answer.text) == "[]"
