"""The table of saved views."""

import uuid

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint, Uuid
from sqlmodel import Field

from itpp_api.bounds import SAVED_VIEW_NAME_MAX, SAVED_VIEW_QUERY_MAX
from itpp_api.db import Created, HasId


class SavedView(Created, HasId, table=True):
    """A list's filters and order saved under a name by one user, for that user only."""

    __tablename__ = "saved_view"
    __table_args__ = (
        UniqueConstraint("user_id", "list", "name", name="uq_saved_view_user_id_list_name"),
    )

    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    # Which list: "commitments" or "exchanges".
    list: str = Field(sa_column=Column(String(16), nullable=False))
    name: str = Field(sa_column=Column(String(SAVED_VIEW_NAME_MAX), nullable=False))
    # The list's query string (filters and sort), without page or cursor.
    query: str = Field(sa_column=Column(String(SAVED_VIEW_QUERY_MAX), nullable=False))
