"""The sample Japan–NATO plan (issue 2 §6) and the `itpp` command line around it."""

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.amendments.schemas import AmendmentDecisionCreate
from itpp_api.amendments.service import decide
from itpp_api.auth.models import User
from itpp_api.auth.service import actor_for
from itpp_api.cli import app
from itpp_api.clock import today
from itpp_api.commitments.models import Commitment, Milestone
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.enums import Decision, PlanStatus, Role
from itpp_api.exchanges.models import Exchange
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.lifecycle import effective_status
from itpp_api.plans.models import Plan, PlanVersion, PriorityArea
from itpp_api.sample import australia
from itpp_api.sample.loader import load
from itpp_api.sample.users import logins_file, sample_email
from tests.conftest import Database, load_sample
from tests.factories import PRODUCTION_ARGON2, make_world, sample_headers

ORGANISATIONS = {
    "MOFA": "JP",
    "MOD": "JP",
    "NATO_HQ": "NATO",
    "SHAPE": "NATO",
    "MARCOM": "NATO",
    "CCDCOE": "NATO",
    "STO": "NATO",
    "SPS": "NATO",
    "AU_DEF_EX": "AU",
}
JP_NATO = "JP-NATO-ITPP"


def row_counts(db: Database) -> dict[str, int]:
    with transaction(write=False, engine=db.engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def bilingual(text: dict[str, str] | None) -> bool:
    return bool(text) and bool(text.get("ja", "").strip()) and bool(text.get("en", "").strip())


def current_plan() -> Plan:
    with transaction(write=False) as session:
        plans = [
            p
            for p in session.scalars(select(Plan).where(Plan.reference == JP_NATO))
            if p.status == PlanStatus.ACTIVE
        ]
    assert len(plans) == 1
    return plans[0]


def test_sample_creates_both_parties_and_the_organisations_named_in_the_seed(db: Database) -> None:
    load_sample()
    with transaction(write=False) as session:
        parties = {p.id: p.code for p in session.scalars(select(Party))}
        organisations = {o.code: parties[o.party_id] for o in session.scalars(select(Organisation))}
    assert set(parties.values()) == {"JP", "NATO", "AU"}
    assert organisations == ORGANISATIONS


def test_sample_plan_has_a_2014_ipcp_then_2018_then_current_lineage(db: Database) -> None:
    load_sample()
    current = current_plan()
    with transaction(write=False) as session:
        by_id = {p.id: p for p in session.scalars(select(Plan))}
        example = australia.plan_of(session).id
    assert len(by_id) == 4  # the lineage, and Australia's example plan
    by_id.pop(example)
    chain = [current]
    while chain[-1].predecessor_id is not None:
        chain.append(by_id[chain[-1].predecessor_id])
    assert len(chain) == 3
    current_, revised, original = chain
    assert original.approval_date == date(2014, 5, 6)
    assert revised.approval_date is not None and revised.approval_date.year == 2018
    for predecessor in (revised, original):
        assert predecessor.status == PlanStatus.SUPERSEDED
        assert effective_status(predecessor) is PlanStatus.SUPERSEDED
    assert effective_status(current_) is PlanStatus.ACTIVE
    assert current_.term_months == 24
    assert current_.review_interval_months == 12


def test_sample_current_plan_was_approved_about_eight_months_ago(db: Database) -> None:
    load_sample()
    plan = current_plan()
    assert plan.approval_date is not None
    assert 235 <= (today() - plan.approval_date).days <= 245


def test_sample_plan_has_nine_bilingual_priority_areas_and_three_objectives(db: Database) -> None:
    load_sample()
    plan = current_plan()
    with transaction(write=False) as session:
        areas = list(
            session.scalars(
                select(PriorityArea)
                .where(PriorityArea.plan_id == plan.id)
                .order_by(PriorityArea.position)  # type: ignore[arg-type]
            )
        )
    assert [a.code for a in areas] == [f"3.1.{n}" for n in range(1, 10)]
    assert all(bilingual(a.title) for a in areas)
    assert len(plan.objectives) == 3
    assert all(bilingual(o) for o in plan.objectives)


def test_sample_has_at_least_two_bilingual_example_commitments_per_area(db: Database) -> None:
    load_sample()
    plan = current_plan()
    with transaction(write=False) as session:
        area_ids = set(
            session.scalars(select(PriorityArea.id).where(PriorityArea.plan_id == plan.id))
        )
        commitments = list(session.scalars(select(Commitment).where(Commitment.plan_id == plan.id)))
    per_area = Counter(c.priority_area_id for c in commitments)
    assert set(per_area) == area_ids
    assert min(per_area.values()) >= 2
    assert all(c.plan_id == plan.id for c in commitments)
    assert all(c.is_example for c in commitments)
    assert all(bilingual(c.title) for c in commitments)


def test_sample_records_version_1_of_the_current_plan_with_its_shared_commitments(
    db: Database,
) -> None:
    load_sample()
    plan = current_plan()
    with transaction(write=False) as session:
        versions = list(session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)))
        shared = session.scalar(
            select(func.count())
            .select_from(Commitment)
            .where(Commitment.plan_id == plan.id, Commitment.visibility == "shared")
        )
    assert [v.number for v in versions] == [1]
    assert versions[0].agreed_on == plan.approval_date
    assert versions[0].amendment_id is not None
    snapshot = versions[0].snapshot
    assert len(snapshot["priority_areas"]) == 9
    # What the parties agreed: the shared commitments, without their delivery.
    assert len(snapshot["commitments"]) == shared
    assert not {"status", "progress", "health", "milestones"} & set(snapshot["commitments"][0])


