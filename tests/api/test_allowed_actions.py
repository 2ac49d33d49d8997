"""What each caller may do with each record (`allowed_actions`, issue 14 §3): the table.

Every record the API returns carries the actions its reader may take now, decided by the access
policy (`auth/policy.py`, `PlanActions`) from the reader's role, party and token, the plan's
status and the record's own state; the web shows exactly these controls. The table below is
the specification, for every record type × caller × plan status:

- readers (a viewer, a read-only token) may do nothing, whatever the plan;
- writers (editors, admins, approvers) of either party write the records of a draft directly,
  and on a plan in force write delivery directly and propose what the parties agreed;
- a closed plan takes nothing but, when expired, a renewal — and decisions on what was already
  proposed (a rejection, a withdrawal);
- approvers decide for their own party only, once; the proposing party withdraws;
- records internal to a party exist for that party only (the other party never gets them).

A list and its records' single GETs agree (the commitment list computes its rows' actions
from the facts of each row, without a query per row).
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.enums import AllowedAction, PlanStatus, Role, TokenScope
from itpp_api.errors import Forbidden
from tests.conftest import Database, QueryCounter
from tests.factories import (
    World,
    auth_headers,
    make_amendment,
    make_commitment,
    make_exchange,
    make_user,
    make_world,
    record_as_operator,
    token_for,
)

API = "/api/v1"

# --- the callers ----------------------------------------------------------------------------

CALLERS = (
    "JP viewer",
    "JP read-only token",
    "JP editor",
    "JP admin",
    "JP approver",
    "NATO editor",
    "NATO approver",
)
READERS = ("JP viewer", "JP read-only token")
JP_WRITERS = ("JP editor", "JP admin", "JP approver")
WRITERS = (*JP_WRITERS, "NATO editor", "NATO approver")


def headers_of(caller: str) -> dict[str, str]:
    party, role = caller.split(" ", 1)
    if role == "read-only token":
        user = make_user(party, "editor", email=f"robot@{party.lower()}.test.example")
        return {"Authorization": f"Bearer {token_for(user, scope=TokenScope.READ)}"}
    return auth_headers(party, role, email=f"{role}@{party.lower()}.test.example")


# --- the table ----------------------------------------------------------------------------

NOTHING: tuple[str, ...] = ()
HIDDEN = "404"  # the record does not exist for the caller


def actions(*names: str) -> tuple[str, ...]:
    """The expected actions, in the vocabulary's order (as the API lists them)."""
    order = [a.value for a in AllowedAction]
    assert all(name in order for name in names), names
    return tuple(sorted(names, key=order.index))


def row(
    *, readers: Any = NOTHING, writers: Any = NOTHING, **by_caller: Any
) -> dict[str, tuple[str, ...] | str]:
    """Expected actions by caller: readers, writers, then exceptions by caller name."""
    expected: dict[str, tuple[str, ...] | str] = {}
    for caller in CALLERS:
        expected[caller] = readers if caller in READERS else writers
    for name, value in by_caller.items():
        expected[name.replace("_", " ").replace("read only", "read-only")] = value
    return expected


DIRECT_COMMITMENT = actions("update", "cancel", "create_milestone")
AGREED_COMMITMENT = actions("update", "propose_change", "retire", "create_milestone")
MILESTONE = actions("update", "delete")
EXCHANGE = actions("update", "cancel")


def internal_to_jp(writers: tuple[str, ...]) -> dict[str, tuple[str, ...] | str]:
    return row(writers=writers, NATO_editor=HIDDEN, NATO_approver=HIDDEN)


def amendment_row(*, approve: bool) -> dict[str, tuple[str, ...] | str]:
    """An amendment Japan proposed: each approver decides for its party, Japan withdraws."""
    decide = ("approve", "reject") if approve else ("reject",)
    return row(
        JP_editor=actions("withdraw"),
        JP_admin=actions("withdraw"),
        JP_approver=actions(*decide, "withdraw"),
        NATO_editor=NOTHING,
        NATO_approver=actions(*decide),
    )


