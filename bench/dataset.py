"""The benchmark's data: one realistic plan with many commitments, bulk-inserted with Core.

Going through the services would take minutes for 10,000 commitments (every create runs its
checks and a handful of queries), so rows are built here and inserted with executemany into the
real, migrated tables. The content is derived from the sample Japan–NATO plan so titles,
descriptions and milestones have the length and bilingual mix the list really serves.
"""

import random
import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table
from sqlmodel import SQLModel, select

import itpp_api.models  # noqa: F401  (registers every table on the metadata)
from itpp_api.auth.models import User
from itpp_api.auth.passwords import hash_password
from itpp_api.auth.service import issue_token
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.enums import CommitmentStatus, Health, Role, TokenKind, TokenScope, Visibility
from itpp_api.localized import search_text
from itpp_api.parties.models import Party
from itpp_api.sample import content

# Fixed so that both engines (and successive runs) serve the very same data.
_SEED = 20_261_125
_CHUNK = 2_000


@dataclass(frozen=True)
class Dataset:
    """What the load generator needs to know about the inserted data."""

    plan_id: uuid.UUID
    commitments: int
    milestones: int
    supporters: int
    seconds: float
    # The bearer secret of a JP editor's sign-in session (a scratch database's, never stored).
    token: str = field(repr=False, compare=False)


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


def _timestamp(rng: random.Random, base: datetime, max_days: int) -> datetime:
    # Random microseconds too: they change how timestamps serialize, so they must be realistic.
    return base + timedelta(
        seconds=rng.randrange(max_days * 86_400), microseconds=rng.randrange(1_000_000)
    )


