"""Attachments (issue 20, item 1): uploads streamed to storage, checked by content, named
safely, hashed, downloaded as attachments, visible as their parent record is, and soft-deleted
with their hash kept in the audit log."""

import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from itpp_api.attachments.models import Attachment
from itpp_api.attachments.storage import get_storage
from itpp_api.audit.models import AuditEvent
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.enums import PlanStatus
from tests.conftest import Database
from tests.factories import (
    World,
    auth_headers,
    make_amendment,
    make_commitment,
    make_exchange,
    make_world,
    record_as_operator,
)
from tests.s3store import (
    STORES,
    S3Server,
    free_port,
    s3_server,  # noqa: F401  (a fixture)
    stored_keys,
    use_store,
)

API = "/api/v1"
PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@dataclass
class Store:
    """The store a test's attachments go to: `kind` (filesystem or s3) and where."""

    kind: str
    where: str
    server: S3Server | None

    def keys(self) -> list[str]:
        return stored_keys(self.kind, self.where, self.server)


@pytest.fixture(params=STORES)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """Each test runs on the filesystem store and on an S3 bucket (a real server, moto's)."""
    server = request.getfixturevalue("s3_server") if request.param == "s3" else None
    with pytest.MonkeyPatch.context() as patch:
        root = tmp_path_factory.mktemp("attachments")
        yield Store(
            request.param, use_store(patch, request.param, root=root, server=server), server
        )
    get_settings.cache_clear()


@pytest.fixture
def world(db: Database, store: Store) -> World:
    return make_world()


def _upload(
    client: TestClient,
    path: str,
    content: bytes,
    name: str = "report.pdf",
    *,
    visibility: str | None = None,
    headers: dict[str, str] | None = None,
) -> object:
    params = {"visibility": visibility} if visibility else None
    return client.post(
        f"{API}{path}/attachments",
        files={"file": (name, content, "application/octet-stream")},
        params=params,
        headers=headers,
    )


def _office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(f"{folder}/document.xml", "<document/>")
    return buffer.getvalue()


def test_an_uploaded_pdf_comes_back_byte_for_byte_with_its_hash(
    client: TestClient, world: World
) -> None:
    commitment = make_commitment(world)
    response = _upload(client, f"/commitments/{commitment}", PDF, "活動報告 2026.pdf")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "application/pdf"
    assert body["file_name"] == "活動報告 2026.pdf"
    assert body["size_bytes"] == len(PDF)
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert response.headers["location"] == f"/api/v1/attachments/{body['id']}"

    listed = client.get(f"{API}/commitments/{commitment}/attachments").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert client.get(f"{API}/attachments/{body['id']}").json()["sha256"] == body["sha256"]

    download = client.get(f"{API}/attachments/{body['id']}/content")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%B4%BB%E5%8B%95%E5%A0%B1%E5%91%8A%202026.pdf" in disposition


def test_html_named_to_climb_out_is_kept_as_text_under_a_safe_name(
    client: TestClient, world: World
) -> None:
    commitment = make_commitment(world)
    html = b"<html><script>alert(document.cookie)</script></html>"
    response = _upload(client, f"/commitments/{commitment}", html, "../../x.html")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_name"] == "x.html.txt"
    assert body["content_type"].startswith("text/plain")
    download = client.get(f"{API}/attachments/{body['id']}/content")
    assert download.content == html
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"].startswith('attachment; filename="x.html.txt"')
    assert download.headers["x-content-type-options"] == "nosniff"
    # Nothing was written outside the storage directory.
    root = get_settings().attachment_directory
    assert not (root.parent / "x.html").exists()
    assert not (root.parent.parent / "x.html").exists()


