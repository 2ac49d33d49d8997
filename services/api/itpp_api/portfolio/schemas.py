"""Response models of the portfolio."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from itpp_api.dashboard.schemas import DashboardReview, HealthCounts, StatusCounts
from itpp_api.enums import PlanStatus


class PortfolioParty(BaseModel):
    id: uuid.UUID
    code: str
    name: dict[str, str]


class PortfolioPlan(BaseModel):
    """One plan's figures, as the dashboard counts them for the caller's party."""

    id: uuid.UUID
    reference: str
    title: dict[str, str]
    status: PlanStatus
    approval_date: date | None
    expiry_date: date | None
    days_to_expiry: int | None = Field(description="Negative once expired; null for drafts.")
    parties: list[PortfolioParty] = Field(description="Every party, in the plan's order.")
    partners: list[PortfolioParty] = Field(description="The parties other than yours.")
    next_review: DashboardReview | None
    overdue_reviews: int
    commitments_total: int = Field(description="Commitments you may see, in live areas.")
    by_status: StatusCounts
    health: HealthCounts
    average_progress: float | None
    consents_awaiting: int = Field(
        description="Proposed amendments your party has not approved yet."
    )
    commitments_overdue: int = Field(
        description="Commitments you may see, due before today, neither completed nor cancelled."
    )


class Portfolio(BaseModel):
    """Every plan of the caller's party that the filters keep, in the order asked."""

    as_of: date
    items: list[PortfolioPlan]
