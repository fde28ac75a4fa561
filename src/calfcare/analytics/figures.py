"""Per-activity figures computed once, at import, from the 1 Hz streams, and stored with the activity (the
``activities.figures`` JSON column, migration 0005), so the load, retro and adherence reports never decode streams.

Speed work depends on the runner's threshold pace, which moves with their history; the figures therefore hold the
*profile* over a grid of candidate thresholds (2.0 to 7.0 m/s in 0.05 m/s steps): seconds faster than each, and the
surges above each. The report reads both at the first grid speed at or above the runner's threshold, so it never
counts more than the exact threshold would (and at most 0.05 m/s of pace fewer).

**Grade-adjusted pace.** Fast minutes and surges are counted on the grade-adjusted speed: the speed times the
energy cost of running on that gradient over the cost on the flat, from Minetti et al. 2002 ("Energy cost of
walking and running at extreme uphill and downhill slopes", J Appl Physiol 93:1039–1046):
Cr(i) = 155.4 i⁵ − 30.4 i⁴ − 43.3 i³ + 46.3 i² + 19.5 i + 3.6 J/kg/m, i the gradient (−0.45..0.45), Cr(0) = 3.6.
Running 4.5 m/s down a 10 % slope costs what 2.8 m/s costs on the flat, so a downhill stretch of an easy run is
not speed work. The gradient is the altitude change over the distance covered in a centred 30-second window (no
gradient where either is missing: the speed is then taken as it is). Raw-speed fast seconds are kept too, so retro
can say how much of the "fast" running was downhill.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from calfcare.analytics.intensity import (
    SURGE_MERGE_GAP_S,
    SURGE_MIN_S,
    best_sustained_speed,
    count_walk_breaks,
    smooth,
)
from calfcare.analytics.threshold import GRID_SIZE, GRID_START, GRID_STEP

FloatArray = npt.NDArray[np.float64]

FIGURES_VERSION = 1
GRADE_WINDOW_S = 30
MIN_GRADE_DISTANCE_M = 20.0  # below this covered in the window, no gradient (standing, GPS jitter)
MAX_GRADE = 0.45  # Minetti's measured range


def speed_grid() -> FloatArray:
    return np.round(GRID_START + GRID_STEP * np.arange(GRID_SIZE), 2)


def minetti_cost(gradient: npt.ArrayLike) -> FloatArray:
    """Energy cost of running (J/kg/m) on gradient ``i`` (rise over run), Minetti 2002."""
    i = np.clip(np.asarray(gradient, dtype=np.float64), -MAX_GRADE, MAX_GRADE)
    out: FloatArray = ((((155.4 * i - 30.4) * i - 43.3) * i + 46.3) * i + 19.5) * i + 3.6  # Horner: no powers
    return out


def grade_adjusted_speed(
    speed: npt.ArrayLike, distance: npt.ArrayLike | None, altitude: npt.ArrayLike | None
) -> tuple[FloatArray, bool]:
    """The flat-equivalent speed of each second, and whether any gradient was known."""
    v = np.asarray(speed, dtype=np.float64)
    if distance is None or altitude is None:
        return v, False
    d = np.asarray(distance, dtype=np.float64)
    a = smooth(np.asarray(altitude, dtype=np.float64), 5)
    n, half = len(v), GRADE_WINDOW_S // 2
    if len(d) != n or len(a) != n or n < 2:
        return v, False
    lo = np.clip(np.arange(n) - half, 0, n - 1)
    hi = np.clip(np.arange(n) + half, 0, n - 1)
    run = d[hi] - d[lo]
    rise = a[hi] - a[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        grade = np.where(np.isfinite(run) & np.isfinite(rise) & (run >= MIN_GRADE_DISTANCE_M), rise / run, np.nan)
    known = np.isfinite(grade)
    if not known.any():
        return v, False
    factor = np.where(known, minetti_cost(np.where(known, grade, 0.0)) / 3.6, 1.0)
    return v * factor, True


def _fast_profile(smoothed: FloatArray, grid: FloatArray) -> list[int]:
    s = np.sort(smoothed[np.isfinite(smoothed)])
    counts: list[int] = [int(c) for c in len(s) - np.searchsorted(s, grid, side="right")]
    return _trimmed(counts)


def _trimmed(values: list[int]) -> list[int]:
    """Without the trailing zeros (faster than the runner ever went): the stored JSON stays small."""
    end = len(values)
    while end > 0 and values[end - 1] == 0:
        end -= 1
    return values[:end]


def surge_profile(
    speed: npt.ArrayLike, grid: npt.ArrayLike, *, min_s: int = SURGE_MIN_S, merge_gap_s: int = SURGE_MERGE_GAP_S
) -> list[int]:
    """:func:`calfcare.analytics.intensity.count_surges` at every threshold of ``grid`` at once (one smoothing, one
    pass over a thresholds × seconds mask), the same counts."""
    return _surges_smoothed(smooth(speed), grid, min_s=min_s, merge_gap_s=merge_gap_s)


def _surges_smoothed(s: FloatArray, grid: npt.ArrayLike, *, min_s: int, merge_gap_s: int) -> list[int]:
    full = np.asarray(grid, dtype=np.float64)
    top = float(np.nanmax(s)) if np.isfinite(s).any() else -np.inf
    g = full[full < top]  # no surge above the fastest second: those thresholds count 0
    if len(g) == 0:
        return [0] * len(full)
    mask = (s[None, :] > g[:, None]).astype(np.int8)
    edges = np.diff(np.concatenate([np.zeros((len(g), 1), np.int8), mask, np.zeros((len(g), 1), np.int8)], axis=1))
    row_s, starts = np.nonzero(edges == 1)
    row_e, ends = np.nonzero(edges == -1)  # the same rows, in the same order (each start has its end)
    if len(starts) == 0:
        return [0] * len(full)
    first = np.concatenate([[True], row_s[1:] != row_s[:-1]])
    keep = first | np.concatenate([[True], starts[1:] - ends[:-1] >= merge_gap_s])
    last = np.concatenate([row_e[1:] != row_e[:-1], [True]])
    keep_end = last | np.concatenate([keep[1:], [True]])
    lengths = ends[keep_end] - starts[keep]
    counts = np.bincount(row_s[keep][lengths >= min_s], minlength=len(full))
    return [int(c) for c in counts]


def activity_figures(channels: Mapping[str, npt.ArrayLike]) -> dict[str, Any] | None:
    """The stored figures of one activity from its 1 Hz channels; None without a speed channel."""
    if "speed" not in channels:
        return None
    speed = np.asarray(channels["speed"], dtype=np.float64)
    if not np.isfinite(speed).any():
        return None
    gap, graded = grade_adjusted_speed(speed, channels.get("distance"), channels.get("altitude"))
    grid = speed_grid()
    best = best_sustained_speed(speed)
    smoothed = smooth(gap)
    return {
        "v": FIGURES_VERSION,
        "grid": [GRID_START, GRID_STEP, GRID_SIZE],
        "fast_s": _fast_profile(smoothed, grid),
        "fast_s_raw": _fast_profile(smooth(speed), grid) if graded else None,
        "surges": _trimmed(_surges_smoothed(smoothed, grid, min_s=SURGE_MIN_S, merge_gap_s=SURGE_MERGE_GAP_S)),
        "best_30min_speed": None if best is None else round(best, 4),
        "walk_breaks": count_walk_breaks(speed),
        "grade_adjusted": graded,
    }


def banister_trimp_one(minutes: float, avg_hr: float | None, max_hr: float | None) -> float | None:
    """TRIMP of one activity with the default resting (60) and maximum heart rate (the file's, else 190), the mean
    of the male and female weightings (:func:`calfcare.analytics.load.banister_trimp`); None without heart rate."""
    from calfcare.analytics.load import DEFAULT_HR_MAX, DEFAULT_HR_REST, banister_trimp

    if avg_hr is None or avg_hr <= 0:
        return None
    value = banister_trimp(np.array([minutes]), np.array([avg_hr]), DEFAULT_HR_REST, max_hr or DEFAULT_HR_MAX)
    return round(float(value[0]), 2)
