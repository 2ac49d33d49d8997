"""Response models of the plan dashboard."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from itpp_api.audit.schemas import AuditEventPublic
from itpp_api.enums import (
    AllowedAction,
    CommitmentStatus,
    ExchangeKind,
    ExchangeStatus,
    PlanStatus,
)


class DashboardPlan(BaseModel):
    """The plan's term at a glance."""

    id: uuid.UUID
    reference: str
    title: dict[str, str]
    status: PlanStatus
    approval_date: date | None
    expiry_date: date | None
    days_to_expiry: int | None = Field(description="Negative once expired; null for drafts.")
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the plan now, as `getPlan` says (see AllowedAction)."
    )


class DashboardReview(BaseModel):
    """The next review that is not concluded."""

    id: uuid.UUID
    number: int
    due_date: date
    status: str
    is_final: bool
    is_overdue: bool
    days_until_due: int


class StatusCounts(BaseModel):
    """Commitments by status."""

    planned: int = 0
    in_progress: int = 0
    completed: int = 0
    deferred: int = 0
    cancelled: int = 0


class HealthCounts(BaseModel):
    """Commitments by health (from the last concluded review); unrated: never reviewed."""

    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    unrated: int = 0


class AreaProgress(BaseModel):
    """One priority area's commitments: how many in each status, and average progress."""

    priority_area_id: uuid.UUID
    code: str
    short_code: str
    title: dict[str, str]
    total: int
    by_status: StatusCounts
    average_progress: float | None = Field(
        description="Mean progress of the area's commitments that are not cancelled."
    )


class OverdueCommitment(BaseModel):
    id: uuid.UUID
    reference: str
    title: dict[str, str]
    due_date: date
    status: CommitmentStatus
    progress: int


class OverdueMilestone(BaseModel):
    id: uuid.UUID
    commitment_id: uuid.UUID
    commitment_reference: str
    title: dict[str, str]
    due_date: date


class UpcomingExchange(BaseModel):
    id: uuid.UUID
    reference: str
    kind: ExchangeKind
    title: dict[str, str]
    start_date: date
    end_date: date | None
    status: ExchangeStatus


class UpcomingMilestone(BaseModel):
    id: uuid.UUID
    commitment_id: uuid.UUID
    commitment_reference: str
    title: dict[str, str]
    due_date: date


class ActivitySubject(BaseModel):
    """The record an activity entry speaks of, as its reader names it: a commitment or an
    exchange by reference (a milestone's or a review item's by its commitment's), an amendment
    or a review by number, a priority area by code, the plan by reference."""

    type: str = Field(
        description="commitment, exchange, amendment, review_cycle, priority_area or plan."
    )
    id: uuid.UUID
    reference: str | None = Field(description="Reference or code; null for numbered records.")
    number: int | None = Field(description="An amendment's or a review's number.")
    title: dict[str, str] | None


class DashboardActivity(AuditEventPublic):
    """A recent change, with the record it speaks of (null where the log names none)."""

    subject: ActivitySubject | None


class Dashboard(BaseModel):
    """Where a plan stands today, as the caller's party may see it."""

    as_of: date = Field(description="The day the figures are for (the service's today).")
    plan: DashboardPlan
    next_review: DashboardReview | None
    overdue_reviews: int
    commitments_total: int
    by_status: StatusCounts
    health: HealthCounts
    average_progress: float | None
    areas: list[AreaProgress]
    overdue_commitments: list[OverdueCommitment] = Field(description="Most overdue first (20).")
    overdue_milestones: list[OverdueMilestone] = Field(description="Most overdue first (20).")
    upcoming_exchanges: list[UpcomingExchange] = Field(
        description="Exchanges starting in the next 90 days, soonest first (20)."
    )
    upcoming_milestones: list[UpcomingMilestone] = Field(
        description="Open milestones of open commitments due in the next 90 days, soonest "
        "first (20)."
    )
    pending_amendments: int
    recent_activity: list[DashboardActivity] = Field(description="The 10 latest changes.")


class ProgressPoint(BaseModel):
    """The plan's commitments as they stood at the end of one day."""

    date: date
    total: int = Field(description="Commitments not cancelled (the scope).")
    completed: int
    done: float = Field(
        description="Work done in commitments: the sum of their progress / 100 (not cancelled)."
    )
    average_progress: float | None = Field(
        description="Mean progress of the commitments not cancelled."
    )


class ProgressHistory(BaseModel):
    """A burn-up: the plan's visible commitments in its live priority areas, at regular days
    from the plan's approval (a draft: its first recorded change) to today, rebuilt from the
    audit log. Its last point is the dashboard's figures of today."""

    as_of: date
    interval_days: int = Field(
        description="Days between points: 7, or more for a long plan (at most 105 points)."
    )
    points: list[ProgressPoint]


class PlanOverview(BaseModel):
    """What a plan's dashboard page shows, in one read: where to start watching the plan's
    events, the dashboard and the burn-up, each exactly as its own endpoint answers."""

    live_after: int = Field(
        description="The newest event of the plan you may see (0 if none), read before the rest: "
        "watch `/plans/{plan_id}/events?after=` from it and no change made meanwhile is missed "
        "(as `last_seq` of `/plans/{plan_id}/events` without `after`)."
    )
    dashboard: Dashboard = Field(description="As `GET /plans/{plan_id}/dashboard`.")
    progress_history: ProgressHistory = Field(
        description="As `GET /plans/{plan_id}/progress-history`."
    )
