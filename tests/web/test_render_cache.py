"""The render cache's key and bounds (itpp_web.render_cache): a page is found again only for
exactly what it was rendered from; values JSON does not tell apart are told apart; a context the
key cannot stand for is rendered every time. The pages themselves, against the real API:
tests/web/test_speed.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from markupsafe import Markup

from itpp_web.render_cache import RenderCache, render_key
from itpp_web.routes.common import changes_since, query_string


@dataclasses.dataclass(frozen=True)
class Row:
    title: str


def key(context: dict[str, Any]) -> bytes | None:
    return render_key({"template": "page.html", "context": context})


def test_the_same_context_gives_the_same_key_and_any_difference_another() -> None:
    base = {"rows": [{"id": str(uuid.uuid4()), "title": "サイバー防衛", "progress": 40}]}
    assert key(base) == key({"rows": [dict(base["rows"][0])]})
    changed = {"rows": [{**base["rows"][0], "progress": 41}]}
    assert key(changed) != key(base)
    # Order is part of a page: the same rows in another order are another page.
    two = {"rows": [{"a": 1}, {"b": 2}]}
    assert key(two) != key({"rows": [{"b": 2}, {"a": 1}]})
    assert render_key({"template": "a.html", "context": base}) != key(base)


def test_values_that_render_differently_never_share_a_key() -> None:
    # Text marked safe is not escaped; plain text is.
    assert key({"note": Markup("<b>x</b>")}) != key({"note": "<b>x</b>"})
    # A date is formatted by the page; the same digits as text are shown as they are.
    assert key({"due": dt.date(2027, 3, 31)}) != key({"due": "2027-03-31"})
    assert key({"at": dt.datetime(2027, 3, 31, tzinfo=dt.UTC)}) != key(
        {"at": "2027-03-31T00:00:00+00:00"}
    )
    assert key({"row": Row("x")}) != key({"row": {"title": "x"}})
    assert key({"n": 1}) != key({"n": 1.0}) != key({"n": True})
    assert key({"n": None}) != key({"n": ""})


def test_a_modules_own_helper_stands_for_itself_by_its_name() -> None:
    assert key({"query": query_string}) is not None
    assert key({"query": query_string}) == key({"query": query_string})
    assert key({"query": query_string}) != key({"query": changes_since})


def test_a_context_the_key_cannot_stand_for_has_none() -> None:
    assert key({"rows": {1, 2}}) is None  # a set: its order is not the context's
    assert key({"format": lambda value: value}) is None
    assert key({"thing": object()}) is None
    assert key({"nested": [{"deep": [print]}]}) is None  # a built-in: not a module's helper

    def made_here(value: str) -> str:
        return value

    assert key({"format": made_here}) is None


def test_pages_are_bounded_by_their_total_size_least_recently_used_first() -> None:
    cache = RenderCache(max_bytes=10)
    cache.put(b"a", b"1234")
    cache.put(b"b", b"1234")
    assert cache.get(b"a") == b"1234"  # now the most recently used
    cache.put(b"c", b"1234")  # 12 bytes: the least recently used (b) goes
    assert cache.get(b"b") is None
    assert cache.get(b"a") == b"1234" and cache.get(b"c") == b"1234"
    cache.put(b"d", b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get(b"d") is None
    assert len(cache) == 2
    off = RenderCache(max_bytes=0)
    assert not off.enabled
