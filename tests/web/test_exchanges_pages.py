"""Exchanges, the placements timeline, versions and calendar feeds over HTTP (no JavaScript).

A real API process and a real web process on loopback; the assertions read what a browser
would receive and check the records through the API.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import httpx

from tests.web.conftest import CSRF_INPUT, Stack, WebSession, bring_into_force

HTMX = {"HX-Request": "true"}
ENGLISH = {"Accept-Language": "en"}


def _exchange_refs(page: str) -> list[str]:
    return re.findall(r'<a href="/exchanges/[0-9a-f-]{36}">(EX-\d+)</a>', page)


def _csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _parties(api: httpx.Client) -> dict[str, str]:
    return {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}


def _organisations(api: httpx.Client) -> dict[str, str]:
    return {o["code"]: o["id"] for o in api.get("/organisations").json()["items"]}


def exchange_plan(stack: Stack) -> dict[str, str]:
    """A fresh draft plan of Japan and NATO with one area and one commitment, via the API."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        parties = _parties(api)
        plan = api.post(
            "/plans",
            json={
                "reference": f"EXW-{uuid.uuid4().hex[:6].upper()}",
                "title": {"ja": "交流試験計画", "en": "Exchange test plan"},
                "party_ids": [parties["JP"], parties["NATO"]],
            },
        )
        assert plan.status_code == 201, plan.text
        plan_id = plan.json()["id"]
        area = api.post(
            f"/plans/{plan_id}/priority-areas",
            json={"code": "3.1.2", "short_code": "MAR", "title": {"en": "Maritime security"}},
        )
        assert area.status_code == 201, area.text
        commitment = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area.json()["id"],
                "title": {"ja": "海賊対処訓練", "en": "Counter-piracy training"},
                "modality": "exercise_participation",
                "lead_party_id": parties["JP"],
                "due_date": "2027-12-31",
            },
        )
        assert commitment.status_code == 201, commitment.text
    return {
        "plan_id": plan_id,
        "area_id": area.json()["id"],
        "commitment_id": commitment.json()["id"],
        "commitment_reference": commitment.json()["reference"],
        "JP": parties["JP"],
        "NATO": parties["NATO"],
    }


# --- the list -------------------------------------------------------------------------------


