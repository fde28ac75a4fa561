"""Training load from run summaries: daily and weekly series, EWMA acute/chronic load, an uncoupled
acute:chronic ratio, Foster monotony and strain, session-RPE, Banister TRIMP and single-run spikes.

Everything works on a ``runners × days`` matrix, so the same code serves one runner and the 1,000-runner
benchmark. Pure: arrays and dataclasses in, arrays and dataclasses out. Formulas, sources and caveats are in
``docs/load.md``; the ratio and the weekly rules are disputed (REFERENCE.md §7.4) and are shown as descriptive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

# re-exported: what one run is and the spike bands live in calfcare.analytics.runs (no NumPy there)
from calfcare.analytics.runs import SPIKE_BANDS as SPIKE_BANDS
from calfcare.analytics.runs import SPIKE_LABELS as SPIKE_LABELS
from calfcare.analytics.runs import SPIKE_TOLERANCE as SPIKE_TOLERANCE
from calfcare.analytics.runs import RunDay as RunDay
from calfcare.analytics.runs import spike_band_of as spike_band_of

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Sex = Literal["male", "female"]

DEFAULT_HR_REST = 60.0  # bpm, used when the runner has not given theirs
DEFAULT_HR_MAX = 190.0  # bpm, used when no file records a maximum heart rate
# Banister (1991) / Morton (1990) weighting: k·e^(b·ΔHRr)
TRIMP_COEFFICIENTS: dict[str, tuple[float, float]] = {"male": (0.64, 1.92), "female": (0.86, 1.67)}


@dataclass(frozen=True)
class LoadConfig:
    acute_days: int = 7
    chronic_days: int = 28
    spike_window_days: int = 30
    hr_rest: float = DEFAULT_HR_REST
    hr_max: float | None = None  # None: the highest max_hr in the runner's files, else DEFAULT_HR_MAX
    sex: Sex | None = None  # None: the mean of the male and female TRIMP weightings


@dataclass(frozen=True)
class DailyLoad:
    """Per-runner, per-day sums. Shape ``(runners, days)``; day 0 is ``start``."""

    start: date
    distance_km: FloatArray
    duration_min: FloatArray
    srpe: FloatArray  # session-RPE × minutes, summed over runs that had an RPE
    rpe_missing: IntArray  # runs that day without an RPE
    trimp: FloatArray  # Banister TRIMP, summed over runs with heart rate
    climb_m: FloatArray
    fast_min: FloatArray
    surges: FloatArray
    longest_km: FloatArray  # the day's longest single run
    runs: IntArray
    injured: BoolArray

    @property
    def n_days(self) -> int:
        return int(self.distance_km.shape[1])

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.start).days


def session_rpe(rpe: FloatArray, minutes: FloatArray) -> FloatArray:
    """Foster (1998) session load in arbitrary units: CR-10 RPE × session minutes."""
    return np.asarray(rpe, dtype=np.float64) * np.asarray(minutes, dtype=np.float64)


def banister_trimp(
    minutes: FloatArray,
    avg_hr: FloatArray,
    hr_rest: float | FloatArray,
    hr_max: float | FloatArray,
    sex: Sex | None = None,
) -> FloatArray:
    """Banister TRIMP = minutes × ΔHRr × k·e^(b·ΔHRr), ΔHRr = (HRavg − HRrest)/(HRmax − HRrest) clipped to 0..1.
    k, b = 0.64, 1.92 (men) or 0.86, 1.67 (women); with ``sex`` unknown, the mean of the two weightings.
    NaN where the heart rate is missing."""
    minutes = np.asarray(minutes, dtype=np.float64)
    hr = np.asarray(avg_hr, dtype=np.float64)
    reserve = np.clip((hr - hr_rest) / (np.asarray(hr_max, dtype=np.float64) - hr_rest), 0.0, 1.0)
    if sex is None:
        weights = [k * np.exp(b * reserve) for k, b in TRIMP_COEFFICIENTS.values()]
        weight = (weights[0] + weights[1]) / 2.0
    else:
        k, b = TRIMP_COEFFICIENTS[sex]
        weight = k * np.exp(b * reserve)
    out: FloatArray = minutes * reserve * weight
    return out


def _scatter(flat: IntArray, size: int, values: FloatArray | None) -> FloatArray:
    if values is None:
        return np.zeros(size)
    vals = np.asarray(values, dtype=np.float64)
    weights = vals if np.isfinite(vals).all() else np.nan_to_num(vals, nan=0.0, posinf=0.0, neginf=0.0)
    out: FloatArray = np.bincount(flat, weights=weights, minlength=size).astype(np.float64, copy=False)
    return out


def daily_matrix(
    *,
    n_runners: int,
    start: date,
    n_days: int,
    runner: IntArray,
    day: IntArray,
    distance_km: FloatArray,
    duration_min: FloatArray,
    avg_hr: FloatArray | None = None,
    rpe: FloatArray | None = None,
    climb_m: FloatArray | None = None,
    fast_min: FloatArray | None = None,
    surges: FloatArray | None = None,
    hr_rest: float | FloatArray = DEFAULT_HR_REST,
    hr_max: float | FloatArray = DEFAULT_HR_MAX,
    sex: Sex | None = None,
    injured: BoolArray | None = None,
) -> DailyLoad:
    """Sum runs (flat arrays, one entry per run; ``runner`` and ``day`` are indexes) into daily matrices.
    ``hr_rest``/``hr_max`` may be per-runner arrays. Runs outside ``0 <= day < n_days`` are ignored."""
    runner = np.asarray(runner, dtype=np.int64)
    day = np.asarray(day, dtype=np.int64)
    keep = (day >= 0) & (day < n_days) & (runner >= 0) & (runner < n_runners)
    flat = runner[keep] * n_days + day[keep]
    size = n_runners * n_days
    shape = (n_runners, n_days)

    def pick(values: FloatArray | None) -> FloatArray | None:
        return None if values is None else np.asarray(values, dtype=np.float64)[keep]

    dist = np.nan_to_num(np.asarray(distance_km, dtype=np.float64)[keep])
    mins = np.nan_to_num(np.asarray(duration_min, dtype=np.float64)[keep])
    rpe_k = pick(rpe)
    srpe = None if rpe_k is None else session_rpe(rpe_k, mins)
    missing = np.ones_like(mins) if rpe_k is None else (~np.isfinite(rpe_k)).astype(np.float64)
    trimp = None
    hr_k = pick(avg_hr)
    if hr_k is not None:
        rest = np.asarray(hr_rest, dtype=np.float64)
        top = np.asarray(hr_max, dtype=np.float64)
        rest = rest[runner[keep]] if rest.ndim else rest
        top = top[runner[keep]] if top.ndim else top
        trimp = banister_trimp(mins, hr_k, rest, top, sex)
    longest = np.zeros(size)
    np.maximum.at(longest, flat, dist)
    return DailyLoad(
        start=start,
        distance_km=_scatter(flat, size, dist).reshape(shape),
        duration_min=_scatter(flat, size, mins).reshape(shape),
        srpe=_scatter(flat, size, srpe).reshape(shape),
        rpe_missing=np.bincount(flat, weights=missing, minlength=size).astype(np.int64, copy=False).reshape(shape),
        trimp=_scatter(flat, size, trimp).reshape(shape),
        climb_m=_scatter(flat, size, pick(climb_m)).reshape(shape),
        fast_min=_scatter(flat, size, pick(fast_min)).reshape(shape),
        surges=_scatter(flat, size, pick(surges)).reshape(shape),
        longest_km=longest.reshape(shape),
        runs=np.bincount(flat, minlength=size).astype(np.int64, copy=False).reshape(shape),
        injured=np.zeros(shape, dtype=bool) if injured is None else np.asarray(injured, dtype=bool),
    )


def injured_mask(start: date, n_days: int, episodes: Sequence[tuple[date, date | None]], until: date) -> BoolArray:
    """True on days inside an injury episode: onset to close (open episodes run to ``until``)."""
    mask = np.zeros(n_days, dtype=bool)
    for onset, closed in episodes:
        first = max((onset - start).days, 0)
        last = min(((closed or until) - start).days, n_days - 1)
        if last >= first:
            mask[first : last + 1] = True
    return mask


def daily_from_runs(
    runs: Sequence[RunDay],
    *,
    start: date,
    end: date,
    episodes: Sequence[tuple[date, date | None]] = (),
    config: LoadConfig | None = None,
) -> DailyLoad:
    """One runner's daily matrix (shape ``(1, days)``) from ``start`` to ``end`` inclusive."""
    config = config or LoadConfig()
    n_days = (end - start).days + 1
    if n_days <= 0:
        raise ValueError(f"end {end} is before start {start}")
    seen_max = [r.max_hr for r in runs if r.max_hr]
    hr_max = config.hr_max or (max(seen_max) if seen_max else DEFAULT_HR_MAX)

    def col(getter: str) -> FloatArray:
        return np.array([np.nan if getattr(r, getter) is None else getattr(r, getter) for r in runs], dtype=float)

    return daily_matrix(
        n_runners=1,
        start=start,
        n_days=n_days,
        runner=np.zeros(len(runs), dtype=np.int64),
        day=np.array([(r.day - start).days for r in runs], dtype=np.int64),
        distance_km=col("distance_km"),
        duration_min=col("duration_min"),
        avg_hr=col("avg_hr"),
        rpe=col("rpe"),
        climb_m=col("climb_m"),
        fast_min=col("fast_min"),
        surges=col("surges"),
        hr_rest=config.hr_rest,
        hr_max=hr_max,
        sex=config.sex,
        injured=injured_mask(start, n_days, episodes, end)[None, :],
    )


