"""A commitment's ETag follows the exchanges that deliver it (issue 23, item 1).

A commitment's representation lists the exchanges linked to it that the reader may see, so a
link made or removed moves the ETag of every reader who sees the exchange — on the single
read, in the list and in what If-Match is compared with — while a link to an exchange internal
to one party moves that party's ETag only: the other party's ETag and body stay exactly as they
were, so nothing tells it that the internal exchange exists.
"""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.api.test_conventions import assert_problem
from tests.factories import World, auth_headers, exchange_body, make_commitment, make_world

API = "/api/v1"


def read(client: TestClient, commitment: uuid.UUID, headers: dict[str, str]) -> dict[str, Any]:
    """The commitment as the reader sees it: the single read's body, with its ETag header and
    the ETag of its row in the plan's list, which must all agree."""
    response = client.get(f"{API}/commitments/{commitment}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == body["etag"]
    listed = client.get(f"{API}/plans/{body['plan_id']}/commitments", headers=headers).json()
    [row] = [item for item in listed["items"] if item["id"] == str(commitment)]
    assert row["etag"] == body["etag"]
    return body


def link(
    client: TestClient, world: World, commitment: uuid.UUID, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """Create an exchange delivering the commitment, as the reader of `headers`."""
    body = exchange_body(world, commitment_ids=[str(commitment)], **fields)
    response = client.post(f"{API}/plans/{world.plan}/exchanges", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def unlink(client: TestClient, exchange: dict[str, Any], headers: dict[str, str]) -> None:
    response = client.patch(
        f"{API}/exchanges/{exchange['id']}",
        json={"commitment_ids": []},
        headers={**headers, "If-Match": exchange["etag"]},
    )
    assert response.status_code == 200, response.text


def test_linking_and_unlinking_a_shared_exchange_moves_both_parties_etag(
    client: TestClient,
) -> None:
    world = make_world()
    commitment = make_commitment(world, reference="CYB-01")
    japan, nato = auth_headers("JP", "editor"), auth_headers("NATO", "editor")
    readers = {"JP": japan, "NATO": nato}
    before = {party: read(client, commitment, h)["etag"] for party, h in readers.items()}
    assert before["JP"] == before["NATO"]

    exchange = link(client, world, commitment, japan)
    linked = {party: read(client, commitment, h) for party, h in readers.items()}
    for party in ("JP", "NATO"):
        assert [e["id"] for e in linked[party]["exchanges"]] == [exchange["id"]]
        assert linked[party]["etag"] != before[party]
    assert linked["JP"]["etag"] == linked["NATO"]["etag"]

    unlink(client, exchange, japan)
    after = {party: read(client, commitment, h) for party, h in readers.items()}
    for party in ("JP", "NATO"):
        assert after[party]["exchanges"] == []
        assert after[party]["etag"] != linked[party]["etag"]


def test_an_exchange_internal_to_nato_moves_natos_etag_and_leaves_japans_untouched(
    client: TestClient,
) -> None:
    world = make_world()
    commitment = make_commitment(world, reference="CYB-01")
    japan, nato = auth_headers("JP", "editor"), auth_headers("NATO", "editor")
    japan_before = read(client, commitment, japan)
    nato_before = read(client, commitment, nato)

    internal = link(
        client,
        world,
        commitment,
        nato,
        from_party_id=str(world.nato),
        from_organisation_id=str(world.shape),
        to_party_id=str(world.japan),
        visibility="internal",
    )

    nato_after = read(client, commitment, nato)
    assert [e["id"] for e in nato_after["exchanges"]] == [internal["id"]]
    assert nato_after["etag"] != nato_before["etag"]
    # Japan reads exactly what it read before: same body, same ETag.
    assert read(client, commitment, japan) == japan_before
    # So Japan's If-Match still holds, and its change goes through.
    changed = client.patch(
        f"{API}/commitments/{commitment}",
        json={"progress": 40},
        headers={**japan, "If-Match": japan_before["etag"]},
    )
    assert changed.status_code == 200, changed.text
    # NATO's link is still behind NATO's ETag after Japan's change, and Japan's is not.
    assert changed.json()["etag"] == read(client, commitment, japan)["etag"]
    assert read(client, commitment, nato)["etag"] != changed.json()["etag"]

    unlink(client, internal, nato)
    assert read(client, commitment, nato)["etag"] == read(client, commitment, japan)["etag"]


def test_a_stale_if_match_after_a_link_change_is_412(client: TestClient) -> None:
    world = make_world()
    commitment = make_commitment(world, reference="CYB-01")
    japan = auth_headers("JP", "editor")
    stale = read(client, commitment, japan)["etag"]
    link(client, world, commitment, japan)
    url = f"{API}/commitments/{commitment}"

    for response in (
        client.patch(url, json={"progress": 10}, headers={**japan, "If-Match": stale}),
        client.delete(url, headers={**japan, "If-Match": stale}),
    ):
        assert_problem(response, 412, "precondition-failed")
        assert response.headers["etag"] == read(client, commitment, japan)["etag"]

    current = read(client, commitment, japan)["etag"]
    response = client.patch(url, json={"progress": 10}, headers={**japan, "If-Match": current})
    assert response.status_code == 200, response.text


def test_a_change_to_a_linked_exchange_moves_the_commitments_etag(client: TestClient) -> None:
    # The commitment lists its exchanges' titles, dates and statuses.
    world = make_world()
    commitment = make_commitment(world, reference="CYB-01")
    japan = auth_headers("JP", "editor")
    exchange = link(client, world, commitment, japan)
    before = read(client, commitment, japan)

    response = client.patch(
        f"{API}/exchanges/{exchange['id']}",
        json={"status": "confirmed"},
        headers={**japan, "If-Match": exchange["etag"]},
    )
    assert response.status_code == 200, response.text

    after = read(client, commitment, japan)
    assert after["exchanges"][0]["status"] == "confirmed"
    assert after["etag"] != before["etag"]
