"""Adherence: each run imported after onset against that day's prescription (the ``today`` contract of
spec/CHECKIN.md: ``prescription.kind`` and ``prescription.run{intervals, total_min, effort}``).

Verdicts: ``as_prescribed``; ``overdone`` (too long, too fast or too hard for an easy plan, intervals when easy
was planned, continuous running when walk breaks were planned, a run on a rest day, two days in a row);
``underdone`` (much shorter); ``skipped`` (a run was planned, none imported). The finding goes to the next
progression decision with its reasons, and the runner is asked how the calf felt during, after and next morning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from calfcare.analytics.runs import RunDay
from calfcare.clinical.context import AdherenceFinding

TOO_LONG = 0.15  # more than 15 % over the planned minutes is overdone
TOO_SHORT = 0.30  # more than 30 % under is underdone
FAST_MIN_ON_EASY = 2.0  # minutes faster than threshold pace tolerated on an easy day
SURGES_ON_EASY = 3  # this many surges on an easy day reads as an interval session
CONSECUTIVE_RULE = "early on, keep a non-running day between runs (Green 2022 via clinics)"
RUN_KINDS = frozenset({"run", "walk_run"})
_RPE_CAP = re.compile(r"RPE\s*(?:≤|<=|<)\s*(\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True)
class PlannedRun:
    kind: str
    total_min: float
    walk_breaks: bool  # the plan alternates walking and running
    easy: bool
    rpe_cap: float | None
    distance_km: float | None = None


def planned_run(prescription: Mapping[str, Any] | None) -> PlannedRun | None:
    """The run part of a prescription (or of a whole ``today`` document); None when no run is planned."""
    if not prescription:
        return None
    if "prescription" in prescription and isinstance(prescription["prescription"], Mapping):
        prescription = prescription["prescription"]
    run = prescription.get("run")
    if prescription.get("kind") not in RUN_KINDS or not isinstance(run, Mapping):
        return None
    total = float(run.get("total_min") or 0.0)
    intervals = [i for i in run.get("intervals") or [] if isinstance(i, Mapping)]
    if total <= 0:
        total = float(run.get("warm_up_min") or 0) + sum(
            (float(i.get("walk_min") or 0) + float(i.get("run_min") or 0)) * float(i.get("repeats") or 1)
            for i in intervals
        )
    if total <= 0:
        return None
    effort = str(run.get("effort") or "")
    cap = _RPE_CAP.search(effort)
    walk = any(float(i.get("walk_min") or 0) > 0 and float(i.get("repeats") or 1) >= 2 for i in intervals)
    easy = not effort or "easy" in effort.lower() or (cap is not None and float(cap.group(1)) <= 5)
    dist = run.get("distance_km")
    return PlannedRun(
        kind=str(prescription.get("kind")),
        total_min=total,
        walk_breaks=walk,
        easy=easy,
        rpe_cap=float(cap.group(1)) if cap else None,
        distance_km=float(dist) if dist else None,
    )


def _overdone(plan: PlannedRun, runs: Sequence[RunDay]) -> list[str]:
    minutes = sum(r.duration_min for r in runs)
    out = []
    if minutes > plan.total_min * (1 + TOO_LONG):
        out.append(
            f"too long: {minutes:.0f} min against {plan.total_min:.0f} planned "
            f"(+{(minutes / plan.total_min - 1) * 100:.0f} %)"
        )
    km = sum(r.distance_km for r in runs)
    if plan.distance_km and km > plan.distance_km * (1 + TOO_LONG):
        out.append(f"too far: {km:.1f} km against {plan.distance_km:.1f} planned")
    fast = sum(r.fast_min or 0.0 for r in runs)
    surges = sum(r.surges or 0 for r in runs)
    if plan.easy and surges >= SURGES_ON_EASY:
        out.append(f"intervals when easy running was planned: {surges} surges faster than your threshold pace")
    elif plan.easy and fast > FAST_MIN_ON_EASY:
        out.append(f"too fast for an easy run: {fast:.0f} min faster than your threshold pace")
    rpe = max((r.rpe for r in runs if r.rpe is not None), default=None)
    if plan.rpe_cap is not None and rpe is not None and rpe > plan.rpe_cap:
        out.append(f"too hard: RPE {rpe:g} against a ceiling of {plan.rpe_cap:g}")
    breaks = [r.walk_breaks for r in runs if r.walk_breaks is not None]
    if plan.walk_breaks and breaks and sum(breaks) == 0 and minutes >= 10:
        out.append("ran continuously: the plan had walk breaks")
    return out


def match_day(
    day: date, prescription: Mapping[str, Any] | None, runs: Sequence[RunDay], *, ran_day_before: bool
) -> AdherenceFinding | None:
    """One day's verdict; None for a day with neither a planned nor an imported run."""
    plan = planned_run(prescription)
    if not runs:
        if plan is None:
            return None
        reason = (
            f"a {plan.kind.replace('_', '-')} of {plan.total_min:.0f} min was planned and no run was imported for "
            "this day (if you ran without a watch, log it in the check-in)"
        )
        return AdherenceFinding(day, "skipped", (reason,))
    reasons: list[str] = []
    if plan is None:
        km = sum(r.distance_km for r in runs)
        ran = f"{km:.1f} km" if km > 0 else f"{sum(r.duration_min for r in runs):.0f} min"  # no distance: treadmill
        reasons.append(f"ran {ran} on a day with no run planned")
    else:
        reasons += _overdone(plan, runs)
    if ran_day_before:
        reasons.append(f"ran two days in a row: {CONSECUTIVE_RULE}")
    if reasons:
        return AdherenceFinding(day, "overdone", tuple(reasons))
    assert plan is not None
    minutes = sum(r.duration_min for r in runs)
    if minutes < plan.total_min * (1 - TOO_SHORT):
        return AdherenceFinding(
            day, "underdone", (f"shorter than planned: {minutes:.0f} min against {plan.total_min:.0f}",)
        )
    return AdherenceFinding(day, "as_prescribed", (f"{minutes:.0f} min against {plan.total_min:.0f} planned",))


def match_days(
    prescriptions: Mapping[date, Mapping[str, Any] | None], runs: Sequence[RunDay], *, first: date, last: date
) -> list[AdherenceFinding]:
    """Verdicts for every day from ``first`` to ``last`` that had a planned or an imported run."""
    by_day: dict[date, list[RunDay]] = {}
    for r in runs:
        by_day.setdefault(r.day, []).append(r)
    out = []
    day = first
    while day <= last:
        found = match_day(
            day, prescriptions.get(day), by_day.get(day, []), ran_day_before=bool(by_day.get(day - timedelta(days=1)))
        )
        if found is not None:
            out.append(found)
        day += timedelta(days=1)
    return out


def checkin_questions(finding: AdherenceFinding) -> tuple[str, ...]:
    """What to ask the runner about a run they did (nothing for a skipped one)."""
    if finding.verdict == "skipped":
        return ()
    d = finding.day.isoformat()
    nxt = (finding.day + timedelta(days=1)).isoformat()
    return (
        f"Calf pain during the run on {d} (0–10)? (check-in key pain_during_session)",
        f"Calf pain after the run on {d} (0–10)? (pain_after_session)",
        f"Calf pain and stiffness on getting up on {nxt} (0–10)? (morning_pain, morning_stiffness)",
    )