EWMA_BLOCK = 32


def ewma(load: FloatArray, n: int) -> FloatArray:
    """Williams 2017: EWMA_t = λ·load_t + (1 − λ)·EWMA_(t−1), λ = 2/(N+1), EWMA before day 0 = 0.

    Vectorised over runners and days: within blocks of EWMA_BLOCK (32) days the recurrence is a matrix product with the
    lower-triangular decay matrix W[i, j] = λ(1 − λ)^(i−j); the state is carried from block to block, so the
    Python loop runs once per block, not once per day. Exactly the recurrence (up to rounding)."""
    if n < 1:
        raise ValueError("the EWMA span N must be at least 1 day")
    x = np.asarray(load, dtype=np.float64)
    r, d = x.shape
    lam = 2.0 / (n + 1.0)
    keep = 1.0 - lam
    b = EWMA_BLOCK
    blocks = -(-d // b)
    padded = np.zeros((r, blocks * b))
    padded[:, :d] = x
    lag = np.arange(b)[:, None] - np.arange(b)[None, :]
    weights = np.where(lag >= 0, lam * keep ** np.maximum(lag, 0), 0.0)
    local = padded.reshape(r, blocks, b) @ weights.T  # each block as if it started from 0
    carry_in = keep ** np.arange(1, b + 1)  # how yesterday's EWMA decays into each day of the block
    state = np.zeros(r)
    for k in range(blocks):
        local[:, k, :] += state[:, None] * carry_in[None, :]
        state = local[:, k, -1]
    out: FloatArray = local.reshape(r, -1)[:, :d]
    return out


def acwr_uncoupled(
    load: FloatArray, *, acute_days: int = 7, chronic_days: int = 28, injured: BoolArray | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(acute, chronic, ratio). Acute = EWMA-N_acute on day t; chronic = EWMA-N_chronic as it stood on day
    t − N_acute, i.e. computed without the acute week (uncoupled, after Lolli 2019). The ratio is NaN before
    N_acute + N_chronic days of history, where the chronic load is ~0, on injured days and for the N_acute +
    N_chronic days after an injury (its low load is still inside the windows, so the comeback would read as a
    spike). Descriptive only."""
    acute = ewma(load, acute_days)
    chronic = np.empty_like(acute)
    chronic[:, :acute_days] = np.nan
    chronic[:, acute_days:] = ewma(load[:, :-acute_days], chronic_days)
    ratio = np.full_like(acute, np.nan)
    np.divide(acute, chronic, out=ratio, where=chronic > 1e-9)
    ratio[:, : acute_days + chronic_days] = np.nan
    if injured is not None:
        hurt = np.asarray(injured, dtype=np.float64).reshape(ratio.shape)
        # injured today or on any of the N_acute + N_chronic days before
        ratio[rolling_max(hurt, acute_days + chronic_days + 1) > 0] = np.nan
    return acute, chronic, ratio


def rolling_max(x: FloatArray, window: int) -> FloatArray:
    """y[t] = max(x[t−window+1 .. t]) (values before day 0 count as 0), O(n) by the van Herk/Gil-Werman
    block method, vectorised over runners."""
    r, d = x.shape
    padded = np.concatenate([np.zeros((r, window - 1)), x], axis=1)
    blocks = -(-padded.shape[1] // window)
    full = np.zeros((r, blocks * window))
    full[:, : padded.shape[1]] = padded
    b = full.reshape(r, blocks, window)
    prefix = np.maximum.accumulate(b, axis=2).reshape(r, -1)
    suffix = np.flip(np.maximum.accumulate(np.flip(b, axis=2), axis=2), axis=2).reshape(r, -1)
    out: FloatArray = np.maximum(suffix[:, :d], prefix[:, window - 1 : window - 1 + d])
    return out


def longest_before(longest_km: FloatArray, window: int = 30, injured: BoolArray | None = None) -> FloatArray:
    """The longest single run in the ``window`` days before each day (not counting the day itself).
    Runs on injured days are left out, so rehab runs are not a spike baseline."""
    src = longest_km if injured is None else np.where(injured, 0.0, longest_km)
    rm = rolling_max(src, window)
    out = np.zeros_like(rm)
    out[:, 1:] = rm[:, :-1]
    return out


def spike_ratio(distance_km: FloatArray, reference_km: FloatArray) -> FloatArray:
    """Increase over the reference as a fraction (0.25 = 25 % longer); NaN without a run or a reference."""
    d = np.asarray(distance_km, dtype=np.float64)
    ref = np.asarray(reference_km, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: FloatArray = np.where((d > 0) & (ref > 0), d / ref - 1.0, np.nan)
    return ratio


def spike_band(ratio: FloatArray) -> IntArray:
    """Frandsen 2025 bands: 0 ≤10 %, 1 >10–30 %, 2 >30–100 %, 3 >100 %; −1 where there is no ratio."""
    r = np.asarray(ratio, dtype=np.float64)
    # a tolerance so that 11 km against 10 km (0.1000000000000001 in floating point) is "≤10 %"
    band = sum((r > edge + SPIKE_TOLERANCE).astype(np.int64) for edge in SPIKE_BANDS)
    out: IntArray = np.where(np.isnan(r), -1, band)
    return out


def daily_spikes(daily: DailyLoad, window: int = 30) -> tuple[FloatArray, IntArray]:
    """Each day's longest run against the longest of the previous ``window`` days: (ratio, band).
    Not assessed on injured days (the return-to-run plan governs them), nor in the first ``window`` days of the
    series (the 30 days before are not in the records)."""
    ref = longest_before(daily.longest_km, window, daily.injured)
    ratio = spike_ratio(daily.longest_km, ref)
    ratio = np.where(daily.injured, np.nan, ratio)
    ratio[:, :window] = np.nan
    return ratio, spike_band(ratio)
