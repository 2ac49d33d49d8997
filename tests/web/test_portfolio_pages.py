"""The portfolio on the home page (issue 19): a party with more than one plan sees them all in
one table with a chart, filters, orders and downloads, in the reader's language; another
party's plans never show."""

from __future__ import annotations

import csv
import io

from itpp_web.i18n import Formatter
from tests.web.conftest import WebSession

JA = Formatter("ja").gettext
AU_PLAN = "AU-NATO-ITPP-EXAMPLE"
JP_PLAN = "JP-NATO-ITPP"


def test_natos_approver_lands_on_a_portfolio_of_both_partners_plans(
    web_session: WebSession,
) -> None:
    web_session.sign_in("NATO", "approver")

    page = web_session.get("/plans")
    assert page.status_code == 200, page.text
    assert 'id="portfolio"' in page.text and "Progress by plan" in page.text
    assert AU_PLAN in page.text and JP_PLAN in page.text
    assert 'class="area-chart"' in page.text

    only_au = web_session.get("/plans", params={"partner": "AU", "status": "active"})
    assert AU_PLAN in only_au.text and f">{JP_PLAN}<" not in only_au.text

    ordered = web_session.get("/plans", params={"sort": "-commitments_overdue"})
    assert ordered.status_code == 200

    download = web_session.get("/portfolio/export.csv", params={"status": "active"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    # The sample's two active plans (other tests sharing this stack may have added more).
    assert {AU_PLAN, JP_PLAN} <= {r["reference"] for r in rows}
    assert all(r["status"] for r in rows)


def test_a_bad_filter_is_named_in_words_and_left_out(web_session: WebSession) -> None:
    web_session.sign_in("NATO", "viewer")
    page = web_session.get("/plans", params={"expires_within": "99999", "sort": "nonsense"})
    assert page.status_code == 200, page.text
    assert "The expiry window is a whole number of days from 0 to 3650" in page.text
    assert "That order is not offered" in page.text
    assert AU_PLAN in page.text


def test_japans_portfolio_is_in_japanese_and_holds_only_japans_plans(
    web_session: WebSession,
) -> None:
    web_session.sign_in("JP", "viewer")
    page = web_session.get("/plans")
    assert page.status_code == 200, page.text
    assert JA("Portfolio") != "Portfolio" and JA("Portfolio") in page.text
    assert JP_PLAN in page.text
    assert AU_PLAN not in page.text


def test_a_party_with_one_plan_sees_the_plan_list(web_session: WebSession) -> None:
    web_session.sign_in("AU", "viewer")
    page = web_session.get("/plans")
    assert page.status_code == 200, page.text
    assert AU_PLAN in page.text and 'id="portfolio"' not in page.text
