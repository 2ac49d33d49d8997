"""Who may call what (issue 3, DESIGN.md §3): every operation of the OpenAPI document × caller.

Each operation is derived from the app's own OpenAPI document and sent as a valid request
(real ids, a valid body, the record's current ETag in If-Match) by:

- nobody (no token)                                    → 401 with WWW-Authenticate: Bearer;
- a viewer of JP, a party of the plan                  → reads, never writes (403);
- an editor and an approver of AUS, outside the plan   → the plan and everything in it do not
  exist for them (404); shared reference data can be read;
- a read-only API token of a JP editor                 → reads, never writes (403);
- an `enrol_totp` token of a JP approver               → only "who am I", second-factor
  enrolment and sign-out; everything else 403;
- and last an authorized caller (a JP editor, a JP admin for admin operations, or a JP
  approver for consent and sign-offs), whose success shows that every refusal above comes
  from the policy, not from a bad request.

The JP–NATO plan is active, with an amendment Japan proposed; the operations that change what
an active plan's parties agreed (its text, its priority areas, the existence of its shared
commitments: only by amendment) run on a draft plan instead.

A write that needs its record in a given state (an open review, one ready to sign or to
conclude) gets it from its rule's `arrange` step before the callers try it; the review
operations run on the active plan (a draft plan has no reviews).

Every refusal leaves the database exactly as it was: every row of every table is compared
before and after (but a token's last-used time).

A new operation without an entry in ACCESS_RULES fails here: decide who may call it first.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from functools import cache
from typing import Any, Literal

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel, col

from itpp_api.attachments.models import Attachment
from itpp_api.attachments.storage import FilesystemStorage
from itpp_api.auth import totp
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.service import actor_for, issue_token
from itpp_api.auth.tokens import hash_secret, new_secret
from itpp_api.calendar.models import CalendarFeed
from itpp_api.clock import today
from itpp_api.comments.models import Comment
from itpp_api.commitments import service as commitment_service
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.config import get_settings
from itpp_api.db import transaction, utcnow
from itpp_api.enums import (
    Health,
    PlanStatus,
    ReviewOutcome,
    ReviewStatus,
    Role,
    TokenKind,
    TokenScope,
)
from itpp_api.exchanges.models import Exchange
from itpp_api.main import create_app
from itpp_api.notifications import preferences
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.models import Plan, PriorityArea
from itpp_api.reviews import service as review_service
from itpp_api.reviews.models import ReviewCycle, ReviewItem
from itpp_api.reviews.schemas import ReviewItemUpdate, ReviewUpdate
from itpp_api.saved_views.models import SavedView
from itpp_api.updates.models import ProgressUpdate
from itpp_api.webhooks.models import WebhookDelivery, WebhookEndpoint
from itpp_api.webhooks.signing import new_secret as new_webhook_secret
from itpp_api.wire import make_etag
from tests.conftest import Database
from tests.factories import (
    DEFAULT_PASSWORD,
    World,
    actor_of,
    commitment_body,
    exchange_body,
    make_amendment,
    make_commitment,
    make_exchange,
    make_user,
    make_world,
    quick_hash,
)
from tests.rows import holding

PROBLEM = "application/problem+json"
METHODS = ("get", "post", "put", "patch", "delete")
# The only operations anyone may call without a token.
# A calendar feed URL carries its own secret: calendar programs cannot send a token. So does a
# mail's one-click unsubscribe link (RFC 8058): a mail client posts it without a session.
PUBLIC_OPERATIONS = frozenset(
    {
        "getHealth",
        "getReadiness",
        "createToken",
        "getCalendarFeed",
        "getUnsubscription",
        "unsubscribe",
        # An invitation's one-time set-password link is its credential.
        "getInvitation",
        "acceptInvitation",
    }
)
NEW_PASSWORD = "violet tundra saxophone ledger 58"


# --- the operations, as the OpenAPI document describes them -------------------------------


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    path_params: tuple[str, ...]
    needs_if_match: bool
    takes_body: bool
    public: bool


def openapi_operations() -> list[Operation]:
    """Every operation of the app's OpenAPI document."""
    document = create_app().openapi()
    operations = []
    for path, item in document["paths"].items():
        for method, spec in item.items():
            if method not in METHODS:
                continue
            parameters = spec.get("parameters", [])
            operations.append(
                Operation(
                    operation_id=spec["operationId"],
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in parameters if p["in"] == "path"),
                    needs_if_match=any(
                        p["in"] == "header" and p["name"] == "If-Match" for p in parameters
                    ),
                    takes_body="requestBody" in spec,
                    public=not spec.get("security"),
                )
            )
    return operations


ALL_OPERATIONS = openapi_operations()
OPERATIONS = [o for o in ALL_OPERATIONS if o.operation_id not in PUBLIC_OPERATIONS]


# --- the callers and what each may do -----------------------------------------------------


class CallerKind(Enum):
    ANONYMOUS = "nobody (no token)"
    JP_VIEWER = "JP viewer"
    AUS_EDITOR = "AUS editor (outside the plan)"
    AUS_APPROVER = "AUS approver (outside the plan)"
    READ_ONLY_TOKEN = "read-only API token of a JP editor"
    ENROL_TOKEN = "enrol_totp token of a JP approver"
    CONTROL = "authorized caller"


class Access(Enum):
    """Kinds of operation that share one row of the access matrix."""

    PLAN_READ = "read a plan or a record in it"
    PLAN_WRITE = "change a plan or a record in it"
    PLAN_CREATE = "create a plan"
    CONSENT = "approve or reject for the caller's own party"
    SHARED_READ = "read reference data or the caller's view of lists"
    REFERENCE_WRITE = "manage parties and organisations"
    USER_ADMIN = "manage the party's users"
    USER_ADMIN_BY_ID = "manage one user of the party"
    WHO_AM_I = "read the caller's own profile"
    OWN_ACCOUNT_READ = "read the caller's own tokens"
    OWN_ACCOUNT_WRITE = "change the caller's own account"
    ENROLMENT_START = "begin setting up the caller's second factor"
    ENROLMENT = "set up the caller's second factor"
    SIGN_OUT = "end the caller's current token"
    SIGN_OFF = "sign off for the caller's own party"
    WEBHOOK_ADMIN = "manage the party's webhook endpoints"
    AUDIT_CHAIN = "verify the audit chain"
    WEBHOOK_ADMIN_BY_ID = "manage one webhook endpoint of the party, or its deliveries"


ALLOWED: Literal["2xx"] = "2xx"
Outcome = int | Literal["2xx"]


def _row(
    anonymous: Outcome,
    viewer: Outcome,
    aus_editor: Outcome,
    aus_approver: Outcome,
    read_only: Outcome,
    enrol: Outcome,
) -> dict[CallerKind, Outcome]:
    return {
        CallerKind.ANONYMOUS: anonymous,
        CallerKind.JP_VIEWER: viewer,
        CallerKind.AUS_EDITOR: aus_editor,
        CallerKind.AUS_APPROVER: aus_approver,
        CallerKind.READ_ONLY_TOKEN: read_only,
        CallerKind.ENROL_TOKEN: enrol,
        # Last: its write must not change what the callers before it are refused.
        CallerKind.CONTROL: ALLOWED,
    }


