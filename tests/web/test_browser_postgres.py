"""One journey in a real headless Chromium against an API on PostgreSQL (the other browser
tests share a stack on SQLite): Japan's editor signs in and saves a commitment's progress
through its edit form, and the row in PostgreSQL has it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.web.conftest import SAMPLE_PLAN, Stack, new_browser_context
from tests.web.test_browser import sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def context(browser: Any, postgres_stack: Stack) -> Iterator[Any]:
    ctx = new_browser_context(browser, postgres_stack, "en-GB")
    yield ctx
    ctx.close()


def test_an_editor_signs_in_and_saves_a_commitment_on_postgresql(
    context: Any, postgres_stack: Stack
) -> None:
    stack = postgres_stack
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        plans = api.get("/plans", params={"status": "active"}).json()["items"]
        plan = next(p for p in plans if p["reference"] == SAMPLE_PLAN)
        commitment = api.get(
            f"/plans/{plan['id']}/commitments",
            params={"lead_party": "JP", "status": "in_progress", "limit": 1},
        ).json()["items"][0]
    progress = 37 if commitment["progress"] != 37 else 38

    page = context.new_page()
    sign_in(page, stack, "JP", "editor")
    page.goto(f"/commitments/{commitment['id']}/edit")
    page.wait_for_selector("#commitment-form")
    page.fill("#progress", str(progress))
    page.click("#commitment-form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/commitments/{commitment['id']}$"))
    assert f"{progress}" in page.locator("#commitment").inner_text()

    # The API's engine is PostgreSQL, and the saved row is there.
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as connection:
            assert connection.dialect.name == "postgresql"
            saved = connection.execute(
                text("SELECT progress FROM commitment WHERE id = :id"),
                {"id": uuid.UUID(commitment["id"])},
            ).scalar_one()
    finally:
        engine.dispose()
    assert saved == progress
