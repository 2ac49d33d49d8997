"""Opaque bearer tokens: random secrets given once, stored only as their SHA-256 hash."""

import hashlib
import secrets

PREFIX = "itpp_"


def new_secret() -> str:
    """A new token secret: 256 random bits, URL-safe, with a recognisable prefix."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_SECRET_LENGTH = len(PREFIX) + 43  # token_urlsafe(32): 43 characters
_SECRET_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def is_well_formed(secret: str) -> bool:
    """Whether `secret` could be one of ours (says nothing of whether it is): a malformed token
    is refused without a look at the database."""
    return (
        len(secret) == _SECRET_LENGTH
        and secret.startswith(PREFIX)
        and _SECRET_ALPHABET.issuperset(secret[len(PREFIX) :])
    )
