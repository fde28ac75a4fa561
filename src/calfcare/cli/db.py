"""``calfcare db``: where the data lives and bringing its schema up to date."""

from __future__ import annotations

import typer

from calfcare.cli.app import JsonOpt, app, console, open_store, print_json, settings, want_json

db_app = typer.Typer(help="The database: where it is, and migrating it.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade(json_out: JsonOpt = False) -> None:
    """Create the database if needed and apply every migration (also done by every command)."""
    want_json(json_out)
    db = open_store()
    if json_out:
        print_json({"database": db.safe_url, "status": "up to date"})
    else:
        console.print(f"Database [bold]{db.safe_url}[/] is up to date.")


@db_app.command("where")
def where() -> None:
    """Print the database URL in use (set CALFCARE_DATABASE_URL to change it)."""
    console.print(settings().database_url, highlight=False)
