"""The pages show exactly the controls the API allows (issue 14 §3), and no others.

For each signed-in official and each page of a plan in force and of a closed plan, the set of
controls in the HTML (each button, form and link that acts on a record) is compared with the
set the records' `allowed_actions` call for, as the API gives them to the same official. The
web decides nothing by role: a viewer gets no control, a writer no control the plan's status
or the record's state forbids (a closed plan shows none, a shared commitment of a plan in force
offers its change as a proposal), an approver only their own party's decisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import Stack, WebSession, active_plan_of_our_own

OFFICIALS = (("JP", "viewer"), ("JP", "editor"), ("NATO", "editor"), ("JP", "approver"))


@pytest.fixture(scope="module")
def sessions(stack: Stack) -> Iterator[dict[tuple[str, str], WebSession]]:
    signed_in = {}
    for party, role in OFFICIALS:
        session = WebSession(stack)
        session.sign_in(party, role)
        signed_in[(party, role)] = session
    yield signed_in
    for session in signed_in.values():
        session.client.close()


@pytest.fixture(scope="module")
def plans(stack: Stack) -> dict[str, str]:
    """The sample plan in force, and a plan of our own ended by both parties' consent (with
    shared and internal commitments, an exchange and the termination's amendment)."""
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        sample = next(
            p["id"]
            for p in api.get("/plans", params={"limit": 100}).json()["items"]
            if p["reference"] == "JP-NATO-ITPP"
        )
    closed = active_plan_of_our_own(stack)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area = api.get(f"/plans/{closed}/priority-areas").json()["items"][0]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
        nato = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "NATO")
        internal = api.post(
            f"/plans/{closed}/commitments",
            json={
                "priority_area_id": area["id"],
                "title": {"en": "Japan's own follow-up"},
                "modality": "other",
                "lead_party_id": japan,
                "visibility": "internal",
                "milestones": [{"title": {"en": "Draft"}, "due_date": "2026-06-30"}],
            },
        )
        assert internal.status_code == 201, internal.text
        exchange = api.post(
            f"/plans/{closed}/exchanges",
            json={
                "kind": "seminar",
                "title": {"en": "Closing seminar"},
                "from_party_id": japan,
                "to_party_id": nato,
                "start_date": "2026-01-15",
            },
        )
        assert exchange.status_code == 201, exchange.text
        proposed = api.post(
            f"/plans/{closed}/amendments",
            json={
                "title": {"en": "Termination"},
                "rationale": {"en": "Superseded by events."},
                "changes": [{"op": "terminate"}],
            },
        )
        assert proposed.status_code == 201, proposed.text
    for party in ("JP", "NATO"):
        with stack.api_client(stack.api_token(party, "approver")) as api:
            decided = api.post(
                f"/amendments/{proposed.json()['id']}/approvals", json={"decision": "approve"}
            )
            assert decided.status_code == 200, decided.text
    return {"active": sample, "terminated": closed}


def has(html: str, marker: str) -> bool:
    return marker in html


# --- what each page shows -------------------------------------------------------------------


def commitment_controls(html: str, commitment: dict[str, Any]) -> set[str]:
    shown = set()
    if has(html, 'id="edit-commitment"'):
        shown.add("edit")
    if has(html, f'id="progress-{commitment["id"]}"'):
        shown.add("progress")
    for milestone in commitment["milestones"]:
        if has(html, f'action="/milestones/{milestone["id"]}"'):
            shown.add(f"milestone {milestone['id']}")
    if has(html, "/exchanges/new?commitment_id="):
        shown.add("record exchange")
    return shown


def commitment_expected(commitment: dict[str, Any], plan: dict[str, Any]) -> set[str]:
    allowed = set(commitment["allowed_actions"])
    expected = set()
    if allowed & {"update", "propose_change"}:
        expected.add("edit")
    if "update" in allowed:
        expected.add("progress")
    for milestone in commitment["milestones"]:
        if "update" in milestone["allowed_actions"]:
            expected.add(f"milestone {milestone['id']}")
    if "create_exchange" in plan["allowed_actions"]:
        expected.add("record exchange")
    return expected