def test_exchange_list_fragment_and_page_show_the_same_rows(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    path = f"/plans/{active_plan_id}/exchanges?kind=placement&sort=-start_date"
    page = web_session.get(path)
    fragment = web_session.get(path, headers=HTMX)
    assert page.status_code == fragment.status_code == 200
    assert page.text.lstrip().startswith("<!doctype html>")
    assert fragment.text.lstrip().startswith('<section id="results"')
    assert "<html" not in fragment.text and 'class="filters"' not in fragment.text
    rows = _exchange_refs(page.text)
    assert len(rows) >= 4 and rows == _exchange_refs(fragment.text)
    assert "HX-Request" in page.headers["vary"] and "HX-Request" in fragment.headers["vary"]
    # The page links the other pages of this area.
    for link in ("/placements", "/versions", "/exchanges", "/calendar.ics"):
        assert f'href="/plans/{active_plan_id}{link}"' in page.text
    assert 'href="/me/calendar"' in page.text


def test_exchange_filters_and_sort_are_applied_by_the_api(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "editor")
    with stack.api_client(stack.api_token("JP", "editor")) as api:

        def expected(params: list[tuple[str, str]]) -> list[str]:
            response = api.get(f"/plans/{active_plan_id}/exchanges", params=params)
            assert response.status_code == 200, response.text
            return [item["reference"] for item in response.json()["items"]]

        placements = [("kind", "placement"), ("status", "held"), ("sort", "-reference")]
        linked = api.get(f"/plans/{active_plan_id}/exchanges", params={"kind": "placement"}).json()[
            "items"
        ]
        commitment_id = next(item["commitments"][0]["id"] for item in linked if item["commitments"])
        cases = [
            placements,
            [("party", "NATO"), ("kind", "dialogue"), ("kind", "seminar")],
            [("commitment_id", commitment_id)],
            [("q", "SHAPE")],
            [
                ("ends_after", "2027-01-01"),
                ("starts_before", "2027-12-31"),
                ("sort", "-start_date"),
            ],
        ]
        for params in cases:
            query = "&".join(f"{name}={value}" for name, value in params)
            shown = _exchange_refs(
                web_session.get(f"/plans/{active_plan_id}/exchanges?{query}").text
            )
            assert shown == expected(params), params
            assert shown, params
    everything = _exchange_refs(web_session.get(f"/plans/{active_plan_id}/exchanges").text)
    held_placements = _exchange_refs(
        web_session.get(
            f"/plans/{active_plan_id}/exchanges?kind=placement&status=held&sort=-reference"
        ).text
    )
    assert len(held_placements) < len(everything)
    assert held_placements == sorted(held_placements, reverse=True)


def test_a_bad_exchange_filter_is_a_readable_message(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "editor")
    response = web_session.get(
        f"/plans/{active_plan_id}/exchanges?kind=picnic", headers={**HTMX, **ENGLISH}
    )
    assert response.status_code == 422
    assert "These filters are not valid" in response.text
    assert response.text.lstrip().startswith('<section id="results"')


# --- create, edit, cancel -------------------------------------------------------------------


def _create_form(plan: dict[str, str], token: str, **changes: str) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": token,
        "idempotency_key": str(uuid.uuid4()),
        "title.en": "Port visit to Yokosuka",
        "title.ja": "横須賀への寄港",
        "kind": "visit",
        "status": "planned",
        "from_party_id": plan["NATO"],
        "to_party_id": plan["JP"],
        "start_date": "2027-04-10",
        "end_date": "2027-04-12",
        "location": "Yokosuka",
        "participants": "Commander, SNMG2\nLiaison officer | Cdr. Tanaka",
        "commitment_ids": [plan["commitment_id"]],
        "visibility": "shared",
    }
    form.update(changes)
    return form


