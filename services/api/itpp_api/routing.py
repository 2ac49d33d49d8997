"""The API's route class: a synchronous endpoint and its authentication in one worker-thread hop.

FastAPI runs each synchronous dependency and a synchronous endpoint in worker threads of their
own: a request to `def get_party(session: SessionDep, actor: ActorDep)` hops to a thread to
check its token (`current_actor`), comes back to the event loop, and hops again to run the
handler. Each hop costs a turn of the event loop, two thread switches and a fight for the GIL
(a few tenths of a millisecond of CPU on this machine kind: bench/README.md), and the request
holds its turn at the database meanwhile.

`OneHopRoute` gives such an endpoint an asynchronous wrapper with the same signature (so the
OpenAPI document and FastAPI's parameter checks are unchanged), in which the actor parameter
depends on `pending_actor` instead of `current_actor`: in the event loop it only checks that the
token is well formed (as `current_actor` does before its hop), and the token is then checked
against the database in the thread that runs the handler, just before it. What runs before the
handler is unchanged and in the same order: the malformed-token check, the turn at the database
(`deps.get_session`), the session; so are the errors (a refused token is the same 401, raised
inside the session's scope, which rolls back) and the idle-clock touch (in a writing request's
transaction; after a reading one's). A writing request's transaction is also committed in that
thread once the handler has returned (`deps.commit_writer`), where `get_session` would have
committed it in a hop of its own a moment later; a failed commit goes to `get_session` as the
handler's own error would (rolled back, then the same problem response).

An endpoint is left as FastAPI runs it when it is asynchronous, when it does not take the
actor, or when one of its other dependencies needs the actor too (it would be checked twice).

A read route whose parameters are only path ids, the session and the caller (a record by its
id, `/parties`, `/users/me`: `_PlainCall`) is called directly when its request has one
possible reading (no query string, ids in canonical form): the same dependencies in the same
order, without FastAPI's generic solving of them. Every other request, including every one
FastAPI would refuse, goes FastAPI's whole way; tests/api/test_plain_reads.py holds each such
route's answers to FastAPI's.
"""

import inspect
import uuid
from collections.abc import Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial, update_wrapper
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from fastapi import Depends, Request, Response
from fastapi.dependencies.utils import get_dependant
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from itpp_api.auth.dependencies import PendingActor, bearer_scheme, current_actor, pending_actor
from itpp_api.concurrency import in_thread, reader_threads
from itpp_api.deps import get_session

PendingActorDep = Annotated[PendingActor, Depends(pending_actor)]


def _depends_on(annotation: Any, default: Any) -> Callable[..., Any] | None:
    """The dependency a parameter declares (`Annotated[X, Depends(f)]` or `= Depends(f)`)."""
    if isinstance(default, DependsParam):
        return default.dependency
    if get_origin(annotation) is Annotated:
        for extra in get_args(annotation)[1:]:
            if isinstance(extra, DependsParam):
                return extra.dependency
    return None


def _needs_actor(call: Callable[..., Any], path: str) -> bool:
    """Whether resolving `call`'s dependencies resolves `current_actor` somewhere."""

    def walk(dependant: Any) -> bool:
        return dependant.call is current_actor or any(walk(d) for d in dependant.dependencies)

    return walk(get_dependant(path=path, call=call))


