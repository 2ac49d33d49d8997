"""Both languages: every interface string has a confirmed Japanese translation, and pages
come in the reader's language with dates and numbers written the local way."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from itpp_web.i18n import Formatter, negotiate, pick_text
from tests.web.conftest import Stack, WebSession

WEB_DIR = Path(__file__).resolve().parents[2] / "services" / "web"
CATALOG = WEB_DIR / "itpp_web" / "locales" / "ja" / "LC_MESSAGES" / "messages.po"
METHODS = [
    ("itpp_web/**.py", "python"),
    ("itpp_web/templates/**.html", "jinja2"),
]
OPTIONS = {
    "itpp_web/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "True",
        "lstrip_blocks": "True",
    }
}


def _source_messages() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB_DIR), METHODS, options_map=OPTIONS, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_interface_string_has_a_confirmed_japanese_translation() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    in_source = _source_messages()
    assert len(in_source) > 150  # the extraction really read the templates and the code
    entries = {
        message.id if isinstance(message.id, str) else message.id[0]: message
        for message in catalog
        if message.id
    }
    missing = sorted(in_source - set(entries))
    assert not missing, f"not in the Japanese catalog (run `make messages`): {missing}"
    untranslated = sorted(
        key
        for key, message in entries.items()
        if key in in_source
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    )
    assert not untranslated, f"untranslated: {untranslated}"
    fuzzy = sorted(key for key, message in entries.items() if message.fuzzy)
    assert not fuzzy, f"fuzzy (unconfirmed) translations: {fuzzy}"
    problems = [(message.id, errors) for message, errors in catalog.check()]
    assert not problems, f"placeholders that do not match: {problems}"


def test_dates_and_numbers_follow_the_reader_language() -> None:
    ja, en = Formatter("ja"), Formatter("en")
    assert ja.date(date(2026, 3, 30)) == "2026/03/30"
    assert en.date(date(2026, 3, 30)) == "Mar 30, 2026"
    assert ja.number(12345) == "12,345" and en.percent(45.4) == "45%"
    assert ja.gettext("Sign in") != "Sign in"  # the compiled catalog is in use


def test_record_text_in_reader_language_with_marks() -> None:
    both = {"ja": "サイバー防衛", "en": "Cyber defence"}
    assert pick_text("en", both).text == "Cyber defence" and pick_text("en", both).mark is None
    only_ja = pick_text("en", {"ja": "サイバー防衛"})
    assert (only_ja.text, only_ja.language, only_ja.mark) == ("サイバー防衛", "ja", "fallback")
    stale = pick_text("en", both, {"title": {"source": "ja", "stale": ["en"]}})
    assert stale.mark == "stale" and stale.text == "Cyber defence"


def test_language_negotiation() -> None:
    assert negotiate("en-GB,en;q=0.9,ja;q=0.5", "ja") == "en"
    assert negotiate("fr-FR, ja;q=0.4", "en") == "ja"
    assert negotiate("fr", "ja") == "ja" and negotiate(None, "en") == "en"


def test_pages_follow_the_profile_and_the_switch(stack: Stack, web_session: WebSession) -> None:
    web_session.sign_in("JP", "viewer")  # a Japanese profile
    japanese = web_session.get("/plans")
    assert '<html lang="ja">' in japanese.text and "計画" in japanese.text
    token = web_session.csrf("/plans")
    switched = web_session.post(
        "/language", data={"csrf_token": token, "language": "en", "next": "/plans"}
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/plans"
    english = web_session.get("/plans")
    assert '<html lang="en">' in english.text and ">Plans<" in english.text
    # The choice is the user's profile language at the API: it follows them to a new browser.
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        assert api.get("/users/me").json()["preferred_language"] == "en"
        etag = api.get("/users/me").headers["etag"]
        api.patch("/users/me", json={"preferred_language": "ja"}, headers={"If-Match": etag})
    anonymous = WebSession(stack)
    assert (
        '<html lang="en">' in anonymous.get("/sign-in", headers={"Accept-Language": "en-US"}).text
    )
    assert '<html lang="ja">' in anonymous.get("/sign-in", headers={"Accept-Language": "ja"}).text


def test_stale_and_missing_translations_are_marked(stack: Stack, web_session: WebSession) -> None:
    from tests.web.conftest import draft_plan_with_markup

    plan_id, only_japanese = draft_plan_with_markup(stack)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area_id = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]["id"]
        japan = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
        created = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area_id,
                "title": {"ja": "原文", "en": "Original text"},
                "modality": "other",
                "lead_party_id": japan,
            },
        ).json()
        changed = api.patch(
            f"/commitments/{created['id']}",
            json={"title": {"ja": "原文（改訂）", "en": "Original text"}},
            headers={"If-Match": created["etag"]},
        )
        assert changed.json()["translations"]["title"]["stale"] == ["en"]
    web_session.sign_in("NATO", "viewer")  # reads English
    stale = web_session.get(f"/commitments/{created['id']}").text
    assert '<span lang="en">Original text</span> <abbr class="lang-mark stale"' in stale
    missing = web_session.get(f"/commitments/{only_japanese}").text
    assert re.search(
        r'<span lang="ja">[^<]*</span> <abbr class="lang-mark" [^>]*>JA</abbr>', missing
    )


def test_an_editor_confirms_an_outdated_translation(stack: Stack, web_session: WebSession) -> None:
    from tests.web.conftest import CSRF_INPUT, draft_plan_with_markup

    plan_id, _ = draft_plan_with_markup(stack)
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        area_id = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]["id"]
        nato = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "NATO")
        created = api.post(
            f"/plans/{plan_id}/commitments",
            json={
                "priority_area_id": area_id,
                "title": {"en": "Staff talks", "ja": "幕僚協議"},
                "source_languages": {"title": "en"},
                "modality": "other",
                "lead_party_id": nato,
            },
        ).json()
        api.patch(
            f"/commitments/{created['id']}",
            json={"title": {"en": "Staff talks (annual)", "ja": "幕僚協議"}},
            headers={"If-Match": created["etag"]},
        )
    web_session.sign_in("NATO", "editor")
    form = web_session.get(f"/commitments/{created['id']}/edit").text
    assert 'name="reviewed.title" value="ja"' in form
    from itpp_web.forms import commitment_values

    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        current = api.get(f"/commitments/{created['id']}").json()
    fields = {**commitment_values(current), "etag": current["etag"]}
    token = CSRF_INPUT.search(form)
    assert token
    saved = web_session.post(
        f"/commitments/{created['id']}/edit",
        data={
            **fields,
            "csrf_token": token.group(1),
            "reviewed.title": "ja",
            "title.en": "Staff talks (annual)",
            "title.ja": "幕僚協議",
        },
    )
    assert saved.status_code == 303, saved.text[-2000:]
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        state = api.get(f"/commitments/{created['id']}").json()["translations"]["title"]
    assert state == {"source": "en", "stale": []}
