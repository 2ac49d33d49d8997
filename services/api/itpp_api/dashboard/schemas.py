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


class Dashboard(BaseModel):
    """Where a plan stands today, as the caller's party may see it."""

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
    pending_amendments: int
    recent_activity: list[AuditEventPublic] = Field(description="The 10 latest changes.")
