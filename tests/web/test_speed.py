"""Speed (issue 18 item 8): the browser files under hashed names, Brotli- or gzip-compressed and
cached for a year; the per-token read cache, which takes the API calls per page down and never
serves one user's answer to another; and how many API calls the dashboard, commitments and
review pages make, with the cache and without."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import html
import re
from collections import Counter
from pathlib import Path
from typing import Any

import brotli
import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from pydantic import ValidationError

from itpp_web.api import ApiClient, ReadCache
from itpp_web.app import create_app
from itpp_web.config import WebSettings
from itpp_web.render_cache import reading_answers, render_key
from itpp_web.static_assets import LONG_CACHE, SHORT_CACHE, StaticAssets
from tests.web.conftest import Stack

ASSET_LINK = re.compile(r'(?:href|src)="(/static/(?:app|vendor)/[^"]+)"')
HASHED = re.compile(r"^/static/(app|vendor)/[\w.-]+\.[0-9a-f]{12}\.(css|js)$")


def _run(coroutine: Any) -> None:
    """asyncio.run in a thread of its own: in a worker that ran the browser tests first,
    Playwright's event loop is running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def settings(tmp_path: Path, api_url: str = "http://api.invalid", **changes: Any) -> WebSettings:
    made = WebSettings(api_url=api_url, var_dir=tmp_path, secret_key="k" * 32)
    return made.model_copy(update=changes)


def nobody(request: httpx.Request) -> httpx.Response:
    return httpx.Response(401, json={"title": "Unauthorized", "status": 401})


# --- browser files ------------------------------------------------------------------------------


