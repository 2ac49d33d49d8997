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
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
from collections.abc import Mapping
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


def render_key(parts: Mapping[str, Any]) -> bytes | None:
    """The digest of what a page is rendered from, or None when it cannot be keyed."""
    try:
        data = orjson.dumps(parts, default=_tagged, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    return hashlib.blake2b(data, digest_size=32).digest()


class RenderMismatch(AssertionError):
    """A page found in the cache differs from the page rendered again (`verify`)."""


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
