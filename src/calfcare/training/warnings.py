"""Prevention after return: warnings *before* the next spike.

* A planned or just-run run longer than the longest of the previous 30 days: caution >10 %, warning >30 %,
  strong warning >100 % (Frandsen 2025 bands; rule 23). After an injury the comeback runs *do* count here:
  they are what the calf has recently done.
* A weekly increase over 20 % — a softer, disputed marker (Damsted 2019; Nielsen 2014; the 10 % rule is not
  supported; rule 24).
* Speed work back within the first weeks after return, or in the same week as a volume jump (Green 2022: never
  raise volume and intensity together).
* The ~15-week window of raised re-injury risk after return (Orchard 2020; rule 22).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from calfcare.training.load import SPIKE_LABELS, RunDay

SPIKE_WINDOW_DAYS = 30
JUST_RUN_DAYS = 2  # a run this recent is "just run"
WEEKLY_SOFT = 0.20
MIN_PREVIOUS_WEEK_KM = 5.0
SPEED_BACK_WEEKS = 3
REINJURY_WEEKS = 15
SPEED_FAST_MIN = 2.0
SPEED_SURGES = 3

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
    if ref <= 0 or km <= ref * 1.10 + 1e-9:
        return None
    rise = km / ref - 1.0
    band = 3 if rise > 1.0 else 2 if rise > 0.30 else 1
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
    recent = [r for r in runs if today - timedelta(days=JUST_RUN_DAYS - 1) <= r.day]
    for r in sorted(recent, key=lambda r: (r.day, -r.distance_km))[:1]:
        w = spike_warning(runs, r.day, r.distance_km, planned=False)
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
