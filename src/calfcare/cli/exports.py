"""Records a runner owns: ``calfcare export ical|fhir|all``, ``calfcare import-backup``, ``calfcare report`` and
``calfcare runner delete``. Each command: parse → one service call → write the bytes (atomically) or render."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from calfcare.cli.app import (
    DateOpt,
    JsonOpt,
    RunnerOpt,
    app,
    console,
    err_console,
    open_store,
    parse_day,
    print_json,
    runner_name,
    want_json,
)
from calfcare.errors import InvalidInput, NotFound

export_app = typer.Typer(help="Take your records anywhere: calendar, FHIR, full backup.", no_args_is_help=True)
app.add_typer(export_app, name="export")
runner_app = typer.Typer(help="Runners in this database: delete one and everything of theirs.", no_args_is_help=True)
app.add_typer(runner_app, name="runner")

FileArg = Annotated[Path, typer.Argument(help="The file to write.", show_default=False)]


def _expect_suffix(path: Path, *suffixes: str) -> None:
    if path.suffix.lower() not in suffixes:
        raise InvalidInput(f"{path}: expected a file ending in {' or '.join(suffixes)}")


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file in the same folder, then renamed)."""
    write_with(path, lambda out: out.write(data))


def write_with(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let ``write`` fill ``path`` whole or not at all: it writes into a temporary file in the same folder, which is
    renamed over ``path`` when it returns (and removed if it raises)."""
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        raise InvalidInput(f"{path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot write it ({exc.strerror or exc})") from None


def _files_bar(verb: str) -> Progress:
    """The progress bar of a backup's activity files (on stderr; gone when done)."""
    columns = (TextColumn(verb), BarColumn(), MofNCompleteColumn(), TextColumn("activity files"))
    return Progress(*columns, console=err_console, transient=True)


def _done(path: Path, data: bytes, what: str, json_out: bool) -> None:
    write_file(path, data)
    if json_out:
        print_json({"file": str(path), "bytes": len(data), "what": what})
    else:
        console.print(f"Wrote {escape(what)} to [bold]{escape(str(path))}[/] ({len(data):,} bytes).", soft_wrap=True)


WeeksOpt = Annotated[int, typer.Option("--weeks", min=1, max=26, help="How many weeks of the plan to put in.")]


@export_app.command("ical")
def export_ical(
    file: FileArg, weeks: WeeksOpt = 4, runner: RunnerOpt = None, day: DateOpt = None, json_out: JsonOpt = False
) -> None:
    """The plan as a calendar (.ics): exercise days and runs with their dose, and a daily check-in reminder."""
    want_json(json_out)
    _expect_suffix(file, ".ics")
    from calfcare.services.exports import ical_for_runner

    data = ical_for_runner(db=open_store(), runner=runner_name(runner), weeks=weeks, day=parse_day(day))
    _done(file, data, f"{weeks} weeks of the plan", json_out)


@export_app.command("fhir")
def export_fhir(file: FileArg, runner: RunnerOpt = None, day: DateOpt = None, json_out: JsonOpt = False) -> None:
    """Your record as a FHIR R4 Bundle (.json) for a clinic's record system."""
    want_json(json_out)
    _expect_suffix(file, ".json")
    from calfcare.services.exports import fhir_for_runner

    data = fhir_for_runner(db=open_store(), runner=runner_name(runner), day=parse_day(day))
    _done(file, data, "the FHIR R4 Bundle", json_out)


@app.command("report")
def report(
    file: FileArg,
    episode: Annotated[
        int | None,
        typer.Option("--episode", help="The episode to report on (default: the latest).", show_default=False),
    ] = None,
    runner: RunnerOpt = None,
    day: DateOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A one-to-three-page PDF for your clinician: injury, red flags, pain and heel-raise trend, phases, adherence,
    training load before and after, and the sources."""
    want_json(json_out)
    _expect_suffix(file, ".pdf")
    from calfcare.services.exports import report_pdf

    data = report_pdf(db=open_store(), runner=runner_name(runner), episode_id=episode, day=parse_day(day))
    _done(file, data, "the clinician's report", json_out)


@export_app.command("all")
def export_all(
    file: FileArg,
    all_runners: Annotated[
        bool, typer.Option("--all-runners", help="Every runner in the database (an administrator's backup).")
    ] = False,
    runner: RunnerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every record of the runner (or of everyone) as documented JSON in a zip, with the original activity files as
    they were imported; restore with import-backup."""
    want_json(json_out)
    _expect_suffix(file, ".zip")
    from calfcare.services.runners import write_backup_file

    db, who = open_store(), None if all_runners else runner_name(runner)
    kept = 0
    with _files_bar("backing up") as bar:
        task = bar.add_task("backup", total=None)

        def write(out: BinaryIO) -> None:
            nonlocal kept
            kept = write_backup_file(
                db=db, runner=who, out=out, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )

        write_with(file, write)
    size = file.stat().st_size
    what = "the backup of every runner" if all_runners else "the backup"
    if json_out:
        print_json({"file": str(file), "bytes": size, "what": what, "original_files": kept})
    else:
        console.print(
            f"Wrote {what} to [bold]{escape(str(file))}[/] ({size:,} bytes, with {kept:,} original activity "
            f"file{'' if kept == 1 else 's'}).",
            soft_wrap=True,
        )


@app.command("import-backup")
def import_backup(
    file: Annotated[
        Path, typer.Argument(help="A backup zip made by `calfcare export all`.", show_default=False, metavar="FILE")
    ],
    runner: Annotated[
        str | None,
        typer.Option(
            "--runner",
            help="Restore a one-runner backup under this name (e.g. beside the original). Default: its own name.",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Restore a backup into this database (empty or holding other runners), all of it or nothing."""
    want_json(json_out)
    from calfcare.services.runners import restore_backup

    try:
        # read as the restore goes (the original files a few at a time), not all at once
        with file.open("rb") as data, _files_bar("restoring") as bar:
            task = bar.add_task("restore", total=None)
            outcome = restore_backup(
                db=open_store(),
                data=data,
                source=str(file),
                as_runner=runner,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except FileNotFoundError:
        raise NotFound(f"{file}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{file}: is a folder, not a backup zip") from None
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read it ({exc.strerror or exc})") from None
    if json_out:
        print_json(outcome.to_dict())
        return
    rows = sum(outcome.rows.values())
    names = ", ".join(outcome.runners) or "no runner"
    console.print(f"Restored {escape(names)}: {rows:,} records in {len(outcome.rows)} tables.", soft_wrap=True)
    if outcome.migrated:
        console.print(f"The backup came from schema {outcome.from_revision} and was migrated on the way in.")
    if outcome.renumbered:
        console.print("Its ids were in use here, so the restored records got new ids (links kept).")


@runner_app.command("delete")
def runner_delete(
    name: Annotated[
        str | None,
        typer.Argument(help="The runner to delete (or give it with --runner).", show_default=False, metavar="NAME"),
    ] = None,
    runner: Annotated[
        str | None, typer.Option("--runner", help="The runner to delete.", show_default=False, metavar="NAME")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Erase the runner and every record of theirs (episodes, check-ins, activities…) in one transaction."""
    want_json(json_out)
    from calfcare.services.runners import delete_runner, runner_rows

    if name is not None and runner is not None and name != runner:
        raise InvalidInput(f"runner delete: NAME {name!r} and --runner {runner!r} differ; give one of them")
    name = name or runner
    if name is None:
        raise InvalidInput("runner delete: name the runner to delete (calfcare runner delete NAME)")
    db = open_store()
    if not yes:
        counts = runner_rows(db=db, runner=name)
        total = sum(counts.values())
        question = f"Delete runner {name!r} and all {total:,} of their records? This cannot be undone"
        try:
            confirmed = not json_out and typer.confirm(question, default=False)
        except typer.Abort:  # end of input, or Ctrl-C at the prompt
            confirmed = False
        if not confirmed:
            raise InvalidInput(f"runner {name!r} was not deleted: confirm with --yes (or answer y)")
    erased = delete_runner(db=db, runner=name)
    if json_out:
        print_json({"deleted": name, "rows": erased})
    else:
        console.print(f"Deleted runner {escape(name)!s} and {sum(erased.values()) - 1:,} records of theirs.")
