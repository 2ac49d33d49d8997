"""Request and response models for amendments, their change sets, decisions, version diffs
and the plan "as of" a date.

A change set is a list of typed operations, a union discriminated by `op`; every operation is
a named schema so generated clients get one class per kind of change.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from itpp_api.bounds import BoundedDate
from itpp_api.commitments.schemas import (
    SHARED_REFERENCE_PATTERN,
    CommitmentBase,
    CommitmentChangesBase,
    Milestones,
    PcmActivityRef,
)
from itpp_api.enums import (
    AllowedAction,
    AmendmentStatus,
    CommitmentStatus,
    ConsentKind,
    Decision,
    PartyDecisionState,
    PlanStatus,
)
from itpp_api.localized import LocalizedText, SourceLanguages, TranslationState
from itpp_api.patch import refuse_nulls
from itpp_api.plans.schemas import (
    PLAN_REFERENCE_PATTERN,
    PlanLeadTexts,
    PlanSection,
    PlanVersionSummary,
    PriorityAreaCreate,
    PriorityAreaUpdate,
    _unique_section_numbers,
)

# --- the operations of a change set ---------------------------------------------------------


class ProposedCommitment(CommitmentBase):
    """A commitment an amendment adds. It starts planned, at 0 %, shared by the parties:
    what every party agrees to is visible to every party."""

    model_config = ConfigDict(extra="forbid")

    reference: str | None = Field(
        default=None,
        pattern=SHARED_REFERENCE_PATTERN,
        description="Human reference; by default the area's short code and the next number "
        "when the amendment applies.",
    )
    pcm_activity_ref: PcmActivityRef | None = None
    is_example: bool = Field(default=False, description="Marks sample data.")
    milestones: Milestones = Field(default_factory=list)
    source_languages: SourceLanguages = Field(default_factory=dict)


class _NamedChanges(BaseModel):
    """Changes that name at least one field, those in NOT_NULL never as null. A base, so that
    these checks come before the cross-field rules of the record's base (pydantic runs a base's
    validators first)."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _named(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        refuse_nulls(self, self.NOT_NULL)
        return self


class CommitmentDefinitionChanges(CommitmentChangesBase, _NamedChanges):
    """Changes to what a commitment is. Its delivery (status, progress, milestones) is tracked
    directly by the parties' editors, not by amendment; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    NOT_NULL = (
        "priority_area_id",
        "title",
        "modality",
        "lead_party_id",
        "supporting_organisation_ids",
    )

    pcm_activity_ref: PcmActivityRef | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)


class AddCommitmentChange(BaseModel):
    """Add a commitment under an existing, not retired priority area."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add_commitment"]
    commitment: ProposedCommitment


class ModifyCommitmentChange(BaseModel):
    """Change the definition of a shared, not cancelled commitment of the plan."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["modify_commitment"]
    commitment_id: uuid.UUID
    changes: CommitmentDefinitionChanges


class RetireCommitmentChange(BaseModel):
    """Retire a live commitment: it is cancelled and stays on record."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["retire_commitment"]
    commitment_id: uuid.UUID


class AddPriorityAreaChange(BaseModel):
    """Add a priority area after the others."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add_priority_area"]
    priority_area: PriorityAreaCreate


class ModifyPriorityAreaChange(BaseModel):
    """Change a priority area's codes or texts."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["modify_priority_area"]
    priority_area_id: uuid.UUID
    changes: PriorityAreaUpdate

    @model_validator(mode="after")
    def _check(self) -> "ModifyPriorityAreaChange":
        if not self.changes.model_fields_set:
            raise ValueError("name at least one field of the priority area to change")
        return self


class RetirePriorityAreaChange(BaseModel):
    """Retire a priority area without live commitments: it stays on record, closed to new
    commitments."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["retire_priority_area"]
    priority_area_id: uuid.UUID


class ChangeTermChange(BaseModel):
    """Change the plan's term, and so its expiry date (approval date + term)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["change_term"]
    term_months: int = Field(ge=1, le=240)


class ChangeReviewIntervalChange(BaseModel):
    """Change how often the parties review the plan jointly."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["change_review_interval"]
    review_interval_months: int = Field(ge=1, le=240)


class ChangeTextChange(BaseModel):
    """Change the plan's title, narrative sections, objectives or lead texts (each replaced
    whole)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["change_text"]
    title: LocalizedText | None = None
    sections: list[PlanSection] | None = Field(default=None, max_length=200)
    objectives: list[LocalizedText] | None = Field(default=None, max_length=50)
    lead_texts: PlanLeadTexts | None = None
    source_languages: SourceLanguages = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> "ChangeTextChange":
        if not self.model_fields_set - {"op", "source_languages"}:
            raise ValueError("name at least one of title, sections, objectives, lead_texts")
        refuse_nulls(self, ("title", "sections", "objectives", "lead_texts"))
        _unique_section_numbers(self.sections)
        return self


