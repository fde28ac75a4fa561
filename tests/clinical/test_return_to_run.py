"""The walk-run programme: sizing from the runner's baseline, caps, and its invariants."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from calfcare.clinical.context import RunnerBaseline
from calfcare.clinical.protocol import protocol
from calfcare.clinical.return_to_run import (
    RunProgramme,
    prevention_routine,
    reinjury_window_end,
    session_cap_km,
    walk_run_programme,
    weekly_cap_km,
)

UNKNOWN = None
LOW = RunnerBaseline(weekly_km=15, usual_run_min=50, runs_per_week=3, source="typed")
STANDARD = RunnerBaseline(weekly_km=30, usual_run_min=40, source="files")
HIGH = RunnerBaseline(weekly_km=60, usual_run_km=10, easy_pace_s_per_km=330, runs_per_week=5, source="files")


def _walk_run(p: RunProgramme) -> list[tuple[int, int, int]]:
    return [(s.walk_min, s.run_min, s.repeats) for s in p.stages if s.kind == "walk_run"]


def test_an_unknown_baseline_gets_the_conservative_lower_end_programme() -> None:
    p = walk_run_programme(UNKNOWN)
    assert p.profile == "conservative" and p.target_min == 30
    assert _walk_run(p) == [(4, 1, 4), (3, 2, 4), (2, 3, 4), (1, 4, 4)]
    assert "unknown" in p.basis and p.weekly_km_cap is None


def test_a_low_mileage_runner_gets_the_lower_end_and_never_more_than_the_pre_injury_week() -> None:
    p = walk_run_programme(LOW)
    assert p.profile == "conservative" and all(r == 4 for _, _, r in _walk_run(p))
    # 15 km a week over three runs at the assumed 6:30 min/km is about 32 min, then the 30-minute low-mileage cap
    assert p.target_min == 30 and "low weekly mileage" in p.basis
    tiny = walk_run_programme(RunnerBaseline(weekly_km=9, usual_run_min=40))
    assert tiny.target_min == 19 and "third of your pre-injury week" in tiny.basis


def test_a_standard_runner_builds_to_the_usual_run() -> None:
    p = walk_run_programme(STANDARD)
    assert p.profile == "standard" and p.target_min == 40
    assert _walk_run(p) == [(3, 2, 5), (2, 3, 5), (1, 4, 5)]  # skips the 4:1 step
    assert p.stages[-1].run_min == 40 and p.stages[-1].kind == "run_throughs"


def test_a_high_mileage_runner_gets_the_upper_end_and_distances_from_their_pace() -> None:
    p = walk_run_programme(HIGH)
    assert p.profile == "high" and _walk_run(p) == [(2, 3, 6), (1, 4, 6)]  # starts where the Army programme does
    assert p.target_min == 55  # 10 km at 5:30 min/km
    assert p.stages[-1].approx_km == 10.0 and p.weekly_km_cap == 60


def test_the_end_target_is_capped_so_the_rest_is_rebuilt_in_full_training() -> None:
    p = walk_run_programme(RunnerBaseline(weekly_km=100, usual_run_min=90))
    assert p.target_min == protocol().running.target_min_max == 60


def test_no_continuous_stage_is_more_than_ten_percent_longer_than_the_longest_run_before_it() -> None:
    for baseline in (UNKNOWN, LOW, STANDARD, HIGH):
        p = walk_run_programme(baseline)
        continuous = [s.run_min for s in p.stages if s.kind != "walk_run"]
        last_walk_run = [s for s in p.stages if s.kind == "walk_run"][-1]
        assert continuous[0] <= last_walk_run.running_minutes
        for before, after in itertools.pairwise(continuous):
            assert after <= before * 1.1


def test_volume_and_intensity_never_rise_in_the_same_step() -> None:
    for baseline in (UNKNOWN, LOW, STANDARD, HIGH):
        stages = walk_run_programme(baseline).stages
        for a, b in itertools.pairwise(stages):
            assert not (b.running_minutes > a.running_minutes and b.intensity > a.intensity)
        assert stages[-1].intensity > stages[-2].intensity and stages[-1].running_minutes == stages[-2].running_minutes


def test_running_is_every_other_day() -> None:
    assert walk_run_programme(STANDARD).sessions_per_week == 3
    assert protocol().running.min_rest_days_between_runs == 1


def test_a_stage_renders_as_the_run_of_the_today_contract() -> None:
    stage = walk_run_programme(STANDARD).stages[1]
    assert stage.to_contract() == {
        "warm_up_min": 5,
        "intervals": [{"walk_min": 2, "run_min": 3, "repeats": 5}],
        "total_min": 30,
        "effort": protocol().running.effort,
    }
    assert stage.label == "walk-run stage 2: 2 min walk / 3 min run × 5"
    assert "then" in walk_run_programme(STANDARD).stages[-1].to_contract()


def test_stage_lookup_is_clamped_to_the_programme() -> None:
    p = walk_run_programme(UNKNOWN)
    assert p.stage(99) == p.stages[-1] and p.stage(-1) == p.stages[0]


def test_a_single_run_is_capped_at_110_percent_of_the_longest_recent_run() -> None:
    assert session_cap_km(10) == 11.0
    assert session_cap_km(6.4) == pytest.approx(7.04)


def test_weekly_distance_rises_at_most_20_percent_and_never_above_the_pre_injury_week() -> None:
    assert weekly_cap_km(20, 40) == 24.0
    assert weekly_cap_km(38, 40) == 40
    assert weekly_cap_km(None, 40) == 40
    assert weekly_cap_km(10, None) == 12.0
    assert weekly_cap_km(None, None) is None


def test_re_injury_caution_lasts_fifteen_weeks_and_prevention_is_twice_a_week() -> None:
    assert reinjury_window_end(date(2026, 5, 1)) == date(2026, 8, 14)
    assert "2 times a week" in prevention_routine()[0]
