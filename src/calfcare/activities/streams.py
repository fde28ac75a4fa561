"""Put any :class:`RawTrack` on a regular 1 Hz time base and summarise it, the same way for every format.

Rules (also in docs/formats.md):

* Samples without a time get one interpolated from their neighbours (by position in the file); those before
  the first or after the last timed sample are dropped. Samples out of order are sorted (stable).
* Over a day from first to last sample, only the stretch with most samples between gaps over 6 h is kept
  (clock jumps); a file whose samples have no time at all gives a summary-only activity when it reports
  ``start_epoch``, else :class:`NotAnActivity`.
* The grid runs from the first to the last sample, one point per whole second: grid point i stands for the
  second [start + i, start + i + 1). Samples falling into the same second (2 Hz recording, duplicated
  timestamps) are averaged; empty seconds are linearly interpolated
  when the recorded samples either side are at most :data:`GAP_S` seconds apart (smart recording), and left
  NaN across longer gaps and inside timer pauses (``raw.pauses``).
* Positions at exactly (0, 0) are treated as "no fix". Without a distance channel, distance is the running
  sum of haversine steps between consecutive fixes in file order (before any re-sorting: the path as
  recorded), not counting steps that span a timer pause.
  Without a speed channel, speed is the 5-second centred mean of the 1 Hz distance increments.
* Summary: totals the file reports (``raw.reported``) win over stream-derived ones. Keys understood in
  ``raw.reported``: :data:`REPORTED_KEYS`. Moving time without a reported timer time is the number of seconds
  with speed ≥ :data:`MOVING_SPEED_MS`; without any speed it is the number of seconds with data. Either way a
  recording gap longer than :data:`GAP_S` (no speed inside) counts as moving when the distance covered across
  it averages that speed and no timer pause falls in it (sparse recording would otherwise read as standing).
  Elevation gain: altitude smoothed by a 5-second mean, then a hysteresis of :data:`ELEVATION_HYSTERESIS_M`
  (a climb counts only once it has risen that much above the last low, and ends when the altitude drops that
  much below its peak). Averages of heart rate and cadence ignore zeros; heart-rate samples above
  :data:`MAX_HEART_RATE` are dropped as glitches (with a warning).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from calfcare.activities.activity import (
    CHANNELS,
    ActivitySummary,
    FloatArray,
    ParsedActivity,
    RawTrack,
    Streams,
)
from calfcare.activities.infer import cadence_factor, infer_sport
from calfcare.activities.summary import start_datetime, summary_from_fields, with_fallbacks
from calfcare.errors import CorruptFile, NotAnActivity

GAP_S = 10.0  # interpolate across gaps up to this long (smart recording); NaN beyond
MOVING_SPEED_MS = 0.5  # seconds at or above this speed count as moving
ELEVATION_HYSTERESIS_M = 3.0
SMOOTH_S = 5  # window of the speed and altitude smoothing
DAY_S = 86400.0
STRETCH_GAP_S = 6 * 3600.0  # an activity over a day long is cut at gaps this long (see _longest_stretch)
MAX_SPAN_S = 7 * DAY_S  # refuse a "single activity" longer than this, even without such gaps
EARTH_RADIUS_M = 6_371_008.8
MAX_HEART_RATE = 250.0  # above any human heart rate: such samples are sensor glitches or "invalid" markers (255)
EARLIEST_YEAR = 1990  # no consumer GPS watch recorded before this: an earlier date is an unset clock
FUTURE_TOLERANCE = timedelta(days=1)  # a start later than now + this is refused (a wrong clock)
# Samples spanning less than this share of the reported timer time are sparse (a TCX with a few points in long laps):
# the activity lasted the timer time, not the seconds its points span.
SPARSE_SHARE = 0.5
START_FROM_REPORTED_S = 3600.0  # the file's own start (FIT session, TCX first lap) wins when this close to the samples
VEHICLE_MS = 10.0  # 36 km/h held for VEHICLE_WINDOW_S: faster than anyone on foot (the 300 m record is ~9.7 m/s)
VEHICLE_WINDOW_S = 30.0
VEHICLE_LEG_S = 300.0  # a leg at vehicle speed lasts this long and covers VEHICLE_LEG_M (GPS jumps are shorter)
VEHICLE_LEG_M = 2000.0
IMPOSSIBLE_MIN_M = 500.0  # shorter distances are not refused for their speed (GPS jitter over a few seconds)
# Average speed above which an activity is impossible (distance / elapsed time), by sport (m/s).
MAX_AVG_SPEED: dict[str, float] = {
    "run": 12.5, "trail_run": 12.5, "treadmill": 12.5, "walk": 12.5, "swim": 5.0, "ride": 35.0, "other": 100.0,
}  # fmt: skip


__all__ = [
    "REPORTED_KEYS",
    "NotAnActivity",
    "build_activity",
    "distance_from_positions",
    "elevation_gain",
    "start_datetime",
    "summary_from_fields",
    "with_fallbacks",
]

REPORTED_KEYS: tuple[str, ...] = (
    "elapsed_s",  # first to last sample including pauses
    "timer_s",  # timer running (FIT total_timer_time, TCX sum of laps' TotalTimeSeconds)
    "distance_m",
    "avg_hr",
    "max_hr",
    "avg_cadence_spm",
    "elevation_gain_m",
    "start_epoch",  # the session's start (s since the epoch, UTC); used only when no sample has a time
)


def _fill_missing_times(time: FloatArray, warnings: list[str]) -> tuple[FloatArray, np.ndarray]:
    """Interpolate missing times by sample index; returns times and a keep-mask (drops edge samples)."""
    valid = np.isfinite(time)
    if valid.all():
        return time, valid
    if not valid.any():
        return time, valid
    idx = np.arange(len(time))
    first, last = idx[valid][0], idx[valid][-1]
    inner = ~valid & (idx > first) & (idx < last)
    filled = time.copy()
    filled[inner] = np.interp(idx[inner], idx[valid], time[valid])
    keep = valid | inner
    if inner.any():
        warnings.append(f"{int(inner.sum())} samples without a time got one interpolated from their neighbours")
    if (~keep).any():
        warnings.append(f"{int((~keep).sum())} samples without a time at the start or end were dropped")
    return filled, keep


def _haversine_steps(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Metres between consecutive (lat, lon) points, vectorised; length n-1."""
    p = np.radians(lat)
    q = np.radians(lon)
    dp = np.diff(p)
    dq = np.diff(q)
    a = np.sin(dp / 2) ** 2 + np.cos(p[:-1]) * np.cos(p[1:]) * np.sin(dq / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def _crosses_pause(t_from: FloatArray, t_to: FloatArray, pauses: list[tuple[float, float]]) -> np.ndarray:
    """True for each step (t_from → t_to) that contains the start of a timer pause."""
    if not pauses:
        return np.zeros(len(t_from), dtype=bool)
    starts = np.sort(np.array([s for s, _ in pauses], dtype=np.float64))
    return np.searchsorted(starts, t_from, side="left") < np.searchsorted(starts, t_to, side="left")


def distance_from_positions(
    time: FloatArray, lat: FloatArray, lon: FloatArray, pauses: list[tuple[float, float]]
) -> FloatArray:
    """Cumulative distance (m) at every sample with a fix, NaN elsewhere; steps across pauses count 0."""
    fix = np.isfinite(lat) & np.isfinite(lon) & ~((lat == 0) & (lon == 0))
    out = np.full(len(time), np.nan)
    if fix.sum() < 1:
        return out
    t, la, lo = time[fix], lat[fix], lon[fix]
    steps = _haversine_steps(la, lo)
    steps[_crosses_pause(t[:-1], t[1:], pauses)] = 0.0
    out[fix] = np.concatenate(([0.0], np.cumsum(steps)))
    return out


def _to_grid(sec: np.ndarray, values: FloatArray, n: int) -> FloatArray:
    """Average samples per whole second, interpolate empty seconds across gaps ≤ GAP_S, NaN elsewhere."""
    valid = np.isfinite(values)
    out = np.full(n, np.nan)
    if not valid.any():
        return out
    b = sec[valid]
    counts = np.bincount(b, minlength=n)
    sums = np.bincount(b, weights=values[valid], minlength=n)
    have = np.flatnonzero(counts)
    means = sums[have] / counts[have]
    grid = np.arange(n)
    out = np.interp(grid, have, means)
    pos = np.searchsorted(have, grid, side="left")
    right = have[np.minimum(pos, len(have) - 1)]
    left = have[np.maximum(pos - 1, 0)]
    exact = right == grid
    bad = ~exact & ((right - left > GAP_S) | (grid < have[0]) | (grid > have[-1]))
    out[bad] = np.nan
    return out


def _nan_mean_filter(x: FloatArray, width: int) -> FloatArray:
    valid = np.isfinite(x)
    kernel = np.ones(width)
    lo = (width - 1) // 2
    sums = np.convolve(np.where(valid, x, 0.0), kernel)[lo : lo + len(x)]
    counts = np.convolve(valid.astype(np.float64), kernel)[lo : lo + len(x)]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums / counts
    out[~valid] = np.nan
    return out


def elevation_gain(altitude: FloatArray, threshold: float = ELEVATION_HYSTERESIS_M) -> float | None:
    """Total climb (m) of a 1 Hz altitude series with NaNs, after a 5 s mean and a hysteresis threshold.

    The hysteresis walks only the turning points of the smoothed series (a small fraction of the samples).
    """
    smooth = _nan_mean_filter(altitude, SMOOTH_S)
    a = smooth[np.isfinite(smooth)]
    if len(a) < 2:
        return None
    d = np.diff(a)
    nz = np.flatnonzero(d)
    if len(nz) == 0:
        return 0.0
    sign = np.sign(d[nz])
    turns = nz[np.flatnonzero(np.diff(sign)) + 1]  # index in d where direction changes
    ext = np.concatenate(([a[0]], a[turns], [a[-1]]))
    gain = 0.0
    direction = 0
    low = high = trough = peak = float(ext[0])
    for x in ext[1:].tolist():
        if direction == 0:
            low, high = min(low, x), max(high, x)
            if high - low >= threshold:
                direction = 1 if x == high else -1
                trough, peak = low, high
        elif direction == 1:
            if x > peak:
                peak = x
            elif peak - x >= threshold:
                gain += peak - trough
                direction, trough = -1, x
        elif x < trough:
            trough = x
        elif x - trough >= threshold:
            direction, peak = 1, x
    if direction == 1:
        gain += peak - trough
    return round(gain, 1)


def _clean(raw: RawTrack, warnings: list[str]) -> tuple[FloatArray, dict[str, FloatArray]]:
    time, keep = _fill_missing_times(np.asarray(raw.time, dtype=np.float64), warnings)
    channels = {k: np.asarray(v, dtype=np.float64)[keep] for k, v in raw.channels.items() if k in CHANNELS}
    time = time[keep]
    _derive_motion(time, channels, raw.pauses, warnings)  # in file order: the path as it was recorded
    if np.any(np.diff(time) < 0):
        warnings.append("samples out of time order were sorted")
        order = np.argsort(time, kind="stable")
        time = time[order]
        channels = {k: v[order] for k, v in channels.items()}
    if time[-1] - time[0] > DAY_S:
        time, channels = _longest_stretch(time, channels, warnings)
    dupes = int(np.count_nonzero(np.diff(time) == 0))
    if dupes:
        warnings.append(f"{dupes} samples repeat the previous timestamp and were averaged")
    for key in ("heart_rate", "cadence"):
        if key in channels:
            channels[key] = np.where(channels[key] < 0, np.nan, channels[key])
    if "heart_rate" in channels:  # 0 bpm is the device's "no reading" (no strap, a dropout): a gap, never a value
        channels["heart_rate"] = np.where(channels["heart_rate"] == 0, np.nan, channels["heart_rate"])
    if "cadence" in channels and not np.any(channels["cadence"] > 0):  # 0 throughout: no cadence source, no stream
        del channels["cadence"]
    if "heart_rate" in channels:
        hr = channels["heart_rate"]
        glitches = int(np.count_nonzero(hr > MAX_HEART_RATE))
        if glitches:
            warnings.append(f"{glitches} heart-rate values above {MAX_HEART_RATE:g} bpm were ignored (sensor glitches)")
            channels["heart_rate"] = np.where(hr > MAX_HEART_RATE, np.nan, hr)
    return time, channels


def _longest_stretch(
    time: FloatArray, channels: dict[str, FloatArray], warnings: list[str]
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Over a day from first to last sample: keep the stretch with most samples between gaps of more than
    :data:`STRETCH_GAP_S` (clock jumps, a watch left recording), dropping samples with far-off times."""
    cuts = np.flatnonzero(np.diff(time) > STRETCH_GAP_S) + 1
    if len(cuts) == 0:
        return time, channels
    bounds = np.concatenate(([0], cuts, [len(time)]))
    k = int(np.argmax(np.diff(bounds)))
    lo, hi = int(bounds[k]), int(bounds[k + 1])
    days = (time[-1] - time[0]) / 86400
    warnings.append(
        f"samples spread over {days:.1f} days: kept the longest stretch ({hi - lo} samples), "
        f"dropped {len(time) - (hi - lo)} samples with far-off times"
    )
    return time[lo:hi], {key: v[lo:hi] for key, v in channels.items()}


def _derive_motion(
    time: FloatArray, ch: dict[str, FloatArray], pauses: list[tuple[float, float]], warnings: list[str]
) -> None:
    if "lat" not in ch or "lon" not in ch:
        ch.pop("lat", None)
        ch.pop("lon", None)
        return
    lat, lon = ch["lat"], ch["lon"]
    zero = (lat == 0) & (lon == 0)
    if zero.any():
        warnings.append(f"{int(zero.sum())} positions at 0°/0° were treated as 'no fix'")
        ch["lat"], ch["lon"] = np.where(zero, np.nan, lat), np.where(zero, np.nan, lon)
    if not ("distance" in ch and np.isfinite(ch["distance"]).any()):
        dist = distance_from_positions(time, ch["lat"], ch["lon"], pauses)
        if np.isfinite(dist).any():
            ch["distance"] = dist


def _grid_streams(
    raw: RawTrack, time: FloatArray, ch: dict[str, FloatArray]
) -> tuple[float, dict[str, FloatArray], int]:
    start = math.floor(time[0])
    span = time[-1] - start
    if span > MAX_SPAN_S:
        raise CorruptFile(f"{raw.source_format.upper()}: samples span {span / 86400:.0f} days; not one activity")
    n = math.floor(span) + 1
    sec = np.floor(time - start).astype(np.int64).clip(0, n - 1)
    grid = {k: _to_grid(sec, v, n) for k, v in ch.items()}
    grid = {k: v for k, v in grid.items() if np.isfinite(v).any()}
    if raw.pauses:
        t = start + np.arange(n, dtype=np.float64)
        paused = np.zeros(n, dtype=bool)
        for s, e in raw.pauses:
            paused[np.searchsorted(t, s, side="right") : np.searchsorted(t, e, side="left")] = True
        for v in grid.values():
            v[paused] = np.nan
    if "speed" not in grid and "distance" in grid:
        step = np.concatenate(([np.nan], np.diff(grid["distance"])))
        step[step < 0] = np.nan
        speed = _nan_mean_filter(step, SMOOTH_S)
        if np.isfinite(speed).any():
            grid["speed"] = speed
    return float(start), grid, n


def _mean_positive(x: FloatArray | None) -> float | None:
    if x is None:
        return None
    x = x[np.isfinite(x) & (x > 0)]
    return round(float(x.mean()), 1) if len(x) else None


def _max_positive(x: FloatArray | None) -> float | None:
    if x is None:
        return None
    x = x[np.isfinite(x) & (x > 0)]
    return float(x.max()) if len(x) else None


def _total_distance(ch: dict[str, FloatArray]) -> float | None:
    """From the samples themselves (not the grid, which averages within a second): largest minus smallest
    cumulative distance, which stays right when samples had to be re-ordered."""
    d = ch.get("distance")
    if d is None:
        return None
    d = d[np.isfinite(d)]
    return round(float(d.max() - d.min()), 1) if len(d) else None


def _moving_gaps(
    time: FloatArray, ch: dict[str, FloatArray], pauses: list[tuple[float, float]], start: float, n: int
) -> npt.NDArray[np.bool_]:
    """Grid seconds inside a recording gap longer than :data:`GAP_S` (sparse or smart recording) that the
    runner covered at :data:`MOVING_SPEED_MS` or more on average, from one sample's distance to the next's;
    gaps that hold a timer pause never count."""
    inside = np.zeros(n + 1, dtype=np.int64)
    d = ch.get("distance")
    if d is None:
        return inside[:n] > 0
    ok = np.isfinite(d)
    t, d = time[ok], d[ok]
    dt, dd = np.diff(t), np.diff(d)
    with np.errstate(invalid="ignore", divide="ignore"):
        moving = (dt > GAP_S) & (dd / dt >= MOVING_SPEED_MS)
    moving &= ~_crosses_pause(t[:-1], t[1:], pauses)
    first = np.floor(t[:-1][moving] - start).astype(np.int64) + 1
    last = np.floor(t[1:][moving] - start).astype(np.int64)  # exclusive: that second has its own sample
    np.add.at(inside, first.clip(0, n), 1)
    np.add.at(inside, last.clip(0, n), -1)
    return np.cumsum(inside)[:n] > 0


def _moving_seconds(grid: dict[str, FloatArray], n: int, gaps: npt.NDArray[np.bool_] | None = None) -> float:
    """Seconds with speed at or above :data:`MOVING_SPEED_MS`, plus the ``gaps`` seconds (no speed there)
    covered at that pace; without any speed, the seconds with data."""
    gaps = gaps if gaps is not None else np.zeros(n, dtype=bool)
    speed = grid.get("speed")
    if speed is not None:
        return float(np.count_nonzero((speed >= MOVING_SPEED_MS) | (gaps & ~np.isfinite(speed))))
    if not grid:
        return 0.0
    covered = gaps.copy()
    for v in grid.values():
        covered |= np.isfinite(v)
    return float(np.count_nonzero(covered))


def _fmt_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span_km(d: FloatArray | None, lo: int, hi: int) -> float:
    if d is None:
        return 0.0
    part = d[lo:hi]
    part = part[np.isfinite(part)]
    return float(part.max() - part.min()) / 1000.0 if len(part) else 0.0


def _vehicle_samples(time: FloatArray, ch: dict[str, FloatArray], sport: str) -> npt.NDArray[np.bool_]:
    """Samples inside a stretch covered at :data:`VEHICLE_MS` or more over at least :data:`VEHICLE_WINDOW_S`
    (a car, a train): never for rides and swims, whose own speeds or pools make no such stretch on foot."""
    out = np.zeros(len(time), dtype=bool)
    d = ch.get("distance")
    if sport in ("ride", "swim") or d is None or len(time) < 2:
        return out
    ok = np.flatnonzero(np.isfinite(d))
    if len(ok) < 2:
        return out
    t, dist = time[ok], d[ok]
    j = np.minimum(np.searchsorted(t, t + VEHICLE_WINDOW_S, side="left"), len(t) - 1)
    dt = t[j] - t
    with np.errstate(invalid="ignore", divide="ignore"):
        fast = (dt >= VEHICLE_WINDOW_S) & (dt <= 4 * VEHICLE_WINDOW_S) & ((dist[j] - dist) / dt >= VEHICLE_MS)
    marks = np.zeros(len(t) + 1, dtype=np.int64)
    np.add.at(marks, np.flatnonzero(fast), 1)
    np.add.at(marks, j[fast] + 1, -1)
    on = np.cumsum(marks)[: len(t)] > 0
    starts, ends = _runs_of(on)
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if t[b - 1] - t[a] < VEHICLE_LEG_S or dist[b - 1] - dist[a] < VEHICLE_LEG_M:
            on[a:b] = False
    out[ok] = on
    return out


def _runs_of(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _split(
    time: FloatArray, ch: dict[str, FloatArray], sport: str, warnings: list[str]
) -> tuple[FloatArray, dict[str, FloatArray], bool]:
    """Cut a track at gaps over :data:`STRETCH_GAP_S` and around legs at vehicle speed; keep the longest part on
    foot (the runner's) and report the rest in a warning. Returns the kept samples and whether anything was cut."""
    vehicle = _vehicle_samples(time, ch, sport)
    gap = np.concatenate(([False], np.diff(time) > STRETCH_GAP_S))
    if not vehicle.any() and not gap.any():
        return time, ch, False
    change = gap | np.concatenate(([False], vehicle[1:] != vehicle[:-1]))
    piece = np.cumsum(change)
    starts = np.flatnonzero(np.concatenate(([True], piece[1:] != piece[:-1])))
    ends = np.concatenate((starts[1:], [len(time)]))
    foot = [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if not vehicle[a]]
    if not foot:
        raise CorruptFile("every part of the track moves at vehicle speed (over 36 km/h): not a run, walk or hike")
    lo, hi = max(foot, key=lambda ab: (time[ab[1] - 1] - time[ab[0]], ab[1] - ab[0]))
    d = ch.get("distance")
    left: list[str] = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if (a, b) == (lo, hi):
            continue
        km, when = _span_km(d, a, b), f"{_fmt_utc(time[a])} to {_fmt_utc(time[b - 1])}"
        left.append(f"{km:.1f} km at vehicle speed ({when})" if vehicle[a] else f"{km:.1f} km ({when})")
    if len(left) > 4:
        left = [*left[:3], f"{len(left) - 3} more parts"]
    warnings.append(
        f"the track was split at a leg at vehicle speed or a gap over {STRETCH_GAP_S / 3600:g} h: kept "
        f"{_span_km(d, lo, hi):.1f} km from {_fmt_utc(time[lo])} to {_fmt_utc(time[hi - 1])}; left out "
        + "; ".join(left)
    )
    kept = {k: v[lo:hi] for k, v in ch.items()}
    if d is not None and "distance" in kept and np.isfinite(kept["distance"]).any():
        kept["distance"] = kept["distance"] - np.nanmin(kept["distance"])
    return time[lo:hi], kept, True


def _plausible(summary: ActivitySummary, now: datetime | None, duration_s: float | None = None) -> None:
    """Refuse what cannot be a real recording: a date before 1990 or in the future, 0 s, an impossible speed."""
    now = now or datetime.now(UTC)
    start = summary.start
    if start.year < EARLIEST_YEAR:
        raise CorruptFile(f"dated {start:%Y-%m-%d}, before {EARLIEST_YEAR}: the recording clock was not set")
    if start > now + FUTURE_TOLERANCE:
        raise CorruptFile(f"dated {start:%Y-%m-%d}, in the future: the recording clock was wrong")
    duration = max(summary.elapsed_s, duration_s or 0.0)
    if duration <= 0:
        raise CorruptFile("lasts 0 s: nothing was recorded")
    limit = MAX_AVG_SPEED.get(summary.sport, MAX_AVG_SPEED["other"])
    speed = (summary.distance_m or 0.0) / duration
    if speed > limit and (summary.distance_m or 0.0) >= IMPOSSIBLE_MIN_M:
        raise CorruptFile(
            f"{(summary.distance_m or 0) / 1000:.2f} km in {duration:.0f} s ({speed * 3.6:.0f} km/h) "
            f"is impossible for a {summary.sport.replace('_', ' ')} (limit {limit * 3.6:.0f} km/h)"
        )


def _positive(rep: dict[str, float], key: str) -> float | None:
    """A reported heart rate or cadence; 0 (or less) is the device's "none", not a value."""
    value = rep.get(key)
    return value if value is not None and value > 0 else None


def build_activity(
    raw: RawTrack, *, name: str | None = None, rpe: float | None = None, now: datetime | None = None
) -> ParsedActivity:
    """Resample ``raw`` to 1 Hz and summarise it (see the module docstring for every rule). ``now`` (default: the
    clock) is the limit for a start in the future."""
    warnings = list(raw.warnings)
    name = name or raw.title
    if not np.isfinite(np.asarray(raw.time, dtype=np.float64)).any():
        return _without_samples(raw, warnings, name, rpe, now)
    time, ch = _clean(raw, warnings)
    time, ch, cut = _split(time, ch, "ride" if raw.mixed_sports else raw.sport, warnings)
    start, grid, n = _grid_streams(raw, time, ch)
    rep = dict(raw.reported)
    if cut:  # the file's totals describe the whole track, vehicle leg included
        rep = {k: v for k, v in rep.items() if k in ("avg_hr", "max_hr", "avg_cadence_spm")}
    sport, inferred = raw.sport, None
    if sport == "other" and not raw.mixed_sports:
        guess = infer_sport(
            title=raw.title, description=raw.description, speed=grid.get("speed"), cadence=grid.get("cadence")
        )
        if guess is not None:
            sport, inferred = guess.sport, guess.describe()
            warnings.append(inferred_warning(sport, inferred))
    cadence_avg = _positive(rep, "avg_cadence_spm")
    if "cadence" in grid or cadence_avg is not None:
        factor = cadence_factor(_median_positive(grid.get("cadence")) or cadence_avg, sport)
        if factor != 1.0:
            if "cadence" in grid:
                grid["cadence"] = grid["cadence"] * factor
            cadence_avg = cadence_avg * factor if cadence_avg is not None else None
            warnings.append(cadence_warning(factor, sport))
    elapsed = rep.get("elapsed_s", float(time[-1] - time[0]))
    timer = rep.get("timer_s", 0.0)
    if "elapsed_s" not in rep and elapsed < SPARSE_SHARE * timer:  # a few points in long laps (a sparse TCX)
        warnings.append(
            f"the samples span {elapsed:.0f} s of the laps' {timer:.0f} s of timer time: the laps' time is kept"
        )
        elapsed = timer
    if "timer_s" in rep:
        moving = rep["timer_s"]
    else:
        moving = _moving_seconds(grid, n, _moving_gaps(time, ch, raw.pauses, start, n))
    moving = min(moving, elapsed)
    gain = rep.get("elevation_gain_m")
    if gain is None and "altitude" in grid:
        gain = elevation_gain(grid["altitude"])
    if sport == "swim" and gain:  # a pool or open water has no climb: barometer noise from the water and the wall
        gain = 0.0
    first = float(time[0])
    reported_start = rep.get("start_epoch")
    if reported_start is not None and abs(reported_start - first) <= START_FROM_REPORTED_S:
        first = reported_start  # the session's start (the first record may come minutes later: pool swims)
    summary = ActivitySummary(
        sport=sport,
        start=start_datetime(first, raw.utc_offset_s),
        elapsed_s=round(float(elapsed), 3),
        moving_s=round(float(moving), 3),
        distance_m=rep.get("distance_m", _total_distance(ch)),
        avg_hr=_positive(rep, "avg_hr") or _mean_positive(grid.get("heart_rate")),
        max_hr=_positive(rep, "max_hr") or _max_positive(grid.get("heart_rate")),
        avg_cadence_spm=cadence_avg if cadence_avg is not None else _mean_positive(grid.get("cadence")),
        elevation_gain_m=gain,
        source_format=raw.source_format,
        device=raw.device,
        name=name,
        rpe=rpe,
        sport_inferred=inferred,
    )
    _plausible(summary, now)
    with np.errstate(over="ignore"):  # garbage beyond float32's range becomes inf, then "no data"
        stored: dict[str, npt.NDArray[np.floating]] = {
            k: grid[k].astype(np.float64 if k in ("lat", "lon") else np.float32) for k in CHANNELS if k in grid
        }
    for values in stored.values():
        values[np.isinf(values)] = np.nan
    return ParsedActivity(
        summary=summary,
        streams=Streams(start_epoch=start, channels=stored) if stored else None,
        record_count=raw.record_count or len(raw.time),
        warnings=tuple(warnings),
    )


INFERRED_WARNING = "the file names no sport: "
CADENCE_DOUBLED = "cadence doubled (the file counts one foot)"
CADENCE_HALVED = "cadence halved (the file counted it twice)"


def inferred_warning(sport: str, inferred: str) -> str:
    """The import's warning for a sport it inferred (migration 0009 rewrites it when the sport is inferred again)."""
    return f"{INFERRED_WARNING}{sport.replace('_', ' ')}, {inferred}"


def cadence_warning(factor: float, sport: str) -> str:
    """The import's warning for a cadence it scaled by ``factor`` (2 or 0.5): what tells, later, how the stored
    cadence stream differs from the file's (migration 0009 reads it back)."""
    how = CADENCE_DOUBLED if factor > 1 else CADENCE_HALVED
    return f"{how} to a plausible {sport.replace('_', ' ')} cadence in steps per minute"


def stored_cadence_factor(warnings: object) -> float:
    """The factor the import applied to the cadence stream, from the activity's stored warnings (1 when none)."""
    texts = [w for w in warnings if isinstance(w, str)] if isinstance(warnings, list) else []
    if any(w.startswith(CADENCE_DOUBLED) for w in texts):
        return 2.0
    if any(w.startswith(CADENCE_HALVED) for w in texts):
        return 0.5
    return 1.0


def _median_positive(x: FloatArray | None) -> float | None:
    if x is None:
        return None
    x = x[np.isfinite(x) & (x > 0)]
    return float(np.median(x)) if len(x) else None


def _without_samples(
    raw: RawTrack, warnings: list[str], name: str | None, rpe: float | None, now: datetime | None
) -> ParsedActivity:
    """No sample has a time: a summary from the reported totals when the file gives a start (e.g. FIT pool
    swims: ``reported["start_epoch"]``), else nothing to import."""
    rep = raw.reported
    if "start_epoch" not in rep or not ("elapsed_s" in rep or "timer_s" in rep):
        raise NotAnActivity(f"skipped: {raw.source_format.upper()}: no sample has a time (nothing recorded)")
    parsed = summary_from_fields(
        sport=raw.sport,
        start=start_datetime(rep["start_epoch"], raw.utc_offset_s),
        elapsed_s=rep.get("elapsed_s", rep.get("timer_s", 0.0)),
        moving_s=rep.get("timer_s"),
        distance_m=rep.get("distance_m"),
        avg_hr=_positive(rep, "avg_hr"),
        max_hr=_positive(rep, "max_hr"),
        avg_cadence_spm=_positive(rep, "avg_cadence_spm"),
        elevation_gain_m=0.0 if raw.sport == "swim" and rep.get("elevation_gain_m") else rep.get("elevation_gain_m"),
        source_format=raw.source_format,
        device=raw.device,
        name=name,
        rpe=rpe,
        lenient=True,
    )
    warnings.append("no sample has a time: summary only, from the totals the file reports")
    _plausible(parsed.summary, now)
    return replace(parsed, record_count=raw.record_count or len(raw.time), warnings=tuple(warnings))
