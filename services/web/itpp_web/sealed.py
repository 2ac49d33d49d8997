"""Short-lived values the web keeps for one browser between two requests, sealed in a cookie.

The web service keeps nothing in memory between requests (any replica may answer the next
one), so what must survive a redirect lives in the browser, sealed: AES-GCM under a key
derived from the service's secret key for one purpose, with the expiry time bound into the
seal. The browser cannot read, change or extend it; another purpose's key cannot open it; a
seal past its time opens as nothing. Two uses (docs/web.md, "Sessions that end"):

- `SIGN_IN_COOKIE`: a sign-in waiting for its one-time code keeps the email and password, so
  an approver asked for the code does not type the password again (`SIGN_IN_MAX_AGE`).
- `KEPT_FORM_COOKIE`: the fields of a form posted after the session ended, shown again after
  signing in (`KEPT_FORM_MAX_AGE`, at most `KEPT_FORM_MAX_BYTES` sealed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import time
import zlib
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGN_IN_COOKIE = "itpp_sign_in"
SIGN_IN_MAX_AGE = 300
KEPT_FORM_COOKIE = "itpp_kept_form"
KEPT_FORM_MAX_AGE = 900
# A browser keeps about 4 KB per cookie: a larger form is not kept.
KEPT_FORM_MAX_BYTES = 3800
_NONCE_BYTES = 12


def _key(secret_key: bytes, purpose: str) -> bytes:
    return hmac.new(secret_key, f"itpp-web-sealed:{purpose}".encode(), hashlib.sha256).digest()


def seal(secret_key: bytes, purpose: str, value: Any, max_age: int) -> str:
    """`value` (JSON-able) sealed for `purpose` until `max_age` seconds from now."""
    expires = int(time.time()) + max_age
    header = struct.pack(">Q", expires)
    nonce = os.urandom(_NONCE_BYTES)
    plain = zlib.compress(json.dumps(value, separators=(",", ":")).encode())
    sealed = AESGCM(_key(secret_key, purpose)).encrypt(nonce, plain, purpose.encode() + header)
    return base64.urlsafe_b64encode(header + nonce + sealed).decode().rstrip("=")


def unseal(secret_key: bytes, purpose: str, token: str | None) -> Any:
    """The value sealed for `purpose`, or None (absent, altered, another purpose's, expired)."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    if len(raw) < 8 + _NONCE_BYTES + 16:
        return None
    header, nonce, sealed = raw[:8], raw[8 : 8 + _NONCE_BYTES], raw[8 + _NONCE_BYTES :]
    if struct.unpack(">Q", header)[0] < time.time():
        return None
    try:
        plain = AESGCM(_key(secret_key, purpose)).decrypt(nonce, sealed, purpose.encode() + header)
        return json.loads(zlib.decompress(plain))
    except (InvalidTag, ValueError, zlib.error):
        return None
