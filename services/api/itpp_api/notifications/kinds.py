"""The kinds of notification."""

from enum import StrEnum


class NotificationKind(StrEnum):
    """What happened.

    - `amendment_proposed`: an amendment (of any kind) awaits every party's approver.
    - `amendment_decided`: another party's approver approved or rejected an amendment (or the
      last approval applied it).
    - `review_opened`: a review is open: each party assesses its commitments.
    - `review_signed`: another party's approver signed a review off.
    """

    AMENDMENT_PROPOSED = "amendment_proposed"
    AMENDMENT_DECIDED = "amendment_decided"
    REVIEW_OPENED = "review_opened"
    REVIEW_SIGNED = "review_signed"
