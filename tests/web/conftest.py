"""A real API process and a real web process on loopback, over a sample database, and the
headless Chromium that drives the pages (Debian's package, through Playwright for Python)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.conftest import drop_postgres_database, sample_database_copy
from tests.live_api import ApiProcess, start_api, start_web, stop, wait_until_up

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "tests" / ".artifacts" / "web"
WEB_PACKAGE = PROJECT_ROOT / "services" / "web" / "itpp_web"
AXE_SCRIPT = PROJECT_ROOT / "services" / "web" / "node_modules" / "axe-core" / "axe.min.js"
TOTP_INTERVAL = 30
SESSION_COOKIE = "itpp_session"  # the web's session cookie (itpp_web.security)
SAMPLE_PLAN = "JP-NATO-ITPP"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Stack:
    """The running services and the sample accounts of their database."""

    api: ApiProcess
    web: ApiProcess
    root: Path
    logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    database_url: str = ""

    @property
    def web_url(self) -> str:
        return self.web.base_url

    @property
    def api_url(self) -> str:
        return self.api.base_url

    def login(self, party: str, role: str) -> dict[str, Any]:
        return self.logins[f"{party.lower()}-{role}@sample.itpp.example"]

    otp_steps: dict[str, int] = field(default_factory=dict)
    api_tokens: dict[str, str] = field(default_factory=dict)

    def otp(self, login: dict[str, Any]) -> str:
        """A one-time code the API has not seen yet (it refuses a code's time step twice)."""
        secret = login.get("totp_secret")
        if not secret:
            return ""
        while True:
            now = time.time()
            current = int(now // TOTP_INTERVAL)
            # The API accepts the step before and after the current one too: the one before
            # while the current step has at least 10 s to run (the code reaches the API well
            # before the next step begins), the one after always.
            earliest = current - 1 if now % TOTP_INTERVAL <= TOTP_INTERVAL - 10 else current
            step = max(earliest, self.otp_steps.get(login["email"], -1) + 1)
            if step <= current + 1:
                self.otp_steps[login["email"]] = step
                return str(pyotp.TOTP(secret).at(step * TOTP_INTERVAL))
            time.sleep(1)

    def reused_session(self, party: str, role: str) -> str | None:
        """For a user with a second factor, a session token that still works (the web's session
        cookie holds the API's token), so a test signs an approver in without a new one-time
        code: the API refuses a code's time step twice, and a fresh code can take up to 30 s.
        None for other users (their sign-in costs nothing to repeat)."""
        if not self.login(party, role).get("totp_secret"):
            return None
        return self.api_token(party, role)

    def forget_session(self, party: str, role: str) -> None:
        """Sign the user in afresh next time: after a change to their profile made through the
        API, which the web's per-token read cache (ITPP_WEB_READ_CACHE_SECONDS) would not see
        for a token it read the profile with a moment ago."""
        self.api_tokens.pop(self.login(party, role)["email"], None)

    def api_token(self, party: str, role: str) -> str:
        """A bearer token for calling the API directly (as another user would).

        Kept for the whole run while it still works: signing an approver in again would wait
        for a one-time code the API has not seen yet (up to 30 s)."""
        login = self.login(party, role)
        cached = self.api_tokens.get(login["email"])
        if cached:
            probe = httpx.get(
                f"{self.api_url}/api/v1/users/me",
                headers={"Authorization": f"Bearer {cached}"},
                timeout=10,
            )
            if probe.status_code == 200:
                return cached
        form = {"grant_type": "password", "username": login["email"], "password": login["password"]}
        if login.get("totp_secret"):
            form["otp"] = self.otp(login)
        response = httpx.post(f"{self.api_url}/api/v1/auth/token", data=form, timeout=10)
        response.raise_for_status()
        token = str(response.json()["access_token"])
        self.api_tokens[login["email"]] = token
        return token

    def api_client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.api_url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )


@contextmanager
def running_stack(root: Path, engine: str) -> Iterator[Stack]:
    """The API on a database of the engine holding the sample (a copy of the run's template:
    tests/conftest.py `sample_database_copy`, what `itpp db upgrade` and `itpp sample load`
    make) and the web on it, until the context closes."""
    var_dir = root / "var"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITPP_VAR_DIR", str(var_dir))
        database_url = sample_database_copy(engine, root, "itpp_web")
    env = {
        "ITPP_DATABASE_URL": database_url,
        "ITPP_VAR_DIR": str(var_dir),
        # Every test signs in from 127.0.0.1: keep the throttle's growing delay short (its
        # rules are tested in tests/api/test_sign_in.py).
        "ITPP_LOGIN_MAX_DELAY_SECONDS": "0.2",
    }
    try:
        api = start_api(database_url, root / "api.log", env=env)
        wait_until_up(api)
        web = start_web(api.base_url, root / "web.log", env={"ITPP_WEB_VAR_DIR": str(var_dir)})
        try:
            wait_until_up(web, "/healthz")
        except BaseException:
            stop(api)
            raise
        try:
            data = json.loads((var_dir / "sample-logins.json").read_text(encoding="utf-8"))
            logins = {entry["email"]: entry for entry in data["logins"]}
            yield Stack(api=api, web=web, root=root, logins=logins, database_url=database_url)
        finally:
            stop(web)
            stop(api)
    finally:
        if engine == "postgresql":
            drop_postgres_database(database_url)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack most web tests share, on SQLite."""
    with running_stack(tmp_path_factory.mktemp("web-stack"), "sqlite") as running:
        yield running


@pytest.fixture(scope="module")
def postgres_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A second stack whose API runs on a scratch PostgreSQL database of its own (dropped at
    the end): the browser tests also meet the production engine."""
    with running_stack(tmp_path_factory.mktemp("web-stack-postgres"), "postgresql") as running:
        yield running


def draft_plan_with_markup(stack: Stack) -> tuple[str, str]:
    """A draft plan whose texts carry markup, made through the API by a Japan editor."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        reference = f"XSS-{uuid.uuid4().hex[:6].upper()}"
        plan = api.post(
            "/plans",
            json={
                "reference": reference,
                "title": {"ja": "<script>alert('ja')</script>計画", "en": "<b>bold</b> plan"},
                "party_ids": [parties["JP"], parties["NATO"]],
            },
        )
        assert plan.status_code == 201, plan.text
        plan_id = plan.json()["id"]
        area = api.post(
            f"/plans/{plan_id}/priority-areas",
            json={
                "code": "3.1.1",
                "short_code": "CYB",
                "title": {"en": "<img src=x onerror=alert(1)>"},
            },
        )
        assert area.status_code == 201, area.text
        commitment = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area.json()["id"],
                "title": {"ja": '"><script>alert(document.cookie)</script>'},
                "modality": "other",
                "lead_party_id": parties["JP"],
            },
        )
        assert commitment.status_code == 201, commitment.text
        return plan_id, commitment.json()["id"]


def active_plan_of_our_own(stack: Stack, commitments: int = 3) -> str:
    """A new plan in force between Japan and NATO, drafted through the API by a Japan editor
    and brought into force by both parties' approvers: for tests that open reviews or apply
    amendments without touching the sample plan."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        parties = {p["code"]: p["id"] for p in api.get("/parties").json()["items"]}
        plan = api.post(
            "/plans",
            json={
                "reference": f"CONSENT-{uuid.uuid4().hex[:6].upper()}",
                "title": {"ja": "同意の試験計画", "en": "Consent test plan"},
                "party_ids": [parties["JP"], parties["NATO"]],
            },
        )
        assert plan.status_code == 201, plan.text
        plan_id = str(plan.json()["id"])
        area = api.post(
            f"/plans/{plan_id}/priority-areas",
            json={
                "code": "3.1.1",
                "short_code": "CYB",
                "title": {"ja": "サイバー防衛", "en": "Cyber defence"},
            },
        )
        assert area.status_code == 201, area.text
        for number in range(1, commitments + 1):
            created = api.post(
                f"/plans/{plan_id}/commitments",
                json={
                    "priority_area_id": area.json()["id"],
                    "title": {"ja": f"共同演習 {number}", "en": f"Joint exercise {number}"},
                    "modality": "exercise_participation",
                    "lead_party_id": parties["JP" if number % 2 else "NATO"],
                },
            )
            assert created.status_code == 201, created.text
    bring_into_force(stack, plan_id)
    return plan_id


def bring_into_force(stack: Stack, plan_id: str) -> None:
    """A draft comes into force as every party consents: Japan's editor proposes it (today's
    approval date), then Japan's and NATO's approvers approve it."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        proposed = api.post(
            f"/plans/{plan_id}/amendments",
            json={
                "title": {"ja": "発効", "en": "Coming into force"},
                "rationale": {"en": "Approved by both parties."},
                "changes": [
                    {
                        "op": "bring_into_force",
                        "approval_date": time.strftime("%Y-%m-%d", time.gmtime()),
                    }
                ],
            },
        )
        assert proposed.status_code == 201, proposed.text
    for party in ("JP", "NATO"):
        with stack.api_client(stack.api_token(party, "approver")) as api:
            decided = api.post(
                f"/amendments/{proposed.json()['id']}/approvals", json={"decision": "approve"}
            )
            assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "applied"


def terminate_plan(stack: Stack, plan_id: str) -> None:
    """A plan in force ends as every party consents: Japan's editor proposes its termination,
    then Japan's and NATO's approvers approve it (its records become read-only)."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        proposed = api.post(
            f"/plans/{plan_id}/amendments",
            json={
                "title": {"ja": "終了", "en": "Termination"},
                "rationale": {"en": "Ended by both parties."},
                "changes": [{"op": "terminate"}],
            },
        )
        assert proposed.status_code == 201, proposed.text
    for party in ("JP", "NATO"):
        with stack.api_client(stack.api_token(party, "approver")) as api:
            decided = api.post(
                f"/amendments/{proposed.json()['id']}/approvals", json={"decision": "approve"}
            )
            assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "applied"


