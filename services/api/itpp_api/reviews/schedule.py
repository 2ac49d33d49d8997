"""The review schedule of a plan, derived from its approval date, term and review interval.

Pure date arithmetic, no database: periodic reviews fall due at approval + k × interval
(k = 1, 2, …) while strictly before the expiry date (approval + term), and a final review
falls due one month before expiry. When a periodic review already falls within that last
month, it is the final one; when the term is a single month, the final review falls due the
day before expiry. Each review covers the period from the previous due date (or the approval
date) to its own due date.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from itpp_api.clock import add_months


@dataclass(frozen=True)
class ScheduledReview:
    """One review of the schedule."""

    number: int
    period_start: date
    period_end: date
    due_date: date
    is_final: bool


def review_due_dates(approval: date, term_months: int, interval_months: int) -> list[date]:
    """The due dates of a plan's reviews, in order; the last one is the final review."""
    if term_months < 1 or interval_months < 1:
        raise ValueError("the term and the review interval are at least one month")
    expiry = add_months(approval, term_months)
    dues: list[date] = []
    k = 1
    # Each date from the approval date (not the previous due date), so a 31st stays a 31st.
    while (due := add_months(approval, k * interval_months)) < expiry:
        dues.append(due)
        k += 1
    last_month = add_months(approval, term_months - 1)
    if dues and dues[-1] >= last_month:
        return dues
    previous = dues[-1] if dues else approval
    # A one-month term: "one month before expiry" is the approval date itself.
    dues.append(last_month if last_month > previous else expiry - timedelta(days=1))
    return dues


def review_schedule(
    approval: date, term_months: int, interval_months: int
) -> list[ScheduledReview]:
    """The reviews of a plan approved on `approval`, numbered from 1, each with its period."""
    dues = review_due_dates(approval, term_months, interval_months)
    starts = [approval, *dues[:-1]]
    return [
        ScheduledReview(
            number=index + 1,
            period_start=start,
            period_end=due,
            due_date=due,
            is_final=index == len(dues) - 1,
        )
        for index, (start, due) in enumerate(zip(starts, dues, strict=True))
    ]
