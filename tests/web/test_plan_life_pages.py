"""A plan's life in the web, as a browser without JavaScript receives it: a new draft, a plan
document imported with the report of the lines it left out beside the text, the draft's texts
and priority areas edited, its coming into force proposed, its JSON export downloaded and
imported, and the draft deleted after a confirmation."""

from __future__ import annotations

import html
import json
import re
import uuid

import httpx

from itpp_web.i18n import Formatter
from tests.web.conftest import CSRF_INPUT, Stack, WebSession

EN = {"Accept-Language": "en"}
# Japan's sample users read Japanese (their profile's language).
JA = Formatter("ja").gettext

PLAN_TEXT = """Japan–NATO Test Plan

A stray line between the title and chapter 1.

1. Political context and principles

1.1 Japan and NATO are natural partners.

2. Objectives and modalities

2.2 Japan and NATO will pursue cooperation as follows.

- Strengthening high-level dialogue.

3. Priority areas

3.1 Practical cooperation will focus on the following priority areas.

- 3.1.1 Cyber defence

4. Review

4.1 This plan runs for 2 years from its approval.
"""


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match
    return match.group(1)


def _parties(stack: Stack) -> dict[str, str]:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        return {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}


def _plan(stack: Stack, plan_id: str) -> httpx.Response:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        return api.get(f"/plans/{plan_id}")


def _new_draft(stack: Stack, web_session: WebSession) -> str:
    parties = _parties(stack)
    page = web_session.get("/plans/new")
    reference = f"LIFE-{uuid.uuid4().hex[:6].upper()}"
    created = web_session.post(
        "/plans/new",
        data={
            "csrf_token": _csrf(page.text),
            "reference": reference.lower(),
            "title.ja": "生涯の試験計画",
            "title.en": "Life test plan",
            "party_ids": [parties["JP"], parties["NATO"]],
            "term_months": "36",
            "review_interval_months": "12",
        },
    )
    assert created.status_code == 303, created.text
    match = re.fullmatch(r"/plans/([0-9a-f-]+)/draft", created.headers["location"])
    assert match
    return match.group(1)


