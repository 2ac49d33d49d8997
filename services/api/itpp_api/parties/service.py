"""Rules and queries for parties and organisations."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, select

from itpp_api import driver
from itpp_api.audit import service as audit
from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.db import table_of
from itpp_api.errors import Conflict, NotFound
from itpp_api.localized import pop_translation_request, record_translations, translations_view
from itpp_api.parties.models import Organisation, Party
from itpp_api.parties.schemas import (
    OrganisationCreate,
    OrganisationUpdate,
    PartyCreate,
    PartyPublic,
)
from itpp_api.wire import make_etag

# PartyPublic's fields, in its order: a party's representation is read from them by name.
_PARTY_FIELDS = tuple(PartyPublic.model_fields)


def _party_dict(stored: Iterable[Any]) -> dict[str, Any]:
    """A party's public representation from its stored values of _PARTY_FIELDS, in order."""
    item = dict(zip(_PARTY_FIELDS, stored, strict=True))
    item["translations"] = translations_view(item["translations"])
    return item


def party_to_dict(party: Party) -> dict[str, Any]:
    """The public representation of a party."""
    return _party_dict(getattr(party, name) for name in _PARTY_FIELDS)


def organisation_to_dict(organisation: Organisation, actor: Actor) -> dict[str, Any]:
    """The public representation of an organisation, with what the caller may do with it."""
    return {
        "id": organisation.id,
        "party_id": organisation.party_id,
        "code": organisation.code,
        "name": organisation.name,
        "translations": translations_view(organisation.translations),
        "allowed_actions": list(policy.organisation_actions(actor, organisation.party_id)),
        "etag": organisation_etag(organisation),
        "created_at": organisation.created_at,
    }


def organisation_etag(organisation: Organisation) -> str:
    """The ETag of an organisation's current state."""
    return make_etag(organisation.id, organisation.row_version)


_P = table_of(Party).c
# The columns of party_to_dict, by code; built once (the list is the API's cheapest route).
_PARTIES = core_select(*(_P[name] for name in _PARTY_FIELDS)).order_by(_P.code)


def list_parties(*, session: Session) -> list[dict[str, Any]]:
    """Every party's public representation (party_to_dict), by code."""
    return [_party_dict(row) for row in driver.run(session.connection(), _PARTIES, {})]


def name_translations(name: dict[str, str], source_languages: dict[str, str]) -> dict[str, Any]:
    """The translation state of a new party's or organisation's name (a 422 when the source
    language asked for is not one of the name's)."""
    return record_translations(None, {"name": name}, {}, source_languages=source_languages)


def get_party(*, session: Session, party_id: uuid.UUID) -> Party:
    """One party, or NotFound."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"No party with id {party_id}.")
    return party


def create_party(*, session: Session, actor: Actor, data: PartyCreate) -> Party:
    """Record a new party (admins); its code must be unused."""
    policy.authorize_reference_data(actor)
    if session.scalar(select(Party.id).where(Party.code == data.code)) is not None:
        raise Conflict(f"A party with code {data.code!r} already exists.")
    party = Party(
        code=data.code,
        name=data.name,
        translations=name_translations(data.name, data.source_languages),
    )
    session.add(party)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="party",
        entity_id=party.id,
        after={"code": party.code, "name": party.name},
    )
    return party


def list_organisations(
    *, session: Session, party_id: uuid.UUID | None = None
) -> list[Organisation]:
    """Organisations, optionally of one party, by code."""
    statement = select(Organisation).order_by(Organisation.code)
    if party_id is not None:
        statement = statement.where(Organisation.party_id == party_id)
    return list(session.scalars(statement))


def get_organisation(
    *, session: Session, organisation_id: uuid.UUID, for_update: bool = False
) -> Organisation:
    """One organisation, or NotFound (organisations are reference data every signed-in user
    reads; who may change one is the policy's `authorize_reference_data`)."""
    organisation = session.get(Organisation, organisation_id, with_for_update=for_update)
    if organisation is None:
        raise NotFound(f"No organisation with id {organisation_id}.")
    return organisation


def update_organisation(
    *, session: Session, actor: Actor, organisation: Organisation, data: OrganisationUpdate
) -> Organisation:
    """An admin of the organisation's party changes its names or code (the code must stay
    unused by any other organisation)."""
    policy.authorize_reference_data(actor, organisation.party_id)
    changes = data.model_dump(exclude_unset=True)
    source_languages, reviewed = pop_translation_request(changes)
    code = changes.get("code")
    if code is not None and code != organisation.code:
        taken = session.scalar(
            select(Organisation.id).where(
                Organisation.code == code, Organisation.id != organisation.id
            )
        )
        if taken is not None:
            raise Conflict(f"An organisation with code {code!r} already exists.")
    before = audit.audited(organisation)
    if "name" in changes or source_languages or reviewed:
        organisation.translations = record_translations(
            {"name": organisation.name},
            {"name": changes.get("name", organisation.name)},
            organisation.translations,
            source_languages=source_languages,
            reviewed_translations=reviewed,
        )
    for name, value in changes.items():
        setattr(organisation, name, value)
    session.add(organisation)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="update",
        entity_type="organisation",
        entity_id=organisation.id,
        before=before,
        after=audit.audited(organisation),
    )
    return organisation


def create_organisation(
    *, session: Session, actor: Actor, party: Party, data: OrganisationCreate
) -> Organisation:
    """Record a new organisation of a party (its admins); its code must be unused."""
    policy.authorize_reference_data(actor, party.id)
    if session.scalar(select(Organisation.id).where(Organisation.code == data.code)) is not None:
        raise Conflict(f"An organisation with code {data.code!r} already exists.")
    organisation = Organisation(
        party_id=party.id,
        code=data.code,
        name=data.name,
        translations=name_translations(data.name, data.source_languages),
    )
    session.add(organisation)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type="organisation",
        entity_id=organisation.id,
        after={"party_id": party.id, "code": organisation.code, "name": organisation.name},
    )
    return organisation
