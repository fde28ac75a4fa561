"""Load maths against hand-worked examples (the arithmetic is in the comments)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from calfcare.analytics.load import (
    LoadConfig,
    RunDay,
    acwr_uncoupled,
    banister_trimp,
    daily_from_runs,
    daily_matrix,
    daily_spikes,
    ewma,
    injured_mask,
    longest_before,
    rolling_max,
    session_rpe,
    spike_band,
    spike_ratio,
)
from calfcare.analytics.load_weekly import all_metrics, monotony_strain, pct_change, weekly, weekly_means

MON = date(2026, 1, 5)  # a Monday


def test_session_rpe_is_rpe_times_minutes() -> None:
    # Foster: RPE 5 × 40 min = 200 AU
    assert session_rpe(np.array([5.0]), np.array([40.0]))[0] == 200.0


def test_banister_trimp_matches_the_hand_worked_values_for_men_women_and_unknown_sex() -> None:
    # ΔHRr = (110 − 60) / (160 − 60) = 0.5
    # men:   60 × 0.5 × 0.64·e^(1.92·0.5) = 30 × 0.64 × 2.61170 = 50.145
    # women: 60 × 0.5 × 0.86·e^(1.67·0.5) = 30 × 0.86 × 2.30489 = 59.466
    # unknown: mean weighting → (50.145 + 59.466) / 2 = 54.805
    args = (np.array([60.0]), np.array([110.0]), 60.0, 160.0)
    assert banister_trimp(*args, "male")[0] == pytest.approx(50.145, abs=0.01)
    assert banister_trimp(*args, "female")[0] == pytest.approx(59.466, abs=0.01)
    assert banister_trimp(*args, None)[0] == pytest.approx(54.805, abs=0.01)


def test_trimp_clips_the_heart_rate_reserve_and_is_nan_without_heart_rate() -> None:
    # HR below rest → ΔHRr 0 → TRIMP 0; HR above max → ΔHRr 1 → 10 × 1 × 0.64·e^1.92 = 43.64
    out = banister_trimp(np.array([10.0, 10.0, 10.0]), np.array([50.0, 250.0, np.nan]), 60.0, 160.0, "male")
    assert out[0] == 0.0
    assert out[1] == pytest.approx(10 * 0.64 * np.exp(1.92), rel=1e-9)
    assert np.isnan(out[2])


def test_ewma_follows_the_williams_recurrence_with_lambda_two_over_n_plus_one() -> None:
    # N = 7 → λ = 2/8 = 0.25. Loads 4, 0, 8:
    # e0 = 0.25·4 = 1.0;  e1 = 0.75·1.0 = 0.75;  e2 = 0.25·8 + 0.75·0.75 = 2.5625
    assert ewma(np.array([[4.0, 0.0, 8.0]]), 7)[0].tolist() == [1.0, 0.75, 2.5625]


def test_ewma_is_vectorised_over_runners() -> None:
    out = ewma(np.array([[4.0, 0.0, 8.0], [0.0, 0.0, 4.0]]), 7)
    assert out[1].tolist() == [0.0, 0.0, 1.0]  # 0.25·4 on day 2


def test_uncoupled_ratio_uses_the_chronic_value_from_before_the_acute_week() -> None:
    # With N = 1 both EWMAs equal the day's load (λ = 1): acute[t] = x[t], chronic used = x[t − 1].
    # x = 2, 4, 6, 3 → ratios –, –, 6/4 = 1.5, 3/6 = 0.5 (the first N_acute + N_chronic = 2 days have no ratio)
    acute, chronic, ratio = acwr_uncoupled(np.array([[2.0, 4.0, 6.0, 3.0]]), acute_days=1, chronic_days=1)
    assert acute[0].tolist() == [2.0, 4.0, 6.0, 3.0]
    assert np.isnan(chronic[0, 0]) and chronic[0, 1:].tolist() == [2.0, 4.0, 6.0]
    assert np.isnan(ratio[0, :2]).all()
    assert ratio[0, 2:].tolist() == [1.5, 0.5]


def test_a_big_day_raises_the_acute_load_but_not_the_chronic_value_it_is_divided_by() -> None:
    x = np.ones((1, 60))
    spiky = x.copy()
    spiky[0, -1] = 20.0
    _, chronic_a, ratio_a = acwr_uncoupled(x)
    _, chronic_b, ratio_b = acwr_uncoupled(spiky)
    assert chronic_a[0, -1] == chronic_b[0, -1]  # uncoupled: the acute week is not in the chronic value
    assert ratio_b[0, -1] > ratio_a[0, -1]


def test_the_ratio_is_blank_on_injured_days() -> None:
    injured = np.zeros((1, 60), dtype=bool)
    injured[0, 50:] = True
    _, _, ratio = acwr_uncoupled(np.ones((1, 60)), injured=injured)
    assert np.isfinite(ratio[0, 49]) and np.isnan(ratio[0, 50:]).all()


def test_the_ratio_stays_blank_until_the_injury_has_left_its_windows() -> None:
    # 10 km a day, injured (no running) on days 40–53, back to the same 10 km a day from day 54. A week later the
    # chronic value (as it stood 7 days before) still holds the injured fortnight and the ratio would read ≈ 2.5 —
    # a "spike" made of the injury. Blank for N_acute + N_chronic = 35 days after the last injured day (53 + 35 = 88).
    load = np.full((1, 120), 10.0)
    load[0, 40:54] = 0.0
    injured = np.zeros((1, 120), dtype=bool)
    injured[0, 40:54] = True
    acute, chronic, ratio = acwr_uncoupled(load, injured=injured)
    assert acute[0, 60] / chronic[0, 60] > 2.4  # what would have been shown
    assert np.isnan(ratio[0, 40:89]).all()
    assert np.isfinite(ratio[0, 89:]).all() and np.isfinite(ratio[0, 39])


def test_monotony_and_strain_match_foster_by_hand() -> None:
    # 10, 0, 10, 0, 10, 0, 10 km: mean 40/7 = 5.714; population SD = √(100·4/7·3/7) = √1200/7 = 4.949
    # monotony = 5.714 / 4.949 = 40/√1200 = 1.1547; strain = 40 × 1.1547 = 46.19
    mono, strain = monotony_strain(np.array([[10.0, 0, 10, 0, 10, 0, 10]]))
    assert mono[0] == pytest.approx(1.1547, abs=1e-4)
    assert strain[0] == pytest.approx(46.19, abs=0.01)


def test_monotony_is_undefined_for_a_week_of_identical_days() -> None:
    mono, strain = monotony_strain(np.array([[0.0] * 7, [5.0] * 7]))
    assert np.isnan(mono).all() and np.isnan(strain).all()


def test_week_on_week_change_in_percent() -> None:
    # 20 → 30 km = +50 %; 30 → 15 = −50 %; a week after 0 km has no %
    out = pct_change(np.array([[20.0, 30.0, 15.0, 0.0, 10.0]]), np.ones((1, 5), dtype=bool))
    assert np.isnan(out[0, 0]) and out[0, 1:3].tolist() == [50.0, -50.0] and np.isnan(out[0, 4])


def test_spike_bands_follow_frandsen_2025() -> None:
    # against a 10 km longest: 10 → 0 %, 11 → 10 % (still ≤10 %), 11.5 → 15 %, 13 → 30 %, 13.5 → 35 %,
    # 20 → 100 %, 20.5 → 105 %
    ratio = spike_ratio(np.array([10.0, 11.0, 11.5, 13.0, 13.5, 20.0, 20.5, 0.0]), np.full(8, 10.0))
    assert spike_band(ratio).tolist() == [0, 0, 1, 1, 2, 2, 3, -1]
    assert ratio[2] == pytest.approx(0.15)


def test_the_spike_reference_is_the_longest_run_of_the_previous_30_days_only() -> None:
    # 10 km on day 0, 12 km on day 20, 14 km on day 35: day 35's window is days 5–34 → longest 12 km
    # 14 / 12 − 1 = 16.7 % → band 1. The 10 km of day 0 has left the window.
    runs = [RunDay(MON, 10, 60), RunDay(MON + timedelta(20), 12, 70), RunDay(MON + timedelta(35), 14, 80)]
    daily = daily_from_runs(runs, start=MON, end=MON + timedelta(40))
    ratio, band = daily_spikes(daily)
    assert ratio[0, 35] == pytest.approx(14 / 12 - 1)
    assert band[0, 35] == 1
    assert band[0, 20] == -1  # fewer than 30 days of records before day 20: not assessed
    assert band[0, 0] == -1


def test_runs_inside_an_injury_are_neither_spikes_nor_a_spike_baseline() -> None:
    injured = np.zeros((1, 40), dtype=bool)
    injured[0, 10:20] = True
    longest = np.zeros((1, 40))
    longest[0, 5], longest[0, 15], longest[0, 25] = 8.0, 3.0, 9.0
    ref = longest_before(longest, 30, injured)
    assert ref[0, 25] == 8.0  # the 3 km rehab run on day 15 is not the baseline


def test_rolling_max_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((4, 97))
    fast = rolling_max(x, 30)
    slow = np.array([[x[r, max(0, t - 29) : t + 1].max() for t in range(97)] for r in range(4)])
    assert np.array_equal(fast, slow)


def test_daily_matrix_sums_runs_per_runner_and_day_and_keeps_the_longest() -> None:
    d = daily_matrix(
        n_runners=2,
        start=MON,
        n_days=3,
        runner=np.array([0, 0, 1, 1]),
        day=np.array([1, 1, 2, 9]),  # day 9 is outside the range and ignored
        distance_km=np.array([5.0, 7.0, 10.0, 99.0]),
        duration_min=np.array([30.0, 40.0, 60.0, 1.0]),
        rpe=np.array([4.0, np.nan, 3.0, 1.0]),
    )
    assert d.distance_km.tolist() == [[0, 12, 0], [0, 0, 10]]
    assert d.longest_km[0, 1] == 7.0 and d.runs[0, 1] == 2
    assert d.srpe[0, 1] == 120.0 and d.rpe_missing[0, 1] == 1  # 4 × 30; the second run had no RPE
    assert d.srpe[1, 2] == 180.0


def test_injured_mask_runs_from_onset_to_close_and_open_episodes_to_the_end() -> None:
    mask = injured_mask(
        MON, 10, [(MON + timedelta(2), MON + timedelta(3)), (MON + timedelta(8), None)], MON + timedelta(9)
    )
    assert np.flatnonzero(mask).tolist() == [2, 3, 8, 9]


def test_weeks_are_monday_aligned_and_injured_weeks_get_no_change_or_monotony() -> None:
    start = MON + timedelta(days=2)  # a Wednesday: the first week is partial (5 days)
    runs = [RunDay(start + timedelta(days=i), 5.0, 30.0) for i in range(0, 33, 2)]
    daily = daily_from_runs(
        runs, start=start, end=start + timedelta(days=33), episodes=[(MON + timedelta(21), MON + timedelta(23))]
    )
    wk = weekly(daily)
    assert wk.week_start[0] == MON and wk.days_covered[0] == 5
    assert np.isnan(wk.pct_change[0, 1])  # the week before is partial
    assert np.isnan(wk.pct_change[0, 3]) and np.isnan(wk.monotony[0, 3])  # the injured week
    assert np.isnan(wk.pct_change[0, 4])  # and the week after it
    assert np.isfinite(wk.pct_change[0, 2]) and np.isfinite(wk.monotony[0, 2])


def test_all_metrics_computes_every_load_kind_for_every_runner() -> None:
    runs = [RunDay(MON + timedelta(days=i), 8.0, 48.0, avg_hr=140, rpe=4) for i in range(120)]
    daily = daily_from_runs(runs, start=MON, end=MON + timedelta(119), config=LoadConfig(hr_max=180))
    m = all_metrics(daily)
    for kind in ("distance_km", "srpe", "trimp"):
        assert np.isfinite(m.acwr[kind][0, -1])
        assert m.acwr[kind][0, -1] == pytest.approx(1.0, abs=0.01)  # the same run every day → ratio ≈ 1
    assert m.weekly.srpe_complete[0, 1]


def test_weekly_means_of_a_daily_series_are_dated_mid_week() -> None:
    # Wed..Sun of the first week = 1, 2, 3, 4, 5 → mean 3 (only the 5 covered days); next Mon = 6
    daily = daily_from_runs([], start=MON + timedelta(days=2), end=MON + timedelta(days=7))
    days, means = weekly_means(daily, np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]))
    assert days == [MON + timedelta(days=3), MON + timedelta(days=10)]
    assert means[0].tolist() == [3.0, 6.0]


def test_the_blocked_ewma_equals_the_plain_recurrence_over_many_blocks() -> None:
    rng = np.random.default_rng(5)
    x = rng.random((3, 300)) * 10
    for n in (7, 28):
        lam, e, plain = 2 / (n + 1), np.zeros(3), np.empty_like(x)
        for t in range(300):
            e = lam * x[:, t] + (1 - lam) * e
            plain[:, t] = e
        assert np.allclose(ewma(x, n), plain, rtol=0, atol=1e-12)
