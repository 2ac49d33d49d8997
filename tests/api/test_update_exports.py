"""Progress updates in exports and documents (issue 20, item 5): the plan export carries each
commitment's updates (date, status, progress, narrative, confirmation state, the evidence's
metadata and hash) as the access policy lets the reader see them — never the other party's
internal commitment's updates nor its internal files; `itpp export plan --with-files` writes
the updates' files; importing notes the updates and leaves them out. The plan document's annex
cites each commitment's latest counted update (date and status) beside the evidence count, in
the document's language. On SQLite and PostgreSQL (the `db` fixture)."""

import hashlib
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from itpp_api.cli import app
from itpp_api.clock import today
from itpp_api.config import get_settings
from itpp_api.transfer.schemas import plan_export_json_schema
from tests.api.test_progress_updates import need_confirmation, ok, post_update
from tests.api.test_reviews import Scene, make_scene
from tests.conftest import Database, _clean

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# The updates' as-of dates: 90, 60 and 30 days ago (an update is dated within the past year).
FIRST, SECOND, THIRD = (str(today() - timedelta(days=days)) for days in (90, 60, 30))


@pytest.fixture
def scene(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ITPP_ATTACHMENT_DIR", str(tmp_path_factory.mktemp("attachments")))
        get_settings.cache_clear()
        yield make_scene()
    get_settings.cache_clear()


def _attach(
    client: TestClient,
    update_id: str,
    name: str,
    headers: dict[str, str],
    *,
    visibility: str = "shared",
) -> dict[str, Any]:
    return ok(
        client.post(
            f"{API}/updates/{update_id}/attachments",
            files={"file": (name, PDF + name.encode(), "application/pdf")},
            params={"visibility": visibility},
            headers=headers,
        ),
        201,
    )


class Updates:
    """On CYB-01 (shared, led by Japan): a recorded update with Japan's shared report and its
    internal notes; then, the plan asking for confirmation, a confirmed one and a pending one
    (later). On MAR-NATO-01 (internal to NATO): NATO's update with a file."""

    def __init__(self, client: TestClient, scene: Scene) -> None:
        cyb, internal = scene.commitments["CYB-01"], scene.commitments["MAR-NATO-01"]
        self.recorded = ok(
            post_update(
                client,
                cyb,
                scene.jp_editor,
                progress=50,
                as_of_date=FIRST,
                narrative={"ja": "第1回協議を開催した。"},
            ),
            201,
        )
        self.report = _attach(client, self.recorded["id"], "report.pdf", scene.jp_editor)
        self.jp_notes = _attach(
            client, self.recorded["id"], "jp-notes.pdf", scene.jp_editor, visibility="internal"
        )
        self.nato_notes = _attach(
            client, self.recorded["id"], "nato-notes.pdf", scene.nato_editor, visibility="internal"
        )
        need_confirmation(scene)
        self.confirmed = ok(
            post_update(
                client,
                cyb,
                scene.jp_approver,
                status="in_progress",
                progress=60,
                as_of_date=SECOND,
                narrative={"en": "Second consultation held."},
            ),
            201,
        )
        self.pending = ok(
            post_update(
                client,
                cyb,
                scene.nato_editor,
                status="completed",
                progress=100,
                as_of_date=THIRD,
                narrative={"en": "Exercise completed."},
            ),
            201,
        )
        self.nato_internal = ok(post_update(client, internal, scene.nato_editor, progress=30), 201)
        self.nato_file = _attach(
            client, self.nato_internal["id"], "nato-plan.pdf", scene.nato_editor
        )


def _updates_of(export: dict[str, Any], reference: str) -> list[dict[str, Any]]:
    commitment = next(c for c in export["commitments"] if c["reference"] == reference)
    updates: list[dict[str, Any]] = commitment["progress_updates"]
    return updates


def test_the_export_carries_each_commitments_updates_as_the_reader_may_see_them(
    client: TestClient, scene: Scene
) -> None:
    made = Updates(client, scene)
    japan = ok(client.get(f"{API}/plans/{scene.world.plan}/export", headers=scene.jp_editor))
    nato = ok(client.get(f"{API}/plans/{scene.world.plan}/export", headers=scene.nato_editor))

    mine = _updates_of(japan, "CYB-01")
    assert [u["id"] for u in mine] == [
        made.recorded["id"],
        made.confirmed["id"],
        made.pending["id"],
    ]
    first = mine[0]
    assert {k: first[k] for k in ("as_of_date", "status", "progress", "narrative", "state")} == {
        "as_of_date": FIRST,
        "status": "in_progress",
        "progress": 50,
        "narrative": {"ja": "第1回協議を開催した。"},
        "state": "recorded",
    }
    assert [u["state"] for u in mine] == ["recorded", "confirmed", "pending"]
    assert mine[1]["decided_by"] is not None
    # The evidence: metadata and hash; Japan sees its own internal notes, not NATO's.
    files = {a["file_name"]: a for a in first["attachments"]}
    assert set(files) == {"report.pdf", "jp-notes.pdf"}
    assert files["report.pdf"]["sha256"] == hashlib.sha256(PDF + b"report.pdf").hexdigest()
    assert files["report.pdf"]["size_bytes"] == len(PDF + b"report.pdf")
    assert files["jp-notes.pdf"]["visibility"] == "internal"
    # NATO: the shared report and its own notes; never Japan's notes.
    theirs = _updates_of(nato, "CYB-01")
    assert [u["id"] for u in theirs] == [u["id"] for u in mine]
    assert {a["file_name"] for a in theirs[0]["attachments"]} == {"report.pdf", "nato-notes.pdf"}
    # NATO's internal commitment and its update are NATO's alone.
    assert [u["id"] for u in _updates_of(nato, "MAR-NATO-01")] == [made.nato_internal["id"]]
    assert "MAR-NATO-01" not in {c["reference"] for c in japan["commitments"]}
    text = json.dumps(japan)
    for hidden in (made.nato_internal["id"], made.nato_file["id"], made.nato_notes["id"]):
        assert hidden not in text
    assert made.jp_notes["id"] not in json.dumps(nato)
    # The update's authors and deciders are named in the export's users.
    users = {u["id"] for u in japan["users"]}
    assert mine[1]["created_by"] in users and mine[1]["decided_by"] in users
    for document in (japan, nato):
        jsonschema_rs.validate(plan_export_json_schema(), document)


def test_export_with_files_holds_the_updates_files_and_import_notes_the_updates(
    client: TestClient, scene: Scene, db: Database, tmp_path: Path
) -> None:
    made = Updates(client, scene)
    target = tmp_path / "plan.zip"
    runner = CliRunner()
    result = runner.invoke(app, ["export", "plan", "TEST-PLAN", "--with-files", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        export = json.loads(archive.read("plan.json"))
        names = set(archive.namelist())
        contents = {name: archive.read(name) for name in names if name.startswith("files/")}
    # The command line's export is the complete one: every update and every file of them.
    evidence = [a for u in _updates_of(export, "CYB-01") for a in u["attachments"]] + [
        a for u in _updates_of(export, "MAR-NATO-01") for a in u["attachments"]
    ]
    assert {a["file_name"] for a in evidence} == {
        "report.pdf",
        "jp-notes.pdf",
        "nato-notes.pdf",
        "nato-plan.pdf",
    }
    for file in evidence:
        content = contents[f"files/{file['sha256']}"]
        assert hashlib.sha256(content).hexdigest() == file["sha256"]
    assert made.report["id"] in {a["id"] for a in export["attachments"]}

    exported = tmp_path / "plan.json"
    exported.write_bytes(json.dumps(export).encode())
    _clean(db.engine)
    imported = runner.invoke(app, ["import", "json", str(exported)])
    assert imported.exit_code == 0, imported.output
    assert "4 progress update(s) listed in the export were not imported" in imported.output


def _annex_row(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_the_annex_cites_the_latest_counted_update_in_the_readers_language(
    client: TestClient, scene: Scene
) -> None:
    def document(fmt: str, lang: str, headers: dict[str, str]) -> str:
        response = client.get(
            f"{API}/plans/{scene.world.plan}/document",
            params={"format": fmt, "lang": lang},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return response.text

    before = _annex_row(document("md", "en", scene.jp_editor), "CYB-01")
    assert "no confirmed update" in before
    Updates(client, scene)
    # The confirmed update, not the later pending one.
    english = _annex_row(document("md", "en", scene.nato_editor), "CYB-01")
    assert "evidence: 2 file(s)" in english
    assert f"latest confirmed update {SECOND} (In progress)" in english
    japanese = _annex_row(document("md", "ja", scene.jp_editor), "CYB-01")
    assert f"最新の確認済み進捗報告 {SECOND}（実施中）" in japanese
    side_by_side = document("html", "ja-en", scene.jp_editor)
    assert (
        f"最新の確認済み進捗報告 {SECOND}（実施中） / latest confirmed update {SECOND} "
        "(In progress)" in side_by_side
    )
    # A NATO-led commitment without updates says so.
    assert "確認済みの進捗報告なし" in _annex_row(document("md", "ja", scene.jp_editor), "MAR-01")