def list_controls(html: str, items: list[dict[str, Any]]) -> set[str]:
    shown = {f"progress {c['id']}" for c in items if has(html, f'id="progress-{c["id"]}"')}
    if has(html, 'id="new-commitment"'):
        shown.add("new commitment")
    return shown


def list_expected(items: list[dict[str, Any]], plan: dict[str, Any]) -> set[str]:
    expected = {f"progress {c['id']}" for c in items if "update" in c["allowed_actions"]}
    if "create_commitment" in plan["allowed_actions"]:
        expected.add("new commitment")
    return expected


def exchange_controls(html: str, exchange: dict[str, Any]) -> set[str]:
    shown = set()
    if has(html, 'id="edit-exchange"'):
        shown.add("update")
    if has(html, f'action="/exchanges/{exchange["id"]}/cancel"'):
        shown.add("cancel")
    return shown


def amendment_list_controls(html: str) -> set[str]:
    markers = {
        'id="propose-entry"': "bring_into_force",
        'id="propose-amendment"': "propose",
        'id="propose-termination"': "terminate",
    }
    return {name for marker, name in markers.items() if has(html, marker)}


def amendment_list_expected(plan: dict[str, Any]) -> set[str]:
    allowed = set(plan["allowed_actions"])
    expected = allowed & {"bring_into_force", "terminate"}
    if "bring_into_force" not in allowed and allowed & {"propose_amendment", "renew"}:
        expected.add("propose")
    return expected


def amendment_controls(html: str) -> set[str]:
    markers = {
        'id="approve-button"': "approve",
        'id="reject-button"': "reject",
        'id="withdraw-form"': "withdraw",
    }
    return {name for marker, name in markers.items() if has(html, marker)}


def review_controls(html: str, review: dict[str, Any]) -> set[str]:
    markers = {
        'id="open-form"': "open",
        'id="summary-form"': "update",
        'id="sign-off-form"': "sign_off",
        'id="conclude-form"': "conclude",
    }
    shown = {name for marker, name in markers.items() if has(html, marker)}
    for item in review.get("items", []):
        base = f'action="/reviews/{review["id"]}/items/{item["id"]}'
        if has(html, f'{base}/assessment"'):
            shown.add(f"assess {item['id']}")
        if has(html, f'{base}/agreed"'):
            shown.add(f"agree_rating {item['id']}")
    return shown


def review_expected(review: dict[str, Any]) -> set[str]:
    expected = set(review["allowed_actions"])
    for item in review.get("items", []):
        expected |= {f"{action} {item['id']}" for action in item["allowed_actions"]}
    return expected


# --- the test -------------------------------------------------------------------------------


def _check(differences: list[str], where: str, shown: set[str], expected: set[str]) -> None:
    if shown != expected:
        differences.append(
            f"{where}: shows {sorted(shown - expected)} it should not, "
            f"lacks {sorted(expected - shown)}"
        )


