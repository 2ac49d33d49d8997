"""The inbox's commitments "my party leads that are overdue or have had no update in 60 days"
at the cap: whatever the cap, the inbox keeps the first of them by due date then reference, as
the statement orders them (undated last on PostgreSQL, first on SQLite, as each engine orders
NULLs), now that it reads the partial index of open commitments in order and stops there."""

import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from itpp_api.inbox import service
from tests.api.test_inbox import age, days, inbox
from tests.conftest import Database
from tests.factories import auth_headers, make_commitment, make_world


def test_overdue_and_quiet_commitments_at_every_cap(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world()
    waiting: dict[uuid.UUID, tuple[str, date | None]] = {}
    overdue: set[uuid.UUID] = set()

    def commitment(
        reference: str, *, due: int | None, quiet: bool, waits: bool, **extra: object
    ) -> None:
        due_date = None if due is None else days(due)
        made = make_commitment(world, reference=reference, due_date=due_date, **extra)
        if quiet:
            age(made, timedelta(days=61))
        if waits:
            waiting[made] = (reference, due_date)
        if due is not None and due < 0:
            overdue.add(made)

    # Overdue only, quiet only, both, and neither; dated and undated; one due date under several
    # references; one internal to Japan; then what never waits on Japan: closed, or led by NATO.
    commitment("CYB-07", due=-9, quiet=False, waits=True, status="in_progress")
    commitment("CYB-03", due=-4, quiet=True, waits=True)
    commitment("CYB-01", due=-4, quiet=False, waits=True, status="deferred")
    commitment("CYB-05", due=-4, quiet=False, waits=True)
    commitment("CYB-JP-01", due=-2, quiet=False, waits=True, visibility="internal")
    commitment("CYB-09", due=-1, quiet=True, waits=True)
    commitment("CYB-02", due=20, quiet=True, waits=True)
    commitment("CYB-08", due=20, quiet=True, waits=True)
    commitment("CYB-04", due=20, quiet=False, waits=False)
    commitment("CYB-06", due=300, quiet=True, waits=True)
    commitment("CYB-11", due=None, quiet=True, waits=True)
    commitment("CYB-10", due=None, quiet=True, waits=True, status="deferred")
    commitment("CYB-12", due=None, quiet=False, waits=False)
    commitment("CYB-13", due=-30, quiet=True, waits=False, status="completed")
    commitment("CYB-14", due=None, quiet=True, waits=False, status="cancelled")
    commitment("CYB-15", due=-30, quiet=True, waits=False, lead_party_id=world.nato)
    commitment(
        "CYB-NATO-01",
        due=None,
        quiet=True,
        waits=False,
        lead_party_id=world.nato,
        visibility="internal",
    )
    undated_first = db.name == "sqlite"
    in_order = sorted(
        waiting,
        key=lambda made: (
            (waiting[made][1] is None) != undated_first,
            waiting[made][1] or date.min,
            waiting[made][0],
        ),
    )
    headers = auth_headers("JP", "editor")

    for cap in range(len(in_order) + 2):
        monkeypatch.setattr(service, "PER_KIND", cap)
        shown = {
            uuid.UUID(item["subject"]["id"]): item["kind"]
            for item in inbox(client, headers)["items"]
            if item["kind"] in ("commitment_overdue", "commitment_stale")
        }
        assert set(shown) == set(in_order[:cap]), f"cap {cap}"
        assert all(
            kind == ("commitment_overdue" if made in overdue else "commitment_stale")
            for made, kind in shown.items()
        )
