"""HTTP routes for parties and organisations."""

import uuid

from fastapi import APIRouter, Query
from fastapi.responses import Response

from itpp_api.auth import policy
from itpp_api.auth.dependencies import ActorDep
from itpp_api.conventions import (
    LOCATION_HEADER,
    IdempotencyKey,
    IfMatch,
    json_response,
    record_response,
)
from itpp_api.deps import SessionDep
from itpp_api.errors import problem_responses
from itpp_api.parties import service
from itpp_api.parties.schemas import (
    OrganisationCreate,
    OrganisationList,
    OrganisationPublic,
    OrganisationUpdate,
    PartyCreate,
    PartyList,
    PartyPublic,
)
from itpp_api.routing import OneHopRoute
from itpp_api.wire import require_if_match

router = APIRouter(tags=["parties"], route_class=OneHopRoute)


@router.get(
    "/parties",
    operation_id="listParties",
    summary="List parties",
    response_model=PartyList,
    responses=problem_responses(422),
)
def list_parties(session: SessionDep, actor: ActorDep) -> Response:
    policy.require_signed_in(actor)
    return json_response({"items": service.list_parties(session=session)})


@router.post(
    "/parties",
    operation_id="createParty",
    summary="Create a party",
    status_code=201,
    response_model=PartyPublic,
    responses={201: {"headers": LOCATION_HEADER}, **problem_responses(409, 413, 422)},
)
def create_party(
    data: PartyCreate, session: SessionDep, actor: ActorDep, idempotency_key: IdempotencyKey = None
) -> Response:
    party = service.create_party(session=session, actor=actor, data=data)
    return json_response(
        service.party_to_dict(party), status_code=201, location=f"/api/v1/parties/{party.id}"
    )


@router.get(
    "/parties/{party_id}",
    operation_id="getParty",
    summary="Get a party",
    response_model=PartyPublic,
    responses=problem_responses(404, 422),
)
def get_party(party_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    policy.require_signed_in(actor)
    return json_response(
        service.party_to_dict(service.get_party(session=session, party_id=party_id))
    )


@router.get(
    "/organisations",
    operation_id="listOrganisations",
    summary="List organisations",
    response_model=OrganisationList,
    responses=problem_responses(422),
)
def list_organisations(
    session: SessionDep,
    actor: ActorDep,
    party_id: uuid.UUID | None = Query(default=None, description="Only this party's."),
) -> Response:
    policy.require_signed_in(actor)
    items = [
        service.organisation_to_dict(o, actor)
        for o in service.list_organisations(session=session, party_id=party_id)
    ]
    return json_response({"items": items})


@router.post(
    "/parties/{party_id}/organisations",
    operation_id="createOrganisation",
    summary="Create an organisation of a party",
    status_code=201,
    response_model=OrganisationPublic,
    responses={**record_response(201, created=True), **problem_responses(404, 409, 413, 422)},
)
def create_organisation(
    party_id: uuid.UUID,
    data: OrganisationCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    party = service.get_party(session=session, party_id=party_id)
    organisation = service.create_organisation(session=session, actor=actor, party=party, data=data)
    return json_response(
        service.organisation_to_dict(organisation, actor),
        status_code=201,
        etag=service.organisation_etag(organisation),
        location=f"/api/v1/organisations/{organisation.id}",
    )


@router.get(
    "/organisations/{organisation_id}",
    operation_id="getOrganisation",
    summary="Get an organisation",
    response_model=OrganisationPublic,
    responses={**record_response(), **problem_responses(404, 422)},
)
def get_organisation(organisation_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> Response:
    policy.require_signed_in(actor)
    organisation = service.get_organisation(session=session, organisation_id=organisation_id)
    return json_response(
        service.organisation_to_dict(organisation, actor),
        etag=service.organisation_etag(organisation),
    )


@router.patch(
    "/organisations/{organisation_id}",
    operation_id="updateOrganisation",
    summary="Change an organisation's names or code (admins of its party; If-Match)",
    response_model=OrganisationPublic,
    responses={**record_response(), **problem_responses(403, 404, 409, 412, 413, 422, 428)},
)
def update_organisation(
    organisation_id: uuid.UUID,
    data: OrganisationUpdate,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    organisation = service.get_organisation(
        session=session, organisation_id=organisation_id, for_update=True
    )
    require_if_match(if_match, service.organisation_etag(organisation))
    organisation = service.update_organisation(
        session=session, actor=actor, organisation=organisation, data=data
    )
    return json_response(
        service.organisation_to_dict(organisation, actor),
        etag=service.organisation_etag(organisation),
    )
