"""Commitment pickers over HTTP: a plan's commitments can run to thousands, so a picker lists
the chosen ones and the first matches, searches as the user types (htmx active search against
a web route that asks the API's commitment list with `q`) and, without JavaScript, finds the
rest with its Search button: on the exchange form, the exchange list's filter and the
amendment form."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest

from tests.web.conftest import CSRF_INPUT, Stack, WebSession, bring_into_force

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
COMMITMENTS = 60  # more than a picker lists at once (50)
NEEDLE = "Submarine rescue"


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match
    return match.group(1)


def _options(page: str, select_id: str) -> list[tuple[str, bool]]:
    """The options of a select on the page: (value, selected)."""
    match = re.search(rf'<select id="{re.escape(select_id)}"[^>]*>(.*?)</select>', page, re.S)
    assert match, select_id
    return [
        (value, bool(selected))
        for value, selected in re.findall(r'<option value="([^"]*)"( selected)?', match.group(1))
    ]


def crowded_plan(stack: Stack) -> dict[str, Any]:
    """A plan in force with more commitments than a picker lists, one of them (the last by
    reference) titled NEEDLE."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        plan = api.post(
            "/plans",
            json={
                "reference": f"PICK-{uuid.uuid4().hex[:6].upper()}",
                "title": {"ja": "多数の約束", "en": "A crowded plan"},
                "party_ids": [parties["JP"], parties["NATO"]],
            },
        )
        assert plan.status_code == 201, plan.text
        plan_id = str(plan.json()["id"])
        area = api.post(
            f"/plans/{plan_id}/priority-areas",
            json={"code": "3.1.2", "short_code": "MAR", "title": {"en": "Maritime security"}},
        )
        assert area.status_code == 201, area.text
        ids = []
        for number in range(1, COMMITMENTS + 1):
            title = NEEDLE if number == COMMITMENTS else f"Port call {number:02d}"
            created = api.post(
                f"/plans/{plan_id}/commitments",
                json={
                    "priority_area_id": area.json()["id"],
                    "title": {"en": title},
                    "modality": "exercise_participation",
                    "lead_party_id": parties["JP"],
                },
            )
            assert created.status_code == 201, created.text
            ids.append(str(created.json()["id"]))
    bring_into_force(stack, plan_id)
    return {"id": plan_id, "first": ids[0], "needle": ids[-1], "JP": parties["JP"], **parties}


@pytest.fixture(scope="module")
def plan(stack: Stack) -> dict[str, Any]:
    return crowded_plan(stack)


def test_the_exchange_form_lists_the_first_matches_and_finds_the_rest_as_the_user_types(
    stack: Stack, web_session: WebSession, plan: dict[str, Any]
) -> None:
    web_session.sign_in("NATO", "editor")
    url = f"/plans/{plan['id']}/exchanges/new"
    page = web_session.get(f"{url}?commitment_id={plan['first']}", headers=EN).text
    options = _options(page, "commitment_ids")
    assert len(options) == 50
    assert options[0] == (plan["first"], True)
    assert plan["needle"] not in dict(options)
    assert "The first 50 matches are listed" in page
    # The search field asks the web's options route as the user types.
    assert 'hx-get="/plans/{}/commitment-options"'.format(plan["id"]) in page
    assert 'hx-trigger="input changed delay:300ms, search"' in page

    answer = web_session.get(
        f"/plans/{plan['id']}/commitment-options",
        params={
            "field": "commitment_ids",
            "search": "commitment_q",
            "select_id": "commitment_ids",
            "commitment_q": "submarine",
            "commitment_ids": plan["first"],
        },
        headers={**HTMX, **EN},
    )
    assert answer.status_code == 200
    # The chosen commitment stays chosen; the match joins it; the live region says how many.
    assert [
        value for value, _ in re.findall(r'<option value="([^"]*)"( selected)?', answer.text)
    ] == [
        plan["first"],
        plan["needle"],
    ]
    assert f'<option value="{plan["first"]}" selected>' in answer.text
    assert 'id="commitment_ids-status" aria-live="polite" hx-swap-oob="true"' in answer.text
    assert "1 commitment matches." in answer.text
    nothing = web_session.get(
        f"/plans/{plan['id']}/commitment-options",
        params={"field": "commitment_ids", "search": "commitment_q", "commitment_q": "zzz"},
        headers={**HTMX, **EN},
    )
    assert "No commitment matches." in nothing.text and "<option" not in nothing.text


def test_without_javascript_the_search_button_draws_the_form_again_with_the_matches(
    stack: Stack, web_session: WebSession, plan: dict[str, Any]
) -> None:
    web_session.sign_in("NATO", "editor")
    url = f"/plans/{plan['id']}/exchanges/new"
    page = web_session.get(url, headers=EN).text
    assert '<noscript><button type="submit" name="search_commitments"' in page
    form: dict[str, Any] = {
        "csrf_token": _csrf(page),
        "idempotency_key": str(uuid.uuid4()),
        "title.en": "Submarine rescue exercise",
        "kind": "exercise",
        "status": "planned",
        "from_party_id": plan["JP"],
        "to_party_id": plan["NATO"],
        "start_date": "2027-05-10",
        "visibility": "shared",
        "commitment_ids": [plan["first"]],
        "commitment_q": "Submarine",
    }
    searched = web_session.post(url, data={**form, "search_commitments": "1"}, headers=EN)
    assert searched.status_code == 200
    assert 'value="Submarine rescue exercise"' in searched.text  # nothing typed is lost
    assert _options(searched.text, "commitment_ids") == [
        (plan["first"], True),
        (plan["needle"], False),
    ]
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/plans/{plan['id']}/exchanges").json()["items"] == []
    created = web_session.post(
        url, data={**form, "commitment_ids": [plan["first"], plan["needle"]]}, headers=EN
    )
    assert created.status_code == 303, created.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        exchange = api.get(created.headers["location"]).json()
    assert {c["id"] for c in exchange["commitments"]} == {plan["first"], plan["needle"]}

    # The exchange list's filter takes the same search in its GET form.
    listing = web_session.get(
        f"/plans/{plan['id']}/exchanges",
        params={"commitment_q": "submarine", "commitment_id": plan["needle"]},
        headers=EN,
    ).text
    assert _options(listing, "f-commitment") == [("", False), (plan["needle"], True)]
    assert "Submarine rescue exercise" in listing

    # Its edit form keeps the linked commitments chosen, whatever the first matches are.
    edit = web_session.get(f"{created.headers['location']}/edit", headers=EN).text
    chosen = [value for value, selected in _options(edit, "commitment_ids") if selected]
    assert chosen == [plan["first"], plan["needle"]]


def test_the_amendment_forms_pickers_search_too(
    web_session: WebSession, plan: dict[str, Any]
) -> None:
    web_session.sign_in("NATO", "editor")
    url = f"/plans/{plan['id']}/amendments/new"
    page = web_session.get(url, headers=EN).text
    assert len(_options(page, "modify_commitment-commitment_id")) == 51  # "Choose…" and 50
    searched = web_session.post(
        url,
        data={
            "csrf_token": _csrf(page),
            "changes_json": "[]",
            "title.en": "Rename",
            "modify_commitment.commitment_q": "submarine",
            "search": "modify_commitment",
        },
        headers=EN,
    )
    assert searched.status_code == 200
    assert '<details class="op" id="op-modify_commitment" open>' in searched.text
    assert _options(searched.text, "modify_commitment-commitment_id") == [
        ("", False),
        (plan["needle"], False),
    ]
    assert 'value="submarine"' in searched.text
    assert html.unescape('value="Rename"') in searched.text
