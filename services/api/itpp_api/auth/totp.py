"""Time-based one-time passwords (RFC 6238) as the second factor, with replay protection."""

import time

import pyotp

ISSUER = "ITPP Tracker"
DIGITS = 6
INTERVAL = 30
# Accept the previous and next 30-second step too, for clocks a little off.
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh base32 secret for an authenticator app."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def current_code(secret: str, at: float | None = None) -> str:
    """The code for a secret now (for sample logins and tests)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).at(at or time.time())


def matching_step(
    secret: str, code: str, *, last_step: int | None, at: float | None = None
) -> int | None:
    """The time step the code belongs to, if valid and newer than the last one used.

    Refusing a step at or before the last accepted one stops a code seen over a shoulder
    (or in a log) from being used twice.
    """
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = at if at is not None else time.time()
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = int(now // INTERVAL)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.at(step * INTERVAL), code):
            return step
    return None