def test_loading_the_sample_twice_changes_nothing(db: Database) -> None:
    first = load()
    counts = row_counts(db)
    second = load()
    assert first.created is True
    assert second.created is False
    assert row_counts(db) == counts


def test_cli_sample_load_if_empty_leaves_a_database_with_a_plan_alone(db: Database) -> None:
    make_world()
    counts = row_counts(db)
    result = CliRunner().invoke(app, ["sample", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert row_counts(db) == counts


def test_cli_sample_load_if_empty_loads_into_an_empty_database(db: Database) -> None:
    result = CliRunner().invoke(app, ["sample", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert current_plan().reference == "JP-NATO-ITPP"
    # The users' passwords at the production cost (the test run's sample template stores quick
    # hashes instead: tests/factories.py).
    with transaction(write=False) as session:
        hashes = session.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith(PRODUCTION_ARGON2) for h in hashes)


def test_sample_logins_are_kept_beside_the_database_or_in_itpp_var_dir_never_the_checkout(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout_file = Path(__file__).resolve().parents[1] / "var" / "sample-logins.json"
    before = checkout_file.read_bytes() if checkout_file.exists() else None
    monkeypatch.delenv("ITPP_VAR_DIR", raising=False)
    if db.name == "sqlite":
        # A SQLite file outside the checkout: the logins go beside it.
        expected = Path(db.url.removeprefix("sqlite:///")).resolve().parent / "sample-logins.json"
    else:
        # A server database has no "beside": ITPP_VAR_DIR says where.
        monkeypatch.setenv("ITPP_VAR_DIR", str(tmp_path))
        expected = tmp_path / "sample-logins.json"
    get_settings.cache_clear()
    expected.unlink(missing_ok=True)

    loaded = CliRunner().invoke(app, ["sample", "load"])
    shown = CliRunner().invoke(app, ["sample", "logins"])

    assert loaded.exit_code == 0, loaded.output
    assert logins_file() == expected
    assert expected.exists() and expected.stat().st_mode & 0o077 == 0
    assert sample_email("JP", Role.APPROVER) in shown.output
    after = checkout_file.read_bytes() if checkout_file.exists() else None
    assert after == before


def test_cli_help_lists_the_db_sample_and_serve_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("db", "sample", "serve"):
        assert any(line.split()[:1] == [command] for line in _command_lines(result.output))


def test_cli_group_help_lists_their_commands() -> None:
    for group, command in (("db", "upgrade"), ("sample", "load"), ("serve", "api")):
        result = CliRunner().invoke(app, [group, "--help"])
        assert result.exit_code == 0, result.output
        assert any(line.split()[:1] == [command] for line in _command_lines(result.output))


def _command_lines(output: str) -> list[str]:
    return [line.strip(" │|") for line in output.splitlines()]


def test_sample_has_an_example_amendment_approved_by_japan_and_awaiting_nato(
    db: Database,
) -> None:
    load_sample()
    plan = current_plan()
    with transaction(write=False) as session:
        amendments = list(
            session.scalars(
                select(Amendment).where(Amendment.plan_id == plan.id).order_by(Amendment.number)  # type: ignore[arg-type]
            )
        )
        assert [a.status for a in amendments] == ["applied", "proposed", "proposed"]
        amendment = amendments[1]
        decisions = {
            party.code: decision.decision
            for decision, party in session.execute(
                select(AmendmentDecision, Party)
                .join(Party, Party.id == AmendmentDecision.party_id)
                .where(AmendmentDecision.amendment_id == amendment.id)
            ).all()
        }
        cyber = session.scalars(
            select(PriorityArea).where(
                PriorityArea.plan_id == plan.id, PriorityArea.code == "3.1.1"
            )
        ).one()
        nato_approver = session.scalars(
            select(User).where(User.email == sample_email("NATO", Role.APPROVER))
        ).one()
    assert amendment.status == "proposed"
    assert amendment.base_version == 1
    assert amendment.title["en"].startswith("[Example]")
    assert "見本" in amendment.title["ja"]
    assert "Sample data" in amendment.rationale["en"]
    assert [op["op"] for op in amendment.changes] == ["add_commitment", "modify_commitment"]
    assert amendment.changes[0]["commitment"]["priority_area_id"] == str(cyber.id)
    assert amendment.changes[0]["commitment"]["is_example"] is True
    assert decisions == {"JP": "approve"}
    # NATO's approver completes the consent: the change set applies as version 2.
    with transaction(write=True) as session:
        _, applied = decide(
            session=session,
            actor=actor_for(nato_approver, None),
            amendment_id=amendment.id,
            data=AmendmentDecisionCreate(decision=Decision.APPROVE),
        )
        assert applied.status == "applied"
        assert applied.applied_version == 2
        moved = session.scalars(
            select(Commitment).where(
                Commitment.plan_id == plan.id, Commitment.reference == "CYB-02"
            )
        ).one()
        assert plan.approval_date is not None
        assert moved.due_date == plan.approval_date + timedelta(days=480)


def test_sample_texts_are_governed_by_japanese_with_no_stale_translation(db: Database) -> None:
    load_sample()
    with transaction(write=False) as session:
        records: list[Any] = [
            *session.scalars(select(Plan)),
            *session.scalars(select(PriorityArea)),
            *session.scalars(select(Commitment)),
            *session.scalars(select(Milestone)),
            *session.scalars(select(Exchange)),
        ]
    assert len(records) > 50
    for record in records:
        assert record.translations, record
        for field_name, state in record.translations.items():
            assert state["stale"] == [], (record, field_name)
            assert state["source"] == "ja", (record, field_name, state)


def test_nato_sees_a_portfolio_of_two_plans_and_japan_only_its_own(
    db: Database, client: TestClient
) -> None:
    load_sample()
    with transaction(write=False) as session:
        au_plan = australia.plan_of(session)
        au_commitments = list(
            session.scalars(select(Commitment).where(Commitment.plan_id == au_plan.id))
        )
    assert au_plan.status == PlanStatus.ACTIVE
    assert au_plan.title["en"].startswith("[Example, fictional]") and "見本" in au_plan.title["ja"]
    assert au_commitments and all(c.is_example for c in au_commitments)

    def references(party: str, **params: str) -> list[str]:
        response = client.get(
            "/api/v1/portfolio", params=params, headers=sample_headers(party, Role.VIEWER)
        )
        assert response.status_code == 200, response.text
        return [p["reference"] for p in response.json()["items"]]

    # The plans in force; the lineage's superseded plans are in the portfolio too.
    assert references("NATO", status="active") == [au_plan.reference, JP_NATO]
    assert references("JP", status="active") == [JP_NATO]
    assert references("AU") == [au_plan.reference]
    assert au_plan.reference in references("NATO")
    assert au_plan.reference not in references("JP")
