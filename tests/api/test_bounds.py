"""Bounded input: every integer has bounds in the contract, dates are ISO `YYYY-MM-DD` strings
from 1900-01-01 to 2199-12-31 wherever the API takes one (and the dates it computes from them
stay there), and text no engine can store is refused: each a 422 naming the field, never a
500.

CASES is the fuzzer's memory: every input that once made a 500 (from the issue, or found by
`make fuzz`) stays here as a fixed example with the answer it gets.
"""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from itpp_api.bounds import BoundedDate, BoundedDateTime
from itpp_api.commitments.models import Milestone
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from itpp_api.plans.changes import update_plan
from itpp_api.plans.schemas import PlanCreate, PlanUpdate, PriorityAreaCreate
from itpp_api.plans.service import create_area, create_plan
from itpp_api.transfer.schemas import EXPORT_EXAMPLE
from tests.conftest import Database
from tests.factories import (
    SYSTEM,
    auth_headers,
    make_amendment,
    make_commitment,
    make_world,
)

API = "/api/v1"
PROBLEM = "application/problem+json"
VALIDATION = "/problems/validation-error"
RULE = "/problems/rule-violation"


@dataclass(frozen=True)
class Scene:
    """The records the cases name, by the placeholders of their paths and bodies."""

    ids: dict[str, str]

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**self.ids)
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        return value


def _plan(reference: str, parties: list[uuid.UUID], approval: date | None) -> tuple[str, str]:
    """A plan with one priority area, active from `approval` (a draft without it): ids."""
    with transaction(write=True) as session:
        plan = create_plan(
            session=session,
            actor=SYSTEM,
            data=PlanCreate(
                reference=reference,
                title={"en": reference},
                party_ids=parties,
                approval_date=approval,
            ),
        )
        area = create_area(
            session=session,
            actor=SYSTEM,
            plan=plan,
            data=PriorityAreaCreate(code="3.1.1", short_code="CYB", title={"en": "Cyber"}),
        )
        if approval is not None:
            update_plan(
                session=session, actor=SYSTEM, plan=plan, data=PlanUpdate(status=PlanStatus.ACTIVE)
            )
        return str(plan.id), str(area.id)


@pytest.fixture
def scene(client: TestClient) -> Scene:
    world = make_world()
    draft, draft_area = _plan("DRAFT-PLAN", [world.japan, world.nato], None)
    # In force until 2187: a longer term would end it after 2199-12-31.
    late, _ = _plan("LATE-PLAN", [world.japan, world.nato], date(2185, 1, 1))
    return Scene(
        ids={
            "plan": str(world.plan),
            "draft": draft,
            "draft_area": draft_area,
            "late": late,
            "japan": str(world.japan),
            "nato": str(world.nato),
            "mod": str(world.mod),
            "cyber": str(world.cyber),
            "commitment": str(make_commitment(world)),
        }
    )


@dataclass(frozen=True)
class Case:
    """One input and the refusal it gets: the place (`loc`) and kind (`type`) of the error."""

    id: str
    method: str
    path: str
    loc: list[str | int]
    type: str
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    raw: bytes | None = None  # a JSON body as bytes, for what `json=` cannot spell
    problem: str = VALIDATION


def _new_plan(**fields: Any) -> dict[str, Any]:
    return {
        "reference": "NEW-PLAN",
        "title": {"en": "New"},
        "party_ids": ["{japan}", "{nato}"],
        **fields,
    }


def _amendment(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"title": {"en": "Change"}, "rationale": {"en": "Agreed."}, "changes": list(changes)}


def _commitment(**fields: Any) -> dict[str, Any]:
    return {
        "priority_area_id": "{draft_area}",
        "title": {"en": "A commitment"},
        "modality": "exercise_participation",
        "lead_party_id": "{japan}",
        **fields,
    }


def _export(**plan: Any) -> dict[str, Any]:
    """A minimal plan export between the scene's parties, with these plan fields."""
    document = json.loads(json.dumps(EXPORT_EXAMPLE))
    document["parties"][0]["id"] = "{japan}"
    document["parties"][1]["id"] = "{nato}"
    document["plan"]["party_ids"] = ["{japan}", "{nato}"]
    document["plan"].update(plan)
    return document


EVENTS = f"{API}/plans/{{plan}}/events"
AS_OF = f"{API}/plans/{{plan}}/as-of"

