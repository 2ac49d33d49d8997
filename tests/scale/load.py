"""The bounded load of the scale-out run: two parties' users reading and writing through the
web and through the API, each request recorded (what, when, status, Retry-After, latency)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# Between two requests of one simulated user: the load is bounded, not a stress test.
PAUSE_SECONDS = 0.05


@dataclass
class Record:
    actor: str  # e.g. "api-write JP"
    method: str
    path: str
    started: float
    ended: float
    status: int | None  # None: no answer (the error is in `error`)
    retry_after: str | None = None
    error: str | None = None
    created: str | None = None  # the id of what a 2xx/303 write acknowledged
    request_id: str | None = None  # nginx's X-Request-ID: the same in every log line of it

    @property
    def latency(self) -> float:
        return self.ended - self.started

    @property
    def kind(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        return str(self.status)


@dataclass
class Journal:
    records: list[Record] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)

    def snapshot(self) -> list[Record]:
        with self.lock:
            return list(self.records)


def timed(
    journal: Journal,
    client: httpx.Client,
    actor: str,
    method: str,
    path: str,
    **kwargs: Any,
) -> tuple[httpx.Response | None, Record]:
    started = time.monotonic()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        failed = Record(
            actor, method, path, started, time.monotonic(), None, error=type(exc).__name__
        )
        journal.add(failed)
        return None, failed
    record = Record(
        actor,
        method,
        path,
        started,
        time.monotonic(),
        response.status_code,
        retry_after=response.headers.get("retry-after"),
        request_id=response.headers.get("x-request-id"),
    )
    journal.add(record)
    return response, record


@dataclass
class Plan:
    id: str
    area: str
    parties: dict[str, str]


def api_writer(
    journal: Journal, client: httpx.Client, party: str, plan: Plan, stop: threading.Event
) -> None:
    actor = f"api-write {party}"
    number = 0
    while not stop.is_set():
        number += 1
        body = {
            "priority_area_id": plan.area,
            "title": {"en": f"Scale-out {actor} {number}"},
            "modality": "other",
            "lead_party_id": plan.parties[party],
        }
        path = f"/api/v1/plans/{plan.id}/commitments"
        response, record = timed(
            journal,
            client,
            actor,
            "POST",
            path,
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        _note_created(journal, record, response, web=False)
        time.sleep(PAUSE_SECONDS)


def api_reader(
    journal: Journal, client: httpx.Client, party: str, plan: Plan, stop: threading.Event
) -> None:
    actor = f"api-read {party}"
    paths = [f"/api/v1/plans/{plan.id}/commitments?limit=20", f"/api/v1/plans/{plan.id}/dashboard"]
    turn = 0
    while not stop.is_set():
        timed(journal, client, actor, "GET", paths[turn % len(paths)])
        turn += 1
        time.sleep(PAUSE_SECONDS)


def web_writer(
    journal: Journal,
    client: httpx.Client,
    party: str,
    plan: Plan,
    csrf_token: str,
    stop: threading.Event,
) -> None:
    actor = f"web-write {party}"
    number = 0
    while not stop.is_set():
        number += 1
        form = {
            "csrf_token": csrf_token,
            "title.en": f"Scale-out {actor} {number}",
            "priority_area_id": plan.area,
            "modality": "other",
            "lead_party_id": plan.parties[party],
        }
        response, record = timed(
            journal, client, actor, "POST", f"/plans/{plan.id}/commitments/new", data=form
        )
        _note_created(journal, record, response, web=True)
        time.sleep(PAUSE_SECONDS)


def web_reader(
    journal: Journal, client: httpx.Client, party: str, plan: Plan, stop: threading.Event
) -> None:
    actor = f"web-read {party}"
    paths = [f"/plans/{plan.id}", f"/plans/{plan.id}/commitments", "/plans"]
    turn = 0
    while not stop.is_set():
        timed(journal, client, actor, "GET", paths[turn % len(paths)])
        turn += 1
        time.sleep(PAUSE_SECONDS)


def _note_created(
    journal: Journal, record: Record, response: httpx.Response | None, *, web: bool
) -> None:
    """Note on the write's record the id of the commitment it acknowledged."""
    if response is None:
        return
    identifier: str | None = None
    if web and response.status_code == 303:
        location = response.headers.get("location", "")
        match = re.fullmatch(r"/commitments/([0-9a-f-]{36})", location)
        # Anything else is recorded as the write's id and found missing in the database.
        identifier = match.group(1) if match else f"(303 to {location})"
    elif not web and response.status_code == 201:
        identifier = str(response.json()["id"])
    if identifier is not None:
        with journal.lock:
            record.created = identifier


def summary(records: list[Record]) -> dict[str, Any]:
    by_kind: Counter[str] = Counter()
    for record in records:
        if record.status is None or record.status >= 400:
            by_kind[f"{record.actor.split()[0]} {record.kind}"] += 1
    latencies = sorted(record.latency for record in records)
    worst = max(records, key=lambda record: record.latency) if records else None
    return {
        "requests": len(records),
        "errors": dict(sorted(by_kind.items())),
        "p50": latencies[len(latencies) // 2] if latencies else 0.0,
        "p95": latencies[int(len(latencies) * 0.95)] if latencies else 0.0,
        "worst": worst,
    }
