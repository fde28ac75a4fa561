"""Uploads imported by queue workers (PostgreSQL), or at once on SQLite; a job that dies is retried without
duplicating anything."""

from __future__ import annotations

import asyncio
import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select

from calfcare.activities.formats.fit_encode import encode_run
from calfcare.errors import InvalidInput, NotFound
from calfcare.jobs import queue
from calfcare.services.importing import import_paths
from calfcare.services.uploads import run_upload, store_upload, upload_status
from calfcare.store import Database, open_database
from calfcare.store.models import Activity, Upload

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
START = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)


def _export_zip(days: int) -> bytes:
    """A small Strava-style export: one FIT run a day, and a file that is not an activity."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for day in range(days):
            archive.writestr(f"activities/{day}.fit", encode_run(START + timedelta(days=day), 600, speed_ms=3.0))
        archive.writestr("profile.txt", b"not an activity")
    return buffer.getvalue()


def _activities(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Activity)) or 0)


def test_an_upload_is_refused_when_empty_or_nameless(db: Database) -> None:
    runner_id = db.runner_id("ann")
    with pytest.raises(InvalidInput, match="empty"):
        store_upload(db=db, runner_id=runner_id, filename="a.fit", data=b"", now=NOW)
    with pytest.raises(InvalidInput, match="not a usable file name"):
        store_upload(db=db, runner_id=runner_id, filename="../", data=b"x", now=NOW)
    with pytest.raises(NotFound):
        store_upload(db=db, runner_id=runner_id + 99, filename="a.fit", data=b"x", now=NOW)


def test_an_upload_keeps_only_its_base_name(db: Database) -> None:
    runner_id = db.runner_id("ann")
    upload_id = store_upload(db=db, runner_id=runner_id, filename="C:\\Users\\ann\\..\\run.fit", data=b"x", now=NOW)
    assert upload_status(db=db, runner_id=runner_id, upload_id=upload_id)["filename"] == "run.fit"
    with pytest.raises(NotFound):
        upload_status(db=db, runner_id=runner_id + 1, upload_id=upload_id)


def test_on_sqlite_an_upload_is_imported_at_once_and_its_bytes_are_released(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    try:
        upload_id = store_upload(
            db=db, runner_id=db.runner_id("ann"), filename="export.zip", data=_export_zip(3), now=NOW
        )
        assert queue.enqueue_import(db=db, upload_id=upload_id) is None
        status = upload_status(db=db, runner_id=db.runner_id("ann"), upload_id=upload_id)
        assert status["status"] == "done"
        assert status["report"]["counts"]["imported"] == 3
        assert _activities(db) == 3
        with db.session() as s:
            assert s.get(Upload, upload_id).data == b""  # type: ignore[union-attr]
    finally:
        db.dispose()


def test_running_an_upload_again_after_a_worker_died_duplicates_nothing(
    db: Database, tmp_path: pytest.TempPathFactory
) -> None:
    runner_id = db.runner_id("ann")
    data = _export_zip(4)
    upload_id = store_upload(db=db, runner_id=runner_id, filename="export.zip", data=data, now=NOW)
    # a first attempt that died after importing part of the archive: two of the four runs are stored
    partial = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(partial, "w") as dst:
        for name in ("activities/0.fit", "activities/1.fit"):
            dst.writestr(name, src.read(name))
    part = tmp_path / "part.zip"
    part.write_bytes(partial.getvalue())
    import_paths(db=db, runner="ann", paths=[part], workers=1)
    assert _activities(db) == 2
    first = run_upload(db=db, upload_id=upload_id)
    assert first["report"]["counts"]["imported"] == 2 and first["report"]["counts"]["duplicate"] == 2
    again = run_upload(db=db, upload_id=upload_id)
    assert again == first and _activities(db) == 4


@pytest.mark.postgres
def test_workers_import_queued_uploads_from_postgres(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        queue.ensure_schema(pg_url)
        queue.ensure_schema(pg_url)  # idempotent
        ids = [
            store_upload(db=db, runner_id=db.runner_id(name), filename=f"{name}.zip", data=_export_zip(2), now=NOW)
            for name in ("ann", "bob")
        ]
        job_ids = [queue.enqueue_import(db=db, upload_id=i) for i in ids]
        assert all(isinstance(j, int) for j in job_ids)
        with db.session() as s:
            assert [u.status for u in s.scalars(select(Upload).order_by(Upload.id))] == ["queued", "queued"]
        queue.run_worker(pg_url, concurrency=1, wait=False)
        for name, upload_id in zip(("ann", "bob"), ids, strict=True):
            status = upload_status(db=db, runner_id=db.runner_id(name), upload_id=upload_id)
            assert status["status"] == "done" and status["report"]["counts"]["imported"] == 2
        assert _activities(db) == 4
        with psycopg.connect(queue.conninfo(pg_url)) as conn:
            states = [r[0] for r in conn.execute("SELECT status FROM procrastinate_jobs ORDER BY id")]
        assert states == ["succeeded", "succeeded"]
    finally:
        db.dispose()


def test_a_worker_started_from_a_thread_that_runs_an_event_loop_still_imports(pg_url: str) -> None:
    """``asyncio.run`` refuses to start inside a running loop (async code, a notebook, Playwright's sync API in the
    same process): the worker then runs its loop in a thread of its own."""
    db = open_database(pg_url)
    try:
        queue.ensure_schema(pg_url)
        upload = store_upload(db=db, runner_id=db.runner_id("ann"), filename="a.zip", data=_export_zip(1), now=NOW)
        queue.enqueue_import(db=db, upload_id=upload)

        async def inside_a_loop() -> int:
            queue.run_worker(pg_url, concurrency=1, wait=False)
            return queue.retry_stalled(pg_url)

        # in a thread of the test's own, so it holds whether or not this thread already runs a loop
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(asyncio.run, inside_a_loop()).result() == 0
        assert upload_status(db=db, runner_id=db.runner_id("ann"), upload_id=upload)["status"] == "done"
        assert _activities(db) == 1
    finally:
        db.dispose()


def test_the_queue_refuses_sqlite_with_a_clear_message(sqlite_url: str) -> None:
    from calfcare.errors import StorageError

    with pytest.raises(StorageError, match="needs PostgreSQL"):
        queue.conninfo(sqlite_url)


@pytest.mark.postgres
def test_a_job_whose_worker_died_is_retried_and_imports_each_run_once(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        queue.ensure_schema(pg_url)
        upload_id = store_upload(db=db, runner_id=db.runner_id("ann"), filename="e.zip", data=_export_zip(2), now=NOW)
        job_id = queue.enqueue_import(db=db, upload_id=upload_id)
        # a worker took the job, then was killed (kill -9, machine lost): no heartbeat for an hour
        with psycopg.connect(queue.conninfo(pg_url), autocommit=True) as conn:
            row = conn.execute(
                "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW() - INTERVAL '1 hour') RETURNING id"
            ).fetchone()
            assert row is not None
            conn.execute(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s WHERE id = %s", (row[0], job_id)
            )
        with db.session() as s:
            upload = s.get(Upload, upload_id)
            assert upload is not None
            upload.status, upload.attempts = "running", 1
        queue.run_worker(pg_url, wait=False)
        status = upload_status(db=db, runner_id=db.runner_id("ann"), upload_id=upload_id)
        assert status["status"] == "done" and status["attempts"] == 2
        assert _activities(db) == 2
    finally:
        db.dispose()


def test_the_worker_command_refuses_sqlite(cli_env: str) -> None:
    from typer.testing import CliRunner

    from calfcare.cli import app

    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 7 and "needs PostgreSQL" in result.output


@pytest.mark.postgres
def test_the_worker_command_imports_what_is_queued_then_exits(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from calfcare.cli import app

    db = open_database(pg_url)
    try:
        queue.ensure_schema(pg_url)
        upload_id = store_upload(db=db, runner_id=db.runner_id("ann"), filename="e.zip", data=_export_zip(1), now=NOW)
        queue.enqueue_import(db=db, upload_id=upload_id)
        monkeypatch.setenv("CALFCARE_DATABASE_URL", pg_url)
        result = CliRunner().invoke(app, ["worker", "--once"])
        assert result.exit_code == 0, result.output
        assert "password" not in result.output
        assert _activities(db) == 1
    finally:
        db.dispose()
