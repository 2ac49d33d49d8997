"""The web service over HTTP (no JavaScript): fragments, escaping, CSRF, headers, errors.

A real API process and a real web process on loopback; the assertions read what a browser
would receive.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.web.conftest import (
    CSRF_INPUT,
    TOTP_INTERVAL,
    Stack,
    WebSession,
    draft_plan_with_markup,
)

HTMX = {"HX-Request": "true"}


def _references(html: str) -> list[str]:
    return re.findall(r'<a href="/commitments/[0-9a-f-]{36}">([A-Z]+-\d+)</a>', html)


def test_signed_out_pages_send_the_browser_to_sign_in(web_session: WebSession) -> None:
    response = web_session.get("/plans")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fplans"
    htmx = web_session.get("/plans", headers=HTMX)
    assert htmx.headers["hx-redirect"].startswith("/sign-in")


def test_wrong_password_is_a_readable_error_and_no_session(web_session: WebSession) -> None:
    token = web_session.csrf()
    response = web_session.post(
        "/sign-in",
        data={"csrf_token": token, "email": "jp-editor@sample.itpp.example", "password": "nope"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert "Wrong email, password or one-time code." in response.text
    assert "itpp_session" not in response.headers.get("set-cookie", "")


def test_approver_without_code_is_asked_for_it_then_signed_in(
    stack: Stack, web_session: WebSession
) -> None:
    login = stack.login("NATO", "approver")
    token = web_session.csrf()
    form = {"csrf_token": token, "email": login["email"], "password": login["password"]}
    asked = web_session.post("/sign-in", data=form, headers={"Accept-Language": "en"})
    assert asked.status_code == 401
    assert "authenticator app" in asked.text
    assert re.search(r'id="otp"[^>]*required', asked.text)
    signed_in = web_session.post("/sign-in", data={**form, "otp": stack.otp(login)})
    assert signed_in.status_code == 303
    assert "itpp_session=" in signed_in.headers["set-cookie"]
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    assert "SameSite=lax" in signed_in.headers["set-cookie"]


def test_commitment_table_fragment_and_page_show_the_same_rows(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "editor")
    path = f"/plans/{active_plan_id}/commitments?status=in_progress&sort=-progress"
    page = web_session.get(path)
    fragment = web_session.get(path, headers=HTMX)
    assert page.status_code == fragment.status_code == 200
    assert page.text.lstrip().startswith("<!doctype html>")
    assert "<html" not in fragment.text and "site-header" not in fragment.text
    assert 'class="filters"' not in fragment.text  # the filter form stays in place
    assert fragment.text.lstrip().startswith('<section id="results"')
    rows = _references(page.text)
    assert rows and rows == _references(fragment.text)
    assert "HX-Request" in page.headers["vary"] and "HX-Request" in fragment.headers["vary"]
    # A history restore (htmx re-fetching a page it has no copy of) gets the whole page.
    restore = web_session.get(path, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert restore.text.lstrip().startswith("<!doctype html>")
    assert _references(restore.text) == rows


def test_filters_and_sort_are_applied_by_the_api(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "editor")
    html = web_session.get(
        f"/plans/{active_plan_id}/commitments?priority_area=3.1.1&sort=-reference"
    ).text
    shown = _references(html)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        expected = [
            item["reference"]
            for item in api.get(
                f"/plans/{active_plan_id}/commitments",
                params={"priority_area": "3.1.1", "sort": "-reference"},
            ).json()["items"]
        ]
    assert shown == expected and len(shown) >= 2
    assert shown == sorted(shown, reverse=True)


def test_bad_filter_is_a_readable_message_not_a_crash(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("NATO", "editor")  # an English profile
    response = web_session.get(
        f"/plans/{active_plan_id}/commitments?status=finished", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "These filters are not valid" in response.text


def test_markup_in_record_text_is_shown_as_text(stack: Stack, web_session: WebSession) -> None:
    plan_id, commitment_id = draft_plan_with_markup(stack)
    web_session.sign_in("JP", "editor")
    pages = [
        web_session.get("/plans").text,
        web_session.get(f"/plans/{plan_id}").text,
        web_session.get(f"/plans/{plan_id}/commitments").text,
        web_session.get(f"/commitments/{commitment_id}").text,
    ]
    for html in pages:
        assert "<script>alert" not in html
        assert "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;ja&#39;)&lt;/script&gt;計画" in pages[1]
    assert "&#34;&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in pages[3]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]


def _progress_of(stack: Stack, commitment_id: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        return dict(api.get(f"/commitments/{commitment_id}").json())


def _first_commitment(stack: Stack, plan_id: str) -> dict[str, Any]:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        items = api.get(f"/plans/{plan_id}/commitments", params={"status": "in_progress"}).json()
    return dict(items["items"][0])


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [
        ({}, False),  # no token at all
        ({"Origin": "https://attacker.example"}, True),  # a valid token, but from elsewhere
        ({"Referer": "https://attacker.example/page"}, True),
        ({"X-CSRF-Token": "0" * 64}, False),  # a made-up token
    ],
)
def test_state_changes_without_a_valid_token_or_from_elsewhere_are_refused(
    stack: Stack,
    web_session: WebSession,
    active_plan_id: str,
    headers: dict[str, str],
    with_token: bool,
) -> None:
    web_session.sign_in("JP", "editor")
    commitment = _first_commitment(stack, active_plan_id)
    form = {"etag": commitment["etag"], "status": "in_progress", "progress": "99"}
    if with_token:
        form["csrf_token"] = web_session.csrf(f"/commitments/{commitment['id']}")
    response = web_session.post(
        f"/commitments/{commitment['id']}/progress",
        data=form,
        headers={"Accept-Language": "en", **headers},
    )
    assert response.status_code == 403
    assert "Internal Server Error" not in response.text
    assert _progress_of(stack, commitment["id"])["progress"] == commitment["progress"]


def test_every_state_changing_route_checks_the_csrf_token(stack: Stack) -> None:
    from fastapi.routing import APIRoute

    from itpp_web.routes import all_routers

    unsafe = [
        (route.path, method)
        for router in all_routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method not in ("GET", "HEAD", "OPTIONS")
    ]
    assert len(unsafe) >= 7
    # The one exception: a mail client's one-click unsubscribe (RFC 8058) posts with no session
    # and no form token; the signed token in the address is its credential
    # (tests/web/test_profile_pages.py).
    one_click = ("/unsubscribe/{token}", "POST")
    assert one_click in unsafe
    client = httpx.Client(base_url=stack.web_url, timeout=10)
    client.get("/sign-in")  # a CSRF cookie, but no token sent
    for path, method in unsafe:
        if (path, method) == one_click:
            continue
        concrete = re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), path)
        response = client.request(method, concrete, data={"x": "1"})
        assert response.status_code == 403, (method, path, response.status_code)


def test_security_headers_on_pages_and_fragments(web_session: WebSession) -> None:
    for response in (web_session.get("/sign-in"), web_session.get("/sign-in", headers=HTMX)):
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
    page = web_session.get("/sign-in").text
    assert "<script>" not in page and " style=" not in page and "onclick" not in page


def test_sign_out_revokes_the_token_so_a_copied_cookie_stops_working(
    stack: Stack, web_session: WebSession
) -> None:
    web_session.sign_in("JP", "viewer")
    stolen = web_session.client.cookies["itpp_session"]
    assert web_session.get("/plans").status_code == 200
    token = CSRF_INPUT.search(web_session.get("/plans").text)
    assert token
    out = web_session.post("/sign-out", data={"csrf_token": token.group(1)})
    assert out.status_code == 303
    thief = httpx.Client(base_url=stack.web_url, cookies={"itpp_session": stolen})
    assert thief.get("/plans").status_code == 303
    api = httpx.get(
        f"{stack.api_url}/api/v1/users/me", headers={"Authorization": f"Bearer {stolen}"}
    )
    assert api.status_code == 401


def test_unknown_record_and_page_are_readable_errors(web_session: WebSession) -> None:
    web_session.sign_in("NATO", "editor")
    missing = web_session.get(f"/commitments/{uuid.uuid4()}", headers={"Accept-Language": "en"})
    assert missing.status_code == 404
    assert "does not exist, or you may not see it" in missing.text
    nowhere = web_session.get("/no/such/page")
    assert nowhere.status_code == 404 and "<!doctype html>" in nowhere.text
    bad_id = web_session.get("/commitments/not-a-uuid")
    assert bad_id.status_code == 400 and "Traceback" not in bad_id.text


def test_api_down_is_a_readable_503(stack: Stack, tmp_path: Any) -> None:
    from tests.live_api import free_port, start_web, stop, wait_until_up

    web = start_web(
        f"http://127.0.0.1:{free_port()}",
        tmp_path / "web.log",
        env={"ITPP_WEB_VAR_DIR": str(stack.root / "var")},
    )
    try:
        wait_until_up(web, "/healthz")
        client = httpx.Client(base_url=web.base_url, cookies={"itpp_session": "itpp_x"})
        response = client.get("/plans", headers={"Accept-Language": "en"})
        assert response.status_code == 503
        assert "cannot be reached" in response.text
    finally:
        stop(web)


def test_dashboard_and_detail_fragments_match_their_pages(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "viewer")
    page = web_session.get(f"/plans/{active_plan_id}")
    fragment = web_session.get(f"/plans/{active_plan_id}", headers=HTMX)
    assert fragment.text.lstrip().startswith('<section id="dashboard"')
    assert "<html" not in fragment.text
    start = page.text.index('<section id="dashboard"')
    end = page.text.index("</main>")
    # The same markup, whether it came alone or inside the page.
    assert page.text[start:end].strip() == fragment.text.strip()
    commitment = _first_commitment(stack, active_plan_id)
    detail = web_session.get(f"/commitments/{commitment['id']}")
    detail_fragment = web_session.get(f"/commitments/{commitment['id']}", headers=HTMX)
    assert detail_fragment.text.lstrip().startswith('<article id="commitment"')
    assert (
        commitment["reference"] in detail.text and commitment["reference"] in detail_fragment.text
    )


def test_create_form_creates_or_re_renders_with_the_api_errors(
    stack: Stack, web_session: WebSession
) -> None:
    plan_id, _ = draft_plan_with_markup(stack)
    web_session.sign_in("NATO", "editor")
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        area_id = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]["id"]
        nato_id = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "NATO")
    token = web_session.csrf(f"/plans/{plan_id}/commitments/new")
    form = {
        "csrf_token": token,
        "title.en": "Joint table-top exercise",
        "priority_area_id": area_id,
        "modality": "exercise_participation",
        "lead_party_id": nato_id,
        "start_date": "2027-05-01",
        "due_date": "2027-03-01",  # before the start: the API refuses it
        "visibility": "shared",
    }
    refused = web_session.post(f"/plans/{plan_id}/commitments/new", data=form)
    assert refused.status_code == 422
    assert 'value="Joint table-top exercise"' in refused.text  # nothing typed is lost
    assert 'class="form-error"' in refused.text
    not_a_date = web_session.post(
        f"/plans/{plan_id}/commitments/new", data={**form, "due_date": "soon"}
    )
    assert not_a_date.status_code == 422 and 'id="due_date-error"' in not_a_date.text
    created = web_session.post(
        f"/plans/{plan_id}/commitments/new", data={**form, "due_date": "2027-09-30"}
    )
    assert created.status_code == 303
    detail = web_session.get(created.headers["location"])
    assert "Joint table-top exercise" in detail.text
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        titles = [c["title"] for c in api.get(f"/plans/{plan_id}/commitments").json()["items"]]
    assert {"en": "Joint table-top exercise"} in titles


def test_new_approver_sets_up_the_second_factor_then_signs_in_with_it(
    stack: Stack, web_session: WebSession
) -> None:
    import pyotp

    email = f"approver-{uuid.uuid4().hex[:8]}@mofa.example"
    password = "quiet harbour lantern seventeen"
    with stack.api_client(stack.api_token("JP", "admin")) as api:
        created = api.post(
            "/users",
            json={
                "email": email,
                "display_name": "New approver",
                "role": "approver",
                "preferred_language": "en",
                "password": password,
            },
        )
        assert created.status_code == 201, created.text
    token = web_session.csrf()
    first = web_session.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password}
    )
    assert first.status_code == 303 and first.headers["location"] == "/second-factor"
    assert "itpp_session" not in first.headers.get("set-cookie", "")
    page = web_session.get("/second-factor")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert secret
    csrf = CSRF_INPUT.search(page.text)
    assert csrf
    uri = re.search(r'name="provisioning_uri" value="([^"]+)"', page.text)
    assert uri
    wrong = web_session.post(
        "/second-factor",
        data={
            "csrf_token": csrf.group(1),
            "code": "000000",
            "secret": secret.group(1),
            "provisioning_uri": uri.group(1).replace("&amp;", "&"),
        },
    )
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
    step = int(time.time() // TOTP_INTERVAL)
    confirmed = web_session.post(
        "/second-factor",
        data={
            "csrf_token": csrf.group(1),
            "code": pyotp.TOTP(secret.group(1)).at(step * TOTP_INTERVAL),
            "secret": secret.group(1),
            "provisioning_uri": uri.group(1),
        },
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/sign-in?enrolled=1"
    # From now on the code is required, and with it the approver is in.
    again = web_session.post(
        "/sign-in", data={"csrf_token": token, "email": email, "password": password}
    )
    assert again.status_code == 401 and re.search(r'id="otp"[^>]*required', again.text)
    login = {"email": email, "password": password, "totp_secret": secret.group(1)}
    # A code of a later step than the confirmation's (never a replay): the API accepts the next
    # step, so there is no wait for the clock.
    stack.otp_steps[email] = step
    signed_in = web_session.post(
        "/sign-in",
        data={"csrf_token": token, "email": email, "password": password, "otp": stack.otp(login)},
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/plans"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_never_sends_the_browser_to_another_site(
    stack: Stack, web_session: WebSession, target: str
) -> None:
    login = stack.login("JP", "viewer")
    response = web_session.post(
        "/sign-in",
        data={
            "csrf_token": web_session.csrf(),
            "email": login["email"],
            "password": login["password"],
            "next": target,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/plans"


def test_a_superseded_plan_does_not_count_its_reviews_as_overdue(
    stack: Stack, web_session: WebSession
) -> None:
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        plans = api.get("/plans", params={"status": "superseded"}).json()["items"]
    assert plans
    web_session.sign_in("NATO", "viewer")
    page = web_session.get(f"/plans/{plans[0]['id']}", headers={"Accept-Language": "en"}).text
    assert "No review is scheduled." in page
    assert "days overdue" not in page
    listed = web_session.get(
        f"/plans/{plans[0]['id']}/reviews", headers={"Accept-Language": "en"}
    ).text
    assert "will not be held: the plan is no longer in force" in listed
    assert "overdue" not in listed
