"""A plan export with its files: one zip holding the JSON export (`plan.json`), each listed
attachment's file under its SHA-256 (`files/<sha256>`), and a manifest (`manifest.json`).

Files are copied from storage in chunks (never read whole into memory) and hashed as they are
copied; a file missing from storage, or whose content no longer has its recorded hash, is
reported in the manifest (and through `warn`), not a failure. Deleted attachments are listed in
the export with their hash; their files are not copied.
"""

import hashlib
import zipfile
from collections.abc import Callable
from typing import Any, BinaryIO

import orjson
from sqlmodel import Session

from itpp_api.attachments.storage import Storage
from itpp_api.auth.actor import Actor
from itpp_api.plans.models import Plan
from itpp_api.transfer.service import Progress, _no_progress, export_chunks, exported_attachments

ARCHIVE_FORMAT = "itpp-plan-archive"
EXPORT_NAME = "plan.json"
MANIFEST_NAME = "manifest.json"
_CHUNK = 1024 * 1024


def _no_warning(message: str) -> None:
    return None


def _copy(storage: Storage, key: str, archive: zipfile.ZipFile, path: str) -> str:
    """Copy a stored file into the archive chunk by chunk; its SHA-256 as copied."""
    digest = hashlib.sha256()
    with storage.open(key) as source, archive.open(path, "w", force_zip64=True) as target:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            target.write(chunk)
    return digest.hexdigest()


def write_archive(
    *,
    session: Session,
    actor: Actor,
    plan: Plan,
    storage: Storage,
    target: BinaryIO,
    progress: Progress = _no_progress,
    warn: Callable[[str], None] = _no_warning,
) -> dict[str, Any]:
    """Write the plan's export with its files to `target` as a zip; returns the manifest."""
    entries: list[dict[str, Any]] = []
    copied: dict[str, str] = {}  # sha256 → status of its one copy in the archive
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(EXPORT_NAME, "w", force_zip64=True) as export:
            for chunk in export_chunks(session=session, actor=actor, plan=plan, progress=progress):
                export.write(chunk)
        for batch in exported_attachments(session=session, actor=actor, plan=plan):
            for attachment in batch:
                entry: dict[str, Any] = {
                    "attachment_id": str(attachment.id),
                    "file_name": attachment.file_name,
                    "size_bytes": attachment.size_bytes,
                    "sha256": attachment.sha256,
                    "path": None,
                }
                path = f"files/{attachment.sha256}"
                if attachment.deleted_at is not None:
                    entry["status"] = "deleted"
                elif attachment.sha256 in copied:
                    entry["status"] = copied[attachment.sha256]
                    entry["path"] = path if entry["status"] == "included" else None
                else:
                    try:
                        found = _copy(storage, attachment.storage_key, archive, path)
                    except (FileNotFoundError, ValueError):
                        entry["status"] = "missing"
                        warn(
                            f"Attachment {attachment.id} ({attachment.file_name}): "
                            "its file is missing from storage."
                        )
                    else:
                        entry["path"] = path
                        entry["status"] = "included" if found == attachment.sha256 else "altered"
                        if found != attachment.sha256:
                            warn(
                                f"Attachment {attachment.id} ({attachment.file_name}): its file "
                                f"in storage has SHA-256 {found}, not the recorded one."
                            )
                    copied[attachment.sha256] = entry["status"]
                entries.append(entry)
        manifest = {
            "format": ARCHIVE_FORMAT,
            "export": EXPORT_NAME,
            "plan": plan.reference,
            "files": entries,
            "missing": sum(e["status"] == "missing" for e in entries),
            "altered": sum(e["status"] == "altered" for e in entries),
        }
        archive.writestr(MANIFEST_NAME, orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return manifest