CASES = [
    # --- integers: out of range for the contract, and for the engines' 64-bit integers ----
    Case(
        "events-after-2^76",
        "GET",
        EVENTS,
        ["query", "after"],
        "less_than_equal",
        params={"after": "99999999999999999999999"},
    ),
    # Drawn once by the randomised fuzzer, failing a fresh clone's `make test`.
    Case(
        "events-after-2^65",
        "GET",
        EVENTS,
        ["query", "after"],
        "less_than_equal",
        params={"after": "36893488147419103232"},
    ),
    Case(
        "events-after-2^63",
        "GET",
        EVENTS,
        ["query", "after"],
        "less_than_equal",
        params={"after": "9223372036854775808"},
    ),
    Case(
        "events-after-2^53",
        "GET",
        EVENTS,
        ["query", "after"],
        "less_than_equal",
        params={"after": "9007199254740992"},
    ),
    Case(
        "events-after-negative",
        "GET",
        EVENTS,
        ["query", "after"],
        "greater_than_equal",
        params={"after": "-1"},
    ),
    Case(
        "events-limit-huge",
        "GET",
        EVENTS,
        ["query", "limit"],
        "less_than_equal",
        params={"after": "0", "limit": "36893488147419103232"},
    ),
    Case(
        "list-limit-huge",
        "GET",
        f"{API}/plans",
        ["query", "limit"],
        "less_than_equal",
        params={"limit": "99999999999999999999999"},
    ),
    Case(
        "version-number-huge",
        "GET",
        f"{API}/plans/{{plan}}/versions/99999999999999999999",
        ["path", "number"],
        "less_than_equal",
    ),
    Case(
        "document-version-huge",
        "GET",
        f"{API}/plans/{{plan}}/document",
        ["query", "version"],
        "less_than_equal",
        params={"version": "9223372036854775808"},
    ),
    Case(
        "diff-from-huge",
        "GET",
        f"{API}/plans/{{plan}}/versions/diff",
        ["query", "from"],
        "less_than_equal",
        params={"from": "36893488147419103232", "to": "1"},
    ),
    Case(
        "progress-over-100",
        "POST",
        f"{API}/plans/{{draft}}/commitments",
        ["body", "progress"],
        "less_than_equal",
        body=_commitment(progress=36893488147419103232),
    ),
    Case(
        "term-months-huge",
        "POST",
        f"{API}/plans",
        ["body", "term_months"],
        "less_than_equal",
        body=_new_plan(term_months=99999999999999999999),
    ),
    Case(
        "import-row-version-2^31",
        "POST",
        f"{API}/plans/import-json",
        ["body", "plan", "row_version"],
        "less_than_equal",
        body=_export(row_version=2**31),
    ),
    # --- dates in query parameters ------------------------------------------------------
    Case(
        "as-of-9999-12-31",
        "GET",
        AS_OF,
        ["query", "date"],
        "date_out_of_range",
        params={"date": "9999-12-31"},
    ),
    Case(
        "as-of-1899-12-31",
        "GET",
        AS_OF,
        ["query", "date"],
        "date_out_of_range",
        params={"date": "1899-12-31"},
    ),
    Case(
        "as-of-2200-01-01",
        "GET",
        AS_OF,
        ["query", "date"],
        "date_out_of_range",
        params={"date": "2200-01-01"},
    ),
    Case("as-of-a-number", "GET", AS_OF, ["query", "date"], "date_format", params={"date": "0"}),
    Case(
        "as-of-a-datetime",
        "GET",
        AS_OF,
        ["query", "date"],
        "date_format",
        params={"date": "2026-01-01T00:00:00"},
    ),
    Case(
        "as-of-basic-format",
        "GET",
        AS_OF,
        ["query", "date"],
        "date_format",
        params={"date": "20260101"},
    ),
    Case(
        "as-of-not-a-day",
        "GET",
        AS_OF,
        ["query", "date"],
        "date_invalid",
        params={"date": "2026-02-30"},
    ),
    Case(
        "commitments-due-before-2200",
        "GET",
        f"{API}/plans/{{plan}}/commitments",
        ["query", "due_before"],
        "date_out_of_range",
        params={"due_before": "2200-01-01"},
    ),
    Case(
        "commitments-export-due-after-0001",
        "GET",
        f"{API}/plans/{{plan}}/commitments/export",
        ["query", "due_after"],
        "date_out_of_range",
        params={"due_after": "0001-01-01"},
    ),
    Case(
        "exchanges-starts-before-9999",
        "GET",
        f"{API}/plans/{{plan}}/exchanges",
        ["query", "starts_before"],
        "date_out_of_range",
        params={"starts_before": "9999-12-31"},
    ),
    Case(
        "exchanges-ends-after-a-number",
        "GET",
        f"{API}/plans/{{plan}}/exchanges",
        ["query", "ends_after"],
        "date_format",
        params={"ends_after": "1700000000"},
    ),
    # --- instants in query parameters ---------------------------------------------------
    Case(
        "audit-since-past-9999-in-utc",
        "GET",
        f"{API}/audit-events",
        ["query", "since"],
        "datetime_out_of_range",
        params={"since": "9999-12-31T23:59:59-23:59"},
    ),
    Case(
        "audit-since-before-year-1-in-utc",
        "GET",
        f"{API}/audit-events",
        ["query", "since"],
        "datetime_out_of_range",
        params={"since": "0001-01-01T00:00:00+23:59"},
    ),
    Case(
        "audit-since-without-time-zone",
        "GET",
        f"{API}/audit-events",
        ["query", "since"],
        "datetime_format",
        params={"since": "2026-01-01T00:00:00"},
    ),
    Case(
        "audit-since-a-date",
        "GET",
        f"{API}/audit-events",
        ["query", "since"],
        "datetime_format",
        params={"since": "2026-01-01"},
    ),
    Case(
        "audit-until-a-number",
        "GET",
        f"{API}/audit-events",
        ["query", "until"],
        "datetime_format",
        params={"until": "99999999999"},
    ),
    # --- dates in bodies ----------------------------------------------------------------
    Case(
        "plan-approved-9999-12-31",
        "POST",
        f"{API}/plans",
        ["body", "approval_date"],
        "date_out_of_range",
        body=_new_plan(approval_date="9999-12-31", term_months=240),
    ),
    Case(
        "plan-approved-as-a-number",
        "POST",
        f"{API}/plans",
        ["body", "approval_date"],
        "date_type",
        body=_new_plan(approval_date=0),
    ),
    Case(
        "plan-approved-as-a-datetime",
        "POST",
        f"{API}/plans",
        ["body", "approval_date"],
        "date_format",
        body=_new_plan(approval_date="2026-01-01T00:00:00"),
    ),
    Case(
        "plan-expiring-after-2199",
        "POST",
        f"{API}/plans",
        ["body", "term_months"],
        "expiry_out_of_range",
        body=_new_plan(approval_date="2199-06-01", term_months=240),
    ),
    Case(
        "milestone-due-9999-12-31",
        "POST",
        f"{API}/commitments/{{commitment}}/milestones",
        ["body", "due_date"],
        "date_out_of_range",
        body={"title": {"en": "Late"}, "due_date": "9999-12-31"},
    ),
    Case(
        "milestone-done-as-a-number",
        "POST",
        f"{API}/commitments/{{commitment}}/milestones",
        ["body", "done_on"],
        "date_type",
        body={"title": {"en": "Done"}, "done_on": 0},
    ),
    Case(
        "commitment-due-0001-01-01",
        "POST",
        f"{API}/plans/{{draft}}/commitments",
        ["body", "due_date"],
        "date_out_of_range",
        body=_commitment(due_date="0001-01-01"),
    ),
    Case(
        "commitment-milestone-2200",
        "POST",
        f"{API}/plans/{{draft}}/commitments",
        ["body", "milestones", 0, "due_date"],
        "date_out_of_range",
        body=_commitment(milestones=[{"title": {"en": "M"}, "due_date": "2200-01-01"}]),
    ),
    Case(
        "exchange-starting-1899",
        "POST",
        f"{API}/plans/{{plan}}/exchanges",
        ["body", "start_date"],
        "date_out_of_range",
        body={
            "kind": "dialogue",
            "title": {"en": "Talks"},
            "from_party_id": "{japan}",
            "to_party_id": "{nato}",
            "start_date": "1899-12-31",
        },
    ),
    # --- dates in change-set operations -------------------------------------------------
    Case(
        "amendment-approval-date-9999",
        "POST",
        f"{API}/plans/{{plan}}/amendments",
        ["body", "changes", 0, "change_approval_date", "approval_date"],
        "date_out_of_range",
        body=_amendment({"op": "change_approval_date", "approval_date": "9999-12-31"}),
    ),
    Case(
        "amendment-due-date-as-a-number",
        "POST",
        f"{API}/plans/{{plan}}/amendments",
        ["body", "changes", 0, "modify_commitment", "changes", "due_date"],
        "date_type",
        body=_amendment(
            {
                "op": "modify_commitment",
                "commitment_id": "{commitment}",
                "changes": {"due_date": 20261231},
            }
        ),
    ),
    Case(
        "amendment-term-past-2199",
        "POST",
        f"{API}/plans/{{late}}/amendments",
        ["body", "changes", 0, "term_months"],
        "expiry_out_of_range",
        problem=RULE,
        body=_amendment({"op": "change_term", "term_months": 240}),
    ),
    Case(
        "amendment-in-force-past-2199",
        "POST",
        f"{API}/plans/{{draft}}/amendments",
        ["body", "changes", 0, "approval_date"],
        "expiry_out_of_range",
        problem=RULE,
        body=_amendment({"op": "bring_into_force", "approval_date": "2199-06-01"}),
    ),
    Case(
        "amendment-renewal-past-2199",
        "POST",
        f"{API}/plans/{{late}}/amendments",
        ["body", "changes", 0, "term_months"],
        "expiry_out_of_range",
        problem=RULE,
        body=_amendment({"op": "renew", "reference": "LATE-PLAN-2", "term_months": 180}),
    ),
    # --- dates in imports ---------------------------------------------------------------
    Case(
        "import-approved-9999-12-31",
        "POST",
        f"{API}/plans/import-json",
        ["body", "plan", "approval_date"],
        "date_out_of_range",
        body=_export(approval_date="9999-12-31"),
    ),
    Case(
        "import-expiring-after-2199",
        "POST",
        f"{API}/plans/import-json",
        ["body", "plan", "term_months"],
        "expiry_out_of_range",
        body=_export(approval_date="2199-06-01", term_months=24),
    ),
    Case(
        "import-created-as-a-number",
        "POST",
        f"{API}/plans/import-json",
        ["body", "plan", "created_at"],
        "datetime_type",
        body=_export(created_at=0),
    ),
    # --- text no engine can store -------------------------------------------------------
    Case(
        "lone-surrogate-in-a-title",
        "POST",
        f"{API}/plans",
        ["body", "title", "en"],
        "string_surrogate",
        raw=b'{"reference": "NEW-PLAN", "title": {"en": "\\ud800"}, '
        b'"party_ids": ["{japan}", "{nato}"]}',
    ),
    Case(
        "lone-low-surrogate-in-a-name",
        "POST",
        f"{API}/users/me/calendar-feeds",
        ["body", "name"],
        "string_surrogate",
        raw=b'{"name": "feed \\uDC00"}',
    ),
    Case(
        "lone-surrogate-as-utf-8-bytes",
        "POST",
        f"{API}/users/me/calendar-feeds",
        ["body", "name"],
        "string_surrogate",
        raw=b'{"name": "\xed\xa0\x80"}',
    ),
    Case(
        "lone-surrogate-in-participants",
        "POST",
        f"{API}/plans/{{plan}}/exchanges",
        ["body", "participants", 0, "name"],
        "string_surrogate",
        raw=b'{"kind": "dialogue", "title": {"en": "Talks"}, "from_party_id": "{japan}", '
        b'"to_party_id": "{nato}", "start_date": "2026-01-01", '
        b'"participants": [{"name": "\\ud83d", "role": "lead"}]}',
    ),
    Case(
        "lone-surrogate-in-a-key",
        "POST",
        f"{API}/plans",
        ["body", "title", "\ufffd"],
        "string_surrogate",
        raw=b'{"reference": "NEW-PLAN", "title": {"\\udfff": "x"}, '
        b'"party_ids": ["{japan}", "{nato}"]}',
    ),
]


