"""The persistence kit bumps `row_version` in one place (itpp_api.db._bump_row_versions)."""

import uuid

from sqlmodel import select

from itpp_api.auth.models import User
from itpp_api.db import lazy_session, transaction
from itpp_api.parties.models import Organisation, Party
from tests.conftest import Database
from tests.factories import make_user


def _organisation() -> uuid.UUID:
    with transaction(write=True) as session:
        party = Party(code="JP", name={"en": "Japan"})
        session.add(party)
        session.flush()
        organisation = Organisation(party_id=party.id, code="MOFA", name={"en": "MOFA"})
        session.add(organisation)
        session.flush()
        # Changed again in the transaction that made it: still a new row.
        organisation.name = {"en": "Ministry of Foreign Affairs"}
        session.flush()
        return organisation.id


def _version(model: type[Organisation] | type[User], record_id: uuid.UUID) -> int:
    with transaction(write=False) as session:
        version = session.scalar(select(model.row_version).where(model.id == record_id))
        assert version is not None
        return version


def test_a_new_row_starts_at_its_initial_version(db: Database) -> None:
    assert _version(Organisation, _organisation()) == 1


def test_a_changed_row_is_bumped_once_per_transaction_whatever_its_flushes(db: Database) -> None:
    organisation_id = _organisation()
    with transaction(write=True) as session:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        organisation.code = "MOFA-1"
        session.flush()
        assert organisation.row_version == 2  # an ETag made after the flush is the new one
        organisation.name = {"en": "Foreign ministry"}
        session.flush()
        assert organisation.row_version == 2
    assert _version(Organisation, organisation_id) == 2
    with transaction(write=True) as session:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        organisation.code = "MOFA-2"
    assert _version(Organisation, organisation_id) == 3


def test_an_unchanged_row_is_not_bumped(db: Database) -> None:
    organisation_id = _organisation()
    with transaction(write=True) as session:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        organisation.code = organisation.code  # set to the value it has: no change
        organisation.name = dict(organisation.name)
        session.add(organisation)
        session.flush()
        assert organisation.row_version == 1
    assert _version(Organisation, organisation_id) == 1


def test_a_column_outside_the_record_moves_no_version(db: Database) -> None:
    _organisation()  # and its party
    user_id = make_user("JP", "editor")
    with transaction(write=True) as session:
        user = session.get(User, user_id)
        assert user is not None
        user.totp_last_step = 12345  # kept by signing in: listed in User.__unversioned__
    assert _version(User, user_id) == 1
    with transaction(write=True) as session:
        user = session.get(User, user_id)
        assert user is not None
        user.display_name = "Renamed"
    assert _version(User, user_id) == 2


def test_a_rolled_back_transaction_leaves_the_next_one_to_bump(db: Database) -> None:
    organisation_id = _organisation()
    session = lazy_session(write=True)
    try:
        for code in ("MOFA-X", "MOFA-Y"):
            organisation = session.get(Organisation, organisation_id)
            assert organisation is not None
            organisation.code = code
            session.flush()
            assert organisation.row_version == 2
            session.rollback()
    finally:
        session.close()
    assert _version(Organisation, organisation_id) == 1