def build_rows(count: int) -> tuple[uuid.UUID, dict[str, list[dict[str, Any]]]]:
    """Every row to insert, by table name, for one plan with `count` commitments."""
    rng = random.Random(_SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    epoch = now - timedelta(days=400)
    approval = now.date() - timedelta(days=240)

    parties = {p["code"]: uuid.uuid4() for p in content.PARTIES}
    party_rows = [
        {"id": parties[p["code"]], "code": p["code"], "name": dict(p["name"]), "created_at": epoch}
        for p in content.PARTIES
    ]
    organisations = {o["code"]: (uuid.uuid4(), o["party"]) for o in content.ORGANISATIONS}
    organisation_rows = [
        {
            "id": organisations[o["code"]][0],
            "party_id": parties[o["party"]],
            "code": o["code"],
            "name": dict(o["name"]),
            "created_at": epoch,
        }
        for o in content.ORGANISATIONS
    ]
    plan_id = uuid.uuid4()
    # The full narrative of the sample plan, so a plan lookup costs what it costs in real use.
    plan = content.PLAN
    plan_rows = [
        {
            "id": plan_id,
            "reference": "BENCH-ITPP",
            "title": dict(plan["title"]),
            "sections": [
                {"number": s["number"], "heading": dict(s["heading"]), "body": dict(s["body"])}
                for s in plan["sections"]
            ],
            "objectives": [dict(o) for o in plan["objectives"]],
            "status": "active",
            "approval_date": approval,
            "term_months": plan["term_months"],
            "review_interval_months": plan["review_interval_months"],
            "predecessor_id": None,
            "row_version": 1,
            "created_at": epoch,
            "updated_at": epoch,
        }
    ]
    plan_party_rows = [
        {"plan_id": plan_id, "party_id": parties[p["code"]], "position": i}
        for i, p in enumerate(content.PARTIES)
    ]
    areas: list[tuple[uuid.UUID, str, str]] = []
    area_rows = []
    for position, area in enumerate(content.PRIORITY_AREAS):
        area_id = uuid.uuid4()
        areas.append((area_id, area["code"], area["short"]))
        area_rows.append(
            {
                "id": area_id,
                "plan_id": plan_id,
                "code": area["code"],
                "short_code": area["short"],
                "position": position,
                "title": dict(area["title"]),
                "description": dict(area["description"]),
                "row_version": 1,
                "created_at": epoch,
                "updated_at": epoch,
            }
        )
    templates: dict[str, list[content.Commitment]] = {}
    for item in content.COMMITMENTS:
        templates.setdefault(item["area"], []).append(item)
    fallback = list(content.COMMITMENTS)

    statuses = list(CommitmentStatus)
    healths: list[str | None] = [None, *(h.value for h in Health)]
    commitment_rows: list[dict[str, Any]] = []
    milestone_rows: list[dict[str, Any]] = []
    supporter_rows: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    for index in range(count):
        area_id, area_code, short = areas[index % len(areas)]
        numbers[short] = numbers.get(short, 0) + 1
        number = numbers[short]
        template = rng.choice(templates.get(area_code) or fallback)
        reference = f"{short}-{number:04d}"
        year = 2025 + number % 3
        title = {
            "ja": f"{template['title']['ja']}（{year}年度 第{number}回）",
            "en": f"{template['title']['en']} ({year} cycle, round {number})",
        }
        lead_party = template["lead_party"]
        lead_organisation = organisations.get(template["lead_organisation"])
        others = [oid for code, (oid, party) in organisations.items() if party != lead_party]
        start = approval + timedelta(days=rng.randrange(0, 400))
        due = start + timedelta(days=rng.randrange(30, 500)) if rng.random() < 0.9 else None
        status = rng.choice(statuses)
        progress = 100 if status is CommitmentStatus.COMPLETED else rng.randrange(0, 100)
        created = _timestamp(rng, epoch, 300)
        commitment_id = uuid.uuid4()
        commitment_rows.append(
            {
                "id": commitment_id,
                "plan_id": plan_id,
                "priority_area_id": area_id,
                "reference": reference,
                "title": title,
                "description": dict(template["description"]),
                # About one in ten with a stale English title, as after a Japanese-only edit.
                "translations": {
                    "title": {"source": "ja", "stale": ["en"] if rng.random() < 0.1 else []},
                    "description": {"source": "ja", "stale": []},
                },
                "modality": template["modality"],
                "lead_party_id": parties[lead_party],
                "lead_organisation_id": lead_organisation[0] if lead_organisation else None,
                "start_date": start,
                "due_date": due,
                "status": status.value,
                "progress": progress,
                "health": rng.choice(healths),
                "pcm_activity_ref": f"PCM-{number:05d}" if rng.random() < 0.2 else None,
                "visibility": rng.choice(list(Visibility)).value,
                "is_example": False,
                "search_text": search_text(title, extra=(reference,)),
                "row_version": rng.randrange(1, 4),
                "created_at": created,
                "updated_at": _timestamp(rng, created, 90),
            }
        )
        # About two milestones each (1–3), about one supporter each (0–2).
        milestone_templates = template["milestones"] or [
            {
                "title": {"ja": "実施", "en": "Delivered"},
                "due_offset_days": 0,
                "done_offset_days": None,
            }
        ]
        for position in range(rng.choice((1, 2, 2, 3))):
            m = milestone_templates[position % len(milestone_templates)]
            m_due = start + timedelta(days=30 * (position + 1))
            milestone_rows.append(
                {
                    "id": uuid.uuid4(),
                    "commitment_id": commitment_id,
                    "position": position,
                    "title": dict(m["title"]),
                    "translations": {"title": {"source": "ja", "stale": []}},
                    "due_date": m_due,
                    "done_on": m_due - timedelta(days=rng.randrange(0, 5))
                    if m_due < now.date() and rng.random() < 0.7
                    else None,
                    "row_version": 1,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        for position, organisation_id in enumerate(rng.sample(others, rng.choice((0, 1, 1, 2)))):
            supporter_rows.append(
                {
                    "commitment_id": commitment_id,
                    "organisation_id": organisation_id,
                    "position": position,
                }
            )
    # About one exchange per four commitments, each delivering one or two of them, half of them
    # internal to their sending party: each commitment's ETag follows the links its reader sees.
    # A generator of their own, so the commitments above stay as they were.
    exchange_rng = random.Random(_SEED + 1)
    exchange_rows: list[dict[str, Any]] = []
    link_rows: list[dict[str, Any]] = []
    codes = list(parties)
    for number in range(1, len(commitment_rows) // 4 + 1):
        sender = exchange_rng.choice(codes)
        receiver = next(code for code in codes if code != sender)
        start = approval + timedelta(days=exchange_rng.randrange(0, 400))
        title = {"ja": f"専門家協議（第{number}回）", "en": f"Expert consultation, round {number}"}
        reference = f"EX-{number:05d}"
        created = _timestamp(exchange_rng, epoch, 300)
        exchange_id = uuid.uuid4()
        exchange_rows.append(
            {
                "id": exchange_id,
                "plan_id": plan_id,
                "reference": reference,
                "kind": "consultation",
                "title": title,
                "from_party_id": parties[sender],
                "to_party_id": parties[receiver],
                "start_date": start,
                "end_date": start + timedelta(days=exchange_rng.randrange(0, 3)),
                "participants": [],
                "status": "planned",
                "visibility": exchange_rng.choice(list(Visibility)).value,
                "translations": {"title": {"source": "ja", "stale": []}},
                "is_example": False,
                "search_text": search_text(title, extra=(reference,)),
                "row_version": exchange_rng.randrange(1, 4),
                "created_at": created,
                "updated_at": created,
            }
        )
        for commitment in exchange_rng.sample(commitment_rows, exchange_rng.choice((1, 2))):
            link_rows.append({"exchange_id": exchange_id, "commitment_id": commitment["id"]})
    return plan_id, {
        "party": party_rows,
        "organisation": organisation_rows,
        "plan": plan_rows,
        "plan_party": plan_party_rows,
        "priority_area": area_rows,
        "commitment": commitment_rows,
        "milestone": milestone_rows,
        "commitment_supporter": supporter_rows,
        "exchange": exchange_rows,
        "exchange_commitment": link_rows,
    }


def sign_in(engine: Engine) -> str:
    """A Japanese editor and a live sign-in session for them, as tests/factories.py makes them.

    The list now needs a bearer token; the user sees shared commitments and JP's internal ones,
    so the visibility rule really filters (about half the commitments are internal).
    """
    settings = get_settings()
    with transaction(write=True, engine=engine) as session:
        japan = session.scalars(select(Party.id).where(Party.code == "JP")).one()
        user = User(
            email="bench-jp-editor@bench.example",
            display_name="JP editor (benchmark)",
            party_id=japan,
            role=Role.EDITOR.value,
            preferred_language="ja",
            password_hash=hash_password(secrets.token_urlsafe(24)),
        )
        session.add(user)
        session.flush()
        _, secret = issue_token(
            session=session,
            user=user,
            kind=TokenKind.SESSION,
            scope=TokenScope.READ_WRITE,
            lifetime=timedelta(hours=settings.session_absolute_hours),
            idle=timedelta(minutes=settings.session_idle_minutes),
        )
    return secret


def insert(engine: Engine, count: int) -> Dataset:
    """Insert one plan with `count` commitments into a migrated, empty database."""
    started = datetime.now(UTC)
    plan_id, rows = build_rows(count)
    # One transaction: parents before children, in chunks so no statement gets too large.
    with engine.begin() as connection:
        for name, table_rows in rows.items():
            for chunk in _chunks(table_rows):
                connection.execute(_table(name).insert(), list(chunk))
    # Fresh statistics, as autovacuum would give a live database, so query plans are realistic.
    # (In its own committed transaction: on PostgreSQL a rolled-back ANALYZE keeps nothing.)
    token = sign_in(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return Dataset(
        plan_id=plan_id,
        commitments=len(rows["commitment"]),
        milestones=len(rows["milestone"]),
        supporters=len(rows["commitment_supporter"]),
        seconds=(datetime.now(UTC) - started).total_seconds(),
        token=token,
    )
