"""The closed vocabularies of the domain (DESIGN.md §3), shared by tables and schemas."""

from enum import StrEnum


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"


class CommitmentStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DEFERRED = "deferred"
    CANCELLED = "cancelled"


class ProgressUpdateState(StrEnum):
    """Whether a progress update counts: at once (`recorded`), or, on a plan whose updates need
    confirmation, once an approver of the commitment's lead party confirms it."""

    RECORDED = "recorded"  # counted when posted (no confirmation needed)
    PENDING = "pending"  # waiting for the lead party's approver; not counted
    CONFIRMED = "confirmed"  # confirmed by the lead party's approver: counted
    REJECTED = "rejected"  # refused by the lead party's approver: never counted


class Health(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class Visibility(StrEnum):
    SHARED = "shared"
    INTERNAL = "internal"


class Modality(StrEnum):
    """How a commitment is delivered (seed §2.2, §3.2, §3.3)."""

    HIGH_LEVEL_DIALOGUE = "high_level_dialogue"
    JOINT_CONSULTATION = "joint_consultation"
    SEMINAR_SYMPOSIUM = "seminar_symposium"
    SPS_PROGRAMME = "sps_programme"
    PERSONNEL_EXCHANGE = "personnel_exchange"
    EXERCISE_PARTICIPATION = "exercise_participation"
    STO_COLLABORATION = "sto_collaboration"
    INFORMATION_SHARING = "information_sharing"
    PLACEMENT = "placement"
    EXPERT_DISPATCH = "expert_dispatch"
    PCM_ACTIVITY = "pcm_activity"
    OTHER = "other"


def check_in(column: str, enum: type[StrEnum]) -> str:
    """SQL CHECK expression restricting a string column to an enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


class Role(StrEnum):
    """What a user may do for their party (DESIGN.md §3)."""

    VIEWER = "viewer"
    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"


class TokenKind(StrEnum):
    SESSION = "session"
    API = "api"


class TokenScope(StrEnum):
    """What a token allows: read only, read and write, or only enrolling a second factor."""

    READ = "read"
    READ_WRITE = "read_write"
    ENROL_TOTP = "enrol_totp"


class ExchangeKind(StrEnum):
    """What kind of exchange between the parties (seed §3.2–§3.3)."""

    DIALOGUE = "dialogue"
    CONSULTATION = "consultation"
    SEMINAR = "seminar"
    VISIT = "visit"
    EXERCISE = "exercise"
    PLACEMENT = "placement"
    EXPERT_DISPATCH = "expert_dispatch"
    INFORMATION_SHARING = "information_sharing"
    TRAINING = "training"


class ExchangeStatus(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    HELD = "held"
    CANCELLED = "cancelled"


class ReviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CONCLUDED = "concluded"


class ReviewOutcome(StrEnum):
    """What a concluded review decides for the plan (seed §4.2)."""

    CONTINUE = "continue"
    AMEND = "amend"
    RENEW = "renew"
    TERMINATE = "terminate"


class AmendmentStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    APPLIED = "applied"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ConsentKind(StrEnum):
    """What an amendment asks every party to consent to (seed §4.2)."""

    ENTRY_INTO_FORCE = "entry_into_force"  # a draft comes into force
    AMENDMENT = "amendment"  # the agreed content of a plan in force changes
    TERMINATION = "termination"  # a plan in force ends before its term
    RENEWAL = "renewal"  # a successor plan takes over


class Decision(StrEnum):
    """A party's answer to an amendment."""

    APPROVE = "approve"
    REJECT = "reject"


class PartyDecisionState(StrEnum):
    """Where one party stands on an amendment: decided either way, or not yet."""

    APPROVED = "approved"
    REJECTED = "rejected"
    PENDING = "pending"


class AllowedAction(StrEnum):
    """What the caller may do with a record now (its `allowed_actions`), as the access policy
    decides from the caller's role, party and token, the plan's status (draft, in force,
    closed) and the record's own state. A client shows exactly these controls; the API checks
    the same rules on every write, so an action not listed is refused.

    - `update`: change the record directly (PATCH; for a review, its summary and outcome). Where
      `propose_change` is listed too, only its delivery changes directly (a shared commitment
      of a plan in force: status, progress, milestones).
    - `propose_change`: change what the parties agreed of this record (a plan's text and term, a
      priority area, a shared commitment's definition on a plan in force) by proposing an
      amendment: a direct write answers 409 `amendment-required` with the proposal to post.
    - `cancel`: cancel it directly (DELETE); it stays on record. A commitment internal to your
      party, any commitment of a draft, an exchange.
    - `retire`: retire it from what the parties agreed, by proposing an amendment
      (`retire_commitment`, `retire_priority_area`; an area with live commitments is refused);
      a draft's priority area directly (`retirePriorityArea`).
    - `attach`: attach a file to the record (a page of its attachments: a writer of one of
      the plan's parties).
    - `delete`: remove it (a milestone; a file attached by the reader's party; a comment:
      soft, by its author or their party's admin;
      a draft plan that never came into force and awaits no approval, softly: it stays on
      record).
    - `create_priority_area`, `reorder_priority_areas`: on a draft plan, directly.
    - `create_commitment`: add a commitment to the plan (on a plan in force a shared one is
      proposed as an amendment, an internal one is added directly).
    - `create_milestone`: add a milestone to the commitment.
    - `create_exchange`: record an exchange or placement of the plan.
    - `propose_amendment`: propose an amendment of the plan in force.
    - `bring_into_force`: propose the draft's coming into force.
    - `terminate`: propose ending the plan in force before its term.
    - `renew`: propose the renewal of the plan (in force or expired).
    - `abandon`: end a draft directly (status `terminated`: nothing was agreed yet).
    - `approve`, `reject`: decide on the amendment for your own party (approvers).
    - `withdraw`: take back the amendment your party proposed, while it is proposed.
    - `open`: open the scheduled review (the reviews before it are concluded).
    - `sign_off`: sign the review off for your own party (approvers; the review is complete).
    - `conclude`: conclude the review (every party has signed it off).
    - `assess`: record your own party's assessment of a commitment under review.
    - `agree_rating`: record the agreed rating of a commitment under review.
    - `comment`: post a comment (or a reply) on the record (a page of its comment threads).
    - `agree_all`: record, in one step, the agreed rating of every commitment under review
      that every party assessed alike and that has none yet (approvers, while there is one).
    - `confirm`: confirm a pending progress update, so that it counts (an approver of the
      commitment's lead party); `reject` on a pending update refuses it.

    On the signed-in user (`GET /users/me`), what their account may do across the service:

    - `manage_users`: list, invite and change the users of their party (admins).
    - `manage_organisations`: add parties and organisations of their own party (admins).
    - `manage_webhooks`: register and manage their party's webhook endpoints (admins).
    - `verify_audit_chain`: run the audit log's chain verification (admins).

    On a user an admin reads (`GET /users`, `GET /users/{id}`): `update` (role, language,
    active) and `reset_second_factor` (the user has one); never on the admin's own account.
    """

    UPDATE = "update"
    PROPOSE_CHANGE = "propose_change"
    CANCEL = "cancel"
    RETIRE = "retire"
    DELETE = "delete"
    CREATE_PRIORITY_AREA = "create_priority_area"
    REORDER_PRIORITY_AREAS = "reorder_priority_areas"
    CREATE_COMMITMENT = "create_commitment"
    CREATE_MILESTONE = "create_milestone"
    CREATE_EXCHANGE = "create_exchange"
    PROPOSE_AMENDMENT = "propose_amendment"
    BRING_INTO_FORCE = "bring_into_force"
    TERMINATE = "terminate"
    RENEW = "renew"
    ABANDON = "abandon"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    OPEN = "open"
    SIGN_OFF = "sign_off"
    CONCLUDE = "conclude"
    ASSESS = "assess"
    AGREE_RATING = "agree_rating"
    COMMENT = "comment"
    ATTACH = "attach"
    AGREE_ALL = "agree_all"
    CONFIRM = "confirm"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_WEBHOOKS = "manage_webhooks"
    VERIFY_AUDIT_CHAIN = "verify_audit_chain"
    RESET_SECOND_FACTOR = "reset_second_factor"
