"""HTTP route of the search across the caller's plans."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.service import unauthorized
from itpp_api.conventions import json_response
from itpp_api.deps import SessionDep
from itpp_api.errors import ValidationFailed, problem_responses
from itpp_api.routing import OneHopRoute
from itpp_api.search import service
from itpp_api.search.schemas import SearchKind, SearchPage

router = APIRouter(tags=["search"], route_class=OneHopRoute)


@router.get(
    "/search",
    operation_id="search",
    summary="Search the plans, priority areas, commitments, exchanges, reviews and "
    "amendments you may see",
    description="Finds `q` anywhere in a record's reference, titles and text (a commitment's "
    "or priority area's description, an exchange's outcome, a review's summary, an "
    "amendment's rationale), in Japanese and English, case-insensitively, across every plan "
    "of your party. Best first: the reference itself, then titles, then references that "
    "contain `q`, then the text. Under the access policy: another party's internal records "
    "are never matched, ranked or counted. Each result's `snippet` is plain text with the "
    "matches as offsets (`highlights`), never markup.",
    response_model=SearchPage,
    responses=problem_responses(400, 401, 403, 422),
)
def search(
    actor: ActorDep,
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=service.QUERY_MAX,
            description=f"The text to find: 1 to {service.QUERY_MAX} characters, not only "
            "spaces (leading and trailing spaces are ignored). Shorter than 3 characters, it "
            "is matched without the index (slower on large databases).",
        ),
    ],
    kind: Annotated[
        list[SearchKind] | None, Query(description="Only these kinds; repeat for several.")
    ] = None,
    plan_id: Annotated[uuid.UUID | None, Query(description="Only this plan's records.")] = None,
    limit: Annotated[
        int,
        Query(ge=1, le=service.LIMIT_MAX, description=f"Page size, 1 to {service.LIMIT_MAX}."),
    ] = 20,
    cursor: Annotated[
        str | None,
        Query(
            max_length=512,
            description="The previous page's `next_cursor` (a damaged cursor is a 400).",
        ),
    ] = None,
) -> Response:
    policy.require_signed_in(actor)
    if actor.party_id is None:
        raise unauthorized("Sign in as a user.")
    text = q.strip()
    if not text:
        raise ValidationFailed("q must contain something besides spaces.")
    page = service.search(
        session=session,
        actor=actor,
        q=text,
        kinds=kind or (),
        plan_id=plan_id,
        cursor=cursor,
        limit=limit,
    )
    return json_response(page)
