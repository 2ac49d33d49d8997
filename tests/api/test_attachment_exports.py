"""Attachments in exports and documents (issue 20, item 5): the plan export lists the files a
reader may see (metadata and hash), `itpp export plan --with-files` writes them beside it in a
zip, and the plan document's annex counts each commitment's evidence — never the other party's
internal files."""

import hashlib
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from itpp_api.attachments.models import Attachment
from itpp_api.attachments.storage import get_storage
from itpp_api.auth.actor import Actor
from itpp_api.cli import app
from itpp_api.config import get_settings
from itpp_api.db import transaction
from itpp_api.documents import layout
from itpp_api.documents.service import find_plan, plan_document
from itpp_api.transfer.schemas import plan_export_json_schema
from tests.conftest import Database, _clean
from tests.factories import World, auth_headers, make_commitment, make_world

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def world(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITPP_ATTACHMENT_DIR", str(tmp_path_factory.mktemp("attachments")))
        get_settings.cache_clear()
        yield make_world()
    get_settings.cache_clear()


def _upload(
    client: TestClient,
    path: str,
    name: str,
    *,
    content: bytes | None = None,
    visibility: str = "shared",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = client.post(
        f"{API}{path}/attachments",
        files={"file": (name, content or PDF + name.encode(), "application/pdf")},
        params={"visibility": visibility},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _post_update(client: TestClient, commitment: uuid.UUID) -> str:
    etag = client.get(f"{API}/commitments/{commitment}").headers["etag"]
    response = client.post(
        f"{API}/commitments/{commitment}/updates",
        json={"status": "in_progress", "progress": 40, "narrative": {"ja": "協議を開催した。"}},
        headers={"If-Match": etag},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class Scene:
    """A shared commitment with Japan's shared, internal and deleted files, a file on its
    progress update and NATO's internal file; a Japan-internal commitment with a file."""

    def __init__(self, client: TestClient, world: World) -> None:
        self.nato = auth_headers("NATO", "editor")
        self.shared_commitment = make_commitment(world, title={"en": "Joint exercise"})
        self.internal_commitment = make_commitment(
            world, visibility="internal", title={"en": "Japan internal planning"}
        )
        on = f"/commitments/{self.shared_commitment}"
        self.shared = _upload(client, on, "minutes.pdf")
        self.japan_internal = _upload(client, on, "jp-notes.pdf", visibility="internal")
        deleted = _upload(client, on, "draft.pdf")
        gone = client.delete(
            f"{API}/attachments/{deleted['id']}", headers={"If-Match": deleted["etag"]}
        )
        assert gone.status_code == 204, gone.text
        self.deleted = deleted
        update = _post_update(client, self.shared_commitment)
        self.evidence = _upload(client, f"/updates/{update}", "report.pdf")
        self.nato_internal = _upload(
            client, on, "nato-notes.pdf", visibility="internal", headers=self.nato
        )
        self.of_internal = _upload(client, f"/commitments/{self.internal_commitment}", "x.pdf")
        self.plan = world.plan


@pytest.fixture
def scene(client: TestClient, world: World) -> Scene:
    return Scene(client, world)


def _ids(export: dict[str, Any]) -> set[str]:
    return {a["id"] for a in export["attachments"]}


def test_the_export_lists_the_attachments_the_reader_may_see(
    client: TestClient, scene: Scene
) -> None:
    japan = client.get(f"{API}/plans/{scene.plan}/export").json()
    nato = client.get(f"{API}/plans/{scene.plan}/export", headers=scene.nato).json()

    assert _ids(japan) == {
        scene.shared["id"],
        scene.japan_internal["id"],
        scene.deleted["id"],
        scene.evidence["id"],
        scene.of_internal["id"],
    }
    # NATO: the shared files and its own internal one, never Japan's internal ones nor the
    # file of Japan's internal commitment.
    assert _ids(nato) == {
        scene.shared["id"],
        scene.deleted["id"],
        scene.evidence["id"],
        scene.nato_internal["id"],
    }
    listed = {a["id"]: a for a in japan["attachments"]}
    minutes = listed[scene.shared["id"]]
    assert minutes == {
        "id": scene.shared["id"],
        "parent_type": "commitment",
        "parent_id": str(scene.shared_commitment),
        "file_name": "minutes.pdf",
        "content_type": "application/pdf",
        "size_bytes": len(PDF) + len(b"minutes.pdf"),
        "sha256": hashlib.sha256(PDF + b"minutes.pdf").hexdigest(),
        "visibility": "shared",
        "owner_party_id": scene.shared["owner_party_id"],
        "created_by": scene.shared["created_by"],
        "created_at": minutes["created_at"],
        "deleted": False,
    }
    assert listed[scene.deleted["id"]]["deleted"] is True
    assert listed[scene.evidence["id"]]["parent_type"] == "progress_update"
    # Whoever attached is named in the export's users.
    assert scene.shared["created_by"] in {u["id"] for u in japan["users"]}
    for document in (japan, nato):
        jsonschema_rs.validate(plan_export_json_schema(), document)


def test_an_export_with_attachments_imports_and_they_are_noted_not_invented(
    client: TestClient, scene: Scene, db: Database, tmp_path: Path
) -> None:
    runner = CliRunner()
    exported = tmp_path / "plan.json"
    result = runner.invoke(app, ["export", "plan", "TEST-PLAN", "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(exported.read_bytes())["attachments"]) == 6
    _clean(db.engine)

    imported = runner.invoke(app, ["import", "json", str(exported)])

    assert imported.exit_code == 0, imported.output
    assert "6 attachment(s) listed in the export were not imported" in imported.output
    with transaction(write=False) as session:
        assert list(session.scalars(select(Attachment))) == []


def test_export_with_files_writes_a_zip_whose_files_match_the_hashes(
    client: TestClient, scene: Scene, tmp_path: Path
) -> None:
    # The same content attached twice is stored once in the zip.
    _upload(client, f"/commitments/{scene.shared_commitment}", "minutes.pdf")
    # One file went missing from storage.
    with transaction(write=False) as session:
        lost = session.get(Attachment, uuid.UUID(scene.evidence["id"]))
        assert lost is not None
        get_storage().delete(lost.storage_key)
    target = tmp_path / "plan.zip"

    result = CliRunner().invoke(
        app, ["export", "plan", "TEST-PLAN", "--with-files", "-o", str(target)]
    )

    assert result.exit_code == 0, result.output
    assert f"Attachment {scene.evidence['id']} (report.pdf)" in result.stderr
    assert "missing from storage" in result.stderr
    with zipfile.ZipFile(target) as archive:
        export = json.loads(archive.read("plan.json"))
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        contents = {name: archive.read(name) for name in names if name.startswith("files/")}
    listed = {a["id"]: a for a in export["attachments"]}
    assert len(listed) == 7  # the complete export: both parties' files, the deleted one
    by_id = {entry["attachment_id"]: entry for entry in manifest["files"]}
    assert set(by_id) == set(listed)
    assert by_id[scene.evidence["id"]]["status"] == "missing"
    assert by_id[scene.deleted["id"]]["status"] == "deleted"
    assert manifest["missing"] == 1
    included = [e for e in manifest["files"] if e["status"] == "included"]
    assert len(included) == 5
    for entry in included:
        content = contents[entry["path"]]
        assert entry["path"] == f"files/{listed[entry['attachment_id']]['sha256']}"
        assert hashlib.sha256(content).hexdigest() == listed[entry["attachment_id"]]["sha256"]
    # Nothing but the export, the manifest and the files present in storage (one per hash).
    assert names == {"plan.json", "manifest.json", *(e["path"] for e in included)}
    assert len(contents) == 4


def test_export_with_files_needs_an_output_file(scene: Scene) -> None:
    result = CliRunner().invoke(app, ["export", "plan", "TEST-PLAN", "--with-files"])
    assert result.exit_code != 0
    assert "--output" in result.output


def _annex_row(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_the_annex_counts_the_evidence_the_reader_may_see_in_every_format(
    client: TestClient, scene: Scene
) -> None:
    def document(fmt: str, lang: str, headers: dict[str, str] | None = None) -> str:
        response = client.get(
            f"{API}/plans/{scene.plan}/document",
            params={"format": fmt, "lang": lang},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return response.text

    # Japan: shared minutes, its internal notes, the update's report (the deleted file is
    # not counted, nor NATO's internal notes).
    japan_md = document("md", "en")
    assert "evidence: 3 file(s)" in _annex_row(japan_md, "Joint exercise")
    # NATO: the shared minutes and report, and its own notes; never Japan's internal file.
    nato_md = document("md", "ja", scene.nato)
    assert "根拠資料3件" in _annex_row(nato_md, "Joint exercise")
    nato_html = document("html", "ja-en", scene.nato)
    assert "<th>根拠資料 / Evidence</th>" in nato_html
    # The HTML row: the count in its own cell, the latest counted update under it.
    assert '<td class="num">3<br><small>最新の確認済み進捗報告 ' in nato_html

    with transaction(write=False) as session:
        plan = find_plan(session=session, actor=Actor.system(), reference_or_id="TEST-PLAN")
        # The command line's document is for both parties: shared evidence only.
        system = plan_document(
            session=session, actor=Actor.system(), plan=plan, lang="en", version=None
        )
    row = next(c for a in system.annex for c in a.commitments if c.title == "Joint exercise")
    assert row.evidence == 2
    # Word and ODF (the shared layout) and the PDF's paragraphs carry it in the details.
    tables = [b for b in layout.layout(system).blocks if isinstance(b, layout.Table)]
    cells = [cell for table in tables for r in table.rows for cell in r]
    assert any("evidence: 2 file(s)" in cell for cell in cells)


def test_a_recorded_versions_annex_counts_no_evidence(client: TestClient, scene: Scene) -> None:
    response = client.get(
        f"{API}/plans/{scene.plan}/document", params={"format": "md", "lang": "en", "version": 1}
    )
    assert response.status_code == 200, response.text
    assert "evidence:" not in response.text
