"""Readable, translated messages for the API's problem types and the web's own refusals."""

from __future__ import annotations

from collections.abc import Collection, Sequence

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
    "last-admin": N_(
        "This is your party's last active administrator: make another user an administrator first."
    ),
    "invitation-invalid": N_(
        "This link is not valid: it was already used, it expired, or it is incomplete. Ask "
        "your party's administrator for a new invitation."
    ),
    "plan-closed": N_("This plan is no longer in force: it takes no more changes."),
    "file-missing": N_(
        "This file is missing from the file store. Its record and SHA-256 hash remain; "
        "an administrator can restore it from a backup."
    ),
    "plan-not-deletable": N_(
        "Only a draft that never came into force and awaits no approval can be deleted."
    ),
    "payload-too-large": N_("What you sent is too large."),
    "service-unavailable": N_("The service is busy. Try again in a moment."),
    "internal-error": N_("Something went wrong on the server. Nothing was changed."),
    "bad-request": N_("The request could not be understood."),
    "invalid-cursor": N_(
        "This address points into a list at a place that does not exist (it was changed or "
        "cut short). Open the page again from its first page."
    ),
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


# What is wrong with one field, by the API's error `type` (pydantic's kinds and the API's own):
# the API's `msg` is English and is never shown; an unknown type reads as FIELD_ERROR_FALLBACK.
FIELD_ERROR_MESSAGES: dict[str, str] = {
    "missing": N_("This is required."),
    "empty": N_("This is required."),
    "dates_out_of_order": N_("This date cannot be before the start date."),
    "date_format": N_("Enter a date as YYYY-MM-DD."),
    "date_invalid": N_("This date does not exist."),
    "date_type": N_("Enter a date as YYYY-MM-DD."),
    "date_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Enter a date as YYYY-MM-DD."),
    "date_out_of_range": N_("Enter a date from 1900 to 2199."),
    "datetime_format": N_("Enter a date and time."),
    "datetime_invalid": N_("Enter a date and time."),
    "datetime_type": N_("Enter a date and time."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_out_of_range": N_("Enter a date from 1900 to 2199."),
    "expiry_out_of_range": N_("The plan's term would end after 2199."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "greater_than": N_("This number is too small."),
    "greater_than_equal": N_("This number is too small."),
    "less_than": N_("This number is too large."),
    "less_than_equal": N_("This number is too large."),
    "string_too_short": N_("This text is too short."),
    "too_short": N_("Choose more than this."),
    "string_too_long": N_("This text is too long."),
    "too_long": N_("Choose fewer than this."),
    "string_pattern_mismatch": N_("This does not have the expected form."),
    "string_nul": N_("This text holds characters that cannot be stored."),
    "encoding": N_("This file is not readable text (UTF-8)."),
    "enum": N_("Choose one of the values offered."),
    "literal_error": N_("Choose one of the values offered."),
    "uuid_parsing": N_("Choose one of the values offered."),
    "uuid_type": N_("Choose one of the values offered."),
    "bool_parsing": N_("Choose one of the values offered."),
    "extra_forbidden": N_("This cannot be set here."),
    "unknown_reference": N_("This names a record that does not exist or that you may not see."),
    "unknown_plan": N_("This names a record that does not exist or that you may not see."),
    "unknown_party": N_("This names a record that does not exist or that you may not see."),
    "unknown_organisation": N_("This names a record that does not exist or that you may not see."),
    "unknown_review": N_("This names a record that does not exist or that you may not see."),
    "unknown_comment": N_("This names a record that does not exist or that you may not see."),
    "organisation_of_other_party": N_("This organisation belongs to another party."),
    "conflicting_reference": N_("This reference is already used in the plan."),
    "reference_series": N_("This reference does not follow the plan's series."),
    "interval_longer_than_term": N_("The review interval cannot be longer than the term."),
    "term_already_over": N_("With this term the plan would already have expired."),
    "no_priority_areas": N_("The plan needs at least one priority area."),
    "weak_password": N_("This password is too weak: use a longer one that is not common."),
    "wrong_password": N_("This password is wrong."),
    "wrong_code": N_("This code is wrong or has expired."),
    "email_not_allowed": N_("This address cannot be used for a user of your party."),
    "webhook_target": N_("Notifications cannot be sent to this address."),
    "rule_violation": N_("This breaks a rule of the plan."),
    "invalid_change_set": N_("This change cannot be made to the plan."),
}
FIELD_ERROR_FALLBACK = N_("This value is not accepted.")
# Where an error on the whole request goes in a form, by its type: the later of two dates.
FORM_LEVEL_FIELDS: dict[str, tuple[str, ...]] = {"dates_out_of_order": ("due_date", "end_date")}
# Where an error names no field the form has: the summary lists it under this key, unlinked.
FORM_KEY = ""
_LOCATIONS = ("body", "query", "path", "header")


def field_error_message(fmt: Formatter, kind: str) -> str:
    """The reader's-language sentence for one field error of this API `type`."""
    return fmt.gettext(FIELD_ERROR_MESSAGES.get(kind, FIELD_ERROR_FALLBACK))


def field_errors(
    fmt: Formatter,
    error: ApiError,
    fields: Collection[str] | None = None,
    *,
    prefix: Sequence[str | int] = (),
) -> dict[str, str]:
    """The API's field errors (problem+json `errors[]`) as form field name → the reader's-language
    message: the one place every form maps them.

    `loc` names the field after its location (`["body", "due_date"]`, `["query", "due_before"]`;
    nested parts join with dots, `title.ja`). `fields`, when given, are the names the form has:
    an error on a name it lacks (or on the whole request) is kept under FORM_KEY, unless its type
    belongs to one of the form's fields (FORM_LEVEL_FIELDS). `prefix` keeps only the errors under
    it (a change set's `["changes", 2]`), named after it."""
    found: dict[str, str] = {}
    for item in error.field_errors:
        location = list(item.get("loc") or item.get("location") or [])
        if location and location[0] in _LOCATIONS:
            location = location[1:]
        if prefix:
            if [*location[: len(prefix)]] != [*prefix]:
                continue
            location = location[len(prefix) :]
        kind = str(item.get("type") or "")
        name = ".".join(str(part) for part in location)
        if fields is not None and name not in fields:
            base = name.split(".", 1)[0]
            targets = [f for f in FORM_LEVEL_FIELDS.get(kind, ()) if f in fields]
            name = base if base in fields else (targets[0] if targets else FORM_KEY)
        if name not in found:
            found[name] = field_error_message(fmt, kind)
    return found