class RenewChange(BaseModel):
    """Renew the plan: a successor plan between the same parties takes over the live
    commitments and the priority areas, and this plan is superseded. The only operation of
    its change set."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["renew"]
    reference: str = Field(pattern=PLAN_REFERENCE_PATTERN, description="The successor's.")
    term_months: int | None = Field(
        default=None, ge=1, le=240, description="The successor's term; by default this plan's."
    )
    title: LocalizedText | None = Field(
        default=None, description="The successor's title; by default this plan's."
    )


class ReorderPriorityAreasChange(BaseModel):
    """Put the plan's priority areas in a new order (every area exactly once)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["reorder_priority_areas"]
    priority_area_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> "ReorderPriorityAreasChange":
        if len(set(self.priority_area_ids)) != len(self.priority_area_ids):
            raise ValueError("priority_area_ids must not repeat an area")
        return self


class ChangeApprovalDateChange(BaseModel):
    """Correct the plan's approval date, and so its expiry date and review schedule."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["change_approval_date"]
    approval_date: BoundedDate


class ChangePredecessorChange(BaseModel):
    """Correct the plan's predecessor link (null: no predecessor)."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["change_predecessor"]
    predecessor_id: uuid.UUID | None


class ChangeProgressUpdatesConfirmationChange(BaseModel):
    """Turn on or off the plan's setting that a progress update counts only once an approver of
    the commitment's lead party confirms it."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["change_progress_updates_confirmation"]
    progress_updates_need_confirmation: bool


class BringIntoForceChange(BaseModel):
    """Bring a draft plan into force on its approval date: when every party approves, the plan
    becomes active, version 1 records it and its reviews are scheduled. The only operation of
    its change set, and the only one a draft takes."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["bring_into_force"]
    approval_date: BoundedDate = Field(description="The date the parties approved the plan.")


class TerminateChange(BaseModel):
    """End an active plan before its term by mutual consent. The only operation of its change
    set; the amendment's rationale says why."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["terminate"]
    termination_date: BoundedDate | None = Field(
        default=None,
        description="The day the plan ends: not in the future, not before its approval date or "
        "its newest version; by default the day the last party approves. To end a plan at a "
        "later date, shorten its term (change_term).",
    )


AmendmentChange = Annotated[
    AddCommitmentChange
    | ModifyCommitmentChange
    | RetireCommitmentChange
    | AddPriorityAreaChange
    | ModifyPriorityAreaChange
    | RetirePriorityAreaChange
    | ReorderPriorityAreasChange
    | ChangeTermChange
    | ChangeReviewIntervalChange
    | ChangeApprovalDateChange
    | ChangePredecessorChange
    | ChangeProgressUpdatesConfirmationChange
    | ChangeTextChange
    | BringIntoForceChange
    | TerminateChange
    | RenewChange,
    Field(discriminator="op"),
]

# --- amendments -------------------------------------------------------------------------------

_AMENDMENT_EXAMPLE: dict[str, Any] = {
    "title": {
        "ja": "サイバー演習の追加",
        "en": "Add a cyber range exercise",
    },
    "rationale": {
        "ja": "第1回レビューの勧告による。",
        "en": "As recommended by the first joint review.",
    },
    "changes": [
        {
            "op": "add_commitment",
            "commitment": {
                "priority_area_id": "5f1d8f0e-3b1a-4c2d-9e8f-7a6b5c4d3e2f",
                "title": {"ja": "サイバーレンジ演習", "en": "Cyber range exercise"},
                "modality": "exercise_participation",
                "lead_party_id": "0b6f3c1e-9a52-4c6e-8f0e-6a1d2b3c4d5e",
                "due_date": "2027-03-31",
            },
        },
        {
            "op": "modify_commitment",
            "commitment_id": "6d3c1e2f-9a52-4c6e-8f0e-6a1d2b3c4d5e",
            "changes": {"due_date": "2027-06-30"},
        },
    ],
}


class AmendmentCreate(BaseModel):
    """A proposed amendment: a change set, validated against the plan as it is now."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _AMENDMENT_EXAMPLE})

    title: LocalizedText
    rationale: LocalizedText
    source_languages: SourceLanguages = Field(
        default_factory=dict,
        description="The governing language of the amendment's own `title` and `rationale` "
        "(each must be one of that text's languages; by default Japanese if the text has it, "
        "else its first language). The texts a change brings name theirs in the change.",
        examples=[{"rationale": "en"}],
    )
    review_id: uuid.UUID | None = Field(
        default=None, description="The review of this plan that led to the amendment."
    )
    changes: list[AmendmentChange] = Field(min_length=1, max_length=200)


