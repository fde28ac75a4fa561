"""``calfcare import PATH…``: files, folders and zip archives (Strava and Garmin exports) into the store."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from calfcare.activities.importing import ImportProgress, ImportReport
from calfcare.cli.app import JsonOpt, RunnerOpt, app, console, err_console, open_store, runner_name, want_json
from calfcare.errors import ExitCode

_STYLE = {"imported": "green", "duplicate": "yellow", "skipped": "blue", "error": "red"}


class _RateColumn(ProgressColumn):
    """Activities imported per second so far."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.perf_counter()
        self.imported = 0

    def render(self, task: Task) -> Text:
        rate = self.imported / max(time.perf_counter() - self.started, 1e-6)
        return Text(f"{rate:.1f} activities/s", style="cyan")


def _render(report: ImportReport) -> None:
    counts = report.counts
    console.print(f"[bold]Import finished[/] in {report.elapsed_s:.1f} s")
    summary = Table(show_header=False)
    for status in ("imported", "duplicate", "skipped", "error"):
        label = "failed" if status == "error" else ("duplicates" if status == "duplicate" else status)
        summary.add_row(f"[{_STYLE[status]}]{label}[/]", str(counts[status]))
    console.print(summary)
    if report.not_imported:
        table = Table(title="Not imported", show_lines=False)
        table.add_column("file", overflow="fold")
        table.add_column("status")
        table.add_column("reason", overflow="fold")
        order = {"error": 0, "duplicate": 1, "skipped": 2}
        for o in sorted(report.not_imported, key=lambda o: order.get(o.status, 3)):
            table.add_row(escape(o.path), f"[{_STYLE[o.status]}]{o.status}[/]", escape(o.error or ""))
        console.print(table)
    if report.with_warnings:
        notes = Table(title="Imported with lenient handling")
        notes.add_column("file", overflow="fold")
        notes.add_column("note", overflow="fold")
        for o in report.with_warnings:
            notes.add_row(escape(o.path), escape("; ".join(o.warnings)))
        console.print(notes)
    if counts["error"]:
        console.print(f"[red]{counts['error']} file(s) failed[/]; everything else was imported or accounted for.")


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders (recursive) or zip archives to import.")],
    runner: RunnerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import activity files: FIT, GPX, TCX (also .gz), folders, zip archives, Strava and Garmin exports.

    Duplicates (the same file, or the same run from another source) are kept once. Files that cannot be imported
    are listed with the reason, everything else is imported, and the exit code is then 3. With --json, one line per
    file; a reader that stops early (| head) does not stop the import. Ctrl-C keeps what was imported (exit 130).
    """
    from calfcare.services.importing import import_paths, outcome_json

    want_json(json_out)
    db = open_store()
    rate = _RateColumn()
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TextColumn("files"), rate)
    # auto_refresh=False: no refresh thread, so the parse workers can be forked (see pipeline.start_method)
    with Progress(*columns, TimeRemainingColumn(), console=err_console, transient=True, auto_refresh=False) as bar:
        task = bar.add_task("import", total=None)

        def on_progress(event: ImportProgress) -> None:
            rate.imported = event.imported
            bar.update(task, completed=event.done, total=event.total, refresh=True)
            if json_out:
                sys.stdout.write(json.dumps(outcome_json(event.outcome), ensure_ascii=False) + "\n")

        report = import_paths(db=db, runner=runner_name(runner), paths=paths, progress=on_progress)
    sys.stdout.flush()
    if json_out:
        counts = report.counts
        err_console.print(
            f"imported {counts['imported']}, duplicates {counts['duplicate']}, skipped {counts['skipped']}, "
            f"failed {counts['error']} ({report.elapsed_s:.1f} s)",
            highlight=False,
        )
    else:
        _render(report)
    failed = report.count("error")
    if failed:  # README: an import with refused files exits 3 (the others are imported all the same)
        total = len(report.outcomes)
        text = (
            f"none of the {total} file(s) could be imported"
            if failed == total
            else f"{failed} of {total} file(s) refused"
        )
        err_console.print(f"[bold red]Error:[/] {text} (see the reasons above)", highlight=False)
        raise typer.Exit(ExitCode.FILE_REFUSED)
