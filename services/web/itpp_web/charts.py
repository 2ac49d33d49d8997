"""Geometry of the server-rendered SVG charts (the templates draw what this computes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

STATUSES = ("completed", "in_progress", "planned", "deferred", "cancelled")


@dataclass(frozen=True)
class Segment:
    status: str
    x: float
    width: float
    count: int


@dataclass(frozen=True)
class AreaBar:
    code: str
    area: dict[str, Any]
    y: float
    progress: float | None
    progress_width: float
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class AreaChart:
    """Per priority area: mean progress, and the commitments by status as a stacked bar."""

    bars: tuple[AreaBar, ...]
    width: int
    height: int
    label_width: int
    bar_width: int
    row_height: int


def area_chart(
    areas: list[dict[str, Any]], *, bar_width: int = 420, label_width: int = 0
) -> AreaChart:
    """Bars of areas (or of plans, labelled by `code`): mean progress and status counts.

    Each row has its label on a line of its own above the two bars (the code and the area's
    or plan's name, in any language and length), so the bars keep their full width on a phone.
    """
    row_height = 48
    bars: list[AreaBar] = []
    for index, area in enumerate(areas):
        total = int(area.get("total") or 0)
        counts = area.get("by_status") or {}
        x = 0.0
        segments: list[Segment] = []
        for status in STATUSES:
            count = int(counts.get(status) or 0)
            if count and total:
                width = bar_width * count / total
                segments.append(Segment(status, round(x, 2), round(width, 2), count))
                x += width
        progress = area.get("average_progress")
        progress_value = float(progress) if progress is not None else None
        bars.append(
            AreaBar(
                code=str(area.get("code") or ""),
                area=area,
                y=index * row_height,
                progress=progress_value,
                progress_width=round(bar_width * (progress_value or 0) / 100, 2),
                total=total,
                segments=tuple(segments),
            )
        )
    return AreaChart(
        bars=tuple(bars),
        width=label_width + bar_width + 60,
        height=max(row_height * len(bars), row_height),
        label_width=label_width,
        bar_width=bar_width,
        row_height=row_height,
    )


@dataclass(frozen=True)
class BurnUp:
    """The burn-up's drawing: the scope (commitments not cancelled) as a line, the work done
    (the sum of their progress, in commitments) as a filled area, completions as a line."""

    points: tuple[dict[str, Any], ...]
    width: int
    height: int
    left: int
    plot_height: int
    top: int
    scale: int
    scope: str
    done: str
    completed: str
    ticks: tuple[tuple[float, int], ...]
    dates: tuple[tuple[float, str], ...]


def burn_up(points: list[dict[str, Any]], *, width: int = 560, height: int = 200) -> BurnUp:
    left, top, bottom = 36, 8, 22
    plot_width, plot_height = width - left - 8, height - top - bottom
    scale = max([int(p["total"]) for p in points] + [1])
    # Gridlines a round step apart (1, 2 or 5 × 10^n), five at the most.
    step: int = next(
        base * int(10**power)
        for power in range(12)
        for base in (1, 2, 5)
        if scale <= 5 * base * 10**power
    )
    top_value = -(-scale // step) * step

    def x(index: int) -> float:
        return round(left + plot_width * (index / max(len(points) - 1, 1)), 1)

    def y(value: float) -> float:
        return round(top + plot_height * (1 - value / top_value), 1)

    def line(key: str) -> str:
        return " ".join(f"{x(i)},{y(float(p[key]))}" for i, p in enumerate(points))

    baseline = y(0)
    done = f"{x(0)},{baseline} {line('done')} {x(len(points) - 1)},{baseline}" if points else ""
    ticks = tuple((y(value), value) for value in range(0, top_value + 1, step))
    last = len(points) - 1
    chosen = sorted({0, last // 2, last}) if points else []
    dates = tuple((x(i), str(points[i]["date"])) for i in chosen)
    return BurnUp(
        points=tuple(points),
        width=width,
        height=height,
        left=left,
        plot_height=plot_height,
        top=top,
        scale=top_value,
        scope=line("total"),
        done=done,
        completed=line("completed"),
        ticks=ticks,
        dates=dates,
    )


@dataclass(frozen=True)
class AheadRow:
    kind: str  # exchange, milestone
    record: dict[str, Any]
    y: float
    x: float
    width: float


@dataclass(frozen=True)
class AheadMarker:
    kind: str  # review, expiry
    x: float
    day: str


@dataclass(frozen=True)
class AheadTimeline:
    """The next 90 days: a bar per exchange, a mark per milestone due, lines for the next
    review and the plan's expiry when they fall in the window."""

    rows: tuple[AheadRow, ...]
    markers: tuple[AheadMarker, ...]
    months: tuple[tuple[float, str], ...]
    width: int
    height: int
    left: int
    row_height: int


AHEAD_DAYS = 90


def ahead_timeline(
    as_of: date,
    exchanges: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    review: dict[str, Any] | None,
    expiry: str | None,
    *,
    width: int = 560,
) -> AheadTimeline:
    left, row_height, top = 72, 18, 16
    span = width - left - 8
    end = as_of + timedelta(days=AHEAD_DAYS)

    def x(day: date) -> float:
        days = min(max((day - as_of).days, 0), AHEAD_DAYS)
        return round(left + span * days / AHEAD_DAYS, 1)

    rows: list[AheadRow] = []
    for exchange in exchanges:
        start = date.fromisoformat(str(exchange["start_date"]))
        finish = date.fromisoformat(str(exchange.get("end_date") or exchange["start_date"]))
        rows.append(
            AheadRow(
                "exchange",
                exchange,
                top + len(rows) * row_height,
                x(start),
                max(x(finish + timedelta(days=1)) - x(start), 3.0),
            )
        )
    for milestone in milestones:
        due = date.fromisoformat(str(milestone["due_date"]))
        rows.append(AheadRow("milestone", milestone, top + len(rows) * row_height, x(due), 0.0))
    markers: list[AheadMarker] = []
    if review is not None:
        due = date.fromisoformat(str(review["due_date"]))
        if as_of <= due <= end:
            markers.append(AheadMarker("review", x(due), due.isoformat()))
    if expiry is not None:
        day = date.fromisoformat(str(expiry))
        if as_of <= day <= end:
            markers.append(AheadMarker("expiry", x(day), day.isoformat()))
    months: list[tuple[float, str]] = []
    first = date(as_of.year, as_of.month, 1)
    while first <= end:
        if first >= as_of:
            months.append((x(first), first.isoformat()))
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return AheadTimeline(
        rows=tuple(rows),
        markers=tuple(markers),
        months=tuple(months),
        width=width,
        height=top + max(len(rows), 1) * row_height + 6,
        left=left,
        row_height=row_height,
    )