EXPECTED: dict[Access, dict[CallerKind, Outcome]] = {
    Access.PLAN_READ: _row(401, ALLOWED, 404, 404, ALLOWED, 403),
    Access.PLAN_WRITE: _row(401, 403, 404, 404, 403, 403),
    Access.PLAN_CREATE: _row(401, 403, 403, 403, 403, 403),
    # Only an approver of a party of the plan, for that party; the JP viewer and the read-only
    # token of a JP editor are refused, the AUS approver does not see the plan.
    Access.CONSENT: _row(401, 403, 404, 404, 403, 403),
    Access.SHARED_READ: _row(401, ALLOWED, ALLOWED, ALLOWED, ALLOWED, 403),
    Access.REFERENCE_WRITE: _row(401, 403, 403, 403, 403, 403),
    Access.USER_ADMIN: _row(401, 403, 403, 403, 403, 403),
    # A user of another party does not exist for the caller.
    Access.USER_ADMIN_BY_ID: _row(401, 403, 404, 404, 403, 403),
    Access.WHO_AM_I: _row(401, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    Access.OWN_ACCOUNT_READ: _row(401, ALLOWED, ALLOWED, ALLOWED, ALLOWED, 403),
    Access.OWN_ACCOUNT_WRITE: _row(401, ALLOWED, ALLOWED, ALLOWED, 403, 403),
    # The AUS approver set up the second factor already: the policy lets the call through
    # and the enrolment rules ask for a current code of it to replace it (422) ...
    Access.ENROLMENT_START: _row(401, ALLOWED, ALLOWED, 422, 403, ALLOWED),
    # ... and, with no enrolment started, answer 409.
    Access.ENROLMENT: _row(401, ALLOWED, ALLOWED, 409, 403, ALLOWED),
    # Ending one's own token never grants anything, whatever the token may otherwise do.
    Access.SIGN_OUT: _row(401, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED),
    # Only an approver of a party of the plan, with a read-write token, signs for that party.
    Access.SIGN_OFF: _row(401, 403, 404, 404, 403, 403),
    Access.WEBHOOK_ADMIN: _row(401, 403, 403, 403, 403, 403),
    Access.AUDIT_CHAIN: _row(401, 403, 403, 403, 403, 403),
    # An endpoint of another party does not exist for the caller.
    Access.WEBHOOK_ADMIN_BY_ID: _row(401, 403, 404, 404, 403, 403),
}

# Who the authorized caller is for each kind of operation.
CONTROL_ROLE: dict[Access, Role] = {
    access: Role.ADMIN
    if access
    in (
        Access.REFERENCE_WRITE,
        Access.USER_ADMIN,
        Access.USER_ADMIN_BY_ID,
        Access.WEBHOOK_ADMIN,
        Access.WEBHOOK_ADMIN_BY_ID,
        Access.AUDIT_CHAIN,
    )
    else Role.APPROVER
    if access in (Access.CONSENT, Access.SIGN_OFF)
    else Role.EDITOR
    for access in Access
}


# --- the records a request names ----------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    headers: dict[str, str]
    user_id: uuid.UUID | None = None
    # Another live token of the same user, for the token routes.
    spare_token_id: uuid.UUID | None = None
    # A calendar feed of the same user, for the feed routes.
    feed_id: uuid.UUID | None = None
    # A saved view of the same user, for the saved views' routes.
    saved_view_id: uuid.UUID | None = None
    # The secret of a second-factor enrolment the user has started but not confirmed.
    pending_totp_secret: str | None = None


@dataclass(frozen=True)
class Scene:
    """Parties JP, NATO and AUS; the JP–NATO plan with a commitment and milestone; callers."""

    world: World
    commitment: uuid.UUID
    milestone: uuid.UUID
    exchange: uuid.UUID
    amendment: uuid.UUID  # proposed by Japan (none on a draft plan: a random id)
    review: uuid.UUID  # review 1 of the plan, scheduled (none on a draft plan: a random id)
    jp_official: Caller  # a user the JP admin manages
    webhook_endpoint: uuid.UUID  # of JP, with one delivery
    attachment: uuid.UUID  # a shared file Japan attached to the commitment
    progress_update: uuid.UUID  # a pending progress update of the commitment (Japan leads it)
    comment: uuid.UUID  # a shared comment Japan's editor wrote on the commitment
    webhook_delivery: uuid.UUID
    callers: dict[CallerKind, Caller]
    jp_editor: Caller
    jp_admin: Caller
    jp_approver: Caller

    def caller(self, kind: CallerKind, access: Access) -> Caller:
        if kind is CallerKind.CONTROL:
            return {Role.ADMIN: self.jp_admin, Role.APPROVER: self.jp_approver}.get(
                CONTROL_ROLE[access], self.jp_editor
            )
        return self.callers[kind]

    def review_item(self) -> uuid.UUID:
        """The review's item for the scene's commitment (once the review is open)."""
        with transaction(write=False) as session:
            item = session.scalars(
                select(col(ReviewItem.id)).where(col(ReviewItem.review_id) == self.review)
            ).first()
        return item or uuid.UUID(int=0)

    def path_ids(self, caller: Caller) -> dict[str, str]:
        spare = caller.spare_token_id or self.callers[CallerKind.JP_VIEWER].spare_token_id
        feed = caller.feed_id or self.callers[CallerKind.JP_VIEWER].feed_id
        view = caller.saved_view_id or self.callers[CallerKind.JP_VIEWER].saved_view_id
        return {
            "exchange_id": str(self.exchange),
            "feed_id": str(feed),
            "view_id": str(view),
            "plan_id": str(self.world.plan),
            "area_id": str(self.world.cyber),
            "commitment_id": str(self.commitment),
            "milestone_id": str(self.milestone),
            "user_id": str(self.jp_official.user_id),
            "party_id": str(self.world.japan),
            "organisation_id": str(self.world.mofa),
            "token_id": str(spare),
            "number": "1",
            "amendment_id": str(self.amendment),
            "review_id": str(self.review),
            "item_id": str(self.review_item()),
            "endpoint_id": str(self.webhook_endpoint),
            "delivery_id": str(self.webhook_delivery),
            "attachment_id": str(self.attachment),
            "update_id": str(self.progress_update),
            "comment_id": str(self.comment),
        }


@cache
def _password_hash() -> str:
    # Every user of these tests shares one hash.
    return quick_hash(DEFAULT_PASSWORD)


def add_caller(
    session: Session,
    kind: CallerKind,
    party_id: uuid.UUID,
    role: Role,
    email: str,
    *,
    token_kind: TokenKind = TokenKind.SESSION,
    scope: TokenScope = TokenScope.READ_WRITE,
    second_factor: Literal["pending", "confirmed"] = "pending",
) -> Caller:
    """A user with a token to call with and a spare token; a second factor set up or started."""
    totp_secret = totp.new_secret()
    user = User(
        email=email,
        display_name=f"{role.value} {email.split('@')[0]}",
        party_id=party_id,
        role=role.value,
        preferred_language="en",
        password_hash=_password_hash(),
        totp_secret=totp_secret if second_factor == "confirmed" else None,
        totp_pending_secret=totp_secret if second_factor == "pending" else None,
        totp_confirmed_at=utcnow() if second_factor == "confirmed" else None,
    )
    session.add(user)
    session.flush()
    _, bearer = issue_token(
        session=session,
        user=user,
        kind=token_kind,
        scope=scope,
        name="matrix client" if token_kind is TokenKind.API else None,
        lifetime=timedelta(hours=1),
        idle=timedelta(minutes=30),
    )
    spare, _ = issue_token(
        session=session,
        user=user,
        kind=TokenKind.SESSION,
        scope=TokenScope.ENROL_TOTP if scope is TokenScope.ENROL_TOTP else TokenScope.READ_WRITE,
        lifetime=timedelta(hours=1),
        idle=timedelta(minutes=30),
    )
    feed = CalendarFeed(user_id=user.id, name="matrix feed", secret_hash=hash_secret(new_secret()))
    view = SavedView(
        user_id=user.id, list="commitments", name="matrix view", query="status=planned"
    )
    session.add_all([feed, view])
    session.flush()
    return Caller(
        kind=kind,
        headers={"Authorization": f"Bearer {bearer}"},
        user_id=user.id,
        spare_token_id=spare.id,
        feed_id=feed.id,
        saved_view_id=view.id,
        pending_totp_secret=totp_secret if second_factor == "pending" else None,
    )


ATTACHED = b"%PDF-1.4\n%%EOF\n"


def _attach(session: Session, world: World, commitment: uuid.UUID, by: Caller) -> uuid.UUID:
    """A shared PDF on the commitment, stored as an upload stores it."""
    key = uuid.uuid4().hex
    path = FilesystemStorage(get_settings().attachment_directory).path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ATTACHED)
    attachment = Attachment(
        plan_id=world.plan,
        parent_type="commitment",
        parent_id=commitment,
        subject_id=commitment,
        visibility="shared",
        owner_party_id=world.japan,
        file_name="evidence.pdf",
        content_type="application/pdf",
        size_bytes=len(ATTACHED),
        sha256=hashlib.sha256(ATTACHED).hexdigest(),
        storage_key=key,
        created_by=by.user_id,
    )
    session.add(attachment)
    session.flush()
    return attachment.id