@pytest.mark.parametrize(
    ("content", "name", "media_type"),
    [
        (PNG, "photo.pdf", "image/png"),  # the content decides, not the name
        (b"\xff\xd8\xff\xe0" + bytes(32), "scan", "image/jpeg"),
        (b"GIF89a" + bytes(16), "a.gif", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(16), "a.webp", "image/webp"),
        (_office("word"), "minutes.docx", "wordprocessingml"),
        (_office("xl"), "attendance.bin", "spreadsheetml"),
        (_office("ppt"), "briefing.pptx", "presentationml"),
        ("参加者,所属\n山田,防衛省\n".encode(), "attendance.csv", "text/csv"),
        (b"plain notes\n", "notes.txt", "text/plain"),
    ],
)
def test_the_type_is_read_from_the_content(
    client: TestClient, world: World, content: bytes, name: str, media_type: str
) -> None:
    commitment = make_commitment(world)
    response = _upload(client, f"/commitments/{commitment}", content, name)
    assert response.status_code == 201, response.text
    assert media_type in response.json()["content_type"]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00" + bytes(64), "report.pdf"),  # an executable named as a PDF
        (b"\x00\x01\x02binary", "data.csv"),
        (_office("other"), "archive.docx"),  # a zip that is no Office document
    ],
)
def test_a_file_of_no_allowed_type_is_refused_and_nothing_is_kept(
    client: TestClient, world: World, store: Store, content: bytes, name: str
) -> None:
    commitment = make_commitment(world)
    response = _upload(client, f"/commitments/{commitment}", content, name)
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM
    with transaction(write=False) as session:
        assert session.scalars(select(Attachment)).first() is None
    assert store.keys() == []


def test_a_file_over_the_limit_is_refused_with_413_and_nothing_is_kept(
    client: TestClient, world: World, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITPP_ATTACHMENT_MAX_BYTES", "2048")
    get_settings.cache_clear()
    commitment = make_commitment(world)
    assert _upload(client, f"/commitments/{commitment}", b"a" * 2048, "a.txt").status_code == 201
    response = _upload(client, f"/commitments/{commitment}", b"a" * 2049, "b.txt")
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    names = [
        i["file_name"]
        for i in client.get(f"{API}/commitments/{commitment}/attachments").json()["items"]
    ]
    assert names == ["a.txt"]
    assert len(store.keys()) == 1


def test_an_internal_attachment_does_not_exist_for_the_other_party(
    client: TestClient, world: World
) -> None:
    commitment = make_commitment(world)
    nato = auth_headers("NATO", "editor")
    shared = _upload(client, f"/commitments/{commitment}", PDF, "shared.pdf").json()
    internal = _upload(
        client, f"/commitments/{commitment}", PDF, "internal.pdf", visibility="internal"
    ).json()
    assert internal["visibility"] == "internal"
    # Japan sees both.
    mine = client.get(f"{API}/commitments/{commitment}/attachments").json()["items"]
    assert {i["id"] for i in mine} == {shared["id"], internal["id"]}
    # NATO sees the shared one only, and the internal one is missing like an unknown id.
    theirs = client.get(f"{API}/commitments/{commitment}/attachments", headers=nato).json()
    assert [i["id"] for i in theirs["items"]] == [shared["id"]]
    unknown = uuid.uuid4()
    for suffix in ("", "/content"):
        hidden = client.get(f"{API}/attachments/{internal['id']}{suffix}", headers=nato)
        missing = client.get(f"{API}/attachments/{unknown}{suffix}", headers=nato)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["title"] == missing.json()["title"]
    refused = client.delete(
        f"{API}/attachments/{internal['id']}", headers={**nato, "If-Match": internal["etag"]}
    )
    assert refused.status_code == 404
    # Nor does its audit event reach NATO; the shared one's does.
    events = client.get(f"{API}/audit-events", headers=nato, params={"limit": 200})
    assert events.status_code == 200, events.text
    ids = {event["entity_id"] for event in events.json()["items"]}
    assert shared["id"] in ids
    assert internal["id"] not in ids


def test_an_attachment_of_an_internal_commitment_is_internal_and_hidden_with_it(
    client: TestClient, world: World
) -> None:
    commitment = make_commitment(world, visibility="internal")
    body = _upload(client, f"/commitments/{commitment}", PDF).json()
    assert body["visibility"] == "internal"
    nato = auth_headers("NATO", "editor")
    assert client.get(f"{API}/attachments/{body['id']}", headers=nato).status_code == 404
    assert (
        client.get(f"{API}/commitments/{commitment}/attachments", headers=nato).status_code == 404
    )


def test_a_viewer_cannot_attach_and_the_other_party_can_attach_shared_files(
    client: TestClient, world: World
) -> None:
    commitment = make_commitment(world)
    viewer = auth_headers("JP", "viewer")
    assert _upload(client, f"/commitments/{commitment}", PDF, headers=viewer).status_code == 403
    nato = auth_headers("NATO", "editor")
    theirs = _upload(client, f"/commitments/{commitment}", PDF, headers=nato)
    assert theirs.status_code == 201
    # Japan sees NATO's shared file but cannot delete it.
    body = theirs.json()
    deleted = client.delete(f"{API}/attachments/{body['id']}", headers={"If-Match": body["etag"]})
    assert deleted.status_code == 403


def test_soft_delete_needs_if_match_hides_the_file_and_keeps_its_hash_in_the_audit_log(
    client: TestClient, world: World, store: Store
) -> None:
    commitment = make_commitment(world)
    body = _upload(client, f"/commitments/{commitment}", PDF).json()
    assert client.delete(f"{API}/attachments/{body['id']}").status_code == 428
    stale = client.delete(f"{API}/attachments/{body['id']}", headers={"If-Match": '"x-1"'})
    assert stale.status_code == 412
    gone = client.delete(f"{API}/attachments/{body['id']}", headers={"If-Match": body["etag"]})
    assert gone.status_code == 204
    assert client.get(f"{API}/attachments/{body['id']}").status_code == 404
    assert client.get(f"{API}/attachments/{body['id']}/content").status_code == 404
    assert client.get(f"{API}/commitments/{commitment}/attachments").json()["items"] == []
    assert len(store.keys()) == 1  # the file stays in the store
    with transaction(write=False) as session:
        row = session.get(Attachment, uuid.UUID(body["id"]))
        assert row is not None and row.deleted_at is not None
        assert row.sha256 == body["sha256"]
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == row.id).order_by(AuditEvent.seq)  # type: ignore[arg-type]
        ).all()
    assert [e.action for e in events] == ["create", "delete"]
    assert events[0].after is not None and events[0].after["sha256"] == body["sha256"]
    assert events[1].after is not None
    assert events[1].after["deleted_file"]["sha256"] == body["sha256"]


