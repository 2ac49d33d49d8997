"""A conventional FastAPI + SQLModel list of commitments, for comparison: our own code.

Written the way the FastAPI full-stack template (fastapi/full-stack-fastapi-template,
`backend/app/api/routes/items.py`) writes its item list, over the same `commitment` table the
API's list reads: a synchronous session dependency (`with Session(engine) as session: yield`),
a current-user dependency that loads the caller (here by the bearer token's hash, then the user
by id, where the template decodes a JWT and then loads the user), a separate `count()` query,
`select(...).offset(skip).limit(limit)` for the page, and a `response_model` that validates
every row into a public SQLModel model (`CommitmentsPublic(data=…, count=…)`).

It is not the API's contract: it returns each commitment's own columns (no milestones, no
supporters, no allowed actions, no cursor), filtered by the same visibility rule. That is less
work than the API's list does, so the ratio list/conventional is, if anything, flattering to
the conventional endpoint. Mounted by bench_app next to the real list, so both pay the same
middleware and routing.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session, SQLModel, col, func, or_, select

from itpp_api.auth.models import AccessToken, User
from itpp_api.auth.tokens import hash_secret
from itpp_api.commitments.models import Commitment
from itpp_api.db import get_engine

CONVENTIONAL_PATH = "/_bench/conventional/plans/{plan_id}/commitments"

router = APIRouter()
reusable_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


def get_db() -> Iterator[Session]:
    with Session(get_engine()) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
TokenDep = Annotated[str, Depends(reusable_oauth2)]


def get_current_user(session: SessionDep, token: TokenDep) -> User:
    access = session.exec(
        select(AccessToken).where(AccessToken.token_hash == hash_secret(token))
    ).first()
    now = datetime.now(UTC)
    if access is None or access.revoked_at is not None or access.expires_at <= now:
        raise HTTPException(status_code=401, detail="Could not validate credentials")
    user = session.get(User, access.user_id)
    if user is None or not user.is_active:
        raise HTTPException(status_code=401, detail="Inactive user")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


class CommitmentPublic(SQLModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    reference: str
    priority_area_id: uuid.UUID
    title: dict[str, str]
    description: dict[str, str] | None
    translations: dict[str, Any]
    modality: str
    lead_party_id: uuid.UUID
    lead_organisation_id: uuid.UUID | None
    start_date: date | None
    due_date: date | None
    status: str
    progress: int
    health: str | None
    pcm_activity_ref: str | None
    visibility: str
    is_example: bool
    row_version: int
    created_at: datetime
    updated_at: datetime


class CommitmentsPublic(SQLModel):
    data: list[CommitmentPublic]
    count: int


@router.get(CONVENTIONAL_PATH, response_model=CommitmentsPublic)
def read_commitments(
    session: SessionDep,
    current_user: CurrentUser,
    plan_id: uuid.UUID,
    skip: int = 0,
    limit: int = 100,
) -> Any:
    """Retrieve a plan's commitments the caller may see."""
    visible = or_(
        col(Commitment.visibility) == "shared",
        col(Commitment.lead_party_id) == current_user.party_id,
    )
    count_statement = (
        select(func.count()).select_from(Commitment).where(Commitment.plan_id == plan_id, visible)
    )
    count = session.exec(count_statement).one()
    statement = (
        select(Commitment)
        .where(Commitment.plan_id == plan_id, visible)
        .order_by(col(Commitment.reference), col(Commitment.id))
        .offset(skip)
        .limit(limit)
    )
    commitments = session.exec(statement).all()
    return CommitmentsPublic(data=commitments, count=count)  # type: ignore[arg-type]