def assess(
    stack: Stack,
    party: str,
    review_id: str,
    item: dict[str, Any],
    rating: str,
    note: str | None = None,
) -> None:
    """`party`'s editor rates a review item through the API (with the item's ETag)."""
    body = {"rating": rating, **({"note": note} if note is not None else {})}
    with stack.api_client(stack.api_token(party, "editor")) as api:
        written = api.put(
            f"/reviews/{review_id}/items/{item['id']}/assessment",
            json=body,
            headers={"If-Match": item["etag"]},
        )
        assert written.status_code == 200, written.text


def open_review_rated(stack: Stack, plan_id: str, ratings: dict[str, list[str | None]]) -> str:
    """The plan's first review, opened by Japan's editor, then rated by each party's editor
    item by item in the given order (None: that item not rated); its id."""
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        review_id = str(api.get(f"/plans/{plan_id}/reviews").json()["items"][0]["id"])
        assert api.post(f"/reviews/{review_id}/open").status_code == 200
    for party, given in ratings.items():
        with stack.api_client(stack.api_token(party, "editor")) as api:
            items = api.get(f"/reviews/{review_id}").json()["items"]
        for item, rating in zip(items, given, strict=True):
            if rating is not None:
                assess(stack, party, review_id, item, rating)
    return review_id


CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class WebSession:
    """A browser-like HTTP client of the web service: cookies, CSRF tokens, no JavaScript."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.client = httpx.Client(base_url=stack.web_url, follow_redirects=False, timeout=15)

    def csrf(self, path: str = "/sign-in") -> str:
        match = CSRF_INPUT.search(self.client.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_in(self, party: str, role: str) -> None:
        """Signs the user in; an approver's signed-in session is reused when it still works
        (`Stack.reused_session`). The sign-in forms have tests of their own."""
        login = self.stack.login(party, role)
        reused = self.stack.reused_session(party, role)
        if reused:
            self.client.cookies.set(SESSION_COOKIE, reused)
            return
        response = self.client.post(
            "/sign-in",
            data={
                "csrf_token": self.csrf(),
                "email": login["email"],
                "password": login["password"],
                "otp": self.stack.otp(login),
                "next": "/plans",
            },
        )
        assert response.status_code == 303, response.text

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, **kwargs)


@pytest.fixture
def web_session(stack: Stack) -> Iterator[WebSession]:
    session = WebSession(stack)
    yield session
    session.client.close()


@pytest.fixture(scope="session")
def active_plan_id(stack: Stack) -> str:
    """The sample's plan in force (the one officials work on)."""
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        plans = api.get("/plans", params={"status": "active"}).json()["items"]
    # The sample's plan by its reference: other tests make plans in force of their own.
    active = [
        plan for plan in plans if plan["status"] == "active" and plan["reference"] == SAMPLE_PLAN
    ]
    assert active, plans
    return str(active[0]["id"])


def chromium_path() -> str:
    path = os.environ.get("ITPP_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Browser tests need Chromium: install Debian's `chromium` package "
            "(.ci/run does) or set ITPP_TEST_CHROMIUM."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def new_browser_context(browser: Any, stack: Stack, locale: str) -> Any:
    """A fresh browser profile on the web service in a locale. bypass_csp lets the tests inject
    axe-core; the pages' own Content-Security-Policy is tested over HTTP."""
    context = browser.new_context(
        base_url=stack.web_url,
        locale=locale,
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
    )
    context.set_default_timeout(15_000)
    return context


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations on the page, by axe-core from npm."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make install` (npm ci in services/web).")
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        violation
        for violation in result["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]


def offences_in_web_modules(
    find: Callable[[str], list[str]], excluded: set[Path]
) -> dict[str, list[str]]:
    """What `find` reports in each of the web's modules but `excluded`, by module (those where
    it reports nothing left out): the source checks of the web's rules (test_api_calls,
    test_no_kind_switch)."""
    modules = sorted(set(WEB_PACKAGE.rglob("*.py")) - excluded)
    assert len(modules) > 30  # the page modules are where the checks look
    return {
        str(module.relative_to(PROJECT_ROOT)): found
        for module in modules
        if (found := find(module.read_text(encoding="utf-8")))
    }
