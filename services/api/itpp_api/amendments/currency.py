"""Whether a proposed amendment is still current: is what it changes still as it was proposed?

Every party approves an amendment's change set as it read against the plan's agreed content
at the proposal. That approval stays meaningful while the records the change set touches are
unchanged, even if another amendment changed other records in between: two amendments in
flight on different commitments do not outdate each other. It is outdated when

- for a draft (coming into force): anything of the draft's agreed content changed since the
  proposal (its fingerprint, agreement.digest);
- for a termination or a renewal, which are about the whole plan: the plan has a newer version;
- for any other change set: a record it touches (a commitment, a priority area, the order of the
  areas, a plan field) differs between the version it was proposed against and the plan now.
"""

from typing import Any

from sqlmodel import Session

from itpp_api import agreement
from itpp_api.amendments import changeset
from itpp_api.amendments.models import Amendment
from itpp_api.amendments.schemas import (
    AddCommitmentChange,
    AddPriorityAreaChange,
    AmendmentChange,
    ChangeApprovalDateChange,
    ChangePredecessorChange,
    ChangeProgressUpdatesConfirmationChange,
    ChangeReviewIntervalChange,
    ChangeTermChange,
    ChangeTextChange,
    ModifyCommitmentChange,
    ModifyPriorityAreaChange,
    ReorderPriorityAreasChange,
    RetireCommitmentChange,
    RetirePriorityAreaChange,
)
from itpp_api.enums import ConsentKind, PlanStatus
from itpp_api.plans import versions
from itpp_api.plans.models import Plan

Part = tuple[str, str]


def _touched(changes: list[AmendmentChange]) -> set[Part]:
    """The parts of the agreed content a change set reads or writes."""
    parts: set[Part] = set()
    for op in changes:
        if isinstance(op, ModifyCommitmentChange | RetireCommitmentChange):
            parts.add(("commitment", str(op.commitment_id)))
        elif isinstance(op, ModifyPriorityAreaChange | RetirePriorityAreaChange):
            parts.add(("area", str(op.priority_area_id)))
        elif isinstance(op, ReorderPriorityAreasChange | AddPriorityAreaChange):
            parts.add(("areas", "order"))
        elif isinstance(op, AddCommitmentChange):
            parts.add(("area", str(op.commitment.priority_area_id)))
        elif isinstance(op, ChangeTextChange):
            parts.update(
                ("plan", name)
                for name in ("title", "sections", "objectives", "lead_texts")
                if getattr(op, name) is not None
            )
        elif isinstance(op, ChangeTermChange | ChangeReviewIntervalChange):
            parts.update({("plan", "term_months"), ("plan", "review_interval_months")})
        elif isinstance(op, ChangeApprovalDateChange):
            parts.add(("plan", "approval_date"))
        elif isinstance(op, ChangePredecessorChange):
            parts.add(("plan", "predecessor_id"))
        elif isinstance(op, ChangeProgressUpdatesConfirmationChange):
            parts.add(("plan", "progress_updates_need_confirmation"))
    return parts


def _part(snapshot: dict[str, Any], part: Part) -> Any:
    kind, key = part
    if kind == "plan":
        return snapshot.get("plan", {}).get(key)
    if kind == "areas":
        return sorted(
            (a.get("position", 0), str(a.get("id"))) for a in snapshot.get("priority_areas", [])
        )
    records = snapshot.get("commitments" if kind == "commitment" else "priority_areas", [])
    for record in records:
        if str(record.get("id")) == key:
            # An area's place in the order is the order's business, not the area's.
            return {k: v for k, v in record.items() if k not in ("position", "translations")}
    return None


class AgreedContent:
    """The plan's agreed content now, read at most once, to judge its amendments against."""

    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.plan = plan
        self.version = versions.current_version_number(session=session, plan_id=plan.id)
        self._now: dict[str, Any] | None = None
        self._bases: dict[int, dict[str, Any]] = {}

    @property
    def now(self) -> dict[str, Any]:
        if self._now is None:
            self._now = versions.build_snapshot(session=self.session, plan=self.plan)
        return self._now

    def digest(self) -> str | None:
        """The fingerprint of a draft's agreed content (None for a plan past its draft)."""
        if PlanStatus(self.plan.status) is not PlanStatus.DRAFT:
            return None
        return agreement.digest(self.now)

    def _base(self, number: int) -> dict[str, Any]:
        if number not in self._bases:
            version = versions.get_version(
                session=self.session, plan_id=self.plan.id, number=number
            )
            self._bases[number] = agreement.json_data(versions.version_snapshot(version))
        return self._bases[number]

    def is_outdated(self, amendment: Amendment) -> bool:
        """Whether approving the amendment would approve something other than was proposed."""
        if PlanStatus(self.plan.status) is PlanStatus.DRAFT:
            return self.version != amendment.base_version or (
                amendment.base_digest is not None and amendment.base_digest != self.digest()
            )
        if amendment.base_version == self.version:
            return False
        changes = changeset.parse(amendment.changes)
        if amendment.base_version == 0 or changeset.kind_of(changes) is not ConsentKind.AMENDMENT:
            return True
        base = self._base(amendment.base_version)
        return any(_part(base, part) != _part(self.now, part) for part in _touched(changes))
