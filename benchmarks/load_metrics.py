"""Load analytics speed: every metric for 1,000 runners × 10 years of daily data (target < 2 s), and one
runner's ten years from run summaries (what a CLI call after a new import recomputes).

    python benchmarks/load_metrics.py [--runners 1000] [--years 10] [--repeat 3]

Prints the timings; docs/benchmarks.md ("Load analytics") records the figures.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date, timedelta

import numpy as np

from calfcare.analytics.load import RunDay, daily_from_runs, daily_matrix
from calfcare.analytics.load_weekly import all_metrics

START = date(2016, 1, 4)


def synthetic_runs(n_runners: int, n_days: int, seed: int = 7) -> dict[str, np.ndarray]:
    """About 4.5 runs a week per runner with varied distance, heart rate, RPE on a third of runs, and climbing."""
    rng = np.random.default_rng(seed)
    ran = rng.random((n_runners, n_days)) < 0.65
    runner, day = np.nonzero(ran)
    n = len(runner)
    km = np.clip(rng.gamma(4.0, 2.2, n), 2.0, 42.0)
    minutes = km * rng.normal(5.8, 0.5, n)
    hr = np.where(rng.random(n) < 0.8, rng.normal(145, 10, n), np.nan)
    rpe = np.where(rng.random(n) < 0.33, rng.integers(2, 9, n).astype(float), np.nan)
    return {
        "runner": runner.astype(np.int64),
        "day": day.astype(np.int64),
        "distance_km": km,
        "duration_min": minutes,
        "avg_hr": hr,
        "rpe": rpe,
        "climb_m": km * rng.gamma(2.0, 4.0, n),
        "fast_min": np.where(rng.random(n) < 0.15, rng.gamma(2.0, 5.0, n), 0.0),
        "surges": np.where(rng.random(n) < 0.15, rng.integers(3, 12, n).astype(float), 0.0),
    }


def injured(n_runners: int, n_days: int, seed: int = 11) -> np.ndarray:
    """One six-week injury for every third runner."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((n_runners, n_days), dtype=bool)
    for r in range(0, n_runners, 3):
        onset = int(rng.integers(60, n_days - 60))
        mask[r, onset : onset + 42] = True
    return mask


def best_of(repeat: int, fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) seconds, the best of ``repeat`` runs. CPU time is what the process itself used, so it is the
    fairer figure on a machine shared with other work."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runners", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n_days = (START.replace(year=START.year + args.years) - START).days
    runs = synthetic_runs(args.runners, n_days)
    mask = injured(args.runners, n_days)
    hr_max = np.full(args.runners, 188.0)

    def build() -> object:
        return daily_matrix(n_runners=args.runners, start=START, n_days=n_days, hr_max=hr_max, injured=mask, **runs)

    daily = build()
    t_daily = best_of(args.repeat, build)
    t_metrics = best_of(args.repeat, lambda: all_metrics(daily))  # type: ignore[arg-type]
    t_total = best_of(args.repeat, lambda: all_metrics(build()))  # type: ignore[arg-type]

    one = [
        RunDay(START + timedelta(days=int(d)), float(k), float(m), avg_hr=float(h), rpe=None)
        for d, k, m, h in zip(runs["day"][runs["runner"] == 0], runs["distance_km"][runs["runner"] == 0],
                              runs["duration_min"][runs["runner"] == 0], runs["avg_hr"][runs["runner"] == 0],
                              strict=True)
    ]  # fmt: skip
    end = START + timedelta(days=n_days - 1)
    t_one = best_of(args.repeat, lambda: all_metrics(daily_from_runs(one, start=START, end=end)))

    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()} "
          f"numpy {np.__version__}")  # fmt: skip
    size = f"{args.runners * n_days:,} runner-days, {len(runs['day']):,} runs"
    print(f"{args.runners} runners × {args.years} years = {size}")
    for label, (wall, cpu) in (
        ("daily matrices from runs", t_daily),
        ("all metrics from daily", t_metrics),
        ("total (runs → metrics)", t_total),
        (f"one runner, {args.years} years, {len(one)} runs", t_one),
    ):
        print(f"{label:<34}: wall {wall * 1000:8.1f} ms   CPU {cpu * 1000:8.1f} ms")
    print(f"target < 2000 ms for the total: {'met' if min(t_total) < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
