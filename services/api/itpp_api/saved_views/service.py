"""Saved views: each user's own, seen by no one else.

Who sees a view is the access policy's `own_user_records` (its user only); a view of another
user answers exactly like one that never existed (404). The count per user is checked under a
lock of the user's row, so two saves at once cannot pass the bound together.
"""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from itpp_api.auth import policy
from itpp_api.auth.actor import Actor
from itpp_api.auth.models import User
from itpp_api.bounds import SAVED_VIEWS_PER_USER_MAX
from itpp_api.db import table_of
from itpp_api.errors import Conflict, FieldError, NotFound, RuleViolation, ValidationFailed
from itpp_api.saved_views.models import SavedView
from itpp_api.saved_views.schemas import SavedViewCreate, SavedViewList, unknown_parameters

_V = table_of(SavedView).c


def _mine(actor: Actor) -> Any:
    return policy.own_user_records(_V.user_id, actor)


def list_views(*, session: Session, actor: Actor, list_: SavedViewList | None) -> list[SavedView]:
    """The actor's views (of one list, or of both), by name."""
    policy.require_signed_in(actor)
    statement = select(SavedView).where(_mine(actor))
    if list_ is not None:
        statement = statement.where(col(SavedView.list) == list_.value)
    return list(session.scalars(statement.order_by(col(SavedView.name), col(SavedView.id))))


def create_view(*, session: Session, actor: Actor, data: SavedViewCreate) -> SavedView:
    """Save a list's filters and order under a name, for the actor alone."""
    policy.authorize_own_account(actor)
    if actor.user_id is None:
        raise NotFound("Only users have saved views.")
    unknown = unknown_parameters(data)
    if unknown:
        raise ValidationFailed(
            f"The {data.list.value} list takes no {', '.join(unknown)}.",
            errors=[
                FieldError(
                    loc=["body", "query"],
                    msg=f"unknown parameter {name}",
                    type="query_parameter_unknown",
                )
                for name in unknown
            ],
        )
    # Lock order: the user's row, then the views (the bound counts what this lock guards).
    session.execute(select(col(User.id)).where(col(User.id) == actor.user_id).with_for_update())
    count = session.execute(
        select(func.count()).select_from(table_of(SavedView)).where(_mine(actor))
    ).scalar_one()
    if count >= SAVED_VIEWS_PER_USER_MAX:
        raise RuleViolation(
            f"You have {SAVED_VIEWS_PER_USER_MAX} saved views, the most there may be: "
            "delete one first."
        )
    taken = session.execute(
        select(col(SavedView.id)).where(
            _mine(actor), col(SavedView.list) == data.list.value, col(SavedView.name) == data.name
        )
    ).first()
    if taken is not None:
        raise Conflict(f"You already have a view of the {data.list.value} named {data.name!r}.")
    view = SavedView(user_id=actor.user_id, list=data.list.value, name=data.name, query=data.query)
    session.add(view)
    session.flush()
    return view


def delete_view(*, session: Session, actor: Actor, view_id: uuid.UUID) -> None:
    """Delete one of the actor's views; another user's is not found."""
    policy.authorize_own_account(actor)
    view = session.scalars(
        select(SavedView).where(col(SavedView.id) == view_id, _mine(actor))
    ).first()
    if view is None:
        raise NotFound(f"You have no saved view {view_id}.")
    session.delete(view)


def view_to_dict(view: SavedView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "list": view.list,
        "query": view.query,
        "created_at": view.created_at,
    }
