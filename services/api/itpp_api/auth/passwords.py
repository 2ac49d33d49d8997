"""Password policy and Argon2 hashing (pwdlib), run off the event loop by the callers."""

import unicodedata

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn  # type: ignore[import-untyped]

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn scores 0-4; 3 means "safely unguessable" against an offline-slow attack.
MIN_STRENGTH = 3
_ZXCVBN_MAX = 72

_hasher = PasswordHash((Argon2Hasher(),))


def normalize(password: str) -> str:
    """The same characters typed on different keyboards give the same password (NFKC)."""
    return unicodedata.normalize("NFKC", password)


def policy_problems(password: str, *, user_inputs: tuple[str, ...] = ()) -> list[str]:
    """Why a new password is refused; empty when it is acceptable.

    Any Unicode is accepted as typed; length is counted in characters, not bytes.
    """
    normalized = normalize(password)
    problems: list[str] = []
    if len(normalized) < MIN_LENGTH:
        problems.append(f"The password must have at least {MIN_LENGTH} characters.")
    if len(normalized) > MAX_LENGTH:
        problems.append(f"The password must have at most {MAX_LENGTH} characters.")
    if problems:
        return problems
    if not normalized.strip():
        return ["The password cannot be only spaces."]
    result = zxcvbn(normalized[:_ZXCVBN_MAX], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_STRENGTH:
        warning = result["feedback"].get("warning") or ""
        problems.append(
            "The password is too common or too easy to guess"
            + (f": {warning}" if warning else ".")
            + " A few unrelated words make a strong, memorable password."
        )
    return problems


def hash_password(password: str) -> str:
    """The Argon2 hash of a password (slow by design: call it in a worker thread)."""
    return _hasher.hash(normalize(password))


def verify_password(password: str, password_hash: str) -> bool:
    """Whether the password matches the hash (slow by design: call it in a worker thread)."""
    try:
        return _hasher.verify(normalize(password), password_hash)
    except ValueError:
        return False


# A valid hash of a random string: verifying against it when the account does not exist makes
# "no such user" take as long as "wrong password", so timing does not reveal accounts.
DUMMY_HASH = _hasher.hash("dummy password for timing equalisation")
