"""The composite reads of the web's pages (issue 18 item 8): `getPlanOverview` (the dashboard
page), `getPlanCommitmentTable` (the commitments page) and `getReviewWorkspace` (the review
page: with the review's files and a page of its comment threads) answer, for each reader,
exactly what their parts answer that reader — the same access rules, the same 404, the same
400 for a damaged cursor — in one request, with an ETag of the whole answer and 304 for
`If-None-Match` while nothing in it changed."""

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


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _attach(
    client: TestClient, review_id: str, name: str, headers: dict[str, str], **params: str
) -> dict[str, Any]:
    return ok(
        client.post(
            f"{review_url(review_id)}/attachments",
            files={"file": (name, PDF, "application/octet-stream")},
            params=params,
            headers=headers,
        ),
        201,
    )


def _comment(
    client: TestClient, review_id: str, body: str, headers: dict[str, str], **extra: str
) -> dict[str, Any]:
    return ok(
        client.post(
            f"{review_url(review_id)}/comments", json={"body": body, **extra}, headers=headers
        ),
        201,
    )


def _ids(page: dict[str, Any]) -> set[str]:
    """The ids of a list's items and of their replies."""
    return {item["id"] for item in page["items"]} | {
        reply["id"] for item in page["items"] for reply in item.get("replies", [])
    }


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
    _attach(client, review["id"], "shared.pdf", scene.jp_editor)
    _attach(client, review["id"], "ours.pdf", scene.nato_editor, visibility="internal")
    thread = _comment(client, review["id"], "For both parties.", scene.jp_editor)
    _comment(client, review["id"], "Agreed.", scene.nato_editor, reply_to=thread["id"])
    _comment(client, review["id"], "Between us.", scene.jp_editor, visibility="internal")
    for headers in (scene.jp_editor, scene.nato_editor, scene.jp_viewer):
        workspace = client.get(f"{review_url(review['id'])}/workspace", headers=headers)
        assert workspace.status_code == 200, workspace.text
        events = ok(client.get(f"{API}/plans/{scene.world.plan}/events", headers=headers))
        assert workspace.json() == {
            "live_after": events["last_seq"],
            "review": ok(client.get(review_url(review["id"]), headers=headers)),
            "plan": ok(client.get(f"{API}/plans/{scene.world.plan}", headers=headers)),
            "attachments": ok(
                client.get(f"{review_url(review['id'])}/attachments", headers=headers)
            ),
            "comments": ok(client.get(f"{review_url(review['id'])}/comments", headers=headers)),
        }
        again = client.get(
            f"{review_url(review['id'])}/workspace",
            headers={**headers, "If-None-Match": workspace.headers["ETag"]},
        )
        assert again.status_code == 304


