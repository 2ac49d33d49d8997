"""Opaque bearer tokens: random secrets given once, stored only as their SHA-256 hash.

A bearer token issued since migration 0028 carries a tag: an HMAC of its random part under the
database's token key (auth/token_key.py). The tag proves nothing about the token being valid
(only the database says that: revoked, expired, its user inactive), but a token whose tag does
not match was never issued here, so it is refused without a look at the database: a flood of
made-up tokens costs no turn at the database however many there are (issue 15). Tokens issued
before carry no tag; they are looked up as before until the last of them has expired
(`TokenKey.legacy_until`). Calendar feed secrets (calendar/service.py) are of the untagged
shape: their route reads the database for each anyway.
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "itpp_"
_RANDOM_LENGTH = 43  # token_urlsafe(32): 256 random bits
_TAG_BYTES = 16  # 128 bits of HMAC-SHA-256: far beyond guessing
_TAG_LENGTH = 22  # its URL-safe base64, unpadded
UNTAGGED_LENGTH = len(PREFIX) + _RANDOM_LENGTH
TAGGED_LENGTH = UNTAGGED_LENGTH + _TAG_LENGTH
_SECRET_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_secret() -> str:
    """A new untagged secret (a calendar feed's): 256 random bits, URL-safe, with a
    recognisable prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def _tag(key: bytes, untagged: str) -> str:
    digest = hmac.digest(key, untagged.encode("ascii"), "sha256")[:_TAG_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_token(key: bytes) -> str:
    """A new bearer token: a new secret tagged under the database's token key."""
    untagged = new_secret()
    return untagged + _tag(key, untagged)


def hash_secret(secret: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def is_well_formed(secret: str) -> bool:
    """Whether `secret` has the shape of one of ours, tagged or not (says nothing of whether
    it is): a malformed token is refused without a look at the database."""
    return (
        len(secret) in (UNTAGGED_LENGTH, TAGGED_LENGTH)
        and secret.startswith(PREFIX)
        and _SECRET_ALPHABET.issuperset(secret[len(PREFIX) :])
    )


def is_tagged(secret: str) -> bool:
    """Whether a well-formed secret has the tagged shape."""
    return len(secret) == TAGGED_LENGTH


def tag_matches(secret: str, key: bytes) -> bool:
    """Whether a tagged secret's tag is the one `key` gives its random part."""
    untagged = secret[:UNTAGGED_LENGTH]
    return hmac.compare_digest(secret[UNTAGGED_LENGTH:], _tag(key, untagged))