TABLE: dict[PlanStatus, dict[str, dict[str, tuple[str, ...] | str]]] = {
    PlanStatus.DRAFT: {
        "plan": row(
            writers=actions(
                "update",
                "create_priority_area",
                "reorder_priority_areas",
                "create_commitment",
                "create_exchange",
                "bring_into_force",
                "abandon",
            )
        ),
        "priority area": row(writers=actions("update", "retire")),
        "shared commitment": row(writers=DIRECT_COMMITMENT),
        "cancelled shared commitment": row(writers=actions("update", "create_milestone")),
        "internal commitment": internal_to_jp(DIRECT_COMMITMENT),
        "milestone": row(writers=MILESTONE),
        "exchange": row(writers=EXCHANGE),
        "cancelled exchange": row(writers=actions("update")),
        "amendment": amendment_row(approve=True),
    },
    PlanStatus.ACTIVE: {
        "plan": row(
            writers=actions(
                "propose_change",
                "create_commitment",
                "create_exchange",
                "propose_amendment",
                "terminate",
                "renew",
            )
        ),
        "priority area": row(writers=actions("propose_change", "retire")),
        "shared commitment": row(writers=AGREED_COMMITMENT),
        "cancelled shared commitment": row(
            writers=actions("update", "propose_change", "create_milestone")
        ),
        "internal commitment": internal_to_jp(DIRECT_COMMITMENT),
        "milestone": row(writers=MILESTONE),
        "exchange": row(writers=EXCHANGE),
        "cancelled exchange": row(writers=actions("update")),
        "amendment": amendment_row(approve=True),
        "review": row(writers=actions("open")),
    },
    PlanStatus.EXPIRED: {
        "plan": row(writers=actions("renew")),
        "priority area": row(),
        "shared commitment": row(),
        "cancelled shared commitment": row(),
        "internal commitment": internal_to_jp(NOTHING),
        "milestone": row(),
        "exchange": row(),
        "cancelled exchange": row(),
        "amendment": amendment_row(approve=True),  # a renewal: what an expired plan takes
        "review": row(),
    },
    PlanStatus.TERMINATED: {
        "plan": row(),
        "priority area": row(),
        "shared commitment": row(),
        "cancelled shared commitment": row(),
        "internal commitment": internal_to_jp(NOTHING),
        "milestone": row(),
        "exchange": row(),
        "cancelled exchange": row(),
        # Proposed while the plan was in force: it can no longer be approved, only ended.
        "amendment": amendment_row(approve=False),
        "review": row(),
    },
}


# --- the world ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Records:
    world: World
    urls: dict[str, str]


def build(status: PlanStatus) -> Records:
    """TEST-PLAN in the given status with one record of each kind (Japan proposed the
    amendment: coming into force on a draft, a new term in force, a renewal once expired)."""
    world = make_world(status=PlanStatus.DRAFT if status is PlanStatus.DRAFT else PlanStatus.ACTIVE)
    shared = make_commitment(
        world, milestones=[{"title": {"en": "Kick-off"}, "due_date": "2026-03-01"}]
    )
    cancelled = make_commitment(world, status="cancelled", title={"en": "Cancelled"})
    internal = make_commitment(world, visibility="internal", title={"en": "Japan only"})
    exchange = make_exchange(world)
    cancelled_exchange = make_exchange(world, status="cancelled")
    japan = make_user("JP", "editor", email="proposer@jp.test.example")
    from tests.factories import actor_of

    proposer = actor_of(japan)
    if status is PlanStatus.DRAFT:
        changes = [{"op": "bring_into_force", "approval_date": date.today().isoformat()}]
    elif status is PlanStatus.EXPIRED:
        record_as_operator(world.plan, approval_date=date(2000, 1, 1))
        changes = [{"op": "renew", "reference": "TEST-PLAN-2"}]
    else:
        changes = [{"op": "change_term", "term_months": 36}]
    amendment = make_amendment(world, changes, actor=proposer)
    if status is PlanStatus.TERMINATED:
        record_as_operator(world.plan, status=PlanStatus.TERMINATED)
    urls = {
        "plan": f"{API}/plans/{world.plan}",
        "priority area": f"{API}/priority-areas/{world.cyber}",
        "shared commitment": f"{API}/commitments/{shared}",
        "cancelled shared commitment": f"{API}/commitments/{cancelled}",
        "internal commitment": f"{API}/commitments/{internal}",
        "exchange": f"{API}/exchanges/{exchange}",
        "cancelled exchange": f"{API}/exchanges/{cancelled_exchange}",
        "amendment": f"{API}/amendments/{amendment}",
    }
    return Records(world=world, urls=urls)


