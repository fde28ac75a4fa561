"""The runner's pre-injury baseline from their files: what the return-to-run plan is sized from
(:class:`~calfcare.clinical.context.RunnerBaseline`).

Window: the eight weeks before onset, counted back from the onset, leaving out days inside an earlier episode.
Medians rather than means, so one unusually big week or run just before the injury (often part of the cause)
does not inflate the targets the runner returns to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from statistics import median

from calfcare.analytics.load import RunDay, injured_mask
from calfcare.clinical.context import RunnerBaseline

BASELINE_WEEKS = 8
MIN_RUNS = 4
EASY_MAX_FAST_MIN = 2.0  # a run with more minutes than this above threshold pace is not an easy run
EASY_MAX_SURGES = 2


def _is_easy(run: RunDay) -> bool:
    return (run.fast_min or 0.0) <= EASY_MAX_FAST_MIN and (run.surges or 0) <= EASY_MAX_SURGES


def baseline_before(
    runs: Sequence[RunDay],
    onset: date,
    *,
    earlier_episodes: Sequence[tuple[date, date | None]] = (),
    weeks: int = BASELINE_WEEKS,
) -> RunnerBaseline:
    """Chronic weekly km (median of the healthy weeks), usual run (median distance and time), long run (median
    of each week's longest), easy pace (median pace of runs without speed work), runs per week.
    ``source="none"`` when the window holds fewer than four runs or no whole healthy week of records."""
    start = onset - timedelta(weeks=weeks)
    injured = injured_mask(start, weeks * 7, earlier_episodes, onset - timedelta(days=1))
    healthy = [r for r in runs if start <= r.day < onset and not injured[(r.day - start).days] and r.distance_km > 0]
    # weeks touching an earlier injury, or starting before the runner's first recorded run (their running is not
    # known: not 0 km), are left out of the weekly figures
    first_record = min((r.day for r in runs if r.distance_km > 0), default=onset)
    healthy_weeks = [
        w for w in range(weeks) if not injured[w * 7 : w * 7 + 7].any() and start + timedelta(weeks=w) >= first_record
    ]
    if len(healthy) < MIN_RUNS or not healthy_weeks:
        return RunnerBaseline(source="none")
    week_of = [(r.day - start).days // 7 for r in healthy]
    totals = [sum(r.distance_km for r, k in zip(healthy, week_of, strict=True) if k == w) for w in healthy_weeks]
    longest = [
        max((r.distance_km for r, k in zip(healthy, week_of, strict=True) if k == w), default=0.0)
        for w in healthy_weeks
    ]
    easy = [r for r in healthy if _is_easy(r) and r.duration_min > 0] or [r for r in healthy if r.duration_min > 0]
    pace = median(r.duration_min * 60.0 / r.distance_km for r in easy) if easy else None
    timed = [r.duration_min for r in healthy if r.duration_min > 0]
    return RunnerBaseline(
        weekly_km=round(median(totals), 1),
        usual_run_km=round(median(r.distance_km for r in healthy), 1),
        usual_run_min=round(median(timed), 0) if timed else None,
        long_run_km=round(median([x for x in longest if x > 0] or [0.0]), 1),
        easy_pace_s_per_km=round(pace, 0) if pace else None,
        runs_per_week=round(sum(1 for k in week_of if k in healthy_weeks) / len(healthy_weeks), 1),
        source="files",
    )
