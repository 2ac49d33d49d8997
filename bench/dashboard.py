"""Benchmark of the plan dashboard, GET /api/v1/plans/{id}/dashboard, as the database grows.

One fixed plan M (200 commitments over 9 priority areas, with milestones, exchanges, reviews,
a pending amendment and audit events) is measured while the scratch PostgreSQL database around
it grows from about 1,000 to about 1,000,000 commitments spread over many filler plans of 500
commitments each, loaded with COPY. At every step, fresh uvicorn processes serve the API (with
a bare ASGI endpoint mounted beside it) on the growing database and on a control copy of the
first step's database; M's dashboard, the bare endpoint and the control's M dashboard are
requested in turn, one request at a time. It prints p50/p99 latencies, M's p50 over the first
step's, and M against the control measured at the same moments (the aim: within 1.5 ×). The SQL
statements of one dashboard request are recorded on the server, counted, timed as the app runs
them and run again under EXPLAIN ANALYZE, so a query that reads other plans' rows shows which
it is. In the largest database a plan of 10,000 commitments is measured the same way. Figures
are printed and written to bench/results/dashboard.json, never asserted: timings depend on the
machine.

This module is also the server's app: uvicorn imports `dashboard:create_server_app`.

Run: `make bench` (or `.venv/bin/python bench/dashboard.py --help`).
"""

import argparse
import contextlib
import hashlib
import json
import os
import platform
import queue
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import psycopg
from fastapi import FastAPI
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel
from starlette.routing import Route

