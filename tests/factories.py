"""Factories that build records through the services, each in its own committed transaction."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import select

from itpp_api import db as db_module
from itpp_api.audit import service as audit_service
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.auth.passwords import normalize
from itpp_api.auth.service import issue_token
from itpp_api.clock import today
from itpp_api.commitments.schemas import CommitmentCreate
from itpp_api.commitments.service import create_commitment
from itpp_api.config import get_settings
from itpp_api.db import get_engine, transaction, utcnow
from itpp_api.enums import Modality, PlanStatus, Role, TokenKind, TokenScope
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.changes import update_plan
from itpp_api.plans.schemas import PlanCreate, PlanUpdate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan, get_plan
from tests.rows import Rows, database_rows, insert_rows, is_empty

SYSTEM = Actor.system()


@dataclass(frozen=True)
class World:
    """Two parties with organisations, and one active plan with two priority areas."""

    japan: uuid.UUID
    nato: uuid.UUID
    mofa: uuid.UUID
    mod: uuid.UUID
    shape: uuid.UUID
    plan: uuid.UUID
    cyber: uuid.UUID
    maritime: uuid.UUID


# The worlds this worker has built, by what their rows depend on, with those rows.
_WORLDS: dict[tuple[Any, ...], tuple[World, Rows]] = {}


def make_world(*, approval: date | None = None, status: PlanStatus = PlanStatus.ACTIVE) -> World:
    """Parties JP and NATO, their organisations and plan TEST-PLAN with areas 3.1.1 and 3.1.2.

    Most tests start with this world in an empty database. The first such world of a kind in
    a worker is built through the services (46 statements, 40-130 ms) and its rows kept; a
    later one in an empty database gets the same rows inserted (one statement a table), as
    `load_sample` does with the sample. What the rows depend on is the key: the engine, the
    arguments, today's date and the settings; a test that stops a clock the rows take their
    time from (`utcnow` patched) or starts from a database holding rows gets a real build.
    """
    approval = approval or today() - timedelta(days=200)
    engine = get_engine()
    key = (
        engine.dialect.name,
        approval,
        status,
        today(),
        get_settings().model_dump_json(exclude={"database_url"}),
    )
    own_clock = audit_service.utcnow is not utcnow or db_module.utcnow is not utcnow
    if own_clock or not is_empty(engine):
        return _build_world(approval, status)
    if key in _WORLDS:
        world, rows = _WORLDS[key]
        with engine.begin() as connection:
            insert_rows(connection, rows)
        return world
    world = _build_world(approval, status)
    with engine.connect() as connection:
        _WORLDS[key] = (world, database_rows(connection))
    return world


def _build_world(approval: date, status: PlanStatus) -> World:
    with transaction(write=True) as session:
        # The default signed-in test user may have made JP already.
        japan = session.scalars(select(Party).where(Party.code == "JP")).first() or Party(
            code="JP", name={"ja": "日本", "en": "Japan"}
        )
        nato = Party(code="NATO", name={"en": "NATO", "ja": "NATO"})
        session.add_all([japan, nato])
        session.flush()
        mofa = Organisation(code="MOFA", party_id=japan.id, name={"ja": "外務省", "en": "MOFA"})
        mod = Organisation(code="MOD", party_id=japan.id, name={"ja": "防衛省", "en": "MOD"})
        shape = Organisation(code="SHAPE", party_id=nato.id, name={"en": "SHAPE"})
        session.add_all([mofa, mod, shape])
        session.flush()
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference="TEST-PLAN",
                title={"ja": "試験計画", "en": "Test plan"},
                party_ids=[japan.id, nato.id],
                approval_date=approval,
            ),
        )
        cyber = create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(
                code="3.1.1", short_code="CYB", title={"ja": "サイバー防衛", "en": "Cyber defence"}
            ),
        )
        maritime = create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(
                code="3.1.2",
                short_code="MAR",
                title={"ja": "海洋安全保障", "en": "Maritime security"},
            ),
        )
        if status is not PlanStatus.DRAFT:
            update_plan(
                session=session, actor=SYSTEM, plan=plan, data=PlanUpdate(status=PlanStatus.ACTIVE)
            )
        return World(
            japan=japan.id,
            nato=nato.id,
            mofa=mofa.id,
            mod=mod.id,
            shape=shape.id,
            plan=plan.id,
            cyber=cyber.id,
            maritime=maritime.id,
        )


def commitment_body(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid JSON body for createCommitment."""
    body: dict[str, Any] = {
        "priority_area_id": str(world.cyber),
        "title": {"ja": "演習への参加", "en": "Exercise participation"},
        "modality": "exercise_participation",
        "lead_party_id": str(world.japan),
        "lead_organisation_id": str(world.mod),
        "start_date": "2026-01-01",
        "due_date": "2026-12-31",
    }
    body.update(overrides)
    return body


