"""One-click unsubscribe links (RFC 8058): a signed token for (user, kinds) in each mail.

The token is `<user id>.<kind>[+<kind>…].<HMAC-SHA256 of both under ITPP_UNSUBSCRIBE_SECRET>`
(a mail of its own names its kind; a digest, the kinds it gathers), checked
without a lookup: a signature rather than a stored random token, so composing a mail writes
nothing (a digest names several kinds) and no table of tokens grows with every mail. The cost:
one link cannot be revoked alone (rotating the key revokes them all), which is acceptable for
a link whose only power is to turn one kind of mail off for its own recipient.

A token that does not verify (forged, truncated, another key's) is refused the same way
whichever user or kind it names, before any record is read: nothing about users is revealed.
"""

import base64
import hmac
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from itpp_api.config import Settings
from itpp_api.notifications.kinds import NotificationKind
from itpp_common.config import secret_key as common_secret_key

_PURPOSE = b"itpp-unsubscribe-v1"
_TOKEN = re.compile(
    r"^(?P<user>[0-9a-f]{32})\.(?P<kinds>[a-z_]{1,32}(?:\+[a-z_]{1,32}){0,15})"
    r"\.(?P<mac>[A-Za-z0-9_-]{43})$"
)
MAX_TOKEN_LENGTH = 600


@dataclass(frozen=True)
class Unsubscription:
    """Whom and what a valid token names."""

    user_id: uuid.UUID
    kinds: tuple[NotificationKind, ...]


def secret_key(settings: Settings) -> bytes:
    """The configured key, else one generated once and kept (owner-only) in var/."""
    return common_secret_key(
        settings.unsubscribe_secret, settings.var_dir / "unsubscribe-secret-key"
    )


def _mac(key: bytes, user_hex: str, kinds: str) -> str:
    digest = hmac.new(key, b"\0".join((_PURPOSE, user_hex.encode(), kinds.encode())), "sha256")
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def token_for(key: bytes, user_id: uuid.UUID, kinds: Iterable[str]) -> str:
    """The unsubscribe token of one user and the kinds a mail is about."""
    named = "+".join(sorted(set(kinds)))
    return f"{user_id.hex}.{named}.{_mac(key, user_id.hex, named)}"


def verify(key: bytes, token: str) -> Unsubscription | None:
    """Whom and what the token names, or None when it is not one of ours."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    match = _TOKEN.match(token)
    if match is None:
        return None
    expected = _mac(key, match["user"], match["kinds"])
    if not hmac.compare_digest(expected.encode(), match["mac"].encode()):
        return None
    try:
        kinds = tuple(NotificationKind(kind) for kind in match["kinds"].split("+"))
    except ValueError:  # signed for a kind that no longer exists
        return None
    return Unsubscription(user_id=uuid.UUID(hex=match["user"]), kinds=kinds)


def url_for(web_url: str, token: str) -> str:
    """The link in a mail: the web's page of the token (GET shows a button; POST unsubscribes)."""
    return f"{web_url}/unsubscribe/{token}"