def test_a_new_draft_with_its_errors_beside_the_fields_in_the_readers_language(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "editor")
    page = web_session.get("/plans")
    assert 'href="/plans/new"' in page.text and 'href="/plans/import"' in page.text
    form = web_session.get("/plans/new")
    assert form.status_code == 200
    parties = _parties(stack)
    # The user's own party is chosen already.
    assert re.search(rf'value="{parties["JP"]}" checked', form.text)
    refused = web_session.post(
        "/plans/new",
        data={
            "csrf_token": _csrf(form.text),
            "reference": "",
            "party_ids": [parties["JP"]],
            "term_months": "300",
            "review_interval_months": "12",
        },
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    for message in (
        "Give the title in at least one language.",
        "Choose at least two parties, your own among them.",
        "Enter a whole number of months from 1 to 240.",
    ):
        assert JA(message) in refused.text
    assert 'id="party_ids-error"' in refused.text and 'id="term_months-error"' in refused.text
    # The API's own objection (the review interval longer than the term) beside its field.
    api_refused = web_session.post(
        "/plans/new",
        data={
            "csrf_token": _csrf(form.text),
            "reference": f"LIFE-{uuid.uuid4().hex[:6].upper()}",
            "title.en": "Life test plan",
            "party_ids": [parties["JP"], parties["NATO"]],
            "term_months": "12",
            "review_interval_months": "24",
        },
    )
    assert api_refused.status_code == 422
    assert "form-problem" in api_refused.text

    plan_id = _new_draft(stack, web_session)
    draft = web_session.get(f"/plans/{plan_id}/draft")
    assert draft.status_code == 200
    assert JA("The draft plan was created. Add its texts and priority areas below.") in draft.text
    body = _plan(stack, plan_id).json()
    assert body["status"] == "draft"
    assert body["title"] == {"ja": "生涯の試験計画", "en": "Life test plan"}
    assert (body["term_months"], body["review_interval_months"]) == (36, 12)
    assert body["reference"].startswith("LIFE-")


def test_a_viewer_is_told_the_api_refused(stack: Stack, web_session: WebSession) -> None:
    web_session.sign_in("JP", "viewer")
    parties = _parties(stack)
    form = web_session.get("/plans/new")
    refused = web_session.post(
        "/plans/new",
        data={
            "csrf_token": _csrf(form.text),
            "reference": f"LIFE-{uuid.uuid4().hex[:6].upper()}",
            "title.en": "Not allowed",
            "party_ids": [parties["JP"], parties["NATO"]],
            "term_months": "24",
            "review_interval_months": "12",
        },
    )
    assert refused.status_code == 403
    assert JA("You are not allowed to do this.") in refused.text


def test_an_imported_document_shows_the_lines_left_out_beside_the_text(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "editor")
    parties = _parties(stack)
    page = web_session.get("/plans/import")
    assert page.status_code == 200
    # Without a file, or with a file of another kind: said beside the file input.
    missing = web_session.post(
        "/plans/import",
        data={"csrf_token": _csrf(page.text), "party_ids": [parties["JP"], parties["NATO"]]},
        files={"file": ("", b"")},
    )
    assert missing.status_code == 422
    assert JA("Choose the file to import.") in missing.text and 'id="file-error"' in missing.text
    wrong = web_session.post(
        "/plans/import",
        data={"csrf_token": _csrf(page.text), "party_ids": [parties["JP"], parties["NATO"]]},
        files={"file": ("plan.pdf", b"%PDF-1.7")},
    )
    assert wrong.status_code == 422
    assert (
        JA("Choose a text (.txt), Markdown (.md), Word (.docx) or OpenDocument (.odt) file.")
        in wrong.text
    )

    imported = web_session.post(
        "/plans/import",
        data={
            "csrf_token": _csrf(page.text),
            "party_ids": [parties["JP"], parties["NATO"]],
            "reference": f"DOC-{uuid.uuid4().hex[:6].upper()}",
        },
        files={"file": ("plan.md", PLAN_TEXT.encode())},
    )
    assert imported.status_code == 201, imported.text
    page_text = imported.text
    # The report: the stray line, why (in Japanese), and the line marked in the text beside it.
    assert 'id="unmapped-3"' in page_text
    assert "A stray line between the title and chapter 1." in page_text
    assert JA("Text between the title and chapter 1.") in page_text
    assert re.search(r'<li id="line-3" value="3" class="unmapped"', page_text)
    assert 'id="line-7"' in page_text and 'id="unmapped-7"' not in page_text
    edit = re.search(r'href="(/plans/[0-9a-f-]+/draft)" role="button" id="edit-draft"', page_text)
    assert edit
    draft = web_session.get(edit.group(1))
    assert draft.status_code == 200
    assert "3.1.1" in draft.text and "Cyber defence" in draft.text


def test_an_opendocument_text_is_imported_as_the_page_offers(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "editor")
    parties = _parties(stack)
    page = web_session.get("/plans/import")
    assert ".odt" in page.text and "application/vnd.oasis.opendocument.text" in page.text
    # The sample plan as the API's own ODF export gives it.
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        exported = api.get(
            f"/plans/{active_plan_id}/document", params={"format": "odt", "lang": "en"}
        )
    assert exported.status_code == 200 and exported.content.startswith(b"PK")
    reference = f"ODT-{uuid.uuid4().hex[:6].upper()}"
    imported = web_session.post(
        "/plans/import",
        data={
            "csrf_token": _csrf(page.text),
            "party_ids": [parties["JP"], parties["NATO"]],
            "reference": reference,
        },
        files={"file": ("plan.odt", exported.content)},
    )
    assert imported.status_code == 201, imported.text
    edit = re.search(
        r'href="(/plans/[0-9a-f-]+/draft)" role="button" id="edit-draft"', imported.text
    )
    assert edit
    draft = web_session.get(edit.group(1))
    assert draft.status_code == 200
    assert reference in draft.text
    assert "3.1.1" in draft.text and "Cyber defence" in draft.text


def test_editing_a_drafts_texts_and_areas_and_proposing_it(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "editor")
    plan_id = _new_draft(stack, web_session)
    url = f"/plans/{plan_id}/draft"
    page = web_session.get(url)
    etag = re.search(r'name="etag" value="([^"]+)"', page.text)
    assert etag
    saved = web_session.post(
        url,
        data={
            "csrf_token": _csrf(page.text),
            "etag": etag.group(1).replace("&#34;", '"'),
            "term_months": "48",
            "review_interval_months": "24",
            "change_text.title.ja": "生涯の試験計画（改）",
            "change_text.title.en": "Life test plan, revised",
            "change_text.sections.0.number": "1.1",
            "change_text.sections.0.body.en": "Japan and NATO are natural partners.",
            "change_text.objectives.0.en": "Strengthening high-level dialogue.",
        },
    )
    assert saved.status_code == 303, saved.text
    body = _plan(stack, plan_id).json()
    assert body["title"]["en"] == "Life test plan, revised"
    assert body["term_months"] == 48 and body["review_interval_months"] == 24
    assert body["sections"][0]["number"] == "1.1"
    assert body["objectives"] == [{"en": "Strengthening high-level dialogue."}]

    # Areas: an incomplete one is refused beside its fields; two added, one edited, reordered.
    page = web_session.get(url)
    refused = web_session.post(
        f"/plans/{plan_id}/areas",
        data={"csrf_token": _csrf(page.text), "code": "3.1.1", "short_code": ""},
    )
    assert refused.status_code == 422
    assert JA("Give the code (such as 3.1.10) and the short code (such as NEW).") in refused.text
    assert 'id="new-area-short_code-error"' in refused.text
    for code, short, title in (("3.1.1", "CYB", "Cyber"), ("3.1.2", "MAR", "Maritime")):
        added = web_session.post(
            f"/plans/{plan_id}/areas",
            data={
                "csrf_token": _csrf(page.text),
                "code": code,
                "short_code": short,
                "title.en": title,
            },
        )
        assert added.status_code == 303, added.text
    # The same code twice: the API's refusal beside the code.
    duplicate = web_session.post(
        f"/plans/{plan_id}/areas",
        data={
            "csrf_token": _csrf(page.text),
            "code": "3.1.1",
            "short_code": "DUP",
            "title.en": "X",
        },
    )
    assert duplicate.status_code == 409
    assert 'id="new-area-code-error"' in duplicate.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        areas = api.get(f"/plans/{plan_id}/priority-areas").json()["items"]
    cyber = areas[0]
    edited = web_session.post(
        f"/plans/{plan_id}/areas/{cyber['id']}",
        data={
            "csrf_token": _csrf(page.text),
            "etag": cyber["etag"],
            "code": "3.1.1",
            "short_code": "CYB",
            "title.ja": "サイバー防衛",
            "title.en": "Cyber defence",
        },
    )
    assert edited.status_code == 303, edited.text
    moved = web_session.post(
        f"/plans/{plan_id}/areas/{cyber['id']}/move",
        data={"csrf_token": _csrf(page.text), "direction": "down"},
    )
    assert moved.status_code == 303
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        areas = api.get(f"/plans/{plan_id}/priority-areas").json()["items"]
    assert [a["short_code"] for a in areas] == ["MAR", "CYB"]
    assert areas[1]["title"] == {"ja": "サイバー防衛", "en": "Cyber defence"}
    page = web_session.get(url)
    assert JA("The priority areas were put in their new order.") in page.text
    # A third area, retired after the confirmation (asked on a page of its own first).
    added = web_session.post(
        f"/plans/{plan_id}/areas",
        data={
            "csrf_token": _csrf(page.text),
            "code": "3.1.3",
            "short_code": "TMP",
            "title.en": "X",
        },
    )
    assert added.status_code == 303
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        temporary = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][-1]
    retire = {"csrf_token": _csrf(page.text), "etag": temporary["etag"]}
    asked = web_session.post(f"/plans/{plan_id}/areas/{temporary['id']}/retire", data=retire)
    assert asked.status_code == 200 and JA("Retire this priority area?") in asked.text
    retired = web_session.post(
        f"/plans/{plan_id}/areas/{temporary['id']}/retire", data={**retire, "confirm": "yes"}
    )
    assert retired.status_code == 303, retired.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/priority-areas/{temporary['id']}").json()["retired_at"]
    page = web_session.get(url)
    assert JA("The priority area was retired.") in page.text

    # Propose coming into force from the draft's page; the plan page follows each party.
    assert f'href="/plans/{plan_id}/amendments/new" id="propose-entry-into-force"' in page.text
    form_url = f"/plans/{plan_id}/amendments/new"
    form = web_session.get(form_url, headers=EN)
    assert form.status_code == 200
    fields = {
        "csrf_token": _csrf(form.text),
        "title.en": "Coming into force",
        "rationale.en": "Negotiated.",
        "changes_json": json.dumps([{"op": "bring_into_force", "approval_date": "2026-12-01"}]),
    }
    preview = web_session.post(form_url, data={**fields, "action": "preview"}, headers=EN)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', preview.text)
    assert key
    sent = web_session.post(
        form_url, data={**fields, "action": "propose", "idempotency_key": key.group(1)}
    )
    assert sent.status_code == 303, sent.text
    dashboard = web_session.get(f"/plans/{plan_id}", headers=EN)
    assert 'id="entry-into-force-link"' in dashboard.text
    assert "decision-pending" in dashboard.text or "decisions-inline" in dashboard.text
    # Awaiting approval: no longer offered for deletion.
    assert 'id="delete-plan"' not in web_session.get(url).text


