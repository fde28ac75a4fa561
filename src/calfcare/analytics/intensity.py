"""Speed work and hills from the 1 Hz streams: the runner's own threshold pace, minutes faster than it,
surges/intervals (run-length detection), walk breaks, and climb per km. Pure NumPy; methods in docs/load.md.

Threshold pace here is a *practical marker for "speed work"*, derived from the runner's own history, not a
laboratory lactate threshold: the best 30-minute sustained speed of the recent months (about 10-km race
pace for most recreational runners), with a fallback from run summaries when no streams are stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

SMOOTH_S = 5  # centred moving mean applied to 1 Hz speed before thresholding (GPS noise)
SUSTAINED_S = 30 * 60  # the window of the best sustained speed
MIN_VALID_FRACTION = 0.9  # a window counts only if ≥90 % of its samples have a speed
SURGE_MIN_S = 15  # a surge lasts at least this long above threshold (strides ~15–20 s, intervals longer)
SURGE_MERGE_GAP_S = 5  # fast stretches separated by shorter dips are one surge
WALK_SPEED = 1.9  # m/s (≈ 8:46 min/km): slower than this while moving is walking
WALK_MIN_S = 30
MOVING_SPEED = 0.3  # m/s: below this the runner is standing
FALLBACK_MIN_RUN_S = 20 * 60


def smooth(speed: npt.ArrayLike, window: int = SMOOTH_S) -> FloatArray:
    """Centred moving mean ignoring NaN; NaN where the window holds no value."""
    x = np.asarray(speed, dtype=np.float64)
    ok = np.isfinite(x)
    vals = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
    cnt = np.concatenate([[0], np.cumsum(ok)])
    n = len(x)
    half = window // 2
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + window - half, 0, n)
    c = cnt[hi] - cnt[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(c > 0, (vals[hi] - vals[lo]) / c, np.nan)
    return out


def best_sustained_speed(speed: npt.ArrayLike, window_s: int = SUSTAINED_S) -> float | None:
    """The highest mean speed over any ``window_s`` seconds with ≥90 % of samples present (m/s)."""
    x = np.asarray(speed, dtype=np.float64)
    if len(x) < window_s:
        return None
    ok = np.isfinite(x)
    vals = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
    cnt = np.concatenate([[0], np.cumsum(ok)])
    sums = vals[window_s:] - vals[:-window_s]
    counts = cnt[window_s:] - cnt[:-window_s]
    good = counts >= MIN_VALID_FRACTION * window_s
    if not good.any():
        return None
    return float((sums[good] / counts[good]).max())


def segments(mask: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """Start and end (exclusive) indexes of the runs of True in ``mask``."""
    m = np.asarray(mask, dtype=np.int8)
    edges = np.diff(np.concatenate([[0], m, [0]]))
    return np.flatnonzero(edges == 1).astype(np.int64), np.flatnonzero(edges == -1).astype(np.int64)


def _merged(mask: BoolArray, merge_gap: int, min_len: int) -> tuple[IntArray, IntArray]:
    starts, ends = segments(mask)
    if len(starts) > 1 and merge_gap > 0:
        gaps = starts[1:] - ends[:-1]
        keep = np.concatenate([[True], gaps >= merge_gap])
        starts = starts[keep]
        ends = ends[np.concatenate([keep[1:], [True]])]
    long_enough = (ends - starts) >= min_len
    return starts[long_enough], ends[long_enough]


def fast_seconds(speed: npt.ArrayLike, threshold: float) -> float:
    """Seconds with the smoothed speed above ``threshold`` (1 Hz samples)."""
    return float(np.count_nonzero(smooth(speed) > threshold))


def count_surges(
    speed: npt.ArrayLike, threshold: float, *, min_s: int = SURGE_MIN_S, merge_gap_s: int = SURGE_MERGE_GAP_S
) -> int:
    """Surges/intervals: stretches of smoothed speed above ``threshold`` lasting ≥ ``min_s`` seconds, dips
    shorter than ``merge_gap_s`` bridged."""
    starts, _ = _merged(smooth(speed) > threshold, merge_gap_s, min_s)
    return len(starts)


def count_walk_breaks(speed: npt.ArrayLike, *, walk_speed: float = WALK_SPEED, min_s: int = WALK_MIN_S) -> int:
    """Stretches of walking (moving but slower than ``walk_speed``) lasting ≥ ``min_s`` seconds, not counting
    a walk at the very start or end of the recording (warm-up, cool-down)."""
    s = smooth(speed)
    starts, ends = _merged((s > MOVING_SPEED) & (s < walk_speed), SURGE_MERGE_GAP_S, min_s)
    running = np.flatnonzero(s >= walk_speed)
    if len(running) == 0:
        return 0
    inner = (starts > running[0]) & (ends <= running[-1])
    return int(np.count_nonzero(inner))


@dataclass(frozen=True)
class StreamIntensity:
    best_sustained_speed: float | None  # m/s over 30 min (threshold-independent)
    fast_min: float | None  # minutes above threshold (None: threshold unknown)
    surges: int | None
    walk_breaks: int


def analyse_speed(speed: npt.ArrayLike, threshold: float | None) -> StreamIntensity:
    """Everything the load maths takes from one run's 1 Hz speed."""
    x = np.asarray(speed, dtype=np.float64)
    return StreamIntensity(
        best_sustained_speed=best_sustained_speed(x),
        fast_min=None if threshold is None else fast_seconds(x, threshold) / 60.0,
        surges=None if threshold is None else count_surges(x, threshold),
        walk_breaks=count_walk_breaks(x),
    )


def climb_per_km(elevation_gain_m: npt.ArrayLike, distance_km: npt.ArrayLike) -> FloatArray:
    """Metres climbed per kilometre; NaN without distance or climb."""
    gain = np.asarray(elevation_gain_m, dtype=np.float64)
    dist = np.asarray(distance_km, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(dist > 0, gain / dist, np.nan)
    return out


def pace_s_per_km(speed_m_s: float | None) -> float | None:
    return None if not speed_m_s or speed_m_s <= 0 else 1000.0 / speed_m_s


def format_pace(s_per_km: float | None) -> str:
    if s_per_km is None or not np.isfinite(s_per_km):
        return "unknown"
    total = round(s_per_km)
    return f"{total // 60}:{total % 60:02d} min/km"
