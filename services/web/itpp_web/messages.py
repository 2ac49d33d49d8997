"""Readable, translated messages for the API's problem types and the web's own refusals."""

from __future__ import annotations

from itpp_web.api import ApiError
from itpp_web.i18n import Formatter


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark for extraction"
    """Marks a message for the catalog; it is translated where it is shown."""
    return message


PROBLEM_MESSAGES: dict[str, str] = {
    "not-found": N_("This record does not exist, or you may not see it."),
    "forbidden": N_("You are not allowed to do this."),
    "unauthorized": N_("Your session has ended. Please sign in again."),
    "invalid-credentials": N_("Wrong email, password or one-time code."),
    "second-factor-required": N_("Enter the current code from your authenticator app."),
    "too-many-attempts": N_("Too many failed sign-ins. Wait a while before trying again."),
    "precondition-failed": N_("Someone else changed this record after you opened it."),
    "precondition-required": N_("The page was out of date. Reload it and try again."),
    "validation-error": N_("Some fields need correcting."),
    "rule-violation": N_("This change breaks a rule of the plan."),
    "conflict": N_("This change conflicts with the current state of the record."),
    "amendment-required": N_(
        "This plan is in force: what the parties agreed changes only by an amendment "
        "every party approves."
    ),
    "amendment-outdated": N_("The plan changed after this amendment was proposed."),
    "idempotent-response-not-kept": N_(
        "This was already sent once, and its answer held a secret that is never kept. "
        "Look for what was created and revoke it if you do not need it."
    ),
    "email-not-allowed": N_("This address cannot be used for a user of your party."),
    "plan-closed": N_("This plan is no longer in force: it takes no more changes."),
    "payload-too-large": N_("What you sent is too large."),
    "service-unavailable": N_("The service is busy. Try again in a moment."),
    "internal-error": N_("Something went wrong on the server. Nothing was changed."),
    "bad-request": N_("The request could not be understood."),
}

CSRF_MESSAGES: dict[str, str] = {
    "missing-token": N_(
        "This form has expired or came from elsewhere. Reload the page and try again."
    ),
    "invalid-token": N_(
        "This form has expired or came from elsewhere. Reload the page and try again."
    ),
    "foreign-origin": N_("Requests from other sites are refused."),
}

ETAG_MISSING = N_(
    "This form was sent without the version of the record it was drawn from, so saving it could "
    "overwrite someone else's change. Reload the page and try again."
)
UNAVAILABLE = N_("The ITPP Tracker API cannot be reached right now. Try again in a moment.")
UNEXPECTED = N_("Something went wrong. Nothing was changed; please try again.")
NOT_FOUND_PAGE = N_("There is no such page.")


def translate(fmt: Formatter, table: dict[str, str], key: str) -> str:
    """The reader's-language text of a table entry (marked with N_ where it is defined)."""
    message = table[key]
    return fmt.gettext(message)


def problem_message(fmt: Formatter, error: ApiError) -> str:
    """The reader's-language sentence for an API error."""
    message = PROBLEM_MESSAGES.get(error.slug)
    if message is None:
        return fmt.gettext("The request failed (%(status)s).", status=error.status)
    return fmt.gettext(message)


def field_errors(error: ApiError) -> dict[str, str]:
    """Field name → the API's message, for errors on fields of the request body."""
    fields: dict[str, str] = {}
    for item in error.field_errors:
        location = [str(part) for part in item.get("loc") or item.get("location") or []]
        if location and location[0] == "body":
            location = location[1:]
        name = ".".join(location) or str(item.get("field") or "")
        if name and name not in fields:
            fields[name] = str(item.get("msg") or item.get("message") or "")
    return fields