def _comment(session: Session, world: World, commitment: uuid.UUID, by: Caller) -> uuid.UUID:
    """A shared comment on the commitment, written by `by` (a comment is edited by its author)."""
    comment = Comment(
        plan_id=world.plan,
        parent_type="commitment",
        parent_id=commitment,
        subject_id=commitment,
        visibility="shared",
        owner_party_id=world.japan,
        body="A first word",
        created_by=by.user_id,
    )
    session.add(comment)
    session.flush()
    return comment.id


def _pending_update(session: Session, world: World, commitment: uuid.UUID) -> uuid.UUID:
    """A progress update of the commitment waiting for its lead party's confirmation."""
    update = ProgressUpdate(
        plan_id=world.plan,
        commitment_id=commitment,
        as_of_date=today(),
        status="in_progress",
        progress=50,
        narrative={"en": "Half done"},
        state="pending",
        author_party_id=world.nato,
    )
    session.add(update)
    session.flush()
    return update.id


def _evidence(scene: Scene, caller: Caller) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("evidence.pdf", ATTACHED, "application/pdf")}


def build_scene(*, draft: bool = False) -> Scene:
    world = make_world(status=PlanStatus.DRAFT if draft else PlanStatus.ACTIVE)
    commitment = make_commitment(
        world,
        milestones=[{"title": {"ja": "開始", "en": "Kick-off"}, "due_date": "2026-03-01"}],
    )
    exchange = make_exchange(world, commitment_ids=[str(commitment)])
    with transaction(write=True) as session:
        review = session.scalars(
            select(col(ReviewCycle.id)).where(
                col(ReviewCycle.plan_id) == world.plan, col(ReviewCycle.number) == 1
            )
        ).first()
        assert draft or review is not None, "an active plan has its review 1 scheduled"
        review = review or uuid.uuid4()
        aus = Party(code="AUS", name={"en": "Australia"})
        session.add(aus)
        session.flush()
        milestone = session.scalars(
            select(col(Milestone.id)).where(col(Milestone.commitment_id) == commitment)
        ).one()
        official = add_caller(
            session, CallerKind.CONTROL, world.japan, Role.VIEWER, "official@jp.test.example"
        )
        endpoint = WebhookEndpoint(
            party_id=world.japan,
            url="https://hooks.example.org/itpp",
            event_kinds=["review_opened"],
            secret=new_webhook_secret(),
        )
        session.add(endpoint)
        session.flush()
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            kind="review_opened",
            plan_id=world.plan,
            payload={"plan": {"id": str(world.plan)}},
        )
        session.add(delivery)
        session.flush()
        callers = {
            CallerKind.ANONYMOUS: Caller(kind=CallerKind.ANONYMOUS, headers={}),
            CallerKind.JP_VIEWER: add_caller(
                session, CallerKind.JP_VIEWER, world.japan, Role.VIEWER, "viewer@jp.test.example"
            ),
            CallerKind.AUS_EDITOR: add_caller(
                session, CallerKind.AUS_EDITOR, aus.id, Role.EDITOR, "editor@aus.test.example"
            ),
            CallerKind.AUS_APPROVER: add_caller(
                session,
                CallerKind.AUS_APPROVER,
                aus.id,
                Role.APPROVER,
                "approver@aus.test.example",
                second_factor="confirmed",
            ),
            CallerKind.READ_ONLY_TOKEN: add_caller(
                session,
                CallerKind.READ_ONLY_TOKEN,
                world.japan,
                Role.EDITOR,
                "automation@jp.test.example",
                token_kind=TokenKind.API,
                scope=TokenScope.READ,
            ),
            CallerKind.ENROL_TOKEN: add_caller(
                session,
                CallerKind.ENROL_TOKEN,
                world.japan,
                Role.APPROVER,
                "approver@jp.test.example",
                scope=TokenScope.ENROL_TOTP,
            ),
        }
        jp_editor = add_caller(
            session, CallerKind.CONTROL, world.japan, Role.EDITOR, "editor@jp.test.example"
        )
        jp_approver = add_caller(
            session,
            CallerKind.CONTROL,
            world.japan,
            Role.APPROVER,
            "consenting.approver@jp.test.example",
            second_factor="confirmed",
        )
    assert jp_editor.user_id is not None
    amendment = (
        uuid.uuid4()
        if draft
        else make_amendment(
            world,
            [{"op": "change_review_interval", "review_interval_months": 6}],
            actor=actor_of(jp_editor.user_id),
        )
    )
    with transaction(write=True) as session:
        return Scene(
            world=world,
            commitment=commitment,
            milestone=milestone,
            exchange=exchange,
            amendment=amendment,
            review=review,
            jp_official=official,
            webhook_endpoint=endpoint.id,
            webhook_delivery=delivery.id,
            attachment=_attach(session, world, commitment, jp_editor),
            progress_update=_pending_update(session, world, commitment),
            comment=_comment(session, world, commitment, jp_editor),
            callers=callers,
            jp_editor=jp_editor,
            jp_approver=jp_approver,
            jp_admin=add_caller(
                session,
                CallerKind.CONTROL,
                world.japan,
                Role.ADMIN,
                "admin@jp.test.example",
                second_factor="confirmed",
            ),
        )


