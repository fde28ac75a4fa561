"""The Typer application and what every command shares: opening the store, the runner, errors, JSON output.

Commands live in sibling modules (``clinical``, ``importing``, ``load``…), each 5–20 lines per command:
parse → call one service function → render. Errors from the core (:mod:`calfcare.errors`) are mapped
here, once, to a message on stderr (and a JSON object on stdout with ``--json``) and an exit code.
"""

from __future__ import annotations

import json
import sys
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from calfcare.errors import CalfcareError, InvalidInput
from calfcare.settings import Settings
from calfcare.store import Database, open_database

console = Console()
err_console = Console(stderr=True)


_json_output: ContextVar[bool] = ContextVar("calfcare_json_output", default=False)


class CalfcareGroup(TyperGroup):
    """Maps every :class:`CalfcareError` to a clear message and its exit code, in one place."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        token = _json_output.set(False)
        try:
            return super().invoke(ctx)
        except CalfcareError as exc:
            if _json_output.get():
                problems = [{"field": p.where, "problem": p.problem} for p in getattr(exc, "problems", [])]
                payload = {"error": type(exc).__name__, "message": str(exc).split("\n")[0], "problems": problems}
                typer.echo(json.dumps(payload, ensure_ascii=False))
            err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            ctx.exit(exc.exit_code)
        finally:
            _json_output.reset(token)


app = typer.Typer(
    cls=CalfcareGroup,
    no_args_is_help=True,
    add_completion=False,
    help=(
        "calfcare — from 'my calf just went' back to running. Triage with red-flag screening, a phased rehab "
        "plan, daily check-ins and your own training history. It informs and escalates; it never diagnoses."
    ),
)

RunnerOpt = Annotated[
    str | None,
    typer.Option(
        "--runner", help="Act for this runner (default: the local runner, or $CALFCARE_RUNNER).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of the readable view.")]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date", help="The day this is for, YYYY-MM-DD (default: today; never in the future).", show_default=False
    ),
]


def want_json(flag: bool) -> bool:
    """Call at the start of a command with its ``--json`` flag, so errors are also printed as JSON."""
    _json_output.set(flag)
    return flag


def settings() -> Settings:
    return Settings.from_env()


def open_store() -> Database:
    return open_database(settings().database_url)


def runner_name(option: str | None) -> str:
    return option or settings().runner


def parse_day(value: str | None, *, field: str = "--date", today: date | None = None) -> date:
    """A YYYY-MM-DD option; not in the future."""
    today = today or date.today()
    if value is None:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected a date as YYYY-MM-DD, got {value!r}") from None
    if day > today:
        raise InvalidInput(f"{field}: {day.isoformat()} is in the future (today is {today.isoformat()})")
    return day


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()
