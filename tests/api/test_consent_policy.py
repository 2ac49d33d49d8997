"""Consent and sign-off are given for a party by that party's approver only (DESIGN.md §3).

These tests hold the policy module itself to the rule, for every role × token scope × party a
caller may have; tests/api/test_amendments.py and the access matrix hold the amendment
approval route to it.
"""

import itertools
import uuid
from dataclasses import dataclass

import pytest

from itpp_api.auth.actor import Actor
from itpp_api.auth.policy import Action, authorize_consent_for, authorize_plan
from itpp_api.enums import Role, TokenScope
from itpp_api.errors import DomainError, Forbidden, NotFound

PARTY_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
PARTY_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
PARTY_C = uuid.UUID("00000000-0000-4000-8000-00000000000c")
PLAN_PARTIES = (PARTY_A, PARTY_B)
PLAN = uuid.UUID("00000000-0000-4000-8000-0000000000f1")
PARTY_NAMES = {PARTY_A: "A", PARTY_B: "B", PARTY_C: "C"}


def actor(role: Role, scope: TokenScope, party: uuid.UUID) -> Actor:
    return Actor(
        user_id=uuid.uuid4(), party_id=party, role=role, scope=scope, token_id=uuid.uuid4()
    )


def outcome(check: object) -> type[DomainError] | None:
    """What a policy check does: None if it allows, else the class of its refusal."""
    assert callable(check)
    try:
        check()
    except DomainError as error:
        return type(error)
    return None


@dataclass(frozen=True)
class Case:
    role: Role
    scope: TokenScope
    party: uuid.UUID

    def __str__(self) -> str:
        return f"{self.role.value}-of-{PARTY_NAMES[self.party]}-{self.scope.value}"


EVERY_CALLER = [
    Case(role, scope, party)
    for role, scope, party in itertools.product(Role, TokenScope, (PARTY_A, PARTY_B, PARTY_C))
]


# --- consent for a party ------------------------------------------------------------------


@pytest.mark.parametrize("case", EVERY_CALLER, ids=str)
def test_only_an_approver_of_the_party_itself_with_a_read_write_token_consents_for_it(
    case: Case,
) -> None:
    allowed = (
        case.role is Role.APPROVER and case.scope is TokenScope.READ_WRITE and case.party == PARTY_A
    )

    result = outcome(
        lambda: authorize_consent_for(actor(case.role, case.scope, case.party), PARTY_A)
    )

    assert result is (None if allowed else Forbidden)


@pytest.mark.parametrize(
    ("acting_for", "on_behalf_of"),
    [(a, b) for a, b in itertools.permutations((PARTY_A, PARTY_B, PARTY_C), 2)],
    ids=lambda p: PARTY_NAMES[p],
)
def test_an_approver_never_consents_on_behalf_of_another_party(
    acting_for: uuid.UUID, on_behalf_of: uuid.UUID
) -> None:
    approver = actor(Role.APPROVER, TokenScope.READ_WRITE, acting_for)

    assert outcome(lambda: authorize_consent_for(approver, on_behalf_of)) is Forbidden
    assert outcome(lambda: authorize_consent_for(approver, acting_for)) is None


def test_an_approver_of_a_plan_party_may_consent_on_the_plan_but_only_for_their_own_party() -> None:
    approver_of_a = actor(Role.APPROVER, TokenScope.READ_WRITE, PARTY_A)

    assert (
        outcome(lambda: authorize_plan(approver_of_a, PLAN_PARTIES, Action.CONSENT, plan_id=PLAN))
        is None
    )
    assert outcome(lambda: authorize_consent_for(approver_of_a, PARTY_A)) is None
    assert outcome(lambda: authorize_consent_for(approver_of_a, PARTY_B)) is Forbidden


def test_the_refusal_says_why() -> None:
    with pytest.raises(Forbidden, match="own party"):
        authorize_consent_for(actor(Role.APPROVER, TokenScope.READ_WRITE, PARTY_A), PARTY_B)
    with pytest.raises(Forbidden, match="approver"):
        authorize_consent_for(actor(Role.ADMIN, TokenScope.READ_WRITE, PARTY_A), PARTY_A)
    with pytest.raises(Forbidden, match="read-only"):
        authorize_consent_for(actor(Role.APPROVER, TokenScope.READ, PARTY_A), PARTY_A)
    with pytest.raises(Forbidden, match="second factor"):
        authorize_consent_for(actor(Role.APPROVER, TokenScope.ENROL_TOTP, PARTY_A), PARTY_A)


# --- consent on a plan --------------------------------------------------------------------


def expected_on_plan(case: Case) -> type[DomainError] | None:
    """The plan is between A and B."""
    if case.scope is TokenScope.ENROL_TOTP:
        # A token that may only enrol a second factor is refused before anything is looked up.
        return Forbidden
    if case.party not in PLAN_PARTIES:
        # For a party outside the plan the plan does not exist.
        return NotFound
    if case.role is Role.APPROVER and case.scope is TokenScope.READ_WRITE:
        return None
    return Forbidden


@pytest.mark.parametrize("case", EVERY_CALLER, ids=str)
def test_consent_on_a_plan_needs_an_approver_of_one_of_its_parties_with_a_read_write_token(
    case: Case,
) -> None:
    result = outcome(
        lambda: authorize_plan(
            actor(case.role, case.scope, case.party), PLAN_PARTIES, Action.CONSENT, plan_id=PLAN
        )
    )

    assert result is expected_on_plan(case)


def test_the_table_allows_exactly_one_approver_per_plan_party() -> None:
    allowed = [case for case in EVERY_CALLER if expected_on_plan(case) is None]
    assert sorted(map(str, allowed)) == ["approver-of-A-read_write", "approver-of-B-read_write"]


@pytest.mark.parametrize("action", [Action.READ, Action.WRITE, Action.CONSENT])
def test_consent_is_the_only_plan_action_an_editor_or_admin_is_refused_in_their_own_plan(
    action: Action,
) -> None:
    for role in (Role.EDITOR, Role.ADMIN):
        result = outcome(
            lambda role=role: authorize_plan(
                actor(role, TokenScope.READ_WRITE, PARTY_A), PLAN_PARTIES, action, plan_id=PLAN
            )
        )
        assert result is (Forbidden if action is Action.CONSENT else None), role
