"""The review workspace as a matrix (issue 18 §5), over HTTP as a browser without JavaScript
receives it, in Japanese (Japan's users) and English (NATO's): one row per commitment with the
snapshot, each party's column and the agreed rating; the reader's own column and the agreed one
editable as the API allows; the filters with clean URLs and the counter; agreeing where the
parties agree (offered to approvers only, confirmed first, changed items named); and sign-off
explained, not offered, while it is not possible."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from itpp_web.i18n import Formatter
from tests.web.conftest import (
    CSRF_INPUT,
    Stack,
    WebSession,
    active_plan_of_our_own,
    assess,
    open_review_rated,
)

JA = Formatter("ja")
EN = Formatter("en")
HTMX = {"HX-Request": "true"}


def _csrf(text: str) -> str:
    match = CSRF_INPUT.search(text)
    assert match
    return match.group(1)


@pytest.fixture(scope="module")
def sessions(stack: Stack) -> Iterator[dict[str, WebSession]]:
    """Japan's approver (reads Japanese), NATO's approver (English) and Japan's editor."""
    made = {}
    for key, (party, role) in {
        "jp": ("JP", "approver"),
        "nato": ("NATO", "approver"),
        "jp_editor": ("JP", "editor"),
    }.items():
        made[key] = WebSession(stack)
        made[key].sign_in(party, role)
    yield made
    for session in made.values():
        session.client.close()


@pytest.fixture(scope="module")
def review(stack: Stack) -> dict[str, Any]:
    """Review 1 of a plan of its own, open, with three commitments: the parties rate the first
    alike (on track), differ on the second, and only Japan has rated the third."""
    plan_id = active_plan_of_our_own(stack, commitments=3)
    ratings: dict[str, list[str | None]] = {
        "JP": ["on_track", "at_risk", "on_track"],
        "NATO": ["on_track", "off_track", None],
    }
    review_id = open_review_rated(stack, plan_id, ratings)
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        body: dict[str, Any] = api.get(f"/reviews/{review_id}").json()
    return body


def _rows(text: str) -> list[str]:
    return re.findall(r'<tr class="matrix-row.*?</tr>', text, re.S)


def test_the_matrix_has_a_row_per_commitment_and_a_column_per_party(
    sessions: dict[str, WebSession], review: dict[str, Any]
) -> None:
    page = sessions["jp"].get(f"/reviews/{review['id']}")
    assert page.status_code == 200
    text = page.text
    assert '<table class="review-matrix stack">' in text
    rows = _rows(text)
    assert len(rows) == 3
    refs = [i["commitment"]["reference"] for i in review["items"]]
    for row, ref in zip(rows, refs, strict=True):
        assert ref in row
    # Japanese headings: the snapshot, each party, the agreed rating.
    head = re.search(r"<thead>.*?</thead>", text, re.S)
    assert head is not None
    for words in (JA.gettext("When the review opened"), JA.gettext("Agreed rating"), "JP", "NATO"):
        assert words in head.group(0)
    # Each row shows values, with an Edit link; the disagreement is flagged.
    first, second, third = rows
    assert 'data-party="JP"' in first and 'data-party="NATO"' in first
    assert 'class="edit-row"' in first and 'name="rating"' not in first
    assert JA.gettext("The parties disagree") in second and "badge-off_track" in second
    assert JA.gettext("Not assessed yet") in third
    # The counter, in Japanese.
    counter = re.search(r'<p id="review-counter".*?</p>', text, re.S)
    assert counter is not None
    expected = JA.ngettext(
        "%(done)s of %(num)s commitment assessed by %(party)s",
        "%(done)s of %(num)s commitments assessed by %(party)s",
        3,
        done=3,
        party="JP",
    )
    assert expected in counter.group(0)
    assert JA.ngettext("%(num)s disagreement", "%(num)s disagreements", 1) in counter.group(0)
    # NATO's approver reads English: its own column is the form, Japan's is read only.
    nato = sessions["nato"].get(f"/reviews/{review['id']}").text
    assert 'lang="en"' in nato[:200]
    counter = re.search(r'<p id="review-counter".*?</p>', nato, re.S)
    assert counter is not None
    assert "2 of 3 commitments assessed by NATO" in counter.group(0)
    assert "1 disagreement" in counter.group(0) and "0 agreed" in counter.group(0)
    # Opened (the Edit link without JavaScript): NATO's own column is the form, focused;
    # Japan's stays read only; the agreed rating is a form too (a writer's).
    first_id = review["items"][0]["id"]
    opened = sessions["nato"].get(f"/reviews/{review['id']}?edit={first_id}").text
    row = next(r for r in _rows(opened) if f'id="item-{first_id}"' in r)
    assert 'data-party="JP"' in row and 'data-party="NATO"' not in row
    assert re.search(r'<select id="rating-[^"]+" name="rating" required autofocus>', row)
    assert 'name="agreed_rating"' in row
    assert sum('name="rating"' in r for r in _rows(opened)) == 1


