"""Translation state beyond plans, commitments and exchanges (issue 23, item 1): party and
organisation names, a review's joint summary and an amendment's title and rationale each know
their governing (source) language, and a review summary's translations go stale when its source
text changes, until they are updated or reviewed as still right."""

from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_reviews import (
    get,
    make_ready,
    make_scene,
    ok,
    review_url,
    sign_both,
    write_review,
)
from tests.api.test_translations import assert_problem, fresh, stale
from tests.factories import auth_headers, make_world

API = "/api/v1"


def test_a_party_name_is_governed_by_japanese_or_the_language_asked_for(
    client: TestClient,
) -> None:
    make_world()
    admin = auth_headers("JP", "admin")
    created = ok(
        client.post(
            f"{API}/parties",
            json={"code": "AUS", "name": {"en": "Australia", "ja": "オーストラリア"}},
            headers=admin,
        ),
        201,
    )
    assert created["translations"] == {"name": fresh("ja")}
    english = ok(
        client.post(
            f"{API}/parties",
            json={
                "code": "NZ",
                "name": {"ja": "ニュージーランド", "en": "New Zealand"},
                "source_languages": {"name": "en"},
            },
            headers=admin,
        ),
        201,
    )
    assert english["translations"] == {"name": fresh("en")}
    assert ok(client.get(f"{API}/parties/{english['id']}"))["translations"] == {"name": fresh("en")}
    listed = {p["code"]: p for p in ok(client.get(f"{API}/parties"))["items"]}
    assert listed["AUS"]["translations"] == {"name": fresh("ja")}
    assert listed["NZ"]["translations"] == {"name": fresh("en")}

    body = assert_problem(
        client.post(
            f"{API}/parties",
            json={"code": "FR", "name": {"en": "France"}, "source_languages": {"name": "fr"}},
            headers=admin,
        ),
        "/problems/rule-violation",
    )
    assert body["errors"][0]["loc"] == ["body", "source_languages", "name"]
    assert "FR" not in {p["code"] for p in ok(client.get(f"{API}/parties"))["items"]}


def test_an_organisation_name_has_its_translation_state(client: TestClient) -> None:
    world = make_world()
    admin = auth_headers("JP", "admin")
    created = ok(
        client.post(
            f"{API}/parties/{world.japan}/organisations",
            json={
                "code": "JSO",
                "name": {"ja": "統合作戦司令部", "en": "Joint Operations Command"},
                "source_languages": {"name": "en"},
            },
            headers=admin,
        ),
        201,
    )
    assert created["translations"] == {"name": fresh("en")}
    listed = ok(client.get(f"{API}/organisations", params={"party_id": str(world.japan)}))
    assert {o["code"]: o["translations"] for o in listed["items"]}["JSO"] == {"name": fresh("en")}


def test_a_review_summary_goes_stale_when_its_source_changes_until_reviewed(
    client: TestClient,
) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)  # summary in Japanese and English
    assert get(client, review_id, scene.jp_editor)["translations"] == {"summary": fresh("ja")}

    changed = write_review(
        client,
        review_id,
        scene.jp_editor,
        summary={"ja": "協力は一部遅れている。", "en": "Cooperation is broadly on track."},
    )
    assert changed["translations"] == {"summary": stale("ja", "en")}
    # The other party reads the same state.
    assert get(client, review_id, scene.nato_editor)["translations"] == {
        "summary": stale("ja", "en")
    }

    sign_both(client, scene, review_id)
    reviewed = write_review(
        client, review_id, scene.jp_editor, reviewed_translations={"summary": ["en"]}
    )
    assert reviewed["translations"] == {"summary": fresh("ja")}
    # The signed text did not change: both sign-offs stand.
    assert reviewed["sign_offs_withdrawn"] == []
    assert all(s["signed"] for s in reviewed["sign_offs"])
    assert reviewed["summary"] == changed["summary"]
    assert reviewed["etag"] != changed["etag"]


def test_a_review_summary_source_outside_the_text_is_a_422_problem(client: TestClient) -> None:
    scene = make_scene()
    review_id = make_ready(client, scene)
    before = get(client, review_id, scene.jp_editor)
    response = client.patch(
        review_url(review_id),
        json={"source_languages": {"summary": "fr"}},
        headers={**scene.jp_editor, "If-Match": before["etag"]},
    )
    body = assert_problem(response, "/problems/rule-violation")
    assert body["errors"][0]["loc"] == ["body", "source_languages", "summary"]
    assert get(client, review_id, scene.jp_editor)["etag"] == before["etag"]


def amendment(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"ja": "審査間隔の変更", "en": "Change the review interval"},
        "rationale": {"en": "Agreed at the joint review.", "ja": "合同レビューで合意。"},
        "changes": [{"op": "change_review_interval", "review_interval_months": 6}],
    }
    body.update(overrides)
    return body


def test_an_amendment_title_and_rationale_have_their_own_source(client: TestClient) -> None:
    world = make_world()
    url = f"{API}/plans/{world.plan}/amendments"
    created = ok(client.post(url, json=amendment(source_languages={"rationale": "en"})), 201)
    expected = {"title": fresh("ja"), "rationale": fresh("en")}
    assert created["translations"] == expected
    assert ok(client.get(f"{API}/amendments/{created['id']}"))["translations"] == expected
    assert ok(client.get(url))["items"][0]["translations"] == expected

    body = assert_problem(
        client.post(url, json=amendment(source_languages={"summary": "en"})),
        "/problems/rule-violation",
    )
    assert body["errors"][0]["type"] == "unknown_localized_field"
    assert len(ok(client.get(url))["items"]) == 1
