"""The inbox page and its count in the header (issue 17), in the reader's language."""

from __future__ import annotations

import re

from itpp_web.i18n import Formatter
from tests.web.conftest import WebSession

HTMX = {"HX-Request": "true"}
JA = Formatter("ja").gettext


def test_the_nato_approver_sees_the_sample_amendment_awaiting_natos_decision(
    web_session: WebSession,
) -> None:
    web_session.sign_in("NATO", "approver")

    page = web_session.get("/me/inbox")

    assert page.status_code == 200, page.text
    assert "Consent awaited" in page.text
    assert "Approve or reject" in page.text
    assert re.search(r'href="/amendments/[0-9a-f-]{36}"', page.text)
    # The header polls the count, which links to the page.
    assert 'hx-get="/me/inbox/count"' in page.text
    count = web_session.get("/me/inbox/count", headers=HTMX)
    assert count.status_code == 200
    badge = re.search(r'<span class="badge"[^>]*>(\d+)</span>', count.text)
    assert badge is not None and int(badge.group(1)) >= 1
    fragment = web_session.get("/me/inbox", headers=HTMX)
    assert "<html" not in fragment.text
    assert "Consent awaited" in fragment.text


def test_japans_editor_reads_the_inbox_in_japanese_and_is_told_it_waits_on_the_approver(
    web_session: WebSession,
) -> None:
    web_session.sign_in("JP", "editor")

    page = web_session.get("/me/inbox")

    assert page.status_code == 200, page.text
    assert JA("Inbox") in page.text and JA("Inbox") != "Inbox"
    # NATO's proposal instead of a direct edit (in the sample) waits on Japan's approver too;
    # an editor is told so and is offered no decision.
    assert JA("Consent awaited") in page.text
    assert JA("Waiting on your approver") in page.text
    assert JA("Approve or reject") not in page.text
