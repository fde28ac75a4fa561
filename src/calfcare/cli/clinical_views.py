"""Readable (Rich) views of the clinical results: assessment, check-in, today's plan and the history.

Every view takes a contract-shaped dict (the same JSON ``--json`` prints), so what the runner reads and what a
program reads cannot disagree. Urgent and emergency results are always the first thing shown, in a red panel
that says where to go, and no plan is shown with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

DISCLAIMER = (
    "calfcare gives information from published sources; it does not diagnose. If anything gets worse, or you are "
    "worried, see a doctor or physiotherapist."
)
_STOP = ("emergency", "urgent")
_TITLES = {
    "emergency": "EMERGENCY — call an ambulance or go to an emergency department now",
    "urgent": "URGENT — see a doctor today",
    "see_clinician": "See a clinician in the next few days",
}
_DECISIONS = {
    "progress": ("Progress", "green"),
    "hold": ("Hold", "yellow"),
    "step_back": ("Step back", "dark_orange"),
    "refer": ("Stop — see a clinician", "bold red"),
}


#: how the answer keys in a red flag's ``because`` read to the runner, where the key's name alone would mislead
#: (each is in ``because`` only with the answer shown here; see :mod:`calfcare.clinical.redflags`)
_BECAUSE_WORDS = {
    "can_bear_weight": "cannot bear weight",
    "single_leg_heel_raises_injured": "no single-leg heel raise on the sore leg",
    "squeeze_test_no_movement": "the foot did not move when the calf was squeezed",
    "side": "both legs",
    "pain_location": "where it hurts",
    "onset": "how it started",
    "activity_at_onset": "what you were doing when it started",
}


def because_words(keys: Sequence[object]) -> str:
    """The answers behind a red flag, in plain words."""
    return ", ".join(_BECAUSE_WORDS.get(str(k), str(k).replace("_", " ")) for k in keys)


def red_flag_panel(disposition: str, flags: Sequence[dict[str, Any]], *, footer: str | None = None) -> Panel:
    """Where to go and why, one block per red flag, in a panel that cannot be missed."""
    lines: list[Text] = []
    for f in flags:
        lines.append(Text(str(f.get("advice") or ""), style="bold"))
        because = because_words(f.get("because") or ())
        code = str(f.get("code", "")).replace("_", " ")
        detail = f"  possible {code}" + (f" — because: {because}" if because else "")
        sources = ", ".join(f.get("sources") or ())
        lines.append(Text(detail + (f" (source: {sources})" if sources else "")))
    if footer:
        lines.append(Text(footer, style="bold"))
    colour = "red" if disposition in _STOP else "yellow"
    return Panel(
        Group(*lines),
        title=Text(_TITLES.get(disposition, disposition), style=f"bold {colour}"),
        border_style=colour,
        expand=True,
    )


def show_assessment(console: Console, data: dict[str, Any]) -> None:
    disposition = str(data.get("disposition"))
    flags = list(data.get("red_flags") or [])
    if disposition in _STOP:
        console.print(red_flag_panel(disposition, flags, footer="No rehab plan: get checked first."))
        _notes(console, data.get("notes"))
        console.print(Text(DISCLAIMER, style="dim"))
        return
    for warning in data.get("warnings") or ():  # e.g. the safety screen was not completed: said first
        console.print(Text(f"! {warning}", style="bold yellow"))
    if flags:
        console.print(red_flag_panel(disposition, flags))
    structure = data.get("structure") or {}
    likely = str(structure.get("likely") or "unclear")
    odds = ", ".join(f"{k} {round(100 * float(v))} %" for k, v in (structure.get("likelihoods") or {}).items())
    console.print(
        Text.assemble(
            ("Most likely: ", "bold"),
            (likely.replace("_", " "), "bold cyan"),
            f" ({odds})" if odds else "",
            " — a likelihood from your answers, not a diagnosis.",
        )
    )
    for sign in structure.get("signs") or ():
        console.print(Text(f"  • {sign}"))
    severity = data.get("severity") or {}
    days = severity.get("return_to_run_days")
    span = f", back to running in about {days[0]}–{days[1]} days" if isinstance(days, list) and len(days) == 2 else ""
    console.print(
        Text.assemble(
            ("Severity: ", "bold"),
            str(severity.get("estimate") or "not clear yet"),
            span,
            " (an estimate, not a promise)",
        )
    )
    if data.get("start_phase"):
        console.print(Text.assemble(("Starting phase: ", "bold"), str(data["start_phase"]).replace("_", " ")))
    _bullets(console, "What to do now", data.get("advice"))
    _bullets(console, "Why", data.get("reasons"))
    if data.get("sources"):
        console.print(Text("Sources: " + "; ".join(map(str, data["sources"])), style="dim"))
    _notes(console, data.get("notes"))
    if (data.get("episode") or {}).get("status") == "open":
        console.print(Text("Next: `calfcare today` for today's plan, and `calfcare checkin` each day.", style="bold"))
    console.print(Text(DISCLAIMER, style="dim"))


def show_checkin(console: Console, data: dict[str, Any]) -> None:
    decision = str(data.get("decision"))
    flags = list(data.get("red_flags") or [])
    stopped = (data.get("episode") or {}).get("status") == "referred"
    stopped_by = [f for f in (data.get("referral") or {}).get("red_flags") or () if isinstance(f, dict)]
    if decision == "refer" and flags:
        worst = _worst(flags)
        console.print(red_flag_panel(worst, flags, footer="The plan is stopped until a clinician has seen you."))
    elif decision == "refer" and stopped and stopped_by:  # a quiet day does not soften the flag that stopped it
        footer = f"The plan is still stopped (since {data['referral'].get('date')}) until a clinician has seen you."
        console.print(red_flag_panel(_worst(stopped_by), stopped_by, footer=footer))
    elif decision == "refer":
        title = "The plan is stopped: see a clinician first" if stopped else "Please see a physiotherapist or doctor"
        body = "\n".join(f"• {_plain(str(r))}" for r in data.get("reasons") or ())
        console.print(Panel(body, title=Text(title, style="bold"), border_style="red" if stopped else "yellow"))
    label, style = _DECISIONS.get(decision, (decision, "bold"))
    stage = f" — {data['stage']}" if data.get("stage") else ""
    console.print(
        Text.assemble(
            (f"{data.get('date')}: ", "bold"),
            (label, f"bold {style}"),
            f"   phase: {str(data.get('phase') or '-').replace('_', ' ')}{stage}",
        )
    )
    if data.get("replaced"):
        console.print(Text("This replaced the check-in you had already entered for that day.", style="yellow"))
    if not (decision == "refer" and flags):  # the red panel above already says why
        _bullets(console, "Why", data.get("reasons"))
    _notes(console, [n for n in data.get("notes") or () if "replaced your earlier" not in str(n)])
    if decision != "refer":
        console.print(Text("See `calfcare today` for what to do next.", style="dim"))


def show_today(console: Console, plan: dict[str, Any]) -> None:
    ep = plan.get("episode") or {}
    if plan.get("status") == "referred":
        referral = plan.get("referral") or {}
        flags = list(referral.get("red_flags") or [])
        footer = "No exercises or running until a clinician has seen you."
        if flags:
            console.print(red_flag_panel(_worst(flags), flags, footer=footer))
        else:
            body = "\n".join([*map(str, referral.get("where_to_go") or ()), footer])
            console.print(Panel(body, title="See a clinician before going on", border_style="red"))
        if referral.get("date"):
            console.print(Text(f"Plan stopped on {referral['date']}.", style="bold"))
        if referral.get("resume"):
            console.print(Text(str(referral["resume"]), style="dim"))
        return
    standing = [f for f in plan.get("red_flags") or () if isinstance(f, dict)]
    if standing:  # a see-a-clinician flag that left the plan running: shown first, the plan goes on below it
        footer = "Meanwhile the plan below goes on, within its pain limits."
        console.print(red_flag_panel(_worst(standing), standing, footer=footer))
    stage = f" — {plan['stage']}" if plan.get("stage") else ""
    console.print(
        Text.assemble(
            (f"{plan.get('date')}  ", "bold"),
            f"day {ep.get('day')} of your {str(ep.get('structure') or 'calf').replace('_', ' ')} episode   ",
            ("phase: ", "bold"),
            (str(plan.get("phase") or "").replace("_", " ") + stage, "cyan"),
        )
    )
    prescription = plan.get("prescription") or {}
    console.print(Text(f"Today: {str(prescription.get('kind') or '').replace('_', ' ')}", style="bold"))
    items = prescription.get("items") or []
    if items:
        console.print(_items_table(items))
    if prescription.get("run"):
        console.print(_run_text(prescription["run"]))
    gate = plan.get("gate")
    if gate and gate.get("criteria"):
        console.print(_gate_table(gate))
    _bullets(console, "Watch out", plan.get("warnings"))
    _early_runs(console, plan)
    console.print(Text(DISCLAIMER, style="dim"))


def _items_table(items: Sequence[dict[str, Any]]) -> Group:
    """A compact table (what, for which muscle, how much), then how to do each one underneath."""
    table = Table(title="Exercises", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("exercise")
    table.add_column("for")
    table.add_column("dose")
    table.add_column("how often")
    how: list[Text] = []
    for n, it in enumerate(items, 1):
        table.add_row(
            str(n), str(it.get("name", "")), str(it.get("target", "")).replace("_", " "), dose(it), how_often(it)
        )
        parts = [str(p) for p in (it.get("load"), it.get("tempo")) if p]
        cues = list(it.get("cues") or ())[:1]
        how.append(Text(f"  {n}. " + "; ".join([*parts, *map(str, cues)]), style="dim"))
    return Group(table, Text("How:", style="bold"), *how)


def dose(item: dict[str, Any]) -> str:
    """How much of an exercise: minutes for a timed one (a walk), else sets × reps (and the hold)."""
    if item.get("minutes"):
        return f"{item['minutes']} min"
    out = f"{item.get('sets', '')} × {item.get('reps', '')}" if item.get("sets") else str(item.get("reps") or "")
    if item.get("hold_s"):
        out += f", hold {item['hold_s']} s"
    return out


def how_often(item: dict[str, Any]) -> str:
    """How often an exercise is done: times a day and days a week ("3× a day, every day"; "once a day, 5 days a
    week")."""
    per_day, per_week = item.get("per_day"), item.get("per_week")
    day = "" if not per_day else ("once a day" if per_day == 1 else f"{per_day}× a day")
    week = "" if not per_week else ("every day" if per_week >= 7 else f"{per_week} days a week")
    return ", ".join(p for p in (day, week) if p)


def _early_runs(console: Console, plan: dict[str, Any]) -> None:
    """Runs done while running was not allowed yet, and what to tell about the ones no check-in covers."""
    early = list(plan.get("runs_before_running_allowed") or ())
    if not early:
        return
    console.print(Text("Runs while running was not allowed yet:", style="bold dark_orange"))
    for r in early:
        km = f"{r['distance_km']:g} km, " if r.get("distance_km") else ""
        when = "plan stopped" if r.get("stopped") else f"{_word(r.get('phase'))} phase"
        told = "" if r.get("checked_in") else " — no check-in yet"
        console.print(Text(f"  • {r['date']}: {km}{r.get('minutes', 0):g} min ({when}){told}"))
    for ask in plan.get("ask_about_runs") or ():
        console.print(Text(f"Please tell us about {ask['date']} ({ask['how']}):", style="bold"))
        for question in ask.get("questions") or ():
            console.print(Text(f"  • {question}"))


def _run_text(run: dict[str, Any]) -> Text:
    parts = [f"warm up {run['warm_up_min']} min walking"] if run.get("warm_up_min") else []
    for iv in run.get("intervals") or ():
        parts.append(f"{iv.get('repeats')} × (walk {iv.get('walk_min')} min, run {iv.get('run_min')} min)")
    if run.get("continuous_min"):
        parts.append(f"run {run['continuous_min']} min continuously")
    total = f"; about {run['total_min']} min in all" if run.get("total_min") else ""
    effort = f"; effort: {run['effort']}" if run.get("effort") else ""
    return Text.assemble(("Run: ", "bold"), ", then ".join(parts) + total + effort)


def _gate_table(gate: dict[str, Any]) -> Table:
    table = Table(title=f"To move on to {str(gate.get('to') or '').replace('_', ' ')}", title_justify="left")
    table.add_column("criterion")
    table.add_column("now", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    for c in gate["criteria"]:
        met = c.get("met")
        mark = Text("✓", style="green") if met else (Text("✗", style="red") if met is False else Text("?"))
        table.add_row(str(c.get("name", "")), _value(c.get("value")), _value(c.get("target")), mark)
    return table


def show_history(console: Console, hist: dict[str, Any]) -> None:
    ep = hist.get("episode")
    referral = hist.get("referral") or {}
    if ep is None and not referral:
        if hist.get("assessments"):  # assessed, but nothing that opened a plan (e.g. not a calf strain)
            console.print(f"No rehab episode for runner {hist.get('runner')!r}; assessments so far:")
            _assessment_lines(console, hist.get("assessments") or ())
            return
        console.print(f"No episodes recorded for runner {hist.get('runner')!r}. Start with `calfcare assess`.")
        return
    if referral:  # a stopped plan: where to go before anything else
        stop_flags = [f for f in referral.get("red_flags") or () if isinstance(f, dict)]
        when = "Assessed" if referral.get("by") == "assessment" and ep is None else "The plan stopped"
        footer = f"{when} on {referral.get('date')}: no exercises or running until a clinician has seen you."
        if stop_flags:
            console.print(red_flag_panel(_worst(stop_flags), stop_flags, footer=footer))
        else:
            body = "\n".join([*map(str, referral.get("where_to_go") or ()), footer])
            console.print(Panel(body, title="See a clinician before going on", border_style="red"))
    if ep is None:
        _assessment_lines(console, hist.get("assessments") or ())
        return
    console.print(
        Text.assemble(
            ("Episode: ", "bold"),
            f"{str(ep.get('structure') or 'calf').replace('_', ' ')}, onset {ep.get('onset')}, ",
            f"status {ep.get('status')}",
            f" (closed {ep['closed_on']})" if ep.get("closed_on") else "",
        )
    )
    _assessment_lines(console, hist.get("assessments") or ())
    rows = hist.get("checkins") or []
    if rows:
        table = Table(title="Check-ins", title_justify="left", caption="rules and sources: --json", show_lines=True)
        table.add_column("date", no_wrap=True)
        table.add_column("decision")
        table.add_column("phase / stage", ratio=1)
        table.add_column("why", ratio=2)
        for r in rows:
            label, style = _DECISIONS.get(str(r["decision"]), (str(r["decision"]), ""))
            where = f"{str(r.get('phase') or '').replace('_', ' ')}\n{r.get('stage') or ''}"
            why = "\n".join(f"• {_plain(str(x))}" for x in r.get("reasons") or ())
            table.add_row(r["date"], Text(label, style=style), where, why)
        console.print(table)
        console.print(pain_chart(hist.get("pain_series") or []))
    else:
        console.print("No check-ins yet.")


def _assessment_lines(console: Console, assessments: Sequence[dict[str, Any]]) -> None:
    for a in assessments:
        found = [_word(a[k]) for k in ("disposition", "structure", "severity") if a.get(k)]
        flags = f", red flags: {', '.join(_word(c) for c in a['red_flags'])}" if a.get("red_flags") else ""
        again = f" (run again on {a['again_on']} with your imported files)" if a.get("again_on") else ""
        console.print(Text(f"  assessed {a['date']}: {', '.join(found)}{flags}{again}"))


_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], *, top: float = 10.0) -> str:
    """One character per value, scaled 0..top; a dot for a missing value."""
    out = []
    for v in values:
        if v is None:
            out.append("·")
        else:
            out.append(_BARS[min(len(_BARS) - 1, max(0, round(float(v) / top * (len(_BARS) - 1))))])
    return "".join(out)


