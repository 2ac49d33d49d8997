"""What the reader is told around a write: the confirmation a destructive or irreversible
action asks for first, and the success message after it.

Confirmation: a form marked with `confirm_attrs(kind)` opens a `<dialog>` (static/app.js) and,
once confirmed, is sent with `confirm=yes`. The same request without that field (JavaScript
off, or a form sent some other way) is answered by `web.ask_first`: a page that asks the same
question and sends the same fields again with `confirm=yes`. Nothing is written before.

Success messages: a write that redirects sets a short-lived cookie naming one entry of
NOTICES (never text: the next page shows the entry in its reader's language and clears the
cookie); a write answered by an htmx fragment sends the message in an `HX-Trigger` header,
which app.js writes into the page's status region.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from itpp_web import security
from itpp_web.i18n import Formatter
from itpp_web.messages import N_

CONFIRM_FIELD = "confirm"
CONFIRMED = "yes"
NOTICE_COOKIE = "itpp_notice"
NOTICE_EVENT = "itpp-notice"
# Long enough for the redirect to be followed, short enough never to greet a later visit.
NOTICE_MAX_AGE = 120


@dataclass(frozen=True)
class Confirmation:
    question: str
    consequence: str
    button: str


CONFIRMATIONS: dict[str, Confirmation] = {
    "reject-amendment": Confirmation(
        N_("Reject this amendment for your party?"),
        N_(
            "A rejection is final: the amendment is closed and is never applied. To change "
            "the plan later, someone must propose a new amendment."
        ),
        N_("Reject the amendment"),
    ),
    "withdraw-amendment": Confirmation(
        N_("Withdraw this amendment?"),
        N_(
            "A withdrawn amendment is closed for every party and cannot be reopened; the "
            "decisions already recorded stay in its history."
        ),
        N_("Withdraw the amendment"),
    ),
    "cancel-exchange": Confirmation(
        N_("Cancel this exchange?"),
        N_("A cancelled exchange stays in the record as cancelled and cannot be reopened."),
        N_("Cancel the exchange"),
    ),
    "remove-milestones": Confirmation(
        N_("Remove the milestones you ticked?"),
        N_(
            "Saving deletes the ticked milestones of this commitment; the rest of your changes "
            "are saved with them. A removed milestone stays only in the commitment's history."
        ),
        N_("Save and remove"),
    ),
    "revoke-feed": Confirmation(
        N_("Revoke this calendar feed?"),
        N_(
            "Calendars subscribed to its address stop receiving the plans' dates at once. "
            "A revoked address never works again; you can create a new feed."
        ),
        N_("Revoke the feed"),
    ),
    "rotate-webhook-secret": Confirmation(
        N_("Replace the signing secret?"),
        N_(
            "Requests are signed with the new secret from now on: the receiving server "
            "rejects them until it is given the new one. The old secret cannot be restored."
        ),
        N_("Replace the secret"),
    ),
    "delete-webhook": Confirmation(
        N_("Remove this endpoint?"),
        N_(
            "Nothing more is sent to it, and the record of what was sent to it is deleted. "
            "This cannot be undone."
        ),
        N_("Remove the endpoint"),
    ),
    "delete-comment": Confirmation(
        N_("Delete this comment?"),
        N_(
            "Its words are removed from the thread for every reader; replies to it stay, "
            "under a note that it was deleted. The deletion is recorded in the history."
        ),
        N_("Delete the comment"),
    ),
    "delete-attachment": Confirmation(
        N_("Delete this file?"),
        N_(
            "It is no longer listed nor downloadable for anyone. Its name and SHA-256 hash stay "
            "in the history."
        ),
        N_("Delete the file"),
    ),
    "agree-all": Confirmation(
        N_("Agree every rating the parties gave alike?"),
        N_(
            "Each commitment that every party assessed with the same rating, and that has no "
            "agreed rating yet, is given that rating as the agreed one. Commitments changed "
            "since you loaded the page are left as they are and listed."
        ),
        N_("Agree the ratings"),
    ),
    "reject-update": Confirmation(
        N_("Reject this progress update?"),
        N_(
            "A rejected update stays in the timeline as rejected and never counts towards the "
            "commitment's status and progress. This cannot be undone."
        ),
        N_("Reject the update"),
    ),
    "delete-plan": Confirmation(
        N_("Delete this draft plan?"),
        N_(
            "The draft disappears from every list and page for both parties; it stays on "
            "record in the audit log. A deleted draft cannot be restored."
        ),
        N_("Delete the draft"),
    ),
    "retire-area": Confirmation(
        N_("Retire this priority area?"),
        N_(
            "A retired area stays on record but takes no new commitments, and it cannot be "
            "brought back; add a new area instead."
        ),
        N_("Retire the area"),
    ),
    "deactivate-user": Confirmation(
        N_("Deactivate this user?"),
        N_(
            "They are signed out at once and can no longer sign in. Their records and history "
            "stay. You can reactivate them later."
        ),
        N_("Deactivate the user"),
    ),
    "revoke-token": Confirmation(
        N_("Revoke this API token?"),
        N_(
            "Programs that use it are refused from now on. A revoked token never works again; "
            "you can create a new one."
        ),
        N_("Revoke the token"),
    ),
    "delete-view": Confirmation(
        N_("Delete this saved view?"),
        N_("Its name and filters are removed from your saved views; the records stay as they are."),
        N_("Delete the view"),
    ),
    "conclude-review": Confirmation(
        N_("Conclude this review?"),
        N_(
            "A concluded review is closed: its ratings, summary and sign-offs can no longer "
            "be changed."
        ),
        N_("Conclude the review"),
    ),
}

NOTICES: dict[str, str] = {
    "saved": N_("Your changes were saved."),
    "form-kept": N_(
        "Your session ended before this form was sent. What you typed is shown again: check "
        "it and send it again."
    ),
    "progress-saved": N_("The progress was saved."),
    "update-posted": N_("The progress update was posted."),
    "update-confirmed": N_("The progress update was confirmed: it counts now."),
    "update-rejected": N_("The progress update was rejected: it does not count."),
    "milestone-saved": N_("The milestone was saved."),
    "commitment-created": N_("The commitment was created."),
    "exchange-created": N_("The exchange was created."),
    "exchange-cancelled": N_("The exchange was cancelled."),
    "amendment-proposed": N_("The amendment was proposed. The other parties are asked to decide."),
    "amendment-approved": N_("Your party's approval was recorded."),
    "amendment-rejected": N_("Your party's rejection was recorded."),
    "amendment-withdrawn": N_("The amendment was withdrawn."),
    "review-opened": N_("The review was opened."),
    "review-signed": N_("Your party's sign-off was recorded."),
    "review-concluded": N_("The review was concluded."),
    "review-summary-saved": N_("The summary and outcome were saved."),
    "assessment-saved": N_("The assessment was saved."),
    "ratings-agreed": N_("The ratings the parties gave alike were recorded as agreed."),
    "feed-revoked": N_("The calendar feed was revoked."),
    "webhook-enabled": N_("The endpoint was enabled."),
    "webhook-disabled": N_("The endpoint was disabled."),
    "webhook-deleted": N_("The endpoint was removed."),
    "webhook-replayed": N_("The delivery was queued to be sent again."),
    "comment-posted": N_("Your comment was posted."),
    "comment-saved": N_("Your comment was changed."),
    "comment-deleted": N_("The comment was deleted."),
    "attachment-added": N_("The file was attached."),
    "attachment-deleted": N_("The file was deleted."),
    "notifications-saved": N_("Your notification settings were saved."),
    "plan-created": N_("The draft plan was created. Add its texts and priority areas below."),
    "plan-imported": N_("The plan was imported as a draft."),
    "plan-deleted": N_("The draft plan was deleted."),
    "draft-unchanged": N_("Nothing was changed."),
    "area-added": N_("The priority area was added."),
    "area-retired": N_("The priority area was retired."),
    "areas-reordered": N_("The priority areas were put in their new order."),
    "user-invited": N_("The invitation was sent. The user chooses a password from the mail."),
    "user-role-changed": N_("The role was changed. The user signs in again."),
    "user-deactivated": N_("The user was deactivated."),
    "user-reactivated": N_("The user was reactivated."),
    "second-factor-reset": N_(
        "The second factor was reset. The user sets up a new one at their next sign-in."
    ),
    "organisation-added": N_("The organisation was added."),
    "organisation-updated": N_("The organisation was changed."),
    "token-revoked": N_("The API token was revoked."),
    "password-set": N_("Your password is set. Sign in with your e-mail address and it."),
    "view-saved": N_("The view was saved."),
    "view-deleted": N_("The saved view was deleted."),
    "view-name-taken": N_("Not saved: you already have a view of that name. Choose another."),
    "view-name-invalid": N_("Not saved: give the view a name of 1 to 80 characters."),
    "views-full": N_(
        "Not saved: you have 50 saved views, the most there may be. Delete one first."
    ),
}


def confirmed(form: FormData) -> bool:
    return form.get(CONFIRM_FIELD) == CONFIRMED


def confirmation_text(fmt: Formatter, kind: str) -> dict[str, str]:
    """The question, its consequence and the confirming button in the reader's language."""
    entry = CONFIRMATIONS[kind]
    return {
        "question": fmt.gettext(entry.question),
        "consequence": fmt.gettext(entry.consequence),
        "button": fmt.gettext(entry.button),
    }


def set_notice(response: Response, request: Request, key: str) -> None:
    """The message the next page shows (after a redirect)."""
    if key not in NOTICES:
        raise KeyError(key)
    response.set_cookie(
        NOTICE_COOKIE,
        key,
        max_age=NOTICE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=security.is_secure(request, request.app.state.settings),
        path="/",
    )


def notice_headers(fmt: Formatter, key: str) -> dict[str, str]:
    """The message of a write answered in place (htmx): an event app.js shows and announces.
    ASCII JSON (non-ASCII escaped), as a header must be."""
    return {"HX-Trigger": json.dumps({NOTICE_EVENT: fmt.gettext(NOTICES[key])})}


def take_notice(request: Request, fmt: Formatter) -> str | None:
    """The message a redirect left for this page, in the reader's language (None if none)."""
    key = request.cookies.get(NOTICE_COOKIE)
    if not key or key not in NOTICES:
        return None
    return fmt.gettext(NOTICES[key])
