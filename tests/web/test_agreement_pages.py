"""What the parties agreed changes only by their consent, as the web shows it over HTTP (a
browser without JavaScript, or htmx): a direct edit of agreed content on a plan in force is
offered as the amendment that makes it — its delivery part saved at once — and proposed in one
step; a draft comes into force by a proposal every party approves; a plan in force can be
proposed for termination; the versions, the record of consent and the plan as of a date say
who agreed what, and when. A form without its record's ETag is never sent as `If-Match: *`."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_api.amendments.operations import describe_all
from itpp_web.changes import Lookup, describe_change
from itpp_web.forms import commitment_values
from itpp_web.i18n import Formatter
from tests.web.conftest import (
    CSRF_INPUT,
    Stack,
    WebSession,
    active_plan_of_our_own,
)

HTMX = {"HX-Request": "true"}
# Japan's sample users read Japanese, NATO's English (their profile languages).
JA = Formatter("ja").gettext
EN = Formatter("en").gettext


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match
    return match.group(1)


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


def _change_kinds(page: str) -> list[str]:
    return re.findall(r'<span class="change-kind">([^<]*)</span>', page)


@pytest.fixture(scope="module")
def plan_in_force(stack: Stack) -> str:
    """A plan of our own in force (its first commitment led by Japan, the second by NATO)."""
    return active_plan_of_our_own(stack)


@pytest.fixture
def jp_editor(web_session: WebSession) -> Iterator[WebSession]:
    web_session.sign_in("JP", "editor")
    yield web_session


def _commitments(stack: Stack, plan_id: str) -> list[dict[str, Any]]:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        items: list[dict[str, Any]] = api.get(
            f"/plans/{plan_id}/commitments", params={"sort": "reference"}
        ).json()["items"]
    return items


def _japan_led(stack: Stack, plan_id: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
    return next(
        c
        for c in _commitments(stack, plan_id)
        if c["lead_party_id"] == japan and c["status"] != "cancelled"
    )


def _edit_form(commitment: dict[str, Any], csrf: str, **changes: str) -> dict[str, str]:
    return {
        **commitment_values(commitment),
        "etag": commitment["etag"],
        "seen": commitment["updated_at"],
        "csrf_token": csrf,
        **changes,
    }


def _current(stack: Stack, commitment_id: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        record: dict[str, Any] = api.get(f"/commitments/{commitment_id}").json()
    return record


# --- a direct edit of agreed content, offered as a proposal ---------------------------------


def test_a_new_due_date_on_a_plan_in_force_is_offered_as_a_proposal_and_the_progress_saved(
    stack: Stack, jp_editor: WebSession, plan_in_force: str
) -> None:
    commitment = _japan_led(stack, plan_in_force)
    url = f"/commitments/{commitment['id']}/edit"
    form = jp_editor.get(url)
    assert 'id="agreed-note"' in form.text  # the form says so before anything is sent
    offered = jp_editor.post(
        url,
        data=_edit_form(commitment, _csrf(form.text), due_date="2028-03-31", progress="35"),
    )
    # Not an error page: the proposal, naming the other party, with the change to approve.
    assert offered.status_code == 409
    page = offered.text
    assert 'id="proposal"' in page and 'class="form-error"' not in page
    assert (
        html.escape(
            JA(
                "This plan is in force: this change needs the consent of %(parties)s. Propose it?",
                parties="NATO",
            )
        )
        in page
    )
    assert JA("Propose this change to %(parties)s", parties="NATO") in page
    assert _change_kinds(page) == [JA("Change a commitment")]
    assert "2028/03/31" in page and commitment["reference"] in page
    # The progress is delivery: saved at once, and said so; the due date waits for consent.
    saved = re.search(r'id="proposal-saved">([^<]*)<', page)
    assert saved and JA("Progress") in saved.group(1)
    now = _current(stack, commitment["id"])
    assert now["progress"] == 35 and now["due_date"] == commitment["due_date"]
    # The suggested title in both languages, editable; the change set carried in the form.
    assert _hidden(page, "origin") == "proposal"
    changes = json.loads(_hidden(page, "changes_json"))
    assert changes == [
        {
            "op": "modify_commitment",
            "commitment_id": commitment["id"],
            "changes": {"due_date": "2028-03-31"},
        }
    ]
    title_ja = re.search(r'id="proposal-title-ja"[^>]*value="([^"]*)"', page)
    title_en = re.search(r'id="proposal-title-en"[^>]*value="([^"]*)"', page)
    assert title_ja and title_en and commitment["reference"] in title_en.group(1)

    # Without a rationale it comes back as it was, saying what is missing, in Japanese.
    plan_url = f"/plans/{plan_in_force}/amendments/new"
    sent = {
        "csrf_token": _csrf(page),
        "changes_json": _hidden(page, "changes_json"),
        "idempotency_key": _hidden(page, "idempotency_key"),
        "origin": "proposal",
        "back": _hidden(page, "back"),
        "saved_fields": JA("Progress"),
        "title.ja": html.unescape(title_ja.group(1)),
        "title.en": "Moved due date",
        "action": "propose",
    }
    missing = jp_editor.post(plan_url, data=sent)
    assert missing.status_code == 422
    assert 'id="proposal"' in missing.text and 'id="texts-error"' in missing.text
    assert (
        html.escape(JA("Give the title and the rationale in at least one language."))
        in missing.text
    )
    assert 'value="Moved due date"' in missing.text  # nothing typed is lost
    assert 'id="proposal-saved"' in missing.text

    # Proposed in one step: the amendment's page, with exactly that change set.
    proposed = jp_editor.post(plan_url, data={**sent, "rationale.en": "The exercise moved."})
    assert proposed.status_code == 303
    amendment_url = proposed.headers["location"]
    assert re.fullmatch(r"/amendments/[0-9a-f-]{36}", amendment_url)
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        amendment = api.get(amendment_url).json()
    assert amendment["changes"] == changes and amendment["kind"] == "amendment"
    assert amendment["title"]["en"] == "Moved due date"
    assert amendment["rationale"] == {"en": "The exercise moved."}
    assert _current(stack, commitment["id"])["due_date"] == commitment["due_date"]
    shown = jp_editor.get(amendment_url).text
    assert f'id="amendment-kind">{JA("Amendment")}<' in shown
    withdrawn = jp_editor.post(
        f"{amendment_url}/withdraw", data={"csrf_token": _csrf(shown), "confirm": "yes"}
    )
    assert withdrawn.status_code == 303


def test_with_htmx_the_proposal_takes_the_place_of_the_page_content(
    stack: Stack, jp_editor: WebSession, plan_in_force: str
) -> None:
    commitment = _japan_led(stack, plan_in_force)
    url = f"/commitments/{commitment['id']}/edit"
    form = jp_editor.get(url)
    offered = jp_editor.post(
        url, data=_edit_form(commitment, _csrf(form.text), pcm_activity_ref="PCM-9"), headers=HTMX
    )
    assert offered.status_code == 409
    assert offered.headers["hx-retarget"] == "#main"
    assert offered.headers["hx-reswap"].startswith("innerHTML")
    fragment = offered.text.lstrip()
    assert "<html" not in fragment
    # The message area comes back with the content it sits in.
    assert fragment.startswith('<div id="flash"') and '<section id="proposal"' in fragment
    assert 'id="proposal-saved"' not in fragment  # nothing but agreed content was asked


def test_a_new_shared_commitment_on_a_plan_in_force_is_proposed_an_internal_one_created(
    stack: Stack, jp_editor: WebSession, plan_in_force: str
) -> None:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        area = api.get(f"/plans/{plan_in_force}/priority-areas").json()["items"][0]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
    url = f"/plans/{plan_in_force}/commitments/new"
    form = jp_editor.get(url)
    assert 'id="agreed-note"' in form.text
    title = f"Staff talks {uuid.uuid4().hex[:6]}"
    fields = {
        "csrf_token": _csrf(form.text),
        "title.en": title,
        "priority_area_id": area["id"],
        "modality": "joint_consultation",
        "lead_party_id": japan,
        "due_date": "2027-10-31",
        "visibility": "shared",
    }
    offered = jp_editor.post(url, data=fields)
    assert offered.status_code == 409 and 'id="proposal"' in offered.text
    assert _change_kinds(offered.text) == [JA("Add a commitment")]
    assert title in offered.text and "2027/10/31" in offered.text
    assert title not in [c["title"].get("en") for c in _commitments(stack, plan_in_force)]
    # Bad input still comes back as the form, with its error in the reader's language.
    bad = jp_editor.post(url, data={**fields, "due_date": "soon"})
    assert bad.status_code == 422 and 'id="commitment-form"' in bad.text
    assert JA("Enter a date as YYYY-MM-DD.") in bad.text
    # An internal commitment is Japan's own business: created at once.
    internal = jp_editor.post(url, data={**fields, "visibility": "internal"})
    assert internal.status_code == 303
    assert title in [c["title"].get("en") for c in _commitments(stack, plan_in_force)]


def test_cancelling_a_shared_commitment_in_its_row_is_offered_as_its_retirement(
    stack: Stack, jp_editor: WebSession, plan_in_force: str
) -> None:
    commitment = _japan_led(stack, plan_in_force)
    page = jp_editor.get(f"/plans/{plan_in_force}/commitments")
    offered = jp_editor.post(
        f"/commitments/{commitment['id']}/progress",
        data={
            "csrf_token": _csrf(page.text),
            "etag": commitment["etag"],
            "seen": commitment["updated_at"],
            "next": f"/plans/{plan_in_force}/commitments",
            "status": "cancelled",
            "progress": str(commitment["progress"]),
        },
        headers=HTMX,
    )
    assert offered.status_code == 409 and offered.headers["hx-retarget"] == "#main"
    assert _change_kinds(offered.text) == [JA("Retire a commitment")]
    assert json.loads(_hidden(offered.text, "changes_json")) == [
        {"op": "retire_commitment", "commitment_id": commitment["id"]}
    ]
    assert _hidden(offered.text, "back") == f"/plans/{plan_in_force}/commitments"
    assert _current(stack, commitment["id"])["status"] == commitment["status"]


def test_a_form_without_its_records_etag_is_refused_readably_and_changes_nothing(
    stack: Stack, jp_editor: WebSession, plan_in_force: str
) -> None:
    commitment = _japan_led(stack, plan_in_force)
    form = jp_editor.get(f"/commitments/{commitment['id']}/edit")
    fields = _edit_form(commitment, _csrf(form.text), progress="77")
    del fields["etag"]
    refused = jp_editor.post(f"/commitments/{commitment['id']}/edit", data=fields)
    assert refused.status_code == 428
    message = JA(
        "This form was sent without the version of the record it was drawn from, so "
        "saving it could overwrite someone else's change. Reload the page and try again."
    )
    assert message in html.unescape(refused.text) and 'id="commitment-form"' in refused.text
    inline = jp_editor.post(
        f"/commitments/{commitment['id']}/progress",
        data={"csrf_token": _csrf(form.text), "status": "in_progress", "progress": "78"},
        headers=HTMX,
    )
    assert inline.status_code == 428 and message in html.unescape(inline.text)
    assert _current(stack, commitment["id"])["progress"] == commitment["progress"]


# --- coming into force and termination -------------------------------------------------------


def _draft_plan(stack: Stack) -> dict[str, str]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        reference = f"DRAFT-{uuid.uuid4().hex[:6].upper()}"
        plan = api.post(
            "/plans",
            json={
                "reference": reference,
                "title": {"ja": "草案の計画", "en": "Draft plan"},
                "party_ids": [parties["JP"], parties["NATO"]],
            },
        )
        assert plan.status_code == 201, plan.text
        area = api.post(
            f"/plans/{plan.json()['id']}/priority-areas",
            json={"code": "3.1.1", "short_code": "CYB", "title": {"en": "Cyber defence"}},
        )
        assert area.status_code == 201, area.text
    return {"id": str(plan.json()["id"]), "reference": reference}


def test_a_draft_comes_into_force_by_a_proposal_every_party_approves(
    stack: Stack, jp_editor: WebSession
) -> None:
    plan = _draft_plan(stack)
    dashboard = jp_editor.get(f"/plans/{plan['id']}")
    assert 'id="entry-into-force"' in dashboard.text
    assert f'href="/plans/{plan["id"]}/amendments/new" role="button"' in dashboard.text
    viewer = WebSession(stack)
    viewer.sign_in("JP", "viewer")
    assert 'id="propose-entry-into-force"' not in viewer.get(f"/plans/{plan['id']}").text

    # The form offers exactly one change: the coming into force, with its approval date.
    url = f"/plans/{plan['id']}/amendments/new"
    form = jp_editor.get(url)
    offered = re.findall(r'<details class="op" id="op-([a-z_]+)"', form.text)
    assert offered == ["bring_into_force"]
    assert 'id="op-bring_into_force" open' in form.text
    assert f'value="{plan["reference"]} の発効"' in form.text  # the suggested title
    fields = {
        "csrf_token": _csrf(form.text),
        "changes_json": "[]",
        "title.ja": f"{plan['reference']} の発効",
        "rationale.ja": "両当事者の承認による。",
    }
    bad = jp_editor.post(
        url, data={**fields, "add": "bring_into_force", "bring_into_force.approval_date": "x"}
    )
    assert bad.status_code == 422 and JA("Enter a date as YYYY-MM-DD.") in bad.text
    today = dt.date.today()
    added = jp_editor.post(
        url,
        data={
            **fields,
            "add": "bring_into_force",
            "bring_into_force.approval_date": today.isoformat(),
        },
    )
    assert _change_kinds(added.text) == [JA("Bring the plan into force")]
    assert JA("Draft") in added.text and JA("In force") in added.text
    proposed = jp_editor.post(
        url,
        data={
            **fields,
            "changes_json": _hidden(added.text, "changes_json"),
            "action": "propose",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert proposed.status_code == 303
    amendment_url = proposed.headers["location"]

    # The dashboard links the pending proposal; the amendments say what it is.
    dashboard = jp_editor.get(f"/plans/{plan['id']}").text
    assert f'href="{amendment_url}" id="entry-into-force-link"' in dashboard
    assert 'id="propose-entry-into-force"' not in dashboard
    listing = jp_editor.get(f"/plans/{plan['id']}/amendments").text
    assert f'class="consent-kind kind-entry_into_force">{JA("Coming into force")}<' in listing
    page = jp_editor.get(amendment_url).text
    assert f'id="amendment-kind">{JA("Coming into force")}<' in page

    # Both approvers approve: the plan is in force, version 1 records it with its consent.
    amendment_id = amendment_url.rsplit("/", 1)[-1]
    for party in ("JP", "NATO"):
        with stack.api_client(stack.api_token(party, "approver")) as api:
            decided = api.post(
                f"/amendments/{amendment_id}/approvals", json={"decision": "approve"}
            )
            assert decided.status_code == 200, decided.text
    applied = jp_editor.get(amendment_url).text
    assert "badge-applied" in applied
    assert JA("Applied as version %(number)s of the plan", number=1) in applied
    assert f'href="/plans/{plan["id"]}/consents#consent-{amendment_id}"' in applied
    versions = jp_editor.get(f"/plans/{plan['id']}/versions").text
    row = re.search(r'<tr id="version-1">(.*?)</tr>', versions, re.S)
    assert row and today.isoformat().replace("-", "/") in row.group(1)
    assert f'href="/plans/{plan["id"]}/consents#consent-{amendment_id}"' in row.group(1)
    assert f"{JA('Coming into force')}: {JA('amendment %(number)s', number=1)}" in row.group(1)
    record = jp_editor.get(f"/plans/{plan['id']}/consents").text
    entry = re.search(
        rf'<article class="consent-entry" id="consent-{amendment_id}".*?</article>', record, re.S
    )
    assert entry and 'data-party="JP"' in entry.group(0) and 'data-party="NATO"' in entry.group(0)
    assert 'id="recorded-outside"' not in record
    dashboard = jp_editor.get(f"/plans/{plan['id']}").text
    assert 'id="entry-into-force"' not in dashboard and 'id="consent-record-link"' in dashboard
    viewer.client.close()


def test_a_plan_in_force_can_be_proposed_for_termination_with_or_without_a_date(
    stack: Stack, web_session: WebSession, plan_in_force: str
) -> None:
    web_session.sign_in("NATO", "editor")  # reads English
    listing = web_session.get(f"/plans/{plan_in_force}/amendments").text
    assert f'href="/plans/{plan_in_force}/amendments/new?op=terminate"' in listing
    url = f"/plans/{plan_in_force}/amendments/new"
    form = web_session.get(f"{url}?op=terminate").text
    assert 'id="op-terminate" open' in form and 'id="op-bring_into_force"' not in form
    fields = {
        "csrf_token": _csrf(form),
        "changes_json": "[]",
        "title.en": "Termination",
        "rationale.en": "Both parties agreed to end it.",
    }
    undated = web_session.post(url, data={**fields, "add": "terminate"})
    assert undated.status_code == 200
    assert _change_kinds(undated.text) == [EN("Terminate the plan")]
    assert EN("The day the last party approves") in undated.text
    assert json.loads(_hidden(undated.text, "changes_json")) == [{"op": "terminate"}]
    dated = web_session.post(
        url, data={**fields, "add": "terminate", "terminate.termination_date": "2026-13-01"}
    )
    assert dated.status_code == 422 and EN("Enter a date as YYYY-MM-DD.") in dated.text
    preview = web_session.post(
        url,
        data={**fields, "changes_json": _hidden(undated.text, "changes_json"), "action": "preview"},
    )
    assert preview.status_code == 200 and 'id="propose-button"' in preview.text
    assert EN("Terminated") in preview.text


# --- versions, the record of consent, as of a date -------------------------------------------


def test_a_version_recorded_by_the_operator_says_so_and_has_no_consent(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("NATO", "viewer")
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        predecessor = next(
            p
            for p in api.get("/plans", params={"limit": 100}).json()["items"]
            if p["reference"] == "JP-NATO-IPCP-2018"
        )
    versions = web_session.get(f"/plans/{predecessor['id']}/versions").text
    first = re.search(r'<tr id="version-1">(.*?)</tr>', versions, re.S)
    assert first and EN("Recorded by the operator as agreed outside ITPP Tracker") in first.group(1)
    assert "May 31, 2018" in first.group(1)  # agreed on its approval date
    record = web_session.get(f"/plans/{predecessor['id']}/consents").text
    assert 'id="recorded-outside"' in record
    assert EN("No consent has been applied to this plan yet.") in record
    assert 'aria-current="page">Record of consent' in record


def test_the_sample_plan_came_into_force_by_consent_and_its_amendment_page_shows_it(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "viewer")
    record = web_session.get(f"/plans/{active_plan_id}/consents").text
    first = re.search(
        r'<article class="consent-entry" id="consent-([0-9a-f-]+)".*?</article>', record, re.S
    )
    assert first and EN("Coming into force") in first.group(0)
    assert "JP" in first.group(0) and "NATO" in first.group(0)
    assert 'id="recorded-outside"' not in record
    # Its amendment made version 1 from nothing: the page shows its change set, not a diff.
    page = web_session.get(f"/amendments/{first.group(1)}")
    assert page.status_code == 200
    assert f'id="amendment-kind">{EN("Coming into force")}<' in page.text
    assert "badge-applied" in page.text and EN("Bring the plan into force") in page.text
    dashboard = web_session.get(f"/plans/{active_plan_id}").text
    assert f'href="/plans/{active_plan_id}/consents"' in dashboard


def test_as_of_a_day_before_the_records_begin_says_the_commitments_are_as_first_recorded(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    # The Australian example's records begin on the day of loading (the Japan–NATO sample tells
    # its commitments' history from before its approval).
    web_session.sign_in("NATO", "viewer")
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        plans = api.get("/plans", params={"status": "active"}).json()["items"]
        plan = next(p for p in plans if p["reference"].startswith("AU-"))
        day = plan["approval_date"]
        # The day the stack's sample was loaded, as the API says it (not today's date: a run
        # that loads before midnight and gets here after it would look for the wrong day).
        as_of = api.get(f"/plans/{plan['id']}/as-of", params={"date": day}).json()
    recorded_on = dt.date.fromisoformat(as_of["commitments_recorded_on"])
    assert recorded_on > dt.date.fromisoformat(day)
    active_plan_id = plan["id"]
    answer = web_session.get(
        f"/plans/{active_plan_id}/versions",
        params={"as_of": day},
        headers={**HTMX, "HX-Target": "as-of"},
    )
    assert answer.status_code == 200
    note = re.search(r'id="recorded-on">([^<]*)<', answer.text)
    assert note and Formatter("en").date(day) in html.unescape(note.group(1))
    assert Formatter("en").date(recorded_on) in html.unescape(note.group(1))
    before = web_session.get(
        f"/plans/{active_plan_id}/versions",
        params={"as_of": "2001-01-01"},
        headers={**HTMX, "HX-Target": "as-of"},
    )
    assert before.status_code == 422 and "was not in force yet on Jan 1, 2001" in before.text
    today = web_session.get(
        f"/plans/{active_plan_id}/versions",
        params={"as_of": dt.date.today().isoformat()},
        headers={**HTMX, "HX-Target": "as-of"},
    )
    assert today.status_code == 200 and 'id="recorded-on"' not in today.text


# --- the change-set view of the new operations ------------------------------------------------


def _lookup() -> Lookup:
    areas = {
        "a1": {"id": "a1", "code": "3.1.1", "title": {"en": "Cyber"}},
        "a2": {"id": "a2", "code": "3.1.2", "title": {"en": "Maritime"}},
    }
    return Lookup(
        plan={
            "status": "active",
            "approval_date": "2026-04-10",
            "expiry_date": "2028-04-10",
            "term_months": 24,
            "predecessor_id": None,
        },
        areas=areas,
        commitments={},
        party_codes={},
        organisations={},
        plans={"p0": {"id": "p0", "reference": "JP-NATO-IPCP-2018"}},
        # As GET /amendment-operations describes them (the web draws a change from this).
        operations={
            item["kind"]: item for item in json.loads(json.dumps(describe_all(), default=str))
        },
    )


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_new_operations_read_as_rows_of_field_before_and_after(language: str) -> None:
    fmt = Formatter(language)

    def rows(change: dict[str, Any]) -> list[tuple[str, str, str]]:
        view = describe_change(fmt, change, _lookup())
        assert view.heading and view.heading != change["op"]  # named, in the reader's language
        return [
            (row.name, row.old.text if row.old else "", row.new.text if row.new else "")
            for row in view.rows
        ]

    name = fmt.gettext
    assert rows({"op": "bring_into_force", "approval_date": "2026-05-01"}) == [
        (name("Status"), name("Draft"), name("In force")),
        (name("Date of approval"), "", fmt.date("2026-05-01")),
        (name("Expiry date"), "", fmt.date("2028-05-01")),
    ]
    assert rows({"op": "terminate", "termination_date": "2026-11-30"}) == [
        (name("Status"), name("In force"), name("Terminated")),
        (name("Termination date"), "", fmt.date("2026-11-30")),
    ]
    assert rows({"op": "terminate"})[1][2] == name("The day the last party approves")
    assert rows({"op": "change_approval_date", "approval_date": "2026-04-01"}) == [
        (name("Date of approval"), fmt.date("2026-04-10"), fmt.date("2026-04-01")),
        (name("Expiry date"), fmt.date("2028-04-10"), fmt.date("2028-04-01")),
    ]
    assert rows({"op": "change_predecessor", "predecessor_id": "p0"}) == [
        (name("Predecessor plan"), "—", "JP-NATO-IPCP-2018")
    ]
    assert rows({"op": "reorder_priority_areas", "priority_area_ids": ["a2", "a1"]}) == [
        (name("Order of the priority areas"), "3.1.1 → 3.1.2", "3.1.2 → 3.1.1")
    ]


def test_api_errors_name_the_closed_plan_readably() -> None:
    from itpp_web.api import ApiError
    from itpp_web.messages import problem_message

    closed = ApiError(409, {"type": "/problems/plan-closed", "detail": "Plan X is expired."})
    assert problem_message(Formatter("ja"), closed) == JA(
        "This plan is no longer in force: it takes no more changes."
    )
    refused = ApiError(
        409,
        {
            "type": "/problems/amendment-required",
            "agreed_fields": ["due_date"],
            "proposal": {"plan_id": "p", "title": {"en": "t"}, "changes": [{"op": "terminate"}]},
        },
    )
    assert refused.agreed_fields == ["due_date"]
    assert refused.proposal and refused.proposal["changes"] == [{"op": "terminate"}]
    assert ApiError(409, {"type": "/problems/amendment-required"}).proposal is None
