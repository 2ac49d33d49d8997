"""The API's schemas as TypedDicts.

Generated from services/api/openapi.json by
services/web/generate_contract.py (`make openapi`); do not edit.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypeAlias, TypedDict


class AdminReauthentication(TypedDict):
    current_password: str
    current_code: NotRequired[str | None]


AllowedAction: TypeAlias = Literal[
    "update",
    "propose_change",
    "cancel",
    "retire",
    "delete",
    "create_priority_area",
    "reorder_priority_areas",
    "create_commitment",
    "create_milestone",
    "create_exchange",
    "propose_amendment",
    "bring_into_force",
    "terminate",
    "renew",
    "abandon",
    "approve",
    "reject",
    "withdraw",
    "open",
    "sign_off",
    "conclude",
    "assess",
    "agree_rating",
    "comment",
    "attach",
    "agree_all",
    "confirm",
    "manage_users",
    "manage_organisations",
    "manage_webhooks",
    "verify_audit_chain",
    "reset_second_factor",
]


AmendmentStatus: TypeAlias = Literal["proposed", "approved", "applied", "rejected", "withdrawn"]


AttachmentParent: TypeAlias = Literal[
    "commitment", "exchange", "review", "review_item", "amendment", "progress_update"
]


AuditEntityType: TypeAlias = Literal[
    "plan",
    "plan_version",
    "priority_area",
    "commitment",
    "milestone",
    "party",
    "organisation",
    "user",
    "access_token",
    "exchange",
    "calendar_feed",
    "review_cycle",
    "review_item",
    "review_assessment",
    "review_sign_off",
    "amendment",
    "webhook_endpoint",
    "attachment",
    "comment",
    "progress_update",
]


class AuditEventPublic(TypedDict):
    id: str
    seq: int
    occurred_at: str
    actor_user_id: str | None
    actor_name: str | None
    actor_party_id: str | None
    action: str
    entity_type: AuditEntityType
    entity_id: str
    plan_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


class BringIntoForceChange(TypedDict):
    op: Literal["bring_into_force"]
    approval_date: str


class CalendarFeedCreate(TypedDict):
    name: str
    plan_id: NotRequired[str | None]


class CalendarFeedCreated(TypedDict):
    id: str
    name: str
    plan_id: str | None
    created_at: str
    last_used_at: str | None
    url: str


class CalendarFeedPublic(TypedDict):
    id: str
    name: str
    plan_id: str | None
    created_at: str
    last_used_at: str | None


ChainBreak: TypeAlias = Literal["missing", "reordered", "changed", "truncated"]


class ChangeApprovalDateChange(TypedDict):
    op: Literal["change_approval_date"]
    approval_date: str


class ChangePredecessorChange(TypedDict):
    op: Literal["change_predecessor"]
    predecessor_id: str | None


class ChangeProgressUpdatesConfirmationChange(TypedDict):
    op: Literal["change_progress_updates_confirmation"]
    progress_updates_need_confirmation: bool


class ChangeReviewIntervalChange(TypedDict):
    op: Literal["change_review_interval"]
    review_interval_months: int


class ChangeTermChange(TypedDict):
    op: Literal["change_term"]
    term_months: int


ChoicesSource: TypeAlias = Literal[
    "priority_areas", "commitments", "plan_parties", "organisations", "plans"
]


class CommentRevisionPublic(TypedDict):
    number: int
    body: str
    written_at: str
    replaced_at: str


class CommentUpdate(TypedDict):
    body: str


CommitmentSort: TypeAlias = Literal[
    "reference",
    "-reference",
    "due_date",
    "-due_date",
    "progress",
    "-progress",
    "updated_at",
    "-updated_at",
    "created_at",
    "-created_at",
]


CommitmentStatus: TypeAlias = Literal[
    "planned", "in_progress", "completed", "deferred", "cancelled"
]


ReviewedTranslation: TypeAlias = str


class ConsentApproval(TypedDict):
    party_id: str
    party_code: str
    decided_by: str
    decided_by_name: str | None
    decided_at: str
    note: str | None


ConsentKind: TypeAlias = Literal["entry_into_force", "amendment", "termination", "renewal"]


class DashboardReview(TypedDict):
    id: str
    number: int
    due_date: str
    status: str
    is_final: bool
    is_overdue: bool
    days_until_due: int


Decision: TypeAlias = Literal["approve", "reject"]


DocumentEdition: TypeAlias = Literal["ja", "en", "ja-en"]


DocumentFormat: TypeAlias = Literal["html", "md", "pdf", "docx", "odt"]


DocumentLanguage: TypeAlias = Literal["ja", "en"]


EventKind: TypeAlias = Literal[
    "amendment_proposed", "amendment_decided", "review_opened", "review_signed"
]


ExchangeKind: TypeAlias = Literal[
    "dialogue",
    "consultation",
    "seminar",
    "visit",
    "exercise",
    "placement",
    "expert_dispatch",
    "information_sharing",
    "training",
]


ExchangeSort: TypeAlias = Literal[
    "start_date", "-start_date", "reference", "-reference", "updated_at", "-updated_at"
]


ExchangeStatus: TypeAlias = Literal["planned", "confirmed", "held", "cancelled"]


class ExportedDecision(TypedDict):
    id: str
    party_id: str
    decision: Decision
    user_id: str
    note: NotRequired[str | None]
    decided_at: str


class ExportedSignOff(TypedDict):
    id: str
    party_id: str
    user_id: str
    signed_at: str


class ExportedUser(TypedDict):
    id: str
    party_id: str
    email: str
    display_name: str


class ExportedVersion(TypedDict):
    id: str
    number: int
    reason: str
    snapshot: dict[str, Any]
    agreed_on: NotRequired[str | None]
    amendment_id: NotRequired[str | None]
    created_at: str


class FieldChange(TypedDict):
    old: Any
    new: Any


Health: TypeAlias = Literal["on_track", "at_risk", "off_track"]


class HealthCounts(TypedDict):
    on_track: NotRequired[int]
    at_risk: NotRequired[int]
    off_track: NotRequired[int]
    unrated: NotRequired[int]


InboxAction: TypeAlias = Literal[
    "decide", "await_approver", "assess", "sign_off", "prepare", "update", "attend", "renew"
]


InboxItemKind: TypeAlias = Literal[
    "consent",
    "review_open",
    "review_due",
    "commitment_overdue",
    "commitment_stale",
    "exchange_upcoming",
    "plan_expiring",
]


class InvitationAcceptance(TypedDict):
    password: str


class ItemAsRead(TypedDict):
    id: str
    etag: str


class JsonSchemaDocument(TypedDict):
    pass


LocalizedText: TypeAlias = dict[str, str]


class Mention(TypedDict):
    id: str
    display_name: str


class MilestoneCreate(TypedDict):
    title: LocalizedText
    due_date: NotRequired[str | None]
    done_on: NotRequired[str | None]
    source_languages: NotRequired[dict[str, str]]


class MilestoneUpdate(TypedDict):
    title: NotRequired[LocalizedText]
    due_date: NotRequired[str | None]
    done_on: NotRequired[str | None]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


Modality: TypeAlias = Literal[
    "high_level_dialogue",
    "joint_consultation",
    "seminar_symposium",
    "sps_programme",
    "personnel_exchange",
    "exercise_participation",
    "sto_collaboration",
    "information_sharing",
    "placement",
    "expert_dispatch",
    "pcm_activity",
    "other",
]


NotificationDelivery: TypeAlias = Literal["immediately", "daily_digest", "off"]


NotificationKind: TypeAlias = Literal[
    "amendment_proposed",
    "amendment_decided",
    "review_opened",
    "review_signed",
    "review_due",
    "commitment_overdue",
    "commitment_stale",
    "plan_expiring",
    "comment_mention",
]


class NotificationPreferences(TypedDict):
    preferences: dict[NotificationKind, NotificationDelivery]
    etag: str


class NotificationPreferencesUpdate(TypedDict):
    preferences: dict[NotificationKind, NotificationDelivery]


class ObjectivesLead(TypedDict):
    number: str
    text: NotRequired[LocalizedText | None]


OperationEffect: TypeAlias = Literal["add", "modify", "retire", "plan", "order"]


OperationFieldType: TypeAlias = Literal[
    "string",
    "integer",
    "boolean",
    "date",
    "id",
    "choice",
    "localized_text",
    "mapping",
    "object",
    "list",
]


class OrganisationCreate(TypedDict):
    code: str
    name: LocalizedText
    source_languages: NotRequired[dict[str, str]]


class OrganisationUpdate(TypedDict):
    code: NotRequired[str]
    name: NotRequired[LocalizedText]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


class Participant(TypedDict):
    role: str
    name: NotRequired[str | None]
    organisation_id: NotRequired[str | None]


class PartyCreate(TypedDict):
    code: str
    name: LocalizedText
    source_languages: NotRequired[dict[str, str]]


PartyDecisionState: TypeAlias = Literal["approved", "rejected", "pending"]


class PasswordChange(TypedDict):
    current_password: str
    new_password: str


class PasswordReset(TypedDict):
    new_password: str


class PlanEventBatch(TypedDict):
    items: list[AuditEventPublic]
    last_seq: int


class PlanExportImported(TypedDict):
    plan_id: str
    reference: str
    created: dict[str, int]
    notes: list[str]


class PlanSection(TypedDict):
    number: str
    heading: NotRequired[LocalizedText | None]
    body: LocalizedText


PlanStatus: TypeAlias = Literal["draft", "active", "expired", "superseded", "terminated"]


class PlanVersionPublic(TypedDict):
    id: str
    plan_id: str
    number: int
    reason: str
    agreed_on: str
    amendment_id: str | None
    created_at: str
    snapshot: dict[str, Any]


class PlanVersionSummary(TypedDict):
    id: str
    plan_id: str
    number: int
    reason: str
    agreed_on: str
    amendment_id: str | None
    created_at: str


PortfolioSort: TypeAlias = Literal[
    "reference",
    "-reference",
    "days_to_expiry",
    "-days_to_expiry",
    "next_review",
    "-next_review",
    "average_progress",
    "-average_progress",
    "commitments_overdue",
    "-commitments_overdue",
    "consents_awaiting",
    "-consents_awaiting",
]


class PredecessorReference(TypedDict):
    section: str
    date: str


class PriorityAreaCreate(TypedDict):
    code: str
    short_code: str
    title: LocalizedText
    description: NotRequired[LocalizedText | None]
    source_languages: NotRequired[dict[str, str]]


class PriorityAreaOrder(TypedDict):
    priority_area_ids: list[str]


class PriorityAreaUpdate(TypedDict):
    code: NotRequired[str]
    short_code: NotRequired[str]
    title: NotRequired[LocalizedText]
    description: NotRequired[LocalizedText | None]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


class ProbeResult(TypedDict):
    status: Literal["ok"]
    database: NotRequired[Literal["reachable"] | None]
    revision: NotRequired[str | None]


class ProfileUpdate(TypedDict):
    display_name: NotRequired[str | None]
    preferred_language: NotRequired[str | None]


class ProgressPoint(TypedDict):
    date: str
    total: int
    completed: int
    done: float
    average_progress: float | None


class ProgressUpdateCreate(TypedDict):
    as_of_date: NotRequired[str | None]
    status: CommitmentStatus
    progress: int
    narrative: LocalizedText
    source_languages: NotRequired[dict[str, str]]


ProgressUpdateState: TypeAlias = Literal["recorded", "pending", "confirmed", "rejected"]


class ProposedCommitment(TypedDict):
    priority_area_id: str
    reference: NotRequired[str | None]
    title: LocalizedText
    description: NotRequired[LocalizedText | None]
    modality: Modality
    lead_party_id: str
    lead_organisation_id: NotRequired[str | None]
    supporting_organisation_ids: NotRequired[list[str]]
    start_date: NotRequired[str | None]
    due_date: NotRequired[str | None]
    pcm_activity_ref: NotRequired[str | None]
    is_example: NotRequired[bool]
    milestones: NotRequired[list[MilestoneCreate]]
    source_languages: NotRequired[dict[str, str]]


class RecordChange(TypedDict):
    id: str
    label: str
    fields: dict[str, FieldChange]


class RecordDiff(TypedDict):
    added: list[dict[str, Any]]
    changed: list[RecordChange]
    retired: list[dict[str, Any]]


class RenewChange(TypedDict):
    op: Literal["renew"]
    reference: str
    term_months: NotRequired[int | None]
    title: NotRequired[LocalizedText | None]


class ReorderPriorityAreasChange(TypedDict):
    op: Literal["reorder_priority_areas"]
    priority_area_ids: list[str]


class RetireCommitmentChange(TypedDict):
    op: Literal["retire_commitment"]
    commitment_id: str


class RetirePriorityAreaChange(TypedDict):
    op: Literal["retire_priority_area"]
    priority_area_id: str


class ReviewCounts(TypedDict):
    items: int
    assessed: dict[str, int]
    disagreements: int
    agreed: int
    unagreed: int
    agreeable: int


class ReviewItemUpdate(TypedDict):
    agreed_rating: NotRequired[Health | None]
    agreed_note: NotRequired[str | None]


ReviewOutcome: TypeAlias = Literal["continue", "amend", "renew", "terminate"]


class ReviewSnapshot(TypedDict):
    status: CommitmentStatus
    progress: int
    health: Health | None
    due_date: str | None


ReviewStatus: TypeAlias = Literal["scheduled", "open", "concluded"]


class ReviewSummary(TypedDict):
    id: str
    plan_id: str
    number: int
    period_start: str
    period_end: str
    due_date: str
    is_final: bool
    status: ReviewStatus
    outcome: ReviewOutcome | None
    is_overdue: bool
    will_be_held: bool
    opened_at: str | None
    concluded_at: str | None
    etag: str
    allowed_actions: list[AllowedAction]


class ReviewUpdate(TypedDict):
    summary: NotRequired[LocalizedText | None]
    outcome: NotRequired[ReviewOutcome | None]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


Role: TypeAlias = Literal["viewer", "editor", "approver", "admin"]


SavedViewList: TypeAlias = Literal["commitments", "exchanges"]


class SavedViewPublic(TypedDict):
    id: str
    name: str
    list: SavedViewList
    query: str
    created_at: str


SearchField: TypeAlias = Literal["reference", "title", "body"]


class SearchHighlight(TypedDict):
    start: int
    end: int


SearchKind: TypeAlias = Literal[
    "plan", "priority_area", "commitment", "exchange", "review", "amendment"
]


class SearchPlan(TypedDict):
    id: str
    reference: str


class SearchSnippet(TypedDict):
    field: SearchField
    language: str | None
    text: str
    highlights: list[SearchHighlight]


class SignOffCreate(TypedDict):
    party_id: NotRequired[str | None]


SignOffNeed: TypeAlias = Literal["summary", "outcome", "agreed_ratings"]


class SignOffState(TypedDict):
    party_id: str
    party_code: str
    signed: bool
    signed_by: str | None
    signed_by_name: str | None
    signed_at: str | None


SkipReason: TypeAlias = Literal["changed", "not_agreeable", "not_found"]


class SkippedItem(TypedDict):
    item_id: str
    reference: str | None
    reason: SkipReason


class StatusCounts(TypedDict):
    planned: NotRequired[int]
    in_progress: NotRequired[int]
    completed: NotRequired[int]
    deferred: NotRequired[int]
    cancelled: NotRequired[int]


SubjectType: TypeAlias = Literal["amendment", "review", "commitment", "exchange", "plan"]


TableFormat: TypeAlias = Literal["csv", "xlsx"]


class TerminateChange(TypedDict):
    op: Literal["terminate"]
    termination_date: NotRequired[str | None]


TokenKind: TypeAlias = Literal["session", "api"]


class TokenRequest(TypedDict):
    grant_type: Literal["password"]
    username: str
    password: str
    otp: NotRequired[str | None]
    scope: NotRequired[str]
    client_id: NotRequired[str | None]
    client_secret: NotRequired[str | None]


TokenScope: TypeAlias = Literal["read", "read_write", "enrol_totp"]


class TotpConfirmation(TypedDict):
    code: str


class TotpEnrolment(TypedDict):
    secret: str
    provisioning_uri: str


class TotpEnrolmentStart(TypedDict):
    current_password: NotRequired[str | None]
    current_code: NotRequired[str | None]


class TranslationState(TypedDict):
    source: str
    stale: list[str]


UnmappedKind: TypeAlias = Literal[
    "after_end",
    "chapter_without_heading",
    "chapter_before_title",
    "duplicate_chapter",
    "duplicate_section",
    "item_outside_section",
    "area_without_title",
    "duplicate_area",
    "numbering_too_deep",
    "text_before_chapter_1",
    "text_outside_section",
    "bullet_without_code",
    "second_area_list",
    "text_after_area_list",
    "text_after_objectives",
    "empty_section",
]


class UnmappedLine(TypedDict):
    line: int
    text: str
    reason: str
    kind: UnmappedKind


class Unsubscription(TypedDict):
    kinds: list[NotificationKind]
    preferences: dict[NotificationKind, NotificationDelivery]
    language: str


class UserCreate(TypedDict):
    email: str
    display_name: str
    role: Role
    preferred_language: NotRequired[str]
    password: str


class UserInvite(TypedDict):
    email: str
    display_name: str
    role: Role
    preferred_language: NotRequired[str]


class UserPublic(TypedDict):
    id: str
    email: str
    display_name: str
    party_id: str
    party_code: str
    role: Role
    preferred_language: str
    is_active: bool
    totp_enabled: bool
    invitation_pending: NotRequired[bool]
    allowed_actions: NotRequired[list[AllowedAction]]
    etag: str
    created_at: str
    updated_at: str


class UserUpdate(TypedDict):
    display_name: NotRequired[str | None]
    role: NotRequired[Role | None]
    preferred_language: NotRequired[str | None]
    is_active: NotRequired[bool | None]


Visibility: TypeAlias = Literal["shared", "internal"]


class WebhookDeliveryPublic(TypedDict):
    id: str
    webhook_id: str
    endpoint_id: str
    kind: EventKind
    plan_id: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    last_status_code: int | None
    last_error: str | None
    replayed_at: str | None
    created_at: str


class WebhookEndpointCreate(TypedDict):
    url: str
    event_kinds: list[EventKind]
    description: NotRequired[str | None]


class WebhookEndpointPublic(TypedDict):
    id: str
    party_id: str
    url: str
    description: str | None
    event_kinds: list[EventKind]
    is_enabled: bool
    etag: str
    created_at: str
    updated_at: str


class WebhookEndpointUpdate(TypedDict):
    url: NotRequired[str | None]
    event_kinds: NotRequired[list[EventKind] | None]
    description: NotRequired[str | None]
    is_enabled: NotRequired[bool | None]


class WebhookEndpointWithSecret(TypedDict):
    id: str
    party_id: str
    url: str
    description: str | None
    event_kinds: list[EventKind]
    is_enabled: bool
    etag: str
    created_at: str
    updated_at: str
    secret: str


class FieldError(TypedDict):
    loc: list[str | int]
    msg: str
    type: str


class PlanDocumentUpload(TypedDict):
    file: bytes


class AttachmentUpload(TypedDict):
    file: bytes


TextByLanguage: TypeAlias = dict[str, str]


class SearchParametersQuery(TypedDict):
    q: str
    kind: NotRequired[list[SearchKind]]
    plan_id: NotRequired[str]
    limit: NotRequired[int]
    cursor: NotRequired[str]


class GetPortfolioParametersQuery(TypedDict):
    sort: NotRequired[PortfolioSort]
    status: NotRequired[list[PlanStatus]]
    partner: NotRequired[str]
    expires_within: NotRequired[int]
    format: NotRequired[TableFormat]
    lang: NotRequired[DocumentLanguage]


class ListPlansParametersQuery(TypedDict):
    status: NotRequired[list[PlanStatus]]
    limit: NotRequired[int]
    cursor: NotRequired[str]


DiffPlanVersionsParametersQuery = TypedDict(
    "DiffPlanVersionsParametersQuery",
    {
        "from": int,
        "to": int,
    },
)


class GetPlanAsOfParametersQuery(TypedDict):
    date: str


class ListCommitmentsParametersQuery(TypedDict):
    sort: NotRequired[CommitmentSort]
    limit: NotRequired[int]
    cursor: NotRequired[str]
    page: NotRequired[int]
    status: NotRequired[list[CommitmentStatus]]
    priority_area: NotRequired[list[str]]
    modality: NotRequired[list[Modality]]
    lead_party: NotRequired[list[str]]
    organisation: NotRequired[list[str]]
    health: NotRequired[list[Health]]
    due_before: NotRequired[str]
    due_after: NotRequired[str]
    q: NotRequired[str]


class GetPlanCommitmentTableParametersQuery(TypedDict):
    sort: NotRequired[CommitmentSort]
    limit: NotRequired[int]
    cursor: NotRequired[str]
    page: NotRequired[int]
    status: NotRequired[list[CommitmentStatus]]
    priority_area: NotRequired[list[str]]
    modality: NotRequired[list[Modality]]
    lead_party: NotRequired[list[str]]
    organisation: NotRequired[list[str]]
    health: NotRequired[list[Health]]
    due_before: NotRequired[str]
    due_after: NotRequired[str]
    q: NotRequired[str]


class ListExchangesParametersQuery(TypedDict):
    sort: NotRequired[ExchangeSort]
    limit: NotRequired[int]
    cursor: NotRequired[str]
    page: NotRequired[int]
    kind: NotRequired[list[ExchangeKind]]
    status: NotRequired[list[ExchangeStatus]]
    party: NotRequired[list[str]]
    organisation: NotRequired[list[str]]
    starts_before: NotRequired[str]
    ends_after: NotRequired[str]
    commitment_id: NotRequired[str]
    q: NotRequired[str]


class GetReviewWorkspaceParametersQuery(TypedDict):
    comments_limit: NotRequired[int]
    comments_cursor: NotRequired[str]


class ListSavedViewsParametersQuery(TypedDict):
    list: NotRequired[SavedViewList]


class ListAmendmentsParametersQuery(TypedDict):
    status: NotRequired[list[AmendmentStatus]]
    limit: NotRequired[int]
    cursor: NotRequired[str]


class RenderPlanDocumentParametersQuery(TypedDict):
    format: NotRequired[DocumentFormat]
    lang: NotRequired[DocumentEdition]
    version: NotRequired[int]


class ImportPlanDocumentParametersQuery(TypedDict):
    party: list[str]
    reference: NotRequired[str]
    lang: NotRequired[DocumentLanguage]


class ImportPlanExportRequest(TypedDict):
    pass


class ExportCommitmentsParametersQuery(TypedDict):
    format: NotRequired[TableFormat]
    lang: NotRequired[DocumentLanguage]
    sort: NotRequired[CommitmentSort]
    status: NotRequired[list[CommitmentStatus]]
    priority_area: NotRequired[list[str]]
    modality: NotRequired[list[Modality]]
    lead_party: NotRequired[list[str]]
    organisation: NotRequired[list[str]]
    health: NotRequired[list[Health]]
    due_before: NotRequired[str]
    due_after: NotRequired[str]
    q: NotRequired[str]


class ExportExchangesParametersQuery(TypedDict):
    format: NotRequired[TableFormat]
    lang: NotRequired[DocumentLanguage]
    sort: NotRequired[ExchangeSort]
    kind: NotRequired[list[ExchangeKind]]
    status: NotRequired[list[ExchangeStatus]]
    party: NotRequired[list[str]]
    organisation: NotRequired[list[str]]
    starts_before: NotRequired[str]
    ends_after: NotRequired[str]
    commitment_id: NotRequired[str]
    q: NotRequired[str]


class ListOrganisationsParametersQuery(TypedDict):
    party_id: NotRequired[str]


class ListAuditEventsParametersQuery(TypedDict):
    entity_type: NotRequired[AuditEntityType]
    entity_id: NotRequired[str]
    actor_user_id: NotRequired[str]
    plan_id: NotRequired[str]
    since: NotRequired[str]
    until: NotRequired[str]
    action: NotRequired[str]
    limit: NotRequired[int]
    cursor: NotRequired[str]


class GetPlanHistoryParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class GetPriorityAreaHistoryParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class GetCommitmentHistoryParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class GetMilestoneHistoryParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class GetExchangeHistoryParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class WaitForPlanEventsParametersQuery(TypedDict):
    after: NotRequired[int]
    wait: NotRequired[int]
    limit: NotRequired[int]


class ListWebhookDeliveriesParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class UploadCommitmentAttachmentParametersQuery(TypedDict):
    visibility: NotRequired[Visibility]


class UploadExchangeAttachmentParametersQuery(TypedDict):
    visibility: NotRequired[Visibility]


class UploadReviewAttachmentParametersQuery(TypedDict):
    visibility: NotRequired[Visibility]


class UploadReviewItemAttachmentParametersQuery(TypedDict):
    visibility: NotRequired[Visibility]


class UploadAmendmentAttachmentParametersQuery(TypedDict):
    visibility: NotRequired[Visibility]


class UploadProgressUpdateAttachmentParametersQuery(TypedDict):
    visibility: NotRequired[Visibility]


class ListCommitmentCommentsParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class ListExchangeCommentsParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class ListReviewCommentsParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class ListReviewItemCommentsParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class ListAmendmentCommentsParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class ListProgressUpdatesParametersQuery(TypedDict):
    limit: NotRequired[int]
    cursor: NotRequired[str]


class ActivitySubject(TypedDict):
    type: str
    id: str
    reference: str | None
    number: int | None
    title: TextByLanguage | None


class AddCommitmentChange(TypedDict):
    op: Literal["add_commitment"]
    commitment: ProposedCommitment


class AddPriorityAreaChange(TypedDict):
    op: Literal["add_priority_area"]
    priority_area: PriorityAreaCreate


class AgreeWherePartiesAgree(TypedDict):
    items: list[ItemAsRead]


class AgreedItem(TypedDict):
    item_id: str
    reference: str
    agreed_rating: Health


class AmendmentDecisionCreate(TypedDict):
    decision: Decision
    note: NotRequired[str | None]


class AmendmentOperationField(TypedDict):
    name: str
    type: OperationFieldType
    item_type: NotRequired[OperationFieldType | None]
    required: bool
    nullable: bool
    description: NotRequired[str | None]
    minimum: NotRequired[int | None]
    maximum: NotRequired[int | None]
    min_length: NotRequired[int | None]
    max_length: NotRequired[int | None]
    pattern: NotRequired[str | None]
    choices: NotRequired[list[str] | None]
    choices_source: NotRequired[ChoicesSource | None]
    fields: NotRequired[list[AmendmentOperationField] | None]


class ApiTokenCreate(TypedDict):
    name: str
    scope: NotRequired[TokenScope]
    expires_in_days: NotRequired[int]


class ApiTokenCreated(TypedDict):
    id: str
    kind: TokenKind
    name: str | None
    scope: TokenScope
    created_at: str
    last_used_at: str
    expires_at: str
    revoked_at: str | None
    is_current: bool
    token: str


class ApiTokenPublic(TypedDict):
    id: str
    kind: TokenKind
    name: str | None
    scope: TokenScope
    created_at: str
    last_used_at: str
    expires_at: str
    revoked_at: str | None
    is_current: bool


class AreaProgress(TypedDict):
    priority_area_id: str
    code: str
    short_code: str
    title: TextByLanguage
    total: int
    by_status: StatusCounts
    average_progress: float | None


class AssessmentPublic(TypedDict):
    party_id: str
    party_code: str
    rating: Health
    note: str | None
    recommended_action: str | None
    updated_by: str | None
    updated_by_name: str | None
    updated_at: str
    editable: bool


class AssessmentWrite(TypedDict):
    rating: Health
    note: NotRequired[str | None]
    recommended_action: NotRequired[str | None]


class AttachmentPublic(TypedDict):
    id: str
    plan_id: str
    parent_type: AttachmentParent
    parent_id: str
    visibility: Visibility
    owner_party_id: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    created_by: str | None
    created_by_name: str | None
    created_at: str
    content_url: str
    etag: str
    allowed_actions: list[AllowedAction]


class AuditChainVerification(TypedDict):
    ok: bool
    checked: int
    broken_seq: NotRequired[int | None]
    reason_code: NotRequired[ChainBreak | None]
    reason: NotRequired[str | None]


class AuditEventPage(TypedDict):
    items: list[AuditEventPublic]
    next_cursor: str | None


class CalendarFeedList(TypedDict):
    items: list[CalendarFeedPublic]


class ChapterLead(TypedDict):
    number: str
    heading: NotRequired[LocalizedText | None]
    text: NotRequired[LocalizedText | None]


class CommentCreate(TypedDict):
    body: str
    visibility: NotRequired[Visibility]
    reply_to: NotRequired[str | None]


class CommentPublic(TypedDict):
    id: str
    plan_id: str
    parent_type: AttachmentParent
    parent_id: str
    thread_id: str | None
    visibility: Visibility
    owner_party_id: str
    author_id: str | None
    author_name: str | None
    body: str | None
    mentions: list[Mention]
    created_at: str
    edited_at: str | None
    revision_count: int
    deleted: bool
    allowed_actions: list[AllowedAction]
    etag: str


class CommentRevisionList(TypedDict):
    items: list[CommentRevisionPublic]


class CommentThread(TypedDict):
    id: str
    plan_id: str
    parent_type: AttachmentParent
    parent_id: str
    thread_id: str | None
    visibility: Visibility
    owner_party_id: str
    author_id: str | None
    author_name: str | None
    body: str | None
    mentions: list[Mention]
    created_at: str
    edited_at: str | None
    revision_count: int
    deleted: bool
    allowed_actions: list[AllowedAction]
    etag: str
    reply_count: int
    replies: list[CommentPublic]


class CommentThreadPage(TypedDict):
    items: list[CommentThread]
    next_cursor: str | None
    count: int
    allowed_actions: list[AllowedAction]


class CommitmentAsOf(TypedDict):
    id: str
    reference: str | None
    priority_area_id: str | None
    title: TextByLanguage | None
    lead_party_id: str | None
    due_date: str | None
    status: CommitmentStatus | None
    progress: int | None
    health: str | None


class CommitmentCreate(TypedDict):
    priority_area_id: str
    reference: NotRequired[str | None]
    title: LocalizedText
    description: NotRequired[LocalizedText | None]
    modality: Modality
    lead_party_id: str
    lead_organisation_id: NotRequired[str | None]
    supporting_organisation_ids: NotRequired[list[str]]
    start_date: NotRequired[str | None]
    due_date: NotRequired[str | None]
    status: NotRequired[CommitmentStatus]
    progress: NotRequired[int]
    pcm_activity_ref: NotRequired[str | None]
    visibility: NotRequired[Visibility]
    is_example: NotRequired[bool]
    milestones: NotRequired[list[MilestoneCreate]]
    source_languages: NotRequired[dict[str, str]]


class CommitmentDefinitionChanges(TypedDict):
    priority_area_id: NotRequired[str | None]
    title: NotRequired[LocalizedText | None]
    description: NotRequired[LocalizedText | None]
    modality: NotRequired[Modality | None]
    lead_party_id: NotRequired[str | None]
    lead_organisation_id: NotRequired[str | None]
    supporting_organisation_ids: NotRequired[list[str] | None]
    start_date: NotRequired[str | None]
    due_date: NotRequired[str | None]
    pcm_activity_ref: NotRequired[str | None]
    source_languages: NotRequired[dict[str, str]]


class CommitmentSummary(TypedDict):
    id: str
    reference: str
    title: TextByLanguage
    status: CommitmentStatus


class CommitmentUpdate(TypedDict):
    priority_area_id: NotRequired[str]
    title: NotRequired[LocalizedText]
    description: NotRequired[LocalizedText | None]
    modality: NotRequired[Modality]
    lead_party_id: NotRequired[str]
    lead_organisation_id: NotRequired[str | None]
    supporting_organisation_ids: NotRequired[list[str]]
    start_date: NotRequired[str | None]
    due_date: NotRequired[str | None]
    status: NotRequired[CommitmentStatus]
    progress: NotRequired[int]
    pcm_activity_ref: NotRequired[str | None]
    visibility: NotRequired[Visibility]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


class ConsentRecord(TypedDict):
    amendment_id: str
    plan_id: str
    number: int
    kind: ConsentKind
    brought_into_force: bool
    title: TextByLanguage
    rationale: TextByLanguage
    translations: dict[str, TranslationState]
    applied_at: str | None
    version: int | None
    successor_plan_id: str | None
    approvals: list[ConsentApproval]


class ConsentRecordList(TypedDict):
    items: list[ConsentRecord]


class DashboardActivity(TypedDict):
    id: str
    seq: int
    occurred_at: str
    actor_user_id: str | None
    actor_name: str | None
    actor_party_id: str | None
    action: str
    entity_type: AuditEntityType
    entity_id: str
    plan_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str
    subject: ActivitySubject | None


class DashboardPlan(TypedDict):
    id: str
    reference: str
    title: TextByLanguage
    status: PlanStatus
    approval_date: str | None
    expiry_date: str | None
    days_to_expiry: int | None
    allowed_actions: list[AllowedAction]


class Disagreement(TypedDict):
    item_id: str
    commitment_id: str
    reference: str
    ratings: dict[str, Health]
    agreed_rating: Health | None


class ExchangeCreate(TypedDict):
    kind: ExchangeKind
    reference: NotRequired[str | None]
    title: LocalizedText
    from_party_id: str
    from_organisation_id: NotRequired[str | None]
    to_party_id: str
    to_organisation_id: NotRequired[str | None]
    start_date: str
    end_date: NotRequired[str | None]
    location: NotRequired[str | None]
    participants: NotRequired[list[Participant]]
    commitment_ids: NotRequired[list[str]]
    outcome: NotRequired[LocalizedText | None]
    lessons_learned: NotRequired[LocalizedText | None]
    status: NotRequired[ExchangeStatus]
    visibility: NotRequired[Visibility]
    post_title: NotRequired[LocalizedText | None]
    host_organisation_id: NotRequired[str | None]
    is_example: NotRequired[bool]
    source_languages: NotRequired[dict[str, str]]


class ExchangePublic(TypedDict):
    id: str
    plan_id: str
    reference: str
    kind: ExchangeKind
    title: TextByLanguage
    from_party_id: str
    from_organisation_id: str | None
    to_party_id: str
    to_organisation_id: str | None
    start_date: str
    end_date: str | None
    location: str | None
    participants: list[Participant]
    outcome: TextByLanguage | None
    lessons_learned: TextByLanguage | None
    status: ExchangeStatus
    visibility: Visibility
    post_title: TextByLanguage | None
    translations: dict[str, TranslationState]
    host_organisation_id: str | None
    is_example: bool
    commitments: list[CommitmentSummary]
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]


class ExchangeSummary(TypedDict):
    id: str
    reference: str
    kind: ExchangeKind
    title: TextByLanguage
    start_date: str
    end_date: str | None
    status: ExchangeStatus


class ExchangeUpdate(TypedDict):
    kind: NotRequired[ExchangeKind]
    title: NotRequired[LocalizedText]
    from_party_id: NotRequired[str]
    from_organisation_id: NotRequired[str | None]
    to_party_id: NotRequired[str]
    to_organisation_id: NotRequired[str | None]
    start_date: NotRequired[str]
    end_date: NotRequired[str | None]
    location: NotRequired[str | None]
    participants: NotRequired[list[Participant]]
    commitment_ids: NotRequired[list[str]]
    outcome: NotRequired[LocalizedText | None]
    lessons_learned: NotRequired[LocalizedText | None]
    status: NotRequired[ExchangeStatus]
    visibility: NotRequired[Visibility]
    post_title: NotRequired[LocalizedText | None]
    host_organisation_id: NotRequired[str | None]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


class ExportedAmendment(TypedDict):
    id: str
    number: int
    title: LocalizedText
    rationale: LocalizedText
    translations: NotRequired[dict[str, TranslationState]]
    changes: list[dict[str, Any]]
    base_version: int
    base_digest: NotRequired[str | None]
    review_id: NotRequired[str | None]
    status: AmendmentStatus
    proposed_by: NotRequired[str | None]
    proposing_party_id: NotRequired[str | None]
    applied_version: NotRequired[int | None]
    successor_plan_id: NotRequired[str | None]
    decided_at: NotRequired[str | None]
    row_version: int
    created_at: str
    updated_at: str
    decisions: NotRequired[list[ExportedDecision]]


class ExportedAssessment(TypedDict):
    id: str
    party_id: str
    rating: Health
    note: NotRequired[str | None]
    recommended_action: NotRequired[str | None]
    updated_by: NotRequired[str | None]
    row_version: int
    updated_at: str


class ExportedAttachment(TypedDict):
    id: str
    parent_type: AttachmentParent
    parent_id: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    visibility: Visibility
    owner_party_id: str
    created_by: NotRequired[str | None]
    created_at: str
    deleted: bool


class ExportedEvidence(TypedDict):
    id: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    visibility: Visibility
    owner_party_id: str
    created_at: str
    deleted: bool


class ExportedExchange(TypedDict):
    translations: NotRequired[dict[str, TranslationState]]
    id: str
    reference: str
    kind: ExchangeKind
    title: LocalizedText
    from_party_id: str
    from_organisation_id: NotRequired[str | None]
    to_party_id: str
    to_organisation_id: NotRequired[str | None]
    start_date: str
    end_date: NotRequired[str | None]
    location: NotRequired[str | None]
    participants: list[dict[str, Any]]
    outcome: NotRequired[LocalizedText | None]
    lessons_learned: NotRequired[LocalizedText | None]
    status: ExchangeStatus
    visibility: Visibility
    post_title: NotRequired[LocalizedText | None]
    host_organisation_id: NotRequired[str | None]
    is_example: bool
    commitment_ids: NotRequired[list[str]]
    row_version: int
    created_at: str
    updated_at: str


class ExportedMilestone(TypedDict):
    translations: NotRequired[dict[str, TranslationState]]
    id: str
    position: int
    title: LocalizedText
    due_date: NotRequired[str | None]
    done_on: NotRequired[str | None]
    row_version: int
    created_at: str
    updated_at: str


class ExportedOrganisation(TypedDict):
    id: str
    party_id: str
    code: str
    name: LocalizedText
    translations: NotRequired[dict[str, TranslationState]]
    created_at: str


class ExportedParty(TypedDict):
    id: str
    code: str
    name: LocalizedText
    translations: NotRequired[dict[str, TranslationState]]
    created_at: str


class ExportedPriorityArea(TypedDict):
    translations: NotRequired[dict[str, TranslationState]]
    id: str
    code: str
    short_code: str
    position: int
    title: LocalizedText
    description: NotRequired[LocalizedText | None]
    retired_at: NotRequired[str | None]
    row_version: int
    created_at: str
    updated_at: str


class ExportedProgressUpdate(TypedDict):
    translations: NotRequired[dict[str, TranslationState]]
    id: str
    as_of_date: str
    status: CommitmentStatus
    progress: int
    narrative: LocalizedText
    state: ProgressUpdateState
    author_party_id: NotRequired[str | None]
    created_by: NotRequired[str | None]
    decided_by: NotRequired[str | None]
    decided_at: NotRequired[str | None]
    row_version: int
    created_at: str
    updated_at: str
    attachments: NotRequired[list[ExportedEvidence]]


class ExportedReviewItem(TypedDict):
    id: str
    commitment_id: str
    status: CommitmentStatus
    progress: int
    health: NotRequired[Health | None]
    due_date: NotRequired[str | None]
    agreed_rating: NotRequired[Health | None]
    agreed_note: NotRequired[str | None]
    row_version: int
    updated_at: str
    assessments: NotRequired[list[ExportedAssessment]]


class InboxPlan(TypedDict):
    id: str
    reference: str
    title: TextByLanguage


class InboxSubject(TypedDict):
    type: SubjectType
    id: str
    reference: str | None
    number: int | None
    title: TextByLanguage | None


class InvitationPublic(TypedDict):
    email: str
    display_name: str
    preferred_language: str
    role: Role
    expires_at: str


class MilestonePublic(TypedDict):
    id: str
    commitment_id: str
    position: int
    title: TextByLanguage
    translations: dict[str, TranslationState]
    due_date: str | None
    done_on: str | None
    is_overdue: bool
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]


class ModifyCommitmentChange(TypedDict):
    op: Literal["modify_commitment"]
    commitment_id: str
    changes: CommitmentDefinitionChanges


class ModifyPriorityAreaChange(TypedDict):
    op: Literal["modify_priority_area"]
    priority_area_id: str
    changes: PriorityAreaUpdate


class OrganisationPublic(TypedDict):
    id: str
    party_id: str
    code: str
    name: TextByLanguage
    translations: dict[str, TranslationState]
    allowed_actions: list[str]
    etag: str
    created_at: str


class OverdueCommitment(TypedDict):
    id: str
    reference: str
    title: TextByLanguage
    due_date: str
    status: CommitmentStatus
    progress: int


class OverdueMilestone(TypedDict):
    id: str
    commitment_id: str
    commitment_reference: str
    title: TextByLanguage
    due_date: str


class PartyDecision(TypedDict):
    party_id: str
    party_code: str
    decision: PartyDecisionState
    decided_by: str | None
    decided_by_name: str | None
    decided_at: str | None
    note: str | None


class PartyPublic(TypedDict):
    id: str
    code: str
    name: TextByLanguage
    translations: dict[str, TranslationState]
    created_at: str


class PartySummary(TypedDict):
    id: str
    code: str
    name: TextByLanguage


class PlanAsOf(TypedDict):
    plan_id: str
    as_of: str
    status: PlanStatus
    version: PlanVersionSummary
    plan: dict[str, Any]
    priority_areas: list[dict[str, Any]]
    commitments: list[CommitmentAsOf]
    history_recorded_since: str
    commitments_recorded_on: str


class PlanImportReport(TypedDict):
    language: str
    unmapped: list[UnmappedLine]
    notes: list[str]
    predecessor_references: list[PredecessorReference]


class PlanLeadTexts(TypedDict):
    objectives: NotRequired[ObjectivesLead | None]
    areas: NotRequired[LocalizedText | None]
    chapters: NotRequired[list[ChapterLead]]


class PlanPublic(TypedDict):
    id: str
    reference: str
    title: TextByLanguage
    parties: list[PartySummary]
    sections: list[PlanSection]
    objectives: list[TextByLanguage]
    lead_texts: PlanLeadTexts
    translations: dict[str, TranslationState]
    status: PlanStatus
    approval_date: str | None
    expiry_date: str | None
    term_months: int
    review_interval_months: int
    predecessor_id: str | None
    progress_updates_need_confirmation: bool
    termination_date: str | None
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]


class PlanUpdate(TypedDict):
    title: NotRequired[LocalizedText]
    sections: NotRequired[list[PlanSection]]
    objectives: NotRequired[list[LocalizedText]]
    lead_texts: NotRequired[PlanLeadTexts]
    status: NotRequired[PlanStatus]
    approval_date: NotRequired[str | None]
    term_months: NotRequired[int]
    review_interval_months: NotRequired[int]
    predecessor_id: NotRequired[str | None]
    progress_updates_need_confirmation: NotRequired[bool]
    source_languages: NotRequired[dict[str, str]]
    reviewed_translations: NotRequired[dict[str, list[ReviewedTranslation]]]


class PlanVersionDiff(TypedDict):
    plan_id: str
    from_version: PlanVersionSummary
    to_version: PlanVersionSummary
    plan: dict[str, FieldChange]
    priority_areas: RecordDiff
    commitments: RecordDiff


class PlanVersionList(TypedDict):
    items: list[PlanVersionSummary]


class PortfolioParty(TypedDict):
    id: str
    code: str
    name: TextByLanguage


class PortfolioPlan(TypedDict):
    id: str
    reference: str
    title: TextByLanguage
    status: PlanStatus
    approval_date: str | None
    expiry_date: str | None
    days_to_expiry: int | None
    parties: list[PortfolioParty]
    partners: list[PortfolioParty]
    next_review: DashboardReview | None
    overdue_reviews: int
    commitments_total: int
    by_status: StatusCounts
    health: HealthCounts
    average_progress: float | None
    consents_awaiting: int
    commitments_overdue: int


class PriorityAreaPublic(TypedDict):
    id: str
    plan_id: str
    code: str
    short_code: str
    position: int
    title: TextByLanguage
    description: TextByLanguage | None
    translations: dict[str, TranslationState]
    retired_at: str | None
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]


class ProgressHistory(TypedDict):
    as_of: str
    interval_days: int
    points: list[ProgressPoint]


class ProgressUpdatePublic(TypedDict):
    id: str
    plan_id: str
    commitment_id: str
    as_of_date: str
    status: CommitmentStatus
    progress: int
    narrative: TextByLanguage
    translations: dict[str, TranslationState]
    state: ProgressUpdateState
    counts: bool
    author_party_id: str | None
    created_by: str | None
    created_by_name: str | None
    created_at: str
    decided_by: str | None
    decided_at: str | None
    attachments: list[AttachmentPublic]
    etag: str
    allowed_actions: list[AllowedAction]


class ReviewCommitment(TypedDict):
    id: str
    reference: str
    title: TextByLanguage
    priority_area_code: str
    lead_party_id: str
    visibility: Visibility


class ReviewItemPublic(TypedDict):
    id: str
    review_id: str
    commitment: ReviewCommitment
    snapshot: ReviewSnapshot
    assessments: list[AssessmentPublic]
    agreed_rating: Health | None
    agreed_note: str | None
    disagreement: bool
    agreeable: bool
    etag: str
    updated_at: str
    sign_offs_withdrawn: NotRequired[list[str]]
    notice: NotRequired[str | None]
    updates: NotRequired[list[ProgressUpdatePublic]]
    allowed_actions: list[AllowedAction]


class ReviewList(TypedDict):
    items: list[ReviewSummary]


class ReviewPublic(TypedDict):
    id: str
    plan_id: str
    number: int
    period_start: str
    period_end: str
    due_date: str
    is_final: bool
    status: ReviewStatus
    outcome: ReviewOutcome | None
    is_overdue: bool
    will_be_held: bool
    opened_at: str | None
    concluded_at: str | None
    etag: str
    allowed_actions: list[AllowedAction]
    summary: TextByLanguage | None
    translations: dict[str, TranslationState]
    items: list[ReviewItemPublic]
    disagreements: list[Disagreement]
    sign_offs: list[SignOffState]
    missing: list[str]
    sign_off_needs: list[SignOffNeed]
    counts: ReviewCounts
    created_at: str
    updated_at: str
    sign_offs_withdrawn: NotRequired[list[str]]
    notice: NotRequired[str | None]


class SavedViewCreate(TypedDict):
    name: str
    list: SavedViewList
    query: str


class SavedViewPage(TypedDict):
    items: list[SavedViewPublic]


class SearchResult(TypedDict):
    kind: SearchKind
    id: str
    plan: SearchPlan
    reference: str
    title: TextByLanguage
    snippet: SearchSnippet
    href: str


class TokenResponse(TypedDict):
    access_token: str
    token_type: Literal["bearer"]
    expires_at: str
    scope: TokenScope


class UpcomingExchange(TypedDict):
    id: str
    reference: str
    kind: ExchangeKind
    title: TextByLanguage
    start_date: str
    end_date: str | None
    status: ExchangeStatus


class UpcomingMilestone(TypedDict):
    id: str
    commitment_id: str
    commitment_reference: str
    title: TextByLanguage
    due_date: str


class UserList(TypedDict):
    items: list[UserPublic]


class WebhookDeliveryList(TypedDict):
    items: list[WebhookDeliveryPublic]
    next_cursor: str | None


class WebhookEndpointList(TypedDict):
    items: list[WebhookEndpointPublic]


class ProposalDraft(TypedDict):
    plan_id: str
    title: TextByLanguage
    changes: list[dict[str, Any]]


class Problem(TypedDict):
    type: str
    title: str
    status: int
    detail: NotRequired[str | None]
    instance: NotRequired[str | None]
    errors: NotRequired[list[FieldError] | None]
    agreed_fields: NotRequired[list[str] | None]
    proposal: NotRequired[ProposalDraft | None]


class AgreeResult(TypedDict):
    id: str
    plan_id: str
    number: int
    period_start: str
    period_end: str
    due_date: str
    is_final: bool
    status: ReviewStatus
    outcome: ReviewOutcome | None
    is_overdue: bool
    will_be_held: bool
    opened_at: str | None
    concluded_at: str | None
    etag: str
    allowed_actions: list[AllowedAction]
    summary: TextByLanguage | None
    translations: dict[str, TranslationState]
    items: list[ReviewItemPublic]
    disagreements: list[Disagreement]
    sign_offs: list[SignOffState]
    missing: list[str]
    sign_off_needs: list[SignOffNeed]
    counts: ReviewCounts
    created_at: str
    updated_at: str
    sign_offs_withdrawn: NotRequired[list[str]]
    notice: NotRequired[str | None]
    agreed: list[AgreedItem]
    skipped: list[SkippedItem]


class AmendmentOperation(TypedDict):
    kind: str
    labels: TextByLanguage
    description: str
    consent_kind: ConsentKind
    alone: bool
    plan_statuses: list[PlanStatus]
    effect: OperationEffect
    sets_status: NotRequired[PlanStatus | CommitmentStatus | None]
    note: NotRequired[TextByLanguage | None]
    fields: list[AmendmentOperationField]


class AmendmentOperationList(TypedDict):
    items: list[AmendmentOperation]


class ApiTokenList(TypedDict):
    items: list[ApiTokenPublic]


class AttachmentList(TypedDict):
    items: list[AttachmentPublic]
    allowed_actions: list[AllowedAction]


class ChangeTextChange(TypedDict):
    op: Literal["change_text"]
    title: NotRequired[LocalizedText | None]
    sections: NotRequired[list[PlanSection] | None]
    objectives: NotRequired[list[LocalizedText] | None]
    lead_texts: NotRequired[PlanLeadTexts | None]
    source_languages: NotRequired[dict[str, str]]


class CommitmentDetail(TypedDict):
    id: str
    plan_id: str
    reference: str
    priority_area_id: str
    priority_area_code: str
    title: TextByLanguage
    description: TextByLanguage | None
    translations: dict[str, TranslationState]
    modality: Modality
    lead_party_id: str
    lead_organisation_id: str | None
    supporting_organisation_ids: list[str]
    start_date: str | None
    due_date: str | None
    status: CommitmentStatus
    progress: int
    health: Health | None
    pcm_activity_ref: str | None
    visibility: Visibility
    is_example: bool
    is_overdue: bool
    milestones: list[MilestonePublic]
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]
    exchanges: list[ExchangeSummary]


class CommitmentPublic(TypedDict):
    id: str
    plan_id: str
    reference: str
    priority_area_id: str
    priority_area_code: str
    title: TextByLanguage
    description: TextByLanguage | None
    translations: dict[str, TranslationState]
    modality: Modality
    lead_party_id: str
    lead_organisation_id: str | None
    supporting_organisation_ids: list[str]
    start_date: str | None
    due_date: str | None
    status: CommitmentStatus
    progress: int
    health: Health | None
    pcm_activity_ref: str | None
    visibility: Visibility
    is_example: bool
    is_overdue: bool
    milestones: list[MilestonePublic]
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]


class Dashboard(TypedDict):
    as_of: str
    plan: DashboardPlan
    next_review: DashboardReview | None
    overdue_reviews: int
    commitments_total: int
    by_status: StatusCounts
    health: HealthCounts
    average_progress: float | None
    areas: list[AreaProgress]
    overdue_commitments: list[OverdueCommitment]
    overdue_milestones: list[OverdueMilestone]
    upcoming_exchanges: list[UpcomingExchange]
    upcoming_milestones: list[UpcomingMilestone]
    pending_amendments: int
    recent_activity: list[DashboardActivity]


class ExchangePage(TypedDict):
    items: list[ExchangePublic]
    next_cursor: str | None
    total: int


class ExportedCommitment(TypedDict):
    translations: NotRequired[dict[str, TranslationState]]
    id: str
    priority_area_id: str
    reference: str
    title: LocalizedText
    description: NotRequired[LocalizedText | None]
    modality: Modality
    lead_party_id: str
    lead_organisation_id: NotRequired[str | None]
    supporting_organisation_ids: NotRequired[list[str]]
    start_date: NotRequired[str | None]
    due_date: NotRequired[str | None]
    status: CommitmentStatus
    progress: int
    health: NotRequired[Health | None]
    pcm_activity_ref: NotRequired[str | None]
    visibility: Visibility
    is_example: bool
    row_version: int
    created_at: str
    updated_at: str
    milestones: NotRequired[list[ExportedMilestone]]
    progress_updates: NotRequired[list[ExportedProgressUpdate]]


class ExportedPlan(TypedDict):
    translations: NotRequired[dict[str, TranslationState]]
    id: str
    reference: str
    title: LocalizedText
    party_ids: list[str]
    sections: list[PlanSection]
    objectives: list[LocalizedText]
    lead_texts: NotRequired[PlanLeadTexts]
    status: PlanStatus
    approval_date: NotRequired[str | None]
    term_months: int
    review_interval_months: int
    predecessor_id: NotRequired[str | None]
    progress_updates_need_confirmation: NotRequired[bool]
    termination_date: NotRequired[str | None]
    row_version: int
    created_at: str
    updated_at: str


class ExportedReview(TypedDict):
    id: str
    number: int
    period_start: str
    period_end: str
    due_date: str
    is_final: bool
    status: ReviewStatus
    summary: NotRequired[LocalizedText | None]
    translations: NotRequired[dict[str, TranslationState]]
    outcome: NotRequired[ReviewOutcome | None]
    opened_at: NotRequired[str | None]
    concluded_at: NotRequired[str | None]
    row_version: int
    created_at: str
    updated_at: str
    items: NotRequired[list[ExportedReviewItem]]
    sign_offs: NotRequired[list[ExportedSignOff]]


class InboxItem(TypedDict):
    kind: InboxItemKind
    action: InboxAction
    plan: InboxPlan
    subject: InboxSubject
    consent_kind: NotRequired[ConsentKind | None]
    due_date: str | None
    href: str


class MilestoneList(TypedDict):
    items: list[MilestonePublic]


class OrganisationList(TypedDict):
    items: list[OrganisationPublic]


class PartyList(TypedDict):
    items: list[PartyPublic]


class PlanCreate(TypedDict):
    reference: str
    title: LocalizedText
    party_ids: list[str]
    sections: NotRequired[list[PlanSection]]
    objectives: NotRequired[list[LocalizedText]]
    lead_texts: NotRequired[PlanLeadTexts]
    approval_date: NotRequired[str | None]
    term_months: NotRequired[int]
    review_interval_months: NotRequired[int]
    predecessor_id: NotRequired[str | None]
    progress_updates_need_confirmation: NotRequired[bool]
    source_languages: NotRequired[dict[str, str]]


class PlanExport(TypedDict):
    format: Literal["itpp-plan-export"]
    format_version: Literal[1]
    plan: ExportedPlan
    lineage: NotRequired[list[ExportedPlan]]
    parties: NotRequired[list[ExportedParty]]
    organisations: NotRequired[list[ExportedOrganisation]]
    users: NotRequired[list[ExportedUser]]
    priority_areas: NotRequired[list[ExportedPriorityArea]]
    commitments: NotRequired[list[ExportedCommitment]]
    exchanges: NotRequired[list[ExportedExchange]]
    reviews: NotRequired[list[ExportedReview]]
    amendments: NotRequired[list[ExportedAmendment]]
    attachments: NotRequired[list[ExportedAttachment]]
    versions: NotRequired[list[ExportedVersion]]


class PlanImportResult(TypedDict):
    plan: PlanPublic
    report: PlanImportReport


class PlanOverview(TypedDict):
    live_after: int
    dashboard: Dashboard
    progress_history: ProgressHistory


class PlanPage(TypedDict):
    items: list[PlanPublic]
    next_cursor: str | None


class Portfolio(TypedDict):
    as_of: str
    items: list[PortfolioPlan]


class PriorityAreaList(TypedDict):
    items: list[PriorityAreaPublic]


class ProgressUpdatePage(TypedDict):
    items: list[ProgressUpdatePublic]
    next_cursor: str | None


class ReviewWorkspace(TypedDict):
    live_after: int
    review: ReviewPublic
    plan: PlanPublic
    attachments: AttachmentList
    comments: CommentThreadPage


class SearchPage(TypedDict):
    items: list[SearchResult]
    next_cursor: str | None


Changes: TypeAlias = (
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
    | RenewChange
)


class AmendmentCreate(TypedDict):
    title: LocalizedText
    rationale: LocalizedText
    source_languages: NotRequired[dict[str, str]]
    review_id: NotRequired[str | None]
    changes: list[Changes]


class AmendmentPublic(TypedDict):
    id: str
    plan_id: str
    number: int
    kind: ConsentKind
    title: TextByLanguage
    rationale: TextByLanguage
    translations: dict[str, TranslationState]
    review_id: str | None
    changes: list[Changes]
    base_version: int
    current_version: int
    is_outdated: bool
    status: AmendmentStatus
    proposed_by: str | None
    proposed_by_name: str | None
    proposing_party_id: str | None
    decisions: list[PartyDecision]
    applied_version: int | None
    successor_plan_id: str | None
    decided_at: str | None
    etag: str
    created_at: str
    updated_at: str
    allowed_actions: list[AllowedAction]


class CommitmentPage(TypedDict):
    items: list[CommitmentPublic]
    next_cursor: str | None
    total: int


class CommitmentTable(TypedDict):
    plan: PlanPublic
    commitments: CommitmentPage


class Inbox(TypedDict):
    as_of: str
    count: int
    items: list[InboxItem]


class AmendmentPage(TypedDict):
    items: list[AmendmentPublic]
    next_cursor: str | None
