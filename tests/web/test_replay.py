"""Pages sent again while nothing they read has changed (itpp_web.replay): the page comes back
with one conditional request to the API and nothing parsed or rendered; a change made
meanwhile shows at once; a page is never sent to another session; and, in the tests' checking
mode, a route whose page is not a function of its reads is caught."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from starlette.types import Receive, Scope, Send

from itpp_web.app import create_app
from itpp_web.config import WebSettings
from itpp_web.render_cache import KeptRead, RenderMismatch, answer_kept, reading_answers
from itpp_web.replay import ReplayMiddleware
from tests.web.conftest import Stack, draft_plan_with_markup
from tests.web.test_speed import Counting, _run


def sent_again() -> float:
    return REGISTRY.get_sample_value("itpp_web_pages_sent_total", {"source": "replay"}) or 0.0


def web_app(tmp_path: Path, stack: Stack, counting: Counting, **changes: Any) -> Any:
    settings = WebSettings(
        api_url=stack.api_url,
        var_dir=tmp_path,
        secret_key="k" * 32,
        read_cache_seconds=60,
        render_cache_verify=False,  # as served
    )
    return create_app(settings.model_copy(update=changes), api_transport=counting)


def test_an_unchanged_page_is_sent_again_and_a_change_shows_at_once(
    tmp_path: Path, stack: Stack
) -> None:
    token = stack.api_token("JP", "editor")
    plan_id, commitment_id = draft_plan_with_markup(stack)
    page = f"/plans/{plan_id}/commitments"
    counting = Counting()
    with TestClient(web_app(tmp_path, stack, counting), cookies={"itpp_session": token}) as web:
        # The first visit gives the browser its CSRF cookie (a page setting a cookie is never
        # recorded); the second is the one recorded.
        assert web.get(page, headers={"Accept-Language": "en"}).status_code == 200
        first = web.get(page, headers={"Accept-Language": "en"})
        assert first.status_code == 200
        before, calls = sent_again(), len(counting.answered)
        again = web.get(page, headers={"Accept-Language": "en"})
        # One conditional request (answered 304), and the page as it was sent.
        assert counting.answered[calls:] == [f"GET /api/v1/plans/{plan_id}/commitment-table 304"]
        assert sent_again() == before + 1
        assert again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]
        assert "default-src" in again.headers["content-security-policy"]  # the security layer's

        # Changed meanwhile through the API: the next visit shows it.
        with stack.api_client(token) as api:
            etag = api.get(f"/commitments/{commitment_id}").headers["etag"]
            changed = api.patch(
                f"/commitments/{commitment_id}",
                json={"progress": 37},
                headers={"If-Match": etag},
            )
            assert changed.status_code == 200, changed.text
        shown = web.get(page, headers={"Accept-Language": "en"})
        assert sent_again() == before + 1  # made afresh
        assert 'value="37"' in shown.text and 'value="37"' not in first.text

        # Another header is another page: htmx asking for the table alone gets the fragment.
        fragment = web.get(page, headers={"Accept-Language": "en", "HX-Request": "true"})
        assert sent_again() == before + 1
        assert fragment.status_code == 200 and "<html" not in fragment.text


def test_a_page_is_never_sent_to_another_session(tmp_path: Path, stack: Stack) -> None:
    plan_id, _ = draft_plan_with_markup(stack)
    page = f"/plans/{plan_id}/commitments"
    counting = Counting()
    app = web_app(tmp_path, stack, counting)
    editor, approver = stack.api_token("JP", "editor"), stack.api_token("JP", "approver")
    with TestClient(app, cookies={"itpp_session": editor}) as web:
        for _ in range(3):
            assert web.get(page).status_code == 200
    before = sent_again()
    with TestClient(app, cookies={"itpp_session": approver}) as other:
        theirs = other.get(page)
    assert sent_again() == before  # made for the approver's session
    with stack.api_client(approver) as api:
        name = api.get("/users/me").json()["display_name"]
    assert name in theirs.text


def test_nothing_is_sent_again_with_the_setting_at_zero(tmp_path: Path, stack: Stack) -> None:
    plan_id, _ = draft_plan_with_markup(stack)
    counting = Counting()
    app = web_app(tmp_path, stack, counting, render_cache_bytes=0)
    with TestClient(app, cookies={"itpp_session": stack.api_token("JP", "editor")}) as web:
        before = sent_again()
        for _ in range(3):
            assert web.get(f"/plans/{plan_id}/commitments").status_code == 200
    assert sent_again() == before


def test_checking_mode_catches_a_page_that_is_not_a_function_of_its_reads() -> None:
    _run(_checking_mode_catches_a_page_that_is_not_a_function_of_its_reads())


async def _checking_mode_catches_a_page_that_is_not_a_function_of_its_reads() -> None:
    made = 0
    read = KeptRead("ttl", "/users/me", b"digest")

    async def unstable(scope: Scope, receive: Receive, send: Send) -> None:
        """A page whose one read never changes, yet which differs each time (as a page showing
        a clock or a counter of its own would)."""
        nonlocal made
        made += 1
        answer_kept(read, {}, b"{}")
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": f"<p>{made}</p>".encode()})

    class Unchanged:
        """The API client's check of a read: always unchanged here."""

        async def unchanged(self, checked: KeptRead, *, token: str) -> bool:
            return checked == read and token == "t"

    app = SimpleNamespace(state=SimpleNamespace(api=Unchanged()))

    async def visit(middleware: ReplayMiddleware) -> bytes:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/plans/p/commitments",
            "query_string": b"",
            "headers": [(b"cookie", b"itpp_session=t")],
            "state": {},
            "app": app,
        }
        body = b""

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: dict[str, Any]) -> None:
            nonlocal body
            body += message.get("body", b"")

        with reading_answers():
            await middleware(scope, receive, send)
        return body

    served = ReplayMiddleware(unstable, max_bytes=1 << 20)
    assert await visit(served) == b"<p>1</p>"
    assert await visit(served) == b"<p>1</p>"  # sent again: its read is unchanged
    assert made == 1
    checking = ReplayMiddleware(unstable, max_bytes=1 << 20, verify=True)
    await visit(checking)
    with pytest.raises(RenderMismatch, match="sent again differs"):
        await visit(checking)
