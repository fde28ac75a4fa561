"""Weekly load (Monday–Sunday): totals, % change, Foster monotony and strain, the week's highest spike band, and
:func:`all_metrics` — every metric for a ``runners × days`` matrix in one pass. Pure NumPy; see docs/load.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from calfcare.analytics.load import (
    BoolArray,
    DailyLoad,
    FloatArray,
    IntArray,
    LoadConfig,
    acwr_uncoupled,
    daily_spikes,
)


@dataclass(frozen=True)
class WeeklyLoad:
    """Per-runner, per-week (Monday to Sunday) values. Shape ``(runners, weeks)``."""

    week_start: tuple[date, ...]
    days_covered: IntArray  # (weeks,) days of the week inside the data range (partial first/last weeks)
    distance_km: FloatArray
    duration_min: FloatArray
    srpe: FloatArray
    srpe_complete: BoolArray  # every run of the week had an RPE
    trimp: FloatArray
    climb_m: FloatArray
    fast_min: FloatArray
    surges: FloatArray
    runs: IntArray
    longest_km: FloatArray
    injured_days: IntArray
    pct_change: FloatArray  # distance vs the week before, %
    monotony: FloatArray  # Foster, on daily distance
    strain: FloatArray
    monotony_srpe: FloatArray  # Foster, on daily session-RPE (NaN unless every run had an RPE)
    strain_srpe: FloatArray
    max_spike_band: IntArray  # the week's highest Frandsen band (−1: none assessed)

    @property
    def climb_per_km(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.distance_km > 0, self.climb_m / self.distance_km, np.nan)


def to_weeks(x: npt.NDArray[np.generic], start: date, fill: float = 0) -> npt.NDArray[np.generic]:
    """``(R, D)`` → ``(R, W, 7)`` Monday-aligned, padding outside the range with ``fill``."""
    r, d = x.shape
    lead = start.weekday()
    weeks = -(-(lead + d) // 7)
    out = np.full((r, weeks * 7), fill, dtype=x.dtype)
    out[:, lead : lead + d] = x
    return out.reshape(r, weeks, 7)


def monotony_strain(daily_week: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Foster 1998 over the last axis (7 daily loads): monotony = mean / SD (population SD), strain = weekly
    load × monotony. NaN where the SD is 0 (a week of identical days, including a week of rest)."""
    mean = daily_week.mean(axis=-1)
    sd = daily_week.std(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        monotony = np.where(sd > 1e-12, mean / sd, np.nan)
    return monotony, daily_week.sum(axis=-1) * monotony


def pct_change(values: FloatArray, valid: BoolArray) -> FloatArray:
    """Week-on-week change in %, NaN where either week is not ``valid`` or the earlier week is 0."""
    out = np.full(values.shape, np.nan)
    prev, cur = values[:, :-1], values[:, 1:]
    ok = valid[:, :-1] & valid[:, 1:] & (prev > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, 1:] = np.where(ok, (cur - prev) / prev * 100.0, np.nan)
    return out


def weekly_means(daily: DailyLoad, series: FloatArray) -> tuple[list[date], FloatArray]:
    """Each Monday–Sunday week's mean of a daily ``(R, D)`` series (days outside the range left out), dated at
    the week's middle (Thursday): readable weekly lines for the plot."""
    covered = to_weeks(np.ones((1, daily.n_days)), daily.start)[0].sum(axis=1)
    sums = to_weeks(np.nan_to_num(series), daily.start).sum(axis=2)
    monday = daily.start - timedelta(days=daily.start.weekday())
    return [monday + timedelta(weeks=i, days=3) for i in range(len(covered))], sums / covered


def weekly(daily: DailyLoad, *, spike_window: int = 30, spike_bands: IntArray | None = None) -> WeeklyLoad:
    """Weekly totals, % change, monotony/strain and spikes. Weeks touching an injury episode, and partial
    weeks at the edges, get no % change and no monotony (so the drop is not read as detraining, nor the
    comeback as a jump)."""
    start = daily.start
    lead = start.weekday()
    covered = to_weeks(np.ones((1, daily.n_days), dtype=np.int64), start)[0].sum(axis=1)
    n_weeks = covered.shape[0]
    monday = start - timedelta(days=lead)

    def w(x: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        return to_weeks(x, start)

    dist_w = w(daily.distance_km).astype(np.float64, copy=False)
    srpe_w = w(daily.srpe).astype(np.float64, copy=False)
    injured_days = w(daily.injured.astype(np.int64)).sum(axis=2)
    full = (covered == 7)[None, :] & (injured_days == 0)
    complete = w(daily.rpe_missing).sum(axis=2) == 0
    mono, strain = monotony_strain(dist_w)
    mono_s, strain_s = monotony_strain(srpe_w)
    band = daily_spikes(daily, spike_window)[1] if spike_bands is None else spike_bands
    distance = dist_w.sum(axis=2)
    return WeeklyLoad(
        week_start=tuple(monday + timedelta(weeks=i) for i in range(n_weeks)),
        days_covered=covered,
        distance_km=distance,
        duration_min=w(daily.duration_min).sum(axis=2),
        srpe=srpe_w.sum(axis=2),
        srpe_complete=complete,
        trimp=w(daily.trimp).sum(axis=2),
        climb_m=w(daily.climb_m).sum(axis=2),
        fast_min=w(daily.fast_min).sum(axis=2),
        surges=w(daily.surges).sum(axis=2),
        runs=w(daily.runs).sum(axis=2),
        longest_km=w(daily.longest_km).max(axis=2),
        injured_days=injured_days,
        pct_change=pct_change(distance, full),
        monotony=np.where(full, mono, np.nan),
        strain=np.where(full, strain, np.nan),
        monotony_srpe=np.where(full & complete, mono_s, np.nan),
        strain_srpe=np.where(full & complete, strain_s, np.nan),
        max_spike_band=to_weeks(band, start, fill=-1).max(axis=2),
    )


@dataclass(frozen=True)
class LoadMetrics:
    """Everything for a set of runners: daily series, acute/chronic/ratio per load kind, spikes, weekly."""

    daily: DailyLoad
    weekly: WeeklyLoad
    acute: dict[str, FloatArray]
    chronic: dict[str, FloatArray]
    acwr: dict[str, FloatArray]
    spike_ratio: FloatArray
    spike_band: IntArray


LOAD_KINDS: tuple[str, ...] = ("distance_km", "srpe", "trimp")


def all_metrics(daily: DailyLoad, config: LoadConfig | None = None) -> LoadMetrics:
    """Every metric for every runner in one pass (what the benchmark times)."""
    config = config or LoadConfig()
    acute: dict[str, FloatArray] = {}
    chronic: dict[str, FloatArray] = {}
    ratio: dict[str, FloatArray] = {}
    for kind in LOAD_KINDS:
        a, c, r = acwr_uncoupled(
            getattr(daily, kind),
            acute_days=config.acute_days,
            chronic_days=config.chronic_days,
            injured=daily.injured,
        )
        acute[kind], chronic[kind], ratio[kind] = a, c, r
    s_ratio, s_band = daily_spikes(daily, config.spike_window_days)
    return LoadMetrics(
        daily=daily,
        weekly=weekly(daily, spike_window=config.spike_window_days, spike_bands=s_band),
        acute=acute,
        chronic=chronic,
        acwr=ratio,
        spike_ratio=s_ratio,
        spike_band=s_band,
    )
