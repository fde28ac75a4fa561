""" "What changed before the injury": the six weeks before an episode's onset, compared with the six weeks before
those, in plain words. Each finding names the calf muscle that kind of load stresses most (Green 2022 Table 1:
sprinting/acceleration → gastrocnemius; steady or longer running, more mileage or hills → soleus) and is returned
as :class:`~calfcare.clinical.context.TrainingEvidence` for triage's structure likelihood.

Weeks are counted back from the onset (week −1 = the seven days before onset), not calendar weeks.
Weeks that fall inside an earlier injury episode are left out of every comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from calfcare.analytics.intensity import format_pace
from calfcare.analytics.load import SPIKE_LABELS, RunDay, daily_from_runs, daily_spikes
from calfcare.clinical.context import TrainingEvidence

WINDOW_WEEKS = 6
BASELINE_WEEKS = 6
WEEKLY_JUMP = 0.20  # Damsted 2019: +20–60 % associated with more injuries at day 21 (disputed; a soft marker)
MIN_PREVIOUS_WEEK_KM = 5.0  # below this a week-on-week % is meaningless
SPEED_NEW_MIN = 10.0  # minutes faster than threshold in the window, when the baseline had < SPEED_NONE_MIN
SPEED_NONE_MIN = 5.0
SPEED_MORE_RATIO = 1.5
SPEED_MORE_MIN = 10.0
HILLS_MORE_RATIO = 1.5
HILLS_MORE_M_PER_KM = 5.0
MIN_RUNS = 4
SOLEUS_LOAD = "Mileage and long, steady running load mostly the soleus"
GASTROC_LOAD = "Fast running, surges and intervals load mostly the gastrocnemius"
HILLS_LOAD = "More climbing loads the calf; Green 2022 lists increased hills with soleus strains"


@dataclass(frozen=True)
class WeekRow:
    index: int  # −12 … −1 (−1 = the 7 days before onset)
    start: date
    distance_km: float
    runs: int
    longest_km: float
    fast_min: float
    surges: float
    climb_m: float
    injured: bool
    before_records: bool = False  # the week starts before the runner's first recorded run: not compared


@dataclass(frozen=True)
class Retrospective:
    onset: date
    weeks: tuple[WeekRow, ...]
    findings: tuple[TrainingEvidence, ...]
    lines: tuple[str, ...]  # plain words, the findings' texts included
    enough_data: bool


def _weeks(
    runs: Sequence[RunDay], onset: date, earlier: Sequence[tuple[date, date | None]], first_record: date
) -> list[WeekRow]:
    n_weeks = WINDOW_WEEKS + BASELINE_WEEKS
    first = onset - timedelta(weeks=n_weeks)
    daily = daily_from_runs(runs, start=first, end=onset - timedelta(days=1), episodes=earlier)
    rows = []
    for i in range(n_weeks):
        sl = slice(i * 7, i * 7 + 7)
        rows.append(
            WeekRow(
                index=i - n_weeks,
                start=first + timedelta(weeks=i),
                distance_km=float(daily.distance_km[0, sl].sum()),
                runs=int(daily.runs[0, sl].sum()),
                longest_km=float(daily.longest_km[0, sl].max()),
                fast_min=float(daily.fast_min[0, sl].sum()),
                surges=float(daily.surges[0, sl].sum()),
                climb_m=float(daily.climb_m[0, sl].sum()),
                injured=bool(daily.injured[0, sl].any()),
                before_records=first + timedelta(weeks=i) < first_record,
            )
        )
    return rows


def _when(index: int) -> str:
    return "in the last week before onset" if index == -1 else f"{-index} weeks before onset"


def _mileage(weeks: list[WeekRow]) -> TrainingEvidence | None:
    best: tuple[float, WeekRow, WeekRow] | None = None
    for prev, cur in zip(weeks[BASELINE_WEEKS - 1 : -1], weeks[BASELINE_WEEKS:], strict=True):
        if prev.injured or cur.injured or prev.before_records or prev.distance_km < MIN_PREVIOUS_WEEK_KM:
            continue
        jump = cur.distance_km / prev.distance_km - 1.0
        if jump > WEEKLY_JUMP and (best is None or jump > best[0]):
            best = (jump, prev, cur)
    if best is None:
        return None
    jump, prev, cur = best
    text = (
        f"Weekly distance rose {jump * 100:.0f} % {_when(cur.index)} (from {prev.distance_km:.0f} km to "
        f"{cur.distance_km:.0f} km). {SOLEUS_LOAD}. (The '10 % rule' is not supported by research; weekly jumps "
        "of 20–60 % were linked to more injuries in one study — Damsted 2019, Nielsen 2014.)"
    )
    return TrainingEvidence(
        "mileage_spike", "soleus", round(min(1.0, jump), 2), text, ("damsted2019", "nielsen2014", "green2022")
    )


def _long_run(
    runs: Sequence[RunDay], onset: date, earlier: Sequence[tuple[date, date | None]], first_record: date
) -> TrainingEvidence | None:
    start = onset - timedelta(weeks=WINDOW_WEEKS, days=30)
    daily = daily_from_runs(runs, start=start, end=onset - timedelta(days=1), episodes=earlier)
    ratio, band = daily_spikes(daily)
    # as in load.daily_spikes: no spike is assessed while the 30 days before are not all in the records
    ratio[0, : max(0, min((first_record - start).days + 30, daily.n_days))] = np.nan
    window = ratio[0, 30:]
    if np.all(np.isnan(window)) or np.nanmax(window) <= 0.10:
        return None
    i = int(np.nanargmax(window)) + 30
    r, b = float(ratio[0, i]), int(band[0, i])
    km = float(daily.longest_km[0, i])
    day = daily.day(i)
    text = (
        f"On {day.isoformat()} you ran {km:.1f} km, {r * 100:.0f} % longer than your longest run of the 30 days "
        f"before ({km / (1 + r):.1f} km) — Frandsen 2025 band {SPIKE_LABELS[b]}. {SOLEUS_LOAD}."
    )
    return TrainingEvidence("long_run_spike", "soleus", (0.0, 0.4, 0.6, 0.9)[b], text, ("frandsen2025", "green2022"))


def _speed(weeks: list[WeekRow], runs: Sequence[RunDay], onset: date, pace: float | None) -> TrainingEvidence | None:
    lo = onset - timedelta(weeks=WINDOW_WEEKS)
    window = [r for r in runs if lo <= r.day < onset]
    if not any(r.fast_min is not None for r in window):
        return None
    base = [w for w in weeks[:BASELINE_WEEKS] if not w.injured and not w.before_records]
    now = [w for w in weeks[BASELINE_WEEKS:] if not w.injured and not w.before_records]
    if not base or not now:
        return None
    base_min = sum(w.fast_min for w in base) * WINDOW_WEEKS / len(base)
    now_min = sum(w.fast_min for w in now) * WINDOW_WEEKS / len(now)
    interval_days = sum(1 for r in window if (r.surges or 0) >= 3)
    tempo_days = sum(1 for r in window if (r.fast_min or 0) >= 5 and (r.surges or 0) < 3)
    downhill = sum(r.downhill_fast_min or 0.0 for r in window)
    marker = f"faster than your threshold pace ({format_pace(pace)})" if pace else "faster than your threshold pace"
    if base_min < SPEED_NONE_MIN and now_min >= SPEED_NEW_MIN:
        strength = 0.7
        text = f"Speed work is new: {now_min:.0f} minutes {marker} in the six weeks before onset"
    elif now_min >= SPEED_MORE_RATIO * base_min and now_min - base_min >= SPEED_MORE_MIN:
        strength = round(float(np.clip((now_min / base_min - 1.0) / 2.0, 0.3, 0.9)), 2)
        text = f"More speed work: {now_min:.0f} minutes {marker} in the six weeks before onset"
    else:
        return None
    kinds = f"{interval_days} with intervals or surges, {tempo_days} with sustained fast running"
    flat = " (grade-adjusted pace, Minetti 2002"
    flat += f": {downhill:.0f} fast minutes downhill left out)" if downhill >= 0.5 else ": no downhill running counted)"
    text += f"{flat}; sessions: {kinds}; against {base_min:.0f} minutes in the six weeks before that. {GASTROC_LOAD}."
    return TrainingEvidence("speedwork_increase", "gastrocnemius", strength, text, ("green2022", "dixon2009"))


def _hills(weeks: list[WeekRow]) -> TrainingEvidence | None:
    def per_km(rows: list[WeekRow]) -> float | None:
        km = sum(w.distance_km for w in rows if not w.injured and not w.before_records)
        climb = sum(w.climb_m for w in rows if not w.injured and not w.before_records)
        return climb / km if km > 0 else None

    before, now = per_km(weeks[:BASELINE_WEEKS]), per_km(weeks[BASELINE_WEEKS:])
    if before is None or now is None or now - before < HILLS_MORE_M_PER_KM:
        return None
    if before > 0 and now < HILLS_MORE_RATIO * before:
        return None
    strength = round(float(np.clip((now - before) / 20.0, 0.2, 0.8)), 2)
    text = (
        f"More hills: {now:.0f} m of climb per km in the six weeks before onset, against {before:.0f} m/km in the "
        f"six weeks before that. {HILLS_LOAD}."
    )
    return TrainingEvidence("hills_increase", "soleus", strength, text, ("green2022",))


def _kit(runs: Sequence[RunDay], onset: date) -> list[TrainingEvidence]:
    lo = onset - timedelta(weeks=WINDOW_WEEKS)
    base_lo = lo - timedelta(weeks=BASELINE_WEEKS)
    out = []
    for attr, what in (("gear", "shoes"), ("device", "device")):
        before = {getattr(r, attr) for r in runs if base_lo <= r.day < lo and getattr(r, attr)}
        if not before:
            continue
        firsts: dict[str, date] = {}
        for r in sorted(runs, key=lambda r: r.day):
            value = getattr(r, attr)
            if lo <= r.day < onset and value and value not in before:
                firsts.setdefault(value, r.day)
        for value, day in firsts.items():
            text = (
                f"New {what} in the files: {value} from {day.isoformat()}. Sudden changes of footwear are a "
                "load change for the calf; a new device may only change how runs are measured."
            )
            out.append(
                TrainingEvidence("shoe_or_device_change", None, 0.3 if attr == "gear" else 0.1, text, ("green2022",))
            )
    return out


def retrospective(
    runs: Sequence[RunDay],
    onset: date,
    *,
    earlier_episodes: Sequence[tuple[date, date | None]] = (),
    threshold_pace_s_per_km: float | None = None,
) -> Retrospective:
    """What changed in the six weeks before ``onset`` (runs on or after the onset are ignored)."""
    first_record = min((r.day for r in runs), default=onset)
    runs = [r for r in runs if r.day < onset]
    weeks = _weeks(runs, onset, earlier_episodes, first_record)
    counted = sum(w.runs for w in weeks)
    if counted < MIN_RUNS:
        line = (
            f"Only {counted} run{'s' if counted != 1 else ''} in the files for the twelve weeks before "
            f"{onset.isoformat()}: too few to say what changed."
        )
        return Retrospective(onset, tuple(weeks), (), (line,), False)
    found = [
        f
        for f in (
            _mileage(weeks),
            _long_run(runs, onset, earlier_episodes, first_record),
            _speed(weeks, runs, onset, threshold_pace_s_per_km),
            _hills(weeks),
        )
        if f is not None
    ]
    found += _kit(runs, onset)
    window = weeks[BASELINE_WEEKS:]
    km = ", ".join(
        "injured" if w.injured else "–" if w.before_records and not w.runs else f"{w.distance_km:.0f}" for w in window
    )
    lines = [f"Weekly distance in the six weeks before {onset.isoformat()} (oldest first): {km} km."]
    if weeks[0].before_records:
        lines.append(
            f"Your files start on {first_record.isoformat()}: the weeks before that (and the first, partial one) "
            "are not compared, as the running in them is not known."
        )
    if found:
        lines += [f.text for f in found]
    else:
        lines.append(
            "Nothing stands out in the files: no weekly jump over 20 %, no run more than 10 % longer than the "
            "longest of the 30 days before, no new speed work or extra hills."
        )
    return Retrospective(onset, tuple(weeks), tuple(found), tuple(lines), True)
