"""Response models of the inbox."""

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from itpp_api.enums import ConsentKind


class InboxItemKind(StrEnum):
    """Why an item is in the inbox.

    - `consent`: an amendment (of any kind: coming into force, a change, termination, renewal)
      is proposed and your party has not approved it.
    - `review_open`: an open review your party has not assessed completely or not signed off.
    - `review_due`: a review due within 30 days (or past due) that is not open yet.
    - `commitment_overdue`: a commitment your party leads is past its due date, not completed.
    - `commitment_stale`: a commitment your party leads has had no update in 60 days.
    - `exchange_upcoming`: an exchange your party takes part in starts within 14 days.
    - `plan_expiring`: a plan in force expires within 90 days.
    """

    CONSENT = "consent"
    REVIEW_OPEN = "review_open"
    REVIEW_DUE = "review_due"
    COMMITMENT_OVERDUE = "commitment_overdue"
    COMMITMENT_STALE = "commitment_stale"
    EXCHANGE_UPCOMING = "exchange_upcoming"
    PLAN_EXPIRING = "plan_expiring"


class InboxAction(StrEnum):
    """What the item asks of you.

    - `decide`: approve or reject the amendment for your party (you are its approver).
    - `await_approver`: your party's approver must decide or sign; nothing for you to do but
      to follow it up.
    - `assess`: record your party's assessment of the commitments under review.
    - `sign_off`: sign the review off for your party (you are its approver).
    - `prepare`: prepare the review, then open it (its due date is near).
    - `update`: bring the commitment's status, progress or dates up to date.
    - `attend`: the exchange is coming up.
    - `renew`: the plan runs out: propose its renewal (or let it end).
    """

    DECIDE = "decide"
    AWAIT_APPROVER = "await_approver"
    ASSESS = "assess"
    SIGN_OFF = "sign_off"
    PREPARE = "prepare"
    UPDATE = "update"
    ATTEND = "attend"
    RENEW = "renew"


class SubjectType(StrEnum):
    """The kind of record an inbox item is about."""

    AMENDMENT = "amendment"
    REVIEW = "review"
    COMMITMENT = "commitment"
    EXCHANGE = "exchange"
    PLAN = "plan"


class InboxPlan(BaseModel):
    """The plan an item belongs to."""

    id: uuid.UUID
    reference: str = Field(examples=["JP-NATO-2023"])
    title: dict[str, str] = Field(description="Localized text: language tag → text.")


class InboxSubject(BaseModel):
    """The record the item is about."""

    type: SubjectType
    id: uuid.UUID
    reference: str | None = Field(
        description="The record's short reference (`CYB-03`, `EX-2026-004`, a plan's "
        "reference); null for amendments and reviews, which are numbered.",
        examples=["CYB-03"],
    )
    number: int | None = Field(description="An amendment's or a review's number in its plan.")
    title: dict[str, str] | None = Field(
        description="Localized text: language tag → text; null for reviews."
    )


class InboxItem(BaseModel):
    """One thing waiting on you or your party."""

    kind: InboxItemKind
    action: InboxAction
    plan: InboxPlan
    subject: InboxSubject
    consent_kind: ConsentKind | None = Field(
        default=None, description="For `consent` items: what the parties are asked to agree."
    )
    due_date: date | None = Field(
        description="When it is due: a commitment's or review's due date, an exchange's start, "
        "a plan's expiry; null for consents, which wait on no date."
    )
    href: str = Field(
        description="The API path of the record where the action is taken "
        "(`/api/v1/amendments/{id}`, `/api/v1/reviews/{id}`, …).",
        examples=["/api/v1/amendments/0b6c2a50-7f0e-4c07-9d38-1d7a6a4e8f11"],
    )


class Inbox(BaseModel):
    """Everything waiting on the signed-in user or their party, most urgent first (by due
    date, items without one first), at most 100 items of each kind."""

    as_of: date = Field(description="The day the inbox was computed for.")
    count: int = Field(description="The number of items.")
    items: list[InboxItem]
