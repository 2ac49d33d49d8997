"""Text never contains NUL (U+0000): PostgreSQL cannot store or compare it (a search for it
was a 500, found by the fuzzer), so it is refused with 422 on both engines, wherever it is."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import DEFAULT_PASSWORD, make_user, make_world

PROBLEM = "application/problem+json"


def assert_nul_refused(response: Any, loc: list[str | int]) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    assert body["errors"] == [
        {"loc": loc, "msg": "must not contain NUL (U+0000)", "type": "string_nul"}
    ]


def test_a_search_for_nul_is_refused_not_a_server_error(client: TestClient) -> None:
    world = make_world()
    for kind in ("commitments", "exchanges"):
        response = client.get(f"/api/v1/plans/{world.plan}/{kind}", params={"q": "a\x00b"})
        assert_nul_refused(response, ["query", "q"])
    response = client.get(
        f"/api/v1/plans/{world.plan}/commitments", params={"lead_party": ["JP", "\x00"]}
    )
    assert_nul_refused(response, ["query", "lead_party"])


def test_nul_in_a_json_body_is_refused_at_its_place(client: TestClient) -> None:
    make_world()
    response = client.post("/api/v1/users/me/calendar-feeds", json={"name": "office\x00"})
    assert_nul_refused(response, ["body", "name"])
    response = client.post(
        "/api/v1/users/me/calendar-feeds",
        content=b'{"name": "ok", "extra": [1, {"deep": "\\u0000"}]}',
        headers={"Content-Type": "application/json"},
    )
    assert_nul_refused(response, ["body", "extra", 1, "deep"])


def test_nul_in_the_sign_in_form_is_refused(anonymous_client: TestClient) -> None:
    make_world()
    make_user("JP", "editor", email="nul@test.example")
    response = anonymous_client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "nul@test.example",
            "password": DEFAULT_PASSWORD + "\x00",
        },
    )
    assert_nul_refused(response, ["body", "password"])


def test_an_escaped_backslash_is_not_nul(client: TestClient) -> None:
    make_world()
    response = client.post(
        "/api/v1/users/me/calendar-feeds",
        content=b'{"name": "C:\\\\u0000 folder"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "C:\\u0000 folder"