def milestone_url(client: TestClient, records: Records, headers: dict[str, str]) -> str:
    commitment = client.get(records.urls["shared commitment"], headers=headers).json()
    return f"{API}/milestones/{commitment['milestones'][0]['id']}"


def review_url(client: TestClient, records: Records, headers: dict[str, str]) -> str | None:
    reviews = client.get(f"{API}/plans/{records.world.plan}/reviews", headers=headers).json()
    return f"{API}/reviews/{reviews['items'][0]['id']}" if reviews["items"] else None


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.EXPIRED, PlanStatus.TERMINATED],
    ids=lambda s: s.value,
)
def test_each_record_lists_what_each_caller_may_do_in_each_plan_status(
    client: TestClient, status: PlanStatus
) -> None:
    records = build(status)
    expected_table = TABLE[status]
    differences = []
    for caller in CALLERS:
        headers = headers_of(caller)
        assert client.get(records.urls["plan"], headers=headers).json()["status"] == status.value
        urls = dict(records.urls)
        urls["milestone"] = milestone_url(client, records, headers)
        review = review_url(client, records, headers)
        if review is not None:
            urls["review"] = review
        assert set(urls) == set(expected_table), sorted(set(urls) ^ set(expected_table))
        for record, url in urls.items():
            expected = expected_table[record][caller]
            response = client.get(url, headers=headers)
            if expected == HIDDEN:
                got: Any = str(response.status_code)
            else:
                assert response.status_code == 200, (record, caller, response.text)
                got = tuple(response.json()["allowed_actions"])
            if got != expected:
                differences.append(f"{record} / {caller}: expected {expected}, got {got}")
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize(
    "status", [PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.EXPIRED], ids=lambda s: s.value
)
def test_lists_give_each_record_the_actions_of_its_own_get(
    client: TestClient, status: PlanStatus
) -> None:
    records = build(status)
    plan = records.world.plan
    for caller in ("JP editor", "NATO approver", "JP viewer"):
        headers = headers_of(caller)
        for listing, single in (
            (f"{API}/plans/{plan}/commitments", f"{API}/commitments"),
            (f"{API}/plans/{plan}/exchanges", f"{API}/exchanges"),
            (f"{API}/plans/{plan}/priority-areas", f"{API}/priority-areas"),
            (f"{API}/plans/{plan}/amendments", f"{API}/amendments"),
            (f"{API}/plans/{plan}/reviews", f"{API}/reviews"),
            (f"{API}/plans", f"{API}/plans"),
        ):
            items = client.get(listing, headers=headers).json()["items"]
            assert items or listing.endswith("reviews"), listing
            for item in items:
                one = client.get(f"{single}/{item['id']}", headers=headers).json()
                assert item["allowed_actions"] == one["allowed_actions"], (caller, listing)
                for milestone in item.get("milestones", []):
                    alone = client.get(f"{API}/milestones/{milestone['id']}", headers=headers)
                    assert milestone["allowed_actions"] == alone.json()["allowed_actions"]
        dashboard = client.get(f"{API}/plans/{plan}/dashboard", headers=headers).json()
        own = client.get(f"{API}/plans/{plan}", headers=headers).json()
        assert dashboard["plan"]["allowed_actions"] == own["allowed_actions"]


