"""``calfcare worker``: import uploads from the PostgreSQL job queue (run as many as you like, on any machine)."""

from __future__ import annotations

from typing import Annotated

import typer

from calfcare.cli.app import app, console, settings


@app.command("worker")
def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=16, help="Imports run at once.", metavar="N")
    ] = 1,
    once: Annotated[
        bool, typer.Option("--once", help="Import what is queued, then exit (instead of waiting for more).")
    ] = False,
) -> None:
    """Run an import worker on the PostgreSQL queue of CALFCARE_DATABASE_URL (SIGTERM/Ctrl-C finish the running
    import first). Jobs of a worker that died are retried; nothing is imported twice."""
    from calfcare.jobs.queue import run_worker
    from calfcare.store import open_database

    url = settings().database_url
    open_database(url).dispose()  # migrate first; a SQLite URL is refused by the queue with a clear message
    console.print(f"Worker started on {url.rsplit('@', 1)[-1]} (queue: imports).", highlight=False)
    run_worker(url, concurrency=concurrency, wait=not once)
