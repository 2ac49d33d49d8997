"""Whole plans as JSON and back, and commitments and exchanges as CSV and XLSX (issue 8)."""

import csv
import io
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlmodel import col
from typer.testing import CliRunner

from itpp_api.amendments.service import consent_record
from itpp_api.auth.actor import Actor
from itpp_api.cli import app
from itpp_api.commitments.models import Commitment
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus, Role
from itpp_api.parties.models import Party
from itpp_api.plans.models import Plan
from itpp_api.transfer.schemas import plan_export_json_schema
from itpp_api.transfer.service import dump_export, export_plan
from itpp_api.transfer.tabular import neutralise
from tests.api.test_access_matrix import _plan_export, database_state
from tests.conftest import Database, _clean, load_sample
from tests.factories import (
    agree,
    auth_headers,
    bring_into_force,
    make_commitment,
    make_exchange,
    make_world,
)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "services" / "api" / "plan-export.schema.json"
PROBLEM = "application/problem+json"


def _plan_count() -> int:
    with transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Plan)) or 0)


def test_export_import_into_an_empty_database_export_gives_identical_json(
    db: Database, tmp_path: Path
) -> None:
    load_sample()
    stale = {"title": {"source": "ja", "stale": ["en"]}}
    with transaction(write=True) as session:
        # A translation marked out of date must survive the trip as well.
        commitment = session.scalars(select(Commitment).order_by(Commitment.reference)).first()
        assert commitment is not None
        commitment.translations = stale
        session.add(commitment)
    runner = CliRunner()
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    exported = runner.invoke(app, ["export", "plan", "JP-NATO-ITPP", "-o", str(first)])
    _clean(db.engine)
    imported = runner.invoke(app, ["import", "json", str(first)])
    again = runner.invoke(app, ["export", "plan", "JP-NATO-ITPP", "-o", str(second)])

    assert exported.exit_code == imported.exit_code == again.exit_code == 0, imported.output
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_bytes())
    assert len(document["commitments"]) == 34
    assert len(document["exchanges"]) == 14
    assert len(document["reviews"]) >= 2 and document["reviews"][0]["sign_offs"]
    assert document["amendments"][0]["decisions"]
    assert [p["reference"] for p in document["lineage"]] == [
        "JP-NATO-IPCP-2014",
        "JP-NATO-IPCP-2018",
    ]
    # The plan came into force by amendment 1: version 1 names it and is agreed from approval.
    assert document["plan"]["status"] == "active"
    assert document["plan"]["termination_date"] is None
    first_version = document["versions"][0]
    assert first_version["number"] == 1
    assert first_version["agreed_on"] == document["plan"]["approval_date"]
    in_force = document["amendments"][0]
    assert in_force["number"] == 1 and in_force["status"] == "applied"
    assert first_version["amendment_id"] == in_force["id"]
    # Its coming into force was approved for the draft's agreed content as fingerprinted.
    assert len(in_force["base_digest"]) == 64
    assert stale in [c["translations"] for c in document["commitments"]]
    assert document["plan"]["translations"]["title"] == {"source": "ja", "stale": []}
    # Not a terminal: no progress bar, only the result.
    assert "━" not in imported.output and "Imported plan JP-NATO-ITPP" in imported.output


def test_the_export_validates_against_the_published_json_schema(client: TestClient) -> None:
    world = make_world()
    make_commitment(world, milestones=[{"title": {"en": "Kick-off"}, "due_date": "2026-03-01"}])

    response = client.get(f"/api/v1/plans/{world.plan}/export")
    schema = client.get("/api/v1/schemas/plan-export.json")

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="TEST-PLAN')
    assert schema.status_code == 200
    assert schema.json() == plan_export_json_schema()
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == plan_export_json_schema(), (
        "services/api/plan-export.schema.json is out of date: run `make openapi` and commit it"
    )
    jsonschema_rs.validate(schema.json(), response.json())


