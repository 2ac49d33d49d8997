"""A due or end date before its start date is refused alike on every direct path that writes
one (itpp_api.date_order): a body naming both dates, and a change that only names one, checked
against the date the record keeps. Amendments: tests/api/test_amendments.py ("a due date before
the start"); imports: tests/api/test_plan_exports.py.
"""

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from itpp_api.enums import PlanStatus
from tests.factories import (
    commitment_body,
    exchange_body,
    make_commitment,
    make_exchange,
    make_world,
)

API = "/api/v1"


def _errors(response: Any) -> list[tuple[list[str | int], str]]:
    return [(e["loc"], e["type"]) for e in response.json()["errors"]]


def test_a_commitment_due_before_it_starts_is_refused_whole_or_as_a_change(
    client: TestClient,
) -> None:
    # A draft: its commitments are changed directly, not by amendment.
    world = make_world(status=PlanStatus.DRAFT)
    kept = make_commitment(world, start_date=date(2026, 5, 1), due_date=date(2026, 6, 30))
    url = f"{API}/commitments/{kept}"
    etag = client.get(url).headers["etag"]

    created = client.post(
        f"{API}/plans/{world.plan}/commitments",
        json=commitment_body(world, start_date="2026-05-01", due_date="2026-04-30"),
    )
    moved = client.patch(url, json={"due_date": "2026-04-30"}, headers={"If-Match": etag})
    same_day = client.patch(url, json={"due_date": "2026-05-01"}, headers={"If-Match": etag})

    assert created.status_code == 422, created.text
    assert [kind for _, kind in _errors(created)] == ["dates_out_of_order"]
    assert moved.status_code == 422, moved.text
    assert _errors(moved) == [(["body", "due_date"], "dates_out_of_order")]
    assert moved.json()["errors"][0]["msg"] == "due_date cannot be before start_date."
    # Due on the day it starts is in order.
    assert same_day.status_code == 200, same_day.text
    assert same_day.json()["due_date"] == "2026-05-01"


def test_an_exchange_ending_before_it_starts_is_refused_whole_or_as_a_change(
    client: TestClient,
) -> None:
    world = make_world()
    kept = make_exchange(world, start_date=date(2026, 9, 14), end_date=date(2026, 9, 16))
    url = f"{API}/exchanges/{kept}"
    etag = client.get(url).headers["etag"]

    created = client.post(
        f"{API}/plans/{world.plan}/exchanges",
        json=exchange_body(world, start_date="2026-09-14", end_date="2026-09-13"),
    )
    moved = client.patch(url, json={"start_date": "2026-09-17"}, headers={"If-Match": etag})

    assert created.status_code == 422, created.text
    assert [kind for _, kind in _errors(created)] == ["dates_out_of_order"]
    assert moved.status_code == 422, moved.text
    assert _errors(moved) == [(["body", "end_date"], "dates_out_of_order")]
    assert client.get(url).json()["start_date"] == "2026-09-14"
