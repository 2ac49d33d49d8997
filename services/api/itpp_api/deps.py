"""Request-scoped dependencies: the transaction of a request."""

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

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
_WRITE = "itpp_write"


# The checks a request must pass before it waits for its turn at the database, by endpoint
# (main.create_app registers them: a malformed bearer token on a route that authenticates).
# Keyed by the endpoint function; looked up by whatever the request's scope holds (if any).
_BEFORE_ADMISSION: dict[object, Callable[[Request], None]] = {}


def check_before_admission(endpoint: Callable[..., Any], check: Callable[[Request], None]) -> None:
    """Run `check` on every request to `endpoint` before it waits for its turn at the
    database: what it refuses costs no place in the queue (and no connection)."""
    _BEFORE_ADMISSION[endpoint] = check


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


def commit_writer(session: Session) -> None:
    """Commit a writing request's transaction now, in the worker thread that ran its handler
    (routing.OneHopRoute), so that ending the request needs no hop to a thread of its own.
    The same commit `get_session` would make next, before the response is sent; a reader's
    session is left to `get_session`. One difference: a request cancelled while its handler
    runs (nothing cancels one but the server stopping) keeps what the handler completed;
    before, the cancellation, delivered when the thread returned, rolled it back."""
    if session.info.get(_WRITE) and session.in_transaction():
        session.commit()


async def _finish(session: Session, *, commit: bool) -> None:
    """Commit or roll back and close, in a worker thread when the end of the transaction waits
    on the database (a writer's); shielded: a request cancelled meanwhile still gives its
    connection back clean.

    A reader's end waits on nothing, so it runs here, without a hop to a thread: on PostgreSQL
    a reading request runs outside a transaction (no BEGIN, no COMMIT: get_session), and on
    SQLite ending a read transaction releases a lock in shared memory.
    """
    with anyio.CancelScope(shield=True):
        if not session.in_transaction() or not session.info[_WRITE]:
            _end(session, commit)
            return
        # A limiter of its own: finishing frees a connection, so it never queues behind
        # handlers for the default thread pool.
        await anyio.to_thread.run_sync(_end, session, commit, limiter=anyio.CapacityLimiter(1))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back.

    The request waits for its turn at the database first (concurrency.admitted: in the event
    loop, bounded, then 503). The session takes its connection at its first statement, in
    the worker thread that runs it, and gives it back before the response is sent.

    A reading request (GET, HEAD, OPTIONS) on PostgreSQL runs without BEGIN and COMMIT (two
    round trips of the three a one-query read costs): under READ COMMITTED each statement takes
    a snapshot of its own, in a transaction or not, so its statements see what they saw
    before. Its writes are none (a reader's own small write goes through `afterwards`).
    """
    check = _BEFORE_ADMISSION.get(request.scope.get("endpoint"))
    if check is not None:
        check(request)
    write = request.method not in READ_METHODS
    async with admitted(write=write) as turn:
        session = lazy_session(write=write, snapshot=write)
        session.info[_TURN] = turn
        session.info[_WRITE] = write
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
