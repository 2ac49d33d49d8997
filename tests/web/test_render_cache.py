"""The render cache's key and bounds (itpp_web.render_cache): a page is found again only for
exactly what it was rendered from; values JSON does not tell apart are told apart; a context the
key cannot stand for is rendered every time; a kept answer's parts are keyed by its bytes, and a
part changed in place is caught. The pages themselves, against the real API:
tests/web/test_speed.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import orjson
import pytest
from markupsafe import Markup

from itpp_web.render_cache import (
    KeptRead,
    RenderCache,
    RenderMismatch,
    answer_kept,
    answers_read,
    digest,
    reading_answers,
    render_key,
)
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


TABLE = {
    "plan": {"id": "p", "title": {"ja": "日NATO計画", "en": "Japan–NATO plan"}},
    "commitments": {"items": [{"title": "サイバー防衛", "progress": 40}], "total": 1},
}


def page_key(body: bytes, context_of: Any, *, verify: bool = False) -> bytes | None:
    """The key of a page whose context `context_of` builds from the answer parsed from `body`,
    in a request of its own, as the web keys it (`Renderer._key`)."""
    with reading_answers() as answers:
        parsed = answer_kept(KeptRead("etag", "/t", digest(body)), orjson.loads(body), body)
        return key(answers.named(context_of(parsed), verify=verify))


def items_and_plan(answer: dict[str, Any]) -> dict[str, Any]:
    return {"items": answer["commitments"]["items"], "plan": answer["plan"], "page": 1}


def test_a_kept_answers_parts_are_keyed_by_its_bytes() -> None:
    body = orjson.dumps(TABLE)
    # Each request parses the bytes afresh: the same bytes, the same key.
    assert page_key(body, items_and_plan) == page_key(body, items_and_plan)
    # Other bytes (a row's progress changed) are another page.
    changed = {**TABLE, "commitments": {"items": [{"title": "サイバー防衛", "progress": 41}]}}
    assert page_key(orjson.dumps(changed), items_and_plan) != page_key(body, items_and_plan)
    # Where the part sits in the answer is part of the key: the same bytes, another part.
    assert page_key(body, lambda a: {"items": a["plan"]}) != page_key(
        body, lambda a: {"items": a["commitments"]}
    )
    # What the route made of the answer (a copy, a value of its own) is keyed by its content.
    assert page_key(body, lambda a: {"items": list(a["commitments"]["items"])}) == key(
        {"items": TABLE["commitments"]["items"]}
    )
    # Outside a request nothing is noted: the context is keyed value by value.
    parsed = answer_kept(KeptRead("etag", "/t", digest(body)), orjson.loads(body), body)
    assert answers_read() is None
    assert key(items_and_plan(parsed)) == key(items_and_plan(TABLE))


def test_a_kept_answer_changed_in_place_is_caught_when_verifying() -> None:
    body = orjson.dumps(TABLE)

    def scribbled(answer: dict[str, Any]) -> dict[str, Any]:
        answer["commitments"]["items"][0]["progress"] = 99
        return items_and_plan(answer)

    # The tests' web processes verify: a route that changed an answer it was given fails.
    with pytest.raises(RenderMismatch, match="`items` changed an API answer in place"):
        page_key(body, scribbled, verify=True)
    assert page_key(body, items_and_plan, verify=True) == page_key(body, items_and_plan)
