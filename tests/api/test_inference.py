"""One party's internal records never reach the other — not by id, and not by inference
(issue 14): for every operation that names a commitment, milestone, exchange or review item
(in its path, a filter or its body), the other party's answer for an internal record of Japan
is the answer for an id that does not exist — the same status, problem, message (but for the
id), headers and amount of work (SQL statements, the deterministic stand-in for timing) — for
its editors and its viewers alike. And every query of a record that has a visibility, or of the
audit events about one, carries the access policy's filter (or says why it reads across
parties), whatever the operation.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.sql import util as sql_util
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import select

from itpp_api.amendments.models import Amendment
from itpp_api.attachments.finder import find_parent
from itpp_api.attachments.models import AttachmentParent
from itpp_api.auth import policy
from itpp_api.auth.policy import Action
from itpp_api.clock import today
from itpp_api.comments import service as comments
from itpp_api.comments.schemas import CommentCreate
from itpp_api.commitments.models import Milestone
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus, Role, Visibility
from itpp_api.main import create_app
from itpp_api.parties.models import Party
from itpp_api.plans.service import get_plan
from itpp_api.reviews import service as reviews
from itpp_api.reviews.models import ReviewCycle, ReviewItem
from tests.conftest import Database
from tests.factories import (
    SYSTEM,
    actor_of,
    bring_into_force,
    make_commitment,
    make_exchange,
    make_user,
    make_world,
    token_for,
)

API = "/api/v1"
SNAPSHOT_OPERATIONS: dict[str, tuple[str, str]] = {}  # filled from the app's document
NAMING = ("{commitment_id}", "{milestone_id}", "{exchange_id}", "{item_id}", "{comment_id}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RESTRICTED = frozenset({"commitment", "exchange", "audit_event", "attachment", "comment"})
# Bodies that pass validation, so that the record lookup is what answers.
BODIES: dict[str, Any] = {
    "updateCommitment": {"progress": 10},
    "createMilestone": {"title": {"en": "Step", "ja": "段階"}},
    "updateMilestone": {"done_on": None},
    "updateExchange": {"location": "Brussels"},
    "putReviewAssessment": {"rating": "on_track"},
    "updateReviewItem": {"agreed_rating": "on_track"},
    # Uploads find the record before they read their (multipart) body.
    "uploadCommitmentAttachment": None,
    "uploadExchangeAttachment": None,
    "uploadReviewItemAttachment": None,
    "createCommitmentComment": {"body": "A word"},
    "createExchangeComment": {"body": "A word"},
    "createReviewItemComment": {"body": "A word"},
    "updateComment": {"body": "Another word"},
    "createProgressUpdate": {"status": "in_progress", "progress": 10, "narrative": {"en": "x"}},
}
ANY_ETAG = {"If-Match": '"000000000000-1"'}


@dataclass
class Scene:
    plan: uuid.UUID
    review: uuid.UUID
    hidden: dict[str, uuid.UUID]  # path parameter → Japan's internal record
    shared_commitment: uuid.UUID
    shared: dict[str, uuid.UUID]  # path parameter → a record both parties see


def build_scene() -> Scene:
    world = make_world(status=PlanStatus.DRAFT)
    shared = make_commitment(world, milestones=[{"title": {"en": "Shared step"}}])
    hidden = make_commitment(
        world,
        title={"en": "Japan's own preparation", "ja": "日本の内部準備"},
        visibility="internal",
        milestones=[{"title": {"en": "Internal step"}}],
    )
    hidden_exchange = make_exchange(
        world,
        title={"en": "Japan's internal coordination"},
        visibility="internal",
        commitment_ids=[hidden, shared],
    )
    shared_exchange = make_exchange(world, commitment_ids=[shared])
    bring_into_force(world.plan, approval_date=today() - timedelta(days=200))
    author = actor_of(make_user("JP", Role.EDITOR, email="jp-commenter@test.example"))
    with transaction(write=True) as session:
        review = session.scalars(
            select(ReviewCycle).where(ReviewCycle.plan_id == world.plan, ReviewCycle.number == 1)
        ).one()
        plan_row = get_plan(session=session, plan_id=world.plan, actor=SYSTEM)
        reviews.open_review(session=session, actor=SYSTEM, plan=plan_row, review=review)
        item = session.scalars(
            select(ReviewItem).where(
                ReviewItem.review_id == review.id, ReviewItem.commitment_id == hidden
            )
        ).one()
        shared_item = session.scalars(
            select(ReviewItem.id).where(
                ReviewItem.review_id == review.id, ReviewItem.commitment_id == shared
            )
        ).one()
        milestone = session.scalars(
            select(Milestone.id).where(Milestone.commitment_id == hidden)
        ).one()
        shared_milestone = session.scalars(
            select(Milestone.id).where(Milestone.commitment_id == shared)
        ).one()
        # Japan's internal comment on a shared commitment.
        parent = find_parent(
            session=session,
            actor=author,
            parent_type=AttachmentParent.COMMITMENT,
            parent_id=shared,
            action=Action.WRITE,
        )
        internal_comment = comments.create(
            session=session,
            actor=author,
            parent=parent,
            data=CommentCreate(body="Between us", visibility=Visibility.INTERNAL),
        )
        return Scene(
            plan=world.plan,
            review=review.id,
            hidden={
                "commitment_id": hidden,
                "milestone_id": milestone,
                "exchange_id": hidden_exchange,
                "item_id": item.id,
                "comment_id": internal_comment.id,
            },
            shared_commitment=shared,
            shared={
                "commitment_id": shared,
                "exchange_id": shared_exchange,
                "milestone_id": shared_milestone,
                "item_id": shared_item,
            },
        )


@dataclass
class Statements:
    """The SQL statements an engine runs while recording, with what they carry."""

    seen: list[tuple[str, bool, str]]  # (SQL, carries the filter or the mark, tables)
    recording: bool = False

    def __call__(
        self,
        conn: Any,
        clauseelement: Any,
        multiparams: Any,
        params: Any,
        execution_options: Any,
    ) -> None:
        if not self.recording or not hasattr(clauseelement, "get_children"):
            return
        tables = {
            getattr(t, "name", "")
            for t in sql_util.find_tables(
                clauseelement, check_columns=True, include_aliases=True, include_crud=True
            )
        }
        names = {
            node.key for node in visitors.iterate(clauseelement) if isinstance(node, BindParameter)
        }
        options = {**getattr(clauseelement, "_execution_options", {}), **(execution_options or {})}
        given = set()
        for group in multiparams or ():
            if isinstance(group, dict):
                given |= set(group)
        given |= set(params or {})
        carries = bool({policy.VIEWER_PARTY, policy.SHARED_ONLY} & (names | given)) or (
            policy.UNFILTERED in options
        )
        self.seen.append((str(clauseelement), carries, ",".join(sorted(tables))))

    def counted(self) -> int:
        # A token's idle clock is touched at most once a minute, in whichever request comes:
        # not work the answer depends on.
        return sum(1 for sql, _, tables in self.seen if tables != "api_token")


@pytest.fixture
def statements(db: Database) -> Iterator[Statements]:
    recorder = Statements(seen=[])
    engine: Engine = db.engine
    event.listen(engine, "before_execute", recorder)
    yield recorder
    event.remove(engine, "before_execute", recorder)


def _operations() -> list[tuple[str, str, str]]:
    document = create_app().openapi()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and any(
                name in path for name in NAMING
            ):
                found.append((method.upper(), path, operation["operationId"]))
    return sorted(found)


OPERATIONS = _operations()


def _normalised(response: Any) -> dict[str, Any]:
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = response.text
    text = _UUID.sub("<id>", str(body))
    headers = {
        k: _UUID.sub("<id>", v)
        for k, v in response.headers.items()
        if k not in ("date", "content-length", "x-request-id", "server-timing")
    }
    return {"status": response.status_code, "body": text, "headers": headers}


def _ask(
    client: TestClient,
    statements: Statements,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any = None,
) -> tuple[dict[str, Any], int]:
    statements.seen.clear()
    statements.recording = True
    try:
        response = client.request(method, url, headers=headers, json=body)
    finally:
        statements.recording = False
    # Whatever the request, every query of a record with a visibility carries the filter.
    for sql, carries, tables in statements.seen:
        assert carries or not set(tables.split(",")) & RESTRICTED, (method, url, sql)
    return _normalised(response), statements.counted()


def test_every_operation_naming_a_record_is_listed_here() -> None:
    named = {operation for _, _, operation in OPERATIONS}
    needing_bodies = {op for method, _, op in OPERATIONS if method in ("POST", "PUT", "PATCH")}
    assert needing_bodies <= set(BODIES), needing_bodies - set(BODIES)
    assert len(named) >= 15


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_a_hidden_record_answers_every_operation_like_an_unknown_id(
    anonymous_client: TestClient, db: Database, statements: Statements, role: Role
) -> None:
    scene = build_scene()
    nato = {"Authorization": f"Bearer {token_for(make_user('NATO', role))}"}
    client = anonymous_client
    client.get(f"{API}/users/me", headers=nato)  # the token's first use (its idle clock)
    differences = []

    def compare(label: str, method: str, hidden_url: str, random_url: str, body: Any) -> None:
        headers = {**nato, **(ANY_ETAG if method in ("PATCH", "DELETE", "PUT") else {})}
        hidden = _ask(client, statements, method, hidden_url, headers, body)
        unknown = _ask(client, statements, method, random_url, headers, body)
        if hidden != unknown:
            differences.append(f"{label}: hidden {hidden} ≠ unknown {unknown}")

    for method, path, operation in OPERATIONS:
        values = {"plan_id": scene.plan, "review_id": scene.review, **scene.hidden}
        name = next(n.strip("{}") for n in NAMING if n in path)
        hidden_url = path.format(**{k: str(v) for k, v in values.items()})
        random_url = path.format(**{**{k: str(v) for k, v in values.items()}, name: uuid.uuid4()})
        compare(operation, method, hidden_url, random_url, BODIES.get(operation))

    # Filters and bodies that name a record.
    hidden = scene.hidden["commitment_id"]
    for label, template in (
        (
            "exchanges filtered by commitment",
            f"{API}/plans/{scene.plan}/exchanges?commitment_id={{}}",
        ),
        ("audit events of an entity", f"{API}/audit-events?entity_id={{}}"),
    ):
        compare(label, "GET", template.format(hidden), template.format(uuid.uuid4()), None)
    if role is Role.EDITOR:
        exchange = {
            "kind": "seminar",
            "title": {"en": "Seminar"},
            "from_party_id": None,
            "to_party_id": None,
            "start_date": today().isoformat(),
        }
        plan = client.get(f"{API}/plans/{scene.plan}", headers=nato).json()
        party = {p["code"]: p["id"] for p in plan["parties"]}
        exchange |= {"from_party_id": party["NATO"], "to_party_id": party["JP"]}
        for label, make in (
            (
                "an exchange linked to it",
                lambda commitment_id: {**exchange, "commitment_ids": [commitment_id]},
            ),
            (
                "an amendment changing it",
                lambda commitment_id: {
                    "title": {"en": "Change"},
                    "rationale": {"en": "Why"},
                    "changes": [
                        {
                            "op": "modify_commitment",
                            "commitment_id": commitment_id,
                            "changes": {"due_date": "2029-01-01"},
                        }
                    ],
                },
            ),
        ):
            url = (
                f"{API}/plans/{scene.plan}/exchanges"
                if "exchange" in label
                else f"{API}/plans/{scene.plan}/amendments"
            )
            hidden_answer = _ask(client, statements, "POST", url, nato, make(str(hidden)))
            unknown_answer = _ask(client, statements, "POST", url, nato, make(str(uuid.uuid4())))
            if hidden_answer != unknown_answer:
                differences.append(f"{label}: {hidden_answer} ≠ {unknown_answer}")
    assert not differences, "\n".join(differences)


def test_every_query_of_a_record_with_a_visibility_carries_the_policys_filter(
    anonymous_client: TestClient, db: Database, statements: Statements
) -> None:
    scene = build_scene()
    nato = {"Authorization": f"Bearer {token_for(make_user('NATO', Role.EDITOR))}"}
    client = anonymous_client
    plan = f"{API}/plans/{scene.plan}"
    reads = [
        f"{plan}/commitments",
        f"{plan}/commitments?q=preparation",
        f"{plan}/exchanges",
        f"{plan}/exchanges?commitment_id={scene.hidden['commitment_id']}",
        f"{plan}/dashboard",
        f"{plan}/calendar.ics",
        f"{plan}/history",
        f"{plan}/events?after=0",
        f"{plan}/as-of?date={today().isoformat()}",
        f"{plan}/versions/1",
        f"{plan}/document?format=md",
        f"{plan}/export",
        f"{plan}/reviews",
        f"{API}/reviews/{scene.review}",
        f"{API}/audit-events",
        f"{API}/search?q=preparation",
        f"{API}/search?q=pr",
        f"{API}/commitments/{scene.shared_commitment}",
        f"{API}/commitments/{scene.shared_commitment}/history",
        f"{API}/commitments/{scene.shared_commitment}/comments",
        *(
            path.format(plan_id=scene.plan, review_id=scene.review, **scene.hidden)
            for method, path, _ in OPERATIONS
            if method == "GET"
        ),
    ]
    unfiltered = []
    for url in reads:
        statements.seen.clear()
        statements.recording = True
        try:
            response = client.get(url, headers=nato)
        finally:
            statements.recording = False
        assert response.status_code in (200, 404), (url, response.text)
        for sql, carries, tables in statements.seen:
            if set(tables.split(",")) & RESTRICTED and not carries:
                unfiltered.append(f"{url}: {' '.join(sql.split())[:300]}")
    assert not unfiltered, "queries without the access policy's filter:\n" + "\n".join(unfiltered)


def _plan_reads() -> list[str]:
    """Every read whose only path parameter is the plan's id."""
    document = create_app().openapi()
    return sorted(
        path
        for path, item in document["paths"].items()
        if "get" in item and re.findall(r"\{[^}]+\}", path) == ["{plan_id}"]
    )