def make_commitment(world: World, **overrides: Any) -> uuid.UUID:
    """Create a commitment through the service; returns its id."""
    data: dict[str, Any] = {
        "priority_area_id": world.cyber,
        "title": {"ja": "演習への参加", "en": "Exercise participation"},
        "modality": Modality.EXERCISE_PARTICIPATION,
        "lead_party_id": world.japan,
    }
    data.update(overrides)
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=world.plan, actor=SYSTEM)
        return create_commitment(
            session=session, actor=SYSTEM, plan=plan, data=CommitmentCreate.model_validate(data)
        ).id


# --- users and tokens ---------------------------------------------------------------------

DEFAULT_PASSWORD = "quiet harbour lantern 2026"
_PASSWORD_HASHES: dict[str, str] = {}


# The accounts the tests make (the factories' and the sample template's) store Argon2id hashes
# at the lowest cost: verifying one at the production parameters (64 MiB, 3 passes, 4 lanes)
# takes ~0.2 s on two cores, and the suite signs in thousands of times. Sign-in verifies with
# the parameters the stored hash names, so the code under test is the production code; what the
# API itself stores (a password set, changed or invited through it, and `itpp sample load`) is
# tested to be at the production parameters (tests/api/test_sign_in.py, tests/test_sample.py).
_QUICK = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


# How a hash at the production parameters (pwdlib's Argon2id defaults) begins.
PRODUCTION_ARGON2 = "$argon2id$v=19$m=65536,t=3,p=4$"


def quick_hash(password: str) -> str:
    """An Argon2id hash of the password at the lowest cost, for an account a test makes."""
    return _QUICK.hash(normalize(password))


def _hash(password: str) -> str:
    # Tests reuse one hash per password.
    if password not in _PASSWORD_HASHES:
        _PASSWORD_HASHES[password] = quick_hash(password)
    return _PASSWORD_HASHES[password]


def make_user(
    party_code: str,
    role: Role | str,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    totp_secret: str | None = None,
    active: bool = True,
) -> uuid.UUID:
    """A user of the party with this code; approvers/admins get TOTP only when given a secret."""
    role = Role(role)
    with transaction(write=True) as session:
        party = session.scalars(select(Party).where(Party.code == party_code)).one()
        user = User(
            email=(email or f"{party_code.lower()}-{role.value}@test.example").casefold(),
            display_name=f"{party_code} {role.value}",
            party_id=party.id,
            role=role.value,
            preferred_language="ja" if party_code == "JP" else "en",
            password_hash=_hash(password),
            is_active=active,
            totp_secret=totp_secret,
            totp_confirmed_at=utcnow() if totp_secret else None,
        )
        session.add(user)
        session.flush()
        return user.id


def token_for(user_id: uuid.UUID, *, scope: TokenScope = TokenScope.READ_WRITE) -> str:
    """A live session token for the user, without going through sign-in."""
    with transaction(write=True) as session:
        user = session.get(User, user_id)
        assert user is not None
        _, secret = issue_token(
            session=session,
            user=user,
            kind=TokenKind.SESSION,
            scope=scope,
            lifetime=timedelta(hours=1),
            idle=timedelta(minutes=30),
        )
        return secret


def auth_headers(party_code: str, role: Role | str, **kwargs: Any) -> dict[str, str]:
    """Authorization headers of a new user of that party and role."""
    return {"Authorization": f"Bearer {token_for(make_user(party_code, role, **kwargs))}"}


# --- exchanges ------------------------------------------------------------------------------


