"""``calfcare db``: where the data lives and bringing its schema up to date."""

from __future__ import annotations

import typer

from calfcare.cli.app import JsonOpt, RunnerOpt, app, print_json, settings, want_json

db_app = typer.Typer(help="The database: where it is, and migrating it.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(json_out: JsonOpt = False, runner: RunnerOpt = None) -> None:
    """Check the database's integrity, create it if needed and apply every migration (also done by every command).

    A damaged database is reported (exit 7), never called "up to date". The database holds every runner, so
    --runner is accepted (as by every command) and changes nothing here.
    """
    from calfcare.store import Database

    want_json(json_out)
    config = settings()
    db = Database(config.database_url, lock_timeout_s=config.lock_timeout_s)
    db.check_integrity()
    db.migrate()
    if json_out:
        print_json({"database": db.safe_url, "status": "up to date", "integrity": "ok"})
    else:
        from calfcare.cli.app import console

        console.print(f"Database [bold]{db.safe_url}[/] passed its integrity check and is up to date.", highlight=False)


@db_app.command("where")
def where(json_out: JsonOpt = False, runner: RunnerOpt = None) -> None:
    """Print the database URL in use, password masked (set CALFCARE_DATABASE_URL to change it)."""
    from calfcare.store.db import parse_url

    want_json(json_out)
    url = parse_url(settings().database_url).render_as_string(hide_password=True)
    if json_out:
        print_json({"database": url})
    else:
        typer.echo(url)