def test_export_download_and_import_and_deleting_a_draft(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "editor")
    plan_id = _new_draft(stack, web_session)
    download = web_session.get(f"/plans/{plan_id}/export.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    exported = download.json()
    # The same plan again: the API refuses it (it exists), and the page says so.
    page = web_session.get("/plans/import")
    again = web_session.post(
        "/plans/import-json",
        data={"csrf_token": _csrf(page.text)},
        files={"export": ("plan.json", json.dumps(exported).encode())},
    )
    assert again.status_code == 409
    assert 'id="export-error"' in again.text
    broken = web_session.post(
        "/plans/import-json",
        data={"csrf_token": _csrf(page.text)},
        files={"export": ("plan.json", b"{not json")},
    )
    assert broken.status_code == 422
    assert (
        html.escape(JA("This file is not a plan export (JSON) as the plan's download gives it."))
        in broken.text
    )

    draft = web_session.get(f"/plans/{plan_id}/draft")
    assert 'id="delete-plan"' in draft.text and "data-confirm=" in draft.text
    etag = re.search(r'id="delete-plan-form".*?name="etag" value="([^"]+)"', draft.text, re.S)
    assert etag
    fields = {"csrf_token": _csrf(draft.text), "etag": etag.group(1).replace("&#34;", '"')}
    # Without JavaScript: asked first on a page of its own; nothing deleted yet.
    asked = web_session.post(f"/plans/{plan_id}/delete", data=fields)
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.text
    assert JA("Delete this draft plan?") in asked.text
    assert _plan(stack, plan_id).status_code == 200
    deleted = web_session.post(f"/plans/{plan_id}/delete", data={**fields, "confirm": "yes"})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/plans"
    assert _plan(stack, plan_id).status_code == 404
    listed = web_session.get("/plans")
    assert JA("The draft plan was deleted.") in listed.text
    assert plan_id not in listed.text
    assert web_session.get(f"/plans/{plan_id}").status_code == 404
