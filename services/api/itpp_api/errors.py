"""Domain errors and their RFC 9457 problem+json rendering.

Every kind of error has a stable ``type`` (a relative URI under ``/problems/``) that clients
can switch on; docs/api-clients.md (Errors) lists them all.
"""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One invalid input field."""

    loc: list[str | int] = Field(description="Where the error is: body, query, path or header.")
    msg: str
    type: str


class ProposalDraft(BaseModel):
    """The amendment that would make a refused direct change: its plan, a suggested title in
    each language, and the change set (operations as in `AmendmentCreate.changes`)."""

    plan_id: str
    title: dict[str, str]
    changes: list[dict[str, Any]]


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": "No commitment with id 6d3c….",
                "instance": "/api/v1/commitments/6d3c…",
            }
        }
    )

    type: str = Field(description="Stable identifier of the kind of error.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="Invalid fields, for validation errors."
    )
    agreed_fields: list[str] | None = Field(
        default=None,
        description="`/problems/amendment-required` only: the fields of what the parties agreed "
        "that the refused write would have changed (`existence` for adding or retiring a record, "
        "`status` for bringing a plan into force or ending it).",
    )
    proposal: ProposalDraft | None = Field(
        default=None,
        description="`/problems/amendment-required` only: the amendment that would make the "
        "refused change, ready to post to `POST /api/v1/plans/{plan_id}/amendments` once a "
        "`rationale` is added. Absent when no change set can make it (the detail says why).",
    )


class DomainError(Exception):
    """An error the API reports to its caller; subclasses fix the status and type."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=f"/problems/{self.slug}",
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )


class BadRequest(DomainError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class InvalidCursor(DomainError):
    status = 400
    slug = "invalid-cursor"
    title = "Invalid pagination cursor"


class Unauthorized(DomainError):
    """401: every such answer names the scheme to use (RFC 9110 requires the challenge)."""

    status = 401
    slug = "unauthorized"
    title = "Sign-in required"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            detail, errors=errors, headers={"WWW-Authenticate": "Bearer", **(headers or {})}
        )


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class TooManyRequests(DomainError):
    status = 429
    slug = "too-many-attempts"
    title = "Too many attempts"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class MethodNotAllowed(DomainError):
    status = 405
    slug = "method-not-allowed"
    title = "Method not allowed"


class FileMissing(DomainError):
    """An attachment on record whose file its storage no longer has (lost, or removed outside
    the application): the record stays, the bytes cannot be served."""

    status = 410
    slug = "file-missing"
    title = "The file is missing from storage"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class LastAdmin(Conflict):
    """A change that would leave a party without an active admin (a demotion or deactivation
    of its last one)."""

    slug = "last-admin"
    title = "A party keeps at least one active admin"


class PlanClosed(Conflict):
    """A write to a record of an expired, superseded or terminated plan."""

    slug = "plan-closed"
    title = "The plan has ended"


class PlanNotDeletable(Conflict):
    """Deleting a plan that was ever in force, or a draft awaiting the parties' approval."""

    slug = "plan-not-deletable"
    title = "Only a draft that never came into force can be deleted"


class AmendmentRequired(Conflict):
    """A direct change to what the parties agreed: it needs every party's consent.

    Carries the agreed fields it would have changed and, where one exists, the change set that
    would make it (`proposal`), so a client turns the refusal into a proposal in one step.
    """

    slug = "amendment-required"
    title = "This change needs an amendment approved by every party"

    def __init__(
        self,
        detail: str,
        *,
        agreed_fields: list[str] | None = None,
        proposal: ProposalDraft | None = None,
    ) -> None:
        super().__init__(detail)
        self.agreed_fields = agreed_fields or []
        self.proposal = proposal

    def to_problem(self, instance: str | None = None) -> Problem:
        problem = super().to_problem(instance)
        problem.agreed_fields = self.agreed_fields
        problem.proposal = self.proposal
        return problem


