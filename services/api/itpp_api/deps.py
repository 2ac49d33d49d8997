"""Request-scoped dependencies: the transaction of a request."""

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from itpp_api.concurrency import Turn, admitted, run_db
from itpp_api.db import lazy_session
from itpp_api.errors import DomainError, ServiceUnavailable

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

logger = logging.getLogger("itpp_api.deps")

_AFTERWARDS = "itpp_afterwards"
_TURN = "itpp_turn"


def afterwards(session: Session, write: Callable[[], None]) -> None:
    """Run `write` (which opens its own write transaction) once the request's transaction has
    ended: how a reading request records a small write of its own (a token's or a feed's last
    use) without a second connection, and on SQLite without writing inside a read. Best
    effort: when the database is busy it is skipped, and the next request does it."""
    session.info.setdefault(_AFTERWARDS, []).append(write)


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _finish(session: Session, *, commit: bool) -> None:
    """Commit or roll back and close, in a worker thread when there is a transaction (the
    commit waits on the database); shielded: a request cancelled meanwhile still gives its
    connection back clean."""
    with anyio.CancelScope(shield=True):
        if not session.in_transaction():
            session.close()
            return
        # A limiter of its own: finishing frees a connection, so it never queues behind
        # handlers for the default thread pool.
        await anyio.to_thread.run_sync(_end, session, commit, limiter=anyio.CapacityLimiter(1))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back.

    The request waits for its turn at the database first (concurrency.admitted: in the event
    loop, bounded, then 503). The session takes its connection at its first statement, in
    the worker thread that runs it, and gives it back before the response is sent.
    """
    write = request.method not in READ_METHODS
    async with admitted(write=write) as turn:
        session = lazy_session(write=write)
        session.info[_TURN] = turn
        try:
            yield session
        except DomainError as exc:
            await _finish(session, commit=False)
            turn.release()  # before waiting for another turn: turns are never nested
            if exc.status < 500:  # refused, not failed: what it did record still counts
                await _afterwards(session)
            raise
        except BaseException:
            await _finish(session, commit=False)
            raise
        await _finish(session, commit=True)
    await _afterwards(session)


async def end_transaction(session: Session) -> None:
    """Commit the request's transaction now and give its turn at the database to another
    request: for a handler whose remaining work needs no database and may take long (rendering
    a PDF). The session must not be used afterwards."""
    await _finish(session, commit=True)
    turn: Turn = session.info[_TURN]
    turn.release()
    await _afterwards(session)


async def _afterwards(session: Session) -> None:
    for work in session.info.pop(_AFTERWARDS, []):
        try:
            await run_db(work, write=True)
        except (ServiceUnavailable, SQLAlchemyError) as exc:
            logger.warning("a write after the request was skipped: %s", exc)


# scope="function": the commit happens before the response is sent, so a failed commit
# is reported to the caller instead of after a 2xx has gone out.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
