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
"""

import inspect
from collections.abc import Callable
from functools import partial, update_wrapper
from typing import Annotated, Any, get_args, get_origin

from fastapi import Depends
from fastapi.dependencies.utils import get_dependant
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from itpp_api.auth.dependencies import PendingActor, current_actor, pending_actor
from itpp_api.concurrency import in_thread, reader_threads

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


class OneHopRoute(APIRoute):
    """An APIRoute whose synchronous endpoint checks its caller's token in its own worker
    thread (module docstring). Every domain router uses it (main.ItppApi.include_domain)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        methods = {method.upper() for method in options.get("methods") or ()}
        read = bool(methods) and methods <= {"GET", "HEAD"}
        super().__init__(path, one_hop(endpoint, path, read=read), **options)
