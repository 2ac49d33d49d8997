"""The kinds of notification, and how a user may choose to receive each."""

from enum import StrEnum


class NotificationKind(StrEnum):
    """What happened.

    - `amendment_proposed`: an amendment (of any kind) awaits every party's approver.
    - `amendment_decided`: another party's approver approved or rejected an amendment (or the
      last approval applied it).
    - `review_opened`: a review is open: each party assesses its commitments.
    - `review_signed`: another party's approver signed a review off.
    - `comment_mention`: someone mentioned the recipient (`@name`) in a comment they can see.

    Reminders (reminders.py), of the inbox's time-based items, once per occasion:

    - `review_due`: a review is due within 30 days (or past due) and not open yet.
    - `commitment_overdue`: a commitment the recipient's party leads is past its due date.
    - `commitment_stale`: a commitment the recipient's party leads has had no update in 60 days.
    - `plan_expiring`: a plan in force expires within 90 days.
    """

    AMENDMENT_PROPOSED = "amendment_proposed"
    AMENDMENT_DECIDED = "amendment_decided"
    REVIEW_OPENED = "review_opened"
    REVIEW_SIGNED = "review_signed"
    REVIEW_DUE = "review_due"
    COMMITMENT_OVERDUE = "commitment_overdue"
    COMMITMENT_STALE = "commitment_stale"
    PLAN_EXPIRING = "plan_expiring"
    COMMENT_MENTION = "comment_mention"


class EventKind(StrEnum):
    """The notification kinds that are events — what webhook endpoints can be sent. Reminders
    are not: they restate the inbox, and a commitment's reminder is its party's internal
    business."""

    AMENDMENT_PROPOSED = NotificationKind.AMENDMENT_PROPOSED.value
    AMENDMENT_DECIDED = NotificationKind.AMENDMENT_DECIDED.value
    REVIEW_OPENED = NotificationKind.REVIEW_OPENED.value
    REVIEW_SIGNED = NotificationKind.REVIEW_SIGNED.value


class NotificationDelivery(StrEnum):
    """How a user hears of one kind of notification (their preference; the default is
    `immediately`).

    - `immediately`: a mail of its own, as soon as the worker sends it.
    - `daily_digest`: gathered with the day's others into one mail a day (ITPP_DIGEST_HOUR).
    - `off`: no mail at all.
    """

    IMMEDIATELY = "immediately"
    DAILY_DIGEST = "daily_digest"
    OFF = "off"
