"""Translation state through the API (DESIGN §3): each localized text has a governing
(source) language; when the source text changes, the other languages are stale until someone
updates them or reviews them as still right."""

from typing import Any

from fastapi.testclient import TestClient

from itpp_api.enums import PlanStatus
from tests.conftest import Database
from tests.factories import (
    World,
    agree,
    auth_headers,
    commitment_body,
    exchange_body,
    make_commitment,
    make_world,
)

API = "/api/v1"
PROBLEM = "application/problem+json"
TITLE = {"ja": "演習への参加", "en": "Exercise participation"}


def fresh(source: str = "ja") -> dict[str, Any]:
    return {"source": source, "stale": []}


def stale(source: str, *languages: str) -> dict[str, Any]:
    return {"source": source, "stale": list(languages)}


def draft_world() -> World:
    """The test world with its plan still a draft: its parties' editors write the texts of
    shared commitments directly (once the plan is in force, only an amendment changes them)."""
    return make_world(status=PlanStatus.DRAFT)


def create_commitment(client: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    response = client.post(
        f"{API}/plans/{world.plan}/commitments", json=commitment_body(world, **overrides)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def patch(client: TestClient, url: str, record: dict[str, Any], body: dict[str, Any]) -> Any:
    return client.patch(url, json=body, headers={"If-Match": record["etag"]})


def patched(client: TestClient, url: str, record: dict[str, Any], body: dict[str, Any]) -> Any:
    response = patch(client, url, record, body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def assert_problem(response: Any, problem_type: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["type"] == problem_type, body
    return body


# --- commitments ------------------------------------------------------------------------------


def test_a_new_commitment_is_governed_by_japanese_with_nothing_stale(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    commitment = create_commitment(client, world, description={"en": "English first", "ja": "説明"})
    assert commitment["translations"] == {"title": fresh("ja"), "description": fresh("ja")}
    english_only = create_commitment(client, world, title={"en": "Only English"})
    assert english_only["translations"] == {"title": fresh("en")}


def test_english_updated_alone_on_a_japanese_source_title_is_fresh_and_nothing_is_stale(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    commitment = create_commitment(client, world, title=TITLE)
    url = f"{API}/commitments/{commitment['id']}"
    updated = patched(client, url, commitment, {"title": {**TITLE, "en": "Joining the exercise"}})
    assert updated["translations"]["title"] == fresh("ja")


def test_japanese_updated_alone_makes_english_stale_until_english_is_updated(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    commitment = create_commitment(client, world, title=TITLE)
    url = f"{API}/commitments/{commitment['id']}"

    updated = patched(client, url, commitment, {"title": {**TITLE, "ja": "演習への正式参加"}})
    assert updated["translations"]["title"] == stale("ja", "en")
    # The single GET and the list say the same.
    assert client.get(url).json()["translations"]["title"] == stale("ja", "en")
    listed = client.get(f"{API}/plans/{world.plan}/commitments").json()["items"]
    assert [c["translations"]["title"] for c in listed if c["id"] == commitment["id"]] == [
        stale("ja", "en")
    ]
    # Another change that leaves the English alone keeps it stale.
    updated = patched(client, url, updated, {"progress": 20})
    assert updated["translations"]["title"] == stale("ja", "en")

    updated = patched(
        client,
        url,
        updated,
        {"title": {"ja": "演習への正式参加", "en": "Formal participation in the exercise"}},
    )
    assert updated["translations"]["title"] == fresh("ja")


def test_a_stale_translation_reviewed_as_still_right_is_fresh_without_changing_it(
    client: TestClient, db: Database
) -> None:
    # On a plan in force: the Japanese changes by amendment, the review is written directly.
    world = make_world()
    commitment_id = make_commitment(world, title=TITLE)
    agree(
        world.plan,
        [
            {
                "op": "modify_commitment",
                "commitment_id": str(commitment_id),
                "changes": {"title": {**TITLE, "ja": "演習への参加。"}},
            }
        ],
    )
    url = f"{API}/commitments/{commitment_id}"
    updated = client.get(url).json()
    assert updated["translations"]["title"] == stale("ja", "en")

    reviewed = patched(client, url, updated, {"reviewed_translations": {"title": ["en"]}})
    assert reviewed["translations"]["title"] == fresh("ja")
    assert reviewed["title"] == {**TITLE, "ja": "演習への参加。"}


def test_a_commitment_created_with_english_as_its_source(client: TestClient, db: Database) -> None:
    world = draft_world()
    commitment = create_commitment(
        client,
        world,
        description={"ja": "説明", "en": "Description"},
        source_languages={"title": "en"},
    )
    assert commitment["translations"] == {"title": fresh("en"), "description": fresh("ja")}
    url = f"{API}/commitments/{commitment['id']}"
    # Now the Japanese is the translation: changing it alone leaves nothing stale, changing the
    # English alone makes the Japanese stale.
    updated = patched(client, url, commitment, {"title": {**TITLE, "ja": "演習参加"}})
    assert updated["translations"]["title"] == fresh("en")
    updated = patched(client, url, updated, {"title": {"ja": "演習参加", "en": "Exercise"}})
    assert updated["translations"]["title"] == stale("en", "ja")


def test_the_source_moves_on_request_and_when_its_language_is_removed(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    commitment = create_commitment(
        client, world, title={"en": "Exercise", "fr": "Exercice", "ja": "演習"}
    )
    url = f"{API}/commitments/{commitment['id']}"
    moved = patched(client, url, commitment, {"source_languages": {"title": "en"}})
    assert moved["translations"]["title"] == fresh("en")
    removed = patched(client, url, moved, {"title": {"fr": "Exercice", "ja": "演習"}})
    assert removed["translations"]["title"] == fresh("ja")


def test_a_source_outside_the_text_or_an_unknown_field_is_a_422_problem(
    client: TestClient, db: Database
) -> None:
    world = draft_world()
    response = client.post(
        f"{API}/plans/{world.plan}/commitments",
        json=commitment_body(world, source_languages={"title": "fr"}),
    )
    body = assert_problem(response, "/problems/rule-violation")
    assert body["errors"][0]["loc"] == ["body", "source_languages", "title"]
    assert body["errors"][0]["type"] == "language_not_in_text"

    commitment = create_commitment(client, world)
    url = f"{API}/commitments/{commitment['id']}"
    # No description yet: it has no translation state to set.
    body = assert_problem(
        patch(client, url, commitment, {"source_languages": {"description": "en"}}),
        "/problems/rule-violation",
    )
    assert body["errors"][0]["type"] == "unknown_localized_field"
    body = assert_problem(
        patch(client, url, commitment, {"reviewed_translations": {"title": ["de"]}}),
        "/problems/rule-violation",
    )
    assert body["errors"][0]["loc"] == ["body", "reviewed_translations", "title"]
    assert_problem(
        patch(client, url, commitment, {"source_languages": {"title": "not a tag"}}),
        "/problems/validation-error",
    )
    # Nothing changed.
    assert client.get(url).json()["etag"] == commitment["etag"]


def test_milestones_have_their_own_translation_state(client: TestClient, db: Database) -> None:
    world = draft_world()
    commitment = create_commitment(
        client,
        world,
        milestones=[
            {"title": {"ja": "チーム編成", "en": "Team formed"}},
            {"title": {"ja": "報告", "en": "Report"}, "source_languages": {"title": "en"}},
        ],
    )
    first, second = commitment["milestones"]
    assert first["translations"] == {"title": fresh("ja")}
    assert second["translations"] == {"title": fresh("en")}
    url = f"{API}/milestones/{second['id']}"
    updated = patched(client, url, second, {"title": {"ja": "報告", "en": "Final report"}})
    assert updated["translations"] == {"title": stale("en", "ja")}


# --- exchanges, plans and priority areas -----------------------------------------------------


def test_an_exchange_tracks_each_of_its_texts(client: TestClient, db: Database) -> None:
    world = make_world()
    response = client.post(
        f"{API}/plans/{world.plan}/exchanges",
        json=exchange_body(
            world,
            title={"ja": "政策対話", "en": "Policy dialogue"},
            outcome={"en": "Joint statement", "ja": "共同声明"},
            source_languages={"outcome": "en"},
        ),
    )
    assert response.status_code == 201, response.text
    exchange = response.json()
    assert exchange["translations"] == {"title": fresh("ja"), "outcome": fresh("en")}
    url = f"{API}/exchanges/{exchange['id']}"
    updated = patched(
        client, url, exchange, {"outcome": {"en": "A joint statement", "ja": "共同声明"}}
    )
    assert updated["translations"] == {"title": fresh("ja"), "outcome": stale("en", "ja")}
    cleared = patched(client, url, updated, {"outcome": None})
    assert cleared["translations"] == {"title": fresh("ja")}
    listed = client.get(f"{API}/plans/{world.plan}/exchanges").json()["items"]
    assert listed[0]["translations"] == {"title": fresh("ja")}


def test_plan_sections_and_objectives_each_have_their_own_state(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    url = f"{API}/plans/{world.plan}"
    plan = client.get(url).json()
    assert plan["translations"] == {"title": fresh("ja")}
    sections = [
        {
            "number": "1.1",
            "heading": {"ja": "価値", "en": "Values"},
            "body": {"ja": "本文", "en": "Body"},
        },
        {"number": "4.1", "body": {"ja": "期間", "en": "Term"}},
    ]
    plan = patched(
        client,
        url,
        plan,
        {
            "sections": sections,
            "objectives": [{"ja": "対話", "en": "Dialogue"}],
            "source_languages": {"sections[4.1].body": "en"},
        },
    )
    assert plan["translations"] == {
        "title": fresh("ja"),
        "sections[1.1].heading": fresh("ja"),
        "sections[1.1].body": fresh("ja"),
        "sections[4.1].body": fresh("en"),
        "objectives[0]": fresh("ja"),
    }
    sections[0]["body"] = {"ja": "新しい本文", "en": "Body"}
    sections[1]["body"] = {"ja": "期間", "en": "The term"}
    plan = patched(client, url, plan, {"sections": sections})
    assert plan["translations"]["sections[1.1].body"] == stale("ja", "en")
    assert plan["translations"]["sections[1.1].heading"] == fresh("ja")
    assert plan["translations"]["sections[4.1].body"] == stale("en", "ja")
    assert plan["translations"]["objectives[0]"] == fresh("ja")

    body = assert_problem(
        patch(client, url, plan, {"source_languages": {"sections[9.9].body": "en"}}),
        "/problems/rule-violation",
    )
    assert body["errors"][0]["loc"] == ["body", "source_languages", "sections[9.9].body"]


def test_translation_state_of_an_active_plan_area_changes_directly_its_text_by_amendment(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    url = f"{API}/priority-areas/{world.cyber}"
    area = client.get(url).json()
    assert area["translations"] == {"title": fresh("ja")}
    moved = patched(client, url, area, {"source_languages": {"title": "en"}})
    assert moved["translations"] == {"title": fresh("en")}
    refused = patch(client, url, moved, {"title": {"ja": "サイバー", "en": "Cyber defence"}})
    assert refused.status_code == 409, refused.text


def test_an_amendment_changing_the_japanese_text_makes_the_english_stale(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, title=TITLE)
    changes = [
        {
            "op": "modify_commitment",
            "commitment_id": str(commitment_id),
            "changes": {"title": {**TITLE, "ja": "演習への正式参加"}},
        },
        {
            "op": "modify_priority_area",
            "priority_area_id": str(world.cyber),
            "changes": {"title": {"ja": "サイバー防衛協力", "en": "Cyber defence"}},
        },
        {"op": "change_text", "title": {"ja": "新しい計画", "en": "Test plan"}},
        {
            "op": "add_commitment",
            "commitment": {
                "priority_area_id": str(world.cyber),
                "reference": "CYB-50",
                "title": {"ja": "演習", "en": "Exercise"},
                "modality": "exercise_participation",
                "lead_party_id": str(world.nato),
                "source_languages": {"title": "en"},
            },
        },
    ]
    response = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json={
            "title": {"en": "Retitle", "ja": "改題"},
            "rationale": {"en": "Agreed.", "ja": "合意。"},
            "changes": changes,
        },
    )
    assert response.status_code == 201, response.text
    amendment = response.json()
    for party in ("JP", "NATO"):
        decided = client.post(
            f"{API}/amendments/{amendment['id']}/approvals",
            json={"decision": "approve"},
            headers=auth_headers(party, "approver"),
        )
        assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "applied"

    assert client.get(f"{API}/commitments/{commitment_id}").json()["translations"] == {
        "title": stale("ja", "en")
    }
    area = client.get(f"{API}/priority-areas/{world.cyber}").json()
    assert area["translations"] == {"title": stale("ja", "en")}
    plan = client.get(f"{API}/plans/{world.plan}").json()
    assert plan["translations"]["title"] == stale("ja", "en")
    added = client.get(f"{API}/plans/{world.plan}/commitments", params={"q": "CYB-50"}).json()
    assert added["items"][0]["translations"] == {"title": fresh("en")}
    # The version snapshot holds the state; the diff lists the texts, not the state.
    version = client.get(f"{API}/plans/{world.plan}/versions/2").json()
    assert version["snapshot"]["plan"]["translations"]["title"] == stale("ja", "en")
    diff = client.get(f"{API}/plans/{world.plan}/versions/diff", params={"from": 1, "to": 2})
    assert "translations" not in diff.json()["plan"]


def test_an_amendment_naming_a_source_outside_the_text_is_refused_when_proposed(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    commitment_id = make_commitment(world, title=TITLE)
    response = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json={
            "title": {"en": "Retitle"},
            "rationale": {"en": "Agreed."},
            "changes": [
                {
                    "op": "modify_commitment",
                    "commitment_id": str(commitment_id),
                    "changes": {"source_languages": {"title": "fr"}},
                }
            ],
        },
    )
    body = assert_problem(response, "/problems/rule-violation")
    assert body["errors"][0]["loc"] == [
        "body",
        "changes",
        0,
        "changes",
        "source_languages",
        "title",
    ]


def test_a_renewal_carries_the_translation_state_over_stale_marks_included(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    commitment_id = make_commitment(
        world,
        title=TITLE,
        milestones=[{"title": {"ja": "報告", "en": "Report"}, "source_languages": {"title": "en"}}],
    )
    # An earlier amendment changed the Japanese title: the English is stale when renewing.
    agree(
        world.plan,
        [
            {
                "op": "modify_commitment",
                "commitment_id": str(commitment_id),
                "changes": {"title": {**TITLE, "ja": "演習への正式参加"}},
            }
        ],
    )
    response = client.post(
        f"{API}/plans/{world.plan}/amendments",
        json={
            "title": {"en": "Renew"},
            "rationale": {"en": "Agreed."},
            "changes": [{"op": "renew", "reference": "NEXT-PLAN"}],
        },
    )
    assert response.status_code == 201, response.text
    for party in ("JP", "NATO"):
        decided = client.post(
            f"{API}/amendments/{response.json()['id']}/approvals",
            json={"decision": "approve"},
            headers=auth_headers(party, "approver"),
        )
        assert decided.status_code == 200, decided.text
    successor = decided.json()["successor_plan_id"]
    carried = client.get(f"{API}/plans/{successor}/commitments").json()["items"]
    assert len(carried) == 1
    assert carried[0]["translations"] == {"title": stale("ja", "en")}
    assert carried[0]["milestones"][0]["translations"] == {"title": fresh("en")}
    assert client.get(f"{API}/plans/{successor}").json()["translations"] == {"title": fresh("ja")}
