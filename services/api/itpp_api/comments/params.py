"""The query parameters of a page of comment threads: the thread lists' `limit` and `cursor`,
and the review workspace's `comments_limit` and `comments_cursor`, one set of bounds for both."""

from typing import Annotated, Final

from fastapi import Query

from itpp_api.bounds import COMMENT_PAGE_MAX

# Threads on a page when the request does not say.
THREADS_PER_PAGE: Final = 20

ThreadLimitQuery = Annotated[
    int,
    Query(ge=1, le=COMMENT_PAGE_MAX, description=f"Threads per page, at most {COMMENT_PAGE_MAX}."),
]
ThreadCursorQuery = Annotated[str | None, Query(max_length=512)]
