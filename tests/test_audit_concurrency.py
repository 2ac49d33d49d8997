"""Two API processes on PostgreSQL writing at the same time keep one unbroken audit chain
(issue 3, "Concurrency test"). PostgreSQL only: SQLite has a single writer by construction."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import select

from itpp_api.audit.models import AuditEvent
from itpp_api.audit.service import verify
from itpp_api.db import transaction
from tests.factories import commitment_body, make_commitment, make_user, make_world, token_for
from tests.live_api import api_servers

WRITES = 60
PATCH_TARGETS = 3


def event_count() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_two_api_processes_writing_at_once_keep_one_unbroken_chain(
    own_postgres: str, tmp_path: Path
) -> None:
    world = make_world()
    token = token_for(make_user("JP", "editor", email="busy.editor@mofa.example"))
    targets = [make_commitment(world) for _ in range(PATCH_TARGETS)]
    headers = {"Authorization": f"Bearer {token}"}
    with api_servers(own_postgres, tmp_path, 2) as apis:
        events_before = event_count()

        # Writes an editor makes directly on a plan in force: Japan's own (internal) commitments,
        # and progress on the shared ones.
        def create(number: int, client: httpx.Client) -> int:
            body = commitment_body(
                world,
                title={"ja": f"同時作成 {number}", "en": f"Concurrent create {number}"},
                visibility="internal",
            )
            response = client.post(f"/api/v1/plans/{world.plan}/commitments", json=body)
            assert response.status_code == 201, response.text
            return 1

        def update(number: int, client: httpx.Client) -> int:
            url = f"/api/v1/commitments/{targets[number % PATCH_TARGETS]}"
            for _ in range(20):
                current = client.get(url)
                assert current.status_code == 200, current.text
                response = client.patch(
                    url,
                    json={"progress": number % 101},
                    headers={"If-Match": current.headers["ETag"]},
                )
                if response.status_code == 200:
                    return 1
                # Another writer got there first; read the fresh ETag and try again.
                assert response.status_code == 412, response.text
            return 0

        def write(number: int) -> tuple[int, int]:
            api = apis[number % 2]
            with httpx.Client(base_url=api.base_url, headers=headers, timeout=30.0) as client:
                job = create if number % 4 < 2 else update
                return number % 2, job(number, client)

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(write, range(WRITES)))

    successes = sum(done for _, done in results)
    per_process = [sum(done for which, done in results if which == n) for n in range(2)]
    assert all(count > 0 for count in per_process), per_process
    assert successes >= WRITES * 3 // 4
    assert event_count() - events_before == successes
    with transaction(write=False) as session:
        result = verify(session=session)
    assert result.ok, result
    assert result.checked == event_count()
