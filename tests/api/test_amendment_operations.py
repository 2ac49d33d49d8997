"""The registry of change set operations (issue 22, item 3) and its description for clients,
GET /amendment-operations: one class per kind of operation, covering the change set union
exactly, and a description generated from each operation's schema."""

from typing import Any, get_args

from fastapi.testclient import TestClient

from itpp_api.amendments.operations import OPERATIONS, REGISTRY
from itpp_api.amendments.schemas import AmendmentChange
from itpp_api.enums import Modality

API = "/api/v1"


def _union_kinds() -> list[str]:
    members = get_args(get_args(AmendmentChange)[0])
    return [str(get_args(m.model_fields["op"].annotation)[0]) for m in members]


def _field(fields: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(f for f in fields if f["name"] == name)


def test_the_registry_has_one_operation_for_each_member_of_the_change_set_union() -> None:
    members = get_args(get_args(AmendmentChange)[0])
    assert sorted(operation.kind() for operation in OPERATIONS) == sorted(_union_kinds())
    assert {operation.schema for operation in OPERATIONS} == set(members)
    assert all(REGISTRY[operation.kind()] is operation for operation in OPERATIONS)


def test_the_operations_are_described_from_their_schemas(client: TestClient) -> None:
    response = client.get(f"{API}/amendment-operations")
    assert response.status_code == 200, response.text
    items = {item["kind"]: item for item in response.json()["items"]}
    assert list(items) == [operation.kind() for operation in OPERATIONS]
    for item in items.values():
        assert set(item["labels"]) == {"ja", "en"}
        assert all(item["labels"].values())
        assert item["description"]

    term = items["change_term"]
    assert term["labels"] == {"ja": "期限の変更", "en": "Change the term"}
    assert (term["consent_kind"], term["alone"], term["plan_statuses"]) == (
        "amendment",
        False,
        ["active"],
    )
    months = _field(term["fields"], "term_months")
    assert (months["type"], months["required"], months["minimum"], months["maximum"]) == (
        "integer",
        True,
        1,
        240,
    )

    proposed = _field(items["add_commitment"]["fields"], "commitment")
    assert proposed["type"] == "object" and proposed["required"] is True
    fields = proposed["fields"]
    assert _field(fields, "priority_area_id")["choices_source"] == "priority_areas"
    assert _field(fields, "lead_party_id")["choices_source"] == "plan_parties"
    assert _field(fields, "title")["type"] == "localized_text"
    assert _field(fields, "modality")["choices"] == [m.value for m in Modality]
    due = _field(fields, "due_date")
    assert (due["type"], due["required"], due["nullable"]) == ("date", False, True)
    supporters = _field(fields, "supporting_organisation_ids")
    assert (supporters["type"], supporters["item_type"], supporters["max_length"]) == (
        "list",
        "id",
        50,
    )
    milestones = _field(fields, "milestones")
    assert milestones["item_type"] == "object"
    assert _field(milestones["fields"], "title")["required"] is True

    target = _field(items["retire_commitment"]["fields"], "commitment_id")
    assert (target["type"], target["choices_source"]) == ("id", "commitments")

    in_force = items["bring_into_force"]
    assert (in_force["consent_kind"], in_force["alone"], in_force["plan_statuses"]) == (
        "entry_into_force",
        True,
        ["draft"],
    )
    assert items["terminate"]["consent_kind"] == "termination"
    assert items["renew"]["plan_statuses"] == ["active", "expired"]
    predecessor = _field(items["change_predecessor"]["fields"], "predecessor_id")
    assert (predecessor["required"], predecessor["nullable"], predecessor["choices_source"]) == (
        True,
        True,
        "plans",
    )


def test_the_operations_say_how_a_reader_is_shown_them(client: TestClient) -> None:
    items = {
        item["kind"]: item for item in client.get(f"{API}/amendment-operations").json()["items"]
    }
    shown = {
        kind: (item["effect"], item.get("sets_status"), bool(item.get("note")))
        for kind, item in items.items()
    }
    assert shown["add_commitment"] == ("add", None, False)
    assert shown["modify_priority_area"] == ("modify", None, False)
    assert shown["retire_commitment"] == ("retire", "cancelled", True)
    assert shown["retire_priority_area"] == ("retire", None, True)
    assert shown["reorder_priority_areas"] == ("order", None, False)
    assert shown["change_term"] == ("plan", None, False)
    assert shown["bring_into_force"] == ("plan", "active", True)
    assert shown["terminate"] == ("retire", "terminated", True)
    assert shown["renew"] == ("add", None, True)
    for item in items.values():
        if item.get("note"):
            assert set(item["note"]) == {"ja", "en"} and all(item["note"].values())


def test_the_description_needs_a_signed_in_caller(anonymous_client: TestClient) -> None:
    response = anonymous_client.get(f"{API}/amendment-operations")
    assert response.status_code == 401