def test_a_plan_of_other_parties_answers_every_read_like_an_unknown_id(
    anonymous_client: TestClient, db: Database, statements: Statements
) -> None:
    """A third party (the EU, in no plan here) asking for Japan and NATO's plan gets exactly an
    unknown id's answer — status, problem, message but for the id, headers and the number of
    statements run — from every read of the plan: nothing tells it that the plan exists."""
    scene = build_scene()
    with transaction(write=True) as session:
        session.add(Party(code="EU", name={"en": "European Union"}))
    eu = {"Authorization": f"Bearer {token_for(make_user('EU', Role.EDITOR))}"}
    client = anonymous_client
    client.get(f"{API}/users/me", headers=eu)  # the token's first use (its idle clock)
    paths = _plan_reads()
    differences = []
    answered = {}
    for path in paths:
        hidden = _ask(client, statements, "GET", path.format(plan_id=scene.plan), eu)
        unknown = _ask(client, statements, "GET", path.format(plan_id=uuid.uuid4()), eu)
        answered[path] = hidden[0]["status"]
        if hidden != unknown:
            differences.append(f"{path}: other parties' plan {hidden} ≠ unknown {unknown}")
    assert not differences, "\n".join(differences)
    # The reads that need no further parameter (most of them) reach the plan's lookup.
    assert sum(status == 404 for status in answered.values()) >= 15, answered