def test_the_commitment_list_costs_the_same_queries_with_its_actions(
    client: TestClient, db: Database, query_counter: QueryCounter
) -> None:
    """The rows' actions come from the facts of each row and the plan's status, which the
    access check reads anyway: a page costs the queries it cost before, whatever its size."""
    world = make_world()
    for number in range(30):
        make_commitment(
            world,
            visibility="internal" if number % 3 == 0 else "shared",
            status="cancelled" if number % 5 == 0 else "planned",
        )
    url = f"{API}/plans/{world.plan}/commitments"
    counts = []
    for limit in (1, 30):
        client.get(url, params={"limit": limit})  # signs the default user in
        query_counter.statements.clear()
        query_counter.active = True
        page = client.get(url, params={"limit": limit}).json()
        query_counter.active = False
        counts.append(query_counter.count)
        assert len(page["items"]) == limit
        assert all(item["allowed_actions"] for item in page["items"])
    assert counts[0] == counts[1], counts


def test_an_approvers_decision_is_offered_once_and_an_approval_can_become_a_rejection(
    client: TestClient,
) -> None:
    records = build(PlanStatus.ACTIVE)
    url = records.urls["amendment"]
    approver = headers_of("JP approver")
    assert client.get(url, headers=approver).json()["allowed_actions"] == [
        "approve",
        "reject",
        "withdraw",
    ]
    decided = client.post(f"{url}/approvals", json={"decision": "approve"}, headers=approver)
    assert decided.status_code == 200, decided.text
    assert decided.json()["allowed_actions"] == ["reject", "withdraw"]
    # NATO has not decided: its approver still may, either way.
    nato = headers_of("NATO approver")
    assert client.get(url, headers=nato).json()["allowed_actions"] == ["approve", "reject"]


def test_an_outdated_amendment_is_not_offered_for_approval(client: TestClient) -> None:
    records = build(PlanStatus.ACTIVE)
    first = records.urls["amendment"]
    # Another amendment of the term applies first: the one proposed before is outdated.
    second = make_amendment(records.world, [{"op": "change_term", "term_months": 30}])
    from tests.factories import approve_as_every_party

    approve_as_every_party(second)
    approver = headers_of("JP approver")
    body = client.get(first, headers=approver).json()
    assert body["is_outdated"] is True
    assert body["allowed_actions"] == ["reject", "withdraw"]
    refused = client.post(f"{first}/approvals", json={"decision": "approve"}, headers=approver)
    assert refused.status_code == 409


