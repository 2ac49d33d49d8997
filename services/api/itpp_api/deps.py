"""Request-scoped dependencies: the transaction of a request."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from itpp_api.db import transaction

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back."""
    with transaction(write=request.method not in READ_METHODS) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a failed commit
# is reported to the caller instead of after a 2xx has gone out.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