class AmendmentDecisionCreate(BaseModel):
    """An approver's decision on an amendment, for the approver's own party."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"decision": "approve", "note": "Agreed at the JCM."}},
    )

    decision: Decision
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class PartyDecision(BaseModel):
    """Where one party of the plan stands on an amendment."""

    party_id: uuid.UUID
    party_code: str
    decision: PartyDecisionState
    decided_by: uuid.UUID | None = Field(description="The approver who decided for the party.")
    decided_by_name: str | None
    decided_at: datetime | None
    note: str | None


class AmendmentPublic(BaseModel):
    """An amendment as the API returns it, with each party's decision."""

    id: uuid.UUID
    plan_id: uuid.UUID
    number: int = Field(description="1, 2, … within the plan.")
    kind: ConsentKind = Field(
        description="What every party is asked to consent to: the plan's coming into force "
        "(`bring_into_force`), a change of its agreed content, its termination (`terminate`) or "
        "its renewal (`renew`)."
    )
    title: dict[str, str]
    rationale: dict[str, str]
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `title` and `rationale`."
    )
    review_id: uuid.UUID | None
    changes: list[AmendmentChange]
    base_version: int = Field(description="The plan version the change set was checked against.")
    current_version: int = Field(description="The plan's version now.")
    is_outdated: bool = Field(
        description="Still proposed, but the plan has a newer version (or, for a draft, its "
        "content changed since the proposal): approving it is refused; withdraw it and propose "
        "it again."
    )
    status: AmendmentStatus = Field(
        description="proposed → applied (when the last party approves) | rejected (when any "
        "party rejects) | withdrawn (by the proposing party before a decision)."
    )
    proposed_by: uuid.UUID | None
    proposed_by_name: str | None
    proposing_party_id: uuid.UUID | None
    decisions: list[PartyDecision] = Field(description="One per party of the plan, in its order.")
    applied_version: int | None = Field(
        description="The plan version the amendment produced; for a renewal, the successor "
        "plan's first version."
    )
    successor_plan_id: uuid.UUID | None = Field(description="The plan a renewal created.")
    decided_at: datetime | None = Field(description="When it was applied, rejected or withdrawn.")
    etag: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[AllowedAction] = Field(
        description="What you may do with the amendment now: `approve` or `reject` it for your "
        "own party (approvers, while it is proposed; an approval not while it is outdated, nor "
        "twice), `withdraw` it (the proposing party's writers) (see AllowedAction)."
    )


class ConsentApproval(BaseModel):
    """One party's approval within a consent: who approved for the party, and when."""

    party_id: uuid.UUID
    party_code: str
    decided_by: uuid.UUID
    decided_by_name: str | None
    decided_at: datetime
    note: str | None


class ConsentRecord(BaseModel):
    """One consent applied to the plan, with every party's approval."""

    amendment_id: uuid.UUID
    plan_id: uuid.UUID = Field(
        description="The plan the amendment belongs to: for a successor's coming into force, "
        "its predecessor (renewed by it)."
    )
    number: int = Field(description="The amendment's number within that plan.")
    kind: ConsentKind
    brought_into_force: bool = Field(
        description="This consent brought the plan into force (its own coming into force, or "
        "the renewal of its predecessor that created it)."
    )
    title: dict[str, str]
    rationale: dict[str, str]
    translations: dict[str, TranslationState] = Field(
        description="The translation state of `title` and `rationale`."
    )
    applied_at: datetime | None
    version: int | None = Field(description="The version of this plan the consent produced.")
    successor_plan_id: uuid.UUID | None
    approvals: list[ConsentApproval] = Field(
        description="Every party's approval, in the order they were given."
    )


class ConsentRecordList(BaseModel):
    """A plan's record of consent, oldest first."""

    items: list[ConsentRecord]


