"""The current time, today's date and month arithmetic for terms and intervals."""

import calendar
from datetime import UTC, date, datetime


def now() -> datetime:
    """The current time in UTC (the notification digest's clock; tests pass their own)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in UTC, the calendar every record's dates are judged against."""
    return datetime.now(UTC).date()


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
