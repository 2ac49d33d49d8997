"""The steps of signing in, each a short transaction of its own (auth/router.py runs the slow
password check between them, holding no connection): charge the attempt, read the stored hash,
then sign in, or note that the password was proven when the second factor is still to come.
"""

from itpp_api.auth import service, throttle
from itpp_api.db import transaction


def reserve(email: str, address: str) -> throttle.Reservation:
    """Charge a sign-in attempt to the email and the address (429 when throttled)."""
    # Committed before the password is checked: a burst of guesses queues here.
    with transaction(write=True) as session:
        return throttle.reserve(session=session, email=email, address=address)


def password_hash_of(email: str) -> str | None:
    """The stored password hash of the user with this email, if any."""
    with transaction(write=False) as session:
        user = service.find_user_by_email(session=session, email=email)
        return user.password_hash if user else None


def password_proven(reservation: throttle.Reservation) -> None:
    """The password was right but the second factor is still to come."""
    with transaction(write=True) as session:
        throttle.password_proven(session=session, reservation=reservation)


def sign_in(
    reservation: throttle.Reservation, password_hash: str, otp: str | None
) -> service.SignIn:
    """Complete the sign-in whose password matched `password_hash` (and the one-time code)."""
    with transaction(write=True) as session:
        user = service.find_user_by_email(session=session, email=reservation.email)
        # The password matched this hash: if it changed since, the check proved nothing.
        if user is None or user.password_hash != password_hash:
            raise service.InvalidCredentials("Wrong email, password or one-time code.")
        # Counters first, then the user and the audit chain (one lock order everywhere); if
        # the one-time code fails, the transaction and this with it roll back.
        throttle.succeeded(session=session, reservation=reservation)
        return service.complete_sign_in(session=session, user=user, otp=otp)
