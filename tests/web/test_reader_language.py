"""Every message a Japanese reader sees is Japanese: every page reachable from the plans list
and the error states of the forms, rendered in Japanese, show no enumeration token
(`in_progress`), no record id, and none of the API's English messages. Field errors stand
beside their fields and are listed, linked, in the form's error summary."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from itpp_api import enums
from itpp_web.labels import LABELS
from tests.web.conftest import Stack, WebSession, draft_plan_with_markup

JA = {"Accept-Language": "ja"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# Words of the API's English validation messages (pydantic's and its own).
API_ENGLISH = (
    "Input should be",
    "Field required",
    "cannot be before",
    "String should have",
    "value is not a valid",
    "must be a date",
    "Value error",
    "not a valid",
    "Plan approved",
    "body:",
    "query:",
    # The reasons the API records for plan versions.
    "Recorded as approved",
    "Recorded as superseded",
    "In force by amendment",
    "Terminated by amendment",
    " applied: ",
)
# Pages not to open while crawling: they write, sign out, download, or stream.
SKIPPED = re.compile(
    r"^/(sign-out|static/|api/|live|events)|/(export|download|feed)\b|\.(pdf|csv|ics|json|md|docx|odt)$"
)
MAX_PAGES = 80


def _enum_tokens() -> set[str]:
    tokens: set[str] = set()
    for table in LABELS.values():
        tokens.update(table)
    for value in vars(enums).values():
        if isinstance(value, type) and issubclass(value, enums.StrEnum):
            tokens.update(str(member.value) for member in value)
    return {token for token in tokens if token and token.isascii()}


TOKENS = _enum_tokens()
SNAKE_TOKENS = sorted(token for token in TOKENS if "_" in token)
SNAKE = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, SNAKE_TOKENS)) + r")(?![\w-])")


class _Visible(HTMLParser):
    """The text nodes a reader sees (not scripts, styles or templates), each with whether it
    stands inside an element marked as another language than Japanese."""

    HIDDEN: ClassVar[frozenset[str]] = frozenset({"script", "style", "template", "noscript"})
    VOID: ClassVar[frozenset[str]] = frozenset(
        {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # tag, hidden, foreign language
        self.texts: list[tuple[str, bool]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        if tag in self.VOID:
            return
        hidden = tag in self.HIDDEN or (bool(self.stack) and self.stack[-1][1])
        lang = attributes.get("lang")
        foreign = (lang is not None and not lang.startswith("ja")) or (
            lang is None and bool(self.stack) and self.stack[-1][2]
        )
        self.stack.append((tag, hidden, foreign))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not (self.stack and self.stack[-1][1]):
            self.texts.append((data.strip(), bool(self.stack) and self.stack[-1][2]))


def _read(html: str) -> _Visible:
    parser = _Visible()
    parser.feed(html)
    return parser


def leaks(html: str) -> list[str]:
    """What of a page is not in the reader's language: ids, enumeration tokens (alone as a
    text, or in snake case anywhere), the API's English messages."""
    found = []
    for text, foreign in _read(html).texts:
        if UUID.search(text):
            found.append(f"id: {text[:120]}")
        if SNAKE.search(text):
            found.append(f"token: {text[:120]}")
        if text in TOKENS and not foreign:
            found.append(f"token alone: {text}")
        # Marked English or not: the API's own words are never shown to a Japanese reader.
        if any(marker in text for marker in API_ENGLISH):
            found.append(f"API English: {text[:120]}")
    return found


def _crawl(session: WebSession, start: list[str]) -> dict[str, list[str]]:
    """Every page linked from `start` (breadth first, at most MAX_PAGES), with its leaks."""
    queue = list(start)
    seen: set[str] = set()
    # One page of a kind is enough: /commitments/<id> stands for all of them.
    kinds: set[str] = set()
    found: dict[str, list[str]] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        kind = UUID.sub("<id>", urlsplit(path).path)
        if path in seen or kind in kinds:
            continue
        seen.add(path)
        kinds.add(kind)
        response = session.get(path, headers=JA)
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            continue
        assert '<html lang="ja"' in response.text, path
        page = _read(response.text)
        problems = leaks(response.text)
        if problems:
            found[path] = problems
        for href in page.links:
            target = href.split("#", 1)[0]
            if (
                target.startswith("/")
                and not target.startswith("//")
                and not SKIPPED.search(urlsplit(target).path)
            ):
                queue.append(target)
    assert len(seen) >= 25, f"the crawl reached only {sorted(seen)}"
    return found


def test_leak_check_finds_tokens_ids_and_api_english() -> None:
    """The check itself: each kind of leak is caught, Japanese and English-marked text are not."""
    assert leaks("<p>状態 in_progress</p>")
    assert leaks("<td>on_track</td>")
    assert leaks("<span class='badge'>planned</span>")
    assert leaks("<li>3f1c2d4e-1111-4a2b-9c3d-0123456789ab</li>")
    assert leaks("<p>body: due_date cannot be before start_date</p>")
    assert leaks("<p lang='en'>Plan approved</p>")
    assert leaks("<small lang='en'>Recorded as approved (agreed outside ITPP Tracker)</small>")
    assert not leaks("<p>状態 進行中</p><p lang='en'>planned</p><script>x='on_track'</script>")


