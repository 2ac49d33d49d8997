"""Geometry of the placements timeline: one row per post, a bar per tenure, the gaps between
rotations (the template draws what this computes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itpp_web.i18n import LocalText

LABEL_WIDTH = 250
CHART_WIDTH = 700
ROW_HEIGHT = 52
AXIS_HEIGHT = 30
BAR_Y = 22
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Tenure:
    placement: dict[str, Any]
    start: dt.date
    end: dt.date | None  # None: open-ended
    x: float
    width: float


@dataclass(frozen=True)
class Gap:
    """Days without anyone in the post between one tenure's end and the next one's start."""

    after: dict[str, Any]
    before: dict[str, Any]
    first_day: dt.date
    last_day: dt.date
    days: int
    x: float
    width: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class Overlap:
    """Days when the outgoing and the incoming holder of the post served together (`days` is
    None when neither tenure has an end date: they overlap from `first_day` on, open-ended)."""

    after: dict[str, Any]
    before: dict[str, Any]
    first_day: dt.date
    days: int | None


@dataclass(frozen=True)
class PostRow:
    post: LocalText
    host: str
    y: float
    tenures: tuple[Tenure, ...]
    gaps: tuple[Gap, ...]
    overlaps: tuple[Overlap, ...]


@dataclass(frozen=True)
class Tick:
    day: dt.date
    x: float
    major: bool


@dataclass(frozen=True)
class Timeline:
    rows: tuple[PostRow, ...]
    ticks: tuple[Tick, ...]
    start: dt.date
    end: dt.date
    today: dt.date
    today_x: float | None
    label_width: int
    chart_width: int
    width: int
    height: int
    row_height: int
    bar_y: int
    bar_height: int
    axis_height: int


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def _ends_last(tenure: Tenure) -> tuple[bool, dt.date]:
    return (tenure.end is None, tenure.end or tenure.start)


def placement_timeline(
    placements: list[dict[str, Any]],
    *,
    today: dt.date,
    post_name: Callable[[dict[str, Any]], LocalText],
    host_name: Callable[[str | None], str],
) -> Timeline:
    """Rows of tenures by post (post title and host), with the gaps between rotations.

    Cancelled placements are left out: nobody served in them.
    """
    held = [p for p in placements if p.get("status") != "cancelled"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for placement in held:
        post = placement.get("post_title") or placement.get("title") or {}
        host = placement.get("host_organisation_id") or placement.get("to_organisation_id")
        key = (json.dumps(post, sort_keys=True, ensure_ascii=False), str(host or ""))
        groups.setdefault(key, []).append(placement)
    starts = [d for p in held if (d := _date(p.get("start_date")))]
    ends = [d for p in held if (d := _date(p.get("end_date")))]
    first = min([*starts, today])
    last = max([*ends, *starts, today])
    # Whole years on the axis, with room after the last date for open-ended tenures.
    axis_start = dt.date(first.year, 1, 1)
    axis_end = dt.date((last + dt.timedelta(days=120)).year + 1, 1, 1)
    span = (axis_end - axis_start).days

    def x_of(day: dt.date) -> float:
        return round(LABEL_WIDTH + CHART_WIDTH * (day - axis_start).days / span, 2)

    rows: list[PostRow] = []
    ordered = sorted(
        groups.values(),
        key=lambda group: (
            host_name(group[0].get("host_organisation_id") or group[0].get("to_organisation_id")),
            min(str(p["start_date"]) for p in group),
        ),
    )
    for index, group in enumerate(ordered):
        group.sort(key=lambda p: (str(p["start_date"]), str(p["reference"])))
        tenures: list[Tenure] = []
        for placement in group:
            start = _date(placement["start_date"]) or axis_start
            end = _date(placement.get("end_date"))
            right = x_of((end + dt.timedelta(days=1)) if end else axis_end)
            left = x_of(start)
            tenures.append(Tenure(placement, start, end, left, round(max(right - left, 2), 2)))
        gaps: list[Gap] = []
        overlaps: list[Overlap] = []
        # Each tenure is compared with the one of those before it that ends last (an
        # open-ended one never ends), so a long tenure overlapping several is seen each time.
        for index, following in enumerate(tenures[1:], start=1):
            previous = max(tenures[:index], key=_ends_last)
            if previous.end is None:
                overlap_end = following.end
                overlaps.append(
                    Overlap(
                        previous.placement,
                        following.placement,
                        following.start,
                        (overlap_end - following.start).days + 1 if overlap_end else None,
                    )
                )
                continue
            days = (following.start - previous.end).days - 1
            if days > 0:
                first_day = previous.end + dt.timedelta(days=1)
                last_day = following.start - dt.timedelta(days=1)
                left = x_of(first_day)
                gaps.append(
                    Gap(
                        previous.placement,
                        following.placement,
                        first_day,
                        last_day,
                        days,
                        left,
                        round(max(x_of(following.start) - left, 2), 2),
                    )
                )
            elif days < 0:
                last_shared = min(previous.end, following.end or previous.end)
                overlaps.append(
                    Overlap(
                        previous.placement,
                        following.placement,
                        following.start,
                        (last_shared - following.start).days + 1,
                    )
                )
        first_placement = group[0]
        rows.append(
            PostRow(
                post=post_name(first_placement),
                host=host_name(
                    first_placement.get("host_organisation_id")
                    or first_placement.get("to_organisation_id")
                ),
                y=AXIS_HEIGHT + index * ROW_HEIGHT,
                tenures=tuple(tenures),
                gaps=tuple(gaps),
                overlaps=tuple(overlaps),
            )
        )
    ticks: list[Tick] = []
    for year in range(axis_start.year, axis_end.year + 1):
        for month in (1, 7):
            day = dt.date(year, month, 1)
            if axis_start <= day <= axis_end:
                ticks.append(Tick(day, x_of(day), month == 1))
    return Timeline(
        rows=tuple(rows),
        ticks=tuple(ticks),
        start=axis_start,
        end=axis_end,
        today=today,
        today_x=x_of(today) if axis_start <= today <= axis_end else None,
        label_width=LABEL_WIDTH,
        chart_width=CHART_WIDTH,
        width=LABEL_WIDTH + CHART_WIDTH + 10,
        height=AXIS_HEIGHT + max(len(rows), 1) * ROW_HEIGHT + 10,
        row_height=ROW_HEIGHT,
        bar_y=BAR_Y,
        bar_height=BAR_HEIGHT,
        axis_height=AXIS_HEIGHT,
    )
