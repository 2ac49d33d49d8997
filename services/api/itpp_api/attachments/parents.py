"""The kinds of record that carry attachments and comments, and where each is in the API.

One registry (`PARENTS`): a kind, its path prefix (whose path parameters name it, the last one
its id) and which threads it has. The attachments and comments routers generate their
per-parent routes from it (`parent_route`), and `finder.find_parent` loads the record of each
kind, so adding a parent kind is one line here plus its branch in the loader.
"""

import inspect
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from itpp_api.attachments.models import AttachmentParent


@dataclass(frozen=True)
class ParentKind:
    """A kind of parent record as the API addresses it."""

    kind: AttachmentParent
    # "/reviews/{review_id}/items/{item_id}": the last parameter is the parent's id, an earlier
    # one (a review item's) its review's.
    prefix: str
    # Whether it has comment threads.
    comments: bool = True
    # Whether its files are evidence (summaries say so) rather than attachments.
    evidence: bool = False

    @property
    def name(self) -> str:
        """The kind in operation ids: `ReviewItem`."""
        return "".join(word.title() for word in self.kind.value.split("_"))

    @property
    def noun(self) -> str:
        """The kind in summaries: `a review item`, `an exchange`."""
        words = self.kind.value.replace("_", " ")
        return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"

    @property
    def owner(self) -> str:
        """The kind as the owner in a summary's first word: `A review item's`."""
        return f"{self.noun[0].upper()}{self.noun[1:]}'s"

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.prefix)


PARENTS = (
    ParentKind(AttachmentParent.COMMITMENT, "/commitments/{commitment_id}"),
    ParentKind(AttachmentParent.EXCHANGE, "/exchanges/{exchange_id}"),
    ParentKind(AttachmentParent.REVIEW, "/reviews/{review_id}"),
    ParentKind(AttachmentParent.REVIEW_ITEM, "/reviews/{review_id}/items/{item_id}"),
    ParentKind(AttachmentParent.AMENDMENT, "/amendments/{amendment_id}"),
    ParentKind(
        AttachmentParent.PROGRESS_UPDATE, "/updates/{update_id}", comments=False, evidence=True
    ),
)


def parent_route(
    router: APIRouter,
    parent: ParentKind,
    method: str,
    suffix: str,
    handler: Callable[..., Any],
    *,
    name: str,
    **options: Any,
) -> None:
    """Add `method prefix+suffix` for `parent`: an endpoint named `name` that takes the parent's
    path parameters and then `handler`'s parameters after its first three, and calls
    `handler(kind, parent_id, review_id, **those)` (`review_id`: the outer id of a nested parent,
    else None). `options` go to the router (operation id, summary, responses...)."""
    ids = parent.path_parameters
    own = list(inspect.signature(handler).parameters.values())[3:]
    signature = inspect.Signature(
        [
            *(
                inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=uuid.UUID)
                for n in ids
            ),
            *own,
        ],
        return_annotation=Response,
    )

    def located(values: dict[str, Any]) -> tuple[Any, ...]:
        review_id = values.pop(ids[0]) if len(ids) > 1 else None
        return parent.kind, values.pop(ids[-1]), review_id

    endpoint: Callable[..., Any]
    if inspect.iscoroutinefunction(handler):

        async def endpoint(**values: Any) -> Any:
            return await handler(*located(values), **values)

    else:

        def endpoint(**values: Any) -> Any:
            return handler(*located(values), **values)

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__dict__["__signature__"] = signature
    router.add_api_route(parent.prefix + suffix, endpoint, methods=[method], **options)