class AmendmentPage(BaseModel):
    """A page of a plan's amendments, newest first."""

    items: list[AmendmentPublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


# --- version diffs ------------------------------------------------------------------------------


class FieldChange(BaseModel):
    """One field's value in the older and the newer version."""

    old: Any
    new: Any


class RecordChange(BaseModel):
    """A priority area or commitment present in both versions, with the fields that differ."""

    id: uuid.UUID
    label: str = Field(description="Its code or reference in the newer version.")
    fields: dict[str, FieldChange]


class RecordDiff(BaseModel):
    """Priority areas or commitments added, changed and retired between two versions."""

    added: list[dict[str, Any]] = Field(description="As they stand in the newer version.")
    changed: list[RecordChange]
    retired: list[dict[str, Any]] = Field(
        description="Retired (areas), cancelled (commitments) or gone, as they stood in the "
        "older version."
    )


class PlanVersionDiff(BaseModel):
    """What changed from one version of a plan to another."""

    plan_id: uuid.UUID
    from_version: PlanVersionSummary
    to_version: PlanVersionSummary
    plan: dict[str, FieldChange] = Field(description="Plan fields that differ.")
    priority_areas: RecordDiff
    commitments: RecordDiff


# --- the plan as of a date ----------------------------------------------------------------------


class CommitmentAsOf(BaseModel):
    """A commitment as it stood at the end of a day, from the audit log."""

    id: uuid.UUID
    reference: str | None
    priority_area_id: uuid.UUID | None
    title: dict[str, str] | None
    lead_party_id: uuid.UUID | None
    due_date: date | None
    status: CommitmentStatus | None
    progress: int | None
    health: str | None


class PlanAsOf(BaseModel):
    """The plan as it stood on a date: the version in effect that day (what the parties had
    agreed), and each commitment's status and progress at the end of that day."""

    plan_id: uuid.UUID
    as_of: date = Field(description="The date asked for.")
    status: PlanStatus = Field(description="The plan's status on that date.")
    version: PlanVersionSummary
    plan: dict[str, Any] = Field(description="The plan part of that version's snapshot.")
    priority_areas: list[dict[str, Any]]
    commitments: list[CommitmentAsOf]
    history_recorded_since: date = Field(
        description="The first day the plan has records here (it may have come into force "
        "earlier, for a plan recorded or imported when already in force)."
    )
    commitments_recorded_on: date = Field(
        description="The day whose end the commitments' states show: the date asked for, or, "
        "for a date before the plan's records begin, the day they begin (as first recorded)."
    )


# --- the operations, described for clients ------------------------------------------------------


class OperationFieldType(StrEnum):
    """The type of an operation's field, as GET /amendment-operations describes it."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    ID = "id"
    CHOICE = "choice"
    LOCALIZED_TEXT = "localized_text"
    MAPPING = "mapping"
    OBJECT = "object"
    LIST = "list"


class OperationEffect(StrEnum):
    """What an operation does, as a reader is shown it: adds a record (a commitment, a priority
    area, a successor plan: its fields are all new), changes one (its `changes` against the
    record now), retires one, sets fields of the plan (against the plan now), or puts records
    of the plan in a new order (a list of all their ids)."""

    ADD = "add"
    MODIFY = "modify"
    RETIRE = "retire"
    PLAN = "plan"
    ORDER = "order"


class ChoicesSource(StrEnum):
    """The records the values of an id field are chosen from."""

    PRIORITY_AREAS = "priority_areas"
    COMMITMENTS = "commitments"
    PLAN_PARTIES = "plan_parties"
    ORGANISATIONS = "organisations"
    PLANS = "plans"


class AmendmentOperationField(BaseModel):
    """One field of an operation (or of an object inside one), as its schema accepts it."""

    name: str
    type: OperationFieldType
    item_type: OperationFieldType | None = Field(
        default=None, description="For a list: the type of its items."
    )
    required: bool
    nullable: bool = Field(description="It may be given as null.")
    description: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = Field(default=None, description="Of a string or a list.")
    max_length: int | None = Field(default=None, description="Of a string or a list.")
    pattern: str | None = None
    choices: list[str] | None = Field(
        default=None, description="For a choice (or a list of them): the values it takes."
    )
    choices_source: ChoicesSource | None = Field(
        default=None,
        description="For an id (or a list of them): the records of the plan (or shared "
        "reference data) its values are chosen from.",
    )
    fields: list["AmendmentOperationField"] | None = Field(
        default=None, description="For an object (or a list of them): its fields."
    )


class AmendmentOperation(BaseModel):
    """One kind of change set operation: what it is called, when it can be proposed, and the
    fields of its schema (the member of the change set union whose `op` is `kind`)."""

    kind: str = Field(description="The operation's `op`.")
    labels: dict[str, str] = Field(description="Its name, in `ja` and `en`.")
    description: str
    consent_kind: ConsentKind = Field(
        description="What a change set holding it asks the parties to consent to."
    )
    alone: bool = Field(description="It is the only operation of its change set.")
    plan_statuses: list[PlanStatus] = Field(
        description="The plan statuses in which it can be proposed."
    )
    effect: OperationEffect = Field(description="What it does, as a reader is shown it.")
    sets_status: PlanStatus | CommitmentStatus | None = Field(
        default=None,
        description="The status it gives what it acts on (the commitment it names, or the "
        "plan), if it changes one; the fields it sets then take effect with that status.",
    )
    note: dict[str, str] | None = Field(
        default=None,
        description="What a reader is told of its consequences, in `ja` and `en`.",
    )
    fields: list[AmendmentOperationField]


class AmendmentOperationList(BaseModel):
    """Every kind of change set operation, in the order a form offers them."""

    items: list[AmendmentOperation]
