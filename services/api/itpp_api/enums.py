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