def _send(client: TestClient, scene: Scene, case: Case) -> Any:
    path = scene.fill(case.path)
    headers = {}
    if "import-json" in case.path:
        headers = auth_headers("JP", "admin", email=f"admin-{uuid.uuid4().hex[:6]}@x.example")
    if case.raw is not None:
        content = case.raw
        for name, value in scene.ids.items():
            content = content.replace(f"{{{name}}}".encode(), value.encode())
        return client.request(
            case.method,
            path,
            content=content,
            headers={"Content-Type": "application/json", **headers},
        )
    return client.request(
        case.method, path, params=case.params, json=scene.fill(case.body), headers=headers
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_out_of_range_input_is_a_422_naming_the_field_never_a_500(
    client: TestClient, scene: Scene, case: Case
) -> None:
    response = _send(client, scene, case)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == case.problem, problem
    assert {"loc": case.loc, "type": case.type} in [
        {"loc": e["loc"], "type": e["type"]} for e in problem["errors"]
    ], problem


DATE_PATTERNS = {
    "date": r"^(19|2[01])[0-9]{2}-[0-9]{2}-[0-9]{2}$",
    "date-time": r"^(19|2[01])[0-9]{2}-",
}


@dataclass
class Bounds:
    """Walks JSON Schemas: the integers without both bounds and the dates without the range."""

    definitions: dict[str, Any]
    unbounded: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)

    def walk(self, schema: Any, where: str, seen: frozenset[str] = frozenset()) -> None:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                self.walk(self.definitions[name], name, seen | {name})
            return
        bounded = "const" in schema or ("minimum" in schema and "maximum" in schema)
        if schema.get("type") == "integer" and not bounded:
            self.unbounded.append(where)
        if schema.get("format") in DATE_PATTERNS:
            self.dates.append(where)
            if schema.get("pattern") != DATE_PATTERNS[schema["format"]]:
                self.unbounded.append(where)
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in schema.get(key, []):
                self.walk(branch, where, seen)
        self.walk(schema.get("items"), f"{where}[]", seen)
        for name, property_schema in schema.get("properties", {}).items():
            self.walk(property_schema, f"{where}.{name}", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            self.walk(schema["additionalProperties"], f"{where}.*", seen)


def test_every_date_and_integer_the_api_takes_has_its_bounds_in_the_contract(
    client: TestClient,
) -> None:
    document = client.get(f"{API}/openapi.json").json()
    bounds = Bounds(document["components"]["schemas"])

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                bounds.walk(parameter["schema"], f"{where} {parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                bounds.walk(media["schema"], f"{where} body")

    assert bounds.unbounded == []
    assert len(bounds.dates) > 20  # bodies, filters and change-set operations all take dates


def test_the_plan_export_format_bounds_its_dates_and_integers() -> None:
    from itpp_api.transfer.schemas import plan_export_json_schema

    schema = plan_export_json_schema()
    bounds = Bounds(schema["$defs"])

    bounds.walk(schema, "PlanExport")

    assert bounds.unbounded == []
    assert len(bounds.dates) > 20


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("1900-01-01", True),
        ("2199-12-31", True),
        (date(2026, 4, 1), True),
        ("1899-12-31", False),
        ("2200-01-01", False),
        ("9999-12-31", False),
        (0, False),
        (1_700_000_000, False),
        ("2026-04-01T00:00:00", False),
        ("2026-04-01 ", False),
        ("2026-04-01\n", False),
        ("+2026-04-01", False),
        ("2026-W14-3", False),
        (None, False),
    ],
)
def test_a_bounded_date_is_an_iso_date_string_in_the_range(value: Any, accepted: bool) -> None:
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[date] = TypeAdapter(BoundedDate)
    if accepted:
        assert adapter.validate_python(value) == date.fromisoformat(str(value))
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("2026-04-01T09:30:00Z", True),
        ("2026-04-01T09:30:00.123456789+09:00", True),
        ("1900-01-01T00:00:00Z", True),
        ("2199-12-31T23:59:59Z", True),
        ("1899-12-31T23:59:59Z", False),
        ("2200-01-01T00:00:00Z", False),
        ("2199-12-31T23:00:00-05:00", False),  # 2200-01-01T04:00Z
        ("2026-04-01T09:30:00", False),
        ("2026-04-01", False),
        (0, False),
        ("2026-13-01T00:00:00Z", False),
    ],
)
def test_a_bounded_instant_is_an_rfc_3339_string_with_its_zone_in_the_range(
    value: Any, accepted: bool
) -> None:
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[Any] = TypeAdapter(BoundedDateTime)
    if accepted:
        assert adapter.validate_python(value).tzinfo is not None
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_a_plan_whose_new_approval_date_ends_it_after_2199_is_refused(
    client: TestClient, scene: Scene
) -> None:
    url = f"{API}/plans/{scene.ids['draft']}"
    etag = client.get(url).headers["etag"]

    response = client.patch(url, json={"approval_date": "2199-01-01"}, headers={"If-Match": etag})

    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "loc": ["body", "approval_date"],
            "msg": "Approved on 2199-01-01 for 24 months, the plan would expire on 2201-01-01: "
            "dates run from 1900-01-01 to 2199-12-31; choose an earlier approval date or a "
            "shorter term.",
            "type": "expiry_out_of_range",
        }
    ]
    longest = client.patch(url, json={"approval_date": "2197-12-31"}, headers={"If-Match": etag})
    assert longest.status_code == 200, longest.text
    assert longest.json()["expiry_date"] == "2199-12-31"