@pytest.mark.parametrize("official", OFFICIALS, ids=lambda o: f"{o[0]} {o[1]}")
def test_each_page_shows_the_controls_the_api_allows_and_no_others(
    stack: Stack,
    sessions: dict[tuple[str, str], WebSession],
    plans: dict[str, str],
    official: tuple[str, str],
) -> None:
    web = sessions[official]
    differences: list[str] = []
    with stack.api_client(stack.api_token(*official)) as api:
        for status, plan_id in sorted(plans.items()):
            plan = api.get(f"/plans/{plan_id}").json()
            where = f"{official} {status}"
            page = api.get(f"/plans/{plan_id}/commitments", params={"limit": 25}).json()
            html = web.get(f"/plans/{plan_id}/commitments").text
            _check(
                differences,
                f"{where} commitments",
                list_controls(html, page["items"]),
                list_expected(page["items"], plan),
            )
            # One of each kind the official may see: shared, internal, with milestones.
            picked: dict[tuple[str, bool], dict[str, Any]] = {}
            for item in page["items"]:
                picked.setdefault((item["visibility"], bool(item["milestones"])), item)
            for item in picked.values():
                commitment = api.get(f"/commitments/{item['id']}").json()
                html = web.get(f"/commitments/{item['id']}").text
                _check(
                    differences,
                    f"{where} commitment {commitment['reference']}",
                    commitment_controls(html, commitment),
                    commitment_expected(commitment, plan),
                )
            exchanges = api.get(f"/plans/{plan_id}/exchanges", params={"limit": 3}).json()
            html = web.get(f"/plans/{plan_id}/exchanges").text
            _check(
                differences,
                f"{where} exchanges",
                {"new"} if has(html, 'id="new-exchange"') else set(),
                {"new"} if "create_exchange" in plan["allowed_actions"] else set(),
            )
            for exchange in exchanges["items"]:
                html = web.get(f"/exchanges/{exchange['id']}").text
                _check(
                    differences,
                    f"{where} exchange {exchange['reference']}",
                    exchange_controls(html, exchange),
                    set(exchange["allowed_actions"]) & {"update", "cancel"},
                )
            html = web.get(f"/plans/{plan_id}/amendments").text
            _check(
                differences,
                f"{where} amendments",
                amendment_list_controls(html),
                amendment_list_expected(plan),
            )
            amendments = api.get(f"/plans/{plan_id}/amendments", params={"limit": 5}).json()
            for amendment in amendments["items"]:
                html = web.get(f"/amendments/{amendment['id']}").text
                _check(
                    differences,
                    f"{where} amendment {amendment['number']}",
                    amendment_controls(html),
                    set(amendment["allowed_actions"]),
                )
            for summary in api.get(f"/plans/{plan_id}/reviews").json()["items"]:
                review = api.get(f"/reviews/{summary['id']}").json()
                html = web.get(f"/reviews/{summary['id']}").text
                _check(
                    differences,
                    f"{where} review {review['number']}",
                    review_controls(html, review),
                    review_expected(review),
                )
    assert not differences, "\n".join(differences)


def test_a_writer_gets_no_control_on_a_closed_plan(
    stack: Stack, sessions: dict[tuple[str, str], WebSession], plans: dict[str, str]
) -> None:
    """The web used to offer every writer its forms whatever the plan: a terminated plan's
    commitment showed an edit link and a progress form that the API then refused (409)."""
    web = sessions[("JP", "editor")]
    closed = plans["terminated"]
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        commitments = api.get(f"/plans/{closed}/commitments", params={"limit": 5}).json()
    assert commitments["items"]
    for commitment in commitments["items"]:
        assert commitment["allowed_actions"] == []
        html = web.get(f"/commitments/{commitment['id']}").text
        assert 'id="edit-commitment"' not in html and "progress-form" not in html
        assert "milestone-form" not in html
    listing = web.get(f"/plans/{closed}/commitments").text
    assert "progress-form" not in listing and 'id="new-commitment"' not in listing


def test_a_shared_commitment_of_a_plan_in_force_offers_its_change_as_a_proposal(
    stack: Stack, sessions: dict[tuple[str, str], WebSession], plans: dict[str, str]
) -> None:
    """Its edit form (a change of definition becomes a proposal) and its progress form are
    shown; a viewer's page has neither."""
    plan_id = plans["active"]
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        items = api.get(f"/plans/{plan_id}/commitments", params={"limit": 50}).json()["items"]
    shared = next(c for c in items if c["visibility"] == "shared" and c["status"] != "cancelled")
    assert shared["allowed_actions"] == ["update", "propose_change", "retire", "create_milestone"]
    html = sessions[("NATO", "editor")].get(f"/commitments/{shared['id']}").text
    assert 'id="edit-commitment"' in html and f'id="progress-{shared["id"]}"' in html
    viewer = sessions[("JP", "viewer")].get(f"/commitments/{shared['id']}").text
    assert 'id="edit-commitment"' not in viewer and "progress-form" not in viewer
