"""The search page (issue 19): the header's box, results with their matches marked and each
kind labelled, in the reader's language; another party's internal records never shown."""

from __future__ import annotations

import re

from itpp_web.i18n import Formatter
from tests.web.conftest import WebSession

HTMX = {"HX-Request": "true"}
JA = Formatter("ja").gettext


def test_natos_approver_finds_cyber_records_marked_and_linked_to_their_pages(
    web_session: WebSession,
) -> None:
    web_session.sign_in("NATO", "approver")

    plans = web_session.get("/plans")
    assert 'id="header-search"' in plans.text and 'aria-keyshortcuts="/"' in plans.text

    page = web_session.get("/search", params={"q": "cyber"})

    assert page.status_code == 200, page.text
    assert re.search(r"<mark>cyber</mark>", page.text, re.IGNORECASE)
    assert "Priority area" in page.text and "Commitment" in page.text
    # Each kind's own search: the other tests of a run add plans, areas and records about cyber
    # defence to the stack they share, and those can fill the first page of every kind.
    commitments = web_session.get("/search", params={"q": "cyber", "kind": "commitment"})
    assert re.search(r'href="/commitments/[0-9a-f-]{36}"', commitments.text)
    areas = web_session.get("/search", params={"q": "cyber", "kind": "priority_area"})
    assert re.search(
        r'href="/plans/[0-9a-f-]{36}/commitments\?priority_area=[0-9a-f-]{36}"', areas.text
    )
    fragment = web_session.get("/search", params={"q": "cyber"}, headers=HTMX)
    assert "<html" not in fragment.text and "<mark>" in fragment.text


def test_japans_editor_searches_in_japanese_and_never_sees_natos_internal_paper(
    web_session: WebSession,
) -> None:
    web_session.sign_in("JP", "editor")

    page = web_session.get("/search", params={"q": "サイバー"})
    assert page.status_code == 200, page.text
    assert "<mark>サイバー</mark>" in page.text
    assert JA("Priority area") in page.text and JA("Priority area") != "Priority area"

    # NATO's internal assessment paper (OTH-NATO-01) is not there for Japan, by any word of it.
    for q in ("assessment paper", "OTH-NATO-01", "内部評価ペーパー"):
        hidden = web_session.get("/search", params={"q": q})
        assert hidden.status_code == 200
        assert 'class="search-results"' not in hidden.text
        assert JA("Nothing you may see matches “%(text)s”.", text=q) in hidden.text


def test_nato_finds_its_own_internal_paper(web_session: WebSession) -> None:
    web_session.sign_in("NATO", "viewer")
    page = web_session.get("/search", params={"q": "assessment paper"})
    assert "OTH-NATO-01" in page.text
    assert "<mark>assessment paper</mark>" in page.text


def test_the_text_searched_for_is_shown_escaped_and_too_long_a_search_is_explained(
    web_session: WebSession,
) -> None:
    web_session.sign_in("NATO", "viewer")
    page = web_session.get("/search", params={"q": "<script>alert(1)</script>"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text

    too_long = web_session.get("/search", params={"q": "x" * 201})
    assert too_long.status_code == 422
    assert "Search for at most 200 characters." in too_long.text
