"""Attachments on the commitment and exchange pages without a browser (issue 20, item 6): the
plain form attaches a file (no JavaScript), the list shows it with its size, type, who and when,
the download goes through the web, deleting one's own asks first; a file that is too large or
of a kind not accepted is refused with the reason in the reader's language; the upload app.js
sends (the file's bytes as the body) is passed on and answered with the refreshed list; a closed
plan's files are read, never added or deleted, and a file missing from the store downloads as a
readable page."""

import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient

from itpp_web.app import create_app
from itpp_web.config import WebSettings
from tests.web.conftest import (
    CSRF_INPUT,
    Stack,
    WebSession,
    active_plan_of_our_own,
    terminate_plan,
)

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 8
JA = {"Accept-Language": "ja"}
EN = {"Accept-Language": "en"}
LIMIT = 50 * 1024 * 1024  # ITPP_ATTACHMENT_MAX_BYTES's default


def _commitment(stack: Stack) -> dict[str, Any]:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        return dict(api.get(f"/plans/{plan_id}/commitments").json()["items"][0])


def _form(page: str) -> dict[str, str]:
    form = page[page.index('class="attachment-form"') :]
    csrf = CSRF_INPUT.search(form)
    assert csrf
    return {"csrf_token": csrf.group(1)}


def _attach(
    web: WebSession, commitment_id: str, page: str, file: tuple[str, bytes, str], **extra: Any
) -> Any:
    return web.post(
        "/attachments/new",
        data={
            **_form(page),
            "parent_type": "commitment",
            "parent_id": commitment_id,
            "visibility": "shared",
        },
        files={"file": file},
        **extra,
    )


