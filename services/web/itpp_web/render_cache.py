"""Pages rendered once per what they were rendered from (issue 18, item 8).

A page is the template's output for its context: the same template, block and context give
the same bytes. The web reads the API afresh on every page (composite reads revalidated with
their ETag), builds the context from the answers, and then, when that context is the one a
page was rendered from a moment ago, sends the bytes it rendered then instead of running the
template again. Nothing is kept in place of a read: what the cache saves is rendering.

The key is a digest of everything the output depends on:

- the template, the block (a fragment for htmx), the status;
- the request's method and whole URL (only GET pages are kept);
- the reader's language, the signed-in user (with their session), the CSRF token of their
  session, the notice shown: what the renderer adds to every page;
- the route's whole context, serialised value by value, with the type of every value JSON
  would not tell apart named in it (dates and times, text marked safe, numbers and mappings of
  types of their own, records). UUIDs and enum members are written as their values, as the
  pages show them.

A function defined at the top of a module (a helper such as `routes.common.query_string`,
whose result depends on its arguments only) is named by its module and name. A context holding
anything else (a lambda, a function made inside another, a set, an object of a class of its
own) has no key: the page is rendered as before, and not kept. With `verify` (the tests' web
processes), a page found is rendered again and compared byte for byte: a difference is an error
(`RenderMismatch`), so every page the web and browser tests visit twice checks that the key
stands for all it was rendered from. The CSRF token is one session's secret, so a page is never
found for another session, whoever asks. Only GET requests are kept (a write's answer is
rendered once), in an LRU bounded by the total size of the pages (`ITPP_WEB_RENDER_CACHE_BYTES`;
0: off).

An answer the API gave as bytes the web keeps (a revalidated composite read, a cached read) is
named in the key by the digest of those bytes instead of being serialised again (`AnswersRead`):
a context value that *is* a part of such an answer, the very object parsed from the bytes (the
answer, or a list or record in it down to `ANSWER_DEPTH` levels), is written as that digest and
where it sits in the answer. Same bytes, same parse, same value: so the digest stands for the
value as long as nothing changes the parsed object in place. Nothing here does; with `verify`
every such part is compared with the bytes parsed again before the page is keyed, and a part
changed in place is an error (`RenderMismatch`), so the tests check that too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson

from itpp_web.lru import SizedLRU

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_NON_STR_KEYS
)
# Marks a value whose type JSON would not tell apart: no text the API returns holds NUL (it
# refuses it), so no value of the context can look like one.
_TYPE = "\x00"


class Unkeyable(TypeError):
    """The context holds a value the key cannot stand for: render without the cache."""


def _tagged(value: Any) -> Any:
    """A value orjson leaves to us, as plain data naming its type."""
    kind = type(value)
    name = f"{_TYPE}{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, str):  # Markup, and any other text type: it renders otherwise
        return [name, str(value)]
    if isinstance(value, dt.date | dt.time):  # a datetime is a date
        return [name, value.isoformat()]
    if isinstance(value, bool | int | float):
        return [name, repr(value)]
    if isinstance(value, Mapping):
        return [name, dict(value)]
    if isinstance(value, list | tuple):
        return [name, list(value)]
    if (
        inspect.isfunction(value)
        and value.__closure__ is None
        and "<" not in value.__qualname__  # not a lambda, nor a function made in a function
    ):
        # A helper of a module's own (`routes.common.query_string`): it stands for itself.
        return [f"{_TYPE}function", f"{value.__module__}.{value.__qualname__}"]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [name, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}]
    raise Unkeyable(name)


def digest(data: bytes) -> bytes:
    """The digest the key is made of (and names kept answers by)."""
    return hashlib.blake2b(data, digest_size=32).digest()


def render_key(parts: Mapping[str, Any]) -> bytes | None:
    """The digest of what a page is rendered from, or None when it cannot be keyed."""
    try:
        data = orjson.dumps(parts, default=_tagged, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return digest(data)


class RenderMismatch(AssertionError):
    """A page found in the cache differs from the page rendered again (`verify`), or a page's
    context changed an API answer in place (`AnswersRead.named`)."""


# How deep in a kept answer its parts are known by identity: the answer, its records and
# lists, theirs (a composite read's `commitments.items`, a plan's `parties`). The rows of a
# list are the list's.
ANSWER_DEPTH = 3


@dataclasses.dataclass(frozen=True, slots=True)
class KeptRead:
    """One read a request made of an answer the web keeps, as it can be checked again later:
    through the read cache (`ttl`: its entry, by digest) or revalidated with its ETag (`etag`)
    (`replay`; for the session's token, which the page's key holds)."""

    kind: str  # "ttl" or "etag"
    path: str
    digest: bytes
    etag: str | None = None


class AnswersRead:
    """The kept answers one request parsed (`ApiClient`): every record and list of each, down to
    `ANSWER_DEPTH`, by identity, with the digest of the bytes it was parsed from and where it
    sits in them. Each part is held here until the request ends, so no other object can take
    its identity meanwhile.

    Also every call the request made to the API: each read of a kept answer (`reads`), and
    whether every call was one (`only_kept`: no plain read, no write), which is when the page
    it answers may be sent again while those reads stay unchanged (`replay`)."""

    def __init__(self) -> None:
        self._parts: dict[int, tuple[Any, bytes, bytes, tuple[str, ...]]] = {}
        self.reads: list[KeptRead] = []
        self.only_kept = True

    def called(self) -> None:
        """Note a call that is not a read of a kept answer (a plain read, a write)."""
        self.only_kept = False

    def add(self, read: KeptRead, parsed: Any, body: bytes) -> None:
        """Note a read of a kept answer and what was parsed from its bytes, `body`."""
        self.reads.append(read)
        body_digest = read.digest
        pending: list[tuple[Any, tuple[str, ...]]] = [(parsed, ())]
        while pending:
            value, path = pending.pop()
            if not isinstance(value, dict | list):
                continue
            self._parts.setdefault(id(value), (value, body, body_digest, path))
            if isinstance(value, dict) and len(path) < ANSWER_DEPTH:
                pending.extend((part, (*path, key)) for key, part in value.items())

    def named(self, context: Mapping[str, Any], *, verify: bool) -> dict[str, Any]:
        """The context with each value that is a kept answer's part written as its bytes'
        digest and its place; with `verify`, each such part checked against its bytes."""
        if not self._parts:
            return dict(context)
        named: dict[str, Any] = {}
        for name, value in context.items():
            found = self._parts.get(id(value))
            if found is None or found[0] is not value:
                named[name] = value
                continue
            _, body, body_digest, path = found
            if verify:
                original = orjson.loads(body)
                for key in path:
                    original = original[key]
                if original != value:
                    raise RenderMismatch(f"the page's `{name}` changed an API answer in place")
            named[name] = [f"{_TYPE}answer", body_digest.hex(), list(path)]
        return named


_answers_read: ContextVar[AnswersRead | None] = ContextVar("itpp_web_answers_read", default=None)


@contextmanager
def reading_answers() -> Iterator[AnswersRead]:
    """One request's `AnswersRead` (the web's request middleware opens it), current for the
    tasks the request starts."""
    answers = AnswersRead()
    reset = _answers_read.set(answers)
    try:
        yield answers
    finally:
        _answers_read.reset(reset)


def answer_kept(read: KeptRead, parsed: Any, body: bytes) -> Any:
    """Note, for the request being served, a read of a kept answer and its parse
    (`AnswersRead.add`); gives `parsed` back."""
    answers = _answers_read.get()
    if answers is not None:
        answers.add(read, parsed, body)
    return parsed


def other_call() -> None:
    """Note, for the request being served, a call that is not a read of a kept answer."""
    answers = _answers_read.get()
    if answers is not None:
        answers.called()


def answers_read() -> AnswersRead | None:
    """The request's `AnswersRead`, if one is open."""
    return _answers_read.get()


class RenderCache:
    """Rendered pages by `render_key`, the least recently used dropped first once their
    total size passes `max_bytes`."""

    def __init__(self, max_bytes: int, *, verify: bool = False) -> None:
        self.verify = verify
        self._pages: SizedLRU[bytes, bytes] = SizedLRU(max_bytes)
        self.hits = 0  # pages found (the tests read it; /metrics counts them per process)

    @property
    def enabled(self) -> bool:
        return bool(self._pages.max_bytes)

    def get(self, key: bytes) -> bytes | None:
        page = self._pages.get(key)
        if page is not None:
            self.hits += 1
        return page

    def put(self, key: bytes, page: bytes) -> None:
        self._pages.put(key, page, len(page))

    def __len__(self) -> int:
        return len(self._pages)
