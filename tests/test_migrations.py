"""The Alembic migrations and the SQLModel tables agree, on SQLite and on PostgreSQL, and the
SQLite engine is configured as the design requires."""

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import itpp_api.models  # noqa: F401  (every table on the metadata)
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.config import get_settings
from itpp_api.db import build_engine, transaction
from itpp_api.enums import PlanStatus
from itpp_api.exchanges.models import Exchange
from itpp_api.migrate import (
    current_revision,
    downgrade,
    head_revision,
    include_object_for,
    is_search_index_table,
    upgrade,
)
from itpp_api.plans.models import Plan, PlanVersion, PriorityArea
from tests.conftest import Database, create_postgres_database, drop_postgres_database
from tests.factories import agree, bring_into_force, make_commitment, make_exchange, make_world


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database that was never migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    url = create_postgres_database("itpp_migrations")
    try:
        yield url
    finally:
        drop_postgres_database(url)


def engine_for(url: str) -> Engine:
    return build_engine(get_settings().model_copy(update={"database_url": url}))


def schema_differences(engine: Engine) -> list[Any]:
    """What autogenerate would put in a new revision: nothing, when models and migrations agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": include_object_for(connection.dialect.name),
            },
        )
        return list(compare_metadata(context, SQLModel.metadata))


def table_names(engine: Engine) -> set[str]:
    """The database's tables, besides SQLite's search index (an FTS5 virtual table and the
    tables it keeps itself in: no model describes them)."""
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names())
    return {name for name in names if not is_search_index_table(name)}


def test_upgrade_from_empty_to_head_matches_the_models_and_downgrades_to_base(
    fresh_url: str,
) -> None:
    engine = engine_for(fresh_url)
    try:
        assert table_names(engine) == set()

        upgrade(fresh_url)
        assert current_revision(engine) == head_revision()
        model_tables = {t.name for t in SQLModel.metadata.sorted_tables}
        assert table_names(engine) == model_tables | {"alembic_version"}
        assert schema_differences(engine) == []

        downgrade(fresh_url, "base")
        assert table_names(engine) == {"alembic_version"}
        assert current_revision(engine) is None

        upgrade(fresh_url)
        assert current_revision(engine) == head_revision()
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_comparison_would_notice_a_table_missing_from_the_database(
    fresh_url: str,
) -> None:
    """The agreement check above is not vacuous: a schema behind the models is reported."""
    engine = engine_for(fresh_url)
    try:
        upgrade(fresh_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE idempotency_record")
        differences = schema_differences(engine)
        assert ("add_table", "idempotency_record") in [
            (d[0], d[1].name) for d in differences if isinstance(d, tuple)
        ]
    finally:
        engine.dispose()


def test_sqlite_engine_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_a_commitment_with_a_nonexistent_plan_is_refused_by_the_database(db: Database) -> None:
    world = make_world()

    with pytest.raises(IntegrityError), transaction(write=True) as session:
        session.add(
            Commitment(
                plan_id=uuid.uuid4(),
                priority_area_id=world.cyber,
                reference="CYB-99",
                title={"en": "Orphan"},
                modality="other",
                lead_party_id=world.japan,
                status="planned",
                visibility="shared",
                search_text="orphan",
            )
        )

    with transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Commitment)) == 0


def test_migration_0005_gives_existing_texts_a_source_and_nothing_stale_and_reverts_cleanly(
    db: Database,
) -> None:
    """Down to 0004 drops the translation state and keeps every record (milestones included:
    no table is rebuilt); up again gives each existing text Japanese as its source if it has
    it, else its first language, and nothing stale."""
    world = make_world()
    commitment_id = make_commitment(
        world,
        title={"en": "English only", "fr": "Français"},
        description={"en": "Description", "ja": "説明"},
        milestones=[{"title": {"en": "Step", "ja": "段階"}}],
    )
    exchange_id = make_exchange(world, outcome={"fr": "Résultat"})
    with transaction(write=True) as session:
        plan = session.get(Plan, world.plan)
        assert plan is not None
        plan.sections = [
            {"number": "1.1", "heading": None, "body": {"en": "Body", "ja": "本文"}},
            {"number": "4.1", "heading": {"en": "Term"}, "body": {"en": "Two years"}},
        ]
        plan.objectives = [{"en": "Dialogue"}]
        # A stale state from before: the migration's backfill replaces it.
        commitment = session.get(Commitment, commitment_id)
        assert commitment is not None
        commitment.translations = {"title": {"source": "fr", "stale": ["en"]}}

    downgrade(db.url, "0004")
    try:
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("commitment")}
            assert "translations" not in columns
            assert connection.scalar(select(func.count()).select_from(Milestone)) == 1
    finally:
        upgrade(db.url)

    fresh = {"source": "ja", "stale": []}
    with transaction(write=False) as session:
        plan = session.get(Plan, world.plan)
        commitment = session.get(Commitment, commitment_id)
        milestone = session.scalars(select(Milestone)).one()
        exchange = session.get(Exchange, exchange_id)
        area = session.get(PriorityArea, world.cyber)
        assert plan and commitment and exchange and area
        assert plan.translations == {
            "title": fresh,
            "sections[1.1].body": fresh,
            "sections[4.1].heading": {"source": "en", "stale": []},
            "sections[4.1].body": {"source": "en", "stale": []},
            "objectives[0]": {"source": "en", "stale": []},
        }
        assert area.translations == {"title": fresh}
        assert commitment.translations == {
            "title": {"source": "en", "stale": []},
            "description": fresh,
        }
        assert milestone.translations == {"title": fresh}
        assert exchange.translations == {
            "title": fresh,
            "outcome": {"source": "fr", "stale": []},
        }


def test_migration_0006_dates_existing_versions_links_their_consents_and_keeps_every_record(
    db: Database,
) -> None:
    """Down to 0005 and up again: version 1 is agreed from the plan's approval date, a later
    version from the day it was recorded and linked to the amendment that made it; no plan,
    commitment or milestone is lost on the way (no table with cascading children is rebuilt)."""
    world = make_world(status=PlanStatus.DRAFT)
    make_commitment(world, milestones=[{"title": {"en": "Step"}}])
    bring_into_force(world.plan, approval_date=today() - timedelta(days=90))
    amendment = agree(world.plan, [{"op": "change_term", "term_months": 30}])

    downgrade(db.url, "0005")
    try:
        with db.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("plan_version")}
            assert "agreed_on" not in columns
            assert connection.scalar(select(func.count()).select_from(Milestone)) == 1
    finally:
        upgrade(db.url)

    with transaction(write=False) as session:
        versions = {
            v.number: v
            for v in session.scalars(select(PlanVersion).where(PlanVersion.plan_id == world.plan))
        }
        assert session.scalar(select(func.count()).select_from(Milestone)) == 1
        assert session.scalar(select(func.count()).select_from(Commitment)) == 1
    assert versions[1].agreed_on == today() - timedelta(days=90)
    assert versions[2].agreed_on == versions[2].created_at.date()
    assert versions[2].amendment_id == amendment
    assert versions[1].amendment_id is not None


def test_migration_0018_gives_names_summaries_and_amendments_a_source_and_reverts_cleanly(
    db: Database,
) -> None:
    """Down to 0017 drops the new translation states and keeps every record (no table is
    rebuilt: the organisations of a party, the items of a review stay); up again gives each
    existing party and organisation name, review summary, amendment title and rationale Japanese
    as its source if it has it, else its first language, and nothing stale; a review without a
    summary has no state."""
    from itpp_api.amendments.models import Amendment
    from itpp_api.parties.models import Organisation, Party
    from itpp_api.reviews.models import ReviewCycle
    from tests.factories import make_amendment

    world = make_world()
    amendment_id = make_amendment(
        world, [{"op": "change_review_interval", "review_interval_months": 6}]
    )
    with transaction(write=True) as session:
        reviews = list(
            session.scalars(
                select(ReviewCycle)
                .where(ReviewCycle.plan_id == world.plan)
                .order_by(ReviewCycle.number)
            )
        )
        assert len(reviews) >= 2
        reviews[0].summary = {"en": "On track", "fr": "En bonne voie"}
        summarised, unsummarised = reviews[0].id, reviews[1].id
        organisations = session.scalar(select(func.count()).select_from(Organisation))

    downgrade(db.url, "0017_plan_lead_texts")
    try:
        with db.engine.connect() as connection:
            for table in ("party", "organisation", "review_cycle", "amendment"):
                columns = {c["name"] for c in inspect(connection).get_columns(table)}
                assert "translations" not in columns, table
            assert (
                connection.scalar(select(func.count()).select_from(Organisation)) == organisations
            )
    finally:
        upgrade(db.url)

    fresh = {"source": "ja", "stale": []}
    with transaction(write=False) as session:
        japan, nato = session.get(Party, world.japan), session.get(Party, world.nato)
        shape = session.get(Organisation, world.shape)
        amendment = session.get(Amendment, amendment_id)
        review, unwritten = (
            session.get(ReviewCycle, summarised),
            session.get(ReviewCycle, unsummarised),
        )
        assert japan and nato and shape and amendment and review and unwritten
        assert japan.translations == {"name": fresh}
        assert nato.translations == {"name": fresh}
        assert shape.translations == {"name": {"source": "en", "stale": []}}
        assert amendment.translations == {"title": fresh, "rationale": fresh}
        assert review.translations == {"summary": {"source": "en", "stale": []}}
        assert unwritten.translations == {}


def test_migration_0028_lets_untagged_tokens_live_until_the_latest_of_them_expires(
    db: Database,
) -> None:
    """The key's `legacy_until` is the latest expiry among the tokens not revoked when the
    migration ran (a revoked one does not count), so every token issued before tags keeps
    working until it expires (auth/tokens.py)."""
    from itpp_api.auth import token_key
    from itpp_api.auth.models import AccessToken
    from itpp_api.auth.tokens import hash_secret
    from itpp_api.db import utcnow
    from tests.factories import make_user, token_for

    make_world()
    user = make_user("JP", "editor")
    alive, revoked = token_for(user), token_for(user)
    latest = (utcnow() + timedelta(days=200)).replace(microsecond=0)
    with transaction(write=True) as session:
        for secret, values in (
            (alive, {"expires_at": latest}),
            (revoked, {"expires_at": latest + timedelta(days=1), "revoked_at": utcnow()}),
        ):
            token = session.scalars(
                select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))
            ).one()
            for name, value in values.items():
                setattr(token, name, value)
    downgrade(db.url, "0027_organisation_row_version")
    upgrade(db.url)
    with transaction(write=False) as session:
        key = token_key.load(session)
    assert key is not None
    assert key.legacy_until == latest
