"""Threshold pace, minutes faster than it, surges and walk breaks from 1 Hz speed; climb per km."""

from __future__ import annotations

import numpy as np
import pytest

from calfcare.analytics.intensity import (
    analyse_speed,
    best_sustained_speed,
    climb_per_km,
    count_surges,
    count_walk_breaks,
    fast_seconds,
    format_pace,
    pace_s_per_km,
    segments,
    smooth,
)
from calfcare.analytics.threshold import threshold_speed


def _speed(*parts: tuple[float, int]) -> np.ndarray:
    return np.concatenate([np.full(n, v) for v, n in parts])


def test_smoothing_is_a_centred_five_second_mean() -> None:
    # index 2: (0+0+10+0+0)/5 = 2; index 0 sees only indexes 0..2: 10/3
    out = smooth(np.array([0.0, 0.0, 10.0, 0.0, 0.0]))
    assert out[2] == pytest.approx(2.0) and out[0] == pytest.approx(10 / 3)


def test_best_sustained_speed_is_the_fastest_full_window() -> None:
    # windows of 3: (2,2,4)=2.67 (2,4,4)=3.33 (4,4,4)=4 (4,4,2)=3.33 → 4
    assert best_sustained_speed(np.array([2.0, 2, 4, 4, 4, 2]), window_s=3) == pytest.approx(4.0)


def test_windows_with_too_many_gaps_do_not_count() -> None:
    # windows: (2,2,2) = 2, (2,2,4) = 2.67, (2,4,–) and (4,–,4) have 2 of 3 samples (< 90 %) → best 8/3
    x = np.array([2.0, 2, 2, 4, np.nan, 4])
    assert best_sustained_speed(x, window_s=3) == pytest.approx(8 / 3)
    assert best_sustained_speed(np.array([3.0, 3.0]), window_s=3) is None


def test_threshold_is_the_best_sustained_speed_else_the_95th_percentile_of_averages() -> None:
    assert threshold_speed([3.5, None, 4.0]) == 4.0
    # np.percentile([3, 3, 3, 4], 95): position 0.95 × 3 = 2.85 → 3 + 0.85 × (4 − 3) = 3.85
    assert threshold_speed([], [3.0, 3.0, 3.0, 4.0]) == pytest.approx(3.85)
    assert threshold_speed([None], [3.0, 4.0]) is None  # fewer than three runs


def test_the_threshold_is_at_least_15_percent_faster_than_the_median_run() -> None:
    # an easy-only runner: the best 30 minutes (2.9 m/s) is just the fastest easy run; median run 2.8 m/s → 3.22
    assert threshold_speed([2.9, 2.8], median_run_speed=2.8) == pytest.approx(2.8 * 1.15)
    assert threshold_speed([], [2.7, 2.8, 2.9], median_run_speed=2.8) == pytest.approx(3.22)
    # a runner with hard sessions keeps their best 30 minutes
    assert threshold_speed([3.6, 2.8], median_run_speed=2.8) == 3.6
    assert threshold_speed([None], [], median_run_speed=2.8) is None  # nothing to go on: still unknown


def test_five_one_minute_intervals_give_five_surges_and_five_fast_minutes() -> None:
    # 5 min easy at 3 m/s, then 5 × (60 s at 5 m/s + 60 s at 3 m/s). Smoothed (5 s): the first fast second sees
    # 2 slow + 3 fast = (6+15)/5 = 4.2 > 4, the last slow one 3 slow + 2 fast = 3.8 < 4 → exactly 60 s each.
    x = _speed((3.0, 300), *[(5.0, 60), (3.0, 60)] * 5)
    assert count_surges(x, 4.0) == 5
    assert fast_seconds(x, 4.0) == 300.0
    result = analyse_speed(x, 4.0)
    assert result.fast_min == 5.0 and result.surges == 5


def test_strides_shorter_than_fifteen_seconds_are_not_surges() -> None:
    x = _speed((3.0, 120), *[(5.0, 10), (3.0, 60)] * 4)
    assert count_surges(x, 4.0) == 0
    assert fast_seconds(x, 4.0) == 40.0  # still counted as fast minutes


def test_a_short_dip_inside_an_interval_does_not_split_it() -> None:
    x = _speed((3.0, 60), (5.0, 40), (3.0, 3), (5.0, 40), (3.0, 60))
    assert count_surges(x, 4.0) == 1


def test_walk_breaks_are_counted_between_running_not_at_the_start() -> None:
    # 2 min walk warm-up, then 4 × (3 min run + 1 min walk), then 3 min run → 4 walk breaks
    x = _speed((1.4, 120), *[(2.8, 180), (1.4, 60)] * 4, (2.8, 180))
    assert count_walk_breaks(x) == 4
    assert count_walk_breaks(_speed((2.8, 1800))) == 0


def test_analyse_without_a_threshold_still_gives_the_best_speed() -> None:
    result = analyse_speed(_speed((3.2, 1900)), None)
    assert result.best_sustained_speed == pytest.approx(3.2)
    assert result.fast_min is None and result.surges is None


def test_segments_finds_runs_of_true() -> None:
    starts, ends = segments(np.array([0, 1, 1, 0, 1]))
    assert starts.tolist() == [1, 4] and ends.tolist() == [3, 5]


def test_climb_per_km_by_hand() -> None:
    # 150 m over 10 km = 15 m/km; no distance → NaN
    out = climb_per_km(np.array([150.0, 20.0]), np.array([10.0, 0.0]))
    assert out[0] == 15.0 and np.isnan(out[1])


def test_pace_formatting() -> None:
    # 4 m/s → 1000/4 = 250 s/km = 4:10 min/km
    assert pace_s_per_km(4.0) == 250.0
    assert format_pace(250.0) == "4:10 min/km"
    assert format_pace(None) == "unknown"