def test_the_actions_a_commitment_lists_are_the_writes_the_api_accepts(
    client: TestClient,
) -> None:
    """On a plan in force a shared commitment lists `retire`, not `cancel` (its direct cancel
    is refused with the proposal), and an internal one lists `cancel` (accepted)."""
    records = build(PlanStatus.ACTIVE)
    editor = headers_of("NATO editor")
    jp = headers_of("JP editor")
    shared = client.get(records.urls["shared commitment"], headers=editor).json()
    assert "cancel" not in shared["allowed_actions"] and "retire" in shared["allowed_actions"]
    refused = client.delete(
        records.urls["shared commitment"], headers={**editor, "If-Match": shared["etag"]}
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/amendment-required"
    internal = client.get(records.urls["internal commitment"], headers=jp).json()
    assert "cancel" in internal["allowed_actions"]
    cancelled = client.delete(
        records.urls["internal commitment"], headers={**jp, "If-Match": internal["etag"]}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["allowed_actions"] == ["update", "create_milestone"]
    # What a reader is offered, nothing of it is accepted.
    viewer = headers_of("JP viewer")
    progress = client.patch(
        records.urls["shared commitment"],
        json={"progress": 10},
        headers={**viewer, "If-Match": shared["etag"]},
    )
    assert progress.status_code == 403


def test_a_reviews_actions_follow_its_progress_and_each_partys_sign_off(
    client: TestClient,
) -> None:
    from tests.api.test_reviews import (
        SUMMARY,
        agree,
        conclude,
        get,
        make_scene,
        open_first,
        sign,
        write_review,
    )

    scene = make_scene()
    viewer = scene.jp_viewer
    review_id = open_first(client, scene)["id"]

    def allowed(headers: dict[str, str]) -> list[str]:
        review = get(client, review_id, headers)
        items = {tuple(item["allowed_actions"]) for item in review["items"]}
        assert len(items) == 1, items
        return [*review["allowed_actions"], "|", *items.pop()]

    # Open, incomplete: writers write it; nobody may sign or conclude yet.
    for who in (scene.jp_editor, scene.jp_approver, scene.nato_approver):
        assert allowed(who) == ["update", "|", "assess", "agree_rating"]
    assert allowed(viewer) == ["|"]
    # The next review waits for this one.
    later = client.get(f"{API}/plans/{scene.world.plan}/reviews", headers=scene.jp_editor)
    assert [r["allowed_actions"] for r in later.json()["items"][:2]] == [["update"], []]
    # Complete for what Japan sees: Japan's approver may sign, NATO's (whose internal
    # commitment is not rated yet) may not.
    for reference in ("CYB-01", "MAR-01"):
        agree(client, review_id, reference, scene.jp_editor, "on_track")
    write_review(client, review_id, scene.jp_editor, summary=SUMMARY, outcome="continue")
    assert allowed(scene.jp_approver) == ["update", "sign_off", "|", "assess", "agree_rating"]
    assert allowed(scene.nato_approver) == ["update", "|", "assess", "agree_rating"]
    assert sign(client, review_id, scene.jp_approver).status_code == 201
    assert allowed(scene.jp_approver) == ["update", "|", "assess", "agree_rating"]
    agree(client, review_id, "MAR-NATO-01", scene.nato_editor, "off_track")
    assert allowed(scene.nato_approver) == ["update", "sign_off", "|", "assess", "agree_rating"]
    assert sign(client, review_id, scene.nato_approver).status_code == 201
    for who in (scene.jp_editor, scene.nato_editor):
        assert allowed(who) == ["update", "conclude", "|", "assess", "agree_rating"]
    assert conclude(client, review_id, scene.jp_editor).status_code == 200
    assert allowed(scene.jp_editor) == ["|"]
    after = client.get(f"{API}/plans/{scene.world.plan}/reviews", headers=scene.jp_editor)
    assert [r["allowed_actions"] for r in after.json()["items"][:2]] == [[], ["open"]]


def test_every_record_schema_documents_its_allowed_actions(client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json").json()
    schemas = document["components"]["schemas"]
    vocabulary = schemas["AllowedAction"]
    assert vocabulary["enum"] == [a.value for a in AllowedAction]
    for value in vocabulary["enum"]:
        assert f"`{value}`" in vocabulary["description"], value
    for name in (
        "PlanPublic",
        "PriorityAreaPublic",
        "CommitmentPublic",
        "CommitmentDetail",
        "MilestonePublic",
        "ExchangePublic",
        "ReviewSummary",
        "ReviewPublic",
        "ReviewItemPublic",
        "AmendmentPublic",
        "DashboardPlan",
        "CommentPublic",
        "CommentThread",
        "CommentThreadPage",
    ):
        field = schemas[name]["properties"]["allowed_actions"]
        assert field["items"] == {"$ref": "#/components/schemas/AllowedAction"}, name
        assert "allowed_actions" in schemas[name]["required"], name


@pytest.mark.parametrize("scope", list(TokenScope), ids=lambda s: s.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_actions_offered_and_the_writes_authorized_follow_the_same_rule(
    role: Role, scope: TokenScope
) -> None:
    """`may_write` and `may_consent`, which the allowed actions use, say yes exactly when the
    authorize_* checks of the writes let the caller through (for their own party's plan)."""
    party = uuid.uuid4()
    actor = Actor(user_id=uuid.uuid4(), party_id=party, role=role, scope=scope)

    def allowed(check: Any) -> bool:
        try:
            check()
        except Forbidden:
            return False
        return True

    assert policy.may_write(actor) == allowed(
        lambda: policy.authorize_plan(actor, [party], policy.Action.WRITE, plan_id=uuid.uuid4())
    )
    assert policy.may_consent(actor) == allowed(lambda: policy.authorize_consent_for(actor, party))