def exchange_body(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid JSON body for createExchange: a planned seminar from Japan (MOFA) to NATO."""
    body: dict[str, Any] = {
        "kind": "seminar",
        "title": {"ja": "サイバー防衛セミナー", "en": "Cyber defence seminar"},
        "from_party_id": str(world.japan),
        "from_organisation_id": str(world.mofa),
        "to_party_id": str(world.nato),
        "start_date": "2026-09-14",
        "end_date": "2026-09-16",
        "location": "Brussels",
        "participants": [{"role": "Director, Cyber Policy Division"}],
    }
    body.update(overrides)
    return body


def make_exchange(world: World, *, plan_id: uuid.UUID | None = None, **overrides: Any) -> uuid.UUID:
    """Create an exchange of the world's plan (or `plan_id`) through the service, as the
    system; returns its id."""
    from itpp_api.exchanges.schemas import ExchangeCreate
    from itpp_api.exchanges.service import create_exchange

    data: dict[str, Any] = {
        "kind": "seminar",
        "title": {"ja": "サイバー防衛セミナー", "en": "Cyber defence seminar"},
        "from_party_id": world.japan,
        "to_party_id": world.nato,
        "start_date": date(2026, 9, 14),
    }
    data.update(overrides)
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=plan_id or world.plan, actor=SYSTEM)
        return create_exchange(
            session=session, actor=SYSTEM, plan=plan, data=ExchangeCreate.model_validate(data)
        ).id


# --- amendments -----------------------------------------------------------------------------


def actor_of(user_id: uuid.UUID) -> Actor:
    """The actor of a user, as a request with a full read-write token would have it."""
    from itpp_api.auth.service import actor_for

    with transaction(write=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        return actor_for(user, None)


def make_amendment(
    world: World | None,
    changes: list[dict[str, Any]],
    *,
    actor: Actor = SYSTEM,
    plan_id: uuid.UUID | None = None,
    title: str = "Amendment",
) -> uuid.UUID:
    """Propose an amendment of the world's plan (or `plan_id`) through the service; its id."""
    from itpp_api.amendments.schemas import AmendmentCreate
    from itpp_api.amendments.service import propose

    data = AmendmentCreate.model_validate(
        {
            "title": {"en": title, "ja": "改正"},
            "rationale": {"en": "Agreed at the joint review.", "ja": "合同レビューで合意。"},
            "changes": changes,
        }
    )
    if plan_id is None:
        assert world is not None
        plan_id = world.plan
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=plan_id, actor=actor, for_update=True)
        return propose(session=session, actor=actor, plan=plan, data=data).id


def approve_as_every_party(amendment_id: uuid.UUID) -> None:
    """Approve an amendment for every party of its plan, each by a new approver of that party
    (through the service, as the approvals route does): the last approval applies it."""
    from itpp_api.amendments.models import Amendment
    from itpp_api.amendments.schemas import AmendmentDecisionCreate
    from itpp_api.amendments.service import decide
    from itpp_api.enums import Decision
    from itpp_api.plans.models import PlanParty

    with transaction(write=False) as session:
        amendment = session.get(Amendment, amendment_id)
        assert amendment is not None
        codes = list(
            session.scalars(
                select(Party.code)
                .join(PlanParty, PlanParty.party_id == Party.id)  # type: ignore[arg-type]
                .where(PlanParty.plan_id == amendment.plan_id)
            )
        )
    for code in codes:
        approver = actor_of(
            make_user(code, Role.APPROVER, email=f"{code.lower()}-{uuid.uuid4().hex[:8]}@x.example")
        )
        with transaction(write=True) as session:
            decide(
                session=session,
                actor=approver,
                amendment_id=amendment_id,
                data=AmendmentDecisionCreate(decision=Decision.APPROVE),
            )


def agree(
    plan_id: uuid.UUID, changes: list[dict[str, Any]], *, title: str = "Agreed change"
) -> uuid.UUID:
    """Propose a change set to the plan and have every party approve it: the way anything the
    parties agreed changes (bring_into_force, an amendment, terminate, renew). Its id."""
    amendment_id = make_amendment(None, changes, plan_id=plan_id, title=title)
    approve_as_every_party(amendment_id)
    return amendment_id


def bring_into_force(plan_id: uuid.UUID, approval_date: date | None = None) -> uuid.UUID:
    """Bring a draft plan into force by every party's consent (its approval date, by default
    200 days ago). The consent's amendment id."""
    day = approval_date or today() - timedelta(days=200)
    return agree(
        plan_id,
        [{"op": "bring_into_force", "approval_date": day.isoformat()}],
        title="In force",
    )


def record_as_operator(plan_id: uuid.UUID, **changes: Any) -> None:
    """Change a plan as the operator's command line does (status, dates, texts): for tests whose
    subject is not consent, e.g. a plan recorded as agreed outside the system or closed."""
    with transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=plan_id, actor=SYSTEM, for_update=True)
        update_plan(session=session, actor=SYSTEM, plan=plan, data=PlanUpdate(**changes))


def sample_headers(party_code: str, role: Role) -> dict[str, str]:
    """Authorization headers of the sample user of that party and role (after `itpp sample
    load`), with a fresh token."""
    from itpp_api.sample.users import sample_email

    with transaction(write=False) as session:
        user = session.scalars(
            select(User).where(User.email == sample_email(party_code, role))
        ).one()
    return {"Authorization": f"Bearer {token_for(user.id)}"}