class AmendmentOutdated(Conflict):
    """An amendment proposed against a plan version that is no longer current."""

    slug = "amendment-outdated"
    title = "The plan has changed since this amendment was proposed"


class IdempotencyInFlight(DomainError):
    status = 409
    slug = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is still being processed"


class IdempotentResponseNotKept(DomainError):
    """A retry of a request whose response carried a secret: it is never stored to replay."""

    status = 409
    slug = "idempotent-response-not-kept"
    title = "The first response carried a secret and is not replayed"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "The record has changed since you read it"


class PayloadTooLarge(DomainError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class ValidationFailed(DomainError):
    status = 422
    slug = "validation-error"
    title = "The request is not valid"


class IdempotencyKeyReused(DomainError):
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


class RuleViolation(DomainError):
    """The input is well-formed but breaks a rule of the domain."""

    status = 422
    slug = "rule-violation"
    title = "The change breaks a rule of the plan"


class EmailNotAllowed(RuleViolation):
    """An address an admin may not give a user of their party (another party's domain or user:
    one answer for both, so it never confirms that an address exists)."""

    slug = "email-not-allowed"
    title = "This e-mail address cannot be used for a user of your party"


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "If-Match header required"


class InternalError(DomainError):
    status = 500
    slug = "internal-error"
    title = "Internal server error"


class ServiceUnavailable(DomainError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"


ALL_ERRORS: tuple[type[DomainError], ...] = (
    BadRequest,
    InvalidCursor,
    Unauthorized,
    Forbidden,
    TooManyRequests,
    NotFound,
    MethodNotAllowed,
    FileMissing,
    Conflict,
    PlanClosed,
    AmendmentRequired,
    AmendmentOutdated,
    IdempotencyInFlight,
    IdempotentResponseNotKept,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    IdempotencyKeyReused,
    RuleViolation,
    EmailNotAllowed,
    PreconditionRequired,
    InternalError,
    ServiceUnavailable,
)


_DESCRIPTIONS = {
    400: "Malformed request: an invalid cursor, a body that is not JSON, a bad Idempotency-Key.",
    401: "Missing, unknown, expired or revoked token.",
    403: "Your role, party or token scope does not allow this.",
    404: "No such record.",
    409: "Conflict with the current state, or an Idempotency-Key still in flight (or whose "
    "first response carried a secret, which is not replayed).",
    410: "The attachment is on record but its file is missing from storage.",
    412: "If-Match does not match the record's current ETag.",
    413: "Request body larger than the limit.",
    415: "Request body is not JSON.",
    422: "Invalid input, a broken rule, or an Idempotency-Key reused with another body.",
    428: "If-Match header missing.",
    429: "Too many sign-in attempts (for the account, or from the address); wait for "
    "Retry-After seconds.",
    503: "The database is busy, unreachable or not migrated; retry after Retry-After seconds.",
}

_RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 1},
}
# Headers that come with some problems; `required` where every such response carries one.
_HEADERS: dict[int, dict[str, dict[str, Any]]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: `Bearer`.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    409: {"Retry-After": {**_RETRY_AFTER, "description": "When the key is still in flight."}},
    412: {
        "ETag": {
            "description": "The record's current ETag: read it again, reapply, retry.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": {**_RETRY_AFTER, "required": True}},
    503: {"Retry-After": _RETRY_AFTER},
}


def problem_openapi_response(status: int) -> dict[str, Any]:
    """The OpenAPI response object of one problem+json status."""
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS.get(status, "Error."),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def problem_responses(
    *statuses: int, authenticated: bool = True
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the given problem+json statuses.

    Operations that need a token also document 401 and 403. The errors every request with a
    body or an Idempotency-Key may get (400, 409, 413, 422) are added to the document by
    `itpp_api.main`, which knows the middleware that produces them.
    """
    if authenticated:
        statuses = tuple(sorted({*statuses, 401, 403}))
    return {status: problem_openapi_response(status) for status in statuses}