def test_every_kind_of_parent_takes_attachments(client: TestClient, world: World) -> None:
    shared = make_commitment(world, reference="CYB-01")
    hidden = make_commitment(
        world, reference="CYB-NATO-01", lead_party_id=world.nato, visibility="internal"
    )
    exchange = make_exchange(world)
    amendment = make_amendment(world, [{"op": "change_term", "term_months": 30}])
    review = client.get(f"{API}/plans/{world.plan}/reviews").json()["items"][0]
    opened = client.post(f"{API}/reviews/{review['id']}/open")
    assert opened.status_code == 200, opened.text
    (item,) = [i for i in opened.json()["items"] if i["commitment"]["id"] == str(shared)]
    paths = (
        f"/exchanges/{exchange}",
        f"/amendments/{amendment}",
        f"/reviews/{review['id']}",
        f"/reviews/{review['id']}/items/{item['id']}",
    )
    for path in paths:
        response = _upload(client, path, PDF)
        assert response.status_code == 201, (path, response.text)
        assert response.json()["parent_type"] in path.split("/")[-2].replace("items", "review_item")
        listed = client.get(f"{API}{path}/attachments").json()["items"]
        assert [i["id"] for i in listed] == [response.json()["id"]]
    # NATO's item of its internal commitment: Japan cannot list nor attach (404, as unknown).
    nato = auth_headers("NATO", "editor")
    nato_view = client.get(f"{API}/reviews/{review['id']}", headers=nato).json()
    (secret_item,) = [i for i in nato_view["items"] if i["commitment"]["id"] == str(hidden)]
    secret_path = f"{API}/reviews/{review['id']}/items/{secret_item['id']}/attachments"
    theirs = _upload(
        client, secret_path.removeprefix(API).removesuffix("/attachments"), PDF, headers=nato
    )
    assert theirs.status_code == 201
    assert theirs.json()["visibility"] == "internal"
    assert client.get(secret_path).status_code == 404
    assert client.get(f"{API}/attachments/{theirs.json()['id']}").status_code == 404
    assert (
        _upload(client, secret_path.removeprefix(API).removesuffix("/attachments"), PDF).status_code
        == 404
    )


def test_a_body_that_is_not_multipart_is_refused(client: TestClient, world: World) -> None:
    commitment = make_commitment(world)
    response = client.post(f"{API}/commitments/{commitment}/attachments", content=PDF)
    assert response.status_code == 415
    missing = client.post(
        f"{API}/commitments/{commitment}/attachments", files={"other": ("a.pdf", PDF)}
    )
    assert missing.status_code == 400