CHART_DAYS = 42  # the trend shows at most the last six weeks, one mark per day


def pain_chart(series: Sequence[dict[str, Any]]) -> Panel:
    """Morning pain, pain during the session and heel raises, one mark per day (a dot: no check-in that day)."""
    if not series:
        return Panel("no check-ins yet", title="Trend")
    by_day = {date.fromisoformat(str(p["date"])): p for p in series}
    last = max(by_day)
    first = max(min(by_day), last - timedelta(days=CHART_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    points = [by_day.get(d, {}) for d in days]
    raises = [p.get("single_leg_heel_raises_injured") for p in points]
    top_raises = max([r for r in raises if r is not None] or [1])
    rows = [
        ("morning pain (0–10)", [p.get("morning_pain") for p in points], 10.0, "red"),
        ("pain during session", [p.get("pain_during_session") for p in points], 10.0, "dark_orange"),
        ("heel raises (sore leg)", raises, float(top_raises), "green"),
    ]
    lines = [Text(f"{first.isoformat()} → {last.isoformat()}  ({len(days)} days, {len(series)} check-ins)", "dim")]
    for name, values, top, style in rows:
        known = [v for v in values if v is not None]
        summary = f"  first {_value(known[0])}, now {_value(known[-1])}" if known else "  no data"
        lines.append(Text.assemble(f"{name:<24}", (sparkline(values, top=top), style), summary))
    return Panel(Group(*lines), title="Trend: one mark per day, higher = more", title_align="left")


_RULE_SUFFIX = re.compile(r"\s*\(rule: [^()]*(?:\([^()]*\)[^()]*)*\)\s*$")


def _plain(reason: str) -> str:
    """A reason without its trailing "(rule: …; source: …)" — for tables where space is short."""
    return _RULE_SUFFIX.sub("", reason)


def worst_urgency(flags: Sequence[dict[str, Any]]) -> str:
    """The most urgent urgency among contract-shaped red flags (``urgent`` when none says)."""
    return _worst(flags)


def _worst(flags: Sequence[dict[str, Any]]) -> str:
    order = ("see_clinician", "urgent", "emergency")
    ranks = [order.index(str(f.get("urgency"))) for f in flags if f.get("urgency") in order]
    return order[max(ranks)] if ranks else "urgent"


def _value(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _bullets(console: Console, title: str, items: Any) -> None:
    items = [str(i) for i in items or ()]
    if items:
        console.print(Text(f"{title}:", style="bold"))
        for i in items:
            console.print(Text(f"  • {i}"))


def _notes(console: Console, notes: Any) -> None:
    for n in notes or ():
        console.print(Text(f"Note: {n}", style="italic"))


def show_episode_list(console: Console, data: dict[str, Any]) -> None:
    """``calfcare episode list``: one row per episode, the active one marked."""
    episodes = list(data.get("episodes") or ())
    if not episodes:
        console.print(f"No episodes recorded for runner {data.get('runner')!r}. Start with `calfcare assess`.")
        return
    table = Table(title="Episodes", title_justify="left")
    for name, justify in (("#", "right"), ("status", "left"), ("calf", "left"), ("onset", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "calf")  # type: ignore[arg-type]
    table.add_column("phase")
    table.add_column("check-ins", justify="right")
    table.add_column("closed", ratio=1)
    for e in episodes:
        mark = " *" if e.get("id") == data.get("active") else ""
        calf = " ".join(_word(e.get(k)) for k in ("side", "structure") if e.get(k))
        closed = f"{e['closed_on']}: {e.get('closed_reason') or ''}" if e.get("closed_on") else ""
        table.add_row(
            f"{e.get('id')}{mark}",
            str(e.get("status")),
            f"{calf}, {e.get('severity') or 'severity not clear'}",
            str(e.get("onset")),
            _word(e.get("phase")),
            str(e.get("checkins", 0)),
            closed,
        )
    console.print(table)
    if data.get("active"):
        console.print(Text("* the current episode: check-ins and `calfcare today` use it", style="dim"))


def show_episode(console: Console, data: dict[str, Any]) -> None:
    """``calfcare episode show``: the episode, then its assessments and check-ins."""
    ep = data.get("episode") or {}
    calf = " ".join(_word(ep.get(k)) for k in ("side", "structure") if ep.get(k))
    console.print(
        Text.assemble(
            (f"Episode {ep.get('id')}: ", "bold"),
            f"{calf or 'calf'}, {ep.get('severity') or 'severity not clear'}, onset {ep.get('onset')}, ",
            f"status {ep.get('status')}, phase {_word(ep.get('phase'))}",
        )
    )
    if ep.get("closed_on"):
        console.print(Text(f"Closed {ep['closed_on']}: {ep.get('closed_reason') or 'no reason given'}"))
    _assessment_lines(console, data.get("assessments") or ())
    rows = data.get("checkins") or []
    if not rows:
        console.print("No check-ins yet.")
        return
    table = Table(title="Check-ins", title_justify="left")
    table.add_column("date", no_wrap=True)
    table.add_column("decision")
    table.add_column("phase")
    for r in rows:
        label, style = _DECISIONS.get(str(r.get("decision")), (str(r.get("decision")), ""))
        table.add_row(str(r.get("date")), Text(label, style=style), _word(r.get("phase")))
    console.print(table)


def show_episode_change(console: Console, data: dict[str, Any]) -> None:
    """``calfcare episode close | reopen`` and ``calfcare checkin --delete``: what was done, in a sentence or two."""
    for note in data.get("notes") or ():
        console.print(Text(str(note)))


def _word(value: object) -> str:
    return "-" if value is None else str(value).replace("_", " ")
