"""The Typer application and what every command shares: opening the store, the runner, errors, JSON output.

Commands live in sibling modules (``clinical``, ``importing``, ``load``…), each 5–20 lines per command:
parse → call one service function → render. They are imported lazily (see the table in
:mod:`calfcare.cli`): :class:`CalfcareGroup` loads a command's module only when that command runs or its own
help is shown, so ``calfcare --help`` and ``calfcare --version`` never load the database or the analytics.

Errors from the core (:mod:`calfcare.errors`) are mapped here, once, to one line on stderr (and a JSON object on
stdout with ``--json``) and an exit code from :class:`~calfcare.errors.ExitCode`; Ctrl-C and termination signals
stop with one line and 130 (128 + the signal). Heavy modules (rich, sqlalchemy) are imported inside functions.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import signal
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from calfcare.errors import CalfcareError, ExitCode, Interrupted, InvalidInput, NotFound
from calfcare.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from calfcare.store import Database

_json_output: ContextVar[bool] = ContextVar("calfcare_json_output", default=False)
_consoles: dict[str, Console] = {}


def __getattr__(name: str) -> Any:
    """``console`` (stdout) and ``err_console`` (stderr) are made on first use: importing rich costs ~30 ms that
    ``calfcare --help`` does not need."""
    if name in ("console", "err_console"):
        if name not in _consoles:
            from rich.console import Console

            _consoles[name] = Console(stderr=name == "err_console")
        return _consoles[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _err(message: str) -> None:
    """One line on stderr, styled when stderr is a terminal (and NO_COLOR is unset)."""
    from rich.markup import escape

    __getattr__("err_console").print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)


# ---------------------------------------------------------------------------------------------------------------
# readable help types: `--json` (a flag) shows no type, a path shows PATH, a list of paths PATH... (not <bool>,
# <list[Path]>); an option can still set its own metavar (e.g. --date YYYY-MM-DD)


def _readable_type(param: TyperOption | TyperArgument) -> str:
    if isinstance(param, TyperOption) and param.is_flag:
        return ""
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(c) for c in desc.choices or ())
    bare = param.bare_type()
    if "Path" in bare or desc.is_path:
        return "PATH..." if bare.startswith("list") else "PATH"
    return {"int": "N", "float": "NUMBER"}.get(bare, "TEXT")


class _ReadableOption(TyperOption):
    def display_type(self, ctx: Any) -> str:
        return self.metavar if self.metavar is not None else _readable_type(self)

    def display_type_rich(self, ctx: Any) -> str | None:
        return self.display_type(ctx) or None


class _ReadableArgument(TyperArgument):
    def display_type(self, ctx: Any) -> str:
        return ""  # the argument's name (PATH...) already says it

    @property
    def display_name_raw(self) -> str:
        return self.metavar or _readable_type(self).removesuffix("...")  # typer adds "..." for several


def _readable_param(param: Any) -> Any:
    if type(param) is TyperOption:
        param.__class__ = _ReadableOption
    elif type(param) is TyperArgument:
        param.__class__ = _ReadableArgument
    return param


def _readable_help_option(get: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``--help``/``-h`` shows no type either."""

    def get_help_option(ctx: Any) -> Any:
        return _readable_param(get(ctx))

    return get_help_option


def _readable(command: Any) -> Any:
    """Give every parameter of ``command`` (and its subcommands) a readable type in help."""
    command.get_help_option = _readable_help_option(command.get_help_option)
    for param in getattr(command, "params", ()):
        _readable_param(param)
    for sub in getattr(command, "commands", {}).values():
        _readable(sub)
    return command


# ---------------------------------------------------------------------------------------------------------------
# the lazy group


class _HelpStub(TyperCommand):
    """Stands for a command in ``calfcare --help`` without importing its module."""