def test_create_form_reports_errors_keeps_the_input_then_creates_a_linked_exchange(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    web_session.sign_in("NATO", "editor")
    new_page = web_session.get(
        f"/plans/{plan['plan_id']}/exchanges/new?commitment_id={plan['commitment_id']}"
    )
    assert new_page.status_code == 200
    # Opened from a commitment, the form has it chosen already.
    assert re.search(rf'<option value="{plan["commitment_id"]}" selected>', new_page.text)
    token = _csrf(new_page.text)
    url = f"/plans/{plan['plan_id']}/exchanges/new"

    # Nothing required given: the form says so beside each field, in the reader's language.
    empty = web_session.post(url, data={"csrf_token": token, "location": "Yokosuka"})
    assert empty.status_code == 422
    for field in ("title", "kind", "from_party_id", "to_party_id", "start_date"):
        assert f'id="{field}-error"' in empty.text, field
    assert "This field is required." in empty.text
    assert 'value="Yokosuka"' in empty.text

    # A participant line without a role, and a rule the API enforces (dates out of order).
    no_role = web_session.post(url, data=_create_form(plan, token, participants=" | Sato"))
    assert no_role.status_code == 422 and 'id="participants-error"' in no_role.text
    backwards = web_session.post(url, data=_create_form(plan, token, end_date="2027-04-01"))
    assert backwards.status_code == 422
    assert 'id="end_date-error"' in backwards.text
    assert "The end date cannot be before the start date." in backwards.text
    # A rule only the API knows: the sending organisation must belong to the sending party.
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        mofa = _organisations(api)["MOFA"]
    foreign = web_session.post(url, data=_create_form(plan, token, from_organisation_id=mofa))
    assert foreign.status_code == 422
    assert "This change breaks a rule of the plan." in foreign.text
    assert 'id="from_organisation_id-error"' in foreign.text
    assert 'value="Port visit to Yokosuka"' in foreign.text  # nothing typed is lost
    assert re.search(rf'<option value="{plan["commitment_id"]}" selected>', foreign.text)
    assert re.search(rf'<option value="{mofa}" selected>', foreign.text)
    as_fragment = web_session.post(
        url, data=_create_form(plan, token, from_organisation_id=mofa), headers=HTMX
    )
    assert as_fragment.status_code == 422
    assert as_fragment.text.lstrip().startswith('<form method="post" id="exchange-form"')

    created = web_session.post(url, data=_create_form(plan, token))
    assert created.status_code == 303, created.text
    detail = web_session.get(created.headers["location"])
    assert "Port visit to Yokosuka" in detail.text
    assert f'href="/commitments/{plan["commitment_id"]}"' in detail.text
    assert "Liaison officer — Cdr. Tanaka" in detail.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        exchange = api.get(created.headers["location"])
        listed = api.get(
            f"/plans/{plan['plan_id']}/exchanges", params={"commitment_id": plan["commitment_id"]}
        ).json()["items"]
    assert exchange.status_code == 200
    assert [item["title"]["en"] for item in listed] == ["Port visit to Yokosuka"]
    assert listed[0]["participants"] == [
        {"role": "Commander, SNMG2", "name": None, "organisation_id": None},
        {"role": "Liaison officer", "name": "Cdr. Tanaka", "organisation_id": None},
    ]
    # And the commitment's page names it.
    commitment_page = web_session.get(f"/commitments/{plan['commitment_id']}").text
    assert f'href="/exchanges/{listed[0]["id"]}"' in commitment_page
    assert "Port visit to Yokosuka" in commitment_page


def test_a_participants_organisation_is_set_by_its_code_and_kept_through_an_edit(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    web_session.sign_in("NATO", "editor")
    url = f"/plans/{plan['plan_id']}/exchanges/new"
    new_page = web_session.get(url, headers=ENGLISH)
    token = _csrf(new_page.text)
    # The form lists the codes it takes.
    assert 'id="organisation-codes"' in new_page.text and "<code>MARCOM</code>" in new_page.text
    unknown = web_session.post(
        url,
        data=_create_form(plan, token, participants="Staff officer | | NOSUCH"),
        headers=ENGLISH,
    )
    assert unknown.status_code == 422 and 'id="participants-error"' in unknown.text
    assert "names an organisation code that is not in the list" in unknown.text
    created = web_session.post(
        url,
        data=_create_form(
            plan, token, participants="Liaison officer | Cdr. Ito | marcom\nStaff officer | | SHAPE"
        ),
    )
    assert created.status_code == 303, created.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        organisations = _organisations(api)
        exchange = api.get(created.headers["location"]).json()
    assert exchange["participants"] == [
        {"role": "Liaison officer", "name": "Cdr. Ito", "organisation_id": organisations["MARCOM"]},
        {"role": "Staff officer", "name": None, "organisation_id": organisations["SHAPE"]},
    ]
    assert (
        "Liaison officer — Cdr. Ito (MARCOM)" in web_session.get(created.headers["location"]).text
    )
    # The edit form shows each organisation by its code; a changed code moves the participant.
    edit_url = f"{created.headers['location']}/edit"
    edit = web_session.get(edit_url)
    assert "Liaison officer | Cdr. Ito | MARCOM\nStaff officer |  | SHAPE" in html.unescape(
        edit.text
    )
    saved = web_session.post(
        edit_url,
        data={
            **_create_form(
                plan, _csrf(edit.text), participants="Liaison officer | Cdr. Ito | SHAPE"
            ),
            "etag": exchange["etag"],
            "seen": exchange["updated_at"],
        },
    )
    assert saved.status_code == 303, saved.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        edited = api.get(created.headers["location"]).json()
    assert edited["participants"] == [
        {"role": "Liaison officer", "name": "Cdr. Ito", "organisation_id": organisations["SHAPE"]}
    ]


def _new_exchange(stack: Stack, plan: dict[str, str]) -> dict[str, Any]:
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        response = api.post(
            f"/plans/{plan['plan_id']}/exchanges",
            json={
                "kind": "seminar",
                "title": {"en": "Maritime law seminar", "ja": "海洋法セミナー"},
                "from_party_id": plan["NATO"],
                "to_party_id": plan["JP"],
                "start_date": "2026-01-15",
                "status": "held",
                "commitment_ids": [plan["commitment_id"]],
            },
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


def test_outcome_and_lessons_are_edited_and_a_stale_edit_shows_who_changed_what(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    exchange = _new_exchange(stack, plan)
    web_session.sign_in("NATO", "editor")
    edit_url = f"/exchanges/{exchange['id']}/edit"
    edit_page = web_session.get(edit_url).text
    token = _csrf(edit_page)
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', edit_page).group(1))  # type: ignore[union-attr]
    seen = re.search(r'name="seen" value="([^"]+)"', edit_page).group(1)  # type: ignore[union-attr]
    form = {
        "csrf_token": token,
        "etag": etag,
        "seen": seen,
        "title.en": "Maritime law seminar",
        "title.ja": "海洋法セミナー",
        "kind": "seminar",
        "status": "held",
        "from_party_id": plan["NATO"],
        "to_party_id": plan["JP"],
        "start_date": "2026-01-15",
        "end_date": "2026-01-15",
        "commitment_ids": [plan["commitment_id"]],
        "outcome.en": "Shared reading of the law of the sea.",
        "outcome.ja": "海洋法の共通理解を得た。",
        "lessons_learned.en": "Invite the coast guard next time.",
        "visibility": "shared",
    }
    saved = web_session.post(edit_url, data=form)
    assert saved.status_code == 303, saved.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        now = api.get(f"/exchanges/{exchange['id']}").json()
    assert now["outcome"] == {
        "en": "Shared reading of the law of the sea.",
        "ja": "海洋法の共通理解を得た。",
    }
    assert now["lessons_learned"] == {"en": "Invite the coast guard next time."}
    assert [c["id"] for c in now["commitments"]] == [plan["commitment_id"]]
    detail = web_session.get(f"/exchanges/{exchange['id']}", headers=ENGLISH).text
    assert "Shared reading of the law of the sea." in detail
    assert "海洋法の共通理解を得た。" in detail  # the other language, a click away
    assert "Invite the coast guard next time." in detail

    # Japan's approver changes the status meanwhile; saving the old form meets the conflict.
    with stack.api_client(stack.api_token("JP", "approver")) as api:
        changed = api.patch(
            f"/exchanges/{exchange['id']}",
            json={"location": "Kobe"},
            headers={"If-Match": now["etag"]},
        )
        assert changed.status_code == 200, changed.text
    stale = web_session.post(
        edit_url, data={**form, "lessons_learned.en": "Invite the coast guard and the JCG."}
    )
    assert stale.status_code == 409
    assert "Someone else changed this record after you opened it." in stale.text
    assert "What changed meanwhile" in stale.text
    assert "承認 次郎（見本）" in stale.text and "Kobe" in stale.text
    assert "Invite the coast guard and the JCG." in stale.text  # mine is kept
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        after = api.get(f"/exchanges/{exchange['id']}").json()
    assert after["lessons_learned"] == {"en": "Invite the coast guard next time."}
    # Saving again from the reloaded form applies on top of the other change.
    reloaded = web_session.get(edit_url).text
    new_etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', reloaded).group(1))  # type: ignore[union-attr]
    again = web_session.post(
        edit_url,
        data={
            **form,
            "etag": new_etag,
            "location": "Kobe",
            "lessons_learned.en": "Invite the coast guard and the JCG.",
        },
    )
    assert again.status_code == 303
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        final = api.get(f"/exchanges/{exchange['id']}").json()
    assert final["location"] == "Kobe"
    assert final["lessons_learned"] == {"en": "Invite the coast guard and the JCG."}


def test_cancelling_keeps_the_exchange_on_record(stack: Stack, web_session: WebSession) -> None:
    plan = exchange_plan(stack)
    exchange = _new_exchange(stack, plan)
    web_session.sign_in("NATO", "editor")
    page = web_session.get(f"/exchanges/{exchange['id']}").text
    token = _csrf(page)
    stale = web_session.post(
        f"/exchanges/{exchange['id']}/cancel",
        data={
            "csrf_token": token,
            "etag": '"stale-1"',
            "seen": exchange["updated_at"],
            "confirm": "yes",
        },
    )
    assert stale.status_code == 409 and "Someone else changed this record" in stale.text
    # Without the confirmation (no JavaScript, so no dialog) the web asks first, on a page
    # that sends the same fields again; nothing is cancelled yet.
    asked = web_session.post(
        f"/exchanges/{exchange['id']}/cancel",
        data={"csrf_token": token, "etag": exchange["etag"]},
    )
    assert asked.status_code == 200 and 'id="confirm-form"' in asked.text
    assert f'action="/exchanges/{exchange["id"]}/cancel"' in asked.text
    assert 'name="confirm" value="yes"' in asked.text
    assert f'href="/exchanges/{exchange["id"]}"' in asked.text  # the way back
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/exchanges/{exchange['id']}").json()["status"] != "cancelled"
    cancelled = web_session.post(
        f"/exchanges/{exchange['id']}/cancel",
        data={"csrf_token": _csrf(asked.text), "etag": exchange["etag"], "confirm": "yes"},
    )
    assert cancelled.status_code == 303
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get(f"/exchanges/{exchange['id']}").json()["status"] == "cancelled"
    detail = web_session.get(f"/exchanges/{exchange['id']}", headers=ENGLISH).text
    assert "badge-cancelled" in detail and "/cancel" not in detail
    # The page after the redirect says what happened, once.
    assert '<p class="notice">The exchange was cancelled.</p>' in detail
    again = web_session.get(f"/exchanges/{exchange['id']}", headers=ENGLISH).text
    assert "The exchange was cancelled." not in again
    # The page's history (read from the API's /exchanges/{id}/history) shows the cancellation
    # above the creation, newest first.
    history = detail.split('id="history-h"', 1)[1]
    entries = re.findall(r"<li><time[^>]*>.*?</li>", history, flags=re.S)
    assert len(entries) == 2, history
    assert "cancelled" in entries[0] and "created" in entries[1]


def test_a_viewer_gets_no_edit_controls_and_the_api_refuses_the_write(
    stack: Stack, web_session: WebSession
) -> None:
    plan = exchange_plan(stack)
    exchange = _new_exchange(stack, plan)
    web_session.sign_in("JP", "viewer")
    page = web_session.get(f"/exchanges/{exchange['id']}").text
    assert "/edit" not in page and "/cancel" not in page
    refused = web_session.post(
        f"/exchanges/{exchange['id']}/cancel",
        data={"csrf_token": _csrf(page), "etag": exchange["etag"], "confirm": "yes"},
    )
    assert refused.status_code == 403


# --- placements -----------------------------------------------------------------------------


def test_placements_timeline_draws_each_post_and_labels_the_gap_between_rotations(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        placements = api.get(
            f"/plans/{active_plan_id}/exchanges", params={"kind": "placement", "limit": 200}
        ).json()["items"]
    shape = sorted(
        (
            p
            for p in placements
            if p["post_title"]
            and p["post_title"]["en"] == "Liaison officer"
            and p["host_organisation_id"] == p["to_organisation_id"]
            and "SHAPE" in p["title"]["en"]
        ),
        key=lambda p: p["start_date"],
    )
    assert len(shape) == 2
    gap_days = (
        dt.date.fromisoformat(shape[1]["start_date"]) - dt.date.fromisoformat(shape[0]["end_date"])
    ).days - 1
    assert gap_days > 0
    web_session.sign_in("NATO", "viewer")
    page = web_session.get(f"/plans/{active_plan_id}/placements", headers=ENGLISH)
    assert page.status_code == 200
    text = page.text
    assert '<svg role="group" aria-labelledby="timeline-title"' in text
    # One bar per placement that was not cancelled, each a link to its exchange.
    live = [p for p in placements if p["status"] != "cancelled"]
    assert text.count('class="timeline-link"') == len(live)
    for placement in live:
        assert f'<a href="/exchanges/{placement["id"]}" class="timeline-link">' in text
    # The gap: drawn and labelled in the chart, and stated in the table.
    assert text.count('class="timeline-gap"') >= 1
    assert f"gap: {gap_days} days" in text
    assert f"Gap of {gap_days} days" in text
    # The rows: the two SHAPE rotations share one row (post and host), MARCOM has its own.
    assert text.count('class="timeline-row"') == len(
        {(p["post_title"]["en"], p["host_organisation_id"]) for p in live}
    )
    japanese = web_session.get(
        f"/plans/{active_plan_id}/placements", headers={"Accept-Language": "ja"}
    )
    assert "連絡官" in japanese.text or "Liaison officer" in japanese.text


# --- versions ---------------------------------------------------------------------------------


def versioned_plan(stack: Stack) -> dict[str, str]:
    """A plan approved (version 1) and then amended by both parties (version 2)."""
    plan = exchange_plan(stack)
    plan_id = plan["plan_id"]
    bring_into_force(stack, plan_id)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        commitment = api.get(f"/commitments/{plan['commitment_id']}")
        progressed = api.patch(
            f"/commitments/{plan['commitment_id']}",
            json={"progress": 40, "status": "in_progress"},
            headers={"If-Match": commitment.headers["etag"]},
        )
        assert progressed.status_code == 200, progressed.text
        proposed = api.post(
            f"/plans/{plan_id}/amendments",
            json={
                "title": {"en": "Extend and rename", "ja": "延長及び名称変更"},
                "rationale": {"en": "Agreed at the review."},
                "changes": [
                    {
                        "op": "modify_commitment",
                        "commitment_id": plan["commitment_id"],
                        "changes": {"due_date": "2028-06-30"},
                    },
                    {
                        "op": "change_text",
                        "title": {"ja": "改訂交流計画", "en": "Amended exchange plan"},
                    },
                ],
            },
        )
        assert proposed.status_code == 201, proposed.text
    for party in ("JP", "NATO"):
        with stack.api_client(stack.api_token(party, "approver")) as api:
            decided = api.post(
                f"/amendments/{proposed.json()['id']}/approvals", json={"decision": "approve"}
            )
            assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "applied"
    return plan


def test_versions_page_lists_versions_and_diffs_two_side_by_side_in_both_languages(
    stack: Stack, web_session: WebSession
) -> None:
    plan = versioned_plan(stack)
    url = f"/plans/{plan['plan_id']}/versions"
    web_session.sign_in("NATO", "editor")  # an English profile
    page = web_session.get(url)
    assert page.status_code == 200
    assert re.findall(r'<th scope="row">(\d+)</th>', page.text)[:2] == ["2", "1"]
    # By default the page shows what the newest version changed.
    diff = page.text[page.text.index('<div id="diff"') :]
    assert "From version 1 to version 2" in diff
    assert "Version 1" in diff and "Version 2" in diff
    # The plan's title: the reader's language in each column, the other one at hand.
    title_row = re.search(r'<th scope="row">Title</th>(.*?)</tr>', diff, re.S)
    assert title_row
    old_cell, new_cell = re.findall(r"<td[^>]*>(.*?)</td>", title_row.group(1), re.S)
    assert '<span lang="en">Exchange test plan</span>' in old_cell and "交流試験計画" in old_cell
    assert '<span lang="en">Amended exchange plan</span>' in new_cell and "改訂交流計画" in new_cell
    # The commitment's new due date, formatted for the reader, and its field named.
    assert plan["commitment_reference"] in diff
    assert "Due date" in diff and "Jun 30, 2028" in diff and "Dec 31, 2027" in diff
    # A Japanese reader gets the same diff in Japanese.
    japanese = WebSession(stack)
    japanese.sign_in("JP", "viewer")
    ja = japanese.get(f"{url}?from=1&to=2").text
    assert '<span lang="ja">改訂交流計画</span>' in ja and "2028/06/30" in ja
    japanese.client.close()
    # The diff alone, for htmx, and the order of the two versions as asked.
    fragment = web_session.get(f"{url}?from=2&to=1", headers={**HTMX, "HX-Target": "diff"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="diff"')
    assert "From version 2 to version 1" in fragment.text
    missing = web_session.get(f"{url}?from=1&to=9", headers={**HTMX, "HX-Target": "diff"})
    assert missing.status_code == 422 and "does not exist" in missing.text


def test_as_of_view_shows_the_version_and_where_commitments_stood(
    stack: Stack, web_session: WebSession
) -> None:
    plan = versioned_plan(stack)
    url = f"/plans/{plan['plan_id']}/versions"
    web_session.sign_in("NATO", "editor")
    today = dt.date.today().isoformat()
    page = web_session.get(f"{url}?as_of={today}", headers={**HTMX, "HX-Target": "as-of"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="as-of"')
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        expected = api.get(f"/plans/{plan['plan_id']}/as-of", params={"date": today}).json()
    assert expected["version"]["number"] == 2
    assert "Version 2" in page.text and "Amended exchange plan" in page.text
    row = re.search(rf">{plan['commitment_reference']}</a></td>(.*?)</tr>", page.text, re.S)
    assert row and "40%" in row.group(1) and "In progress" in row.group(1)
    before = web_session.get(f"{url}?as_of=2001-01-01", headers={**HTMX, "HX-Target": "as-of"})
    assert before.status_code == 422
    assert "was not in force yet on Jan 1, 2001" in before.text
    whole = web_session.get(f"{url}?from=1&to=2&as_of={today}")
    assert '<div id="diff"' in whole.text and '<div id="as-of"' in whole.text


# --- calendar feeds -----------------------------------------------------------------------------


def test_calendar_feed_is_created_shown_once_and_revoked(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "editor")
    page = web_session.get("/me/calendar", headers=ENGLISH)
    assert page.status_code == 200 and "My calendar feeds" in page.text
    token = _csrf(page.text)
    unnamed = web_session.post("/me/calendar", data={"csrf_token": token, "name": " "})
    assert unnamed.status_code == 422 and 'id="feed-problem"' in unnamed.text
    name = f"Desk calendar {uuid.uuid4().hex[:6]}"
    created = web_session.post(
        "/me/calendar",
        data={"csrf_token": token, "name": name, "plan_id": active_plan_id},
        headers=HTMX,
    )
    assert created.status_code == 201
    assert created.text.lstrip().startswith('<div id="feeds"')
    url_match = re.search(r'<code id="new-feed-url" class="feed-url">([^<]+)</code>', created.text)
    assert url_match
    feed_url = html.unescape(url_match.group(1))
    assert "/calendar-feeds/" in feed_url
    assert 'data-copy-target="new-feed-url"' in created.text
    ics = httpx.get(feed_url, timeout=10)
    assert ics.status_code == 200 and ics.text.startswith("BEGIN:VCALENDAR")
    # Listed by name afterwards, never with its address again.
    listing = web_session.get("/me/calendar").text
    assert name in listing and feed_url not in listing
    feed_id = re.search(rf'id="feed-([0-9a-f-]{{36}})">\s*<td>{re.escape(name)}</td>', listing)
    assert feed_id
    revoked = web_session.post(
        f"/me/calendar/{feed_id.group(1)}/revoke", data={"csrf_token": token, "confirm": "yes"}
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == "/me/calendar"
    assert name not in web_session.get("/me/calendar").text
    assert httpx.get(feed_url, timeout=10).status_code == 404


def test_plan_calendar_download_is_the_apis_icalendar(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    response = web_session.get(f"/plans/{active_plan_id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in response.text
