"""Milestones added, changed and removed in the commitment form, create and edit (issue 18 §7):
real HTTP without JavaScript, read back from the API."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.web.conftest import Stack, WebSession, active_plan_of_our_own


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def _inputs(page: str) -> dict[str, str]:
    """The form's text inputs by name (hidden ones too)."""
    found = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag and 'type="radio"' not in tag:
            found[html.unescape(name.group(1))] = html.unescape(value.group(1) if value else "")
    return found


@pytest.fixture(scope="module")
def editor(stack: Stack) -> Any:
    session = WebSession(stack)
    session.sign_in("JP", "editor")
    yield session
    session.client.close()


@pytest.fixture(scope="module")
def plan(stack: Stack) -> dict[str, Any]:
    """A plan in force of our own (the sample plan's counts stay as other tests expect)."""
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
    return {"id": plan_id, "area": area["id"], "japan": japan}


def _selects(commitment: dict[str, Any]) -> dict[str, str]:
    """The form's select fields as a browser sends them (the record's values)."""
    names = ("priority_area_id", "modality", "lead_party_id", "status", "visibility")
    return {name: str(commitment[name]) for name in names}


def _commitment(stack: Stack, commitment_id: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        return dict(api.get(f"/commitments/{commitment_id}").json())


def test_milestones_are_added_with_a_new_commitment(
    stack: Stack, editor: WebSession, plan: dict[str, Any]
) -> None:
    new = f"/plans/{plan['id']}/commitments/new"
    page = editor.get(new).text
    assert 'name="ms.new0.title.ja"' in page and 'name="ms.new2.due_date"' in page
    form = {
        "csrf_token": _csrf(page),
        "title.en": "Japan's own milestone test",
        "priority_area_id": plan["area"],
        "modality": "other",
        "lead_party_id": plan["japan"],
        "visibility": "internal",
        "ms.new0.title.en": "Kick-off",
        "ms.new0.due_date": "2026-09-30",
        "ms.new1.title.ja": "報告書",
        "ms.new2.due_date": "2026-13-01",
    }
    refused = editor.post(new, data=form)
    assert refused.status_code == 422
    # The bad row is named beside its fields; nothing typed is lost.
    assert 'id="ms-new2-title-error"' in refused.text
    assert 'id="ms-new2-due-error"' in refused.text
    assert _inputs(refused.text)["ms.new0.title.en"] == "Kick-off"
    form["ms.new2.due_date"] = ""
    created = editor.post(new, data=form)
    assert created.status_code == 303, created.text
    commitment = _commitment(stack, created.headers["location"].rsplit("/", 1)[1])
    assert [(m["title"], m["due_date"]) for m in commitment["milestones"]] == [
        ({"en": "Kick-off"}, "2026-09-30"),
        ({"ja": "報告書"}, None),
    ]


def test_milestones_are_changed_removed_and_added_in_the_edit_form(
    stack: Stack, editor: WebSession, plan: dict[str, Any]
) -> None:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        created = api.post(
            f"/plans/{plan['id']}/commitments",
            json={
                "priority_area_id": plan["area"],
                "title": {"en": "Milestones to edit"},
                "modality": "other",
                "lead_party_id": plan["japan"],
                "visibility": "internal",
                "milestones": [
                    {"title": {"en": "First"}, "due_date": "2026-07-01"},
                    {"title": {"en": "Second"}},
                ],
            },
        )
        assert created.status_code == 201, created.text
    commitment = created.json()
    first, second = commitment["milestones"]
    edit = f"/commitments/{commitment['id']}/edit"
    page = editor.get(edit).text
    values = _inputs(page)
    assert values[f"ms.{first['id']}.title.en"] == "First"
    assert values[f"ms.{first['id']}.due_date"] == "2026-07-01"
    assert f'name="ms.{second["id"]}.remove"' in page
    form = {name: value for name, value in values.items() if name != "csrf_token"}
    form.update(
        {
            "csrf_token": _csrf(page),
            **_selects(commitment),
            f"ms.{first['id']}.title.en": "First, renamed",
            f"ms.{first['id']}.due_date": "2026-08-15",
            f"ms.{second['id']}.remove": "yes",
            "ms.new0.title.en": "Third",
            "ms.new0.due_date": "2026-12-01",
        }
    )
    # A ticked removal is asked first: a page with the question, and nothing saved yet.
    asked = editor.post(edit, data=form)
    assert asked.status_code == 200, asked.text
    assert "チェックしたマイルストーンを削除しますか？" in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    before = _commitment(stack, commitment["id"])
    assert [m["title"] for m in before["milestones"]] == [{"en": "First"}, {"en": "Second"}]
    saved = editor.post(edit, data={**form, "confirm": "yes"})
    assert saved.status_code == 303, saved.text
    after = _commitment(stack, commitment["id"])
    assert [(m["title"], m["due_date"]) for m in after["milestones"]] == [
        ({"en": "First, renamed"}, "2026-08-15"),
        ({"en": "Third"}, "2026-12-01"),
    ]
    assert "変更を保存しました。" in editor.get(saved.headers["location"]).text


def test_a_stale_milestone_keeps_the_typed_values_and_says_so(
    stack: Stack, editor: WebSession, plan: dict[str, Any]
) -> None:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        created = api.post(
            f"/plans/{plan['id']}/commitments",
            json={
                "priority_area_id": plan["area"],
                "title": {"en": "A milestone changed meanwhile"},
                "modality": "other",
                "lead_party_id": plan["japan"],
                "visibility": "internal",
                "milestones": [{"title": {"en": "Only"}}],
            },
        ).json()
    (only,) = created["milestones"]
    edit = f"/commitments/{created['id']}/edit"
    page = editor.get(edit).text
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        changed = api.patch(
            f"/milestones/{only['id']}",
            json={"due_date": "2026-10-10"},
            headers={"If-Match": only["etag"]},
        )
        assert changed.status_code == 200, changed.text
    form = {name: value for name, value in _inputs(page).items()}
    form.update({**_selects(created), f"ms.{only['id']}.title.en": "Mine"})
    refused = editor.post(edit, data=form)
    assert refused.status_code == 409
    assert "マイルストーンの一部が保存されませんでした" in refused.text
    assert _inputs(refused.text)[f"ms.{only['id']}.title.en"] == "Mine"
    assert _commitment(stack, created["id"])["milestones"][0]["title"] == {"en": "Only"}


def test_milestones_are_saved_beside_a_change_offered_as_an_amendment(
    stack: Stack, editor: WebSession, plan: dict[str, Any]
) -> None:
    """On a plan in force a shared commitment's due date needs the other party's consent: the
    form offers it as a proposal, and the milestones (delivery) are saved at once and said so."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        items = api.get(f"/plans/{plan['id']}/commitments").json()["items"]
        shared = next(c for c in items if c["visibility"] == "shared")
        commitment = api.get(f"/commitments/{shared['id']}").json()
    edit = f"/commitments/{commitment['id']}/edit"
    page = editor.get(edit).text
    form = {name: value for name, value in _inputs(page).items()}
    form.update(
        {
            **_selects(commitment),
            "due_date": "2028-03-31",
            "ms.new0.title.en": "Added beside a proposal",
        }
    )
    offered = editor.post(edit, data=form)
    assert offered.status_code == 409
    assert 'id="proposal"' in offered.text
    saved = re.search(r'id="proposal-saved">([^<]*)<', offered.text)
    assert saved and "マイルストーン" in saved.group(1)
    after = _commitment(stack, commitment["id"])
    assert after["due_date"] == commitment["due_date"]
    assert [m["title"] for m in after["milestones"]] == [{"en": "Added beside a proposal"}]


def test_a_viewer_is_offered_no_form_to_fill(stack: Stack, plan: dict[str, Any]) -> None:
    """A viewer opening a create or edit form's address gets the 403 page, not a form that
    the API would refuse on submit."""
    viewer = WebSession(stack)
    viewer.sign_in("JP", "viewer")
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        item = api.get(f"/plans/{plan['id']}/commitments", params={"limit": 1}).json()["items"][0]
        exchange = api.get(f"/plans/{plan['id']}/exchanges", params={"limit": 1}).json()
    addresses = [
        f"/plans/{plan['id']}/commitments/new",
        f"/commitments/{item['id']}/edit",
        f"/plans/{plan['id']}/exchanges/new",
        *(f"/exchanges/{e['id']}/edit" for e in exchange["items"]),
    ]
    for address in addresses:
        page = viewer.get(address)
        assert page.status_code == 403, address
        assert 'id="commitment-form"' not in page.text and 'name="ms.' not in page.text
        assert 'id="exchange-form"' not in page.text
    viewer.client.close()
