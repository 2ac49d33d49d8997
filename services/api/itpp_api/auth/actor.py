"""Who is acting: the authenticated user behind a request, or the system itself."""

import uuid
from dataclasses import dataclass

from itpp_api.enums import Role, TokenScope


@dataclass(frozen=True)
class Actor:
    """The caller a policy decision and an audit event are about."""

    user_id: uuid.UUID | None
    party_id: uuid.UUID | None
    role: Role | None
    scope: TokenScope
    token_id: uuid.UUID | None = None
    email: str | None = None
    display_name: str | None = None
    language: str = "en"

    @classmethod
    def system(cls) -> "Actor":
        """The command line and the sample loader: trusted, acting for no party."""
        return cls(
            user_id=None,
            party_id=None,
            role=None,
            scope=TokenScope.READ_WRITE,
            display_name="system",
        )

    @property
    def is_system(self) -> bool:
        return self.user_id is None
