"""The dashboard tells the plan's story: each area by name on the chart with a legend in the
reader's language, progress over time (the burn-up, with its figures), the next 90 days drawn,
and each recent change naming the record it is about. Real HTTP between web and API."""

from __future__ import annotations

import re

from tests.web.conftest import Stack, WebSession, active_plan_of_our_own

JA = {"Accept-Language": "ja"}
EN = {"Accept-Language": "en"}


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def test_the_chart_names_each_area_and_its_legend_is_in_the_readers_language(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    page = web_session.get(f"/plans/{active_plan_id}", headers=JA).text
    chart = re.search(r'<svg[^>]*id="area-chart".*?</svg>', page, re.S)
    assert chart
    # The sample's areas by code and by their Japanese name.
    assert "サイバー" in chart.group(0)
    legend = re.search(r'<ul class="chart-legend"[^>]*>(.*?)</ul>', page, re.S)
    assert legend and "平均進捗" in legend.group(1) and "完了" in legend.group(1)
    nato = WebSession(stack)  # NATO's sample users read English
    nato.sign_in("NATO", "viewer")
    english = nato.get(f"/plans/{active_plan_id}").text
    nato.client.close()
    assert re.search(r'<svg[^>]*id="area-chart".*?Cyber', english, re.S)
    legend = re.search(r'<ul class="chart-legend"[^>]*>(.*?)</ul>', english, re.S)
    assert legend and "Mean progress" in legend.group(1)


def test_progress_over_time_is_drawn_and_given_as_figures_matching_the_dashboard(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "viewer")
    page = web_session.get(f"/plans/{active_plan_id}", headers=EN).text
    history = _section(page, "progress-history")
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        figures = api.get(f"/plans/{active_plan_id}/progress-history").json()
        dashboard = api.get(f"/plans/{active_plan_id}/dashboard").json()
    assert len(figures["points"]) > 1, "the sample plan has been in force for months"
    assert 'class="burn-up"' in history and "<polyline" in history
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", history, re.S)
    assert len(rows) == len(figures["points"])
    # The newest row first: today's figures are the dashboard's.
    today_cells = re.findall(r"<td>(.*?)</td>", rows[0][1])
    live = dashboard["commitments_total"] - dashboard["by_status"]["cancelled"]
    assert today_cells[0] == f"{live:,}"
    assert today_cells[-1] == f"{round(dashboard['average_progress'])}%"


def test_the_next_90_days_and_each_change_are_named(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        listed = api.get(
            f"/plans/{active_plan_id}/commitments", params={"limit": 1, "status": "in_progress"}
        )
        commitment = listed.json()["items"][0]
        url = f"/commitments/{commitment['id']}"
        etag = api.get(url).headers["ETag"]
        progress = 41 if commitment["progress"] != 41 else 42
        saved = api.patch(url, json={"progress": progress}, headers={"If-Match": etag})
        assert saved.status_code == 200, saved.text
        dashboard = api.get(f"/plans/{active_plan_id}/dashboard").json()
    web_session.sign_in("JP", "viewer")
    page = web_session.get(f"/plans/{active_plan_id}", headers=JA).text
    activity = _section(page, "recent-activity")
    latest = re.search(r"<li>(.*?)</li>", activity, re.S)
    assert latest
    # "…が取組を更新: CYB-01 <title> (進捗)" — the record's reference links to it, the field named.
    assert (
        f'<a href="/commitments/{commitment["id"]}">{commitment["reference"]}</a>'
        in latest.group(1)
    )
    assert "進捗" in latest.group(1)
    ahead = _section(page, "next-90-days")
    if dashboard["upcoming_exchanges"] or dashboard["upcoming_milestones"]:
        assert 'class="ahead"' in ahead
        first = (dashboard["upcoming_exchanges"] or dashboard["upcoming_milestones"])[0]
        assert first.get("reference", first.get("commitment_reference")) in ahead
    assert "今後90日間" in ahead


def test_a_plan_in_force_since_today_says_its_history_starts_today(stack: Stack) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    session = WebSession(stack)
    try:
        session.sign_in("JP", "viewer")
        page = session.get(f"/plans/{plan_id}", headers=JA)
        assert page.status_code == 200
        history = _section(page.text, "progress-history")
        assert "1週間後に推移が表示されます" in history and "burn-up" not in history
    finally:
        session.client.close()
