"""The rehab plan as an iCalendar feed (RFC 5545, built with the ``icalendar`` library); values in, bytes out.

- Exercise days and run sessions are all-day events, the dose in the description, with stable UIDs (runner key,
  day, kind) so a calendar app polling the feed updates an event in place when the plan moves.
- The daily check-in is one timed event (floating local time, so "08:00 wherever you are") repeating every
  day of the feed, with a display alarm (VALARM) at its start.

:func:`schedule` lays the current prescription out over the coming days: only the present phase's dose is
known (the next phase starts when its gate is met at a check-in), so the feed shows that dose ahead and is
rebuilt from the newest plan each time it is fetched or exported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from icalendar import Alarm, Calendar, Event

PRODID = "-//calfcare//rehab plan//EN"
RUN_PHASES = ("return_to_run", "full_training")
RUNS_PER_WEEK = 3  # alternate days, never two days running early on (rule run.strength_after_running)


@dataclass(frozen=True)
class Session:
    day: date
    kind: Literal["exercises", "run", "note"]
    title: str
    description: str


@dataclass(frozen=True)
class CalendarPlan:
    runner_key: str  # stable, not the runner's name (it goes into every UID)
    title: str
    first_day: date
    days: int
    sessions: tuple[Session, ...]
    checkin_time: time = time(8, 0)
    checkin_note: str = "How does the calf feel today? Run `calfcare checkin` (or use the app): it moves the plan."


def _n(value: Any) -> str:
    return str(value).rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def item_dose(item: Mapping[str, Any]) -> str:
    """One exercise and its dose on a line: "Name: 3 × 15, tempo; load; 2×/day, 7 days a week"."""
    parts = [f"{_n(item.get('sets', 1))} × {_n(item.get('reps', 1))}"]
    if item.get("hold_s"):
        parts[0] += f" (hold {_n(item['hold_s'])} s)"
    for key in ("tempo", "load"):
        if item.get(key):
            parts.append(str(item[key]))
    per_day, per_week = item.get("per_day"), item.get("per_week")
    if per_day or per_week:
        often = f"{per_day}×/day" if per_day else ""
        if per_week:
            often += f"{', ' if often else ''}{'every day' if per_week >= 7 else f'{per_week} days a week'}"
        parts.append(often)
    return f"• {item.get('name', item.get('id', 'exercise'))}: " + "; ".join(parts)


def run_dose(run: Mapping[str, Any]) -> str:
    """A run session in words: warm-up, intervals, total, effort, distance."""
    lines = []
    if run.get("warm_up_min"):
        lines.append(f"Warm up: {_n(run['warm_up_min'])} min brisk walk")
    for iv in run.get("intervals") or []:
        walk = f" / walk {_n(iv['walk_min'])} min" if iv.get("walk_min") else ""
        lines.append(f"{_n(iv.get('repeats', 1))} × (run {_n(iv.get('run_min'))} min{walk})")
    if run.get("then"):
        lines.append(f"Then: {run['then']}")
    total = f"Total {_n(run['total_min'])} min" if run.get("total_min") else ""
    if run.get("approx_km"):
        total += f" (about {_n(run['approx_km'])} km)"
    if total:
        lines.append(total)
    if run.get("effort"):
        lines.append(f"Effort: {run['effort']}")
    return "\n".join(lines)


def _spread(per_week: int) -> set[int]:
    """Which days (0–6) of each week a thing done ``per_week`` times falls on, as evenly as possible."""
    n = max(0, min(7, per_week))
    return {i for i in range(7) if (i * n) // 7 != ((i - 1) * n) // 7} if n else set()


def schedule(
    plan: Mapping[str, Any],
    *,
    first_day: date,
    days: int,
    run: Mapping[str, Any] | None = None,
    run_from: int = 0,
    runs_per_week: int = RUNS_PER_WEEK,
) -> list[Session]:
    """The sessions of ``days`` days from ``first_day`` for a ``today`` plan (its phase and prescription):
    exercise days as often as each exercise's ``per_week`` says, and, in the running phases, ``run`` (the
    stage's run; today's when it has one) on alternate days from day ``run_from``. A stopped plan (referral) or a
    rest prescription gives no sessions."""
    prescription = plan.get("prescription") or {}
    if plan.get("status") == "referred" or plan.get("referral"):
        return []
    items: Sequence[Mapping[str, Any]] = [i for i in prescription.get("items") or [] if isinstance(i, Mapping)]
    run = run if run is not None else prescription.get("run")
    phase_title = str(plan.get("title") or plan.get("phase") or "rehab")
    stage = f" — {plan['stage']}" if plan.get("stage") else ""
    gate = plan.get("gate") or {}
    gate_text = ""
    if gate.get("to"):
        names = [str(c.get("name")) for c in gate.get("criteria") or [] if isinstance(c, Mapping)]
        gate_text = f"\n\nNext phase ({str(gate['to']).replace('_', ' ')}) when: " + "; ".join(names)
    note = "\n\nThe plan moves with your check-ins; this calendar shows the current dose ahead."
    out: list[Session] = []
    runs = run is not None and plan.get("phase") in RUN_PHASES
    run_weekdays = {(2 * k) % 7 for k in range(max(0, min(runs_per_week, 4)))} if runs else set()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        todays = [i for i in items if offset % 7 in _spread(int(i.get("per_week") or 7))]
        if run is not None and offset >= run_from and (offset - run_from) % 7 in run_weekdays:
            body = run_dose(run) + "\nStrength work after the run, never before."
            out.append(Session(day, "run", f"Run: {phase_title}{stage}", body + note))
        if todays:
            body = "\n".join(item_dose(i) for i in todays)
            out.append(Session(day, "exercises", f"Calf exercises: {phase_title}", body + gate_text + note))
    return out


def build_ical(plan: CalendarPlan, *, stamp: datetime) -> bytes:
    """The calendar as bytes (text/calendar, UTF-8)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", plan.title)
    cal.add("x-published-ttl", "PT6H")  # calendar apps: poll a few times a day
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for s in plan.sessions:
        ev = Event()
        ev.add("uid", f"{plan.runner_key}-{s.day.isoformat()}-{s.kind}@calfcare")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", s.day)
        ev.add("dtend", s.day + timedelta(days=1))
        ev.add("summary", s.title)
        ev.add("description", s.description)
        ev.add("categories", ["calfcare", s.kind])
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    if plan.days > 0:
        reminder = Event()
        reminder.add("uid", f"{plan.runner_key}-checkin@calfcare")
        reminder.add("dtstamp", stamp)
        start = datetime.combine(plan.first_day, plan.checkin_time)  # floating: the runner's own local time
        reminder.add("dtstart", start)
        reminder.add("dtend", start + timedelta(minutes=5))
        reminder.add("rrule", {"freq": "daily", "count": plan.days})
        reminder.add("summary", "calfcare check-in")
        reminder.add("description", plan.checkin_note)
        reminder.add("categories", ["calfcare", "checkin"])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "calfcare check-in: how does the calf feel today?")
        alarm.add("trigger", timedelta(0))
        reminder.add_component(alarm)
        cal.add_component(reminder)
    return bytes(cal.to_ical())