def test_a_record_of_other_parties_plan_answers_every_operation_like_an_unknown_id(
    anonymous_client: TestClient, db: Database, statements: Statements
) -> None:
    """A third party's editor naming a record of Japan and NATO's plan — shared or internal —
    gets exactly an unknown id's answer from every operation that names one, after the same
    number of statements: the record's lookup itself is limited to the plans of the caller's
    party (plans.service.load_in_plan), so no second look tells that it exists."""
    scene = build_scene()
    with transaction(write=True) as session:
        session.add(Party(code="EU", name={"en": "European Union"}))
    eu = {"Authorization": f"Bearer {token_for(make_user('EU', Role.EDITOR))}"}
    client = anonymous_client
    client.get(f"{API}/users/me", headers=eu)  # the token's first use (its idle clock)
    records = {**scene.hidden, **scene.shared}
    differences = []
    for method, path, operation in OPERATIONS:
        values = {"plan_id": scene.plan, "review_id": scene.review, **records}
        name = next(n.strip("{}") for n in NAMING if n in path)
        known_url = path.format(**{k: str(v) for k, v in values.items()})
        random_url = path.format(**{**{k: str(v) for k, v in values.items()}, name: uuid.uuid4()})
        headers = {**eu, **(ANY_ETAG if method in ("PATCH", "DELETE", "PUT") else {})}
        body = BODIES.get(operation)
        known = _ask(client, statements, method, known_url, headers, body)
        unknown = _ask(client, statements, method, random_url, headers, body)
        if known != unknown:
            differences.append(f"{operation}: other parties' record {known} ≠ unknown {unknown}")
    # The plan's amendments (the one that brought it into force), by every operation naming one.
    with transaction(write=False) as session:
        amendment = session.scalars(
            select(Amendment.id).where(Amendment.plan_id == scene.plan)
        ).first()
    assert amendment is not None
    document = create_app().openapi()
    named = [
        (method.upper(), path, operation.get("requestBody") is not None)
        for path, item in document["paths"].items()
        if "{amendment_id}" in path
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(named) >= 5, named
    for method, path, takes_body in named:
        headers = {**eu, **(ANY_ETAG if method != "GET" else {})}
        body = {"decision": "approve"} if takes_body and path.endswith("approvals") else None
        known = _ask(client, statements, method, path.format(amendment_id=amendment), headers, body)
        unknown = _ask(
            client, statements, method, path.format(amendment_id=uuid.uuid4()), headers, body
        )
        if known != unknown:
            differences.append(f"{method} {path}: other parties' {known} ≠ unknown {unknown}")
    assert not differences, "\n".join(differences)