def test_the_list_says_who_attached_and_what_each_reader_may_do(
    client: TestClient, world: World
) -> None:
    commitment = make_commitment(world)
    created = _upload(client, f"/commitments/{commitment}", PDF)
    assert created.status_code == 201, created.text
    assert created.json()["allowed_actions"] == ["delete"]
    assert created.json()["created_by_name"]
    path = f"{API}/commitments/{commitment}/attachments"
    mine = client.get(path).json()
    assert mine["allowed_actions"] == ["attach"]
    assert mine["items"][0]["allowed_actions"] == ["delete"]
    assert mine["items"][0]["created_by_name"] == created.json()["created_by_name"]
    # The other party's editor attaches too, but deletes only its own party's files.
    theirs = client.get(path, headers=auth_headers("NATO", "editor")).json()
    assert theirs["allowed_actions"] == ["attach"]
    assert theirs["items"][0]["allowed_actions"] == []
    # A viewer reads only.
    viewer = client.get(path, headers=auth_headers("JP", "viewer")).json()
    assert viewer["allowed_actions"] == []
    assert viewer["items"][0]["allowed_actions"] == []


def test_a_file_missing_from_the_store_is_410_file_missing_and_its_record_stays(
    client: TestClient, world: World, store: Store
) -> None:
    commitment = make_commitment(world)
    body = _upload(client, f"/commitments/{commitment}", PDF).json()
    with transaction(write=False) as session:
        row = session.get(Attachment, uuid.UUID(body["id"]))
        assert row is not None
        key = row.storage_key
    get_storage().delete(key)  # lost outside the application
    assert store.keys() == []
    response = client.get(f"{API}/attachments/{body['id']}/content")
    assert response.status_code == 410
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/file-missing"
    assert body["sha256"] in response.json()["detail"]
    # The record is still listed, with its hash.
    listed = client.get(f"{API}/commitments/{commitment}/attachments").json()["items"]
    assert [item["sha256"] for item in listed] == [body["sha256"]]


def test_an_unreachable_store_is_503_with_retry_after_and_nothing_is_recorded(
    client: TestClient,
    db: Database,
    s3_server: S3Server,  # noqa: F811  (the fixture)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    use_store(monkeypatch, "s3", root=tmp_path, server=s3_server)
    world = make_world()
    commitment = make_commitment(world)
    kept = _upload(client, f"/commitments/{commitment}", PDF).json()
    # Nothing listens on this port: the store is down.
    monkeypatch.setenv("ITPP_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ITPP_S3_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    upload = _upload(client, f"/commitments/{commitment}", PDF, "second.pdf")
    assert upload.status_code == 503
    assert upload.headers["content-type"] == PROBLEM
    assert upload.json()["type"] == "/problems/service-unavailable"
    assert int(upload.headers["retry-after"]) >= 1
    download = client.get(f"{API}/attachments/{kept['id']}/content")
    assert download.status_code == 503
    assert int(download.headers["retry-after"]) >= 1
    # Only the first file is on record; the metadata still reads from the database.
    listed = client.get(f"{API}/commitments/{commitment}/attachments").json()["items"]
    assert [item["file_name"] for item in listed] == ["report.pdf"]


@pytest.mark.parametrize("status", ["terminated", "expired"])
def test_a_closed_plans_records_take_no_new_files_409(
    client: TestClient, world: World, store: Store, status: str
) -> None:
    commitment = make_commitment(world)
    body = _upload(client, f"/commitments/{commitment}", PDF).json()
    assert body["allowed_actions"] == ["delete"]
    listed = client.get(f"{API}/commitments/{commitment}/attachments").json()
    assert listed["allowed_actions"] == ["attach"]
    if status == "terminated":
        record_as_operator(world.plan, status=PlanStatus.TERMINATED)
    else:
        record_as_operator(world.plan, approval_date=date(2000, 1, 1))
    refused = _upload(client, f"/commitments/{commitment}", PDF, "late.pdf")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"] == "/problems/plan-closed"
    deleted = client.delete(f"{API}/attachments/{body['id']}", headers={"If-Match": body["etag"]})
    assert deleted.status_code == 409
    # What was attached stays readable, and nothing offers what would be refused.
    assert client.get(f"{API}/attachments/{body['id']}/content").content == PDF
    assert len(store.keys()) == 1
    assert client.get(f"{API}/attachments/{body['id']}").json()["allowed_actions"] == []
    listed = client.get(f"{API}/commitments/{commitment}/attachments").json()
    assert listed["allowed_actions"] == []
    assert [item["allowed_actions"] for item in listed["items"]] == [[]]
