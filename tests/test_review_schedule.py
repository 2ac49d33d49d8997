"""The review schedule (issue 5 §2): due dates from approval date, term and review interval,
with a final review before expiry — including terms that are not a multiple of the interval."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itpp_api.clock import add_months
from itpp_api.reviews.schedule import review_due_dates, review_schedule

APPROVAL = date(2026, 1, 15)


def dues(term: int, interval: int, approval: date = APPROVAL) -> list[date]:
    return [r.due_date for r in review_schedule(approval, term, interval)]


def test_two_year_plan_reviewed_yearly_has_the_first_year_review_and_a_final_one() -> None:
    # Month 24 is the expiry itself, so the second review is the final one, a month before.
    assert dues(24, 12) == [date(2027, 1, 15), date(2027, 12, 15)]
    reviews = review_schedule(APPROVAL, 24, 12)
    assert [r.number for r in reviews] == [1, 2]
    assert [r.is_final for r in reviews] == [False, True]


def test_eighteen_months_reviewed_yearly() -> None:
    reviews = review_schedule(APPROVAL, 18, 12)
    assert [r.due_date for r in reviews] == [date(2027, 1, 15), date(2027, 6, 15)]
    assert reviews[-1].is_final
    assert reviews[1].period_start == date(2027, 1, 15)


def test_twenty_four_months_every_seven_months() -> None:
    # 7, 14 and 21 months, then the final review a month before expiry (month 23).
    assert dues(24, 7) == [
        date(2026, 8, 15),
        date(2027, 3, 15),
        date(2027, 10, 15),
        date(2027, 12, 15),
    ]


def test_a_periodic_review_in_the_last_month_is_the_final_one() -> None:
    # 24 months every 23: the periodic review at month 23 is also the final one.
    assert dues(24, 23) == [date(2027, 12, 15)]
    # Monthly reviews: the one at month 23 is the last; month 24 is the expiry itself.
    monthly = review_schedule(APPROVAL, 24, 1)
    assert len(monthly) == 23
    assert monthly[-1].due_date == date(2027, 12, 15)
    assert [r.is_final for r in monthly].count(True) == 1


def test_a_review_interval_equal_to_the_term_gives_one_final_review() -> None:
    assert dues(24, 24) == [date(2027, 12, 15)]
    assert dues(12, 12) == [date(2026, 12, 15)]


def test_a_one_month_term_is_reviewed_the_day_before_expiry() -> None:
    assert dues(1, 1) == [date(2026, 2, 14)]


def test_each_review_covers_the_period_since_the_previous_one() -> None:
    reviews = review_schedule(APPROVAL, 24, 7)
    assert reviews[0].period_start == APPROVAL
    for previous, current in itertools.pairwise(reviews):
        assert current.period_start == previous.due_date
    for review in reviews:
        assert review.period_end == review.due_date


def test_month_ends_are_kept_by_counting_from_the_approval_date() -> None:
    # Counting from each previous due date would drift 31 Jan → 28 Feb → 28 Mar.
    assert dues(4, 1, date(2026, 1, 31)) == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


@pytest.mark.parametrize(("term", "interval"), [(0, 1), (12, 0)])
def test_a_term_or_interval_below_one_month_is_refused(term: int, interval: int) -> None:
    with pytest.raises(ValueError, match="at least one month"):
        review_due_dates(APPROVAL, term, interval)


@given(
    approval=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    term=st.integers(min_value=1, max_value=240),
    data=st.data(),
)
def test_every_schedule_keeps_the_rules(approval: date, term: int, data: st.DataObject) -> None:
    interval = data.draw(st.integers(min_value=1, max_value=term))
    reviews = review_schedule(approval, term, interval)
    expiry = add_months(approval, term)
    due = [r.due_date for r in reviews]
    # Numbered from 1, strictly increasing, all after approval and before expiry.
    assert [r.number for r in reviews] == list(range(1, len(reviews) + 1))
    assert all(a < b for a, b in itertools.pairwise(due))
    assert approval < due[0] and due[-1] < expiry
    # Exactly one final review, the last, within the plan's last month.
    assert [r.is_final for r in reviews] == [False] * (len(reviews) - 1) + [True]
    assert due[-1] >= min(add_months(approval, term - 1), expiry - timedelta(days=1))
    # Every periodic due date before expiry is there.
    periodic = [add_months(approval, k * interval) for k in range(1, term // interval + 1)]
    assert {d for d in periodic if d < expiry} <= set(due)
    # Nothing else but the final review.
    assert set(due) - set(periodic) <= {due[-1]}
    # The periods tile the time from approval to the final review.
    assert reviews[0].period_start == approval
    for previous, current in itertools.pairwise(reviews):
        assert current.period_start == previous.period_end
