"""The one rule on a record's pair of dates: the later one (a commitment's due date, an
exchange's end date) is never before its start date.

Every path that writes such a pair asks `in_order`: a request body naming both dates
(`check_body`, in the schema's model validator), a service checking a change merged with the
stored record (`check_record`), an amendment operation's dry run, and an import. A missing date
leaves the pair in order: an open-ended placement, a commitment without a due date.
"""

from datetime import date
from typing import Final

from pydantic_core import PydanticCustomError

from itpp_api.errors import FieldError, RuleViolation

KIND: Final = "dates_out_of_order"


def in_order(start: date | None, end: date | None) -> bool:
    """Whether `end` is not before `start` (either missing: in order)."""
    return start is None or end is None or end >= start


def check_body(start: date | None, end: date | None, end_field: str) -> None:
    """For a model validator: refuse a body whose `end_field` is before its start_date."""
    if not in_order(start, end):
        raise PydanticCustomError(KIND, f"{end_field} cannot be before start_date")


def check_record(
    start: date | None, end: date | None, end_field: str, message: str | None = None
) -> None:
    """For a service, on a change merged with the stored record: a 422 rule violation at the
    body's `end_field` (`message` says more where the caller knows more)."""
    if not in_order(start, end):
        text = message or f"{end_field} cannot be before start_date."
        raise RuleViolation(text, errors=[FieldError(loc=["body", end_field], msg=text, type=KIND)])
