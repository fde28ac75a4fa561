"""The runner's threshold speed, and a run's speed work at that threshold read from its stored figures, without
NumPy: ``calfcare today`` builds the runs of its window with these, and importing NumPy alone costs ≈ 0.1 s of the
0.5 s start-up budget (measured with ``python -X importtime``; docs/benchmarks.md, "CLI start-up"). The array code
that computes the figures at import stays in :mod:`calfcare.analytics.intensity` and
:mod:`calfcare.analytics.figures`, which re-export these; a test checks both agree with NumPy's percentile and
search on random inputs.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

FALLBACK_PERCENTILE = 95.0  # of per-run average speeds, when no streams give a sustained best
MIN_RUNS_FOR_THRESHOLD = 3
# the threshold is at least this much faster than the runner's median run speed (our convention): for a runner who
# only runs easy, the best 30 minutes is just their fastest easy run, and GPS noise and hills around it would be
# counted as speed work (easy pace is well below threshold pace in the usual coaching pace tables)
MIN_MARGIN_OVER_MEDIAN = 0.15
GRID_START, GRID_STEP, GRID_SIZE = 2.0, 0.05, 101  # candidate thresholds 2.0 … 7.0 m/s


def _positive(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation between closest ranks (NumPy's default method)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50.0)


def threshold_speed(
    best_sustained: Sequence[float | None], avg_speeds: Sequence[float] = (), *, median_run_speed: float | None = None
) -> float | None:
    """The runner's threshold speed (m/s) from the runs of the recent months: the highest best-30-minute speed
    when at least one run has one; else the 95th percentile of the average speeds of runs ≥20 min when there
    are at least three; else unknown. Never less than 15 % faster than ``median_run_speed`` (the median average
    speed of the same runs) when that is given."""
    best = [float(b) for b in best_sustained if b is not None and _positive(b)]
    avg = [float(a) for a in avg_speeds if a is not None and _positive(a)]
    if best:
        found = max(best)
    elif len(avg) >= MIN_RUNS_FOR_THRESHOLD:
        found = percentile(avg, FALLBACK_PERCENTILE)
    else:
        return None
    if median_run_speed is not None and _positive(median_run_speed):
        found = max(found, float(median_run_speed) * (1.0 + MIN_MARGIN_OVER_MEDIAN))
    return found


def grid_of(figures: Mapping[str, Any]) -> list[float]:
    """The candidate thresholds a run's stored speed-work profile was counted at (m/s, rounded to 0.01)."""
    start, step, size = figures.get("grid") or (GRID_START, GRID_STEP, GRID_SIZE)
    return [round(float(start) + float(step) * i, 2) for i in range(int(size))]


def fast_at(figures: Mapping[str, Any], threshold: float) -> tuple[float, int, float]:
    """Minutes faster than ``threshold`` (grade-adjusted), surges above it, and the raw-speed fast minutes that
    the grade adjustment removed (downhill running), read from the stored profile at the first grid speed at or
    above the threshold."""
    k = bisect_left(grid_of(figures), threshold - 1e-9)

    def at(key: str) -> float:  # the lists stop at their last non-zero value
        values = figures.get(key)
        return float(values[k]) if isinstance(values, list) and k < len(values) else 0.0

    fast_s, surge_count = at("fast_s"), int(at("surges"))
    raw_s = at("fast_s_raw") if figures.get("fast_s_raw") is not None else fast_s
    return fast_s / 60.0, surge_count, max(0.0, raw_s - fast_s) / 60.0