import itpp_api.models  # noqa: F401  (registers every table on the metadata)
from itpp_api.auth.models import User
from itpp_api.auth.passwords import hash_password
from itpp_api.auth.service import issue_token
from itpp_api.clock import add_months
from itpp_api.config import get_settings
from itpp_api.db import build_engine, get_engine
from itpp_api.enums import CommitmentStatus, Health, Role, TokenKind, TokenScope
from itpp_api.main import create_app
from itpp_api.migrate import upgrade
from itpp_api.parties.models import Organisation, Party
from itpp_api.sample import content

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_PATH = BENCH_DIR / "results" / "dashboard.json"
POSTGRES_SERVER_URL = os.environ.get(
    "ITPP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DEFAULT_STEPS = "1000,10000,100000,1000000"
MEASURED_COMMITMENTS = 200  # plan M
LARGE_COMMITMENTS = 10_000  # plan L, measured in the largest database
FILLER_COMMITMENTS = 500
FLAT_AIM = 1.5  # every step's p50 within 1.5 × the first step's

BARE_PATH = "/_bench/dashboard/bare"
SQL_PATH = "/_bench/dashboard/sql"
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class BenchError(RuntimeError):
    """The benchmark could not produce trustworthy figures (a bad response, a dead server)."""


# --- the server's app (runs in the uvicorn process) -----------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_BARE_BODY = orjson.dumps({"status": "ok", "service": "bench"})


async def _send_json(send: Send, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BareEndpoint:
    """A raw ASGI callable answering constant JSON: uvicorn plus the app's middleware, nothing
    else. A class instance, so Starlette's Route calls it as an ASGI app without wrapping it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _send_json(send, _BARE_BODY)


class StatementRecorder:
    """Records the SQL the app's engine runs between ?record=start and ?record=stop: the text,
    the parameters and how long the driver call took (the database round trip, planning and
    execution, as the app's own connections run it, prepared statements and all). So the
    benchmark counts the server's own statements, times them and can EXPLAIN them. Off, it
    costs one attribute read per statement; it is off while requests are timed."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[dict[str, Any]] = []
        self._started = 0.0

    def before(self, _conn: Any, _cursor: Any, _statement: str, *_: Any) -> None:
        if self.active:
            self._started = time.perf_counter()

    def after(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.active:
            self.statements.append(
                {
                    "sql": " ".join(statement.split()),
                    "params": parameters,
                    "ms": (time.perf_counter() - self._started) * 1000,
                }
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if query.get("record") == "start":
            self.statements = []
            self.active = True
        elif query.get("record") == "stop":
            self.active = False
        body = orjson.dumps(
            # The server's CPU time (all threads), for the CPU a request costs.
            {"statements": self.statements, "cpu_seconds": time.process_time()},
            default=str,
            option=orjson.OPT_NON_STR_KEYS,
        )
        await _send_json(send, body)


def create_server_app() -> FastAPI:
    """create_app() with the bare endpoint and the recorder routed first (no routing scan)."""
    app = create_app()
    recorder = StatementRecorder()
    event.listen(get_engine(), "before_cursor_execute", recorder.before)
    event.listen(get_engine(), "after_cursor_execute", recorder.after)
    app.router.routes[0:0] = [
        Route(BARE_PATH, endpoint=BareEndpoint()),
        Route(SQL_PATH, endpoint=recorder),
    ]
    return app


# --- data: COPY text rows -----------------------------------------------------------------

NULL = "\\N"


def _escape(value: str) -> str:
    """A string as a field of COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _json(value: Any) -> str:
    return _escape(orjson.dumps(value).decode())


def _json_inner(value: str) -> str:
    """A string as it appears between the quotes of a JSON string, escaped for COPY."""
    return _escape(orjson.dumps(value).decode()[1:-1])


def _opt(value: object) -> str:
    return NULL if value is None else str(value)


def _ts(value: datetime) -> str:
    return value.isoformat()


def _new_id(rng: random.Random) -> str:
    """A random (version 4) UUID as text, from the plan's own generator: fast and repeatable."""
    n = rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _cols(names: str) -> tuple[str, ...]:
    return tuple(names.split())


# Every column of every table the benchmark fills, in the order the rows give them. Checked
# against the migrated schema, so a new NOT NULL column fails loudly instead of silently.
COLUMNS: dict[str, tuple[str, ...]] = {
    "plan": _cols(
        "id reference title sections objectives status approval_date term_months expiry_date "
        "review_interval_months predecessor_id row_version created_at updated_at"
    ),
    "plan_party": ("plan_id", "party_id", "position"),
    "priority_area": _cols(
        "id plan_id code short_code position title description retired_at row_version "
        "created_at updated_at"
    ),
    "commitment": _cols(
        "id plan_id priority_area_id reference title description modality lead_party_id "
        "lead_organisation_id start_date due_date status progress health pcm_activity_ref "
        "visibility is_example search_text row_version created_at updated_at"
    ),
    "commitment_supporter": ("commitment_id", "organisation_id", "position"),
    "milestone": _cols(
        "id commitment_id position title due_date done_on row_version created_at updated_at"
    ),
    # What migration 0011's triggers keep for a milestone not done (they do not fire during the
    # load: session_replication_role = replica).
    "open_milestone": ("milestone_id", "plan_id", "due_date"),
    "exchange": _cols(
        "id plan_id reference kind title from_party_id from_organisation_id to_party_id "
        "to_organisation_id start_date end_date location participants outcome lessons_learned "
        "status visibility post_title host_organisation_id is_example search_text row_version "
        "created_at updated_at"
    ),
    "review_cycle": _cols(
        "id plan_id number period_start period_end due_date is_final status summary outcome "
        "opened_at concluded_at row_version created_at updated_at"
    ),
    "amendment": _cols(
        "id plan_id number title rationale changes base_version review_id status proposed_by "
        "proposing_party_id applied_version successor_plan_id decided_at row_version "
        "created_at updated_at"
    ),
    "audit_event": _cols(
        "seq id occurred_at actor_user_id actor_party_id action entity_type entity_id plan_id "
        "owner_party_id subject_id before after prev_hash hash"
    ),
}
# Tables whose secondary indexes are dropped during a load step and rebuilt after it.
BULK_TABLES = (
    "commitment",
    "commitment_supporter",
    "milestone",
    "open_milestone",
    "exchange",
    "audit_event",
)

_EXCHANGE_TEMPLATES = (
    ("dialogue", "日NATO 高級事務レベル協議", "Japan–NATO senior officials' dialogue"),
    ("consultation", "サイバー防衛に関する専門家協議", "Expert consultation on cyber defence"),
    ("seminar", "海洋安全保障セミナー", "Maritime security seminar"),
    ("visit", "NATO 本部への視察", "Study visit to NATO Headquarters"),
    ("exercise", "NATO 危機管理演習（CMX）への参加", "Participation in NATO CMX"),
    ("training", "女性・平和・安全保障（WPS）研修", "Women, Peace and Security training course"),
    ("expert_dispatch", "偽情報対策専門家の派遣", "Dispatch of a counter-disinformation expert"),
    ("placement", "NATO 本部への連絡官派遣", "Liaison officer placed at NATO Headquarters"),
)
_LOCATIONS = ("Brussels", "Tokyo", "Mons", "Tallinn", "Northwood", "Norfolk")


@dataclass(frozen=True)
class World:
    """What every plan refers to: parties, organisations, the users who act."""

    today: date
    now: datetime
    parties: dict[str, uuid.UUID]  # code -> id
    organisations: dict[str, tuple[uuid.UUID, str]]  # code -> (id, party code)
    users: dict[str, uuid.UUID]  # party code -> the editor whose name the audit log shows


@dataclass
class AuditLog:
    """The global, gapless sequence of audit events (the hashes only look like a chain)."""

    seq: int = 0
    last_hash: str = "0" * 64


@dataclass
class PlanRows:
    """One plan's rows, as COPY text lines by table, and what its dashboard must show."""

    plan_id: uuid.UUID
    reference: str
    lines: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    commitments: int = 0
    visible_to_jp: int = 0


@dataclass(frozen=True)
class _Template:
    """A sample commitment, with its text already escaped for COPY."""

    ja: str
    en: str
    ja_folded: str
    en_folded: str
    description: str
    modality: str
    lead_party: str
    lead_organisation: str | None
    milestone_titles: tuple[str, ...]


def _templates() -> dict[str, list[_Template]]:
    out: dict[str, list[_Template]] = {}
    for item in content.COMMITMENTS:
        titles = tuple(_json(m["title"]) for m in item["milestones"]) or (
            _json({"ja": "実施", "en": "Delivered"}),
        )
        out.setdefault(item["area"], []).append(
            _Template(
                ja=_json_inner(item["title"]["ja"]),
                en=_json_inner(item["title"]["en"]),
                ja_folded=_escape(item["title"]["ja"].casefold()),
                en_folded=_escape(item["title"]["en"].casefold()),
                description=_json(item["description"]),
                modality=item["modality"],
                lead_party=item["lead_party"],
                lead_organisation=item["lead_organisation"],
                milestone_titles=titles,
            )
        )
    return out


_TEMPLATES = _templates()
_PLAN_SECTIONS = _json(
    [
        {"number": s["number"], "heading": dict(s["heading"]), "body": dict(s["body"])}
        for s in content.PLAN["sections"]
    ]
)
_PLAN_OBJECTIVES = _json([dict(o) for o in content.PLAN["objectives"]])
_STATUSES = [s.value for s in CommitmentStatus]
_HEALTHS: list[str | None] = [None, *(h.value for h in Health)]


class PlanBuilder:
    """Builds one plan of n commitments the way every plan is built: M, L and the fillers."""

    def __init__(self, world: World, audit: AuditLog) -> None:
        self.world = world
        self.audit = audit

    def build(
        self, *, seed: int, reference: str, commitments: int, approval_days_ago: int
    ) -> PlanRows:
        rng = random.Random(seed)
        w = self.world
        jp, nato = w.parties["JP"], w.parties["NATO"]
        org_ids = {code: oid for code, (oid, _party) in w.organisations.items()}
        orgs_of: dict[str, list[uuid.UUID]] = {}
        for oid, party in w.organisations.values():
            orgs_of.setdefault(party, []).append(oid)
        plan = PlanRows(plan_id=uuid.UUID(_new_id(rng)), reference=reference)
        pid = plan.plan_id
        lines = plan.lines
        approval = w.today - timedelta(days=approval_days_ago)
        created = w.now - timedelta(days=approval_days_ago + 30)
        events: list[tuple[datetime, tuple[str, ...]]] = []  # (occurred_at, fields after seq)

        def log_event(
            occurred: datetime,
            party: str,
            action: str,
            entity_type: str,
            entity_id: object,
            owner: object,
            before: str,
            after: str,
        ) -> None:
            events.append(
                (
                    occurred,
                    (
                        _new_id(rng),
                        _ts(occurred),
                        str(w.users[party]),
                        str(w.parties[party]),
                        action,
                        entity_type,
                        str(entity_id),
                        str(pid),
                        _opt(owner),
                        # As audit.record: a commitment's or exchange's events are about it.
                        str(entity_id) if entity_type in ("commitment", "exchange") else NULL,
                        before,
                        after,
                    ),
                )
            )

        title = {
            "ja": f"{content.PLAN['title']['ja']}（{reference}）",
            "en": f"{content.PLAN['title']['en']} ({reference})",
        }
        lines["plan"].append(
            "\t".join(
                (
                    str(pid),
                    reference,
                    _json(title),
                    _PLAN_SECTIONS,
                    _PLAN_OBJECTIVES,
                    "active",
                    approval.isoformat(),
                    "24",
                    add_months(approval, 24).isoformat(),
                    "6",
                    NULL,
                    "2",
                    _ts(created),
                    _ts(created),
                )
            )
        )
        log_event(created, "JP", "create", "plan", pid, None, NULL, _json({"reference": reference}))
        for position, party_id in enumerate((jp, nato)):
            lines["plan_party"].append(f"{pid}\t{party_id}\t{position}")

        areas: list[tuple[str, str, str]] = []
        for position, area in enumerate(content.PRIORITY_AREAS):
            area_id = _new_id(rng)
            areas.append((area_id, area["code"], area["short"]))
            lines["priority_area"].append(
                f"{area_id}\t{pid}\t{area['code']}\t{area['short']}\t{position}\t"
                f"{_json(area['title'])}\t{_json(area['description'])}\t{NULL}\t1\t"
                f"{_ts(created)}\t{_ts(created)}"
            )
            log_event(created, "JP", "create", "priority_area", area_id, None, NULL, _NO_JSON)

        today = w.today
        fallback = [t for ts in _TEMPLATES.values() for t in ts]
        numbers: dict[str, int] = {}
        others = {"JP": orgs_of["NATO"], "NATO": orgs_of["JP"]}
        for index in range(commitments):
            area_id, area_code, short = areas[index % len(areas)]
            number = numbers[short] = numbers.get(short, 0) + 1
            t = rng.choice(_TEMPLATES.get(area_code) or fallback)
            reference_c = f"{short}-{number:04d}"
            year = 2025 + number % 3
            cid = _new_id(rng)
            start = approval + timedelta(days=rng.randrange(0, 400))
            due = start + timedelta(days=rng.randrange(30, 500)) if rng.random() < 0.9 else None
            status = rng.choice(_STATUSES)
            progress = 100 if status == "completed" else rng.randrange(0, 100)
            visibility = "shared" if rng.random() < 0.8 else "internal"
            lead = t.lead_party
            owner = w.parties[lead] if visibility == "internal" else None
            c_created = created + timedelta(seconds=rng.randrange(60 * 86_400))
            c_updated = min(c_created + timedelta(seconds=rng.randrange(90 * 86_400)), w.now)
            lead_org = org_ids.get(t.lead_organisation) if t.lead_organisation else None
            pcm = f"PCM-{number:05d}" if rng.random() < 0.2 else NULL
            lines["commitment"].append(
                f"{cid}\t{pid}\t{area_id}\t{reference_c}\t"
                f'{{"ja":"{t.ja}（{year}年度 第{number}回）",'
                f'"en":"{t.en} ({year} cycle, round {number})"}}\t'
                f"{t.description}\t{t.modality}\t{w.parties[lead]}\t{_opt(lead_org)}\t"
                f"{start.isoformat()}\t{_opt(due)}\t{status}\t{progress}\t"
                f"{_opt(rng.choice(_HEALTHS))}\t{pcm}\t{visibility}\tf\t"
                f"{t.ja_folded}（{year}年度 第{number}回）\\n"
                f"{t.en_folded} ({year} cycle, round {number})\\n{reference_c.casefold()}\t"
                f"{rng.randrange(1, 4)}\t{_ts(c_created)}\t{_ts(c_updated)}"
            )
            plan.commitments += 1
            if visibility == "shared" or lead == "JP":
                plan.visible_to_jp += 1
            log_event(
                c_created,
                lead,
                "create",
                "commitment",
                cid,
                owner,
                NULL,
                f'{{"reference":"{reference_c}","status":"{status}","progress":{progress},'
                f'"visibility":"{visibility}","due_date":'
                + (f'"{due.isoformat()}"' if due else "null")
                + "}",
            )
            if rng.random() < 0.3:
                log_event(
                    c_updated,
                    lead,
                    "update",
                    "commitment",
                    cid,
                    owner,
                    f'{{"status":"planned","progress":{progress // 2}}}',
                    f'{{"status":"{status}","progress":{progress}}}',
                )
            # "Milestones for some": none to three, 1.4 on average; some overdue.
            for position in range(rng.choice((0, 1, 1, 2, 3))):
                m_due = start + timedelta(days=30 * (position + 1))
                done = (
                    (m_due - timedelta(days=rng.randrange(0, 5))).isoformat()
                    if m_due < today and rng.random() < 0.7
                    else NULL
                )
                mid = _new_id(rng)
                lines["milestone"].append(
                    f"{mid}\t{cid}\t{position}\t"
                    f"{t.milestone_titles[position % len(t.milestone_titles)]}\t"
                    f"{m_due.isoformat()}\t{done}\t1\t{_ts(c_created)}\t{_ts(c_created)}"
                )
                if done == NULL:
                    lines["open_milestone"].append(f"{mid}\t{pid}\t{m_due.isoformat()}")
            if reference in _WITH_SUPPORTERS:
                for position, oid in enumerate(rng.sample(others[lead], rng.choice((0, 1, 1, 2)))):
                    lines["commitment_supporter"].append(f"{cid}\t{oid}\t{position}")

        # Exchanges: one per 20 commitments (at least 12): past ones held, some ahead.
        for number in range(1, max(12, commitments // 20) + 1):
            kind, ja, en = rng.choice(_EXCHANGE_TEMPLATES)
            eid = _new_id(rng)
            start = today + timedelta(days=rng.randrange(-400, 270))
            end = None if kind == "placement" else start + timedelta(days=rng.randrange(0, 5))
            if rng.random() < 0.05:
                status = "cancelled"
            elif start < today:
                status = "held"
            else:
                status = rng.choice(("planned", "confirmed"))
            from_code = rng.choice(("JP", "NATO"))
            to_code = "NATO" if from_code == "JP" else "JP"
            visibility = "shared" if rng.random() < 0.85 else "internal"
            ref_e = f"EX-{number:04d}"
            e_created = w.now - timedelta(days=rng.randrange(0, approval_days_ago + 1))
            lines["exchange"].append(
                "\t".join(
                    (
                        str(eid),
                        str(pid),
                        ref_e,
                        kind,
                        _json({"ja": ja, "en": en}),
                        str(w.parties[from_code]),
                        str(rng.choice(orgs_of[from_code])),
                        str(w.parties[to_code]),
                        str(rng.choice(orgs_of[to_code])) if rng.random() < 0.7 else NULL,
                        start.isoformat(),
                        _opt(end),
                        rng.choice(_LOCATIONS),
                        _json([{"role": "Head of delegation", "name": None}]),
                        NULL,
                        NULL,
                        status,
                        visibility,
                        NULL,
                        NULL,
                        "f",
                        _escape(f"{ja}\n{en}\n{ref_e}".casefold()),
                        "1",
                        _ts(e_created),
                        _ts(e_created),
                    )
                )
            )
            log_event(
                e_created,
                from_code,
                "create",
                "exchange",
                eid,
                w.parties[from_code] if visibility == "internal" else None,
                NULL,
                _json({"reference": ref_e, "kind": kind, "status": status}),
            )

        # Reviews every 6 months of the 24-month term; the final one a month before expiry.
        concluded_review: str | None = None
        for number in range(1, 5):
            rid = _new_id(rng)
            period_start = add_months(approval, 6 * (number - 1))
            period_end = add_months(approval, 6 * number)
            is_final = number == 4
            due_on = period_end - timedelta(days=30) if is_final else period_end
            opened = concluded = summary = outcome = NULL
            if due_on < today - timedelta(days=60):
                status, concluded_review = "concluded", rid
                opened_at = datetime.combine(due_on, datetime.min.time(), UTC)
                opened = _ts(opened_at - timedelta(days=14))
                concluded = _ts(opened_at + timedelta(days=10))
                summary = _json({"ja": "計画は概ね順調に実施されている。", "en": "On track."})
                outcome = "continue"
                log_event(opened_at, "JP", "conclude", "review_cycle", rid, None, NULL, _NO_JSON)
            elif due_on < today + timedelta(days=14):
                status = "open"
                opened = _ts(datetime.combine(due_on, datetime.min.time(), UTC))
            else:
                status = "scheduled"
            lines["review_cycle"].append(
                f"{rid}\t{pid}\t{number}\t{period_start.isoformat()}\t{period_end.isoformat()}\t"
                f"{due_on.isoformat()}\t{'t' if is_final else 'f'}\t{status}\t{summary}\t"
                f"{outcome}\t{opened}\t{concluded}\t1\t{_ts(created)}\t{_ts(created)}"
            )

        # One amendment: pending for M (and randomly decided for the others).
        amendment_status = (
            "proposed" if reference == MEASURED_REFERENCE else rng.choice(_AMENDMENT_STATES)
        )
        aid = _new_id(rng)
        proposed_at = w.now - timedelta(days=rng.randrange(1, 60))
        decided = amendment_status not in ("proposed", "approved")
        lines["amendment"].append(
            "\t".join(
                (
                    str(aid),
                    str(pid),
                    "1",
                    _json({"ja": "優先分野の追加", "en": "Add a priority area"}),
                    _json({"ja": "第1回レビューの結果を踏まえて。", "en": "Following review 1."}),
                    _json([{"op": "change_term", "term_months": 36}]),
                    "1",
                    _opt(concluded_review),
                    amendment_status,
                    str(w.users["JP"]),
                    str(jp),
                    "2" if amendment_status == "applied" else NULL,
                    NULL,
                    _ts(proposed_at + timedelta(days=3)) if decided else NULL,
                    "1",
                    _ts(proposed_at),
                    _ts(proposed_at),
                )
            )
        )
        log_event(proposed_at, "JP", "create", "amendment", aid, None, NULL, _NO_JSON)

        # The audit log in time order, numbered on from the global sequence.
        events.sort(key=lambda e: e[0])
        audit = self.audit
        for _occurred, fields in events:
            audit.seq += 1
            digest = f"{rng.getrandbits(256):064x}"
            lines["audit_event"].append(
                f"{audit.seq}\t" + "\t".join(fields) + f"\t{audit.last_hash}\t{digest}"
            )
            audit.last_hash = digest
        return plan


MEASURED_REFERENCE = "BENCH-DASH-M"
LARGE_REFERENCE = "BENCH-DASH-L"
# Only the two measured plans carry supporting organisations: the dashboard never reads them.
_WITH_SUPPORTERS = frozenset({MEASURED_REFERENCE, LARGE_REFERENCE})
_AMENDMENT_STATES = ("applied", "applied", "rejected", "withdrawn", "proposed")
_NO_JSON = "{}"


# --- databases ----------------------------------------------------------------------------


def _libpq(url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def scratch_database(template_url: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database, empty or a copy of another (which must have no connection);
    dropped afterwards whatever happens (Ctrl-C and SIGTERM too)."""
    name = f"itpp_bench_dash_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{make_url(template_url).database}"' if template_url else ""
    admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
        except Exception as exc:
            raise BenchError(
                f"cannot create a database on {POSTGRES_SERVER_URL} ({exc.__class__.__name__}); "
                "start PostgreSQL (`make postgres`) or set ITPP_TEST_POSTGRES_URL."
            ) from exc
        try:
            yield (
                make_url(POSTGRES_SERVER_URL)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            # FORCE: a server killed mid-request may leave a backend connected.
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def check_columns() -> None:
    """Fail loudly if the tables gained a required column the loader does not fill."""
    for table_name, columns in COLUMNS.items():
        table = SQLModel.metadata.tables[table_name]
        unknown = set(columns) - set(table.columns.keys())
        missing = {
            c.name
            for c in table.columns
            if not c.nullable and c.server_default is None and c.name not in columns
        }
        if unknown or missing:
            raise BenchError(
                f"table {table_name} changed: unknown {sorted(unknown)}, unfilled {sorted(missing)}"
            )


@dataclass(frozen=True)
class Setup:
    world: World
    token: str  # the JP editor's session token


def create_world(url: str) -> Setup:
    """Migrate, then add two parties, their organisations, an editor of each and a token.

    The users and the token go through the ORM and auth.service.issue_token, as the test
    factories make them; the rest of the data is bulk-loaded.
    """
    upgrade(url)
    engine = build_engine(get_settings().model_copy(update={"database_url": url}))
    now = datetime.now(UTC)
    try:
        with Session(engine, expire_on_commit=False) as session:
            parties = {
                p["code"]: Party(code=p["code"], name=dict(p["name"])) for p in content.PARTIES
            }
            session.add_all(parties.values())
            session.flush()
            organisations = {
                o["code"]: Organisation(
                    code=o["code"], party_id=parties[o["party"]].id, name=dict(o["name"])
                )
                for o in content.ORGANISATIONS
            }
            session.add_all(organisations.values())
            password = hash_password(uuid.uuid4().hex)
            users = {
                code: User(
                    email=f"{code.lower()}-editor@bench.example",
                    display_name=f"{code} editor",
                    party_id=party.id,
                    role=Role.EDITOR.value,
                    preferred_language="ja" if code == "JP" else "en",
                    password_hash=password,
                )
                for code, party in parties.items()
            }
            session.add_all(users.values())
            session.flush()
            # Long enough for the whole run: the benchmark must never sign in again.
            _token, secret = issue_token(
                session=session,
                user=users["JP"],
                kind=TokenKind.SESSION,
                scope=TokenScope.READ_WRITE,
                lifetime=timedelta(days=1),
                idle=timedelta(days=1),
            )
            session.commit()
            world = World(
                today=now.date(),
                now=now,
                parties={code: p.id for code, p in parties.items()},
                organisations={
                    o["code"]: (organisations[o["code"]].id, o["party"])
                    for o in content.ORGANISATIONS
                },
                users={code: u.id for code, u in users.items()},
            )
    finally:
        engine.dispose()
    return Setup(world=world, token=secret)


@dataclass
class LoadStats:
    seconds: float = 0.0
    build_seconds: float = 0.0
    copy_seconds: float = 0.0
    index_seconds: float = 0.0
    index_build_seconds: dict[str, float] = field(default_factory=dict)
    vacuum_seconds: float = 0.0


class Loader:
    """Bulk-loads plans with COPY; drops and rebuilds the big tables' secondary indexes around
    each step and runs VACUUM ANALYZE after it, as autovacuum would on a live database (it is
    off on the benchmark's server), so query plans use fresh statistics and the visibility map.
    """

    _BATCH = 25_000  # commitments built in memory before their rows are copied

    def __init__(self, url: str, world: World) -> None:
        self.conninfo = _libpq(url)
        self.world = world
        self.audit = AuditLog()
        self.builder = PlanBuilder(world, self.audit)
        self.plans = 0
        self.built: dict[str, PlanRows] = {}  # the measured plans, by reference

    def load(self, specs: Sequence[tuple[str, int, int, int]]) -> LoadStats:
        """Insert plans given as (reference, commitments, seed, approval days ago)."""
        stats = LoadStats()
        started = time.perf_counter()
        with psycopg.connect(self.conninfo) as conn:
            # Rows are generated consistent: skip the per-row foreign-key triggers (superuser).
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET maintenance_work_mem = '512MB'")
            indexes = conn.execute(
                """
                SELECT i.relname, pg_get_indexdef(i.oid)
                FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
                """,
                (list(BULK_TABLES),),
            ).fetchall()
            for name, _definition in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            # A thread builds the next batch while this one is copied: building is Python,
            # copying mostly waits for the server, so the two overlap.
            batches: queue.Queue[list[PlanRows] | BaseException | None] = queue.Queue(2)
            stop = threading.Event()
            producer = threading.Thread(
                target=self._produce, args=(specs, batches, stop, stats), daemon=True
            )
            producer.start()
            try:
                while (item := batches.get()) is not None:
                    if isinstance(item, BaseException):
                        raise BenchError(f"building rows failed: {item!r}") from item
                    stats.copy_seconds += self._copy(conn, item)
            finally:
                stop.set()
                producer.join(timeout=10)
            t0 = time.perf_counter()
            for name, definition in indexes:
                t1 = time.perf_counter()
                conn.execute(definition)
                stats.index_build_seconds[name] = round(time.perf_counter() - t1, 2)
            # The chain head follows the last event, as record() would leave it.
            conn.execute(
                "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, "
                "last_hash = excluded.last_hash",
                (self.audit.seq, self.audit.last_hash),
            )
            conn.commit()
            stats.index_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
            # So that no checkpoint of the load's WAL runs while requests are timed.
            conn.execute("CHECKPOINT")
        stats.vacuum_seconds = time.perf_counter() - t0
        stats.seconds = time.perf_counter() - started
        self.plans += len(specs)
        return stats

    def _produce(
        self,
        specs: Sequence[tuple[str, int, int, int]],
        out: "queue.Queue[list[PlanRows] | BaseException | None]",
        stop: threading.Event,
        stats: LoadStats,
    ) -> None:
        def put(item: list[PlanRows] | BaseException | None) -> None:
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.5)
                    return
                except queue.Full:
                    continue

        try:
            batch: list[PlanRows] = []
            size = 0
            for reference, commitments, seed, days_ago in specs:
                if stop.is_set():
                    return
                t0 = time.perf_counter()
                plan = self.builder.build(
                    seed=seed,
                    reference=reference,
                    commitments=commitments,
                    approval_days_ago=days_ago,
                )
                stats.build_seconds += time.perf_counter() - t0
                if reference in _WITH_SUPPORTERS:
                    self.built[reference] = plan
                batch.append(plan)
                size += commitments
                if size >= self._BATCH:
                    put(batch)
                    batch, size = [], 0
            if batch:
                put(batch)
            put(None)
        except BaseException as exc:
            put(exc)

    @staticmethod
    def _copy(conn: psycopg.Connection[Any], plans: list[PlanRows]) -> float:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for table, columns in COLUMNS.items():
                chunks = [line for plan in plans for line in plan.lines[table]]
                if not chunks:
                    continue
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for start in range(0, len(chunks), 4_000):
                        copy.write("\n".join(chunks[start : start + 4_000]) + "\n")
        for plan in plans:
            plan.lines.clear()  # the rows are in the database; free the memory
        return time.perf_counter() - started


def database_counts(url: str) -> dict[str, int]:
    with psycopg.connect(_libpq(url)) as conn:
        counts = {}
        for table in ("plan", "commitment", "milestone", "exchange", "audit_event"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        counts["bytes"] = int(row[0]) if row else 0
    return counts


def add_empty_plans(url: str, count: int, world: World) -> None:
    """`count` draft plans of both parties with nothing in them: no area, no record, no event
    (what a party that opens plans and never fills them leaves behind)."""
    columns = ", ".join(COLUMNS["plan"])
    with psycopg.connect(_libpq(url)) as conn:
        conn.execute(
            f"""
            INSERT INTO plan ({columns})
            SELECT gen_random_uuid(), 'EMPTY-' || lpad(g::text, 6, '0'),
                   '{{"en": "An empty plan"}}'::jsonb, '[]'::jsonb, '[]'::jsonb, 'draft', NULL,
                   24, NULL, 12, NULL, 1, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            (count,),
        )
        conn.execute(
            "INSERT INTO plan_party (plan_id, party_id, position) "
            "SELECT plan.id, party.id, CASE WHEN party.id = %s THEN 0 ELSE 1 END "
            "FROM plan CROSS JOIN party WHERE plan.reference LIKE 'EMPTY-%%'",
            (world.parties["JP"],),
        )
        conn.commit()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) plan, plan_party")


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_servers(
    servers: list[tuple[str, Path]], api_paths: dict[int, str] | None = None
) -> Iterator[list[str]]:
    """One uvicorn process (1 worker, loopback, free port, no access log) per (database URL,
    log file), started together; their base URLs. Stopped however we leave. `api_paths`: by
    position, the `services/api` of another checkout whose code that server runs."""
    processes: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for position, (database_url, log_path) in enumerate(servers):
            port = _free_port()
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "dashboard:create_server_app",
                "--app-dir",
                str(BENCH_DIR),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
            ]
            env = os.environ | {"ITPP_DATABASE_URL": database_url}
            if api_paths and position in api_paths:
                env["PYTHONPATH"] = api_paths[position]
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
                )
            processes.append((process, f"http://127.0.0.1:{port}", log_path))
        deadline = time.monotonic() + 60
        for process, base_url, log_path in processes:
            while True:
                if process.poll() is not None:
                    raise BenchError(
                        f"the server exited with {process.returncode}:\n{_tail(log_path)}"
                    )
                try:
                    if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchError(f"the server did not start in 60 s:\n{_tail(log_path)}")
                time.sleep(0.1)
        yield [base_url for _process, base_url, _log in processes]
    finally:
        for process, _base_url, _log in processes:
            _stop(process)


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Latency:
    requests: int
    p50_ms: float
    p99_ms: float
    mean_ms: float


def _percentile(sorted_values: list[float], fraction: float) -> float:
    # Nearest rank: a value that was really observed.
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _latency(values: list[float]) -> Latency:
    values = sorted(values)
    return Latency(
        requests=len(values),
        p50_ms=round(_percentile(values, 0.50) * 1000, 3),
        p99_ms=round(_percentile(values, 0.99) * 1000, 3),
        mean_ms=round(statistics.fmean(values) * 1000, 3),
    )


@dataclass
class Statement:
    """One SQL statement of a dashboard request: its time in the app, and what EXPLAIN
    ANALYZE says of it."""

    label: str
    sql: str
    app_ms: float | None = None  # median driver-call time in the API process
    execution_ms: float | None = None  # EXPLAIN ANALYZE, median of the runs
    planning_ms: float | None = None
    buffers: int | None = None  # shared blocks hit + read: the work, whatever the machine load
    rows_scanned: int | None = None  # rows produced or filtered out by the plan's scans
    seq_scans: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class DashboardRun:
    """One plan's dashboard beside the bare endpoint (and, for M, the control's dashboard)."""

    plan: str
    plan_commitments: int
    visible_commitments: int
    body_bytes: int
    body_sha256: str
    rounds: int  # each with fresh server processes
    dashboard: Latency
    bare: Latency
    control: Latency | None
    # Per round, the median over requests of (this dashboard's latency / the control's,
    # requested next to it); and the median of those: M now against M in the first step's
    # database, measured side by side.
    round_ratios: list[float]
    ratio_to_control: float | None
    control_same_body: bool | None
    statements: list[Statement]
    transaction_statements: int
    app_db_ms: float  # sum of the statements' median time in the app
    varied_bodies: int


def _label(sql: str) -> str:
    words = sql.split()
    upper = [w.upper() for w in words]
    verb = upper[0].lower() if upper else "?"
    table = "?"
    for keyword in ("FROM", "UPDATE", "INTO"):
        if keyword in upper:
            table = words[upper.index(keyword) + 1].strip('"')
            break
    tags = []
    if "JOIN" in upper:
        tags.append("join " + words[upper.index("JOIN") + 1])
    if "GROUP" in upper:
        tags.append("group by")
    elif "count(" in sql.lower():
        tags.append("count")
    if "LIMIT" in upper:
        tags.append("limit")
    return f"{verb} {table}" + (f" ({', '.join(tags)})" if tags else "")


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def explain(url: str, statements: list[Statement], params: list[Any], repeat: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) every SELECT of the request, with its own parameters.

    The median of `repeat` runs is kept. Writes (the token's idle clock) are not re-run.
    """
    with psycopg.connect(_libpq(url)) as conn:
        for statement, parameters in zip(statements, params, strict=True):
            if not statement.sql.upper().startswith("SELECT"):
                continue
            runs: list[tuple[float, float, dict[str, Any]]] = []
            try:
                for _ in range(repeat):
                    row = conn.execute(
                        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement.sql}", parameters
                    ).fetchone()
                    document = row[0][0] if row else {}
                    runs.append(
                        (document["Execution Time"], document["Planning Time"], document["Plan"])
                    )
                    conn.rollback()
            except psycopg.Error as exc:
                conn.rollback()
                statement.error = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
                continue
            runs.sort(key=lambda r: r[0])
            execution, planning, plan = runs[len(runs) // 2]
            statement.execution_ms = round(execution, 3)
            statement.planning_ms = round(planning, 3)
            statement.buffers = int(
                plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
            )
            scanned = 0
            for node in _plan_nodes(plan):
                if "Scan" in node["Node Type"]:
                    scanned += int(
                        (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0))
                        * node.get("Actual Loops", 1)
                    )
                if node["Node Type"] == "Seq Scan":
                    statement.seq_scans.append(node.get("Relation Name", "?"))
            statement.rows_scanned = scanned


@dataclass
class Target:
    name: str
    client: httpx.Client
    request: httpx.Request
    expected: bytes
    commitments: int | None = None  # for a dashboard: commitments_total, if the body varies
    latencies: list[float] = field(default_factory=list)


def _check(target: Target, response: httpx.Response) -> bool:
    """Raise on a wrong response; True when the body differed from the first but was right."""
    if response.status_code != 200:
        raise BenchError(f"{target.name}: HTTP {response.status_code}: {response.text[:300]}")
    if response.content == target.expected:
        return False
    # Only a new day (days_to_expiry, overdue flags) may change a dashboard mid-run.
    body = orjson.loads(response.content) if target.commitments is not None else {}
    if body.get("commitments_total") != target.commitments:
        raise BenchError(f"{target.name}: unexpected body {response.content[:300]!r}")
    return True


def _dashboard_target(
    name: str, client: httpx.Client, path: str, token: str, plan: PlanRows
) -> Target:
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(path, headers=auth)
    if first.status_code != 200:
        raise BenchError(f"{name} of {plan.reference}: HTTP {first.status_code}: {first.text}")
    total = orjson.loads(first.content)["commitments_total"]
    if total != plan.visible_to_jp:
        raise BenchError(
            f"{name} of {plan.reference}: {total} commitments, expected {plan.visible_to_jp} "
            "visible to Japan"
        )
    request = client.build_request("GET", path, headers=auth)
    return Target(name, client, request, first.content, plan.visible_to_jp)


def _statement_timings(
    client: httpx.Client, target: Target, rounds: int
) -> tuple[list[Statement], list[Any], int]:
    """Record `rounds` dashboard requests on the server: the statements of one request, each
    with its median time in the app, their parameters, and the BEGIN/COMMIT count.

    Recorded after the timed requests: the token was just used, so its idle clock is not
    touched (a write made at most once a minute) and this is the steady state.
    """
    recorded: list[list[dict[str, Any]]] = []
    transaction = 0
    for _ in range(rounds):
        client.get(SQL_PATH, params={"record": "start"})
        _check(target, client.send(target.request))
        statements = client.get(SQL_PATH, params={"record": "stop"}).json()["statements"]
        queries = [s for s in statements if not s["sql"].upper().startswith(_TRANSACTION_CONTROL)]
        transaction = len(statements) - len(queries)
        recorded.append(queries)
    # The usual shape of a request (a rare one also touched the token's idle clock).
    shapes = [tuple(s["sql"] for s in r) for r in recorded]
    usual = max(set(shapes), key=shapes.count)
    runs = [r for r, shape in zip(recorded, shapes, strict=True) if shape == usual]
    statements = [
        Statement(
            label=_label(sql),
            sql=sql,
            app_ms=round(statistics.median(r[i]["ms"] for r in runs), 3),
        )
        for i, sql in enumerate(usual)
    ]
    return statements, [s["params"] for s in runs[-1]], transaction


def _drive(targets: list[Target], warmup: int, requests: int) -> int:
    """Warm up, then time `requests` requests per target, the targets in turn (the order
    rotates, so that no endpoint always follows the same one). Returns the varied bodies."""
    for _ in range(warmup):
        for target in targets:
            _check(target, target.client.send(target.request))
    varied = 0
    for index in range(requests):
        shift = index % len(targets)
        for target in targets[shift:] + targets[:shift]:
            started = time.perf_counter()
            response = target.client.send(target.request)
            target.latencies.append(time.perf_counter() - started)
            varied += _check(target, response)
    return varied


def _bare_target(client: httpx.Client) -> Target:
    return Target(
        "bare", client, client.build_request("GET", BARE_PATH), client.get(BARE_PATH).content
    )


def _run(
    plan: PlanRows,
    rounds: int,
    targets: dict[str, list[Target]],
    round_ratios: list[float],
    timings: tuple[list[Statement], list[Any], int],
    varied: int,
    database_url: str,
    args: argparse.Namespace,
) -> DashboardRun:
    statements, params, transaction = timings
    explain(database_url, statements, params, args.explain_repeat)
    dashboards = targets["dashboard"]
    controls = targets.get("control", [])
    bodies = {t.expected for t in dashboards}
    return DashboardRun(
        plan=plan.reference,
        plan_commitments=plan.commitments,
        visible_commitments=plan.visible_to_jp,
        body_bytes=len(dashboards[0].expected),
        body_sha256=hashlib.sha256(dashboards[0].expected).hexdigest(),
        rounds=rounds,
        dashboard=_latency([x for t in dashboards for x in t.latencies]),
        bare=_latency([x for t in targets["bare"] for x in t.latencies]),
        control=_latency([x for t in controls for x in t.latencies]) if controls else None,
        round_ratios=round_ratios,
        ratio_to_control=round(statistics.median(round_ratios), 3) if round_ratios else None,
        control_same_body=all(t.expected in bodies for t in controls) if controls else None,
        statements=statements,
        transaction_statements=transaction,
        app_db_ms=round(sum(s.app_ms or 0 for s in statements), 3),
        varied_bodies=varied + len(bodies) - 1,
    )


AUDIT_PAGE = 50  # the audit list's page size, as a client asks


@dataclass
class AuditRun:
    """The audit log's reads, each beside the same read on the control at the same moments:
    the plan's activity (listAuditEvents with M's plan_id: the query behind the dashboard's
    recent activity and the plan's activity page) and the whole audit list (no filter: every
    plan of the caller's party); and the whole list on a copy of the control that also holds
    `empty_plans` plans of the caller's party without a single event."""

    activity: Latency
    activity_control: Latency
    activity_ratio: float | None  # median over rounds of the paired ratio
    audit: Latency
    audit_control: Latency
    audit_ratio: float | None
    empty_plans: int
    audit_empty: Latency | None
    audit_empty_ratio: float | None  # the list with the empty plans / without, same moments
    activity_statements: list[Statement]


def _audit_target(name: str, client: httpx.Client, path: str, token: str) -> Target:
    """An audit read; its body may change only if an event is written meanwhile (none is)."""
    request = client.build_request("GET", path, headers={"Authorization": f"Bearer {token}"})
    first = client.send(request)
    if first.status_code != 200 or not orjson.loads(first.content)["items"]:
        raise BenchError(f"{name}: HTTP {first.status_code}: {first.text[:300]}")
    return Target(name, client, request, first.content)


def _paired(a: Target, b: Target) -> float:
    """The median over requests of a's latency over b's, requested next to it."""
    return round(statistics.median(x / y for x, y in zip(a.latencies, b.latencies, strict=True)), 4)


def _audit_run(
    targets: dict[str, list[Target]],
    ratios: dict[str, list[float]],
    empty_plans: int,
    statements: list[Statement],
) -> AuditRun:
    def lat(name: str) -> Latency:
        return _latency([x for t in targets[name] for x in t.latencies])

    def ratio(name: str) -> float | None:
        return round(statistics.median(ratios[name]), 3) if ratios[name] else None

    return AuditRun(
        activity=lat("activity"),
        activity_control=lat("activity_control"),
        activity_ratio=ratio("activity"),
        audit=lat("audit"),
        audit_control=lat("audit_control"),
        audit_ratio=ratio("audit"),
        empty_plans=empty_plans,
        audit_empty=lat("audit_empty") if targets["audit_empty"] else None,
        audit_empty_ratio=ratio("audit_empty"),
        activity_statements=statements,
    )


def measure_step(
    *,
    url: str,
    control_url: str,
    empty_url: str | None,
    token: str,
    measured: PlanRows,
    large: PlanRows | None,
    args: argparse.Namespace,
    logs: Path,
) -> tuple[DashboardRun, DashboardRun | None, AuditRun]:
    """M's dashboard, the bare endpoint and the control's M dashboard, with M's activity and
    the audit list on both databases (and on the control with empty plans), in `args.rounds`
    rounds, each with a fresh uvicorn process per database; then (in the last round) the
    statements of M's dashboard and of its activity, and plan L's dashboard beside the bare
    endpoint."""
    path = f"/api/v1/plans/{measured.plan_id}/dashboard"
    activity_path = f"/api/v1/audit-events?plan_id={measured.plan_id}&limit={AUDIT_PAGE}"
    audit_path = f"/api/v1/audit-events?limit={AUDIT_PAGE}"
    targets: dict[str, list[Target]] = {
        "dashboard": [],
        "bare": [],
        "control": [],
        "activity": [],
        "activity_control": [],
        "audit": [],
        "audit_control": [],
        "audit_empty": [],
    }
    audit_ratios: dict[str, list[float]] = {"activity": [], "audit": [], "audit_empty": []}
    activity_statements: list[Statement] = []
    round_ratios: list[float] = []
    varied = 0
    timings: tuple[list[Statement], list[Any], int] = ([], [], 0)
    large_run: tuple[dict[str, list[Target]], tuple[list[Statement], list[Any], int], int] | None
    large_run = None
    for number in range(1, args.rounds + 1):
        log_files = [
            logs.with_name(f"{logs.name}-{number}.log"),
            logs.with_name(f"{logs.name}-{number}-control.log"),
            logs.with_name(f"{logs.name}-{number}-empty.log"),
        ]
        servers = [(url, log_files[0]), (control_url, log_files[1])]
        if empty_url is not None:
            servers.append((empty_url, log_files[2]))
        with contextlib.ExitStack() as stack:
            base_url, control_base, *empty_base = stack.enter_context(running_servers(servers))
            client = stack.enter_context(httpx.Client(base_url=base_url, timeout=60))
            control_client = stack.enter_context(httpx.Client(base_url=control_base, timeout=60))
            try:
                dashboard = _dashboard_target("dashboard", client, path, token, measured)
                control = _dashboard_target("control", control_client, path, token, measured)
                bare = _bare_target(client)
                audits = {
                    "activity": _audit_target("activity", client, activity_path, token),
                    "activity_control": _audit_target(
                        "activity_control", control_client, activity_path, token
                    ),
                    "audit": _audit_target("audit", client, audit_path, token),
                    "audit_control": _audit_target(
                        "audit_control", control_client, audit_path, token
                    ),
                }
                if empty_base:
                    empty_client = stack.enter_context(
                        httpx.Client(base_url=empty_base[0], timeout=60)
                    )
                    audits["audit_empty"] = _audit_target(
                        "audit_empty", empty_client, audit_path, token
                    )
                varied += _drive(
                    [dashboard, bare, control, *audits.values()], args.warmup, args.requests
                )
                for name, target in audits.items():
                    targets[name].append(target)
                audit_ratios["activity"].append(
                    _paired(audits["activity"], audits["activity_control"])
                )
                audit_ratios["audit"].append(_paired(audits["audit"], audits["audit_control"]))
                if "audit_empty" in audits:
                    audit_ratios["audit_empty"].append(
                        _paired(audits["audit_empty"], audits["audit_control"])
                    )
                round_ratios.append(
                    round(
                        statistics.median(
                            a / b
                            for a, b in zip(dashboard.latencies, control.latencies, strict=True)
                        ),
                        4,
                    )
                )
                for target in (dashboard, bare, control):
                    targets[target.name].append(target)
                if number == args.rounds:
                    timings = _statement_timings(client, dashboard, args.timing_rounds)
                    activity_timings = _statement_timings(
                        client, audits["activity"], args.timing_rounds
                    )
                    explain(url, activity_timings[0], activity_timings[1], args.explain_repeat)
                    activity_statements = activity_timings[0]
                    if large is not None:
                        large_path = f"/api/v1/plans/{large.plan_id}/dashboard"
                        large_targets = [
                            _dashboard_target("dashboard", client, large_path, token, large),
                            _bare_target(client),
                        ]
                        large_varied = _drive(large_targets, args.warmup, args.requests)
                        large_run = (
                            {"dashboard": large_targets[:1], "bare": large_targets[1:]},
                            _statement_timings(client, large_targets[0], args.timing_rounds),
                            large_varied,
                        )
            except httpx.HTTPError as exc:
                raise BenchError(f"{exc!r}; server log:\n{_tail(log_files[0])}") from exc
    run_m = _run(measured, args.rounds, targets, round_ratios, timings, varied, url, args)
    run_l = None
    if large is not None and large_run is not None:
        run_l = _run(large, 1, large_run[0], [], large_run[1], large_run[2], url, args)
    empty_plans = args.empty_plans if empty_url is not None else 0
    return run_m, run_l, _audit_run(targets, audit_ratios, empty_plans, activity_statements)


@dataclass
class Comparison:
    """M's and L's dashboards served by this checkout and by another one (`--compare-path`,
    e.g. the code before a change) on the same database, requested in turn: the paired
    ratio this/other, and each server's CPU per request (the API process, all threads)."""

    other: str
    latency: dict[str, Latency]  # m_this, m_other, l_this, l_other, bare
    ratios: dict[str, float]  # m, l: median over requests of this/other, requested in turn
    cpu_ms: dict[str, float]  # the same keys as latency


def _cpu_seconds(client: httpx.Client) -> float:
    return float(client.get(SQL_PATH, params={"record": "stop"}).json()["cpu_seconds"])


def _cpu_per_request(target: Target, requests: int) -> float:
    """The server's CPU milliseconds per request of the target (sent alone, one at a time)."""
    started = _cpu_seconds(target.client)
    for _ in range(requests):
        _check(target, target.client.send(target.request))
    return round((_cpu_seconds(target.client) - started) * 1000 / requests, 3)


def compare(
    *,
    url: str,
    token: str,
    plans: dict[str, PlanRows],
    args: argparse.Namespace,
    logs: Path,
) -> Comparison:
    """This checkout's dashboards beside another checkout's, on the same database."""
    other = str(Path(args.compare_path).resolve() / "services" / "api")
    with contextlib.ExitStack() as stack:
        this_base, other_base = stack.enter_context(
            running_servers(
                [
                    (url, logs.with_name(f"{logs.name}-this.log")),
                    (url, logs.with_name(f"{logs.name}-other.log")),
                ],
                api_paths={1: other},
            )
        )
        this = stack.enter_context(httpx.Client(base_url=this_base, timeout=120))
        that = stack.enter_context(httpx.Client(base_url=other_base, timeout=120))
        targets: dict[str, Target] = {}
        for key, plan in plans.items():
            path = f"/api/v1/plans/{plan.plan_id}/dashboard"
            targets[f"{key}_this"] = _dashboard_target(f"{key} here", this, path, token, plan)
            targets[f"{key}_other"] = _dashboard_target(f"{key} other", that, path, token, plan)
        targets["bare"] = _bare_target(this)
        _drive(list(targets.values()), args.warmup, args.requests)
        cpu = {name: _cpu_per_request(t, args.cpu_requests) for name, t in targets.items()}
    return Comparison(
        other=args.compare_path,
        latency={name: _latency(t.latencies) for name, t in targets.items()},
        ratios={key: _paired(targets[f"{key}_this"], targets[f"{key}_other"]) for key in plans},
        cpu_ms=cpu,
    )


# --- the steps ----------------------------------------------------------------------------


@dataclass
class Step:
    target_commitments: int
    counts: dict[str, int]
    load: LoadStats
    measured: DashboardRun
    large: DashboardRun | None = None
    audit: AuditRun | None = None
    comparison: Comparison | None = None
    ratio_p50: float = 1.0  # M's p50 over the first step's (measured minutes apart)


def _filler_specs(start_index: int, commitments: int, seed: int) -> list[tuple[str, int, int, int]]:
    """Filler plans of FILLER_COMMITMENTS each (the last one takes the remainder)."""
    rng = random.Random(seed)
    specs = []
    index = start_index
    while commitments > 0:
        size = min(FILLER_COMMITMENTS, commitments)
        index += 1
        specs.append((f"FILL-{index:05d}", size, seed * 100_000 + index, rng.randrange(30, 700)))
        commitments -= size
    return specs


def _format_bytes(value: float) -> str:
    for unit in ("B", "kB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _worst(steps: list[Step]) -> tuple[float, float | None]:
    """The worst raw p50 ratio, and the worst ratio to the control after the first step."""
    raw = max(s.ratio_p50 for s in steps)
    ratios = [s.measured.ratio_to_control for s in steps[1:]]
    known = [r for r in ratios if r is not None]
    return raw, max(known) if known and len(known) == len(ratios) else None


def report(steps: list[Step], args: argparse.Namespace, skipped: list[int]) -> str:
    first = steps[0].measured
    lines = [
        "",
        f"== Dashboard of plan M ({first.plan_commitments} commitments over 9 priority areas, "
        f"{first.visible_commitments} of them visible to the JP editor who asks; "
        f"{first.body_bytes:,} bytes of JSON) as the database grows",
        f"   per step {args.rounds} rounds, each with a fresh uvicorn process per database: "
        f"{args.requests} sequential requests per endpoint and round on keep-alive "
        f"connections, the endpoints in turn, after {args.warmup} warm-up",
        "   control: plan M on a copy of the first step's database, served and requested "
        "alongside (M/ctl: median of the rounds' median paired ratio)",
        "",
        f"   {'commitments':>11} {'plans':>5} {'DB size':>8} {'load s':>6} | "
        f"{'M p50':>6} {'p99':>6} {'×1st':>5} | {'ctl p50':>7} {'M/ctl':>5} | "
        f"{'bare p50':>8} {'p99':>5} | {'SQL':>3} {'in DB':>5} {'buffers':>7}",
    ]
    for step in steps:
        m = step.measured
        control = f"{m.control.p50_ms:>7.2f}" if m.control else f"{'—':>7}"
        ratio = f"{m.ratio_to_control:>5.2f}" if m.ratio_to_control else f"{'—':>5}"
        lines.append(
            f"   {step.counts['commitment']:>11,} {step.counts['plan']:>5,} "
            f"{_format_bytes(step.counts['bytes']):>8} {step.load.seconds:>6.1f} | "
            f"{m.dashboard.p50_ms:>6.2f} {m.dashboard.p99_ms:>6.2f} {step.ratio_p50:>5.2f} | "
            f"{control} {ratio} | {m.bare.p50_ms:>8.2f} {m.bare.p99_ms:>5.2f} | "
            f"{len(m.statements):>3} {m.app_db_ms:>5.2f} "
            f"{sum(s.buffers or 0 for s in m.statements):>7,}"
        )
    lines.append(
        "   (ms. ×1st: M's p50 over the first step's, minutes earlier; M/ctl: M against the "
        "same plan in the first step's database at the same moments; SQL: statements per "
        "request, BEGIN/COMMIT not counted; in DB: their time in the API process, median per "
        "statement; buffers: EXPLAIN ANALYZE, all of them)"
    )
    raw, against_control = _worst(steps)
    reached = steps[-1].counts["commitment"]
    judged = against_control if against_control is not None else raw
    verdict = "FLAT" if judged <= FLAT_AIM else "NOT FLAT"
    floor = first.ratio_to_control
    lines.append(
        f"   {verdict} from {steps[0].counts['commitment']:,} to {reached:,} commitments in the "
        f"database: worst "
        + (
            f"M/ctl {against_control:.2f} (aim ≤ {FLAT_AIM}); at the first step, where both "
            f"databases are the same, M/ctl is {floor:.2f}: the measurement's own spread. "
            f"Without the control, the worst p50 over the first step's is {raw:.2f}."
            if against_control is not None and floor is not None
            else f"p50 ratio {raw:.2f} (aim ≤ {FLAT_AIM})."
        )
    )
    if skipped:
        lines.append(
            f"   NOT REACHED: the steps to {', '.join(f'{s:,}' for s in skipped)} commitments "
            f"were skipped (time budget {args.time_budget:.0f} s); the database reached "
            f"{reached:,}."
        )
    same = len({s.measured.body_sha256 for s in steps}) == 1 and all(
        s.measured.control_same_body is not False and not s.measured.varied_bodies for s in steps
    )
    lines.append(
        "   M's dashboard (and the control's) returned the same bytes at every step."
        if same
        else "   note: M's dashboard body changed during the run (a new day?)."
    )
    lines += [
        "",
        "   Each statement of M's dashboard, by step: buffers (EXPLAIN ANALYZE) / ms in the app",
    ]
    header = "".join(f" {s.counts['commitment']:>16,}" for s in steps)
    lines.append(f"   {'#':>2} {'statement':<44}{header}")
    for index, statement in enumerate(first.statements):
        cells = []
        for step in steps:
            row = step.measured.statements
            s = row[index] if index < len(row) else None
            if s is None:
                cells.append(f" {'—':>16}")
            else:
                buffers = f"{s.buffers:,}" if s.buffers is not None else "—"
                cells.append(f" {buffers:>8} / {s.app_ms or 0:>5.2f}")
        lines.append(f"   {index + 1:>2} {statement.label[:44]:<44}" + "".join(cells))
    grown = _grown_statements(steps)
    if grown:
        lines.append("   statements whose work grows with the database:")
        lines += [f"     - {g}" for g in grown]
    else:
        lines.append(
            "   no statement's work grows with the database (buffers within 2 × of the "
            "10,000-commitment step; no sequential scan of a bulk-loaded table)."
        )
    audited = [s for s in steps if s.audit is not None]
    if audited:
        empty = audited[0].audit.empty_plans if audited[0].audit else 0
        lines += [
            "",
            f"== The audit log: M's activity (listAuditEvents?plan_id=M&limit={AUDIT_PAGE}) and "
            f"the whole audit list (listAuditEvents?limit={AUDIT_PAGE}, every plan of the "
            "JP editor's party), each beside the same request on the control, in the same rounds",
            f"   {'commitments':>11} | {'act p50':>7} {'ctl':>6} {'/ctl':>5} {'SQL ms':>6} "
            f"{'buffers':>7} | {'list p50':>8} {'ctl':>6} {'/ctl':>5} | "
            f"{'+' + format(empty, ',') + ' empty':>13} {'/ctl':>5}",
        ]
        for step in audited:
            a = step.audit
            assert a is not None
            in_db = sum(x.app_ms or 0 for x in a.activity_statements)
            buffers = sum(x.buffers or 0 for x in a.activity_statements)

            def ratio(value: float | None) -> str:
                return f"{value:>5.2f}" if value is not None else f"{'—':>5}"

            empty_p50 = f"{a.audit_empty.p50_ms:>13.2f}" if a.audit_empty else f"{'—':>13}"
            lines.append(
                f"   {step.counts['commitment']:>11,} | {a.activity.p50_ms:>7.2f} "
                f"{a.activity_control.p50_ms:>6.2f} {ratio(a.activity_ratio)} {in_db:>6.2f} "
                f"{buffers:>7,} | {a.audit.p50_ms:>8.2f} {a.audit_control.p50_ms:>6.2f} "
                f"{ratio(a.audit_ratio)} | {empty_p50} {ratio(a.audit_empty_ratio)}"
            )
        lines.append(
            "   (ms. /ctl: median of the rounds' median paired ratio against the control, which "
            "is the first step's database; SQL ms and buffers: the activity request's "
            "statements, in the app and under EXPLAIN ANALYZE; the empty plans are in a copy of "
            "the control, so their column compares the same log with and without them)"
        )
        last = audited[-1].audit
        if last is not None and last.activity_statements:
            lines.append(
                "   M's activity request, statement by statement, in the largest database:"
            )
            for index, x in enumerate(last.activity_statements, start=1):
                lines.append(
                    f"   {index:>2} {x.label[:44]:<44} {x.app_ms or 0:>7.2f} ms "
                    f"{x.buffers or 0:>7,} buffers {x.rows_scanned or 0:>7,} rows"
                    + (f"; sequential scan of {', '.join(x.seq_scans)}" if x.seq_scans else "")
                )
    host = next((s for s in steps if s.large is not None), None)
    if host is not None and host.large is not None:
        large = host.large
        lines += [
            "",
            f"== Plan L: {large.plan_commitments:,} commitments ({large.visible_commitments:,} "
            f"visible to the JP editor), in the database of {host.counts['commitment']:,}; "
            f"{large.body_bytes:,} bytes of JSON",
            f"   {'endpoint':<10} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'requests':>9}",
        ]
        for name, lat in (("dashboard", large.dashboard), ("bare", large.bare)):
            lines.append(
                f"   {name:<10} {lat.p50_ms:>8.2f} {lat.p99_ms:>8.2f} {lat.mean_ms:>8.2f} "
                f"{lat.requests:>9,}"
            )
        lines.append(
            f"   {len(large.statements)} SQL statements per request (BEGIN/COMMIT not counted; "
            f"M: {len(first.statements)}); where the time goes (ms in the app, median of "
            f"{args.timing_rounds} recorded requests; buffers and rows scanned: EXPLAIN ANALYZE):"
        )
        for index, s in enumerate(large.statements, start=1):
            lines.append(
                f"   {index:>2} {s.label[:44]:<44} {s.app_ms or 0:>7.2f} ms {s.buffers or 0:>7,} "
                f"buffers {s.rows_scanned or 0:>7,} rows"
            )
    compared = next((s for s in steps if s.comparison is not None), None)
    if compared is not None and compared.comparison is not None:
        c = compared.comparison
        lines += [
            "",
            f"== This checkout against {c.other}, on the database of "
            f"{compared.counts['commitment']:,} commitments, requested in turn "
            f"({args.requests} each); CPU: the API process's, per request, "
            f"{args.cpu_requests} requests each",
            f"   {'dashboard':<10} {'p50 here':>9} {'p50 other':>9} {'here/other':>10} "
            f"{'CPU ms here':>11} {'CPU ms other':>12}",
        ]
        for key in sorted(c.ratios):
            lines.append(
                f"   {key:<10} {c.latency[key + '_this'].p50_ms:>9.2f} "
                f"{c.latency[key + '_other'].p50_ms:>9.2f} {c.ratios[key]:>10.3f} "
                f"{c.cpu_ms[key + '_this']:>11.2f} {c.cpu_ms[key + '_other']:>12.2f}"
            )
        lines.append(
            f"   {'bare':<10} {c.latency['bare'].p50_ms:>9.2f} {'':>9} {'':>10} "
            f"{c.cpu_ms['bare']:>11.2f}"
        )
    return "\n".join(lines)


def _grown_statements(steps: list[Step]) -> list[str]:
    """Statements that read more as the database grows, or scan a bulk-loaded table in full.

    The baseline is the first step with 10,000 commitments or more: in a smaller database a
    sequential scan of a few pages is the right plan, and index plans read a few more pages.
    """
    if len(steps) < 2:
        return []
    base = next((s for s in steps if s.counts["commitment"] >= 10_000), steps[0])
    out = []
    for a, b in zip(base.measured.statements, steps[-1].measured.statements, strict=False):
        if a.buffers is None or b.buffers is None:
            continue
        big_scans = [t for t in b.seq_scans if t in BULK_TABLES]
        if b.buffers > max(2 * a.buffers, a.buffers + 100) or big_scans:
            out.append(
                f"{b.label}: {a.buffers:,} → {b.buffers:,} buffers, "
                f"{a.rows_scanned or 0:,} → {b.rows_scanned or 0:,} rows scanned, "
                f"{a.app_ms} → {b.app_ms} ms in the app"
                + (f"; sequential scan of {', '.join(big_scans)}" if big_scans else "")
                + f"\n       {b.sql[:400]}"
            )
    return out


def _raise_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    # Every `finally` runs: the servers are stopped and the scratch databases dropped.
    raise SystemExit(128 + signum)


def run(args: argparse.Namespace, log_dir: Path) -> tuple[list[Step], list[int]]:
    targets = sorted({int(s) for s in args.steps.split(",") if s.strip()})
    started = time.monotonic()
    steps: list[Step] = []
    skipped: list[int] = []
    with contextlib.ExitStack() as databases:
        url = databases.enter_context(scratch_database())
        control_url: str | None = None
        empty_url: str | None = None
        print("[dashboard] migrating; parties, organisations, users, token…", flush=True)
        setup = create_world(url)
        loader = Loader(url, setup.world)
        total = 0
        rate: tuple[int, float] | None = None  # (commitments, seconds) of a large step
        for number, target in enumerate(targets, start=1):
            specs: list[tuple[str, int, int, int]] = []
            if not steps:
                # M first: its rows, and its audit events (oldest by seq), come before all else.
                specs.append((MEASURED_REFERENCE, MEASURED_COMMITMENTS, 1, 400))
            is_last = number == len(targets)
            if is_last and target - total >= LARGE_COMMITMENTS + len(specs) * 200:
                specs.append((LARGE_REFERENCE, LARGE_COMMITMENTS, 2, 300))
            planned = sum(s[1] for s in specs)
            specs += _filler_specs(loader.plans + len(specs), target - total - planned, number)
            adding = sum(s[1] for s in specs)
            # Judged from the last step that loaded at least 50,000 commitments, if any.
            projected = time.monotonic() - started
            if rate:
                projected += adding * rate[1] / rate[0] * 1.2 + 60
            if rate and projected > args.time_budget:
                skipped = [t for t in targets if t >= target]
                print(
                    f"[dashboard] skipping the step to {target:,}: it would end after about "
                    f"{projected:.0f} s, beyond the time budget of {args.time_budget:.0f} s",
                    flush=True,
                )
                break
            print(
                f"[dashboard] step {number}/{len(targets)}: loading {adding:,} commitments in "
                f"{len(specs):,} plans (database → {total + adding:,})…",
                flush=True,
            )
            stats = loader.load(specs)
            total += adding
            if adding >= 50_000:
                rate = (adding, stats.seconds)
            counts = database_counts(url)
            print(
                f"[dashboard]   {stats.seconds:.1f} s (building {stats.build_seconds:.1f} while "
                f"copying {stats.copy_seconds:.1f}, indexes {stats.index_seconds:.1f}, vacuum "
                f"analyze and checkpoint {stats.vacuum_seconds:.1f}); measuring…",
                flush=True,
            )
            if control_url is None:
                # The control: this first database, copied once and never grown.
                control_url = databases.enter_context(scratch_database(template_url=url))
                if args.empty_plans:
                    empty_url = databases.enter_context(scratch_database(template_url=url))
                    add_empty_plans(empty_url, args.empty_plans, setup.world)
            large = loader.built.get(LARGE_REFERENCE)
            run_m, run_l, run_audit = measure_step(
                url=url,
                control_url=control_url,
                empty_url=empty_url,
                token=setup.token,
                measured=loader.built[MEASURED_REFERENCE],
                large=large if any(s[0] == LARGE_REFERENCE for s in specs) else None,
                args=args,
                logs=log_dir / f"server-step{number}",
            )
            step = Step(target, counts, stats, run_m, run_l, run_audit)
            if args.compare_path and number == len(targets):
                print(f"[dashboard]   comparing with {args.compare_path}…", flush=True)
                plans = {"M": loader.built[MEASURED_REFERENCE]}
                if large is not None:
                    plans["L"] = large
                step.comparison = compare(
                    url=url,
                    token=setup.token,
                    plans=plans,
                    args=args,
                    logs=log_dir / f"server-step{number}-compare",
                )
            if steps:
                base = steps[0].measured.dashboard.p50_ms
                step.ratio_p50 = round(run_m.dashboard.p50_ms / base, 3)
            steps.append(step)
            control_note = (
                f", control p50 {run_m.control.p50_ms:.2f} ms, M/ctl {run_m.ratio_to_control} "
                f"(rounds: {', '.join(f'{r:.2f}' for r in run_m.round_ratios)})"
                if run_m.control
                else ""
            )
            print(
                f"[dashboard]   M: dashboard p50 {run_m.dashboard.p50_ms:.2f} ms"
                f"{control_note}, bare p50 {run_m.bare.p50_ms:.2f} ms, "
                f"{len(run_m.statements)} statements ({run_m.app_db_ms:.2f} ms in the database)",
                flush=True,
            )
            print(
                f"[dashboard]   activity p50 {run_audit.activity.p50_ms:.2f} ms "
                f"(/ctl {run_audit.activity_ratio}), audit list p50 "
                f"{run_audit.audit.p50_ms:.2f} ms "
                f"(/ctl {run_audit.audit_ratio}), with {run_audit.empty_plans:,} empty plans / "
                f"without {run_audit.audit_empty_ratio}",
                flush=True,
            )
            if run_l is not None:
                print(
                    f"[dashboard]   L: dashboard p50 {run_l.dashboard.p50_ms:.2f} ms, bare p50 "
                    f"{run_l.bare.p50_ms:.2f} ms, {len(run_l.statements)} statements",
                    flush=True,
                )
    return steps, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--steps",
        default=DEFAULT_STEPS,
        help="commitments in the whole database at each step (comma-separated)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="per step, each with fresh server processes"
    )
    parser.add_argument("--requests", type=int, default=100, help="timed, per endpoint and round")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per endpoint")
    parser.add_argument(
        "--timing-rounds", type=int, default=15, help="recorded requests, for statement times"
    )
    parser.add_argument("--explain-repeat", type=int, default=3, help="EXPLAIN runs (median)")
    parser.add_argument(
        "--compare-path",
        default=None,
        help="another checkout (e.g. `git worktree add /tmp/before <commit>`) whose API serves "
        "M's and L's dashboards beside this one's on the largest database",
    )
    parser.add_argument(
        "--cpu-requests", type=int, default=50, help="requests per endpoint for CPU per request"
    )
    parser.add_argument(
        "--empty-plans",
        type=int,
        default=2000,
        help="plans of the caller's party without events in a copy of the control, where the "
        "audit list is measured too (0: not measured)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=900,
        help="seconds; a step that would end later (judged from the previous ones) is skipped",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    check_columns()
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="itpp-bench-dashboard-") as log_dir:
            steps, skipped = run(args, Path(log_dir))
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, scratch databases dropped", file=sys.stderr)
        return 130
    if not steps:
        print("benchmark failed: no step was measured", file=sys.stderr)
        return 1
    print(report(steps, args, skipped))
    raw, adjusted = _worst(steps)
    document = {
        "benchmark": "dashboard",
        "finished_at": datetime.now(UTC).isoformat(),
        "seconds": round(time.monotonic() - started, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "options": vars(args),
        "aim_max_p50_ratio": FLAT_AIM,
        "worst_p50_ratio": raw,
        "worst_ratio_to_control": adjusted,
        "skipped_steps": skipped,
        "steps": [asdict(s) for s in steps],
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nresults: {RESULTS_PATH.relative_to(PROJECT_ROOT)}  ({document['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
