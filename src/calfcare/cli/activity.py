"""``calfcare activity list | set-sport ID SPORT | delete ID | original ID``: the runner's imported activities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from calfcare.cli.app import JsonOpt, RunnerOpt, app, console, open_store, print_json, runner_name, want_json
from calfcare.errors import InvalidInput, NotFound

activity_app = typer.Typer(
    help="List your imported activities, correct a sport, delete one, save its original file.", no_args_is_help=True
)
app.add_typer(activity_app, name="activity")


def _render(rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"{len(rows)} activities")
    for column in ("id", "start", "sport", "km", "min", "counted", "name / how the sport was decided"):
        table.add_column(column, overflow="fold")
    for r in rows:
        how = r["sport_inferred"] or ("set by you" if r["sport_set_by_runner"] else "")
        if r.get("sport_reinferred_from") and not r["sport_set_by_runner"]:
            how = f"{how} (re-inferred at upgrade, was {r['sport_reinferred_from'].replace('_', ' ')})".lstrip()
        table.add_row(
            str(r["id"]),
            r["start"][:16].replace("T", " "),
            r["sport"],
            f"{r['distance_km']:.2f}",
            f"{r['duration_min']:.0f}",
            "yes" if r["counted_as_run"] else "[yellow]not counted[/]",
            escape(" — ".join(x for x in (r["name"] or "", how) if x)),
        )
    console.print(table)


@activity_app.command("list")
def list_command(runner: RunnerOpt = None, json_out: JsonOpt = False) -> None:
    """Every imported activity with its sport, and whether the load counts it as running."""
    from calfcare.services.activities import list_activities

    want_json(json_out)
    rows = list_activities(db=open_store(), runner=runner_name(runner))
    print_json(rows) if json_out else _render(rows)


@activity_app.command("set-sport")
def set_sport_command(
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="The activity's id (from `activity list`).")],
    sport: Annotated[str, typer.Argument(metavar="SPORT", help="run, trail_run, treadmill, walk, ride, swim, other")],
    runner: RunnerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct an activity's sport; the correction is kept when the same run is imported again."""
    from calfcare.services.activities import set_sport

    want_json(json_out)
    row = set_sport(db=open_store(), runner=runner_name(runner), activity_id=activity_id, sport=sport)
    print_json(row) if json_out else console.print(f"Activity {row['id']} is now [bold]{row['sport']}[/].")


@activity_app.command("delete")
def delete_command(
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="The activity's id (from `activity list`).")],
    runner: RunnerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Delete an activity (and its streams); the plan is replayed without it."""
    from calfcare.services.activities import delete_activity

    want_json(json_out)
    row = delete_activity(db=open_store(), runner=runner_name(runner), activity_id=activity_id)
    print_json(row) if json_out else console.print(
        f"Deleted activity {row['id']} ({row['sport']}, {row['start'][:10]})."
    )


@activity_app.command("original")
def original_command(
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="The activity's id (from `activity list`).")],
    folder: Annotated[
        Path, typer.Option("--to", help="The folder to save the file(s) in (default: this folder).", show_default=False)
    ] = Path("."),
    runner: RunnerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Save the original file(s) an activity was imported from, exactly as received (two for a run recorded twice
    and merged). A file of that name already in the folder is not overwritten."""
    from calfcare.cli.exports import write_file
    from calfcare.services.activities import original_files

    want_json(json_out)
    files = original_files(db=open_store(), runner=runner_name(runner), activity_id=activity_id)
    if not files:
        raise NotFound(
            f"activity {activity_id} has no original file kept: it is a Strava manual entry, or it was imported before "
            "calfcare kept files (import the file again to keep it)"
        )
    if not folder.is_dir():
        raise InvalidInput(f"--to: {folder} is not a folder")
    taken = [name for name, _ in files if (folder / name).exists()]
    if taken:
        raise InvalidInput(f"--to: {', '.join(str(folder / n) for n in taken)} already exists; nothing was written")
    for name, data in files:
        write_file(folder / name, data)
    if json_out:
        saved = [{"path": str(folder / name), "bytes": len(data)} for name, data in files]
        print_json({"activity": activity_id, "saved": saved})
    else:
        for name, data in files:
            console.print(f"Saved {escape(str(folder / name))} ({len(data):,} bytes).")
