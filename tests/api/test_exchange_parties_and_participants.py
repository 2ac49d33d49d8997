"""Exchanges: filtering by party code and participants naming an organisation (both once
broken: a 500 for a code, and organisation ids compared as text against UUIDs)."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_conventions import assert_problem, row_counts
from tests.api.test_exchanges import ALL, exchanges_url, make_filter_world, references
from tests.conftest import Database
from tests.factories import exchange_body, make_world


def test_filter_by_party_code_matches_sender_or_receiver(client: TestClient) -> None:
    # The router documents `party` as "Party id or code (e.g. JP)"; a code gives a 500.
    world, _ = make_filter_world()
    assert references(client, world, party="JP") == ALL[:5]
    assert references(client, world, party="AU") == ["EX-006"]
    assert references(client, world, party="NATO") == ALL
    assert references(client, world, party=["AU", "JP"]) == ALL
    assert references(client, world, party="XX") == []


def test_a_participant_may_name_an_organisation_of_the_plan(client: TestClient) -> None:
    world = make_world()
    participants: list[dict[str, Any]] = [
        {"role": "Deputy", "name": "Sato Hanako", "organisation_id": str(world.mod)},
        {"role": "Host officer", "organisation_id": str(world.shape)},
    ]

    response = client.post(
        exchanges_url(world.plan), json=exchange_body(world, participants=participants)
    )

    assert response.status_code == 201, response.text
    assert response.json()["participants"] == [
        {"role": "Deputy", "name": "Sato Hanako", "organisation_id": str(world.mod)},
        {"role": "Host officer", "name": None, "organisation_id": str(world.shape)},
    ]


def test_an_unknown_participant_organisation_is_a_422_problem_and_writes_nothing(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    body = exchange_body(
        world, participants=[{"role": "Officer", "organisation_id": str(uuid.uuid4())}]
    )
    counts = row_counts(db)

    response = client.post(exchanges_url(world.plan), json=body)

    problem = assert_problem(response, 422, "rule-violation")
    assert problem["errors"][0]["loc"] == ["body", "participants", 0, "organisation_id"]
    assert row_counts(db) == counts


def test_updating_participants_with_an_organisation_is_accepted(client: TestClient) -> None:
    world = make_world()
    created = client.post(exchanges_url(world.plan), json=exchange_body(world)).json()

    response = client.patch(
        f"/api/v1/exchanges/{created['id']}",
        json={"participants": [{"role": "Officer", "organisation_id": str(world.mofa)}]},
        headers={"If-Match": created["etag"]},
    )

    assert response.status_code == 200, response.text
    assert response.json()["participants"][0]["organisation_id"] == str(world.mofa)
