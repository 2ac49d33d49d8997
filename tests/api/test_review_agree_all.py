"""Agreeing where the parties agree (issue 18 §5): `POST /reviews/{id}/agree-where-parties-agree`.

An approver records, in one transaction, the agreed rating of every named item that every party
assessed alike; an item changed since the approver read it is skipped and reported, never
agreed; editors and viewers are refused; the review says when the operation is offered
(`agree_all`), each item whether it qualifies (`agreeable`), and how far the review is
(`counts`, `sign_off_needs`). The client fixture runs each test on SQLite and PostgreSQL."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.reviews.schemas import AgreeResult, ReviewPublic
from tests.api.test_conventions import assert_problem
from tests.api.test_reviews import (
    Scene,
    agree,
    assess,
    audit_events,
    get,
    item_of,
    make_scene,
    ok,
    open_first,
    review_url,
    sign,
    write_review,
)


def agree_all_url(review_id: str) -> str:
    return f"{review_url(review_id)}/agree-where-parties-agree"


def as_read(review: dict[str, Any], *references: str) -> list[dict[str, str]]:
    return [
        {"id": item_of(review, ref)["id"], "etag": item_of(review, ref)["etag"]}
        for ref in references
    ]


def assessed_alike(client: TestClient, scene: Scene) -> str:
    """Review 1 open: both parties rate CYB-01 on track, they differ on MAR-01; NATO rates its
    internal MAR-NATO-01."""
    review_id: str = open_first(client, scene)["id"]
    assess(client, review_id, "CYB-01", scene.jp_editor, "on_track")
    assess(client, review_id, "CYB-01", scene.nato_editor, "on_track")
    assess(client, review_id, "MAR-01", scene.jp_editor, "at_risk")
    assess(client, review_id, "MAR-01", scene.nato_editor, "on_track")
    assess(client, review_id, "MAR-NATO-01", scene.nato_editor, "off_track")
    return review_id


def test_the_review_says_which_items_qualify_and_offers_it_to_approvers_only(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    review = get(client, review_id, scene.jp_approver)
    ReviewPublic.model_validate(review)
    assert {i["commitment"]["reference"]: i["agreeable"] for i in review["items"]} == {
        "CYB-01": True,
        "MAR-01": False,  # the parties differ
    }
    assert review["counts"] == {
        "items": 2,
        "assessed": {"JP": 2, "NATO": 2},
        "disagreements": 1,
        "agreed": 0,
        "unagreed": 2,
        "agreeable": 1,
    }
    assert review["sign_off_needs"] == ["summary", "outcome", "agreed_ratings"]
    assert "agree_all" in review["allowed_actions"]
    listed = ok(client.get(f"/api/v1/plans/{scene.world.plan}/reviews", headers=scene.jp_approver))
    assert "agree_all" in listed["items"][0]["allowed_actions"]
    for headers in (scene.jp_editor, scene.jp_viewer):
        assert "agree_all" not in get(client, review_id, headers)["allowed_actions"]
    # NATO sees its internal commitment too: rated by NATO alone, it is not agreed in bulk.
    nato = get(client, review_id, scene.nato_approver)
    assert item_of(nato, "MAR-NATO-01")["agreeable"] is False
    assert nato["counts"]["items"] == 3 and nato["counts"]["assessed"] == {"JP": 2, "NATO": 3}


def test_an_approver_agrees_where_the_parties_agree_in_one_step(client: TestClient) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    review = get(client, review_id, scene.jp_approver)
    response = client.post(
        agree_all_url(review_id),
        json={"items": as_read(review, "CYB-01", "MAR-01")},
        headers=scene.jp_approver,
    )
    body = ok(response)
    AgreeResult.model_validate(body)
    assert response.headers["etag"] == body["etag"]
    assert [(a["reference"], a["agreed_rating"]) for a in body["agreed"]] == [
        ("CYB-01", "on_track")
    ]
    assert [(s["reference"], s["reason"]) for s in body["skipped"]] == [("MAR-01", "not_agreeable")]
    assert item_of(body, "CYB-01")["agreed_rating"] == "on_track"
    assert item_of(body, "MAR-01")["agreed_rating"] is None
    assert body["counts"]["agreed"] == 1 and body["counts"]["agreeable"] == 0
    assert "agree_all" not in body["allowed_actions"]
    # Each agreement is in the audit trail, as a single one would be.
    events = audit_events(client, scene.jp_approver, entity_type="review_item")
    assert any(
        e["after"] and e["after"].get("agreed_rating") == "on_track" and e["action"] == "update"
        for e in events
    )


def test_items_changed_since_they_were_read_are_skipped_and_reported(client: TestClient) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    read = get(client, review_id, scene.jp_approver)
    # Meanwhile NATO changes its view of CYB-01 (still on track, with a note): the item's ETag
    # moves, and what Japan's approver saw is no longer what is there.
    assess(client, review_id, "CYB-01", scene.nato_editor, "on_track", note="Confirmed.")
    body = ok(
        client.post(
            agree_all_url(review_id),
            json={"items": as_read(read, "CYB-01")},
            headers=scene.jp_approver,
        )
    )
    assert body["agreed"] == []
    assert [(s["reference"], s["reason"]) for s in body["skipped"]] == [("CYB-01", "changed")]
    assert item_of(get(client, review_id, scene.jp_viewer), "CYB-01")["agreed_rating"] is None
    # Read again, it is agreed.
    fresh = get(client, review_id, scene.jp_approver)
    body = ok(
        client.post(
            agree_all_url(review_id),
            json={"items": as_read(fresh, "CYB-01")},
            headers=scene.jp_approver,
        )
    )
    assert [a["reference"] for a in body["agreed"]] == ["CYB-01"]


def test_an_item_already_agreed_or_unknown_is_skipped(client: TestClient) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    agree(client, review_id, "CYB-01", scene.jp_editor, "at_risk")
    review = get(client, review_id, scene.jp_approver)
    nato = get(client, review_id, scene.nato_approver)
    hidden = item_of(nato, "MAR-NATO-01")
    unknown = {"id": "00000000-0000-4000-8000-000000000000", "etag": '"x"'}
    body = ok(
        client.post(
            agree_all_url(review_id),
            json={
                "items": [
                    *as_read(review, "CYB-01"),
                    {"id": hidden["id"], "etag": hidden["etag"]},
                    unknown,
                ]
            },
            headers=scene.jp_approver,
        )
    )
    assert body["agreed"] == []
    reasons = [(s["reference"], s["reason"]) for s in body["skipped"]]
    # NATO's internal item answers exactly like one that never existed.
    assert reasons[0] == ("CYB-01", "not_agreeable")
    assert reasons[1:] == [(None, "not_found"), (None, "not_found")]
    # The agreed rating set by hand stays.
    assert item_of(get(client, review_id, scene.jp_viewer), "CYB-01")["agreed_rating"] == "at_risk"


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_editors_and_viewers_are_refused_and_nothing_changes(client: TestClient, who: str) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    review = get(client, review_id, scene.jp_approver)
    headers = scene.jp_editor if who == "editor" else scene.jp_viewer
    response = client.post(
        agree_all_url(review_id), json={"items": as_read(review, "CYB-01")}, headers=headers
    )
    assert_problem(response, 403, "forbidden")
    assert item_of(get(client, review_id, scene.jp_viewer), "CYB-01")["agreed_rating"] is None


def test_bad_requests_are_refused_with_a_problem(client: TestClient) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    for body in ({"items": []}, {}, {"items": [{"id": "nope", "etag": '"1"'}]}):
        assert_problem(
            client.post(agree_all_url(review_id), json=body, headers=scene.jp_approver),
            422,
            "validation-error",
        )
    # A scheduled review (the second) cannot be written.
    second = ok(client.get(f"/api/v1/plans/{scene.world.plan}/reviews", headers=scene.jp_approver))[
        "items"
    ][1]
    response = client.post(
        agree_all_url(second["id"]),
        json={"items": [{"id": "00000000-0000-4000-8000-000000000000", "etag": '"1"'}]},
        headers=scene.jp_approver,
    )
    assert_problem(response, 409, "conflict")


def test_sign_off_is_offered_once_nothing_the_party_must_see_is_missing(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = assessed_alike(client, scene)
    review = get(client, review_id, scene.jp_approver)
    assert "sign_off" not in review["allowed_actions"]
    ok(
        client.post(
            agree_all_url(review_id),
            json={"items": as_read(review, "CYB-01")},
            headers=scene.jp_approver,
        )
    )
    agree(client, review_id, "MAR-01", scene.jp_editor, "at_risk")
    write_review(client, review_id, scene.jp_editor, summary={"en": "Fine."}, outcome="continue")
    review = get(client, review_id, scene.jp_approver)
    assert review["sign_off_needs"] == []
    assert "sign_off" in review["allowed_actions"]
    ok(sign(client, review_id, scene.jp_approver), 201)