class CalfcareGroup(TyperGroup):
    """The root command: lazy subcommands (:data:`calfcare.cli.COMMANDS`), and every :class:`CalfcareError`,
    Ctrl-C and signal mapped to one line and its exit code, in one place."""

    _listing = False  # True while the root help lists the commands: stubs, no imports

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _readable(self)

    def get_params(self, ctx: Any) -> list[Any]:
        return [_readable_param(p) for p in super().get_params(ctx)]  # the completion options come late

    @staticmethod
    def _table() -> dict[str, tuple[str, str]]:
        from calfcare.cli import COMMANDS

        return COMMANDS

    def list_commands(self, ctx: Any) -> list[str]:
        return list(dict.fromkeys([*self._table(), *self.commands]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = self.commands.get(cmd_name)
        if found is not None:
            return found
        entry = self._table().get(cmd_name)
        if entry is None:
            return None
        module, summary = entry
        if self._listing:
            return _HelpStub(name=cmd_name, help=summary, short_help=summary)
        importlib.import_module(module)
        command = _readable(_build(cmd_name))
        self.commands[cmd_name] = command
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except Exception as exc:  # click's UsageError: suggest from the lazy table, not only the loaded commands
            message = getattr(exc, "message", None)
            if isinstance(message, str) and args and "Did you mean" not in message:
                from difflib import get_close_matches

                if matches := get_close_matches(args[0], self.list_commands(ctx)):
                    exc.message = f"{message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"  # type: ignore[attr-defined]
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        token = _json_output.set(False)
        try:
            return super().invoke(ctx)
        except CalfcareError as exc:
            _fail(ctx, exc)
        except (KeyboardInterrupt, typer.Abort) as exc:  # Abort: Ctrl-C at a prompt
            ctx.exit(_interrupted(exc))
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):  # a database failure no service wrapped: still one line
                from calfcare.store.db import parse_url, storage_error

                url = settings().database_url
                _fail(ctx, storage_error(exc, parse_url(url).render_as_string(hide_password=True), url=url))
            elif isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):  # e.g. an unwritable output file
                where = f"{exc.filename}: " if exc.filename else ""
                failure = CalfcareError(f"{where}{exc.strerror or exc}")
                _fail(ctx, failure)
            raise
        finally:
            _json_output.reset(token)


def _fail(ctx: Any, exc: CalfcareError) -> None:
    """The one place an error becomes output: one line on stderr (a JSON object on stdout with --json), its code."""
    if _json_output.get():
        problems = [{"field": p.where, "problem": p.problem} for p in getattr(exc, "problems", [])]
        payload = {"error": type(exc).__name__, "message": str(exc).split("\n")[0], "problems": problems}
        typer.echo(json.dumps(payload, ensure_ascii=False))
    _err(str(exc))
    ctx.exit(exc.exit_code)


def _interrupted(exc: BaseException) -> int:
    """One line on stderr for Ctrl-C or a termination signal; the exit code (130, or 128 + the signal)."""
    code = exc.exit_code if isinstance(exc, Interrupted) else int(ExitCode.INTERRUPTED)
    what = "Interrupted" if code == ExitCode.INTERRUPTED else f"Stopped by {signal.Signals(code - 128).name}"
    lead = "\n" if sys.stderr.isatty() else ""  # step off the ^C the terminal echoed
    sys.stderr.write(f"{lead}{what}: stopped; everything saved before this point is kept.\n")
    sys.stderr.flush()
    return code


def _build(name: str) -> Any:
    """The click command registered under ``name`` on :data:`app` by its (now imported) module."""
    from typer.main import get_command_from_info, get_command_name, get_group_from_info

    for info in app.registered_commands:
        if info.callback is not None and (info.name or get_command_name(info.callback.__name__)) == name:
            return get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode="rich"
            )
    for group in app.registered_groups:
        if group.name == name:
            return get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode="rich",
                suggest_commands=app.suggest_commands,
            )
    raise LookupError(f"calfcare.cli.COMMANDS names {name!r} but its module registers no such command")


app = typer.Typer(
    cls=CalfcareGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # the root help is plain text: no rich tables to import for `calfcare --help`
    context_settings={"help_option_names": ["-h", "--help"]},
    help=(
        "calfcare — from 'my calf just went' back to running. Triage with red-flag screening, a phased rehab "
        "plan, daily check-ins and your own training history. It informs and escalates; it never diagnoses."
    ),
    epilog="Exit codes: 0 ok, 2 bad input, 3 file refused, 4 not found, 5 conflict, 7 database, "
    "8 urgent, 9 emergency, 130 interrupted (README.md).",
)


