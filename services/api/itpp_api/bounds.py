"""The bounds of what the API accepts: one date range, dates and times as ISO text only, and
the integer limits, so that out-of-range input is a 422 naming the field, never a 500.

Every date the API takes (bodies, query parameters, change-set operations, imports) is a
`BoundedDate`: a `YYYY-MM-DD` string from DATE_MIN to DATE_MAX. The range leaves room for the
arithmetic done on dates (a day after, a term of 240 months) without reaching the limits of
Python's `date` (year 9999) or of either engine; a date the API computes from them (a plan's
expiry) is held to the same range by `expiry_problem` where the inputs are taken.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from itpp_api.clock import add_months

DATE_MIN: Final = date(1900, 1, 1)
DATE_MAX: Final = date(2199, 12, 31)
# Instants (audit filters, an import's timestamps): the same years, in UTC.
DATETIME_MIN: Final = datetime(1900, 1, 1, tzinfo=UTC)
DATETIME_END: Final = datetime(2200, 1, 1, tzinfo=UTC)

# The largest integer every client holds exactly (JavaScript's Number.MAX_SAFE_INTEGER), far
# inside the 64-bit integers of both engines: sequence numbers, cursor positions.
SAFE_INTEGER_MAX: Final = 2**53 - 1
# The largest value an INTEGER column holds on PostgreSQL: row versions and numbers in imports.
INTEGER_MAX: Final = 2**31 - 1
# The largest file an attachment may be (the upper bound of ITPP_ATTACHMENT_MAX_BYTES): 5 GiB.
ATTACHMENT_BYTES_MAX: Final = 5 * 1024 * 1024 * 1024

# A comment's body (docs/comments.md): at least one character that is not a space, at most this
# many; a page of threads holds at most COMMENT_PAGE_MAX threads.
COMMENT_BODY_MAX: Final = 10_000
COMMENT_PAGE_MAX: Final = 100

RANGE_TEXT: Final = f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"
# Years 1900 to 2199: the range as a pattern, so that the contract states it.
DATE_PATTERN: Final = r"^(19|2[01])[0-9]{2}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,9}))?(?P<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)

# Validation context of data read back from the database (a stored change set, a plan being
# exported): it was accepted when it was written, before these bounds existed perhaps, and
# reading it must not fail. The format is still checked; the range is not.
STORED: Final = {"stored": True}


def is_stored(info: ValidationInfo) -> bool:
    """Whether a validator runs on stored data (the STORED context)."""
    return isinstance(info.context, dict) and info.context.get("stored") is True


def _bounded_date(value: Any, info: ValidationInfo) -> date:
    if isinstance(value, datetime):
        raise PydanticCustomError("date_type", "must be a date (YYYY-MM-DD) without a time of day")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise PydanticCustomError(
                "date_format",
                "must be a date as YYYY-MM-DD (for example 2026-04-01): no time of day, "
                "no other format",
            )
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date_invalid", "is not a calendar date") from None
    else:
        raise PydanticCustomError(
            "date_type", "must be a date as a YYYY-MM-DD string, not a number or another type"
        )
    if not DATE_MIN <= day <= DATE_MAX and not is_stored(info):
        raise PydanticCustomError("date_out_of_range", f"must be a date from {RANGE_TEXT}")
    return day


def _bounded_datetime(value: Any, info: ValidationInfo) -> datetime:
    if isinstance(value, datetime):
        moment = value
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise PydanticCustomError("datetime_format", "must have a time zone")
    elif isinstance(value, str):
        match = _ISO_DATETIME.fullmatch(value)
        if match is None:
            raise PydanticCustomError(
                "datetime_format",
                "must be a date and time with its time zone, as in RFC 3339: "
                "YYYY-MM-DDTHH:MM:SS[.fraction] then Z or +HH:MM / -HH:MM "
                "(for example 2026-04-01T09:30:00Z; in a query string, write + as %2B)",
            )
        fraction = (match["fraction"] or "")[:6].ljust(6, "0")
        zone = "+00:00" if match["zone"] in ("Z", "z") else match["zone"]
        try:
            moment = datetime.fromisoformat(f"{match['day']}T{match['time']}.{fraction}{zone}")
        except ValueError:
            raise PydanticCustomError("datetime_invalid", "is not a valid date and time") from None
    else:
        raise PydanticCustomError(
            "datetime_type",
            "must be a date and time as an RFC 3339 string, not a number or another type",
        )
    # Aware datetimes compare without conversion, so this never overflows.
    if not DATETIME_MIN <= moment < DATETIME_END and not is_stored(info):
        raise PydanticCustomError(
            "datetime_out_of_range",
            f"must be from {DATETIME_MIN.isoformat()} to before {DATETIME_END.isoformat()}",
        )
    return moment


BoundedDate = Annotated[
    date,
    BeforeValidator(_bounded_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "description": f"A date as YYYY-MM-DD, from {RANGE_TEXT}.",
        }
    ),
]
"""A date the API accepts: a `YYYY-MM-DD` string (or a `date` in Python) from DATE_MIN to
DATE_MAX; numbers, datetimes and other formats are refused."""

BoundedDateTime = Annotated[
    datetime,
    BeforeValidator(_bounded_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": r"^(19|2[01])[0-9]{2}-",
            "description": "A date and time with its time zone (RFC 3339), in the years "
            f"{DATE_MIN.year} to {DATE_MAX.year}.",
        }
    ),
]
"""An instant the API accepts: an RFC 3339 string with its time zone (or an aware `datetime`),
from DATETIME_MIN to before DATETIME_END."""


def expiry_problem(approval: date, term_months: int) -> str | None:
    """Why a plan approved on `approval` for `term_months` months cannot be recorded (None: it
    can): its expiry date, which the API computes, must be a date of the range too."""
    try:
        expiry = add_months(approval, term_months)
    except (ValueError, OverflowError):
        expiry = None
    if expiry is not None and expiry <= DATE_MAX:
        return None
    ends = f"on {expiry}" if expiry is not None else "after year 9999"
    return (
        f"Approved on {approval} for {term_months} months, the plan would expire {ends}: "
        f"dates run from {RANGE_TEXT}; choose an earlier approval date or a shorter term."
    )


def expiry_in_range(term_months: int, info: ValidationInfo) -> int:
    """The `term_months` validator of a plan body that also has an `approval_date` (declared
    before it): the expiry date they make must be a date of the range."""
    approval = info.data.get("approval_date")
    if isinstance(approval, date) and not is_stored(info):
        problem = expiry_problem(approval, term_months)
        if problem:
            raise PydanticCustomError("expiry_out_of_range", problem)
    return term_months


# Numbered pages of the commitment and exchange lists (`page`, 1-based): the offset a page
# number makes stays far inside what either engine takes.
PAGE_NUMBER_MAX: Final = 10_000
# Saved views (per user): a name of 1 to 80 characters, at most 50 views per user, and the
# saved query string at most 1,000 characters.
SAVED_VIEW_NAME_MAX: Final = 80
SAVED_VIEWS_PER_USER_MAX: Final = 50
SAVED_VIEW_QUERY_MAX: Final = 1000
