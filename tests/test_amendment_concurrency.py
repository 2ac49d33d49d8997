"""Two API processes on PostgreSQL: both parties' final approvals arriving at the same moment
apply the amendment exactly once, with exactly one new plan version (issue 5, "Done means").
PostgreSQL only: SQLite has a single writer by construction.

Each round proposes a fresh amendment against the plan's current version and fires the
approvals of Japan's and NATO's approvers at once (each twice, through both processes),
released together by a barrier; in odd rounds Japan has approved already, so NATO's two
requests race each other (and a repeat of Japan's) to be the final one.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import select

from itpp_api.amendments.models import Amendment
from itpp_api.audit.models import AuditEvent
from itpp_api.audit.service import verify
from itpp_api.db import transaction
from itpp_api.plans.models import Plan, PlanVersion
from tests.factories import actor_of, make_amendment, make_user, make_world, token_for
from tests.live_api import ApiProcess, api_servers

ROUNDS = 6
REQUESTS = 4  # JP, NATO, JP, NATO


def events(amendment_id: uuid.UUID, action: str) -> int:
    with transaction(write=False) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_id == amendment_id, AuditEvent.action == action)
            )
            or 0
        )


def approve(
    api: ApiProcess, path: str, headers: dict[str, str], barrier: threading.Barrier
) -> tuple[int, str]:
    """One approval, sent when every request of the round is ready."""
    with httpx.Client(base_url=api.base_url, timeout=30.0) as client:
        client.get("/healthz")  # connect before the barrier
        barrier.wait()
        response = client.post(path, json={"decision": "approve"}, headers=headers)
    return response.status_code, response.text


def test_simultaneous_final_approvals_on_two_processes_apply_exactly_once(
    own_postgres: str, tmp_path: Path
) -> None:
    world = make_world()
    editor = actor_of(make_user("JP", "editor", email="editor@mofa.example"))
    approvers = [
        {"Authorization": f"Bearer {token_for(make_user(code, 'approver', email=email))}"}
        for code, email in (("JP", "approver@mofa.example"), ("NATO", "approver@nato.example"))
    ]
    with api_servers(own_postgres, tmp_path, 2) as apis:
        for round_ in range(ROUNDS):
            amendment = make_amendment(
                world,
                [{"op": "change_review_interval", "review_interval_months": round_ + 1}],
                actor=editor,
                title=f"Round {round_}",
            )
            path = f"/api/v1/amendments/{amendment}/approvals"
            if round_ % 2:
                with httpx.Client(base_url=apis[0].base_url, timeout=30.0) as client:
                    first = client.post(path, json={"decision": "approve"}, headers=approvers[0])
                    assert first.status_code == 200, first.text
            barrier = threading.Barrier(REQUESTS)
            with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
                results = list(
                    pool.map(
                        lambda n, path=path, barrier=barrier, shift=round_: approve(
                            apis[(n + shift) % 2], path, approvers[n % 2], barrier
                        ),
                        range(REQUESTS),
                    )
                )

            assert [status for status, _ in results] == [200] * REQUESTS, results
            with transaction(write=False) as session:
                stored = session.get(Amendment, amendment)
                assert stored is not None
                assert stored.status == "applied", results
                assert stored.applied_version == round_ + 2
                numbers = sorted(
                    session.scalars(
                        select(PlanVersion.number).where(PlanVersion.plan_id == world.plan)
                    )
                )
                plan = session.get(Plan, world.plan)
                assert plan is not None and plan.review_interval_months == round_ + 1
            assert numbers == list(range(1, round_ + 3)), numbers
            assert events(amendment, "apply") == 1
            assert events(amendment, "approve") == 2
    with transaction(write=False) as session:
        result = verify(session=session)
    assert result.ok, result
