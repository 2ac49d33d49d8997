"""Names of the API's enumerations in the interface, marked for the catalogs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from itpp_web.i18n import Formatter
from itpp_web.messages import N_

LABELS: dict[str, dict[str, str]] = {
    "commitment_status": {
        "planned": N_("Planned"),
        "in_progress": N_("In progress"),
        "completed": N_("Completed"),
        "deferred": N_("Deferred"),
        "cancelled": N_("Cancelled"),
    },
    "plan_status": {
        "draft": N_("Draft"),
        "active": N_("In force"),
        "expired": N_("Expired"),
        "superseded": N_("Superseded"),
        "terminated": N_("Terminated"),
    },
    "health": {
        "on_track": N_("On track"),
        "at_risk": N_("At risk"),
        "off_track": N_("Off track"),
        "unrated": N_("Not rated"),
    },
    "modality": {
        "high_level_dialogue": N_("High-level dialogue"),
        "joint_consultation": N_("Joint consultations"),
        "seminar_symposium": N_("Seminars and symposia"),
        "sps_programme": N_("SPS Programme"),
        "personnel_exchange": N_("Exchanges of personnel"),
        "exercise_participation": N_("Participation in exercises"),
        "sto_collaboration": N_("STO collaboration"),
        "information_sharing": N_("Information sharing"),
        "placement": N_("Placement"),
        "expert_dispatch": N_("Dispatch of experts"),
        "pcm_activity": N_("PCM activity"),
        "other": N_("Other"),
    },
    "visibility": {
        "shared": N_("Shared with all parties"),
        "internal": N_("Internal to the lead party"),
    },
    "exchange_visibility": {
        "shared": N_("Shared with all parties"),
        "internal": N_("Internal to the sending party"),
    },
    "role": {
        "viewer": N_("Viewer"),
        "editor": N_("Editor"),
        "approver": N_("Approver"),
        "admin": N_("Administrator"),
    },
    "exchange_kind": {
        "dialogue": N_("Dialogue"),
        "consultation": N_("Consultation"),
        "seminar": N_("Seminar"),
        "visit": N_("Visit"),
        "exercise": N_("Exercise"),
        "placement": N_("Placement"),
        "expert_dispatch": N_("Dispatch of experts"),
        "information_sharing": N_("Information sharing"),
        "training": N_("Training"),
    },
    "exchange_status": {
        "planned": N_("Planned"),
        "confirmed": N_("Confirmed"),
        "held": N_("Held"),
        "cancelled": N_("Cancelled"),
    },
    "review_status": {
        "scheduled": N_("Scheduled"),
        "open": N_("Open"),
        "concluded": N_("Concluded"),
    },
    "review_outcome": {
        "continue": N_("Continue the plan"),
        "amend": N_("Amend the plan"),
        "renew": N_("Renew the plan"),
        "terminate": N_("Terminate the plan"),
    },
    "amendment_status": {
        "proposed": N_("Awaiting consent"),
        "approved": N_("Approved"),
        "applied": N_("Applied"),
        "rejected": N_("Rejected"),
        "withdrawn": N_("Withdrawn"),
    },
    "party_decision": {
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
        "pending": N_("Not decided yet"),
    },
    "amendment_op": {
        "add_commitment": N_("Add a commitment"),
        "modify_commitment": N_("Change a commitment"),
        "retire_commitment": N_("Retire a commitment"),
        "add_priority_area": N_("Add a priority area"),
        "modify_priority_area": N_("Change a priority area"),
        "retire_priority_area": N_("Retire a priority area"),
        "change_term": N_("Change the term"),
        "change_review_interval": N_("Change the review interval"),
        "change_text": N_("Change the plan's text"),
        "change_approval_date": N_("Change the date of approval"),
        "change_predecessor": N_("Change the predecessor plan"),
        "change_progress_updates_confirmation": N_(
            "Change whether progress updates need confirmation"
        ),
        "reorder_priority_areas": N_("Reorder the priority areas"),
        "bring_into_force": N_("Bring the plan into force"),
        "terminate": N_("Terminate the plan"),
        "renew": N_("Renew the plan"),
    },
    # What every party is asked to consent to (an amendment's `kind`).
    "inbox_kind": {
        "consent": N_("Consent awaited"),
        "review_open": N_("Open review"),
        "review_due": N_("Review due"),
        "commitment_overdue": N_("Overdue commitment"),
        "commitment_stale": N_("Commitment not updated in 60 days"),
        "exchange_upcoming": N_("Exchange coming up"),
        "plan_expiring": N_("Plan expiring"),
    },
    # The kinds of record the search finds (the search page).
    "search_kind": {
        "plan": N_("Plan"),
        "priority_area": N_("Priority area"),
        "commitment": N_("Commitment"),
        "exchange": N_("Exchange"),
        "review": N_("Review"),
        "amendment": N_("Amendment"),
    },
    # Notification mails (the profile page's preferences, the unsubscribe page).
    "notification_kind": {
        "amendment_proposed": N_("An amendment is proposed"),
        "amendment_decided": N_("Another party approves or rejects an amendment"),
        "review_opened": N_("A review opens"),
        "review_signed": N_("Another party signs a review off"),
        "review_due": N_("A review falls due within 30 days"),
        "commitment_overdue": N_("A commitment your party leads is overdue"),
        "commitment_stale": N_("A commitment your party leads has no update in 60 days"),
        "plan_expiring": N_("The plan expires within 90 days"),
        "comment_mention": N_("Someone mentions you in a comment"),
    },
    "notification_delivery": {
        "immediately": N_("A mail at once"),
        "daily_digest": N_("In one daily digest"),
        "off": N_("No mail"),
    },
    # What a webhook endpoint is sent (the API's notification kinds).
    "event_kind": {
        "amendment_proposed": N_("Amendment proposed"),
        "amendment_decided": N_("Amendment approved or rejected by another party"),
        "review_opened": N_("Review opened"),
        "review_signed": N_("Review signed off by another party"),
    },
    "delivery_status": {
        "pending": N_("Waiting to be sent"),
        "delivered": N_("Delivered"),
        "failed": N_("Given up"),
    },
    "inbox_action": {
        "decide": N_("Approve or reject"),
        "await_approver": N_("Waiting on your approver"),
        "assess": N_("Assess"),
        "sign_off": N_("Sign off"),
        "prepare": N_("Prepare the review"),
        "update": N_("Update"),
        "attend": N_("See the exchange"),
        "renew": N_("Consider renewal"),
    },
    "consent_kind": {
        "entry_into_force": N_("Coming into force"),
        "amendment": N_("Amendment"),
        "termination": N_("Termination"),
        "renewal": N_("Renewal"),
    },
    "audit_action": {
        "create": N_("created"),
        "update": N_("changed"),
        "cancel": N_("cancelled"),
        "delete": N_("deleted"),
        "sign_in": N_("signed in"),
        "amend": N_("amended"),
        "apply": N_("applied"),
        "conclude": N_("concluded"),
        "open": N_("opened"),
        "propose": N_("proposed"),
        "retire": N_("retired"),
        "withdraw": N_("withdrew"),
        "schedule": N_("scheduled"),
        "reschedule": N_("rescheduled"),
        "unschedule": N_("unscheduled"),
        "approve": N_("approved"),
        "reject": N_("rejected"),
        "confirm": N_("confirmed"),
        "reorder_priority_areas": N_("reordered"),
        "rotate_secret": N_("renewed the secret of"),
        "replay_delivery": N_("sent a delivery again to"),
        "invite": N_("invited"),
        "accept_invitation": N_("accepted the invitation of"),
        "change_password": N_("changed the password of"),
        "enable_totp": N_("set up the second factor of"),
        "replace_totp": N_("replaced the second factor of"),
        "reset_totp": N_("reset the second factor of"),
        "revoke_token": N_("revoked"),
        "revoke_all_tokens": N_("ended every session of"),
    },
    "chain_break": {
        "missing": N_("an event is missing (deleted, or numbered again)"),
        "reordered": N_("an event does not follow the one before it (reordered or replaced)"),
        "changed": N_("an event was changed after it was written"),
        "truncated": N_("the latest events were deleted"),
    },
    "token_scope": {
        "read": N_("Read only"),
        "read_write": N_("Read and write"),
    },
    "entity_type": {
        "plan": N_("the plan"),
        "plan_version": N_("a plan version"),
        "priority_area": N_("a priority area"),
        "commitment": N_("a commitment"),
        "milestone": N_("a milestone"),
        "party": N_("a party"),
        "organisation": N_("an organisation"),
        "user": N_("a user"),
        "access_token": N_("an access token"),
        "exchange": N_("an exchange"),
        "calendar_feed": N_("a calendar feed"),
        "review_cycle": N_("a review"),
        "review_item": N_("a review item"),
        "review_assessment": N_("an assessment"),
        "review_sign_off": N_("a review sign-off"),
        "amendment": N_("an amendment"),
        "webhook_endpoint": N_("a webhook endpoint"),
        "attachment": N_("an attachment"),
        "comment": N_("a comment"),
        "progress_update": N_("a progress update"),
    },
    "progress_update_state": {
        "recorded": N_("Counted"),
        "pending": N_("Awaiting confirmation"),
        "confirmed": N_("Confirmed"),
        "rejected": N_("Rejected"),
    },
}

FIELD_NAMES: dict[str, str] = {
    "title": N_("Title"),
    "description": N_("Description"),
    "status": N_("Status"),
    "progress": N_("Progress"),
    "health": N_("Health"),
    "due_date": N_("Due date"),
    "start_date": N_("Start date"),
    "done_on": N_("Done on"),
    "modality": N_("Modality"),
    "visibility": N_("Visibility"),
    "priority_area_id": N_("Priority area"),
    "lead_party_id": N_("Lead party"),
    "lead_organisation_id": N_("Lead organisation"),
    "pcm_activity_ref": N_("PCM activity reference"),
    "reference": N_("Reference"),
    "updated_at": N_("Last changed"),
    # Exchanges.
    "kind": N_("Kind"),
    "from_party_id": N_("From party"),
    "from_organisation_id": N_("From organisation"),
    "to_party_id": N_("To party"),
    "to_organisation_id": N_("To organisation"),
    "end_date": N_("End date"),
    "location": N_("Location"),
    "participants": N_("Participants"),
    "commitment_ids": N_("Commitments it delivers"),
    "outcome": N_("Outcome"),
    "lessons_learned": N_("Lessons learned"),
    "post_title": N_("Post"),
    "host_organisation_id": N_("Host"),
    # Plans, priority areas and their versions.
    "approval_date": N_("Date of approval"),
    "expiry_date": N_("Expiry date"),
    "termination_date": N_("Termination date"),
    "retired": N_("Retired"),
    "term_months": N_("Term (months)"),
    "review_interval_months": N_("Review interval (months)"),
    "sections": N_("Sections"),
    "objectives": N_("Objectives"),
    "lead_texts": N_("Lead texts"),
    "parties": N_("Parties"),
    "party_ids": N_("Parties"),
    "file": N_("Plan document"),
    "export": N_("Plan export (JSON)"),
    "predecessor_id": N_("Predecessor plan"),
    "progress_updates_need_confirmation": N_(
        "Progress updates count only once the lead party confirms them"
    ),
    "code": N_("Code"),
    "short_code": N_("Short code"),
    "retired_at": N_("Retired on"),
    "number": N_("Number"),
    "heading": N_("Heading"),
    "body": N_("Text"),
    "name": N_("Name"),
    "milestones": N_("Milestones"),
    "supporting_organisation_ids": N_("Supporting organisations"),
    "priority_area_code": N_("Priority area code"),
    "is_example": N_("Sample record"),
    "position": N_("Position"),
    "priority_area_order": N_("Order of the priority areas"),
    "reviewed_translations": N_("Confirmed translations"),
    # List filters and sign-in (where the API's field errors name them).
    "q": N_("Search"),
    "sort": N_("Sort"),
    "due_before": N_("Due before"),
    "due_after": N_("Due after"),
    "starts_before": N_("Starts before"),
    "ends_after": N_("Ends after"),
    "priority_area": N_("Priority area"),
    "lead_party": N_("Lead party"),
    "party": N_("Party"),
    "commitment_id": N_("Commitment"),
    "email": N_("Email"),
    "password": N_("Password"),
    "otp": N_("One-time code"),
    "rating": N_("Rating"),
    "comment": N_("Comment"),
    "url": N_("Address"),
    "display_name": N_("Name"),
    "role": N_("Role"),
    "preferred_language": N_("Language"),
    "is_active": N_("Active"),
    "party_id": N_("Party"),
    "invitation_expires_at": N_("Invitation valid until"),
    "scope": N_("Scope"),
    "expires_at": N_("Expires"),
    "revoked_at": N_("Revoked"),
    "tokens_revoked": N_("Sessions ended"),
    "current_password": N_("Your password"),
    "current_code": N_("Your current code"),
    "password_again": N_("Password again"),
    "name_ja": N_("Name (Japanese)"),
    "name_en": N_("Name (English)"),
    "expires_in_days": N_("Expires after (days)"),
    "entity_id": N_("Record"),
    "actor_user_id": N_("Who"),
    "since": N_("From date"),
    "until": N_("To date (included)"),
}


def label(fmt: Formatter, kind: str, value: str | None) -> str:
    """The reader's-language name of an enumeration value (the value itself if unknown)."""
    if value is None:
        return ""
    text = LABELS.get(kind, {}).get(value)
    return fmt.gettext(text) if text else value.replace("_", " ")