def nato_admin(scene: Scene) -> Caller:
    """An admin of NATO, the other party of the plan, with the second factor set up."""
    with transaction(write=True) as session:
        return add_caller(
            session,
            CallerKind.CONTROL,
            scene.world.nato,
            Role.ADMIN,
            "admin@nato.test.example",
            second_factor="confirmed",
        )


# --- valid requests -----------------------------------------------------------------------

Body = Callable[[Scene, Caller], dict[str, Any]]


def _text(en: str, ja: str) -> dict[str, str]:
    return {"ja": ja, "en": en}


def _admin_proof(scene: Scene, caller: Caller) -> dict[str, Any]:
    """The admin's own password and a current code of their second factor, if any."""
    with transaction(write=False) as session:
        user = session.get(User, caller.user_id) if caller.user_id else None
        secret = user.totp_secret if user is not None else None
    proof = {"current_password": DEFAULT_PASSWORD}
    if secret:
        proof["current_code"] = totp.current_code(secret)
    return proof


def _confirmation(scene: Scene, caller: Caller) -> dict[str, Any]:
    secret = caller.pending_totp_secret
    return {"code": totp.current_code(secret) if secret else "000000"}


Arrange = Callable[[Scene], None]


Files = Callable[[Scene, Caller], dict[str, tuple[str, bytes, str]]]


@dataclass(frozen=True)
class Rule:
    access: Access
    body: Body | None = None
    # A multipart/form-data body: its files.
    files: Files | None = None
    query: dict[str, str | list[str]] | None = None
    # Changes what an active plan's parties agreed: only a draft takes it directly.
    draft: bool = False
    # Puts the records the write needs into the state it needs (an open review, …).
    arrange: Arrange | None = None


SYSTEM = Actor.system()


def _nothing_live_under_the_area(scene: Scene) -> None:
    """The scene's area (path `area_id`) without live commitments: a draft's area retires."""
    with transaction(write=True) as session:
        for commitment in session.scalars(
            select(Commitment).where(col(Commitment.priority_area_id) == scene.world.cyber)
        ):
            commitment.status = "cancelled"
            session.add(commitment)


def _open_review(scene: Scene) -> None:
    """The review open (once: the reads of a row share one scene)."""
    with transaction(write=True) as session:
        plan, review = review_service.get_review(
            session=session, actor=SYSTEM, review_id=scene.review
        )
        if review.status == ReviewStatus.SCHEDULED.value:
            review_service.open_review(session=session, actor=SYSTEM, plan=plan, review=review)


def _review_ready_to_sign(scene: Scene) -> None:
    """Open, with an agreed rating of every item, a summary and an outcome; unsigned."""
    _open_review(scene)
    with transaction(write=True) as session:
        plan, review = review_service.get_review(
            session=session, actor=SYSTEM, review_id=scene.review
        )
        item, commitment = review_service.get_item(
            session=session, actor=SYSTEM, review=review, item_id=scene.review_item()
        )
        review_service.update_item(
            session=session,
            actor=SYSTEM,
            plan=plan,
            review=review,
            item=item,
            commitment=commitment,
            data=ReviewItemUpdate(agreed_rating=Health.ON_TRACK),
        )
        review_service.update_review(
            session=session,
            actor=SYSTEM,
            plan=plan,
            review=review,
            data=ReviewUpdate(summary=_text("On track", "順調"), outcome=ReviewOutcome.CONTINUE),
        )


def _review_ready_to_conclude(scene: Scene) -> None:
    """Ready, and signed off by an approver of each party."""
    _review_ready_to_sign(scene)
    nato_approver = make_user("NATO", Role.APPROVER, email="signatory@nato.test.example")
    with transaction(write=True) as session:
        plan, review = review_service.get_review(
            session=session, actor=SYSTEM, review_id=scene.review
        )
        for user_id in (scene.jp_approver.user_id, nato_approver):
            user = session.get(User, user_id)
            assert user is not None
            review_service.sign_off(
                session=session,
                actor=actor_for(user, None),
                plan=plan,
                review=review,
                party_id=None,
            )


PLAN_TEXT = """Imported plan

1. Political context and principles

1.1 The parties are partners.

2. Objectives and modalities of cooperation

2.2 The parties will promote cooperation as follows.

- Strengthening dialogue.

3. Priority areas of cooperation

3.1 The parties will cooperate in these areas.

- 3.1.1 Cyber defence

4. Review procedure

4.1 This programme runs for a period of 18 months from its date of approval.
"""