def one_hop(endpoint: Callable[..., Any], path: str, *, read: bool) -> Callable[..., Any]:
    """`endpoint` wrapped to check its caller's token in the thread that runs it (see above),
    or `endpoint` itself when that cannot be done without a change of behaviour. A `read`
    (a route of GET or HEAD only) runs in SQLite's reader threads (concurrency.reader_threads),
    as the commitment list does."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint
    signature = inspect.signature(endpoint)
    actors = [
        name
        for name, parameter in signature.parameters.items()
        if _depends_on(parameter.annotation, parameter.default) is current_actor
    ]
    if not actors:
        return endpoint
    parameters = [
        parameter.replace(
            annotation=PendingActorDep,
            default=Depends(pending_actor)
            if isinstance(parameter.default, DependsParam)
            else parameter.default,
        )
        if name in actors
        else parameter
        for name, parameter in signature.parameters.items()
    ]
    others = signature.replace(parameters=[p for p in parameters if p.name not in actors])

    def probe() -> None: ...

    probe.__signature__ = others  # type: ignore[attr-defined]
    if _needs_actor(probe, path):
        return endpoint

    def run(values: dict[str, Any]) -> Any:
        pending: PendingActor = values[actors[0]]
        for name in actors:
            values[name] = values[name].resolve()
        result = endpoint(**values)
        pending.commit_writer()  # a writer's commit in this thread too: no hop of its own
        return result

    async def wrapper(**values: Any) -> Any:
        return await in_thread(partial(run, values), threads=reader_threads() if read else None)

    update_wrapper(wrapper, endpoint)
    # FastAPI must see the coroutine function, not the endpoint.
    del wrapper.__wrapped__  # type: ignore[attr-defined]
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return wrapper


def canonical_uuid(text: str) -> uuid.UUID | None:
    """`text` as a UUID when it is in the dashed 36-character form (any case), else None: the
    form every client of ours sends, and one FastAPI reads the same way."""
    if len(text) != 36 or text[8:24:5] != "----":
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class _PlainCall:
    """How to call a read route's endpoint directly when its request has one reading.

    Eligible: a GET route of an asynchronous endpoint (the one-hop wrapper, or an async
    endpoint) returning a Response, whose parameters are path ids (`uuid.UUID`), the request,
    the session dependency and the pending actor, nothing else (no query, header, cookie or
    body parameter, no sub-dependency of its own). A request to it with no query string and
    ids in their canonical form has exactly one reading; FastAPI's solving of it (a quarter of
    a trivial route's server time: bench/README.md) is replaced by the same calls in the same
    order: the malformed-token check and the turn at the database (`get_session`, entered as
    FastAPI enters it, and left when the endpoint returns or raises), the bearer token, the
    pending actor. Anything else goes FastAPI's whole way.
    """

    call: Callable[..., Any]
    ids: tuple[str, ...]
    request: str | None
    sessions: tuple[str, ...]
    actors: tuple[str, ...]

    @classmethod
    def of(cls, route: APIRoute) -> "_PlainCall | None":
        dependant = route.dependant
        if (
            not route.methods
            or not route.methods <= {"GET", "HEAD"}
            or not inspect.iscoroutinefunction(dependant.call)
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
            or dependant.response_param_name
            or dependant.background_tasks_param_name
            or dependant.websocket_param_name
            or dependant.http_connection_param_name
            or dependant.security_scopes_param_name
            or any(field.field_info.annotation is not uuid.UUID for field in dependant.path_params)
        ):
            return None
        try:
            returned = get_type_hints(route.endpoint).get("return")
        except (NameError, TypeError):
            return None
        if not (isinstance(returned, type) and issubclass(returned, Response)):
            return None
        sessions: list[str] = []
        actors: list[str] = []
        for sub in dependant.dependencies:
            if sub.call is get_session and not sub.dependencies:
                sessions.append(str(sub.name))
            elif sub.call is pending_actor:
                actors.append(str(sub.name))
            else:
                return None
        return cls(
            call=dependant.call,
            ids=tuple(str(field.name) for field in dependant.path_params),
            request=dependant.request_param_name,
            sessions=tuple(sessions),
            actors=tuple(actors),
        )

    def values(self, request: Request) -> dict[str, Any] | None:
        """The path ids of `request` by parameter name, if it has one reading; else None."""
        if request.scope["query_string"]:
            return None
        values: dict[str, Any] = {}
        path_params = request.scope["path_params"]
        for name in self.ids:
            found = canonical_uuid(path_params.get(name, ""))
            if found is None:
                return None
            values[name] = found
        if self.request is not None:
            values[self.request] = request
        return values

    async def __call__(self, request: Request, values: dict[str, Any]) -> Response:
        if not self.sessions and not self.actors:  # no turn at the database: none taken
            called: Response = await self.call(**values)
            return called
        async with _session_of(request) as session:
            for name in self.sessions:
                values[name] = session
            if self.actors:
                pending = await pending_actor(request, session, await bearer_scheme(request))
                for name in self.actors:
                    values[name] = pending
            response: Response = await self.call(**values)
        return response


_session_of = asynccontextmanager(get_session)


class OneHopRoute(APIRoute):
    """An APIRoute whose synchronous endpoint checks its caller's token in its own worker
    thread (module docstring), and whose plain reads skip FastAPI's parameter solving
    (`_PlainCall`). Every domain router uses it (main.ItppApi.include_domain)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        methods = {method.upper() for method in options.get("methods") or ()}
        read = bool(methods) and methods <= {"GET", "HEAD"}
        super().__init__(path, one_hop(endpoint, path, read=read), **options)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        plain = _PlainCall.of(self)
        if plain is None:
            return handler
        overrides = self.dependency_overrides_provider

        async def plain_handler(request: Request) -> Response:
            values = plain.values(request)
            if values is None or getattr(overrides, "dependency_overrides", None):
                return await handler(request)
            return await plain(request, values)

        return plain_handler