def test_every_page_in_japanese_shows_no_token_id_or_api_english(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "editor")
    start = ["/plans", f"/plans/{active_plan_id}", "/inbox", "/me", "/search?q=サイバー"]
    found = _crawl(web_session, start)
    assert not found, found
    # The plan document (the API's rendering, in the document's language) names its status.
    document = web_session.get(f"/plans/{active_plan_id}/document?lang=ja", headers=JA)
    assert "状態: 発効中" in document.text and not leaks(document.text)
    markdown = web_session.get(f"/plans/{active_plan_id}/document.md?lang=ja", headers=JA)
    assert markdown.status_code == 200 and "状態: 発効中" in markdown.text
    assert not re.search(r"状態: [a-z_]+", markdown.text)


def _error_items(html: str) -> list[tuple[str, str]]:
    """The error summary's entries: (link target, text)."""
    box = re.search(r'<ul class="error-summary-list">(.*?)</ul>', html, re.S)
    assert box, "no error summary list"
    return [
        (target, re.sub(r"<[^>]+>", "", text).strip())
        for target, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', box.group(1), re.S)
    ]


def test_commitment_form_errors_stand_beside_their_fields_in_japanese(
    stack: Stack, web_session: WebSession
) -> None:
    plan_id, _ = draft_plan_with_markup(stack)
    web_session.sign_in("JP", "editor")
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        area_id = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]["id"]
        jp_id = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "JP")
    form = {
        "csrf_token": web_session.csrf(f"/plans/{plan_id}/commitments/new"),
        "title.ja": "机上演習",
        "priority_area_id": area_id,
        "modality": "exercise_participation",
        "lead_party_id": jp_id,
        "start_date": "2027-05-01",
        "due_date": "2027-03-01",  # before the start: the API refuses it
        "visibility": "shared",
    }
    refused = web_session.post(f"/plans/{plan_id}/commitments/new", data=form, headers=JA)
    assert refused.status_code == 422
    assert not leaks(refused.text), leaks(refused.text)
    before_start = "この日付を開始日より前にすることはできません。"
    assert f'<small class="field-error" id="due_date-error">{before_start}' in refused.text
    assert ("due_date", "期日: この日付を開始日より前にすることはできません。") in _error_items(
        refused.text
    )
    assert 'role="alert" id="form-problem" tabindex="-1"' in refused.text
    # A value the API reads as no date at all (the year out of its range).
    far = web_session.post(
        f"/plans/{plan_id}/commitments/new",
        data={**form, "start_date": "", "due_date": "2400-01-01"},
        headers=JA,
    )
    assert far.status_code == 422
    assert not leaks(far.text), leaks(far.text)
    assert ("due_date", "期日: 1900 年から 2199 年までの日付を入力してください。") in _error_items(
        far.text
    )


def test_filter_errors_are_japanese_and_linked_to_the_filter(
    web_session: WebSession, active_plan_id: str
) -> None:
    web_session.sign_in("JP", "editor")
    response = web_session.get(
        f"/plans/{active_plan_id}/commitments?due_before=2400-01-01", headers=JA
    )
    assert response.status_code == 422
    assert not leaks(response.text), leaks(response.text)
    assert "この絞り込み条件は無効です。" in response.text
    assert [target for target, _ in _error_items(response.text)] == ["f-due-before"]
    exchanges = web_session.get(
        f"/plans/{active_plan_id}/exchanges?starts_before=2400-01-01", headers=JA
    )
    assert exchanges.status_code == 422 and not leaks(exchanges.text), leaks(exchanges.text)
    assert [target for target, _ in _error_items(exchanges.text)] == ["f-starts-before"]


def test_sign_in_errors_are_listed_and_linked(web_session: WebSession) -> None:
    token = web_session.csrf()
    response = web_session.post(
        "/sign-in", data={"csrf_token": token, "email": "", "password": ""}, headers=JA
    )
    assert response.status_code == 422
    assert [target for target, _ in _error_items(response.text)] == ["email", "password"]
    assert not leaks(response.text)


def test_english_readers_still_get_the_server_detail(
    web_session: WebSession, active_plan_id: str, stack: Stack
) -> None:
    """The API's own words stay available to English readers, in a details element."""
    web_session.sign_in("NATO", "editor")
    plan_id, _ = draft_plan_with_markup(stack)
    with stack.api_client(stack.api_token("NATO", "editor")) as api:
        area_id = api.get(f"/plans/{plan_id}/priority-areas").json()["items"][0]["id"]
        nato = next(p["id"] for p in api.get("/parties").json()["items"] if p["code"] == "NATO")
    form: dict[str, Any] = {
        "csrf_token": web_session.csrf(f"/plans/{plan_id}/commitments/new"),
        "title.en": "Table-top",
        "priority_area_id": area_id,
        "modality": "other",
        "lead_party_id": nato,
        "start_date": "2027-05-01",
        "due_date": "2027-03-01",
    }
    response = web_session.post(
        f"/plans/{plan_id}/commitments/new", data=form, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "This date cannot be before the start date." in response.text
    assert "cannot be before start_date" in response.text  # the detail, for English readers
    assert isinstance(response, httpx.Response)
