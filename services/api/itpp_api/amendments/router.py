"""HTTP routes for amendments (the version diff and the plan as of a date are served by the
plans router, from amendments/diff.py and amendments/history.py)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.amendments import service
from itpp_api.amendments.operations import describe_all
from itpp_api.amendments.schemas import (
    AmendmentCreate,
    AmendmentDecisionCreate,
    AmendmentOperationList,
    AmendmentPage,
    AmendmentPublic,
    ConsentRecordList,
)
from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.auth.policy import Action
from itpp_api.config import get_settings
from itpp_api.conventions import IdempotencyKey, json_response, record_response
from itpp_api.deps import SessionDep
from itpp_api.enums import AmendmentStatus
from itpp_api.errors import problem_responses
from itpp_api.plans import service as plans
from itpp_api.routing import OneHopRoute

router = APIRouter(route_class=OneHopRoute)
_MAX = get_settings().page_size_max


@router.get(
    "/amendment-operations",
    tags=["amendments"],
    operation_id="listAmendmentOperations",
    summary="The kinds of operation a change set can hold, described for clients",
    description="For each kind (`op`): its name in Japanese and English, what the parties "
    "consent to by it, whether it must be alone in its change set, the plan statuses it can be "
    "proposed in, and its fields — type, required, bounds, choices or the records they are "
    "chosen from — as the change set schema accepts them.",
    response_model=AmendmentOperationList,
    responses=problem_responses(),
)
def list_amendment_operations(actor: ActorDep) -> Response:
    policy.require_signed_in(actor)
    return json_response({"items": describe_all()})


@router.get(
    "/plans/{plan_id}/amendments",
    tags=["amendments"],
    operation_id="listAmendments",
    summary="List a plan's amendments, newest first",
    response_model=AmendmentPage,
    responses=problem_responses(400, 404, 422),
)
def list_amendments(
    plan_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[
        list[AmendmentStatus] | None, Query(description="Only these statuses.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=_MAX, description=f"Page size, at most {_MAX}.")] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    plan = plans.get_plan(session=session, plan_id=plan_id, actor=actor)
    items, next_cursor = service.list_amendments(
        session=session, actor=actor, plan=plan, status=status, cursor=cursor, limit=limit
    )
    return json_response({"items": items, "next_cursor": next_cursor})


@router.get(
    "/plans/{plan_id}/consents",
    tags=["amendments"],
    operation_id="listPlanConsents",
    summary="The plan's record of consent: each consent applied, with every party's approval",
    description="Its coming into force (for a successor: the renewal of its predecessor), every "
    "applied amendment, its termination or renewal — who approved each for each party, and "
    "when. A plan the operator recorded as agreed outside ITPP Tracker has no entry for its "
    "coming into force (its version 1 names no amendment).",
    response_model=ConsentRecordList,
    responses=problem_responses(404, 422),
)
def list_plan_consents(plan_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan = plans.get_plan(session=session, plan_id=plan_id, actor=actor)
    return json_response({"items": service.consent_record(session=session, plan=plan)})


@router.post(
    "/plans/{plan_id}/amendments",
    tags=["amendments"],
    operation_id="proposeAmendment",
    summary="Propose what every party must consent to: a draft's coming into force, a change "
    "to a plan in force, its termination or renewal",
    description="The change set is checked against the plan as it is now (422 names the "
    "operation's index in `loc`); it applies when every party's approver has approved it. A "
    "draft takes one operation, `bring_into_force`; `terminate` and `renew` are alone in their "
    "change sets too. A direct write refused with 409 `/problems/amendment-required` carries "
    "the change set to post here (`proposal`).",
    status_code=201,
    response_model=AmendmentPublic,
    responses={**record_response(201, created=True), **problem_responses(404, 409, 413, 422)},
)
def propose_amendment(
    plan_id: uuid.UUID,
    data: AmendmentCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan = plans.get_plan(
        session=session, plan_id=plan_id, actor=actor, action=Action.WRITE, for_update=True
    )
    amendment = service.propose(session=session, actor=actor, plan=plan, data=data)
    body = service.as_dict(session=session, actor=actor, plan=plan, amendment=amendment)
    return json_response(
        body,
        status_code=201,
        etag=body["etag"],
        location=f"/api/v1/amendments/{amendment.id}",
    )


@router.get(
    "/amendments/{amendment_id}",
    tags=["amendments"],
    operation_id="getAmendment",
    summary="Get an amendment with each party's decision",
    response_model=AmendmentPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_amendment(amendment_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    plan, amendment = service.get_amendment(session=session, actor=actor, amendment_id=amendment_id)
    body = service.as_dict(session=session, actor=actor, plan=plan, amendment=amendment)
    return json_response(body, etag=body["etag"])


@router.post(
    "/amendments/{amendment_id}/approvals",
    tags=["amendments"],
    operation_id="decideAmendment",
    summary="Approve or reject an amendment for your own party (approvers)",
    description="Records the decision of the caller's party — never another party's. "
    "Repeating it changes nothing. A rejection ends the amendment; the approval that "
    "completes every party's consent applies the change set and records the plan's next "
    "version. 409 when the plan has a newer version than the amendment was proposed against.",
    response_model=AmendmentPublic,
    responses={**record_response(), **problem_responses(404, 409, 413, 422)},
)
def decide_amendment(
    amendment_id: uuid.UUID,
    data: AmendmentDecisionCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, amendment = service.decide(
        session=session, actor=actor, amendment_id=amendment_id, data=data
    )
    body = service.as_dict(session=session, actor=actor, plan=plan, amendment=amendment)
    return json_response(body, etag=body["etag"])


@router.post(
    "/amendments/{amendment_id}/withdraw",
    tags=["amendments"],
    operation_id="withdrawAmendment",
    summary="Withdraw a proposed amendment (the proposing party's writers)",
    response_model=AmendmentPublic,
    responses={**record_response(), **problem_responses(404, 409, 422)},
)
def withdraw_amendment(
    amendment_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    plan, amendment = service.withdraw(session=session, actor=actor, amendment_id=amendment_id)
    body = service.as_dict(session=session, actor=actor, plan=plan, amendment=amendment)
    return json_response(body, etag=body["etag"])
