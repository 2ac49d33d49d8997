"""The commitment and exchange tables over HTTP (issue 18 §2): clean addresses, one sort
state, totals and numbered pages, saved views (each user's own), and the search over
descriptions, in Japanese (Japan's editor) and English (NATO's editor)."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.web.conftest import CSRF_INPUT, Stack, WebSession

HTMX = {"HX-Request": "true"}
# The sign-in each language is read with: Japan's editor reads Japanese, NATO's English.
READERS = {"ja": "JP", "en": "NATO"}


def _references(html: str) -> list[str]:
    return re.findall(r'<a href="/commitments/[0-9a-f-]{36}">([A-Z]+(?:-[A-Z]+)*-\d+)</a>', html)


def _api_commitments(stack: Stack, plan_id: str, party: str = "JP", **params: str) -> dict:
    with stack.api_client(stack.api_token(party, "editor")) as api:
        response = api.get(f"/plans/{plan_id}/commitments", params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        return dict(response.json())


def _selected_sort(html: str) -> str:
    select = re.search(r'<select id="f-sort" name="sort">(.*?)</select>', html, re.S)
    assert select, "no sort control"
    chosen = re.findall(r'<option value="([^"]+)" selected', select.group(1))
    assert len(chosen) == 1, chosen
    return chosen[0]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_filter_form_without_javascript_lands_on_a_clean_address(
    web_session: WebSession, active_plan_id: str, language: str
) -> None:
    web_session.sign_in(READERS[language], "editor")
    base = f"/plans/{active_plan_id}/commitments"
    # What a browser sends for the form: every field, empty or not, and the default order.
    sent = web_session.get(
        f"{base}?q=&status=in_progress&due_after=&due_before=&sort=reference&page=1"
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"{base}?status=in_progress"
    landed = web_session.get(sent.headers["location"])
    assert landed.status_code == 200
    assert 'value="in_progress" checked' in landed.text
    # Nothing chosen: the bare address.
    cleared = web_session.get(f"{base}?q=&due_after=&due_before=")
    assert cleared.status_code == 303 and cleared.headers["location"] == base


@pytest.mark.parametrize("language", ["ja", "en"])
def test_sort_by_column_and_the_sort_control_are_one_state_kept_across_filters(
    web_session: WebSession, active_plan_id: str, language: str
) -> None:
    web_session.sign_in(READERS[language], "editor")
    base = f"/plans/{active_plan_id}/commitments"
    page = web_session.get(f"{base}?status=in_progress").text
    header = re.search(r'href="([^"]*sort=due_date[^"]*)"', page)
    assert header, "the due date column sorts"
    link = html_lib.unescape(header.group(1))
    assert dict(parse_qsl(urlsplit(link).query)) == {"status": "in_progress", "sort": "due_date"}

    # The column's link (htmx): the table and, out of band, the sort control follow it, and
    # the address bar gets a new entry with the clean address.
    fragment = web_session.get(link, headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.headers["hx-push-url"] == link
    assert 'id="sort-control" hx-swap-oob="true"' in fragment.text
    assert _selected_sort(fragment.text) == "due_date"
    assert 'aria-sort="ascending"' in fragment.text

    # The next filter change sends the control's order with the form: it is kept, and the
    # address is replaced (no history entry per change), clean.
    changed = web_session.get(
        f"{base}?q=&status=in_progress&status=planned&sort=due_date",
        headers={**HTMX, "HX-Trigger": "filters"},
    )
    assert (
        changed.headers["hx-replace-url"]
        == f"{base}?status=in_progress&status=planned&sort=due_date"
    )
    assert "hx-push-url" not in changed.headers
    assert "hx-swap-oob" not in changed.text  # the control being used is left alone
    assert 'aria-sort="ascending"' in changed.text
    full = web_session.get(f"{base}?status=in_progress&status=planned&sort=due_date").text
    assert _selected_sort(full) == "due_date"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_table_counts_what_matches_and_numbers_its_pages(
    stack: Stack, web_session: WebSession, active_plan_id: str, language: str
) -> None:
    web_session.sign_in(READERS[language], "editor")
    base = f"/plans/{active_plan_id}/commitments"
    total = _api_commitments(stack, active_plan_id, READERS[language])["total"]
    assert total > 25, "the sample has more than one page of commitments"
    last = -(-total // 25)
    first = web_session.get(base).text
    count = {
        "ja": f"全 {total} 件中 1–25 件",
        "en": f"1–25 of {total} commitments",
    }[language]
    assert count in first
    assert len(_references(first)) == 25
    assert 'aria-current="page" class="current">1<' in first
    assert f'href="{base}?page=2"' in first and f'href="{base}?page={last}"' in first
    assert 'rel="prev"' not in first

    second = web_session.get(f"{base}?page=2").text
    upto = min(50, total)
    expected = {"ja": f"全 {total} 件中 26–{upto} 件", "en": f"26–{upto} of {total} commitments"}
    assert expected[language] in second
    assert 'aria-current="page" class="current">2<' in second
    assert f'href="{base}"' in second  # the first page: no page parameter
    assert 'rel="prev"' in second
    assert ('rel="next"' in second) == (last > 2)
    walked = _references(first) + _references(second)
    listed = _api_commitments(stack, active_plan_id, READERS[language])["items"]
    by_api = [item["reference"] for item in listed]
    assert walked == by_api[:50]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_search_finds_cyber_in_descriptions(
    stack: Stack, web_session: WebSession, active_plan_id: str, language: str
) -> None:
    web_session.sign_in(READERS[language], "editor")
    items = _api_commitments(stack, active_plan_id, READERS[language])["items"]
    in_text = {
        item["reference"]
        for item in items
        if "cyber"
        in " ".join(
            [*(item["title"] or {}).values(), *((item.get("description") or {}).values())]
        ).casefold()
    }
    in_title = {
        item["reference"]
        for item in items
        if "cyber" in " ".join((item["title"] or {}).values()).casefold()
    }
    assert len(in_text) > len(in_title), "the sample names cyber in descriptions too"
    shown = set(_references(web_session.get(f"/plans/{active_plan_id}/commitments?q=cyber").text))
    assert in_text <= shown


def _save_view(web_session: WebSession, list_url: str, name: str, query: str) -> str:
    page = web_session.get(f"{list_url}?{query}").text
    token = CSRF_INPUT.search(page)
    assert token
    saved = web_session.post(
        "/saved-views",
        data={
            "csrf_token": token.group(1),
            "list": "commitments",
            "name": name,
            "query": query,
            "next": f"{list_url}?{query}",
        },
    )
    assert saved.status_code == 303, saved.text
    return str(saved.headers["location"])


def test_saved_views_are_saved_applied_and_deleted_by_their_user_alone(
    stack: Stack, active_plan_id: str
) -> None:
    list_url = f"/plans/{active_plan_id}/commitments"
    owner = WebSession(stack)
    other = WebSession(stack)
    try:
        owner.sign_in("JP", "editor")
        back = _save_view(owner, list_url, "サイバー 進行中", "priority_area=3.1.1&sort=-due_date")
        assert back == f"{list_url}?priority_area=3.1.1&sort=-due_date"
        page = owner.get(back).text
        assert "サイバー 進行中" in page
        assert "ビューを保存しました" in page  # the notice, in Japanese
        link = f'href="{list_url}?priority_area=3.1.1&amp;sort=-due_date">サイバー 進行中</a>'
        assert link in page

        # A colleague of the same party and a user of the other party see none of it.
        for party in ("JP", "NATO"):
            other.client.cookies.clear()
            other.sign_in(party, "viewer" if party == "JP" else "editor")
            assert "サイバー 進行中" not in other.get(list_url).text

        # Deleting asks first (without JavaScript, on a page of its own).
        view_id = re.search(r'action="/saved-views/([0-9a-f-]{36})/delete"', page)
        assert view_id
        token = CSRF_INPUT.search(page)
        assert token
        path = f"/saved-views/{view_id.group(1)}/delete"
        fields = {"csrf_token": token.group(1), "next": list_url}
        asked = owner.post(path, data=fields)
        assert asked.status_code == 200 and "confirm" in asked.text
        assert "サイバー 進行中" in owner.get(list_url).text
        done = owner.post(path, data={**fields, "confirm": "yes"})
        assert done.status_code == 303
        assert "サイバー 進行中" not in owner.get(list_url).text
    finally:
        owner.client.close()
        other.client.close()


def test_the_exchange_table_counts_cleans_and_keeps_its_sort(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "editor")
    base = f"/plans/{active_plan_id}/exchanges"
    sent = web_session.get(f"{base}?q=&kind=seminar&ends_after=&starts_before=&sort=start_date")
    assert sent.status_code == 303 and sent.headers["location"] == f"{base}?kind=seminar"
    page = web_session.get(f"{base}?sort=-reference").text
    assert re.search(r"1–\d+ of \d+ exchanges?", page)
    assert _selected_sort(page) == "-reference"
    assert 'aria-sort="descending"' in page
