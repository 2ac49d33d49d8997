"""The composite reads of the web's pages (issue 18 item 8): `getPlanOverview` (the dashboard
page), `getPlanCommitmentTable` (the commitments page) and `getReviewWorkspace` (the review
page) answer, for each reader, exactly what their
parts answer that reader — the same access rules, the same 404 — in one request, with an ETag
of the whole answer and 304 for `If-None-Match` while nothing in it changed."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_conventions import assert_problem
from tests.api.test_portfolio import another_plan
from tests.api.test_reviews import API, first_review, make_scene, ok, review_url
from tests.conftest import Database


def _commitment_etag(client: TestClient, commitment_id: uuid.UUID, headers: dict[str, str]) -> str:
    response = client.get(f"{API}/commitments/{commitment_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _progress(client: TestClient, commitment_id: uuid.UUID, headers: dict[str, str]) -> None:
    etag = _commitment_etag(client, commitment_id, headers)
    response = client.patch(
        f"{API}/commitments/{commitment_id}",
        json={"progress": 70},
        headers={**headers, "If-Match": etag},
    )
    assert response.status_code == 200, response.text


def test_the_overview_is_its_parts_for_each_reader(client: TestClient, db: Database) -> None:
    scene = make_scene()
    plan = scene.world.plan
    for headers in (scene.jp_editor, scene.nato_editor, scene.jp_viewer):
        overview = ok(client.get(f"{API}/plans/{plan}/overview", headers=headers))
        events = ok(client.get(f"{API}/plans/{plan}/events", headers=headers))
        assert overview == {
            "live_after": events["last_seq"],
            "dashboard": ok(client.get(f"{API}/plans/{plan}/dashboard", headers=headers)),
            "progress_history": ok(
                client.get(f"{API}/plans/{plan}/progress-history", headers=headers)
            ),
        }
    # NATO's internal commitment counts in NATO's figures only.
    jp = ok(client.get(f"{API}/plans/{plan}/overview", headers=scene.jp_editor))
    nato = ok(client.get(f"{API}/plans/{plan}/overview", headers=scene.nato_editor))
    assert nato["dashboard"]["commitments_total"] == jp["dashboard"]["commitments_total"] + 1


def test_the_overview_answers_304_until_something_in_it_changes(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    url = f"{API}/plans/{scene.world.plan}/overview"
    first = client.get(url, headers=scene.jp_editor)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    # Another ETag (or a list without this one) gets the whole answer.
    other = client.get(url, headers={**scene.jp_editor, "If-None-Match": '"0", "1"'})
    assert other.status_code == 200
    assert other.json() == first.json()

    _progress(client, scene.commitments["CYB-01"], scene.jp_editor)
    changed = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["live_after"] > first.json()["live_after"]


def test_the_workspace_is_its_parts_for_each_reader(client: TestClient, db: Database) -> None:
    scene = make_scene()
    review = first_review(client, scene)
    for headers in (scene.jp_editor, scene.nato_editor, scene.jp_viewer):
        workspace = client.get(f"{review_url(review['id'])}/workspace", headers=headers)
        assert workspace.status_code == 200, workspace.text
        events = ok(client.get(f"{API}/plans/{scene.world.plan}/events", headers=headers))
        assert workspace.json() == {
            "live_after": events["last_seq"],
            "review": ok(client.get(review_url(review["id"]), headers=headers)),
            "plan": ok(client.get(f"{API}/plans/{scene.world.plan}", headers=headers)),
        }
        again = client.get(
            f"{review_url(review['id'])}/workspace",
            headers={**headers, "If-None-Match": workspace.headers["ETag"]},
        )
        assert again.status_code == 304


def test_an_unknown_id_is_the_same_404_as_its_parts(client: TestClient, db: Database) -> None:
    scene = make_scene()
    unknown = uuid.uuid4()
    pairs: list[tuple[str, str]] = [
        (f"{API}/plans/{unknown}/overview", f"{API}/plans/{unknown}/dashboard"),
        (f"{review_url(unknown)}/workspace", review_url(unknown)),
    ]
    for composite, part in pairs:
        answers: list[Any] = []
        for url in (composite, part):
            response = client.get(url, headers=scene.jp_editor)
            body = assert_problem(response, 404, "not-found")
            answers.append({k: v for k, v in body.items() if k != "instance"})
        assert answers[0] == answers[1]


def test_a_bad_if_none_match_is_a_problem_not_an_error(client: TestClient, db: Database) -> None:
    scene = make_scene()
    response = client.get(
        f"{API}/plans/{scene.world.plan}/overview",
        headers={**scene.jp_editor, "If-None-Match": '"x"' * 400},
    )
    assert_problem(response, 422, "validation-error")


def test_the_commitment_table_is_its_parts_for_each_reader(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    plan = scene.world.plan
    queries: list[dict[str, Any]] = [
        {},
        {"limit": 2, "page": 2, "sort": "-reference"},
        {"status": ["planned", "in_progress"], "q": "NATO"},
    ]
    for headers in (scene.jp_editor, scene.nato_editor, scene.jp_viewer):
        for query in queries:
            table = client.get(
                f"{API}/plans/{plan}/commitment-table", params=query, headers=headers
            )
            assert table.status_code == 200, table.text
            assert table.json() == {
                "plan": ok(client.get(f"{API}/plans/{plan}", headers=headers)),
                "commitments": ok(
                    client.get(f"{API}/plans/{plan}/commitments", params=query, headers=headers)
                ),
            }
    # NATO's internal commitment is in NATO's table only.
    references = {
        name: {
            item["reference"]
            for item in ok(client.get(f"{API}/plans/{plan}/commitment-table", headers=headers))[
                "commitments"
            ]["items"]
        }
        for name, headers in (("jp", scene.jp_editor), ("nato", scene.nato_editor))
    }
    assert "MAR-NATO-01" in references["nato"]
    assert "MAR-NATO-01" not in references["jp"]
    assert references["nato"] - references["jp"] == {"MAR-NATO-01"}


def test_the_commitment_table_answers_304_until_something_in_it_changes(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    url = f"{API}/plans/{scene.world.plan}/commitment-table"
    first = client.get(url, headers=scene.jp_editor)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    # Another page of the same table is another answer.
    other = client.get(url, params={"limit": 1}, headers={**scene.jp_editor, "If-None-Match": etag})
    assert other.status_code == 200
    _progress(client, scene.commitments["CYB-01"], scene.jp_editor)
    changed = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_the_commitment_table_of_a_plan_one_may_not_read_is_the_plans_404(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    hidden = another_plan(scene.world, "JP-EU-PLAN", with_party="EU").plan
    assert (
        client.get(f"{API}/plans/{hidden}/commitment-table", headers=scene.jp_editor).status_code
        == 200
    )
    for plan in (hidden, uuid.uuid4()):
        answers: list[Any] = []
        for url in (f"{API}/plans/{plan}/commitment-table", f"{API}/plans/{plan}"):
            body = assert_problem(client.get(url, headers=scene.nato_editor), 404, "not-found")
            answers.append({k: v for k, v in body.items() if k != "instance"})
        assert answers[0] == answers[1]
    # Refused filters are the list's own problem.
    for url in (
        f"{API}/plans/{scene.world.plan}/commitment-table",
        f"{API}/plans/{scene.world.plan}/commitments",
    ):
        response = client.get(url, params={"due_before": "soon"}, headers=scene.jp_editor)
        assert_problem(response, 422, "validation-error")