def test_a_reader_exports_only_what_they_may_see(client: TestClient) -> None:
    world = make_world()
    hidden = make_commitment(
        world,
        lead_party_id=world.nato,
        visibility="internal",
        title={"en": "NATO internal planning"},
    )
    make_exchange(world, commitment_ids=[str(hidden)], visibility="shared")

    japan = client.get(f"/api/v1/plans/{world.plan}/export").json()
    nato = client.get(
        f"/api/v1/plans/{world.plan}/export",
        headers=auth_headers("NATO", Role.VIEWER, email="viewer@nato.test.example"),
    ).json()

    assert str(hidden) not in json.dumps(japan)
    assert str(hidden) in json.dumps(nato)
    assert japan["exchanges"][0]["commitment_ids"] == []


def test_an_editor_imports_a_plan_export_once_and_a_second_time_is_a_conflict(
    client: TestClient, db: Database
) -> None:
    make_world()
    body = _plan_export_for(client)

    created = client.post("/api/v1/plans/import-json", json=body)
    again = client.post("/api/v1/plans/import-json", json=body)

    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/v1/plans/{body['plan']['id']}"
    assert created.json()["created"] == {"plans": 1}
    assert again.status_code == 409
    history = client.get(f"/api/v1/plans/{body['plan']['id']}/history").json()["items"]
    assert [event["action"] for event in history] == ["import"]


def _plan_export_for(client: TestClient) -> dict[str, Any]:
    with transaction(write=False) as session:
        parties = {p.code: p.id for p in session.scalars(select(Party))}

    class _World:
        japan = parties["JP"]
        nato = parties["NATO"]

    class _Scene:
        world = _World()

    return _plan_export(_Scene(), None)  # type: ignore[arg-type]


def test_an_export_carrying_the_other_partys_acts_is_refused_through_the_api(
    client: TestClient, db: Database
) -> None:
    load_sample()
    with transaction(write=False) as session:
        plan = session.scalars(select(Plan).where(col(Plan.reference) == "JP-NATO-ITPP")).one()
        document = json.loads(
            dump_export(export_plan(session=session, actor=Actor.system(), plan=plan))
        )
    _clean(db.engine)
    make_world()  # parties JP and NATO exist again, with other ids
    assert client.get("/api/v1/users/me").status_code == 200  # the caller exists
    before = database_state(db.engine)

    response = client.post("/api/v1/plans/import-json", json=document)

    assert response.status_code == 403, response.text
    detail = response.json()["detail"]
    assert "acts or internal records of another party" in detail
    assert "itpp import json" in detail
    after = database_state(db.engine)
    assert {k: v for k, v in after.items() if k != "access_token"} == {
        k: v for k, v in before.items() if k != "access_token"
    }


def _export_as_operator(plan_id: uuid.UUID) -> dict[str, Any]:
    """The whole plan as the operator's `itpp export plan` writes it."""
    with transaction(write=False) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        return dict(
            json.loads(dump_export(export_plan(session=session, actor=Actor.system(), plan=plan)))
        )


