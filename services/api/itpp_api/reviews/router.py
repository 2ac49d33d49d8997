"""HTTP routes for review cycles."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Header
from fastapi.responses import Response

from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action
from itpp_api.comments.params import THREADS_PER_PAGE, ThreadCursorQuery, ThreadLimitQuery
from itpp_api.conventions import (
    ETAG_HEADER,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    conditional_json,
    conditional_response,
    json_response,
    record_response,
)
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.plans.service import get_plan
from itpp_api.reviews import service, workspace
from itpp_api.reviews.schemas import (
    AgreeResult,
    AgreeWherePartiesAgree,
    AssessmentWrite,
    ReviewItemPublic,
    ReviewItemUpdate,
    ReviewList,
    ReviewPublic,
    ReviewUpdate,
    ReviewWorkspace,
    SignOffCreate,
)
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(tags=["reviews"], route_class=OneHopRoute)

SignedIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The review's ETag as you last read it, so you never sign a text you have "
        "not seen. Required: a missing one (or `*`) gets 428, a stale one 412.",
    ),
]


@router.get(
    "/plans/{plan_id}/reviews",
    operation_id="listPlanReviews",
    summary="List a plan's review cycles in order, with their due dates and overdue flags",
    response_model=ReviewList,
    responses=problem_responses(404, 422),
)
def list_plan_reviews(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = get_plan(session=session, plan_id=plan_id, actor=actor)
    return json_response({"items": service.list_reviews(session=session, actor=actor, plan=plan)})


@router.get(
    "/reviews/{review_id}",
    operation_id="getReview",
    summary="Get a review: items with snapshots and assessments, disagreements, sign-offs",
    response_model=ReviewPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_review(review_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, review = service.get_review(session=session, actor=actor, review_id=review_id)
    body = service.review_as_dict(session=session, actor=actor, plan=plan, review=review)
    return json_response(body, etag=body["etag"])


@router.get(
    "/reviews/{review_id}/workspace",
    operation_id="getReviewWorkspace",
    summary="A review's page in one read: where to start watching its plan's events, the review, "
    "its plan, its files and a page of its comment threads",
    description="The answers of `GET /plans/{plan_id}/events` (without `after`), "
    "`GET /reviews/{review_id}`, `GET /plans/{plan_id}` of the review's plan, "
    "`GET /reviews/{review_id}/attachments` and `GET /reviews/{review_id}/comments` (with "
    "`comments_limit` and `comments_cursor` as its `limit` and `cursor`) together, read under "
    "the same access rules (a review of a plan you may not read is a 404, as for "
    "`GET /reviews/{review_id}`; another party's internal files and comments are not in it; a "
    "damaged `comments_cursor` is the thread list's 400). Where to start watching is read "
    "first: a change made while the rest is read is in the answer, or among the events after "
    "it. An `ETag` follows the whole answer; `If-None-Match` with it answers 304 while nothing "
    "in it changed.",
    response_model=ReviewWorkspace,
    responses={**conditional_response(), **problem_responses(400, 404, 422)},
)
def get_review_workspace(
    review_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    comments_limit: ThreadLimitQuery = THREADS_PER_PAGE,
    comments_cursor: ThreadCursorQuery = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    body = workspace.review_workspace(
        session=session,
        actor=actor,
        review_id=review_id,
        comments_cursor=comments_cursor,
        comments_limit=comments_limit,
    )
    return conditional_json(body, if_none_match)


@router.patch(
    "/reviews/{review_id}",
    operation_id="updateReview",
    summary="Write the joint summary or the outcome of an open review (If-Match required; "
    "withdraws the sign-offs given so far)",
    response_model=ReviewPublic,
    responses={
        **record_response(),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def update_review(
    review_id: uuid.UUID,
    data: ReviewUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.WRITE, for_update=True
    )
    require_if_match(if_match, service.reader_etag(session=session, actor=actor, review=review))
    withdrawn = service.update_review(
        session=session, actor=actor, plan=plan, review=review, data=data
    )
    body = service.review_with_withdrawals(
        session=session, actor=actor, plan=plan, review=review, withdrawn=withdrawn
    )
    return json_response(body, etag=body["etag"])


@router.post(
    "/reviews/{review_id}/open",
    operation_id="openReview",
    summary="Open a scheduled review: snapshot every live commitment for assessment",
    response_model=ReviewPublic,
    responses={**record_response(), **problem_responses(404, 409, 422)},
)
def open_review(
    review_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.WRITE, for_update=True
    )
    service.open_review(session=session, actor=actor, plan=plan, review=review)
    body = service.review_as_dict(session=session, actor=actor, plan=plan, review=review)
    return json_response(body, etag=body["etag"])


@router.put(
    "/reviews/{review_id}/items/{item_id}/assessment",
    operation_id="putReviewAssessment",
    summary="Record your own party's assessment of a commitment under review "
    "(If-Match: the item's ETag)",
    response_model=ReviewItemPublic,
    responses={
        **record_response(),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def put_review_assessment(
    review_id: uuid.UUID,
    item_id: uuid.UUID,
    data: AssessmentWrite,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.WRITE, for_update=True
    )
    item, commitment = service.get_item(
        session=session, actor=actor, review=review, item_id=item_id, for_update=True
    )
    require_if_match(if_match, service.item_etag(item))
    service.record_assessment(
        session=session,
        actor=actor,
        plan=plan,
        review=review,
        item=item,
        commitment=commitment,
        data=data,
    )
    body = service.item_as_dict(session=session, actor=actor, plan=plan, review=review, item=item)
    return json_response(body, etag=body["etag"])


@router.patch(
    "/reviews/{review_id}/items/{item_id}",
    operation_id="updateReviewItem",
    summary="Record the agreed rating of a commitment under review (If-Match required; "
    "withdraws the sign-offs given so far)",
    response_model=ReviewItemPublic,
    responses={
        **record_response(),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def update_review_item(
    review_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ReviewItemUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.WRITE, for_update=True
    )
    item, commitment = service.get_item(
        session=session, actor=actor, review=review, item_id=item_id, for_update=True
    )
    require_if_match(if_match, service.item_etag(item))
    withdrawn = service.update_item(
        session=session,
        actor=actor,
        plan=plan,
        review=review,
        item=item,
        commitment=commitment,
        data=data,
    )
    body = service.item_as_dict(session=session, actor=actor, plan=plan, review=review, item=item)
    body["sign_offs_withdrawn"] = withdrawn
    body["notice"] = service.withdrawal_notice(withdrawn)
    return json_response(body, etag=body["etag"])


@router.post(
    "/reviews/{review_id}/agree-where-parties-agree",
    operation_id="agreeWherePartiesAgree",
    summary="Record, in one step, the agreed rating of every named item every party assessed "
    "alike (approvers; items changed since you read them are skipped and reported)",
    response_model=AgreeResult,
    responses={**record_response(), **problem_responses(404, 409, 413, 422)},
)
def agree_where_parties_agree(
    review_id: uuid.UUID,
    data: AgreeWherePartiesAgree,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.CONSENT, for_update=True
    )
    outcome = service.agree_where_parties_agree(
        session=session, actor=actor, plan=plan, review=review, data=data
    )
    body = service.review_with_withdrawals(
        session=session, actor=actor, plan=plan, review=review, withdrawn=outcome.withdrawn
    )
    body["agreed"] = outcome.agreed
    body["skipped"] = outcome.skipped
    return json_response(body, etag=body["etag"])


@router.post(
    "/reviews/{review_id}/sign-offs",
    operation_id="signOffReview",
    summary="Sign a review off for your own party (approvers only; If-Match required; signing "
    "again changes nothing)",
    status_code=201,
    response_model=ReviewPublic,
    responses={
        200: {
            "model": ReviewPublic,
            "description": "Your party had signed already: the review as it is.",
            "headers": ETAG_HEADER,
        },
        **record_response(201, created=True),
        **problem_responses(404, 409, 412, 413, 422, 428),
    },
)
def sign_off_review(
    review_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    data: Annotated[
        SignOffCreate,
        Body(
            default_factory=SignOffCreate,
            openapi_examples={"own": {"summary": "Sign for your own party", "value": {}}},
        ),
    ],
    if_match: SignedIfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.CONSENT, for_update=True
    )
    require_if_match(if_match, service.reader_etag(session=session, actor=actor, review=review))
    created = service.sign_off(
        session=session,
        actor=actor,
        plan=plan,
        review=review,
        party_id=data.party_id,
    )
    body = service.review_as_dict(session=session, actor=actor, plan=plan, review=review)
    return json_response(
        body,
        status_code=201 if created else 200,
        etag=body["etag"],
        location=f"/api/v1/reviews/{review.id}",
    )


@router.post(
    "/reviews/{review_id}/conclude",
    operation_id="concludeReview",
    summary="Conclude a review signed off by every party: commitments take their agreed "
    "ratings as health",
    response_model=ReviewPublic,
    responses={**record_response(), **problem_responses(404, 409, 422)},
)
def conclude_review(
    review_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, review = service.get_review(
        session=session, actor=actor, review_id=review_id, action=Action.WRITE, for_update=True
    )
    service.conclude_review(session=session, actor=actor, plan=plan, review=review)
    body = service.review_as_dict(session=session, actor=actor, plan=plan, review=review)
    return json_response(body, etag=body["etag"])
