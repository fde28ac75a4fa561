"""Uploads in multi-user mode: each file is held in the database (:func:`calfcare.services.uploads.store_upload`)
and its import queued (:func:`calfcare.jobs.queue.enqueue_import`: a ``calfcare worker`` on PostgreSQL, inline on
SQLite), so no web process keeps anything on its disk. A refused file never stops the others."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from calfcare.errors import InvalidInput
from calfcare.store import Database
from calfcare.web.uploads import CHUNK, Limits


def _store_and_queue(db: Database, runner_id: int, filename: str, data: bytes, now: datetime) -> dict[str, Any]:
    from calfcare.jobs.queue import enqueue_import
    from calfcare.services.uploads import store_upload, upload_status

    upload_id = store_upload(db=db, runner_id=runner_id, filename=filename, data=data, now=now)
    enqueue_import(db=db, upload_id=upload_id)
    return upload_status(db=db, runner_id=runner_id, upload_id=upload_id)


async def queue_uploads(
    *, db: Database, runner_id: int, files: list[Any], limits: Limits, now: datetime
) -> list[dict[str, Any]]:
    """One entry per file: its upload's status (``id``, ``status`` …), or ``{"filename", "error"}`` if refused."""
    uploads = [f for f in files if isinstance(f, UploadFile)]
    if not uploads:
        raise InvalidInput("files: choose at least one file, folder or zip to upload")
    if len(uploads) > limits.max_files:
        raise InvalidInput(f"files: {len(uploads)} files at once; at most {limits.max_files}. Nothing was queued.")
    out: list[dict[str, Any]] = []
    total = 0
    for i, up in enumerate(uploads):
        name = up.filename or f"file {i + 1}"
        chunks = []
        while chunk := await up.read(CHUNK):
            total += len(chunk)
            if total > limits.max_bytes:
                raise InvalidInput(f"files: more than {limits.max_bytes / 1e6:.0f} MB in one upload; send fewer files")
            chunks.append(chunk)
        try:
            out.append(await run_in_threadpool(_store_and_queue, db, runner_id, name, b"".join(chunks), now))
        except InvalidInput as exc:
            out.append({"filename": name, "error": str(exc)})
    return out