def test_an_export_records_each_versions_consent_and_the_plans_end_and_the_operator_imports_it(
    db: Database, tmp_path: Path
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    in_force = bring_into_force(world.plan, date(2026, 1, 10))
    ended = agree(world.plan, [{"op": "terminate", "termination_date": "2026-06-30"}])
    exported = tmp_path / "terminated.json"
    runner = CliRunner()

    assert runner.invoke(app, ["export", "plan", "TEST-PLAN", "-o", str(exported)]).exit_code == 0
    document = json.loads(exported.read_bytes())

    assert document["plan"]["status"] == "terminated"
    assert document["plan"]["termination_date"] == "2026-06-30"
    assert [(v["number"], v["agreed_on"], v["amendment_id"]) for v in document["versions"]] == [
        (1, "2026-01-10", str(in_force)),
        (2, "2026-06-30", str(ended)),
    ]
    amendments = [(a["id"], a["status"]) for a in document["amendments"]]
    assert amendments == [(str(in_force), "applied"), (str(ended), "applied")]
    # What a draft's coming into force was approved for is fingerprinted; later amendments
    # are judged by the version they were proposed against.
    assert len(document["amendments"][0]["base_digest"]) == 64
    assert document["amendments"][1]["base_digest"] is None

    # The operator records a plan agreed elsewhere: in force or ended, with its consents.
    _clean(db.engine)
    imported = runner.invoke(app, ["import", "json", str(exported)])
    assert imported.exit_code == 0, imported.output
    assert _export_as_operator(world.plan) == document
    with transaction(write=False) as session:
        plan = session.get(Plan, world.plan)
        assert plan is not None
        consents = consent_record(session=session, plan=plan)
    assert [(c["kind"], c["version"]) for c in consents] == [
        ("entry_into_force", 1),
        ("termination", 2),
    ]
    assert all(len(c["approvals"]) == 2 for c in consents)


def test_through_the_api_an_export_comes_in_only_as_a_draft_without_versions_or_consents(
    client: TestClient, db: Database
) -> None:
    world = make_world(status=PlanStatus.DRAFT)
    make_commitment(world)
    bring_into_force(world.plan)
    in_force = _export_as_operator(world.plan)
    assert in_force["plan"]["status"] == "active" and in_force["versions"]
    # Only Japan's acts, so that what is refused is the consent the export records.
    (applied,) = in_force["amendments"]
    mine = {
        **applied,
        "decisions": [d for d in applied["decisions"] if d["party_id"] == str(world.japan)],
    }
    draft_plan = {**in_force["plan"], "status": "draft"}
    refused = {
        "a plan in force": {**in_force, "amendments": [], "versions": []},
        "a draft with versions": {**in_force, "plan": draft_plan, "amendments": []},
        "a draft with an applied amendment": {
            **in_force,
            "plan": draft_plan,
            "amendments": [mine],
            "versions": [],
        },
    }
    _clean(db.engine)
    with transaction(write=True) as session:
        # Parties JP and NATO exist again, with other ids; the plan does not.
        session.add_all([Party(code="JP", name={"en": "Japan"}), Party(code="NATO", name={})])
    assert client.get("/api/v1/users/me").status_code == 200  # the caller exists
    before = database_state(db.engine)

    for what, document in refused.items():
        response = client.post("/api/v1/plans/import-json", json=document)

        assert response.status_code == 403, (what, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        detail = response.json()["detail"]
        assert "comes in as a draft" in detail and "itpp import json" in detail, what
        after = database_state(db.engine)
        assert {k: v for k, v in after.items() if k != "access_token"} == {
            k: v for k, v in before.items() if k != "access_token"
        }, what

    # The same plan as a draft, before any consent, comes in: the parties negotiate it here.
    draft = {**in_force, "plan": draft_plan, "amendments": [], "versions": [], "users": []}
    created = client.post("/api/v1/plans/import-json", json=draft)
    assert created.status_code == 201, created.text
    plan = client.get(f"/api/v1/plans/{world.plan}").json()
    assert plan["status"] == "draft"
    assert client.get(f"/api/v1/plans/{world.plan}/versions").json()["items"] == []


def test_an_export_with_dangling_references_or_not_an_export_is_refused(
    client: TestClient,
) -> None:
    make_world()
    body = _plan_export_for(client)
    body["priority_areas"] = []
    body["commitments"] = [
        {
            "id": "6d3c8b1e-0000-4000-8000-000000000001",
            "priority_area_id": "6d3c8b1e-0000-4000-8000-000000000002",
            "reference": "CYB-01",
            "title": {"en": "Orphan"},
            "description": None,
            "modality": "other",
            "lead_party_id": body["plan"]["party_ids"][0],
            "lead_organisation_id": None,
            "supporting_organisation_ids": [],
            "start_date": None,
            "due_date": None,
            "status": "planned",
            "progress": 0,
            "health": None,
            "pcm_activity_ref": None,
            "visibility": "shared",
            "is_example": False,
            "row_version": 1,
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
            "milestones": [],
        }
    ]
    before = _plan_count()

    dangling = client.post("/api/v1/plans/import-json", json=body)
    not_export = client.post("/api/v1/plans/import-json", json={"hello": "world"})

    assert dangling.status_code == 422
    assert dangling.json()["errors"][0]["loc"] == ["body", "commitments", 0, "priority_area_id"]
    assert not_export.status_code == 422
    assert not_export.headers["content-type"].startswith(PROBLEM)
    assert _plan_count() == before


def test_an_import_is_held_to_the_date_rule_of_every_write(client: TestClient) -> None:
    make_world()
    body = _plan_export_for(client)
    area = "6d3c8b1e-0000-4000-8000-000000000002"
    stamp = "2026-01-05T09:00:00Z"
    party = body["plan"]["party_ids"][0]
    body["priority_areas"] = [
        {
            "id": area,
            "code": "1",
            "short_code": "CYB",
            "position": 0,
            "title": {"en": "Cyber defence"},
            "row_version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        }
    ]
    body["commitments"] = [
        {
            "id": "6d3c8b1e-0000-4000-8000-000000000001",
            "priority_area_id": area,
            "reference": "CYB-01",
            "title": {"en": "Due before it starts"},
            "modality": "other",
            "lead_party_id": party,
            "start_date": "2026-05-01",
            "due_date": "2026-04-30",
            "status": "planned",
            "progress": 0,
            "visibility": "shared",
            "is_example": False,
            "row_version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        }
    ]
    body["exchanges"] = [
        {
            "id": "6d3c8b1e-0000-4000-8000-000000000003",
            "reference": "EX-001",
            "kind": "visit",
            "title": {"en": "Ends before it starts"},
            "from_party_id": party,
            "to_party_id": body["plan"]["party_ids"][1],
            "start_date": "2026-05-01",
            "end_date": "2026-04-30",
            "participants": [],
            "status": "planned",
            "visibility": "shared",
            "is_example": False,
            "row_version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        }
    ]
    before = _plan_count()

    response = client.post("/api/v1/plans/import-json", json=body)

    assert response.status_code == 422, response.text
    errors = {(tuple(e["loc"]), e["type"], e["msg"]) for e in response.json()["errors"]}
    assert errors == {
        (("body", "commitments", 0), "dates_out_of_order", "due_date cannot be before start_date"),
        (("body", "exchanges", 0), "dates_out_of_order", "end_date cannot be before start_date"),
    }
    assert _plan_count() == before


# Localized text is stored stripped, so a leading tab or CR never reaches a title (see below).
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "＝1+1"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("\tTab", "'\tTab"),
        ("\r=1", "'\r=1"),
        ("+4", "'+4"),
        ("－1", "'－1"),
        ("Cyber defence", "Cyber defence"),
        ("1+1", "1+1"),
    ],
)
def test_text_a_spreadsheet_would_evaluate_gets_a_leading_apostrophe(value: str, cell: str) -> None:
    assert neutralise(value) == cell


def test_commitment_csv_has_a_bom_applies_the_filters_and_neutralises_formulas(
    client: TestClient,
) -> None:
    world = make_world()
    for title in FORMULAS:
        make_commitment(world, title={"en": title}, due_date="2026-12-31")
    make_commitment(world, priority_area_id=world.maritime, title={"en": "Maritime one"})

    response = client.get(
        f"/api/v1/plans/{world.plan}/commitments/export",
        params={"format": "csv", "priority_area": "3.1.1", "lang": "en"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    titles = sorted(row["title"] for row in rows)
    assert titles == sorted("'" + t for t in FORMULAS)
    assert {row["priority_area"] for row in rows} == {"3.1.1"}
    assert all(row["due_date"] == "2026-12-31" for row in rows)


def test_exchange_xlsx_cells_are_text_never_formulas(client: TestClient) -> None:
    world = make_world()
    make_exchange(world, title={"en": "=cmd|' /C calc'!A0", "ja": "交流"}, location="@Brussels")

    response = client.get(
        f"/api/v1/plans/{world.plan}/exchanges/export", params={"format": "xlsx", "lang": "en"}
    )

    assert response.status_code == 200, response.text
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["title"].value == "'=cmd|' /C calc'!A0"
    assert row["title"].data_type == "s"
    assert row["location"].value == "'@Brussels"
    assert row["from_party"].value == "JP"


@pytest.mark.parametrize("path", ["commitments/export", "exchanges/export", "export"])
def test_exports_of_a_plan_outside_the_callers_party_do_not_exist(
    client: TestClient, path: str
) -> None:
    world = make_world()
    with transaction(write=True) as session:
        session.add(Party(code="AUS", name={"en": "Australia"}))

    response = client.get(
        f"/api/v1/plans/{world.plan}/{path}",
        headers=auth_headers("AUS", Role.EDITOR, email="editor@aus.test.example"),
    )

    assert response.status_code == 404
