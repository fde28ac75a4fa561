"""Prevention after return: warnings *before* the next spike.

* A planned or just-run run longer than the longest of the previous 30 days: caution >10 %, warning >30 %,
  strong warning >100 % (Frandsen 2025 bands; rule 23). After an injury the comeback runs *do* count here:
  they are what the calf has recently done.
* A weekly increase over 20 % — a softer, disputed marker (Damsted 2019; Nielsen 2014; the 10 % rule is not
  supported; rule 24).
* Speed work back within the first weeks after return, or in the same week as a volume jump (Green 2022: never
  raise volume and intensity together).
* The ~15-week window of raised re-injury risk after return (Orchard 2020; rule 22).

:func:`prevention_warnings` serves ``calfcare load``; :func:`today_warnings` serves ``calfcare today`` in the
return_to_run and full_training phases: today's prescribed run (:func:`planned_run_km`) and the latest run against
the longest of the 30 days before each, and speed work back too soon after return.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from calfcare.analytics.runs import SPIKE_LABELS, RunDay, spike_band_of

SPIKE_WINDOW_DAYS = 30
JUST_RUN_DAYS = 2  # a run this recent is "just run"
WEEKLY_SOFT = 0.20
MIN_PREVIOUS_WEEK_KM = 5.0
SPEED_BACK_WEEKS = 3
REINJURY_WEEKS = 15
SPEED_FAST_MIN = 2.0
SPEED_SURGES = 3
LATEST_RUN_DAYS = 7  # `today` checks the latest run when it is this recent (imports may come a few days late)
SPEED_LOOKBACK_DAYS = 14  # `today` looks for speed work in the runs of the last two weeks
RUNNING_PHASES = ("return_to_run", "full_training")

Level = Literal["info", "caution", "warning"]
Kind = Literal["long_run_spike", "weekly_increase", "speed_too_soon", "volume_and_intensity", "reinjury_window"]


@dataclass(frozen=True)
class LoadWarning:
    kind: Kind
    level: Level
    text: str
    sources: tuple[str, ...]


def is_speed_work(run: RunDay) -> bool:
    return (run.fast_min or 0.0) >= SPEED_FAST_MIN or (run.surges or 0) >= SPEED_SURGES


def longest_in_window(runs: Sequence[RunDay], day: date, days: int = SPIKE_WINDOW_DAYS) -> float:
    """The longest run in the ``days`` days before ``day`` (not counting ``day``)."""
    lo = day - timedelta(days=days)
    return max((r.distance_km for r in runs if lo <= r.day < day), default=0.0)


def spike_warning(runs: Sequence[RunDay], day: date, km: float, *, planned: bool) -> LoadWarning | None:
    """A run of ``km`` on ``day`` against the longest of the 30 days before."""
    ref = longest_in_window(runs, day)
    if ref <= 0:
        return None
    rise = km / ref - 1.0
    band = spike_band_of(rise)  # the bands of `calfcare load`, with the same float tolerance
    if band < 1:
        return None
    what = f"The {'planned' if planned else ''} run on {day.isoformat()}".replace("  ", " ")
    text = (
        f"{what} ({km:.1f} km) is {rise * 100:.0f} % longer than your longest run of the 30 days before "
        f"({ref:.1f} km; band {SPIKE_LABELS[band]}). In a large running cohort, single runs more than 10 % longer "
        "than the recent longest were linked to more injuries (Frandsen 2025, observational)."
    )
    if planned:
        text += f" Keep it to about {ref * 1.10:.1f} km."
    return LoadWarning("long_run_spike", "caution" if band == 1 else "warning", text, ("frandsen2025",))


def _week_km(runs: Sequence[RunDay], last: date) -> float:
    return sum(r.distance_km for r in runs if last - timedelta(days=6) <= r.day <= last)


def prevention_warnings(
    runs: Sequence[RunDay],
    today: date,
    *,
    returned_on: date | None = None,
    planned: Sequence[tuple[date, float]] = (),
    speed_back_weeks: int = SPEED_BACK_WEEKS,
) -> list[LoadWarning]:
    """Warnings for ``today`` from the runs up to today and the planned runs ``(day, km)``."""
    runs = [r for r in runs if r.day <= today]
    out: list[LoadWarning] = []
    longest_of_day: dict[date, float] = {}  # each of the last JUST_RUN_DAYS days: its longest run
    for r in runs:
        if today - timedelta(days=JUST_RUN_DAYS - 1) <= r.day:
            longest_of_day[r.day] = max(longest_of_day.get(r.day, 0.0), r.distance_km)
    for day, km in sorted(longest_of_day.items()):
        w = spike_warning(runs, day, km, planned=False)
        out += [w] if w else []
    for day, km in planned:
        w = spike_warning(runs, day, km, planned=True)
        out += [w] if w else []
    this_week, last_week = _week_km(runs, today), _week_km(runs, today - timedelta(days=7))
    jump = this_week / last_week - 1.0 if last_week >= MIN_PREVIOUS_WEEK_KM else 0.0
    if jump > WEEKLY_SOFT:
        out.append(
            LoadWarning(
                "weekly_increase",
                "caution",
                f"Your last 7 days ({this_week:.0f} km) are {jump * 100:.0f} % up on the 7 before "
                f"({last_week:.0f} km). "
                "Weekly rises of 20–60 % were linked to more injuries in one study, though the evidence is mixed and "
                "the '10 % rule' itself is not supported (Damsted 2019; Nielsen 2014).",
                ("damsted2019", "nielsen2014"),
            )
        )
    week_speed = [r for r in runs if today - timedelta(days=6) <= r.day and is_speed_work(r)]
    if returned_on is not None and returned_on <= today:
        early = [r for r in runs if returned_on <= r.day < returned_on + timedelta(weeks=speed_back_weeks)]
        fast = [r for r in early if is_speed_work(r)]
        if fast:
            first = fast[0].day
            out.append(
                LoadWarning(
                    "speed_too_soon",
                    "warning",
                    f"Speed work on {first.isoformat()}, {(first - returned_on).days} days after returning to "
                    f"running: build steady running for at least {speed_back_weeks} weeks first, then add speed "
                    "gradually (Green 2022 experts; fast running loads the gastrocnemius).",
                    ("green2022",),
                )
            )
        if today < returned_on + timedelta(weeks=REINJURY_WEEKS):
            weeks = (today - returned_on).days // 7
            out.append(
                LoadWarning(
                    "reinjury_window",
                    "info",
                    f"Week {weeks + 1} of {REINJURY_WEEKS} after return: the risk of a repeat strain stays raised for "
                    "about 15 weeks, so keep building gradually and keep up calf strength work (Orchard 2020).",
                    ("orchard2020", "lauersen2014"),
                )
            )
    if week_speed and jump > WEEKLY_SOFT:
        out.append(
            LoadWarning(
                "volume_and_intensity",
                "caution",
                "Speed work in a week whose distance also rose: raise volume or intensity, not both at once "
                "(Green 2022 experts).",
                ("green2022",),
            )
        )
    return out


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None


def planned_run_km(run: Mapping[str, object], easy_pace_s_per_km: float | None) -> float | None:
    """The distance of a prescribed run (``prescription.run`` of the ``today`` contract): ``distance_km`` or
    ``approx_km`` when given, else its running minutes (the intervals' ``run_min`` × ``repeats``, else
    ``continuous_min``, else ``total_min``) at the easy pace. None when neither a distance nor a pace is known."""
    for key in ("distance_km", "approx_km"):
        km = _number(run.get(key))
        if km is not None:
            return km
    intervals = run.get("intervals")
    minutes = 0.0
    for iv in intervals if isinstance(intervals, list) else []:
        if isinstance(iv, Mapping):
            minutes += (_number(iv.get("run_min")) or 0.0) * (_number(iv.get("repeats")) or 1.0)
    minutes = minutes or _number(run.get("continuous_min")) or _number(run.get("total_min")) or 0.0
    if not minutes or not easy_pace_s_per_km or easy_pace_s_per_km <= 0:
        return None
    return round(minutes * 60 / easy_pace_s_per_km, 2)


def recent_easy_pace(runs: Sequence[RunDay], today: date, days: int = SPIKE_WINDOW_DAYS) -> float | None:
    """Median pace (s/km) of the runs without speed work in the ``days`` days up to ``today``: the runner's
    easy pace when the pre-injury baseline has none."""
    paces = [
        r.duration_min * 60 / r.distance_km
        for r in runs
        if today - timedelta(days=days) <= r.day <= today and r.distance_km > 0 and not is_speed_work(r)
    ]
    return statistics.median(paces) if paces else None


def _speed_too_soon(
    runs: Sequence[RunDay], today: date, *, phase: str, returned_on: date | None, running_since: date | None,
    speed_back_weeks: int,
) -> LoadWarning | None:  # fmt: skip
    recent = [r for r in runs if today - timedelta(days=SPEED_LOOKBACK_DAYS) < r.day <= today and is_speed_work(r)]
    orchard = " The risk of a repeat strain stays raised for about 15 weeks after return (Orchard 2020)."
    if phase == "return_to_run":
        fast = [r for r in recent if running_since is None or r.day >= running_since]
        if not fast:
            return None
        text = (
            f"Speed work on {fast[-1].day.isoformat()} during the return-to-run programme: keep every run easy until "
            f"you are back in full training, then wait at least {speed_back_weeks} weeks before intervals or fast "
            "running (Green 2022 experts: fast running and sprinting load the gastrocnemius)." + orchard
        )
        return LoadWarning("speed_too_soon", "warning", text, ("green2022", "orchard2020"))
    if returned_on is None:
        return None
    fast = [r for r in recent if returned_on <= r.day < returned_on + timedelta(weeks=speed_back_weeks)]
    if not fast:
        return None
    first = fast[0].day
    text = (
        f"Speed work on {first.isoformat()}, {(first - returned_on).days} days after returning to full training: "
        f"build steady running for at least {speed_back_weeks} weeks first, then add speed gradually (Green 2022 "
        "experts: fast running and sprinting load the gastrocnemius)." + orchard
    )
    return LoadWarning("speed_too_soon", "warning", text, ("green2022", "orchard2020"))


def today_warnings(
    runs: Sequence[RunDay],
    today: date,
    *,
    phase: str,
    planned_km: float | None = None,
    returned_on: date | None = None,
    running_since: date | None = None,
    speed_back_weeks: int = SPEED_BACK_WEEKS,
) -> list[LoadWarning]:
    """Warnings for today's plan, only in the return_to_run and full_training phases:

    * the latest run (of the last :data:`LATEST_RUN_DAYS` days) against the longest of the 30 days before it;
    * today's planned run of ``planned_km`` against the longest of the 30 days before today (Frandsen 2025);
    * speed work (≥2 fast minutes or ≥3 surges) in the last two weeks while still in the return-to-run programme
      (running since ``running_since``), or within ``speed_back_weeks`` of ``returned_on`` (the first day of full
      training), naming the ~15-week window of raised re-injury risk (Green 2022; Orchard 2020).
    """
    if phase not in RUNNING_PHASES:
        return []
    runs = [r for r in runs if r.day <= today]
    out: list[LoadWarning] = []
    latest = max(runs, key=lambda r: (r.day, r.distance_km), default=None)
    if latest is not None and latest.day > today - timedelta(days=LATEST_RUN_DAYS):
        w = spike_warning(runs, latest.day, latest.distance_km, planned=False)
        out += [w] if w else []
    if planned_km:
        w = spike_warning(runs, today, planned_km, planned=True)
        out += [w] if w else []
    speed = _speed_too_soon(
        runs, today, phase=phase, returned_on=returned_on, running_since=running_since,
        speed_back_weeks=speed_back_weeks,
    )  # fmt: skip
    return [*out, speed] if speed else out
