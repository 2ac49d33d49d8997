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
    # Signs the mail's unsubscribe link (None: a mail composed without one).
    recipient_id: uuid.UUID | None = None


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
    if subject.get("type") == "comment":  # a comment is read on the page of its record
        subject = subject.get("on") or {}
    subject_id = subject.get("id")
    if subject.get("type") == "exchange" and subject_id:
        return f"{web_url}/exchanges/{subject_id}"
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


@dataclass(frozen=True)
class Description:
    """What one notification says, in one language: its subject line, its sentence, its link."""

    subject: str
    body: str
    link: str


def describe(delivery: Delivery, *, language: str, web_url: str) -> Description:
    """One notification in words (its own mail's, or its entry in a digest)."""
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
    return Description(
        # A header never carries a line break, whatever a title holds.
        subject=" ".join(text(language, subject_key, **values).split()),
        body=text(language, body_key, **values),
        link=web_link(delivery, web_url),
    )


def add_unsubscribe(message: EmailMessage, unsubscribe_url: str | None) -> None:
    """RFC 8058 one-click unsubscribe: a client may POST `List-Unsubscribe=One-Click` to the
    link; opening it (a GET, as a mail scanner does) only shows a page with a button."""
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def compose(
    delivery: Delivery, *, sender: str, web_url: str, unsubscribe_url: str | None = None
) -> EmailMessage:
    """The mail of one notification (multipart/alternative: text/plain, text/html)."""
    language = language_for(delivery.recipient_language)
    described = describe(delivery, language=language, web_url=web_url)
    subject_line, body, link = described.subject, described.body, described.link
    payload = delivery.payload
    greeting = text(language, "greeting", name=delivery.recipient_name)
    inbox = f"{web_url}/me/inbox"
    footer = text(language, "footer", plan=payload["plan"]["reference"])
    settings_link = f"{web_url}/me"
    if unsubscribe_url:
        unsubscribe_words = text(language, "unsubscribe")
        plain_unsubscribe = f"{unsubscribe_words}\n{unsubscribe_url}\n"
        html_unsubscribe = (
            f'<br><a href="{html.escape(unsubscribe_url)}">{html.escape(unsubscribe_words)}</a>'
        )
    else:
        plain_unsubscribe = html_unsubscribe = ""
    preferences_words = text(language, "preferences")

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
    add_unsubscribe(message, unsubscribe_url)
    message.set_content(
        f"{greeting}\n\n{body}\n\n{text(language, 'action')}\n{link}\n\n"
        f"{text(language, 'inbox')}\n{inbox}\n\n-- \n{footer}\n"
        f"{preferences_words}\n{settings_link}\n{plain_unsubscribe}"
    )
    e = html.escape
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{e(subject_line)}</title></head>\n<body>\n"
        f"<p>{e(greeting)}</p>\n<p>{e(body)}</p>\n"
        f'<p><a href="{e(link)}">{e(text(language, "action"))} {e(link)}</a></p>\n'
        f'<p><a href="{e(inbox)}">{e(text(language, "inbox"))} {e(inbox)}</a></p>\n'
        f'<hr>\n<p style="color:#555;font-size:smaller">{e(footer)}<br>'
        f'<a href="{e(settings_link)}">{e(preferences_words)}</a>{html_unsubscribe}</p>\n'
        "</body></html>\n",
        subtype="html",
    )
    # After the parts exist: making the message multipart moves Content-* headers into them.
    message["Content-Language"] = language
    return message
