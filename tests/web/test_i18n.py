"""Both languages: every interface string has a confirmed Japanese translation, and pages
come in the reader's language with dates and numbers written the local way."""

from __future__ import annotations

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
