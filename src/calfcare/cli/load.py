"""``calfcare load`` (weekly load, spikes, acute/chronic, warnings, optional plot), ``calfcare retro`` (what changed
in the six weeks before the injury, and the pre-injury baseline) and ``calfcare adherence``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from calfcare.analytics.intensity import format_pace
from calfcare.analytics.load import LoadConfig
from calfcare.cli.app import (
    DateOpt,
    JsonOpt,
    RunnerOpt,
    app,
    console,
    open_store,
    parse_day,
    print_json,
    print_table,
    runner_name,
)
from calfcare.cli.app import want_json as _want_json
from calfcare.errors import InvalidInput
from calfcare.services.load import adherence_report, load_report, retro_report

WeeksOpt = Annotated[int, typer.Option("--weeks", min=1, max=520, help="How many weeks to show.")]
AcuteOpt = Annotated[
    int, typer.Option("--acute-days", min=1, max=60, help="EWMA span N of the acute load (λ = 2/(N+1)).")
]
ChronicOpt = Annotated[
    int, typer.Option("--chronic-days", min=2, max=365, help="EWMA span N of the chronic load (λ = 2/(N+1)).")
]
PlotOpt = Annotated[
    Path | None, typer.Option("--plot", help="Also draw the load picture to FILE.png or FILE.svg.", show_default=False)
]


def _fmt(value: Any, spec: str = ".1f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def _not_counted(left: dict[str, Any], where: str) -> None:
    """One line for what the report left out (nothing is dropped silently)."""
    if not left["count"]:
        return
    parts = ", ".join(
        f"{v['count']} {k.replace('_', ' ')} ({v['distance_km']:.1f} km)" for k, v in left["by_sport"].items()
    )
    console.print(
        f"[yellow]Not counted {where}:[/] {left['count']} activities, {left['distance_km']:.1f} km — {escape(parts)}. "
        f"{escape(left['hint'] or '')} (ids: {', '.join(map(str, left['activity_ids']))})",
        soft_wrap=True,
    )


@app.command("load")
def load_command(
    weeks: WeeksOpt = 12,
    json_out: JsonOpt = False,
    plot: PlotOpt = None,
    runner: RunnerOpt = None,
    day: DateOpt = None,
    acute_days: AcuteOpt = 7,
    chronic_days: ChronicOpt = 28,
) -> None:
    """Weekly distance and load, single-run spikes, acute and chronic load and warnings before the next spike."""
    _want_json(json_out)
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise InvalidInput(f"--plot: expected a file ending in .png or .svg, got {str(plot)!r}")
    if chronic_days <= acute_days:
        raise InvalidInput(f"--chronic-days ({chronic_days}) must be longer than --acute-days ({acute_days})")
    config = LoadConfig(acute_days=acute_days, chronic_days=chronic_days)
    report = load_report(
        db=open_store(), runner=runner_name(runner), today=parse_day(day), weeks=weeks, plot=plot, config=config
    )
    if json_out:
        print_json(report)
        return
    table = Table(title=f"Weekly load — {escape(report['runner'])} (threshold pace {report['threshold_pace']})")
    table.add_column("week of", no_wrap=True)
    for col in ("km", "change", "runs", "long run", "fast min", "climb m/km", "monotony", "spike", "injured"):
        table.add_column(col, justify="left" if col == "spike" else "right", overflow="fold")
    for w in report["weeks"]:
        table.add_row(
            w["week_start"], _fmt(w["distance_km"]), _fmt(w["pct_change"], "+.0f", " %"), str(w["runs"]),
            _fmt(w["longest_km"]), _fmt(w["fast_min"], ".0f"), _fmt(w["climb_per_km"], ".0f"),
            _fmt(w["monotony"], ".2f"), w["max_spike"] or "", f"{w['injured_days']} d" if w["injured_days"] else "",
        )  # fmt: skip
    print_table(table)
    _not_counted(report["not_counted"], "as running in these weeks")
    cur = report["current"]
    console.print(
        f"Acute load {_fmt(cur['acute_km_per_week'])} km/week, chronic {_fmt(cur['chronic_km_per_week'])} km/week, "
        f"uncoupled ratio {_fmt(cur['acwr_uncoupled'], '.2f')} — {cur['acwr_note']}."
    )
    for w in report["warnings"]:
        style = {"warning": "bold red", "caution": "yellow", "info": "cyan"}[w["level"]]
        console.print(f"[{style}]{w['level']}:[/] {escape(w['text'])}", soft_wrap=True)
    for c in report["caveats"]:
        console.print(f"[dim]Note: {escape(c)}[/]", soft_wrap=True)
    if "plot" in report:
        console.print(f"Plot written to {escape(report['plot'])}")


@app.command("retro")
def retro_command(
    json_out: JsonOpt = False,
    runner: RunnerOpt = None,
    onset: Annotated[
        str | None, typer.Option("--onset", help="Onset to look back from, YYYY-MM-DD (default: latest episode).")
    ] = None,
) -> None:
    """What changed in the six weeks before the injury, each change tied to the calf muscle it loads."""
    _want_json(json_out)
    when: date | None = parse_day(onset, field="--onset") if onset else None
    report = retro_report(db=open_store(), runner=runner_name(runner), onset=when)
    if json_out:
        print_json(report)
        return
    console.print(f"[bold]Before the injury of {report['onset']}[/]")
    _not_counted(report["not_counted"], "as running in the six weeks before")
    for line in report["lines"]:
        console.print(f"• {escape(line)}", soft_wrap=True)
    b, used = report["baseline"], report["plan_baseline"]
    if b["source"] == "files":
        console.print(
            f"Pre-injury baseline: {b['weekly_km']} km/week, {b['runs_per_week']} runs/week, usual run "
            f"{b['usual_run_km']} km ({_fmt(b['usual_run_min'], '.0f')} min), long run {b['long_run_km']} km, "
            f"easy pace {format_pace(b['easy_pace_s_per_km'])}."
            + (f" {_plan_sizing(b, used)}" if report["episode_at_onset"] else ""),
            soft_wrap=True,
        )
    else:
        console.print("Not enough runs before the onset to set a baseline from the files.")


def _plan_sizing(baseline: dict[str, Any], used: dict[str, Any] | None) -> str:
    if used == baseline:
        return "The return-to-run plan is sized from it."
    if used is None or used.get("source") != "files":
        return (
            "Your plan was set up before these runs were in the files, so it is not sized from them: "
            "`calfcare assess --again` sizes the return to running from your own running (it reuses your answers; "
            "nothing is asked again)."
        )
    return (
        f"Your plan was sized from the files as they were at the assessment ({used.get('weekly_km')} km/week): "
        "`calfcare assess --again` uses this baseline (it reuses your answers; nothing is asked again)."
    )


@app.command("adherence")
def adherence_command(json_out: JsonOpt = False, runner: RunnerOpt = None, day: DateOpt = None) -> None:
    """Each run since the injury against that day's prescription: as prescribed, overdone, underdone or skipped."""
    _want_json(json_out)
    report = adherence_report(db=open_store(), runner=runner_name(runner), today=parse_day(day))
    if json_out:
        print_json(report)
        return
    if not report["days"]:
        console.print(f"No planned or imported runs since the onset ({report['onset']}).")
    for d in report["days"]:
        console.print(f"[bold]{d['date']}[/] {d['verdict']}: {escape('; '.join(d['reasons']))}", soft_wrap=True)
    latest = report["latest"]
    if latest and latest["ask"]:
        console.print("Please tell us in your check-in:")
        for q in latest["ask"]:
            console.print(f"  • {escape(q)}", soft_wrap=True)
