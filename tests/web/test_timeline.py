"""The placements timeline's geometry: which rotations of a post leave a gap and which overlap
(pure computation; the page itself is tested in test_exchanges_pages.py)."""

import datetime as dt
from typing import Any

from itpp_web.timeline import placement_timeline

TODAY = dt.date(2026, 12, 6)


def placement(reference: str, start: str, end: str | None) -> dict[str, Any]:
    return {
        "id": reference.lower(),
        "reference": reference,
        "status": "confirmed",
        "title": {"en": reference},
        "post_title": {"en": "Liaison officer"},
        "host_organisation_id": "shape",
        "start_date": start,
        "end_date": end,
    }


def row_of(*placements: dict[str, Any]) -> Any:
    timeline = placement_timeline(
        list(placements),
        today=TODAY,
        post_name=lambda p: p["post_title"]["en"],
        host_name=lambda org: org or "",
    )
    assert len(timeline.rows) == 1
    return timeline.rows[0]


def test_a_tenure_starting_while_an_open_ended_one_runs_is_an_overlap() -> None:
    row = row_of(
        placement("EX-1", "2025-01-01", None),
        placement("EX-2", "2026-03-01", "2026-08-31"),
    )
    assert [(o.after["reference"], o.before["reference"], o.days) for o in row.overlaps] == [
        ("EX-1", "EX-2", 184)
    ]
    assert row.gaps == ()


def test_two_open_ended_tenures_overlap_from_the_later_start_with_no_end() -> None:
    row = row_of(placement("EX-1", "2025-01-01", None), placement("EX-2", "2026-03-01", None))
    [overlap] = row.overlaps
    assert overlap.days is None
    assert overlap.first_day == dt.date(2026, 3, 1)


def test_a_tenure_inside_a_longer_one_overlaps_by_its_own_length() -> None:
    row = row_of(
        placement("EX-1", "2025-01-01", "2025-12-31"),
        placement("EX-2", "2025-03-01", "2025-03-10"),
        placement("EX-3", "2026-01-01", "2026-06-30"),
    )
    assert [(o.before["reference"], o.days) for o in row.overlaps] == [("EX-2", 10)]
    # EX-3 follows EX-1 (which ends last) without a gap, not EX-2 with 296 days.
    assert row.gaps == ()


def test_a_gap_is_the_days_nobody_held_the_post() -> None:
    row = row_of(
        placement("EX-1", "2025-01-01", "2025-06-30"),
        placement("EX-2", "2025-07-11", "2025-12-31"),
    )
    [gap] = row.gaps
    assert (gap.first_day, gap.last_day, gap.days) == (
        dt.date(2025, 7, 1),
        dt.date(2025, 7, 10),
        10,
    )
    assert row.overlaps == ()
