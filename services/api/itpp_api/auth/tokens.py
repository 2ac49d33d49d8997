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