def test_filters_have_clean_urls_counts_and_mark_the_current_one(
    sessions: dict[str, WebSession], review: dict[str, Any]
) -> None:
    url = f"/reviews/{review['id']}"
    nato = sessions["nato"]
    page = nato.get(url).text
    links = dict(re.findall(r'<a id="filter-([a-z]+)" href="([^"]+)"', page))
    assert links == {
        "all": url,
        "unassessed": f"{url}?show=unassessed",
        "disagreements": f"{url}?show=disagreements",
        "unagreed": f"{url}?show=unagreed",
    }
    assert re.search(r'id="filter-all" href="[^"]+" aria-current="true"', page)
    assert "Not assessed by NATO" in page
    refs = [i["commitment"]["reference"] for i in review["items"]]
    shown = {
        "unassessed": [refs[2]],
        "disagreements": [refs[1]],
        "unagreed": refs,
    }
    for key, expected in shown.items():
        filtered = nato.get(f"{url}?show={key}").text
        rows = _rows(filtered)
        assert [r for r in refs if any(f">{r}</a>" in row for row in rows)] == expected, key
        assert re.search(rf'id="filter-{key}" href="[^"]+" aria-current="true"', filtered)
    # An unknown filter shows everything; htmx gets the workspace, filtered, without the layout.
    assert len(_rows(nato.get(f"{url}?show=bogus").text)) == 3
    fragment = nato.get(f"{url}?show=disagreements", headers=HTMX).text
    assert "<html" not in fragment and len(_rows(fragment)) == 1
    # In Japanese too; a filter matching nothing says so.
    jp = sessions["jp"].get(f"{url}?show=unassessed").text
    assert JA.gettext("Not assessed by %(party)s", party="JP") in jp
    assert JA.gettext("No commitment matches this filter.") in jp


def test_sign_off_is_explained_not_offered_while_it_is_not_possible(
    sessions: dict[str, WebSession], review: dict[str, Any]
) -> None:
    page = sessions["nato"].get(f"/reviews/{review['id']}").text
    assert 'id="sign-off-form"' not in page
    needs = re.search(r'<p id="sign-off-needs">.*?</p>', page, re.S)
    assert needs is not None
    text = " ".join(needs.group(0).split())
    assert "NATO can sign off once the review has:" in text
    assert "a joint summary" in text and "an outcome" in text
    assert "agreed ratings for 3 more commitments" in text
    jp = sessions["jp"].get(f"/reviews/{review['id']}").text
    assert JA.gettext("a joint summary") in jp


