"""Human references in series: the shared one, and one for each party's internal records.

A shared commitment is `CYB-03` (its area's short code and a number), a shared exchange
`EX-007`; a record internal to a party carries the party's code in a series of its own
(`CYB-JP-01`, `EX-NATO-002`). So the other party never sees a number of an internal record,
nor a gap in the shared series where one would be, and a reference it may choose never clashes
with a record it may not see.
"""

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from itpp_api.auth import policy
from itpp_api.enums import Visibility
from itpp_api.errors import FieldError, RuleViolation
from itpp_api.parties.models import Party
from itpp_api.plans.models import ReferenceCounter


def series(session: Session, prefix: str, visibility: str, owner_party_id: uuid.UUID | None) -> str:
    """The series a record belongs to: `prefix` when shared, `prefix-PARTY` when internal."""
    if visibility == Visibility.SHARED.value or owner_party_id is None:
        return prefix
    code = session.scalar(select(col(Party.code)).where(col(Party.id) == owner_party_id))
    return f"{prefix}-{code}"


def _counter(session: Session, record: Any, plan_id: uuid.UUID, in_series: str) -> ReferenceCounter:
    """The series' counter, locked for this transaction; made, the first time a series is used
    (or after an import), from the highest number its references carry."""
    statement = (
        select(ReferenceCounter)
        .where(col(ReferenceCounter.plan_id) == plan_id, col(ReferenceCounter.series) == in_series)
        .with_for_update()
    )
    counter = session.scalars(statement).first()
    if counter is not None:
        return counter
    pattern = re.compile(rf"^{re.escape(in_series)}-([0-9]+)$")
    taken = session.scalars(
        policy.unfiltered(
            select(record.reference).where(
                record.plan_id == plan_id, record.reference.like(f"{in_series}-%")
            ),
            "a reference series' counter, made once (only the highest number comes out)",
        )
    )
    highest = max((int(m.group(1)) for r in taken if (m := pattern.match(r))), default=0)
    counter = ReferenceCounter(plan_id=plan_id, series=in_series, last=highest)
    session.add(counter)
    session.flush()
    return counter


def next_in(
    session: Session, record: Any, plan_id: uuid.UUID, in_series: str, *, digits: int
) -> str:
    """The next reference of the series for one of the plan's `record`s (a table class with
    `reference` and `plan_id`): one more than the highest taken, read from the series' counter,
    not from the plan's references (writes to a plan hold its row lock, so they take turns)."""
    counter = _counter(session, record, plan_id, in_series)
    counter.last += 1
    session.add(counter)
    return f"{in_series}-{counter.last:0{digits}d}"


def taken(
    session: Session, record: Any, plan_id: uuid.UUID, reference: str, in_series: str
) -> None:
    """A reference the caller chose is now taken: the series' counter moves past it."""
    number = int(reference.rsplit("-", 1)[1])
    counter = _counter(session, record, plan_id, in_series)
    if number > counter.last:
        counter.last = number
        session.add(counter)


def check_given(reference: str, in_series: str, visibility: str, example_digits: int) -> None:
    """A reference the caller chose belongs to the record's own series (422 otherwise)."""
    if re.fullmatch(rf"{re.escape(in_series)}-[0-9]+", reference):
        return
    why = (
        "the references of a party's internal records carry the party's code"
        if visibility != Visibility.SHARED.value
        else "a shared record's reference has no party code"
    )
    example = f"{in_series}-{1:0{example_digits}d}"
    message = f"Reference {reference} does not fit: {why} (e.g. {example})."
    raise RuleViolation(
        message,
        errors=[FieldError(loc=["body", "reference"], msg=message, type="reference_series")],
    )


def unused(session: Session, statement: Any) -> bool:
    """Whether no record holds the reference `statement` looks for (a clash within the
    caller's own series: with a record the caller may see)."""
    return (
        session.scalar(policy.unfiltered(statement, "a reference in the caller's series")) is None
    )
