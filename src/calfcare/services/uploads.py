"""Uploaded activity files: held in the database until their import has run, so any web process can accept an
upload and any worker (on any machine) can import it; nothing is kept on a web process's disk.

:func:`run_upload` is the job body. It is safe to run again after a worker died half-way: the import skips every
activity whose content is already stored (content hash), and an upload that finished returns its stored report.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import select

from calfcare.errors import InvalidInput, NotFound
from calfcare.services.importing import import_paths, outcome_json
from calfcare.store import Database
from calfcare.store.models import Runner, Upload

MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # a 10-year Strava export is ~1-2 GB unzipped but ~200-400 MB as its zip
MAX_ATTEMPTS = 3


def _safe_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '/\\:*?"<>|')[:200]
    if not name or name in (".", ".."):
        raise InvalidInput(f"file name: {filename[:80]!r} is not a usable file name")
    return name


def store_upload(*, db: Database, runner_id: int, filename: str, data: bytes, now: datetime) -> int:
    """Keep an uploaded file for its import job; returns the upload id."""
    name = _safe_name(filename)
    if not data:
        raise InvalidInput(f"{name}: the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"{name}: {len(data) / 2**20:.0f} MB is more than the {MAX_UPLOAD_BYTES // 2**20} MB limit")
    with db.session() as s:
        if s.get(Runner, runner_id) is None:
            raise NotFound(f"no runner {runner_id}")
        upload = Upload(runner_id=runner_id, filename=name, size=len(data), data=data, created_at=now)
        s.add(upload)
        s.flush()
        return upload.id


def upload_status(*, db: Database, runner_id: int, upload_id: int) -> dict[str, Any]:
    with db.session() as s:
        upload = s.get(Upload, upload_id)
        if upload is None or upload.runner_id != runner_id:
            raise NotFound(f"no upload {upload_id} of yours")
        return _status(upload)


def _status(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id,
        "filename": upload.filename,
        "size": upload.size,
        "status": upload.status,
        "attempts": upload.attempts,
        "report": upload.report,
    }


def run_upload(*, db: Database, upload_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Import one upload (the job body). Raises on a failure the queue should retry; after the last attempt the
    upload is marked ``failed`` with the reason."""
    with db.session() as s:
        upload = s.scalar(select(Upload).where(Upload.id == upload_id).with_for_update())
        if upload is None:
            raise NotFound(f"no upload {upload_id}")
        if upload.status == "done":
            return _status(upload)
        upload.status = "running"
        upload.attempts += 1
        runner = s.get(Runner, upload.runner_id)
        if runner is None:
            raise NotFound(f"the runner of upload {upload_id} no longer exists")
        runner_name, filename, data, attempt = runner.name, upload.filename, bytes(upload.data), upload.attempts
    try:
        with tempfile.TemporaryDirectory(prefix="calfcare-upload-") as folder:
            path = Path(folder) / filename
            path.write_bytes(data)
            report = import_paths(db=db, runner=runner_name, paths=[path], workers=1)
        outcomes = [outcome_json(o) | {"path": _relative(o.path, folder)} for o in report.outcomes]
        summary: dict[str, object] = {"counts": dict(report.counts), "outcomes": outcomes}
    except Exception as exc:
        with db.session() as s:
            upload = s.get(Upload, upload_id)
            if upload is not None:
                upload.status = "failed" if attempt >= MAX_ATTEMPTS else "queued"
                upload.report = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        raise
    with db.session() as s:
        upload = s.get(Upload, upload_id)
        if upload is None:
            raise NotFound(f"upload {upload_id} was deleted during its import")
        upload.status, upload.report, upload.data = "done", summary, b""
        upload.finished_at = now or datetime.now(UTC)
        return _status(upload)


def _relative(path: str, folder: str) -> str:
    return path[len(folder) + 1 :] if path.startswith(folder + "/") else path