def test_pages_link_hashed_files_served_compressed_and_cached_for_a_year(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path), api_transport=httpx.MockTransport(nobody))
    with TestClient(app) as client:
        page = client.get("/sign-in", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        links = ASSET_LINK.findall(page.text)
        assert len(links) == 4, links  # Pico CSS, app.css, htmx, app.js
        assert all(HASHED.match(link) for link in links), links

        css = next(link for link in links if "/app/app." in link and link.endswith(".css"))
        plain = client.get(css, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers

        # A browser that accepts Brotli gets it: smaller than gzip, the same file once unpacked.
        for accepted in ("gzip, deflate, br, zstd", "br", "*"):
            packed = client.get(css, headers={"Accept-Encoding": accepted})
            assert packed.status_code == 200
            assert packed.headers["content-encoding"] == "br", accepted
            assert packed.headers["cache-control"] == LONG_CACHE
            assert "accept-encoding" in packed.headers["vary"].lower()
            assert packed.content == plain.content  # httpx unpacked it (brotli installed)
        with client.stream("GET", css, headers={"Accept-Encoding": "br"}) as packed:
            raw = b"".join(packed.iter_raw())
        assert brotli.decompress(raw) == plain.content
        assert len(raw) < len(gzip.compress(plain.content, compresslevel=9)) < len(plain.content)

        # One that does not (or refuses it) gets gzip.
        zipped = client.get(css, headers={"Accept-Encoding": "gzip, br;q=0"})
        assert zipped.status_code == 200
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["cache-control"] == LONG_CACHE
        assert "accept-encoding" in zipped.headers["vary"].lower()
        assert zipped.headers["content-type"].startswith("text/css")
        assert client.get(css, headers={"Accept-Encoding": "gzip"}).headers["content-encoding"] == (
            "gzip"
        )
        for refused in ("identity", "br;q=0, gzip;q=0", "*;q=0", ""):
            none = client.get(css, headers={"Accept-Encoding": refused})
            assert "content-encoding" not in none.headers, refused
        assert zipped.content == plain.content  # httpx unzipped the first: the same file
        assert len(gzip.compress(plain.content)) < len(plain.content)

        # The plain name still answers (an old page, a bookmark), with a short lifetime.
        for old in ("/static/app/app.css", "/static/vendor/htmx.min.js"):
            unhashed = client.get(old)
            assert unhashed.status_code == 200
            assert unhashed.headers["cache-control"] == SHORT_CACHE
        assert client.get("/static/app/nothing.css").status_code == 404
        assert client.get("/static/vendor/app.css").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    style = tmp_path / "app.css"
    style.write_text("body { color: black; }\n" * 20)
    before = StaticAssets("/static/app", {"app.css": style})
    style.write_text("body { color: navy; }\n" * 20)
    after = StaticAssets("/static/app", {"app.css": style})
    assert before.url("app.css") != after.url("app.css")
    assert HASHED.match(after.url("app.css"))
    old_name = before.url("app.css").rsplit("/", 1)[1]
    assert after.response(old_name, "").status_code == 404
    new_name = after.url("app.css").rsplit("/", 1)[1]
    assert b"navy" in bytes(after.response(new_name, "").body)


# --- the read cache, on its own -----------------------------------------------------------------


class FakeApi:
    """An API whose /users/me names the bearer of the token and /parties answers a value the
    test changes; it counts the requests it receives."""

    def __init__(self) -> None:
        self.parties = "first"
        self.calls: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls[f"{request.method} {request.url.path}"] += 1
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if request.url.path.endswith("/users/me"):
            return httpx.Response(200, json={"display_name": f"user of {token}"})
        if request.url.path.endswith("/parties"):
            return httpx.Response(200, json={"items": [self.parties]})
        return httpx.Response(204)


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


def test_one_users_cached_answer_is_never_served_to_another(fake: FakeApi) -> None:
    _run(_one_users_cached_answer_is_never_served_to_another(fake))


async def _one_users_cached_answer_is_never_served_to_another(fake: FakeApi) -> None:
    client = ApiClient("http://api.test", transport=httpx.MockTransport(fake), cache_seconds=60)
    try:
        assert await client.read("/users/me", cache="ttl", token="alice") == {
            "display_name": "user of alice"
        }
        assert await client.read("/users/me", cache="ttl", token="bob") == {
            "display_name": "user of bob"
        }
        assert await client.read("/users/me", cache="ttl", token="alice") == {
            "display_name": "user of alice"
        }
        assert fake.calls["GET /api/v1/users/me"] == 2  # alice's second read came from the cache
        # The cache keeps no token, only its hash.
        assert all("alice" not in owner for owner, _ in client.cache._entries)
    finally:
        await client.aclose()


def test_a_change_shows_within_the_bound_and_ones_own_at_once(fake: FakeApi) -> None:
    _run(_a_change_shows_within_the_bound_and_ones_own_at_once(fake))


async def _a_change_shows_within_the_bound_and_ones_own_at_once(fake: FakeApi) -> None:
    client = ApiClient("http://api.test", transport=httpx.MockTransport(fake), cache_seconds=0.3)
    try:
        assert (await client.read("/parties", cache="ttl", token="alice"))["items"] == ["first"]
        fake.parties = "second"  # someone else changed it
        assert (await client.read("/parties", cache="ttl", token="alice"))["items"] == ["first"]
        await asyncio.sleep(0.35)
        assert (await client.read("/parties", cache="ttl", token="alice"))["items"] == ["second"]

        fake.parties = "third"
        await client.request("PATCH", "/organisations/x", token="alice", json={})
        # Alice's own write forgets her entries: her next page reads afresh.
        assert (await client.read("/parties", cache="ttl", token="alice"))["items"] == ["third"]
    finally:
        await client.aclose()


def test_what_a_page_changes_does_not_change_the_next_pages_answer(fake: FakeApi) -> None:
    _run(_what_a_page_changes_does_not_change_the_next_pages_answer(fake))


async def _what_a_page_changes_does_not_change_the_next_pages_answer(fake: FakeApi) -> None:
    client = ApiClient("http://api.test", transport=httpx.MockTransport(fake), cache_seconds=60)
    try:
        first = await client.read("/parties", cache="ttl", token="alice")
        first["items"].append("scribbled")
        assert (await client.read("/parties", cache="ttl", token="alice"))["items"] == ["first"]
    finally:
        await client.aclose()


def test_zero_seconds_turns_the_cache_off(fake: FakeApi) -> None:
    _run(_zero_seconds_turns_the_cache_off(fake))


async def _zero_seconds_turns_the_cache_off(fake: FakeApi) -> None:
    client = ApiClient("http://api.test", transport=httpx.MockTransport(fake), cache_seconds=0)
    try:
        for _ in range(3):
            await client.read("/users/me", cache="ttl", token="alice")
        assert fake.calls["GET /api/v1/users/me"] == 3
        assert len(client.cache) == 0
    finally:
        await client.aclose()


class ConditionalApi:
    """An API whose one composite read answers `If-None-Match` as the real ones do: its ETag
    names the body (per bearer), 304 when the client holds it."""

    def __init__(self) -> None:
        self.version = 1
        self.answers: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        etag = f'"{token}-{self.version}"'
        if request.headers.get("if-none-match") == etag:
            self.answers.append(304)
            return httpx.Response(304, headers={"ETag": etag})
        self.answers.append(200)
        body = {"reader": token, "version": self.version, "padding": "x" * 400}
        return httpx.Response(200, json=body, headers={"ETag": etag})


def test_a_kept_answer_is_revalidated_every_time_and_never_crosses_users() -> None:
    _run(_a_kept_answer_is_revalidated_every_time_and_never_crosses_users())


async def _a_kept_answer_is_revalidated_every_time_and_never_crosses_users() -> None:
    api = ConditionalApi()
    client = ApiClient("http://api.test", transport=httpx.MockTransport(api), cache_seconds=5)
    try:
        path = "/plans/p/overview"
        first = await client.read(path, cache="etag", token="alice")
        assert (first["reader"], first["version"]) == ("alice", 1)
        first["version"] = 99  # what a page does with its copy does not change the kept body
        again = await client.read(path, cache="etag", token="alice")
        assert (again["reader"], again["version"]) == ("alice", 1)
        assert api.answers == [200, 304]  # asked again, answered 304, the kept body used
        # Bob holds nothing of Alice's: his read is a whole one, with his own answer.
        assert (await client.read(path, cache="etag", token="bob"))["reader"] == "bob"
        assert api.answers[-1] == 200
        # A change shows at once: the ETag no longer matches.
        api.version = 2
        assert (await client.read(path, cache="etag", token="alice"))["version"] == 2
        assert api.answers[-1] == 200
    finally:
        await client.aclose()

    # Off with the read cache: nothing kept, no conditional request.
    api.answers.clear()
    off = ApiClient("http://api.test", transport=httpx.MockTransport(api), cache_seconds=0)
    try:
        for _ in range(2):
            await off.read("/plans/p/overview", cache="etag", token="alice")
        assert api.answers == [200, 200]
        assert len(off.cache) == 0
    finally:
        await off.aclose()


def test_a_page_from_a_kept_answer_is_keyed_by_the_answers_bytes(fake: FakeApi) -> None:
    _run(_a_page_from_a_kept_answer_is_keyed_by_the_answers_bytes(fake))


async def _a_page_from_a_kept_answer_is_keyed_by_the_answers_bytes(fake: FakeApi) -> None:
    api = ConditionalApi()
    revalidated = ApiClient("http://api.test", transport=httpx.MockTransport(api), cache_seconds=5)
    cached = ApiClient("http://api.test", transport=httpx.MockTransport(fake), cache_seconds=0.3)

    async def page_key() -> bytes | None:
        """The render cache's key of a page showing both answers, in a request of its own."""
        with reading_answers() as answers:
            overview = await revalidated.read("/plans/p/overview", cache="etag", token="alice")
            parties = await cached.read("/parties", cache="ttl", token="alice")
            context = {"overview": overview, "parties": parties["items"]}
            return render_key({"context": answers.named(context, verify=True)})

    try:
        first = await page_key()  # both read in full
        assert await page_key() == first  # 304 and the read cache: the same bytes, found
        assert api.answers == [200, 304]
        api.version = 2
        assert await page_key() != first  # the overview changed
        latest = await page_key()
        fake.parties = "second"
        await asyncio.sleep(0.35)
        assert await page_key() != latest  # the parties changed
    finally:
        await revalidated.aclose()
        await cached.aclose()


def test_kept_answers_are_bounded_by_their_size() -> None:
    cache = ReadCache(5, max_validated_bytes=1000)
    for n in range(5):
        cache.keep_validated(f"user{n}", "/plans/p/overview", '"e"', b"x" * 400)
    assert len(cache) == 2  # 800 bytes; the three least recently used went
    assert cache.validated("user4", "/plans/p/overview") is not None
    assert cache.validated("user0", "/plans/p/overview") is None
    cache.forget("user4")
    assert len(cache) == 1


def test_the_setting_has_bounds(tmp_path: Path) -> None:
    assert WebSettings(var_dir=tmp_path).read_cache_seconds == 5.0
    for wrong in (-1, 61):
        with pytest.raises(ValidationError):
            WebSettings(var_dir=tmp_path, read_cache_seconds=wrong)


# --- API calls per page, against the real API --------------------------------------------------


class Counting(httpx.AsyncBaseTransport):
    """The web's way to the real API, counting each request by method and path."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.calls: list[str] = []
        self.answered: list[str] = []  # with the status, in the order the answers came

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        response = await self.inner.handle_async_request(request)
        self.answered.append(f"{request.method} {request.url.path} {response.status_code}")
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def pages(stack: Stack, active_plan_id: str) -> dict[str, str]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        review_id = api.get(f"/plans/{active_plan_id}/reviews").json()["items"][0]["id"]
    return {
        "dashboard": f"/plans/{active_plan_id}",
        "commitments": f"/plans/{active_plan_id}/commitments",
        "review": f"/reviews/{review_id}",
    }


def calls_per_page(
    tmp_path: Path, stack: Stack, pages: dict[str, str], token: str, seconds: float
) -> dict[str, list[list[str]]]:
    """Each page visited twice in a row, as a user going from page to page: the API calls of
    each visit, with the status each got."""
    counting = Counting()
    # As served: the tests' checking mode would make a page sent again (itpp_web.replay) twice.
    app = create_app(
        settings(tmp_path, stack.api_url, read_cache_seconds=seconds, render_cache_verify=False),
        api_transport=counting,
    )
    calls: dict[str, list[list[str]]] = {}
    with TestClient(app, cookies={"itpp_session": token}) as client:
        for name, path in pages.items():
            for _ in range(2):
                before = len(counting.answered)
                response = client.get(path, headers={"Accept-Language": "en"})
                assert response.status_code == 200, (path, response.text[:500])
                calls.setdefault(name, []).append(sorted(counting.answered[before:]))
    return calls


@pytest.fixture(scope="module")
def editor_token(stack: Stack) -> str:
    return stack.api_token("JP", "editor")


def test_api_calls_per_page_fall_with_the_cache(
    tmp_path: Path, stack: Stack, pages: dict[str, str], editor_token: str
) -> None:
    without = calls_per_page(tmp_path, stack, pages, editor_token, 0)
    with_cache = calls_per_page(tmp_path, stack, pages, editor_token, 60)
    print("API calls per page (first visit, second visit):")
    for name in pages:
        print(f"  {name:12} without cache {without[name]}\n{'':14}with cache {with_cache[name]}")
    plan, review = pages["dashboard"].removeprefix("/plans/"), pages["review"].split("/")[-1]
    me = "GET /api/v1/users/me 200"
    for name in pages:
        assert without[name][1] == without[name][0]
        assert me in without[name][1]
    # The dashboard: one composite read (where to watch from, the dashboard, the burn-up) and
    # the plan list of its lineage; going on to it within the cache's bound, only the composite
    # read, answered 304 (nothing changed: the body kept is used).
    overview = f"GET /api/v1/plans/{plan}/overview"
    assert without["dashboard"][0] == sorted([me, f"{overview} 200", "GET /api/v1/plans 200"])
    assert with_cache["dashboard"][1] == [f"{overview} 304"]
    # The review page: one composite read (where to watch from, the review, its plan, its files
    # and its first page of comment threads); going on to it within the cache's bound, only that
    # read, answered 304.
    workspace = f"GET /api/v1/reviews/{review}/workspace"
    assert without["review"][0] == sorted([me, f"{workspace} 200"])
    assert with_cache["review"][1] == [f"{workspace} 304"]
    # The commitments page: one composite read (the plan, read fresh: its status decides what
    # may be done, and the table's page), answered 304 when nothing changed; the user, parties,
    # organisations, areas and saved views come from the cache.
    table = f"GET /api/v1/plans/{plan}/commitment-table"
    assert len(without["commitments"][0]) == 6
    assert f"{table} 200" in without["commitments"][0]
    assert with_cache["commitments"][1] == [f"{table} 304"]


def test_a_second_user_sees_their_own_name_not_the_first_users(
    tmp_path: Path, stack: Stack, pages: dict[str, str], editor_token: str
) -> None:
    nato = stack.api_token("NATO", "editor")
    app = create_app(settings(tmp_path, stack.api_url, read_cache_seconds=60))
    names = {}
    # One web process (one cache): Japan's editor reads the page, then NATO's, then Japan's again.
    with TestClient(app) as client:
        for key, token in (("jp", editor_token), ("nato", nato), ("jp", editor_token)):
            me = httpx.get(
                f"{stack.api_url}/api/v1/users/me",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).json()
            names[key] = html.escape(me["display_name"])
            client.cookies.set("itpp_session", token)
            page = client.get(pages["commitments"], headers={"Accept-Language": "en"})
            assert page.status_code == 200
            assert names[key] in page.text
            other = names.get("nato" if key == "jp" else "jp")
            if other:
                assert other not in page.text
    assert names["jp"] != names["nato"]


def test_an_unchanged_page_is_sent_without_rendering_and_a_change_shows_at_once(
    tmp_path: Path, stack: Stack, pages: dict[str, str], editor_token: str
) -> None:
    app = create_app(
        settings(tmp_path, stack.api_url, read_cache_seconds=60, render_cache_verify=False)
    )
    cache = app.state.renderer.cache
    english = {"Accept-Language": "en"}
    with TestClient(app, cookies={"itpp_session": editor_token}) as client:
        first = client.get(pages["commitments"], headers=english)
        assert first.status_code == 200
        hits = cache.hits
        sent = REGISTRY.get_sample_value("itpp_web_pages_sent_total", {"source": "cache"}) or 0
        # The same page again, nothing changed: the API is asked (304) and the page found.
        again = client.get(pages["commitments"], headers=english)
        assert again.text == first.text
        assert cache.hits == hits + 1
        metric = REGISTRY.get_sample_value("itpp_web_pages_sent_total", {"source": "cache"})
        assert metric == sent + 1
        # The table's next page is another page.
        second_page = client.get(pages["commitments"], params={"page": 2}, headers=english)
        assert second_page.status_code == 200
        assert second_page.text != first.text
        assert cache.hits == hits + 1
        # Another user changes a commitment on the page: the next visit shows the change.
        with stack.api_client(stack.api_token("JP", "approver")) as api:
            rows = api.get(pages["commitments"], params={"limit": 25, "sort": "reference"})
            row = next(
                r
                for r in rows.json()["items"]
                if "update" in r["allowed_actions"] and r["status"] != "completed"
            )
            current = api.get(f"/commitments/{row['id']}")
            progress = 93 if current.json()["progress"] != 93 else 94
            changed = api.patch(
                f"/commitments/{row['id']}",
                json={"progress": progress},
                headers={"If-Match": current.headers["etag"]},
            )
            assert changed.status_code == 200, changed.text
        after = client.get(pages["commitments"], headers=english)
        assert after.text != first.text
        assert f'value="{progress}"' in after.text
        assert cache.hits == hits + 1
        with stack.api_client(stack.api_token("JP", "approver")) as api:  # as it was
            restored = api.patch(
                f"/commitments/{row['id']}",
                json={"progress": current.json()["progress"]},
                headers={"If-Match": changed.headers["etag"]},
            )
            assert restored.status_code == 200, restored.text
    # Another session of the same user (another browser) never gets this one's pages: its
    # CSRF token, part of every form, is its own.
    with TestClient(app, cookies={"itpp_session": editor_token}) as other:
        page = other.get(pages["commitments"], headers=english)
        assert page.status_code == 200
        assert cache.hits == hits + 1
