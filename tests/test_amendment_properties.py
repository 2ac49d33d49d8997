"""Property (issue 5, "Done means"): over any sequence of approvals, rejections and withdrawals
by users of every party of the plan — approvers, editors, viewers, a second approver of the
same party — and by users of a party outside it, an amendment is applied if and only if every
party approved and none rejected, exactly once, producing exactly one new plan version.

Each example builds a plan of two or three parties on a clean database, proposes one
amendment (by an editor of the first party) and replays the sequence through the HTTP API
against a model of the rules; every answer and the final state must match the model.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, get_args

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from itpp_api.audit.models import AuditEvent
from itpp_api.audit.service import verify
from itpp_api.clock import today
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus, Role
from itpp_api.parties.models import Party
from itpp_api.plans.changes import update_plan
from itpp_api.plans.models import Plan, PlanVersion
from itpp_api.plans.schemas import PlanCreate, PlanUpdate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from tests.conftest import Database, _clean
from tests.factories import SYSTEM, actor_of, make_amendment, make_user, token_for

PARTY_CODES = ("JP", "NATO", "UK")
OUTSIDER = "AUS"
Kind = Literal["approver", "second_approver", "editor", "viewer"]
Act = Literal["approve", "reject", "withdraw"]


@dataclass(frozen=True)
class Who:
    """A caller: a user of the plan's party number `party` (modulo the parties), or outside."""

    kind: Kind
    party: int | None  # None: the outsider party

    def __str__(self) -> str:
        where = OUTSIDER if self.party is None else f"party {self.party}"
        return f"{self.kind} of {where}"


KINDS: tuple[Kind, ...] = get_args(Kind)
CALLERS = [Who(kind, party) for kind in KINDS for party in (0, 1, 2, None)]
ACTS: tuple[Act, ...] = get_args(Act)
# Half the steps are an approval by an approver of the plan, so that sequences reaching every
# party's consent are common; the other half is anything by anyone.
APPROVALS = [(Who(kind, party), "approve") for kind in KINDS[:2] for party in (0, 1, 2)]
ANYTHING = [(who, act) for who in CALLERS for act in ACTS]
STEPS = st.lists(st.one_of(st.sampled_from(APPROVALS), st.sampled_from(ANYTHING)), max_size=14)


@dataclass
class Model:
    """The rules, as the issue states them."""

    parties: list[str]
    status: str = "proposed"
    decisions: dict[str, str] = field(default_factory=dict)
    applied: int = 0

    def step(self, party: str | None, kind: Kind, act: Act) -> int:
        """The expected HTTP status of the step; updates the model."""
        if party is None:
            return 404
        writer = kind != "viewer"
        if act == "withdraw":
            if not writer or party != self.parties[0]:
                return 403
            if self.status == "withdrawn":
                return 200
            if self.status != "proposed":
                return 409
            self.status = "withdrawn"
            return 200
        if kind not in ("approver", "second_approver"):
            return 403
        if self.decisions.get(party) == act:
            return 200
        if self.status != "proposed":
            return 409
        self.decisions[party] = act
        if act == "reject":
            self.status = "rejected"
        elif all(self.decisions.get(p) == "approve" for p in self.parties):
            self.status = "applied"
            self.applied += 1
        return 200


@dataclass
class Setting:
    plan: uuid.UUID
    amendment: uuid.UUID
    parties: list[str]
    headers: dict[tuple[str, Kind], dict[str, str]]


def build(party_count: int) -> Setting:
    codes = list(PARTY_CODES[:party_count])
    with transaction(write=True) as session:
        parties = [Party(code=code, name={"en": code}) for code in [*codes, OUTSIDER]]
        session.add_all(parties)
        session.flush()
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference="PROPERTY-PLAN",
                title={"en": "Plan"},
                party_ids=[p.id for p in parties[:party_count]],
                approval_date=today() - timedelta(days=30),
            ),
        )
        create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(code="1", short_code="ONE", title={"en": "One"}),
        )
        update_plan(
            session=session, actor=SYSTEM, plan=plan, data=PlanUpdate(status=PlanStatus.ACTIVE)
        )
        plan_id = plan.id
    headers: dict[tuple[str, Kind], dict[str, str]] = {}
    user_ids: dict[tuple[str, Kind], uuid.UUID] = {}
    for code in [*codes, OUTSIDER]:
        for kind in KINDS:
            role = Role.APPROVER if kind.endswith("approver") else Role(kind)
            user_id = make_user(code, role, email=f"{kind}@{code.lower()}.test.example")
            user_ids[(code, kind)] = user_id
            headers[(code, kind)] = {"Authorization": f"Bearer {token_for(user_id)}"}
    amendment = make_amendment(
        None,
        plan_id=plan_id,
        changes=[{"op": "change_term", "term_months": 30}],
        actor=actor_of(user_ids[(codes[0], "editor")]),
    )
    return Setting(plan=plan_id, amendment=amendment, parties=codes, headers=headers)


def counts(setting: Setting) -> tuple[int, int, int]:
    """Plan versions, 'apply' events of the amendment, the plan's term."""
    with transaction(write=False) as session:
        versions = session.scalar(
            select(func.count()).select_from(PlanVersion).where(PlanVersion.plan_id == setting.plan)
        )
        applies = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_id == setting.amendment, AuditEvent.action == "apply")
        )
        plan = session.get(Plan, setting.plan)
        assert plan is not None
        return int(versions or 0), int(applies or 0), plan.term_months


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(party_count=st.integers(min_value=2, max_value=3), steps=STEPS)
def test_applied_iff_every_party_approved_and_none_rejected_exactly_once(
    anonymous_client: TestClient,
    db: Database,
    party_count: int,
    steps: list[tuple[Who, Act]],
) -> None:
    _clean(db.engine)
    setting = build(party_count)
    model = Model(parties=setting.parties)
    client = anonymous_client
    url = f"/api/v1/amendments/{setting.amendment}"

    for who, act in steps:
        party = None if who.party is None else setting.parties[who.party % party_count]
        headers = setting.headers[(party or OUTSIDER, who.kind)]
        expected = model.step(party, who.kind, act)
        if act == "withdraw":
            response = client.post(f"{url}/withdraw", headers=headers)
        else:
            response = client.post(f"{url}/approvals", json={"decision": act}, headers=headers)
        assert response.status_code == expected, (str(who), party, act, response.text)
        current = client.get(url, headers=setting.headers[(setting.parties[0], "viewer")]).json()
        assert current["status"] == model.status, (str(who), act)

    event(f"{party_count} parties, amendment {model.status}")
    every_party_approved = all(model.decisions.get(p) == "approve" for p in setting.parties)
    none_rejected = "reject" not in model.decisions.values()
    applied = model.status == "applied"
    assert applied == (every_party_approved and none_rejected and model.applied == 1)
    versions, applies, term = counts(setting)
    assert versions == (2 if applied else 1)
    assert applies == (1 if applied else 0)
    assert term == (30 if applied else 24)
    final = client.get(url, headers=setting.headers[(setting.parties[-1], "viewer")]).json()
    assert final["applied_version"] == (2 if applied else None)
    assert {d["party_code"]: d["decision"] for d in final["decisions"]} == {
        p: {"approve": "approved", "reject": "rejected"}.get(model.decisions.get(p, ""), "pending")
        for p in setting.parties
    }
    with transaction(write=False) as session:
        assert verify(session=session).ok
