"""Editing an organisation (issue 19, item 4): an admin of its party changes its names and code
with the ETag it read (If-Match), the change is audited, and nobody else may make it."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import auth_headers, make_world

API = "/api/v1"


def _organisation(client: TestClient, headers: dict[str, str], code: str) -> dict[str, Any]:
    listed = client.get(f"{API}/organisations", headers=headers)
    assert listed.status_code == 200, listed.text
    (found,) = [item for item in listed.json()["items"] if item["code"] == code]
    return found


def test_an_admin_of_its_party_renames_and_recodes_an_organisation(client: TestClient) -> None:
    make_world()
    admin = auth_headers("JP", "admin")
    mofa = _organisation(client, admin, "MOFA")
    assert mofa["allowed_actions"] == ["update"]
    url = f"{API}/organisations/{mofa['id']}"

    # Without the ETag, or with a wildcard: 428; nothing changes.
    missing = client.patch(url, json={"code": "MOFAJ"}, headers=admin)
    assert missing.status_code == 428, missing.text
    wildcard = client.patch(url, json={"code": "MOFAJ"}, headers={**admin, "If-Match": "*"})
    assert wildcard.status_code == 428

    changed = client.patch(
        url,
        json={
            "code": "MOFAJ",
            "name": {"ja": "外務省", "en": "Ministry of Foreign Affairs of Japan"},
        },
        headers={**admin, "If-Match": mofa["etag"]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["code"] == "MOFAJ"
    assert body["name"] == {"ja": "外務省", "en": "Ministry of Foreign Affairs of Japan"}
    assert changed.headers["ETag"] == body["etag"] != mofa["etag"]
    assert _organisation(client, admin, "MOFAJ")["id"] == mofa["id"]
    read = client.get(url, headers=admin)
    assert read.status_code == 200 and read.headers["ETag"] == body["etag"]
    assert read.json()["code"] == "MOFAJ"

    # The ETag read before the change is stale now: 412 with the current one.
    again = client.patch(url, json={"code": "MOFA2"}, headers={**admin, "If-Match": mofa["etag"]})
    assert again.status_code == 412
    assert again.headers["ETag"] == body["etag"]

    # Another organisation's code is taken: 409, nothing written.
    taken = client.patch(url, json={"code": "MOD"}, headers={**admin, "If-Match": body["etag"]})
    assert taken.status_code == 409, taken.text
    # Null names are refused (names may be changed, never removed).
    null = client.patch(url, json={"name": None}, headers={**admin, "If-Match": body["etag"]})
    assert null.status_code == 422
    assert _organisation(client, admin, "MOFAJ")["etag"] == body["etag"]

    events = client.get(f"{API}/audit-events", headers=admin, params={"limit": 200})
    assert events.status_code == 200, events.text
    (event,) = [
        e
        for e in events.json()["items"]
        if e["entity_id"] == mofa["id"] and e["action"] == "update"
    ]
    assert event["entity_type"] == "organisation"


def test_only_an_admin_of_the_organisations_party_may_edit_it(client: TestClient) -> None:
    make_world()
    japans_admin = auth_headers("JP", "admin")
    natos_admin = auth_headers("NATO", "admin")
    japans_editor = auth_headers("JP", "editor")
    mofa = _organisation(client, japans_admin, "MOFA")
    url = f"{API}/organisations/{mofa['id']}"
    # Organisations are reference data everyone reads: NATO's admin sees MOFA, with no action.
    assert _organisation(client, natos_admin, "MOFA")["allowed_actions"] == []
    assert _organisation(client, japans_editor, "MOFA")["allowed_actions"] == []
    assert _organisation(client, natos_admin, "SHAPE")["allowed_actions"] == ["update"]
    for headers in (natos_admin, japans_editor):
        refused = client.patch(
            url, json={"code": "TAKEN"}, headers={**headers, "If-Match": mofa["etag"]}
        )
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert _organisation(client, japans_admin, "MOFA")["etag"] == mofa["etag"]
    # An organisation that does not exist: 404.
    unknown = client.patch(
        f"{API}/organisations/00000000-0000-0000-0000-000000000000",
        json={"code": "NEW"},
        headers={**japans_admin, "If-Match": mofa["etag"]},
    )
    assert unknown.status_code == 404
