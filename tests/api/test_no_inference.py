"""What the other party could infer about Japan's internal records, one case of issue 14 each:
audit events of a record that became internal, links to internal commitments inside the events
the other party reads, and references that numbered internal records in the shared series."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from itpp_api.enums import PlanStatus, Role
from tests.conftest import Database, load_sample
from tests.factories import (
    auth_headers,
    bring_into_force,
    make_commitment,
    make_world,
    sample_headers,
)

API = "/api/v1"


def _events(client: TestClient, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit-events", params=query, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_history_of_a_record_made_internal_leaves_the_other_partys_every_view(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    japan = auth_headers("JP", Role.EDITOR, email="jp-editor@test.example")
    nato = auth_headers("NATO", Role.EDITOR, email="nato-editor@test.example")
    created = client.post(
        f"{API}/plans/{world.plan}/commitments",
        json={
            "priority_area_id": str(world.cyber),
            "title": {"en": "Secret drill plan", "ja": "秘密の訓練計画"},
            "modality": "exercise_participation",
            "lead_party_id": str(world.japan),
            "milestones": [{"title": {"en": "Team formed"}}],
        },
        headers=japan,
    )
    assert created.status_code == 201, created.text
    commitment = created.json()
    milestone = commitment["milestones"][0]
    done = client.patch(
        f"{API}/milestones/{milestone['id']}",
        json={"done_on": "2026-03-01"},
        headers={**japan, "If-Match": milestone["etag"]},
    )
    assert done.status_code == 200, done.text
    # While shared, NATO reads its history, the milestone's too.
    assert _events(client, nato, entity_id=commitment["id"])
    assert _events(client, nato, entity_id=milestone["id"])
    current = client.get(f"{API}/commitments/{commitment['id']}", headers=japan).json()
    made_internal = client.patch(
        f"{API}/commitments/{commitment['id']}",
        json={"visibility": "internal"},
        headers={**japan, "If-Match": current["etag"]},
    )
    assert made_internal.status_code == 200, made_internal.text
    milestone = milestone["id"]

    # Now it never existed for NATO: not by id, not in any list of events, not live.
    assert _events(client, nato, entity_id=commitment["id"]) == []
    assert _events(client, nato, entity_id=milestone) == []
    every_event = str(_events(client, nato, plan_id=str(world.plan), limit=200))
    assert commitment["id"] not in every_event and "Secret drill plan" not in every_event
    dashboard = client.get(f"{API}/plans/{world.plan}/dashboard", headers=nato).json()
    assert "Secret drill plan" not in str(dashboard["recent_activity"])
    live = client.get(f"{API}/plans/{world.plan}/events", params={"after": 0}, headers=nato)
    assert live.status_code == 200
    assert commitment["id"] not in live.text and "Secret drill plan" not in live.text
    history = client.get(f"{API}/commitments/{commitment['id']}/history", headers=nato)
    assert history.status_code == 404
    # Japan keeps all of it.
    assert len(_events(client, japan, entity_id=commitment["id"])) == 2
    assert _events(client, japan, entity_id=milestone)


def test_the_other_partys_events_of_an_exchange_name_only_the_commitments_it_may_see(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    shared = make_commitment(world)
    internal = make_commitment(world, visibility="internal", title={"en": "Japan only"})
    bring_into_force(world.plan)
    japan = auth_headers("JP", Role.EDITOR, email="jp-editor@test.example")
    nato = auth_headers("NATO", Role.EDITOR, email="nato-editor@test.example")
    created = client.post(
        f"{API}/plans/{world.plan}/exchanges",
        json={
            "kind": "seminar",
            "title": {"en": "Joint seminar"},
            "from_party_id": str(world.japan),
            "to_party_id": str(world.nato),
            "start_date": "2026-09-14",
            "commitment_ids": [str(shared), str(internal)],
        },
        headers=japan,
    )
    assert created.status_code == 201, created.text
    (event,) = _events(client, nato, entity_id=created.json()["id"])
    assert event["after"]["commitment_ids"] == [str(shared)]
    (own,) = _events(client, japan, entity_id=created.json()["id"])
    assert sorted(own["after"]["commitment_ids"]) == sorted([str(shared), str(internal)])
    # Filtering the exchanges by the hidden commitment finds what an unknown id finds: nothing.
    url = f"{API}/plans/{world.plan}/exchanges"
    by_hidden = client.get(url, params={"commitment_id": str(internal)}, headers=nato).json()
    by_unknown = client.get(url, params={"commitment_id": str(uuid.uuid4())}, headers=nato).json()
    assert by_hidden == by_unknown == {"items": [], "next_cursor": None, "total": 0}


def test_each_partys_internal_records_are_numbered_apart_and_the_shared_series_has_no_gaps(
    anonymous_client: TestClient, db: Database
) -> None:
    load_sample()
    client = anonymous_client
    nato = sample_headers("NATO", Role.EDITOR)
    japan = sample_headers("JP", Role.EDITOR)
    plans = client.get(f"{API}/plans?status=active", headers=nato).json()["items"]
    (plan,) = [p for p in plans if p["reference"] == "JP-NATO-ITPP"]
    url = f"{API}/plans/{plan['id']}/commitments"
    seen_by_nato = [
        c["reference"] for c in client.get(url, params={"limit": 200}, headers=nato).json()["items"]
    ]
    # The shared series of every area runs 01, 02, … without a gap where Japan's internal
    # commitment would be; NATO's own internal one is in NATO's series.
    by_area: dict[str, list[int]] = {}
    for reference in seen_by_nato:
        prefix, number = reference.rsplit("-", 1)
        if prefix.count("-") == 0:
            by_area.setdefault(prefix, []).append(int(number))
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in by_area.values())
    assert "OTH-NATO-01" in seen_by_nato
    assert not any("-JP-" in reference for reference in seen_by_nato)
    seen_by_japan = [
        c["reference"]
        for c in client.get(url, params={"limit": 200}, headers=japan).json()["items"]
    ]
    assert "ACD-JP-01" in seen_by_japan and "OTH-NATO-01" not in seen_by_japan

    # A reference NATO chooses is judged by NATO's own series, never against Japan's records.
    area = next(
        a
        for a in client.get(f"{API}/plans/{plan['id']}/priority-areas", headers=nato).json()[
            "items"
        ]
        if a["code"] == "3.1.4"
    )
    nato_party = next(p["id"] for p in plan["parties"] if p["code"] == "NATO")
    for reference in ("ACD-JP-01", "ACD-XX-01"):
        refused = client.post(
            url,
            json={
                "priority_area_id": area["id"],
                "reference": reference,
                "title": {"en": "NATO's own"},
                "modality": "other",
                "lead_party_id": nato_party,
                "visibility": "internal",
            },
            headers=nato,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["type"] == "reference_series"
        assert "JP" not in refused.json()["detail"].replace(reference, "")
    created = client.post(
        url,
        json={
            "priority_area_id": area["id"],
            "title": {"en": "NATO's own"},
            "modality": "other",
            "lead_party_id": nato_party,
            "visibility": "internal",
        },
        headers=nato,
    )
    assert created.status_code == 201, created.text
    assert created.json()["reference"] == "ACD-NATO-01"