def test_the_workspace_holds_no_internal_file_or_comment_of_the_other_party(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review = first_review(client, scene)["id"]
    shared_file = _attach(client, review, "shared.pdf", scene.jp_editor)
    jp_file = _attach(client, review, "jp.pdf", scene.jp_editor, visibility="internal")
    nato_file = _attach(client, review, "nato.pdf", scene.nato_editor, visibility="internal")
    shared = _comment(client, review, "For both parties.", scene.jp_editor)
    jp_reply = _comment(
        client, review, "Between us.", scene.jp_editor, reply_to=shared["id"], visibility="internal"
    )
    jp_thread = _comment(client, review, "Ours only.", scene.jp_editor, visibility="internal")
    nato_thread = _comment(client, review, "Le nôtre.", scene.nato_editor, visibility="internal")

    def workspace(headers: dict[str, str]) -> dict[str, Any]:
        return ok(client.get(f"{review_url(review)}/workspace", headers=headers))

    jp, nato = workspace(scene.jp_editor), workspace(scene.nato_editor)
    assert _ids(jp["attachments"]) == {shared_file["id"], jp_file["id"]}
    assert _ids(nato["attachments"]) == {shared_file["id"], nato_file["id"]}
    assert _ids(jp["comments"]) == {shared["id"], jp_reply["id"], jp_thread["id"]}
    assert _ids(nato["comments"]) == {shared["id"], nato_thread["id"]}
    # Not even counted: the shared thread has no reply for NATO, two comments in all.
    assert (jp["comments"]["count"], nato["comments"]["count"]) == (3, 2)
    (nato_shared,) = [t for t in nato["comments"]["items"] if t["id"] == shared["id"]]
    assert nato_shared["reply_count"] == 0
    # A Japanese viewer sees what Japan sees, and may neither attach nor comment.
    viewer = workspace(scene.jp_viewer)
    assert _ids(viewer["attachments"]) == _ids(jp["attachments"])
    assert _ids(viewer["comments"]) == _ids(jp["comments"])
    assert viewer["attachments"]["allowed_actions"] == []
    assert viewer["comments"]["allowed_actions"] == []
    assert jp["attachments"]["allowed_actions"] == ["attach"]
    assert jp["comments"]["allowed_actions"] == ["comment"]


def test_the_workspaces_threads_page_as_the_thread_list_does(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review = first_review(client, scene)["id"]
    for number in range(3):
        _comment(client, review, f"Thread {number}.", scene.jp_editor)
    url, threads = f"{review_url(review)}/workspace", f"{review_url(review)}/comments"

    def get(address: str, **params: Any) -> Any:
        return client.get(address, params=params, headers=scene.jp_editor)

    first = ok(get(url, comments_limit=2))
    assert first["comments"] == ok(get(threads, limit=2))
    assert [t["body"] for t in first["comments"]["items"]] == ["Thread 0.", "Thread 1."]
    cursor = first["comments"]["next_cursor"]
    assert cursor
    second = ok(get(url, comments_limit=2, comments_cursor=cursor))
    assert second["comments"] == ok(get(threads, limit=2, cursor=cursor))
    assert [t["body"] for t in second["comments"]["items"]] == ["Thread 2."]
    assert second["comments"]["next_cursor"] is None
    # Without the parameters: the list's first page of its default size.
    assert ok(get(url))["comments"] == ok(get(threads))

    # A damaged cursor is the list's 400, a limit out of bounds the list's 422.
    refused = [
        ({"comments_cursor": "not-a-cursor"}, {"cursor": "not-a-cursor"}, 400, "invalid-cursor"),
        ({"comments_limit": 0}, {"limit": 0}, 422, "validation-error"),
        ({"comments_limit": 101}, {"limit": 101}, 422, "validation-error"),
        ({"comments_cursor": "x" * 513}, {"cursor": "x" * 513}, 422, "validation-error"),
    ]
    for composite, own, status, slug in refused:
        ours = assert_problem(get(url, **composite), status, slug)
        theirs = assert_problem(get(threads, **own), status, slug)
        if status == 400:
            assert ours["detail"] == theirs["detail"]


def test_the_workspaces_etag_moves_with_its_files_and_threads_only(
    client: TestClient, db: Database
) -> None:
    scene = make_scene()
    review = first_review(client, scene)["id"]
    url = f"{review_url(review)}/workspace"
    first = client.get(url, headers=scene.jp_editor)
    assert first.status_code == 200, first.text
    etag = first.headers["ETag"]
    # NATO's internal comment and file leave no trace in Japan's answer: still 304.
    _comment(client, review, "Le nôtre.", scene.nato_editor, visibility="internal")
    _attach(client, review, "nato.pdf", scene.nato_editor, visibility="internal")
    unchanged = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert unchanged.status_code == 304
    # A comment Japan sees changes it.
    _comment(client, review, "For both parties.", scene.nato_editor)
    changed = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["comments"]["count"] == first.json()["comments"]["count"] + 1
    # And so does a file.
    etag = changed.headers["ETag"]
    _attach(client, review, "shared.pdf", scene.nato_editor)
    attached = client.get(url, headers={**scene.jp_editor, "If-None-Match": etag})
    assert attached.status_code == 200
    assert attached.headers["ETag"] != etag
    assert [a["file_name"] for a in attached.json()["attachments"]["items"]] == ["shared.pdf"]


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
