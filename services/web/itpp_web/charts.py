"""Geometry of the server-rendered SVG charts (the templates draw what this computes)."""

from __future__ import annotations

from dataclasses import dataclass
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


def area_chart(areas: list[dict[str, Any]], *, bar_width: int = 360) -> AreaChart:
    row_height = 34
    label_width = 64
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
