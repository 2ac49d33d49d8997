"""The registry of change set operations: one class per kind of operation (its schema, its
checks, how it is applied and how it describes itself), in the order clients offer them (the
web's change builder does); each handles one member of the `AmendmentChange` union.
changeset.py dispatches through `operation_of`; GET /amendment-operations lists `describe_all`.
A new kind of operation is a schema in the union and a class here."""

from typing import Any

from itpp_api.amendments.operations.areas import (
    AddPriorityArea,
    ModifyPriorityArea,
    ReorderPriorityAreas,
    RetirePriorityArea,
)
from itpp_api.amendments.operations.base import Operation
from itpp_api.amendments.operations.commitments import (
    AddCommitment,
    ModifyCommitment,
    RetireCommitment,
)
from itpp_api.amendments.operations.lifecycle import BringIntoForce, Renew, Terminate
from itpp_api.amendments.operations.plan_fields import (
    ChangeApprovalDate,
    ChangePredecessor,
    ChangeProgressUpdatesConfirmation,
    ChangeReviewInterval,
    ChangeTerm,
    ChangeText,
)
from itpp_api.amendments.schemas import AmendmentChange

OPERATIONS: tuple[Operation[Any], ...] = (
    AddCommitment(),
    ModifyCommitment(),
    RetireCommitment(),
    AddPriorityArea(),
    ModifyPriorityArea(),
    RetirePriorityArea(),
    ReorderPriorityAreas(),
    ChangeTerm(),
    ChangeReviewInterval(),
    ChangeText(),
    ChangeApprovalDate(),
    ChangePredecessor(),
    ChangeProgressUpdatesConfirmation(),
    BringIntoForce(),
    Terminate(),
    Renew(),
)
REGISTRY: dict[str, Operation[Any]] = {operation.kind(): operation for operation in OPERATIONS}


def operation_of(op: AmendmentChange) -> Operation[Any]:
    """The operation that handles a parsed change (by its `op`)."""
    return REGISTRY[op.op]


def describe_all() -> list[dict[str, Any]]:
    """Every operation as clients are told of it."""
    return [operation.describe() for operation in OPERATIONS]