def test_the_plain_form_attaches_lists_downloads_and_deletes(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    assert page.status_code == 200, page.text
    assert "ファイル" in page.text and "まだファイルは添付されていません" in page.text
    minutes = ("協議議事録.pdf", PDF, "application/pdf")
    posted = _attach(web_session, commitment["id"], page.text, minutes, headers=JA)
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"].endswith("#attachments")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    assert "ファイルを添付しました" in page.text
    item = page.text[page.text.index('class="attachment-list"') :]
    assert "協議議事録.pdf" in item and "PDF" in item
    assert "KB" in item
    link = re.search(r'href="(/attachments/([0-9a-f-]+)/content)"', item)
    assert link
    download = web_session.get(link.group(1))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    # The other party sees it, but may not delete it: no delete button.
    nato = WebSession(stack)
    nato.sign_in("NATO", "editor")
    theirs = nato.get(f"/commitments/{commitment['id']}", headers=EN)
    assert "協議議事録.pdf" in theirs.text
    assert f'action="/attachments/{link.group(2)}/delete"' not in theirs.text
    # Deleting one's own asks first (without JavaScript, on a page of its own).
    form = item[item.index(f'action="/attachments/{link.group(2)}/delete"') :]
    etag = re.search(r'name="etag" value="([^"]+)"', form)
    assert etag
    fields = {**_form(page.text), "etag": etag.group(1).replace("&#34;", '"')}
    asked = web_session.post(f"/attachments/{link.group(2)}/delete", data=fields, headers=JA)
    assert asked.status_code == 200
    assert "このファイルを削除しますか" in asked.text
    deleted = web_session.post(
        f"/attachments/{link.group(2)}/delete", data={**fields, "confirm": "yes"}, headers=JA
    )
    assert deleted.status_code == 303, deleted.text
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    assert "ファイルを削除しました" in page.text
    assert "協議議事録.pdf" not in page.text
    assert web_session.get(link.group(1)).status_code == 404


def test_an_internal_file_is_badged_and_hidden_from_the_other_party(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=EN)
    posted = web_session.post(
        "/attachments/new",
        data={
            **_form(page.text),
            "parent_type": "commitment",
            "parent_id": commitment["id"],
            "visibility": "internal",
        },
        files={"file": ("our-notes.txt", "内部メモ".encode(), "text/plain")},
    )
    assert posted.status_code == 303, posted.text
    page = web_session.get(f"/commitments/{commitment['id']}", headers=EN)
    item = page.text[page.text.index('class="attachment-list"') :]
    assert "our-notes.txt" in item and 'class="comment-badge"' in item
    nato = WebSession(stack)
    nato.sign_in("NATO", "editor")
    assert "our-notes.txt" not in nato.get(f"/commitments/{commitment['id']}").text


def test_a_kind_not_accepted_is_refused_in_the_readers_language(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    refused = _attach(
        web_session, commitment["id"], page.text, ("tool.exe", EXE, "application/pdf"), headers=JA
    )
    assert refused.status_code == 415
    assert "ファイルは添付されませんでした" in refused.text
    assert "この種類のファイルは添付できません" in refused.text
    # NATO's editor reads the site in English.
    nato = WebSession(stack)
    nato.sign_in("NATO", "editor")
    page = nato.get(f"/commitments/{commitment['id']}", headers=EN)
    refused = _attach(
        nato, commitment["id"], page.text, ("tool.exe", EXE, "application/pdf"), headers=EN
    )
    assert refused.status_code == 415
    assert "The file was not attached" in refused.text
    assert "This kind of file cannot be attached" in refused.text
    # No file chosen: said so, nothing sent.
    empty = _attach(nato, commitment["id"], page.text, ("", b"", "application/pdf"))
    assert empty.status_code == 422
    assert "Choose a file to attach." in empty.text


def test_a_file_over_the_limit_is_refused_in_the_readers_language(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    web_session.sign_in("NATO", "editor")  # reads the site in English
    page = web_session.get(f"/commitments/{commitment['id']}", headers=EN)
    big = PDF + b"\0" * (LIMIT + 1 - len(PDF))
    refused = _attach(
        web_session, commitment["id"], page.text, ("huge.pdf", big, "application/pdf"), headers=EN
    )
    assert refused.status_code == 413
    assert "This file is too large to attach." in refused.text
    # The streamed upload (app.js): the same reason, in Japanese, as plain text.
    jp = WebSession(stack)
    jp.sign_in("JP", "editor")
    page = jp.get(f"/commitments/{commitment['id']}", headers=JA)
    streamed = jp.post(
        f"/attachments/upload?parent_type=commitment&parent_id={commitment['id']}",
        content=big,
        headers={
            **JA,
            "X-CSRF-Token": _form(page.text)["csrf_token"],
            "X-File-Name": "huge.pdf",
            "Content-Type": "application/pdf",
        },
    )
    assert streamed.status_code == 413
    assert streamed.text == "このファイルは大きすぎて添付できません。"


def test_the_streamed_upload_answers_with_the_refreshed_list(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/commitments/{commitment['id']}", headers=JA)
    name = "出席者名簿 (第2回).csv"
    answer = web_session.post(
        f"/attachments/upload?parent_type=commitment&parent_id={commitment['id']}"
        "&visibility=shared",
        content="氏名,所属\n山田,防衛省\n".encode(),
        headers={
            **JA,
            "X-CSRF-Token": _form(page.text)["csrf_token"],
            "X-File-Name": quote(name),
            "Content-Type": "text/csv",
        },
    )
    assert answer.status_code == 200, answer.text
    assert 'data-live-id="attachments"' in answer.text
    assert name in answer.text and "CSV" in answer.text
    assert "itpp-notice" in answer.headers["hx-trigger"]
    with stack.api_client(stack.api_token("NATO", "viewer")) as api:
        files = api.get(f"/commitments/{commitment['id']}/attachments").json()
    assert [f["file_name"] for f in files["items"]] == [name]
    assert files["items"][0]["created_by_name"]
    assert files["allowed_actions"] == []  # a viewer attaches nothing
    # Without the CSRF token: refused, nothing kept.
    refused = web_session.post(
        f"/attachments/upload?parent_type=commitment&parent_id={commitment['id']}",
        content=b"x",
        headers={"X-File-Name": "x.txt", "Content-Type": "text/plain"},
    )
    assert refused.status_code == 403


def test_the_exchange_page_offers_the_upload_form(
    stack: Stack, web_session: WebSession, active_plan_id: str
) -> None:
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        exchange = api.get(f"/plans/{active_plan_id}/exchanges").json()["items"][0]
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/exchanges/{exchange['id']}", headers=EN)
    assert page.status_code == 200, page.text
    assert 'id="attachments"' in page.text
    assert 'name="parent_type" value="exchange"' in page.text
    posted = web_session.post(
        "/attachments/new",
        data={
            **_form(page.text),
            "parent_type": "exchange",
            "parent_id": exchange["id"],
            "visibility": "shared",
        },
        files={"file": ("report.pdf", PDF, "application/pdf")},
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/exchanges/{exchange['id']}#attachments"
    assert "report.pdf" in web_session.get(f"/exchanges/{exchange['id']}").text
    # A viewer sees the files but no form.
    viewer = WebSession(stack)
    viewer.sign_in("JP", "viewer")
    theirs = viewer.get(f"/exchanges/{exchange['id']}")
    assert "report.pdf" in theirs.text
    assert 'class="attachment-form"' not in theirs.text


def test_the_review_page_lists_and_takes_files(stack: Stack, web_session: WebSession) -> None:
    plan_id = active_plan_of_our_own(stack, commitments=1)
    with stack.api_client(stack.api_token("JP", "editor")) as api:
        review = api.get(f"/plans/{plan_id}/reviews").json()["items"][0]
        opened = api.post(f"/reviews/{review['id']}/open")
        assert opened.status_code == 200, opened.text
    web_session.sign_in("JP", "editor")
    page = web_session.get(f"/reviews/{review['id']}", headers=JA)
    assert page.status_code == 200, page.text
    assert 'name="parent_type" value="review"' in page.text
    posted = web_session.post(
        "/attachments/new",
        data={
            **_form(page.text),
            "parent_type": "review",
            "parent_id": review["id"],
            "visibility": "shared",
        },
        files={"file": ("見直し会合議事録.pdf", PDF, "application/pdf")},
        headers=JA,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/reviews/{review['id']}#attachments"
    page = web_session.get(f"/reviews/{review['id']}", headers=JA)
    assert "見直し会合議事録.pdf" in page.text
    assert "ファイルを添付しました" in page.text


def _stored_file(stack: Stack, content: bytes) -> Path:
    """The file the API's filesystem store keeps with these bytes."""
    found = [
        path
        for path in (stack.root / "var" / "attachments").rglob("*")
        if path.is_file() and path.read_bytes() == content
    ]
    assert len(found) == 1, found
    return found[0]


def test_a_closed_plans_files_are_read_but_neither_added_nor_deleted(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    path = f"/commitments/{commitment['id']}"
    web_session.sign_in("JP", "editor")
    page = web_session.get(path, headers=JA)
    content = PDF + b"% closed plan\n"
    posted = _attach(web_session, commitment["id"], page.text, ("kept.pdf", content, "x"))
    assert posted.status_code == 303, posted.text
    page = web_session.get(path, headers=JA)
    link = re.search(r'href="(/attachments/([0-9a-f-]+)/content)"', page.text)
    assert link and f'action="/attachments/{link.group(2)}/delete"' in page.text
    etag = re.search(r'name="etag" value="([^"]+)"', page.text[page.text.index(link.group(1)) :])
    assert etag
    terminate_plan(stack, commitment["plan_id"])

    # The page offers neither the upload form nor the delete button; the file still downloads.
    closed = web_session.get(path, headers=JA)
    assert "kept.pdf" in closed.text
    assert 'class="attachment-form"' not in closed.text
    assert f'action="/attachments/{link.group(2)}/delete"' not in closed.text
    assert web_session.get(link.group(1)).content == content
    # A form drawn before the end is refused in the reader's language, nothing kept.
    refused = _attach(web_session, commitment["id"], page.text, ("late.pdf", PDF, "x"), headers=JA)
    assert refused.status_code == 409
    assert "ファイルは添付されませんでした" in refused.text
    assert "この計画はすでに効力を失っており、変更は受け付けられません。" in refused.text
    assert f'href="{path}#attachments"' in refused.text
    streamed = web_session.post(
        f"/attachments/upload?parent_type=commitment&parent_id={commitment['id']}",
        content=PDF,
        headers={
            "X-CSRF-Token": _form(page.text)["csrf_token"],
            "X-File-Name": "late.pdf",
            "Content-Type": "application/pdf",
        },
    )
    assert streamed.status_code == 409
    assert streamed.text == "この計画はすでに効力を失っており、変更は受け付けられません。"
    deleted = web_session.post(
        f"/attachments/{link.group(2)}/delete",
        data={**_form(page.text), "etag": etag.group(1).replace("&#34;", '"'), "confirm": "yes"},
    )
    assert deleted.status_code == 409
    assert "ファイルは削除されませんでした" in deleted.text
    assert "この計画はすでに効力を失っており" in deleted.text
    # NATO's editor reads the site in English: the refusal too.
    nato = WebSession(stack)
    nato.sign_in("NATO", "editor")
    refused = nato.post(
        "/attachments/new",
        data={
            "csrf_token": nato.csrf(path),
            "parent_type": "commitment",
            "parent_id": commitment["id"],
            "visibility": "shared",
        },
        files={"file": ("late.pdf", PDF, "application/pdf")},
    )
    assert refused.status_code == 409
    assert "The file was not attached" in refused.text
    assert "This plan is no longer in force: it takes no more changes." in refused.text
    with stack.api_client(stack.api_token("JP", "viewer")) as api:
        files = api.get(f"/commitments/{commitment['id']}/attachments").json()
    assert [f["file_name"] for f in files["items"]] == ["kept.pdf"]


def test_a_file_missing_from_the_store_downloads_as_a_readable_page(
    stack: Stack, web_session: WebSession
) -> None:
    commitment = _commitment(stack)
    path = f"/commitments/{commitment['id']}"
    web_session.sign_in("JP", "editor")
    page = web_session.get(path)
    content = PDF + b"% soon lost\n"
    posted = _attach(web_session, commitment["id"], page.text, ("lost.pdf", content, "x"))
    assert posted.status_code == 303, posted.text
    link = re.search(r'href="(/attachments/[0-9a-f-]+/content)"', web_session.get(path).text)
    assert link
    _stored_file(stack, content).unlink()  # lost outside the application

    nato = WebSession(stack)
    nato.sign_in("NATO", "editor")  # reads the site in English
    for reader, heading, message in (
        (
            web_session,
            "ファイルをダウンロードできません",
            "このファイルはファイル保管庫にありません。",
        ),
        (nato, "The file cannot be downloaded", "This file is missing from the file store."),
    ):
        download = reader.get(link.group(1))
        assert download.status_code == 410
        assert download.headers["content-type"].startswith("text/html")
        assert heading in download.text and message in download.text
        assert f'href="{path}#attachments"' in download.text
    # The record stays listed.
    assert "lost.pdf" in web_session.get(path).text


def test_a_file_store_that_cannot_be_reached_is_said_readably_with_retry_after(
    tmp_path: Path,
) -> None:
    """The API's 503 for its file store (S3 down): the download is a page in the reader's
    language with the way back and the API's Retry-After (before: the API-unreachable page)."""
    attachment_id, commitment_id = uuid.UUID(int=1), uuid.UUID(int=2)

    def api(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/users/me"):
            return httpx.Response(200, json={"id": str(uuid.UUID(int=3)), "display_name": "T"})
        if path.endswith(f"/attachments/{attachment_id}/content"):
            return httpx.Response(
                503,
                headers={"Content-Type": "application/problem+json", "Retry-After": "7"},
                json={
                    "type": "/problems/service-unavailable",
                    "title": "Service unavailable",
                    "status": 503,
                    "detail": "The attachment store cannot be reached.",
                },
            )
        if path.endswith(f"/attachments/{attachment_id}"):
            return httpx.Response(
                200,
                json={
                    "id": str(attachment_id),
                    "plan_id": str(uuid.UUID(int=4)),
                    "parent_type": "commitment",
                    "parent_id": str(commitment_id),
                },
            )
        return httpx.Response(404, json={"type": "/problems/not-found", "status": 404})

    settings = WebSettings(api_url="http://api.invalid", var_dir=tmp_path, secret_key="k" * 32)
    app = create_app(settings, api_transport=httpx.MockTransport(api))
    with TestClient(app, cookies={"itpp_session": "itpp_" + "x" * 43}) as client:
        for headers, heading, message in (
            (JA, "ファイルをダウンロードできません", "現在、ファイルを保存または取得できません。"),
            (EN, "The file cannot be downloaded", "Files cannot be stored or fetched right now."),
        ):
            page = client.get(f"/attachments/{attachment_id}/content", headers=headers)
            assert page.status_code == 503
            assert page.headers["retry-after"] == "7"
            assert heading in page.text and message in page.text
            assert f'href="/commitments/{commitment_id}#attachments"' in page.text
