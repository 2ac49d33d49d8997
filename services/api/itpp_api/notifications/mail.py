"""A notification as an e-mail: plain text and HTML, in the recipient's language, with the
notification's stable Message-ID and a link to the web page where the action is taken.

Everything a mail says comes from the notification's payload, which holds only what every
party of the plan sees (service.py); nothing here reads another record.
"""

import html
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from itpp_api.notifications.kinds import NotificationKind
from itpp_api.notifications.texts import DEFAULT_LANGUAGE, language_for, text


@dataclass(frozen=True)
class Delivery:
    """One notification to send, with what the mail needs to know of its recipient."""

    notification_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    message_id: str
    created_at: datetime
    recipient_email: str
    recipient_name: str
    recipient_language: str


def _localized(value: object, language: str) -> str:
    """A localized text ({"ja": …, "en": …}) in a language, else English, else any."""
    if isinstance(value, Mapping):
        for tag in (language, DEFAULT_LANGUAGE):
            if value.get(tag):
                return str(value[tag])
        for tag, entry in value.items():
            if str(tag).split("-")[0] == language and entry:
                return str(entry)
        return next((str(entry) for entry in value.values() if entry), "")
    return "" if value is None else str(value)


def web_link(delivery: Delivery, web_url: str) -> str:
    """The web page of the notification's subject (an amendment, a review, a commitment), else
    the plan's (where a plan's renewal is followed)."""
    subject = delivery.payload.get("subject") or {}
    subject_id = subject.get("id")
    if subject.get("type") == "amendment" and subject_id:
        return f"{web_url}/amendments/{subject_id}"
    if subject.get("type") == "review" and subject_id:
        return f"{web_url}/reviews/{subject_id}"
    if subject.get("type") == "commitment" and subject_id:
        return f"{web_url}/commitments/{subject_id}"
    return f"{web_url}/plans/{delivery.payload['plan']['id']}"


def _keys(delivery: Delivery) -> tuple[str, str]:
    kind = NotificationKind(delivery.kind)
    if kind is NotificationKind.AMENDMENT_DECIDED:
        decision = "reject" if delivery.payload.get("decision") == "reject" else "approve"
        return f"subject.{kind.value}.{decision}", f"body.{kind.value}.{decision}"
    return f"subject.{kind.value}", f"body.{kind.value}"


def compose(delivery: Delivery, *, sender: str, web_url: str) -> EmailMessage:
    """The mail of one notification (multipart/alternative: text/plain, text/html)."""
    language = language_for(delivery.recipient_language)
    payload = delivery.payload
    subject = payload.get("subject") or {}
    values = {
        "plan": payload["plan"]["reference"],
        "plan_title": _localized(payload["plan"].get("title"), language),
        "number": subject.get("number", ""),
        "title": _localized(subject.get("title"), language),
        "due_date": subject.get("due_date", ""),
        "reference": subject.get("reference") or "",
        "actor": payload.get("actor_name") or text(language, "someone"),
        "party": payload.get("actor_party") or text(language, "unknown_party"),
    }
    subject_key, body_key = _keys(delivery)
    # A header never carries a line break, whatever a title holds.
    subject_line = " ".join(text(language, subject_key, **values).split())
    greeting = text(language, "greeting", name=delivery.recipient_name)
    body = text(language, body_key, **values)
    link = web_link(delivery, web_url)
    inbox = f"{web_url}/me/inbox"
    footer = text(language, "footer", plan=values["plan"])

    message = EmailMessage()
    message["Subject"] = subject_line
    message["From"] = sender
    message["To"] = Address(
        display_name=delivery.recipient_name, addr_spec=delivery.recipient_email
    )
    message["Message-ID"] = delivery.message_id
    message["Date"] = format_datetime(delivery.created_at)
    # RFC 3834: an automatic message; vacation responders do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message["X-ITPP-Notification-Kind"] = delivery.kind
    message.set_content(
        f"{greeting}\n\n{body}\n\n{text(language, 'action')}\n{link}\n\n"
        f"{text(language, 'inbox')}\n{inbox}\n\n-- \n{footer}\n"
    )
    e = html.escape
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{e(subject_line)}</title></head>\n<body>\n"
        f"<p>{e(greeting)}</p>\n<p>{e(body)}</p>\n"
        f'<p><a href="{e(link)}">{e(text(language, "action"))} {e(link)}</a></p>\n'
        f'<p><a href="{e(inbox)}">{e(text(language, "inbox"))} {e(inbox)}</a></p>\n'
        f'<hr>\n<p style="color:#555;font-size:smaller">{e(footer)}</p>\n</body></html>\n',
        subtype="html",
    )
    # After the parts exist: making the message multipart moves Content-* headers into them.
    message["Content-Language"] = language
    return message