def _version(value: bool) -> None:
    if value:
        from calfcare import __version__

        typer.echo(f"calfcare {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """calfcare — from 'my calf just went' back to running."""


RunnerOpt = Annotated[
    str | None,
    typer.Option(
        "--runner",
        metavar="NAME",
        help="Act for this runner (default: the local runner, or $CALFCARE_RUNNER).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of the readable view.")]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="YYYY-MM-DD",
        help="The day this is for (default: today; never in the future).",
        show_default=False,
    ),
]


def want_json(flag: bool) -> bool:
    """Call at the start of a command with its ``--json`` flag, so errors are also printed as JSON."""
    _json_output.set(flag)
    return flag


def settings() -> Settings:
    return Settings.from_env()


def open_store() -> Database:
    from calfcare.store import open_database

    config = settings()
    return open_database(config.database_url, lock_timeout_s=config.lock_timeout_s)


def runner_name(option: str | None) -> str:
    return option or settings().runner


def known_runner(db: Database, option: str | None) -> str:
    """The runner a read command acts for; :class:`NotFound` (exit 4, as for every command) when nothing is
    stored for that name."""
    name = runner_name(option)
    if not db.has_runner(name):
        raise unknown_runner(name)
    return name


def unknown_runner(name: str) -> NotFound:
    """The error of a read command for a runner with nothing stored (exit 4)."""
    return NotFound(
        f"no runner called {name!r}: nothing is stored for them yet "
        "(start with `calfcare assess`, or `calfcare import` for training files)"
    )


def parse_day(value: str | None, *, field: str = "--date", today: date | None = None, recent: bool = False) -> date:
    """A YYYY-MM-DD option, not in the future; with ``recent`` (an assessment, a check-in, an onset) not more
    than 5 years back either (:mod:`calfcare.contracts.dates`)."""
    from calfcare.contracts.dates import check_day

    today = today or date.today()
    if value is None:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected a date as YYYY-MM-DD, got {value[:40]!r}") from None
    return check_day(day, today=today, field=field, recent=recent)


def red_flag_exit(result: dict[str, Any]) -> int:
    """The exit code of an assessment or a check-in result: :attr:`ExitCode.EMERGENCY` or :attr:`ExitCode.URGENT`
    when one of *its own* red flags (or its disposition) is that urgent, else 0. Printed in full first."""
    levels = {str(f.get("urgency")) for f in result.get("red_flags") or () if isinstance(f, dict)}
    levels.add(str(result.get("disposition")))
    if "emergency" in levels:
        return ExitCode.EMERGENCY
    return ExitCode.URGENT if "urgent" in levels else ExitCode.OK


def print_table(table: Any) -> None:
    """A Rich table on stdout that never cuts a cell: piped (``calfcare load | cat``), at its natural width; on a
    narrow terminal, its columns fold (give them ``overflow="fold"``) instead of ending in "…"."""
    out = __getattr__("console")
    natural = out.measure(table, options=out.options.update_width(1000)).maximum
    if out.is_terminal:
        if natural > out.width:  # narrow: no borders, one space between columns, before folding anything
            table.box, table.padding, table.pad_edge, table.show_edge = None, (0, 1, 0, 0), False, False
        out.print(table)
    else:
        from rich.console import Console

        Console(file=sys.stdout, width=max(out.width, natural)).print(table)  # print() caps width at out.width


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------------------------
# the process: a reader that goes away (`| head`), Ctrl-C and termination signals


class QuietPipe:
    """Wraps stdout: when the reader has gone (``calfcare import --json DIR | head -2``), further output is
    dropped quietly and the command goes on to the end (an import finishes; its exit code still counts)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.closed_by_reader = False

    def _gone(self) -> None:
        self.closed_by_reader = True
        try:  # point fd 1 at /dev/null, so the interpreter's own flush at exit fails no more
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            self._gone()
            return len(text)

    def flush(self) -> None:
        if self.closed_by_reader:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _on_signal(signum: int, _frame: Any) -> None:
    raise Interrupted(signum)


def install_process_handlers(handled: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)) -> Callable[[], None]:
    """SIGTERM and SIGHUP stop the command like Ctrl-C does (workers end, committed work is kept, one line);
    stdout tolerates a reader that goes away. Returns a function that undoes it."""
    before = {s: signal.getsignal(s) for s in handled}
    for s in handled:
        signal.signal(s, _on_signal)
    stdout = sys.stdout
    if not isinstance(stdout, QuietPipe):
        sys.stdout = QuietPipe(stdout)

    def undo() -> None:
        for s, handler in before.items():
            signal.signal(s, handler)
        sys.stdout = stdout

    return undo


def main() -> None:
    """The ``calfcare`` entry point."""
    install_process_handlers()
    try:
        app(prog_name="calfcare")
    except KeyboardInterrupt as exc:  # before or after a command (typer's own handling is bypassed)
        raise SystemExit(_interrupted(exc)) from None
