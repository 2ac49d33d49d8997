"""The notification outbox (issue 17): written in the transaction of the change that causes
it, to the people the event concerns, naming nothing internal to another party."""

import json
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.auth.models import User
from itpp_api.clock import add_months, today
from itpp_api.db import transaction
from itpp_api.notifications.models import Notification
from tests.api.test_reviews import assess, make_scene, open_first
from tests.conftest import Database
from tests.factories import actor_of, make_amendment, make_user, make_world

API = "/api/v1"


def outbox() -> list[tuple[str, str, Notification]]:
    """(recipient e-mail, kind, row) of every queued notification."""
    with transaction(write=False) as session:
        rows = session.execute(
            select(User.email, Notification.kind, Notification).join(
                User,
                User.id == Notification.recipient_id,  # type: ignore[arg-type]
            )
        ).all()
    return [(email, kind, row) for email, kind, row in rows]


def test_a_proposal_notifies_every_partys_approvers_but_the_proposer(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    proposer = make_user("JP", "approver", email="jp-proposer@test.example")
    make_user("JP", "approver", email="jp-other@test.example")
    make_user("NATO", "approver", email="nato-approver@test.example")
    make_user("NATO", "editor", email="nato-editor@test.example")

    amendment = make_amendment(
        world, [{"op": "change_term", "term_months": 30}], actor=actor_of(proposer)
    )

    queued = outbox()
    assert sorted((email, kind) for email, kind, _ in queued) == [
        ("jp-other@test.example", "amendment_proposed"),
        ("nato-approver@test.example", "amendment_proposed"),
    ]
    for _, _, row in queued:
        assert row.sent_at is None and row.attempts == 0
        assert row.message_id == f"<notification.{row.id}@itpp-tracker.notifications>"
        assert row.payload["subject"] == {
            "type": "amendment",
            "id": str(amendment),
            "number": 1,
            "title": {"en": "Amendment", "ja": "改正"},
        }
        assert row.payload["plan"]["reference"] == "TEST-PLAN"
    assert len({row.message_id for _, _, row in queued}) == 2


def test_a_rolled_back_change_queues_nothing(client: TestClient, db: Database) -> None:
    world = make_world()
    make_user("NATO", "approver")

    class Abandoned(Exception):
        pass

    from itpp_api.amendments.schemas import AmendmentCreate
    from itpp_api.amendments.service import propose
    from itpp_api.plans.service import get_plan
    from tests.factories import SYSTEM

    data = AmendmentCreate.model_validate(
        {
            "title": {"en": "Never"},
            "rationale": {"en": "Rolled back."},
            "changes": [{"op": "change_term", "term_months": 30}],
        }
    )
    with pytest.raises(Abandoned), transaction(write=True) as session:
        plan = get_plan(session=session, plan_id=world.plan, actor=SYSTEM, for_update=True)
        propose(session=session, actor=SYSTEM, plan=plan, data=data)
        assert session.scalars(select(Notification)).first() is not None  # queued ...
        raise Abandoned
    assert outbox() == []  # ... and gone with the change


def test_a_decision_is_news_to_the_other_partys_approvers_only(
    client: TestClient, db: Database
) -> None:
    world = make_world()
    make_user("JP", "approver", email="jp-approver@test.example")
    nato = make_user("NATO", "approver", email="nato-approver@test.example")
    make_user("NATO", "approver", email="nato-second@test.example")
    amendment = make_amendment(world, [{"op": "change_term", "term_months": 30}])
    with transaction(write=True) as session:
        for row in session.scalars(select(Notification)):
            session.delete(row)

    from tests.factories import token_for

    decided = client.post(
        f"{API}/amendments/{amendment}/approvals",
        json={"decision": "reject"},
        headers={"Authorization": f"Bearer {token_for(nato)}"},
    )
    assert decided.status_code == 200, decided.text

    queued = outbox()
    assert [(email, kind) for email, kind, _ in queued] == [
        ("jp-approver@test.example", "amendment_decided")
    ]
    assert queued[0][2].payload["decision"] == "reject"
    assert queued[0][2].payload["actor_party"] == "NATO"


def test_review_mails_never_name_the_other_partys_internal_commitments(
    client: TestClient, db: Database
) -> None:
    scene = make_scene(approval=add_months(today(), -12) + timedelta(days=10))
    review = open_first(client, scene)

    opened = [row for _, kind, row in outbox() if kind == "review_opened"]
    # The editors and approvers of both parties (the scene's, and the client's default Japan
    # editor), but not the editor who opened it, nor the viewer.
    assert len(opened) == 4
    hidden = scene.commitments["MAR-NATO-01"]
    for row in opened:
        text = json.dumps(row.payload, ensure_ascii=False)
        assert str(hidden) not in text and "MAR-NATO-01" not in text
        assert "NATO internal commitment" not in text
        assert row.payload["subject"]["id"] == review["id"]

    for reference in ("CYB-01", "MAR-01"):
        assess(client, review["id"], reference, scene.jp_editor, "on_track")
    for reference in ("CYB-01", "MAR-01"):
        body = client.get(f"{API}/reviews/{review['id']}", headers=scene.jp_editor).json()
        item = next(i for i in body["items"] if i["commitment"]["reference"] == reference)
        agreed = client.patch(
            f"{API}/reviews/{review['id']}/items/{item['id']}",
            json={"agreed_rating": "on_track"},
            headers={**scene.jp_editor, "If-Match": item["etag"]},
        )
        assert agreed.status_code == 200, agreed.text
    body = client.get(f"{API}/reviews/{review['id']}", headers=scene.jp_editor).json()
    updated = client.patch(
        f"{API}/reviews/{review['id']}",
        json={"summary": {"en": "Done."}, "outcome": "continue"},
        headers={**scene.jp_editor, "If-Match": body["etag"]},
    )
    assert updated.status_code == 200, updated.text
    etag = client.get(f"{API}/reviews/{review['id']}", headers=scene.jp_approver).json()["etag"]
    signed = client.post(
        f"{API}/reviews/{review['id']}/sign-offs",
        headers={**scene.jp_approver, "If-Match": etag},
    )
    assert signed.status_code in (200, 201), signed.text

    with transaction(write=False) as session:
        nato = set(
            session.scalars(
                select(User.id).where(User.party_id == scene.world.nato, User.role == "approver")
            )
        )
    signed_rows = [row for _, kind, row in outbox() if kind == "review_signed"]
    assert {row.recipient_id for row in signed_rows} == nato
    assert all(isinstance(row.recipient_id, uuid.UUID) for row in signed_rows)
