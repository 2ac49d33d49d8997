"""The rules every mail of the delivery worker follows, whatever its outbox (notifications,
digests, invitations; webhooks share the back-off): the back-off between attempts, when a
refusal is for good, the unsubscribe link, and sending then marking one mail. The worker
(worker.py) and each outbox build on this module, which imports none of them.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage

from itpp_api.config import Settings
from itpp_api.notifications import unsubscribe
from itpp_api.notifications.transports import Transport

# The worker's logger: the mails' "sent"/"not delivered" lines keep the name they always had.
log = logging.getLogger("itpp_api.notifications.worker")

MAX_ERROR_LENGTH = 2000
Clock = Callable[[], datetime]


def retry_delay(attempts: int, settings: Settings) -> timedelta:
    """The wait after the `attempts`-th failed attempt: exponential, bounded."""
    seconds = settings.worker_retry_seconds * 2 ** min(attempts - 1, 40)
    return timedelta(seconds=min(seconds, settings.worker_retry_max_seconds))


def unsubscribe_url(
    settings: Settings, recipient_id: uuid.UUID | None, kinds: Iterable[str]
) -> str | None:
    """The one-click unsubscribe link of a mail about these kinds (unsubscribe.py)."""
    if recipient_id is None:
        return None
    token = unsubscribe.token_for(unsubscribe.secret_key(settings), recipient_id, kinds)
    return unsubscribe.url_for(settings.mail_web_url, token)


def refused_for_good(exc: Exception) -> bool:
    """The server refused the recipient's address with a permanent (5xx) reply: retrying
    cannot help. Any other failure (the network, the server, our credentials) may pass."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _ in exc.recipients.values()
    )


def send_and_mark(
    *,
    transport: Transport,
    message: Callable[[], EmailMessage],
    what: str,
    to: str,
    failed: Callable[[str, bool], None],
    sent: Callable[[], None],
) -> None:
    """Compose and send one mail, then mark its rows: sent once the server accepted it, or
    failed with the error (and whether the refusal is for good) when anything went wrong —
    one place for single mails and digests alike."""
    try:
        transport.send(message())
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("%s not delivered: %s", what, error)
        failed(error, refused_for_good(exc))
        return
    sent()
    log.info("%s sent to %s", what, to)