def _plan_export(scene: Scene, caller: Caller) -> dict[str, Any]:
    """The smallest plan export: a draft plan between JP and NATO, new to the database."""
    stamp = "2026-01-05T09:00:00Z"
    return {
        "format": "itpp-plan-export",
        "format_version": 1,
        "plan": {
            "id": str(uuid.uuid4()),
            "reference": f"IMPORTED-{uuid.uuid4().hex[:6].upper()}",
            "title": _text("Imported plan", "取込計画"),
            "party_ids": [str(scene.world.japan), str(scene.world.nato)],
            "sections": [],
            "objectives": [],
            "status": "draft",
            "approval_date": None,
            "term_months": 24,
            "review_interval_months": 12,
            "predecessor_id": None,
            "row_version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        },
        "lineage": [],
        "parties": [
            {
                "id": str(scene.world.japan),
                "code": "JP",
                "name": {"en": "Japan"},
                "created_at": stamp,
            },
            {
                "id": str(scene.world.nato),
                "code": "NATO",
                "name": {"en": "NATO"},
                "created_at": stamp,
            },
        ],
        "organisations": [],
        "users": [],
        "priority_areas": [],
        "commitments": [],
        "exchanges": [],
        "reviews": [],
        "amendments": [],
        "versions": [],
    }


ACCESS_RULES: dict[str, Rule] = {
    # authentication and the caller's own account
    "deleteCurrentToken": Rule(Access.SIGN_OUT),
    "listMyTokens": Rule(Access.OWN_ACCOUNT_READ),
    "createApiToken": Rule(
        Access.OWN_ACCOUNT_WRITE, lambda s, c: {"name": "nightly report", "scope": "read"}
    ),
    "revokeToken": Rule(Access.OWN_ACCOUNT_WRITE),
    "getCurrentUser": Rule(Access.WHO_AM_I),
    "getCurrentUserInbox": Rule(Access.SHARED_READ),
    # every record the caller may see; the plan's own reference finds the plan
    "search": Rule(Access.SHARED_READ, query={"q": "TEST-PLAN"}),
    # every plan of the caller's party, with its figures
    "getPortfolio": Rule(Access.SHARED_READ),
    "getNotificationPreferences": Rule(Access.OWN_ACCOUNT_READ),
    "updateNotificationPreferences": Rule(
        Access.OWN_ACCOUNT_WRITE, lambda s, c: {"preferences": {"review_signed": "daily_digest"}}
    ),
    "updateCurrentUser": Rule(
        Access.OWN_ACCOUNT_WRITE, lambda s, c: {"display_name": "Renamed by myself"}
    ),
    "changePassword": Rule(
        Access.OWN_ACCOUNT_WRITE,
        lambda s, c: {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    ),
    # Tokens that may do more than enrol prove their owner again with the current password.
    "startTotpEnrolment": Rule(
        Access.ENROLMENT_START, lambda s, c: {"current_password": DEFAULT_PASSWORD}
    ),
    "confirmTotpEnrolment": Rule(Access.ENROLMENT, _confirmation),
    # party admins
    "listUsers": Rule(Access.USER_ADMIN),
    "createUser": Rule(
        Access.USER_ADMIN,
        lambda s, c: {
            "email": "new.official@test.example",
            "display_name": "New official",
            "role": "viewer",
            "preferred_language": "en",
            "password": NEW_PASSWORD,
        },
    ),
    "getUser": Rule(Access.USER_ADMIN_BY_ID),
    "updateUser": Rule(Access.USER_ADMIN_BY_ID, lambda s, c: {"display_name": "Renamed official"}),
    "resetPassword": Rule(Access.USER_ADMIN_BY_ID, lambda s, c: {"new_password": NEW_PASSWORD}),
    "resetTotp": Rule(Access.USER_ADMIN_BY_ID, _admin_proof),
    "inviteUser": Rule(
        Access.USER_ADMIN,
        lambda s, c: {
            "email": "invited.official@test.example",
            "display_name": "Invited official",
            "role": "viewer",
            "preferred_language": "en",
        },
    ),
    "verifyAuditChain": Rule(Access.AUDIT_CHAIN),
    # plans, priority areas and versions
    "listPlans": Rule(Access.SHARED_READ),
    "createPlan": Rule(
        Access.PLAN_CREATE,
        lambda s, c: {
            "reference": "NEW-PLAN",
            "title": _text("New plan", "新計画"),
            "party_ids": [str(s.world.japan), str(s.world.nato)],
        },
    ),
    "getPlan": Rule(Access.PLAN_READ),
    "updatePlan": Rule(
        Access.PLAN_WRITE, lambda s, c: {"title": _text("Renamed", "改名")}, draft=True
    ),
    # Writers of the plan's parties, and only a draft (on the plan in force: 409).
    "deletePlan": Rule(Access.PLAN_WRITE, draft=True),
    "listPriorityAreas": Rule(Access.PLAN_READ),
    "retirePriorityArea": Rule(Access.PLAN_WRITE, draft=True, arrange=_nothing_live_under_the_area),
    "createPriorityArea": Rule(
        Access.PLAN_WRITE,
        lambda s, c: {"code": "3.1.3", "short_code": "NEW", "title": _text("New area", "新分野")},
        draft=True,
    ),
    "reorderPriorityAreas": Rule(
        Access.PLAN_WRITE,
        lambda s, c: {"priority_area_ids": [str(s.world.maritime), str(s.world.cyber)]},
        draft=True,
    ),
    "getPriorityArea": Rule(Access.PLAN_READ),
    "updatePriorityArea": Rule(
        Access.PLAN_WRITE, lambda s, c: {"title": _text("Cyber", "サイバー")}, draft=True
    ),
    "listPlanVersions": Rule(Access.PLAN_READ),
    "getPlanVersion": Rule(Access.PLAN_READ),
    "diffPlanVersions": Rule(Access.PLAN_READ, query={"from": "1", "to": "1"}),
    "getPlanAsOf": Rule(Access.PLAN_READ, query={"date": today().isoformat()}),
    # documents, exports and imports
    "renderPlanDocument": Rule(Access.PLAN_READ, query={"format": "md"}),
    "importPlanDocument": Rule(
        Access.PLAN_CREATE,
        files=lambda s, c: {"file": ("plan.txt", PLAN_TEXT.encode(), "text/plain; charset=utf-8")},
        query={"party": ["JP", "NATO"], "reference": "IMPORTED-TEXT"},
    ),
    "exportPlan": Rule(Access.PLAN_READ),
    "importPlanExport": Rule(Access.PLAN_CREATE, _plan_export),
    "getPlanExportSchema": Rule(Access.SHARED_READ),
    "exportCommitments": Rule(Access.PLAN_READ, query={"format": "xlsx"}),
    "exportExchanges": Rule(Access.PLAN_READ),
    # amendments
    "listAmendmentOperations": Rule(Access.SHARED_READ),
    "listAmendments": Rule(Access.PLAN_READ),
    "listPlanConsents": Rule(Access.PLAN_READ),
    "getAmendment": Rule(Access.PLAN_READ),
    "proposeAmendment": Rule(
        Access.PLAN_WRITE,
        lambda s, c: {
            "title": _text("Longer term", "期間延長"),
            "rationale": _text("Agreed at the review.", "レビューで合意。"),
            "changes": [{"op": "change_term", "term_months": 36}],
        },
    ),
    "decideAmendment": Rule(Access.CONSENT, lambda s, c: {"decision": "approve"}),
    "withdrawAmendment": Rule(Access.PLAN_WRITE),
    # commitments and milestones
    "listCommitments": Rule(Access.PLAN_READ),
    "createCommitment": Rule(Access.PLAN_WRITE, lambda s, c: commitment_body(s.world), draft=True),
    "getCommitment": Rule(Access.PLAN_READ),
    "updateCommitment": Rule(Access.PLAN_WRITE, lambda s, c: {"progress": 10}),
    "cancelCommitment": Rule(Access.PLAN_WRITE, draft=True),
    "listMilestones": Rule(Access.PLAN_READ),
    "createMilestone": Rule(
        Access.PLAN_WRITE, lambda s, c: {"title": _text("Report", "報告"), "due_date": "2026-06-30"}
    ),
    "getMilestone": Rule(Access.PLAN_READ),
    "updateMilestone": Rule(Access.PLAN_WRITE, lambda s, c: {"done_on": "2026-02-20"}),
    "deleteMilestone": Rule(Access.PLAN_WRITE),
    # parties and organisations
    "listParties": Rule(Access.SHARED_READ),
    "createParty": Rule(
        Access.REFERENCE_WRITE, lambda s, c: {"code": "NZ", "name": {"en": "New Zealand"}}
    ),
    "getParty": Rule(Access.SHARED_READ),
    "listOrganisations": Rule(Access.SHARED_READ),
    "getOrganisation": Rule(Access.SHARED_READ),
    "createOrganisation": Rule(
        Access.REFERENCE_WRITE,
        lambda s, c: {"code": "JCG", "name": _text("Japan Coast Guard", "海上保安庁")},
    ),
    "updateOrganisation": Rule(
        Access.REFERENCE_WRITE,
        lambda s, c: {"name": _text("Ministry of Foreign Affairs", "外務省")},
    ),
    # exchanges and calendars
    "listExchanges": Rule(Access.PLAN_READ),
    "createExchange": Rule(Access.PLAN_WRITE, lambda s, c: exchange_body(s.world)),
    "getExchange": Rule(Access.PLAN_READ),
    "updateExchange": Rule(Access.PLAN_WRITE, lambda s, c: {"location": "Tokyo"}),
    "cancelExchange": Rule(Access.PLAN_WRITE),
    "getPlanCalendar": Rule(Access.PLAN_READ),
    "getPlanDashboard": Rule(Access.PLAN_READ),
    "listCalendarFeeds": Rule(Access.OWN_ACCOUNT_READ),
    # saved views: each user's own (another's answers as one that does not exist)
    "listSavedViews": Rule(Access.OWN_ACCOUNT_READ),
    "createSavedView": Rule(
        Access.OWN_ACCOUNT_WRITE,
        lambda s, c: {"name": "Mine", "list": "exchanges", "query": "status=planned"},
    ),
    "deleteSavedView": Rule(Access.OWN_ACCOUNT_WRITE),
    "createCalendarFeed": Rule(Access.OWN_ACCOUNT_WRITE, lambda s, c: {"name": "Office"}),
    "revokeCalendarFeed": Rule(Access.OWN_ACCOUNT_WRITE),
    # audit
    "listAuditEvents": Rule(Access.SHARED_READ),
    "getPlanHistory": Rule(Access.PLAN_READ),
    "getPriorityAreaHistory": Rule(Access.PLAN_READ),
    "getCommitmentHistory": Rule(Access.PLAN_READ),
    "getMilestoneHistory": Rule(Access.PLAN_READ),
    "getExchangeHistory": Rule(Access.PLAN_READ),
    "waitForPlanEvents": Rule(Access.PLAN_READ),
    # reviews
    "listPlanReviews": Rule(Access.PLAN_READ),
    "getReview": Rule(Access.PLAN_READ),
    "openReview": Rule(Access.PLAN_WRITE),
    "updateReview": Rule(
        Access.PLAN_WRITE, lambda s, c: {"summary": _text("On track", "順調")}, arrange=_open_review
    ),
    "putReviewAssessment": Rule(
        Access.PLAN_WRITE, lambda s, c: {"rating": "at_risk", "note": "Slow"}, arrange=_open_review
    ),
    "updateReviewItem": Rule(
        Access.PLAN_WRITE, lambda s, c: {"agreed_rating": "at_risk"}, arrange=_open_review
    ),
    "signOffReview": Rule(Access.SIGN_OFF, lambda s, c: {}, arrange=_review_ready_to_sign),
    "concludeReview": Rule(Access.PLAN_WRITE, arrange=_review_ready_to_conclude),
    # webhooks
    "listWebhookEndpoints": Rule(Access.WEBHOOK_ADMIN),
    "createWebhookEndpoint": Rule(
        Access.WEBHOOK_ADMIN,
        lambda s, c: {"url": "https://hooks.example.org/new", "event_kinds": ["review_opened"]},
    ),
    "getWebhookEndpoint": Rule(Access.WEBHOOK_ADMIN_BY_ID),
    "updateWebhookEndpoint": Rule(
        Access.WEBHOOK_ADMIN_BY_ID, lambda s, c: {"description": "Renamed endpoint"}
    ),
    "deleteWebhookEndpoint": Rule(Access.WEBHOOK_ADMIN_BY_ID),
    "rotateWebhookSecret": Rule(Access.WEBHOOK_ADMIN_BY_ID),
    "listWebhookDeliveries": Rule(Access.WEBHOOK_ADMIN_BY_ID),
    "getWebhookDelivery": Rule(Access.WEBHOOK_ADMIN_BY_ID),
    "replayWebhookDelivery": Rule(Access.WEBHOOK_ADMIN_BY_ID),
    # attachments: read as their parent record, written by the plan's writers
    "uploadCommitmentAttachment": Rule(Access.PLAN_WRITE, files=_evidence),
    "listCommitmentAttachments": Rule(Access.PLAN_READ),
    "uploadExchangeAttachment": Rule(Access.PLAN_WRITE, files=_evidence),
    "listExchangeAttachments": Rule(Access.PLAN_READ),
    "uploadReviewAttachment": Rule(Access.PLAN_WRITE, files=_evidence),
    "listReviewAttachments": Rule(Access.PLAN_READ),
    "uploadReviewItemAttachment": Rule(Access.PLAN_WRITE, files=_evidence, arrange=_open_review),
    "listReviewItemAttachments": Rule(Access.PLAN_READ, arrange=_open_review),
    "uploadAmendmentAttachment": Rule(Access.PLAN_WRITE, files=_evidence),
    "listAmendmentAttachments": Rule(Access.PLAN_READ),
    "getAttachment": Rule(Access.PLAN_READ),
    "downloadAttachment": Rule(Access.PLAN_READ),
    "deleteAttachment": Rule(Access.PLAN_WRITE),
    "uploadProgressUpdateAttachment": Rule(Access.PLAN_WRITE, files=_evidence),
    "listProgressUpdateAttachments": Rule(Access.PLAN_READ),
    # progress updates: read as their commitment, posted by the plan's writers, confirmed by an
    # approver of the commitment's lead party (Japan's here)
    "createProgressUpdate": Rule(
        Access.PLAN_WRITE,
        lambda s, c: {"status": "in_progress", "progress": 60, "narrative": {"en": "Report"}},
    ),
    "listProgressUpdates": Rule(Access.PLAN_READ),
    "getProgressUpdate": Rule(Access.PLAN_READ),
    "confirmProgressUpdate": Rule(Access.CONSENT),
    "rejectProgressUpdate": Rule(Access.CONSENT),
    # comments: read and written as their record; edited and deleted by their author (the
    # scene's comment is the JP editor's)
    "listCommitmentComments": Rule(Access.PLAN_READ),
    "createCommitmentComment": Rule(Access.PLAN_WRITE, lambda s, c: {"body": "A word"}),
    "listExchangeComments": Rule(Access.PLAN_READ),
    "createExchangeComment": Rule(Access.PLAN_WRITE, lambda s, c: {"body": "A word"}),
    "listReviewComments": Rule(Access.PLAN_READ),
    "createReviewComment": Rule(Access.PLAN_WRITE, lambda s, c: {"body": "A word"}),
    "listReviewItemComments": Rule(Access.PLAN_READ, arrange=_open_review),
    "createReviewItemComment": Rule(
        Access.PLAN_WRITE, lambda s, c: {"body": "A word"}, arrange=_open_review
    ),
    "listAmendmentComments": Rule(Access.PLAN_READ),
    "createAmendmentComment": Rule(Access.PLAN_WRITE, lambda s, c: {"body": "A word"}),
    "getComment": Rule(Access.PLAN_READ),
    "listCommentRevisions": Rule(Access.PLAN_READ),
    "updateComment": Rule(Access.PLAN_WRITE, lambda s, c: {"body": "Another word"}),
    "deleteComment": Rule(Access.PLAN_WRITE),
    # the dashboard's burn-up reads as the dashboard
    "getPlanProgressHistory": Rule(Access.PLAN_READ),
    # the composite reads of the dashboard, commitments and review pages read as their parts
    "getPlanOverview": Rule(Access.PLAN_READ),
    "getPlanCommitmentTable": Rule(Access.PLAN_READ),
    "getReviewWorkspace": Rule(Access.PLAN_READ),
    # agreeing every rating the parties gave alike: an approver of a party of the plan
    "agreeWherePartiesAgree": Rule(
        Access.CONSENT,
        lambda s, c: {"items": [{"id": str(s.review_item()), "etag": '"0"'}]},
        arrange=_open_review,
    ),
}

_ETAG_SOURCES: dict[str, type[SQLModel]] = {
    "plan_id": Plan,
    "area_id": PriorityArea,
    "commitment_id": Commitment,
    "milestone_id": Milestone,
    "exchange_id": Exchange,
    "user_id": User,
    "review_id": ReviewCycle,
    "item_id": ReviewItem,
    "endpoint_id": WebhookEndpoint,
    "attachment_id": Attachment,
    "update_id": ProgressUpdate,
    "comment_id": Comment,
    "organisation_id": Organisation,
}


def current_etag(operation: Operation, scene: Scene, caller: Caller) -> str:
    """The ETag of the record the operation changes (the caller's own user for /users/me)."""
    if operation.operation_id == "updateNotificationPreferences" and caller.user_id is not None:
        # Not a row's version: derived from the preferences themselves.
        with transaction(write=False) as session:
            choices = preferences.preferences_of(session=session, user_id=caller.user_id)
        return preferences.etag_of(caller.user_id, choices)
    ids = scene.path_ids(caller)
    named = [p for p in operation.path_params if p in _ETAG_SOURCES]
    if named:
        model, record_id = _ETAG_SOURCES[named[-1]], uuid.UUID(ids[named[-1]])
    elif caller.user_id is not None:
        model, record_id = User, caller.user_id
    else:
        return "*"
    with transaction(write=False) as session:
        record: Any = session.get(model, record_id)
        assert record is not None, (operation.operation_id, model)
        if model is Commitment:
            # Per reader: it follows the linked exchanges the caller sees.
            user = session.get(User, caller.user_id) if caller.user_id else None
            reader = actor_for(user, None) if user is not None else Actor.system()
            return commitment_service.commitment_etag(
                session=session, actor=reader, commitment=record
            )
        return make_etag(record.id, record.row_version)


def send(client: TestClient, operation: Operation, scene: Scene, caller: Caller) -> Response:
    """The operation as a valid request of this caller."""
    ids = scene.path_ids(caller)
    unknown = [p for p in operation.path_params if p not in ids]
    assert not unknown, f"{operation.operation_id}: no record for path parameters {unknown}"
    path = operation.path.format(**{p: ids[p] for p in operation.path_params})
    headers = dict(caller.headers)
    if operation.needs_if_match:
        headers["If-Match"] = current_etag(operation, scene, caller)
    rule = ACCESS_RULES[operation.operation_id]
    if rule.files is not None:
        response: Response = client.request(
            operation.method,
            path,
            headers=headers,
            files=rule.files(scene, caller),
            params=rule.query,
        )
        return response
    body = rule.body(scene, caller) if rule.body else None
    response = client.request(operation.method, path, headers=headers, json=body, params=rule.query)
    return response


# --- what "nothing changed" means ---------------------------------------------------------

# Reading with a token keeps its idle clock running; that is not a change the caller made.
_VOLATILE = frozenset({("access_token", "last_used_at")})


def database_state(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, in a stable order (an empty table read in the one round trip
    that names the tables holding rows: a scene fills about half of them)."""
    state: dict[str, list[str]] = {}
    with engine.connect() as connection:
        found = holding(connection)
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in found:
                state[table.name] = []
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in _VOLATILE]
            rows = connection.execute(select(*columns)).all()
            state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """The tables whose rows differ, with their row counts before and after."""
    return [
        f"{name} ({len(before[name])} → {len(after[name])} rows)"
        if len(before[name]) != len(after[name])
        else f"{name} (rows changed)"
        for name in before
        if before[name] != after[name]
    ]


def sees_the_plan(operation_id: str, response: Response, scene: Scene) -> bool | None:
    """For the lists a caller outside the plan may call: does anything of the plan show?"""
    plan = str(scene.world.plan)
    if operation_id == "listPlans":
        return any(item["id"] == plan for item in response.json()["items"])
    if operation_id == "listAuditEvents":
        return any(item["plan_id"] == plan for item in response.json()["items"])
    if operation_id == "search":
        return any(item["plan"]["id"] == plan for item in response.json()["items"])
    if operation_id == "getPortfolio":
        return any(item["id"] == plan for item in response.json()["items"])
    return None


_PLAN_PARTIES = frozenset(
    {CallerKind.JP_VIEWER, CallerKind.READ_ONLY_TOKEN, CallerKind.ENROL_TOKEN, CallerKind.CONTROL}
)


def mismatch(response: Response, expected: Outcome) -> str | None:
    """Why the response is not the expected outcome, if it is not."""
    status = response.status_code
    if expected == ALLOWED:
        if not 200 <= status < 300:
            return f"expected success, got {status}: {response.text[:200]}"
        return None
    if status != expected:
        return f"expected {expected}, got {status}: {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith(PROBLEM):
        return f"{status} is not problem+json"
    if status == 401 and response.headers.get("www-authenticate") != "Bearer":
        return "401 without 'WWW-Authenticate: Bearer'"
    return None


# --- the matrix ---------------------------------------------------------------------------


@pytest.fixture
def api(anonymous_client: TestClient) -> Iterator[TestClient]:
    """A client that sends only the credentials each request carries."""
    yield anonymous_client


@dataclass(frozen=True)
class Case:
    """Operations checked on one scene: one write, or every read of one kind."""

    name: str
    operations: tuple[Operation, ...]


def matrix_cases() -> list[Case]:
    # Reads change nothing, so the reads of one kind share a scene; each write gets its own.
    reads: dict[Access, list[Operation]] = {}
    cases: list[Case] = []
    for operation in OPERATIONS:
        rule = ACCESS_RULES.get(operation.operation_id)
        if rule is not None and operation.method == "GET":
            reads.setdefault(rule.access, []).append(operation)
        else:
            cases.append(Case(operation.operation_id, (operation,)))
    return [Case(f"reads:{a.name}", tuple(ops)) for a, ops in reads.items()] + cases


@pytest.mark.parametrize("case", matrix_cases(), ids=lambda c: c.name)
def test_each_caller_gets_what_the_policy_allows_and_a_refusal_changes_nothing(
    api: TestClient, db: Database, case: Case
) -> None:
    scene = build_scene(
        draft=any(
            (rule := ACCESS_RULES.get(o.operation_id)) is not None and rule.draft
            for o in case.operations
        )
    )
    for operation in case.operations:
        rule = ACCESS_RULES.get(operation.operation_id)
        if rule is not None and rule.arrange is not None:
            rule.arrange(scene)
    failures: list[str] = []
    for operation in case.operations:
        where = f"{operation.method} {operation.path} ({operation.operation_id})"
        rule = ACCESS_RULES.get(operation.operation_id)
        if rule is None:
            failures.append(f"{where} has no access rule: add it to ACCESS_RULES")
            continue
        for kind, expected in EXPECTED[rule.access].items():
            caller = scene.caller(kind, rule.access)
            before = database_state(db.engine) if expected != ALLOWED else None

            response = send(api, operation, scene, caller)

            wrong = mismatch(response, expected)
            if wrong:
                failures.append(f"{where}, {kind.value}: {wrong}")
            if before is not None:
                changed = changed_tables(before, database_state(db.engine))
                if changed:
                    failures.append(f"{where}, {kind.value}: refused, yet changed {changed}")
            if response.status_code == 200:
                seen = sees_the_plan(operation.operation_id, response, scene)
                if seen is not None and seen != (kind in _PLAN_PARTIES):
                    failures.append(
                        f"{where}, {kind.value}: "
                        f"{'sees' if seen else 'does not see'} the JP–NATO plan"
                    )
    assert not failures, "\n".join(failures)


# --- the matrix covers the whole API ------------------------------------------------------


def test_every_operation_of_the_openapi_document_has_an_access_rule() -> None:
    documented = {o.operation_id for o in OPERATIONS}
    assert documented - set(ACCESS_RULES) == set(), "operations without an access rule"
    assert set(ACCESS_RULES) - documented == set(), "access rules of operations that are gone"


def test_only_the_probes_and_sign_in_are_public_and_left_out_of_the_matrix() -> None:
    public = {o.operation_id for o in ALL_OPERATIONS if o.public}
    assert public == PUBLIC_OPERATIONS


def test_no_rule_arranges_records_on_a_draft_plan() -> None:
    # A draft plan has no reviews: the writes that need a review in some state run on the
    # active plan.
    review_states = (_open_review, _review_ready_to_sign, _review_ready_to_conclude)
    both = {op for op, rule in ACCESS_RULES.items() if rule.draft and rule.arrange in review_states}
    assert both == set()


def test_a_request_body_is_given_exactly_to_the_operations_that_take_one() -> None:
    for operation in OPERATIONS:
        rule = ACCESS_RULES[operation.operation_id]
        gives = rule.body is not None or rule.files is not None
        assert gives == operation.takes_body, operation.operation_id


def test_every_kind_of_operation_has_an_outcome_for_every_caller() -> None:
    assert set(EXPECTED) == set(Access)
    for access, outcomes in EXPECTED.items():
        assert list(outcomes) == list(CallerKind), access
        assert list(outcomes)[-1] is CallerKind.CONTROL


# --- admins manage their own party's users only -------------------------------------------

ADMIN_OPERATIONS = (
    "listUsers",
    "createUser",
    "getUser",
    "updateUser",
    "resetPassword",
    "resetTotp",
    "inviteUser",
    "verifyAuditChain",
    "createParty",
    "createOrganisation",
    "updateOrganisation",
    "listWebhookEndpoints",
    "createWebhookEndpoint",
    "getWebhookEndpoint",
    "updateWebhookEndpoint",
    "deleteWebhookEndpoint",
    "rotateWebhookSecret",
    "listWebhookDeliveries",
    "getWebhookDelivery",
    "replayWebhookDelivery",
)
_BY_ID = {o.operation_id: o for o in OPERATIONS}


def test_the_admin_operations_are_the_ones_the_matrix_gives_to_admins() -> None:
    admin_rows = {
        op for op, rule in ACCESS_RULES.items() if CONTROL_ROLE[rule.access] is Role.ADMIN
    }
    assert admin_rows == set(ADMIN_OPERATIONS)


def test_an_editor_is_refused_every_admin_operation_and_nothing_changes(
    api: TestClient, db: Database
) -> None:
    scene = build_scene()
    editor = scene.jp_editor
    for operation_id in ADMIN_OPERATIONS:
        operation = _BY_ID[operation_id]
        before = database_state(db.engine)

        response = send(api, operation, scene, editor)

        assert response.status_code == 403, (operation_id, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert changed_tables(before, database_state(db.engine)) == [], operation_id


@pytest.mark.parametrize("operation_id", ["getUser", "updateUser", "resetPassword", "resetTotp"])
def test_an_admin_of_nato_finds_no_japanese_user_to_see_or_manage(
    api: TestClient, db: Database, operation_id: str
) -> None:
    scene = build_scene()
    admin = nato_admin(scene)
    before = database_state(db.engine)

    response = send(api, _BY_ID[operation_id], scene, admin)

    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "official@jp.test.example" not in response.text
    assert changed_tables(before, database_state(db.engine)) == []


def test_an_admin_of_nato_lists_only_nato_users(api: TestClient) -> None:
    scene = build_scene()
    admin = nato_admin(scene)
    make_user("NATO", Role.EDITOR, email="editor@nato.test.example")

    response = api.get("/api/v1/users", headers=admin.headers)

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert sorted(u["email"] for u in items) == [
        "admin@nato.test.example",
        "editor@nato.test.example",
    ]
    assert {u["party_id"] for u in items} == {str(scene.world.nato)}


def test_an_admin_of_nato_creates_users_in_nato_only(api: TestClient, db: Database) -> None:
    scene = build_scene()
    admin = nato_admin(scene)
    body = ACCESS_RULES["createUser"].body
    assert body is not None

    created = api.post("/api/v1/users", headers=admin.headers, json=body(scene, admin))

    assert created.status_code == 201, created.text
    assert created.json()["party_id"] == str(scene.world.nato)
    assert created.json()["party_code"] == "NATO"
    # No field of the request can name another party.
    before = database_state(db.engine)
    other = api.post(
        "/api/v1/users",
        headers=admin.headers,
        json={
            **body(scene, admin),
            "email": "planted@test.example",
            "party_id": str(scene.world.japan),
        },
    )
    assert other.status_code == 422, other.text
    assert changed_tables(before, database_state(db.engine)) == []


@pytest.mark.parametrize("operation_id", ["createOrganisation", "updateOrganisation"])
def test_an_admin_of_nato_cannot_add_or_edit_an_organisation_of_japan(
    api: TestClient, db: Database, operation_id: str
) -> None:
    scene = build_scene()
    admin = nato_admin(scene)
    before = database_state(db.engine)

    response = send(api, _BY_ID[operation_id], scene, admin)

    assert response.status_code == 403, response.text
    assert changed_tables(before, database_state(db.engine)) == []