def test_a_damaged_cursor_with_a_huge_number_is_a_400_not_a_500(
    client: TestClient, scene: Scene
) -> None:
    import base64

    def cursor(sort: str, value: Any) -> str:
        payload = json.dumps({"s": sort, "v": value, "i": uuid.uuid4().hex}).encode()
        return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()

    checks = [
        (f"{API}/audit-events", {"cursor": cursor("-seq", 2**63)}),
        (f"{API}/audit-events", {"cursor": cursor("-seq", True)}),
        (
            f"{API}/plans/{scene.ids['plan']}/commitments",
            {"sort": "progress", "cursor": cursor("progress", 2**63)},
        ),
        (
            f"{API}/plans/{scene.ids['plan']}/commitments",
            {"sort": "updated_at", "cursor": cursor("updated_at", "0001-01-01T00:00:00+23:59")},
        ),
    ]
    for url, params in checks:
        response = client.get(url, params=params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["type"] == "/problems/invalid-cursor"


def test_a_pair_of_surrogates_is_one_character_and_is_kept(client: TestClient) -> None:
    make_world()
    response = client.post(
        f"{API}/users/me/calendar-feeds",
        content=b'{"name": "feed \\ud83d\\ude00"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "feed \U0001f600"


# --- what was recorded before the bounds existed still reads -----------------------------


@pytest.fixture
def legacy_milestone(db: Database) -> Iterator[tuple[Any, uuid.UUID]]:
    """A plan with a milestone dated 9999-12-31, as the API once accepted it."""
    world = make_world()
    commitment = make_commitment(world, milestones=[{"title": {"en": "Someday"}}])
    with transaction(write=True) as session:
        session.execute(
            update(Milestone)
            .where(Milestone.commitment_id == commitment)  # type: ignore[arg-type]
            .values(due_date=date.max)
        )
    yield world, commitment


def test_a_milestone_dated_9999_12_31_no_longer_fails_the_plans_calendar(
    client: TestClient, legacy_milestone: tuple[Any, uuid.UUID]
) -> None:
    world, _ = legacy_milestone

    response = client.get(f"{API}/plans/{world.plan}/calendar.ics")

    assert response.status_code == 200, response.text
    assert "DTSTART;VALUE=DATE:99991231" in response.text


def test_a_plan_holding_a_date_from_before_the_bounds_still_exports_and_amendments_read(
    client: TestClient, legacy_milestone: tuple[Any, uuid.UUID]
) -> None:
    world, commitment = legacy_milestone
    amendment = make_amendment(
        world,
        [
            {
                "op": "modify_commitment",
                "commitment_id": str(commitment),
                "changes": {"due_date": "2030-01-01"},
            }
        ],
    )
    with transaction(write=True) as session:
        from itpp_api.amendments.models import Amendment

        session.execute(
            update(Amendment)
            .where(Amendment.id == amendment)  # type: ignore[arg-type]
            .values(
                changes=[
                    {
                        "op": "modify_commitment",
                        "commitment_id": str(commitment),
                        "changes": {"due_date": "9999-12-31"},
                    }
                ]
            )
        )

    exported = client.get(f"{API}/plans/{world.plan}/export")
    read = client.get(f"{API}/amendments/{amendment}")
    approvals = f"{API}/amendments/{amendment}/approvals"
    first = client.post(
        approvals, json={"decision": "approve"}, headers=auth_headers("JP", "approver")
    )
    last = client.post(
        approvals, json={"decision": "approve"}, headers=auth_headers("NATO", "approver")
    )

    assert exported.status_code == 200, exported.text
    milestone = exported.json()["commitments"][0]["milestones"][0]
    assert milestone["due_date"] == "9999-12-31"
    assert read.status_code == 200, read.text
    assert read.json()["changes"][0]["changes"]["due_date"] == "9999-12-31"
    # Applying it would write the date anew: refused, to be proposed again.
    assert first.status_code == 200, first.text
    assert last.status_code == 409, last.text
    assert last.json()["errors"][0]["type"] == "date_out_of_range"
    assert "propose it again" in last.json()["detail"]


def test_text_in_a_query_string_never_holds_a_surrogate(client: TestClient) -> None:
    world = make_world()
    # A surrogate's UTF-8 bytes in a query decode to U+FFFD, never to a surrogate.
    response = client.get(f"{API}/plans/{world.plan}/commitments?q=%ED%A0%80")

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