def test_agree_all_is_for_approvers_confirmed_first_and_names_changed_items(
    stack: Stack, sessions: dict[str, WebSession], review: dict[str, Any]
) -> None:
    url = f"/reviews/{review['id']}"
    # Japan's editor may agree a rating one by one, but is not offered the bulk agreement.
    editor_page = sessions["jp_editor"].get(url).text
    assert 'id="agree-all-form"' not in editor_page
    assert 'class="edit-row"' in editor_page
    jp = sessions["jp"]
    page = jp.get(url).text
    form = re.search(r'<form[^>]*id="agree-all-form".*?</form>', page, re.S)
    assert form is not None
    assert "data-confirm=" in form.group(0)
    fields = [html.unescape(v) for v in re.findall(r'name="item" value="([^"]+)"', form.group(0))]
    first = review["items"][0]
    assert fields == [f"{first['id']} {first['etag']}"]
    data = {"csrf_token": _csrf(page), "item": fields}
    # Without the confirmation (no JavaScript): a page asks first, nothing is written.
    asked = jp.post(f"{url}/agree-all", data=data)
    assert asked.status_code == 200
    assert JA.gettext("Agree every rating the parties gave alike?") in asked.text
    # Meanwhile NATO changes its view of the first commitment: it is skipped and named.
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        current = api.get(f"/reviews/{review['id']}").json()["items"][0]
    assess(stack, "NATO", review["id"], current, "on_track", "Confirmed.")
    skipped = jp.post(f"{url}/agree-all", data={**data, "confirm": "yes"})
    assert skipped.status_code == 200
    result = re.search(
        r'<div class="form-error" role="alert" id="agree-result">.*?</div>', skipped.text, re.S
    )
    assert result is not None
    assert first["commitment"]["reference"] in result.group(0)
    assert JA.ngettext(
        "%(num)s agreed rating was recorded.", "%(num)s agreed ratings were recorded.", 0
    ) in result.group(0)
    # Read again, it is agreed: back to the review with the notice.
    page = jp.get(url).text
    fields = [html.unescape(v) for v in re.findall(r'name="item" value="([^"]+)"', page)]
    done = jp.post(
        f"{url}/agree-all", data={"csrf_token": _csrf(page), "item": fields, "confirm": "yes"}
    )
    assert done.status_code == 303 and done.headers["location"].endswith(f"{url}#items")
    page = jp.get(url).text
    assert 'id="agree-all-form"' not in page
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        agreed = api.get(f"/reviews/{review['id']}").json()["items"][0]["agreed_rating"]
    assert agreed == "on_track"
    # An editor's forged post is refused by the API, said readably in place.
    refused = sessions["jp_editor"].post(
        f"{url}/agree-all",
        data={"csrf_token": _csrf(editor_page), "item": fields, "confirm": "yes"},
    )
    assert refused.status_code == 403
    assert JA.gettext("You are not allowed to do this.") in refused.text


def test_a_save_in_place_answers_with_its_row_and_the_counter(
    sessions: dict[str, WebSession], review: dict[str, Any]
) -> None:
    nato = sessions["nato"]
    url = f"/reviews/{review['id']}"
    third = review["items"][2]
    # htmx opens the row in place; without JavaScript the link leads to the page, row open.
    opened = nato.get(f"{url}/items/{third['id']}?edit=1", headers=HTMX)
    assert opened.status_code == 200 and opened.text.lstrip().startswith("<tr")
    assert 'name="rating"' in opened.text and "<html" not in opened.text
    plain = nato.get(f"{url}/items/{third['id']}?edit=1")
    assert plain.status_code == 303
    assert plain.headers["location"] == f"{url}?edit={third['id']}#item-{third['id']}"
    page = nato.get(f"{url}?edit={third['id']}").text
    etag = html.unescape(
        re.search(rf'id="item-{third["id"]}".*?name="etag" value="([^"]+)"', page, re.S).group(1)  # type: ignore[union-attr]
    )
    saved = nato.post(
        f"{url}/items/{third['id']}/assessment",
        data={"csrf_token": _csrf(page), "etag": etag, "rating": "at_risk"},
        headers=HTMX,
    )
    assert saved.status_code == 200, saved.text
    text = saved.text
    assert "<html" not in text and text.lstrip().startswith("<tr")
    assert "Saved." in text
    counter = re.search(r'<p id="review-counter"[^>]*hx-swap-oob="true".*?</p>', text, re.S)
    assert counter is not None
    assert "3 of 3 commitments assessed by NATO" in counter.group(0)
