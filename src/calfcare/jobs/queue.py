"""The import queue: uploads are imported by ``calfcare worker`` processes through procrastinate.

Why procrastinate: the queue lives in the PostgreSQL a clinic already runs (no Redis or RabbitMQ to operate and
back up), jobs are taken with ``SELECT … FOR UPDATE SKIP LOCKED`` so any number of workers on any machines share
it, it supports synchronous tasks, retries with back-off, and detects workers that stopped sending heartbeats
(their jobs are retried by :func:`retry_stalled`). It is maintained (3.x, 2025–26) and typed.

On SQLite (one runner on their own machine) there is no queue: :func:`enqueue_import` runs the import at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from calfcare.errors import StorageError
from calfcare.store import Database, open_database

QUEUE = "imports"
TASK = "calfcare.import_upload"
T = TypeVar("T")
#: a worker that sent no heartbeat for this long is taken for dead, and its jobs are retried
STALLED_AFTER_S = 30.0


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL (keeps options such as search_path)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise StorageError("the job queue needs PostgreSQL (set CALFCARE_DATABASE_URL to a postgresql+psycopg URL)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str, **pool: Any) -> Any:
    """A procrastinate App on the database, with the import task registered (``pool``: psycopg_pool sizes)."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url), **pool))

    @app.task(
        name=TASK,
        queue=QUEUE,
        pass_context=True,
        retry=procrastinate.RetryStrategy(max_attempts=3, wait=2),
    )
    def import_upload(context: Any, upload_id: int) -> None:
        from calfcare.services.uploads import run_upload

        db = _database(context.additional_context["database_url"])
        run_upload(db=db, upload_id=upload_id)

    return app


_databases: dict[str, Database] = {}


def _database(url: str) -> Database:
    """One engine per worker process and URL (a worker is long-lived; web processes never call this)."""
    if url not in _databases:
        _databases[url] = open_database(url)
    return _databases[url]


def ensure_schema(database_url: str) -> None:
    """Create procrastinate's tables in the database if they are not there yet."""
    import psycopg

    with psycopg.connect(conninfo(database_url)) as conn:
        exists = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
    if exists and exists[0]:
        return
    app = make_app(database_url)
    with app.open():
        app.schema_manager.apply_schema()


def enqueue_import(*, db: Database, upload_id: int) -> int | None:
    """Queue the import of an upload (PostgreSQL), or run it now (SQLite). Returns the job id, if queued."""
    if db.is_sqlite:
        from calfcare.services.uploads import run_upload

        run_upload(db=db, upload_id=upload_id)
        return None
    # one connection, not the pool's default four: 20 uploads at once on 2 web processes otherwise exhaust
    # PostgreSQL's max_connections (benchmarks/clinic_load.py)
    app = make_app(db.url, min_size=1, max_size=1)
    with app.open():
        return int(app.tasks[TASK].defer(upload_id=upload_id))


def _outside_any_event_loop(work: Callable[[], T]) -> T:
    """Run ``work`` (which starts an event loop of its own with ``asyncio.run``) here, or in a fresh thread when this
    thread already runs an event loop (a caller inside async code, a notebook, Playwright's sync API in the same
    process): ``asyncio.run`` refuses to start inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="calfcare-queue") as pool:
        return pool.submit(work).result()


def retry_stalled(database_url: str) -> int:
    """Retry the jobs of workers that stopped sending heartbeats (killed, machine lost). Returns how many."""
    import procrastinate

    async def run() -> int:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))
        async with app.open_async():
            await app.job_manager.prune_stalled_workers(STALLED_AFTER_S)
            stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S))
            for job in stalled:
                await app.job_manager.retry_job(job)
            return len(stalled)

    return _outside_any_event_loop(lambda: asyncio.run(run()))


def run_worker(database_url: str, *, concurrency: int = 1, wait: bool = True) -> None:
    """Run a worker until stopped (SIGINT/SIGTERM finish the running job first); ``wait=False`` returns once the
    queue is empty (tests, one-shot runs)."""
    ensure_schema(database_url)
    retry_stalled(database_url)
    app = make_app(database_url)
    _outside_any_event_loop(
        lambda: app.run_worker(
            queues=[QUEUE],
            concurrency=concurrency,
            wait=wait,
            additional_context={"database_url": database_url},
            # signal handlers only in the main thread of a process with no loop of its own (``calfcare worker``)
            install_signal_handlers=wait and threading.current_thread() is threading.main_thread(),
            update_heartbeat_interval=5.0,
            stalled_worker_timeout=STALLED_AFTER_S,
        )
    )
