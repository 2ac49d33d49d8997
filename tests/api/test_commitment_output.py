"""A commitment prints exactly as the CommitmentPublic model would print the same record.

The list and the single GET read rows as text and print them without building Python objects
(itpp_api.commitments.fast_rows). These tests build the expected representation the slow,
obvious way, from the ORM records (UUID, date and aware datetime objects, parsed JSON)
validated and serialized by pydantic, and compare bytes: field order, UUIDs (dashed, lower
case), dates, timestamps (UTC, ``Z``, a zero fraction left out, else six digits), JSON text
with escapes and non-ASCII, and the derived is_overdue and etag. On both engines.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlmodel import Session, col, select

from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.commitments.schemas import CommitmentPublic, MilestonePublic
from itpp_api.db import transaction
from itpp_api.enums import CommitmentStatus, Modality, Visibility
from itpp_api.plans.models import PriorityArea
from itpp_api.wire import make_etag
from tests.conftest import Database
from tests.factories import World, make_commitment, make_world

# Quotes, backslashes, control characters, a line separator, CJK and an emoji: everything a
# JSON printer might escape differently.
AWKWARD = 'Quote " back\\slash\nnew\ttab \x1f \u2028 \u65e5\u672c 🚀 </script>'


def _expected(session: Session, commitment_id: uuid.UUID) -> bytes:
    """The commitment as pydantic prints CommitmentPublic built from the ORM records."""
    commitment = session.get(Commitment, commitment_id)
    assert commitment is not None
    area = session.get(PriorityArea, commitment.priority_area_id)
    assert area is not None
    milestones = session.scalars(
        select(Milestone)
        .where(Milestone.commitment_id == commitment_id)
        .order_by(col(Milestone.position))
    ).all()
    supporters = session.scalars(
        select(CommitmentSupporter.organisation_id)
        .where(CommitmentSupporter.commitment_id == commitment_id)
        .order_by(col(CommitmentSupporter.position))
    ).all()
    on = today()
    closed = (CommitmentStatus.COMPLETED.value, CommitmentStatus.CANCELLED.value)
    # What the caller (a Japan editor, on a plan in force) may do: tests/api/test_allowed_actions
    # holds the rules; here only how the answer prints.
    cancelled = commitment.status == CommitmentStatus.CANCELLED.value
    if commitment.visibility == Visibility.SHARED.value:
        allowed = ["update", "propose_change", *([] if cancelled else ["retire"])]
    else:
        allowed = ["update", *([] if cancelled else ["cancel"])]
    data: dict[str, Any] = {
        "id": commitment.id,
        "plan_id": commitment.plan_id,
        "reference": commitment.reference,
        "priority_area_id": commitment.priority_area_id,
        "priority_area_code": area.code,
        "title": commitment.title,
        "description": commitment.description,
        "translations": commitment.translations,
        "modality": commitment.modality,
        "lead_party_id": commitment.lead_party_id,
        "lead_organisation_id": commitment.lead_organisation_id,
        "supporting_organisation_ids": list(supporters),
        "start_date": commitment.start_date,
        "due_date": commitment.due_date,
        "status": commitment.status,
        "progress": commitment.progress,
        "health": commitment.health,
        "pcm_activity_ref": commitment.pcm_activity_ref,
        "visibility": commitment.visibility,
        "is_example": commitment.is_example,
        "is_overdue": commitment.due_date is not None
        and commitment.due_date < on
        and commitment.status not in closed,
        "milestones": [
            {
                "id": m.id,
                "commitment_id": m.commitment_id,
                "position": m.position,
                "title": m.title,
                "translations": m.translations,
                "due_date": m.due_date,
                "done_on": m.done_on,
                "is_overdue": m.done_on is None and m.due_date is not None and m.due_date < on,
                "etag": make_etag(m.id, m.row_version),
                "created_at": m.created_at,
                "updated_at": m.updated_at,
                "allowed_actions": ["update", "delete"],
            }
            for m in milestones
        ],
        "etag": make_etag(commitment.id, commitment.row_version),
        "created_at": commitment.created_at,
        "updated_at": commitment.updated_at,
        "allowed_actions": [*allowed, "create_milestone"],
    }
    return CommitmentPublic.model_validate(data).model_dump_json().encode()


def _set(model: Any, record_id: uuid.UUID, **values: Any) -> None:
    with transaction(write=True) as session:
        session.execute(update(model).where(model.id == record_id).values(**values))


def _records(world: World) -> list[uuid.UUID]:
    """Commitments covering every shape a field can take."""
    past, future = today() - timedelta(days=40), today() + timedelta(days=40)
    full = make_commitment(
        world,
        title={"ja": "\u6f14\u7fd2\u3078\u306e\u53c2\u52a0", "en": AWKWARD},
        description={"en": "Line one\nline two", "ja": "\u8aac\u660e"},
        lead_organisation_id=world.mod,
        supporting_organisation_ids=[world.shape, world.mofa],
        start_date=past - timedelta(days=30),
        due_date=past,
        status=CommitmentStatus.IN_PROGRESS,
        progress=40,
        pcm_activity_ref="PCM-\u00e9-1",
        is_example=True,
        milestones=[
            {"title": {"en": "Done"}, "due_date": past, "done_on": past},
            {"title": {"en": "Overdue", "ja": AWKWARD}, "due_date": past},
            {"title": {"en": "Ahead"}, "due_date": future},
            {"title": {"en": "Undated"}},
        ],
    )
    bare = make_commitment(
        world,
        priority_area_id=world.maritime,
        modality=Modality.HIGH_LEVEL_DIALOGUE,
        visibility=Visibility.INTERNAL,  # led by JP: the JP caller sees it
    )
    completed = make_commitment(
        world, due_date=past, status=CommitmentStatus.COMPLETED, progress=100
    )
    cancelled = make_commitment(world, due_date=past, status=CommitmentStatus.CANCELLED)
    # Health comes from reviews (no API yet); timestamps with a zero fraction and with
    # trailing zeros in the fraction print differently.
    _set(Commitment, full, health="at_risk", created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    _set(Commitment, bare, updated_at=datetime(2026, 1, 2, 3, 4, 5, 440000, tzinfo=UTC))
    _set(Commitment, completed, created_at=datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC))
    with transaction(write=False) as session:
        first = session.scalars(
            select(Milestone.id)
            .where(Milestone.commitment_id == full)
            .order_by(col(Milestone.position))
        ).first()
    assert first is not None
    _set(Milestone, first, created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    return [full, bare, completed, cancelled]


def _list_items(client: TestClient, world: World) -> dict[str, bytes]:
    """Each item of the list, as the exact bytes of the response body, by id."""
    response = client.get(f"/api/v1/plans/{world.plan}/commitments", params={"limit": 200})
    assert response.status_code == 200, response.text
    body = orjson.loads(response.content)
    # orjson prints what it parses byte for byte, so each re-printed item is its body slice.
    assert orjson.dumps(body) == response.content
    return {item["id"]: orjson.dumps(item) for item in body["items"]}


def test_list_items_and_single_gets_print_as_the_public_model_prints_the_record(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    ids = _records(world)
    listed = _list_items(client, world)
    assert sorted(listed) == sorted(str(i) for i in ids)
    with transaction(write=False) as session:
        expected = {str(i): _expected(session, i) for i in ids}
    for commitment_id in ids:
        key = str(commitment_id)
        item = listed[key]
        assert item == expected[key]
        # The single GET prints the very same bytes, with the etag also as its header, and
        # then the exchanges that deliver the commitment (none here).
        response = client.get(f"/api/v1/commitments/{commitment_id}")
        assert response.status_code == 200, response.text
        assert response.content == expected[key][:-1] + b',"exchanges":[]}'
        assert response.headers["etag"] == orjson.loads(item)["etag"]
        # Validating through the model and printing it again changes nothing.
        model = CommitmentPublic.model_validate_json(item)
        assert model.model_dump(mode="json") == orjson.loads(item)
        assert list(orjson.loads(item)) == list(CommitmentPublic.model_fields)


def test_the_list_shows_the_awkward_and_edge_values_as_stored(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    full, bare, completed, cancelled = _records(world)
    items = {key: orjson.loads(value) for key, value in _list_items(client, world).items()}
    first, second, third = (items[str(i)] for i in (full, bare, completed))
    assert first["title"]["en"] == AWKWARD
    assert first["created_at"] == "2026-01-02T03:04:05Z"
    assert second["updated_at"] == "2026-01-02T03:04:05.440000Z"
    assert third["created_at"] == "2026-01-02T03:04:05.000007Z"
    assert first["milestones"][0]["created_at"] == "2026-01-02T03:04:05Z"
    assert first["id"] == str(full) and first["plan_id"] == str(world.plan)
    assert first["supporting_organisation_ids"] == [str(world.shape), str(world.mofa)]
    assert second["description"] is None and second["lead_organisation_id"] is None
    assert [m["is_overdue"] for m in first["milestones"]] == [False, True, False, False]
    assert (first["is_overdue"], third["is_overdue"]) == (True, False)
    assert items[str(cancelled)]["is_overdue"] is False
    assert first["health"] == "at_risk" and first["is_example"] is True


def test_a_milestone_inside_its_commitment_prints_as_its_own_get(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    full = _records(world)[0]
    commitment = orjson.loads(_list_items(client, world)[str(full)])
    assert len(commitment["milestones"]) == 4
    for milestone in commitment["milestones"]:
        response = client.get(f"/api/v1/milestones/{milestone['id']}")
        assert response.status_code == 200, response.text
        assert response.content == orjson.dumps(milestone)
        assert MilestonePublic.model_validate(milestone).model_dump(mode="json") == milestone


@pytest.mark.parametrize(
    ("column", "stored", "printed"),
    [
        ("updated_at", "2026-01-02 03:04:05", "2026-01-02T03:04:05Z"),
        ("updated_at", "2026-01-02 03:04:05.5", "2026-01-02T03:04:05.500000Z"),
        ("updated_at", "2026-01-02T03:04:05.000000", "2026-01-02T03:04:05Z"),
        ("updated_at", "2026-01-02 03:04:05.123+01", "2026-01-02T02:04:05.123000Z"),
        ("updated_at", "2026-01-02 03:04+01", "2026-01-02T02:04:00Z"),
        ("updated_at", "2026-W02-1 03:04:05", "2026-01-05T03:04:05Z"),
        ("due_date", "2026-W02-1", "2026-01-05"),
    ],
)
# Only SQLite keeps values as text that could be in another shape; PostgreSQL keeps types.
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_sqlite_values_in_another_shape_print_as_the_type_reads_them(
    client: TestClient, db: Database, column: str, stored: str, printed: str
) -> None:
    """Text SQLAlchemy would not have written still prints as its result processor reads it."""
    world = make_world()
    commitment_id = make_commitment(world)
    with transaction(write=True) as session:
        session.execute(
            text(f"UPDATE commitment SET {column} = :value WHERE id = :id"),
            {"value": stored, "id": commitment_id.hex},
        )
    items = {key: orjson.loads(value) for key, value in _list_items(client, world).items()}
    assert items[str(commitment_id)][column] == printed
    with transaction(write=False) as session:
        assert _list_items(client, world)[str(commitment_id)] == _expected(session, commitment_id)


def test_dates_print_as_iso_days(client: TestClient, db: Database) -> None:
    world = make_world()
    commitment_id = make_commitment(world, start_date=date(2026, 2, 3), due_date=date(2026, 12, 31))
    item = orjson.loads(_list_items(client, world)[str(commitment_id)])
    assert (item["start_date"], item["due_date"]) == ("2026-02-03", "2026-12-31")