def field_name(fmt: Formatter, name: str) -> str:
    text = FIELD_NAMES.get(name)
    return fmt.gettext(text) if text else name.replace("_", " ")


SYSTEM_ACTOR = N_("System")
UNNAMED_RECORD = N_("another record")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def actor_label(fmt: Formatter, event: Mapping[str, Any]) -> str:
    """Who made a recorded change: the user's name, or the system (the API's `actor_name` is
    "system" when no user did, a word never shown as it is)."""
    if not event.get("actor_user_id"):
        return fmt.gettext(SYSTEM_ACTOR)
    return str(event.get("actor_name") or fmt.gettext(SYSTEM_ACTOR))


def id_names(fmt: Formatter, *records: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """Record id → what readers call the record (its code or reference, else its name), for the
    parties, organisations, areas or commitments a page has: history never shows an id."""
    names: dict[str, str] = {}
    for group in records:
        for record in group or []:
            if not isinstance(record, Mapping) or not record.get("id"):
                continue
            code = str(record.get("reference") or record.get("code") or "")
            title = record.get("name") or record.get("title")
            if not code and isinstance(title, Mapping):
                code = fmt.pick({str(k): str(v) for k, v in title.items()}).text
            if code:
                names[str(record["id"])] = code
    return names


def field_label(fmt: Formatter, name: str) -> str:
    """A form field's name as the error summary says it: `title.ja` is the title (Japanese),
    `milestones.0.due_date` the due date of milestone 1."""
    parts = name.split(".")
    base = field_name(fmt, parts[0])
    rest = parts[1:]
    if rest and rest[0].isdigit():
        number = int(rest[0]) + 1
        inner = field_label(fmt, ".".join(rest[1:])) if rest[1:] else ""
        return f"{base} {number}" + (f" — {inner}" if inner else "")
    if rest and rest[0] in LANGUAGE_NAMES:
        return f"{base} ({fmt.gettext(LANGUAGE_NAMES[rest[0]])})"
    if rest:
        return f"{base} — {field_label(fmt, '.'.join(rest))}"
    return base


LANGUAGE_NAMES = {"ja": N_("Japanese"), "en": N_("English")}


_VALUE_KINDS = {
    "role": "role",
    "status": "commitment_status",
    "health": "health",
    "modality": "modality",
    "visibility": "visibility",
}
# Where a field's values are named by another enumeration for some kinds of record.
_ENTITY_VALUE_KINDS = {
    "exchange": {"status": "exchange_status", "kind": "exchange_kind"},
    "plan": {"status": "plan_status"},
}


def change_value(
    fmt: Formatter,
    name: str,
    value: object,
    entity: str = "commitment",
    names: Mapping[str, str] | None = None,
) -> str:
    """A field's value in a recorded change, as a reader would say it.

    `names` maps record ids (parties, organisations, commitments…) to what readers call them.
    """
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return fmt.gettext("Yes") if value else fmt.gettext("No")
    kinds = {**_VALUE_KINDS, **_ENTITY_VALUE_KINDS.get(entity, {})}
    if isinstance(value, dict):
        if "role" in value:
            role = str(value.get("role") or "")
            return f"{role} ({value['name']})" if value.get("name") else role
        return fmt.pick({str(k): str(v) for k, v in value.items()}).text
    if name in kinds:
        return label(fmt, kinds[name], str(value))
    if name == "progress" and isinstance(value, int | float):
        return fmt.percent(value)
    if name in ("term_months", "review_interval_months") and isinstance(value, int):
        return fmt.ngettext("%(num)s month", "%(num)s months", value)
    if name == "preferred_language" and isinstance(value, str) and value in LANGUAGE_NAMES:
        return fmt.gettext(LANGUAGE_NAMES[value])
    if name.endswith("_at") and isinstance(value, str):
        try:
            return fmt.datetime(value)
        except ValueError:
            return value
    if name.endswith(("_date", "_on")) and isinstance(value, str):
        try:
            return fmt.date(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(change_value(fmt, name, item, entity, names) for item in value)
    if names and str(value) in names:
        return names[str(value)]
    if isinstance(value, str) and _UUID.fullmatch(value):
        return fmt.gettext(UNNAMED_RECORD)
    return str(value)


# The reasons the API records for a plan version (English sentences it writes itself), as
# patterns and their translations; an amendment's title in them is left out (the version's
# row links to the amendment, named in the reader's language). Any other reason is an
# operator's own words and is shown as written.
_VERSION_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Plan approved"), N_("The plan was approved")),
    (re.compile(r"Plan (?P<status>[a-z_]+)"), N_("The plan became: %(status)s")),
    (
        re.compile(r"Recorded as approved \(agreed outside ITPP Tracker\)"),
        N_("Recorded as approved (agreed outside ITPP Tracker)"),
    ),
    (
        re.compile(r"Recorded as superseded by its successor"),
        N_("Recorded as superseded by its successor"),
    ),
    (
        re.compile(r"In force by amendment (?P<number>\d+)(: .*)?", re.S),
        N_("In force by amendment %(number)s"),
    ),
    (
        re.compile(r"Terminated by amendment (?P<number>\d+)(: .*)?", re.S),
        N_("Terminated by amendment %(number)s"),
    ),
    (
        re.compile(r"Amendment (?P<number>\d+) applied(: .*)?", re.S),
        N_("Amendment %(number)s applied"),
    ),
    (
        re.compile(r"Renewal of (?P<reference>\S+) \(its amendment (?P<number>\d+)\)"),
        N_("Renewal of %(reference)s (its amendment %(number)s)"),
    ),
    (
        re.compile(r"Superseded by (?P<reference>\S+) \(amendment (?P<number>\d+)\)"),
        N_("Superseded by %(reference)s (amendment %(number)s)"),
    ),
)


def version_reason(fmt: Formatter, reason: str | None) -> str:
    """Why a plan version was recorded, in the reader's language."""
    text = str(reason or "")
    for pattern, message in _VERSION_REASONS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = match.groupdict()
        if "status" in values:
            values["status"] = label(fmt, "plan_status", values["status"])
        return fmt.gettext(message, **values)
    return text
