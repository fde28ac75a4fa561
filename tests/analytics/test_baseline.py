"""The pre-injury baseline (what the return-to-run plan is sized from), on histories built here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from calfcare.analytics.baseline import baseline_before
from calfcare.analytics.load import RunDay

START = date(2025, 9, 1)  # a Monday
ONSET = START + timedelta(weeks=10)


def week_of_runs(w: int, *, long_km: float = 14.0) -> list[RunDay]:
    """Tuesday 8 km easy (6:00/km = 48 min), Thursday 8 km intervals (5:00/km = 40 min), Sunday long run easy."""
    monday = START + timedelta(weeks=w)
    return [
        RunDay(monday + timedelta(days=1), 8.0, 48.0, fast_min=0.0, surges=0),
        RunDay(monday + timedelta(days=3), 8.0, 40.0, fast_min=12.0, surges=6),
        RunDay(monday + timedelta(days=6), long_km, long_km * 6.0, fast_min=0.0, surges=0),
    ]


def history(**last_week: float) -> list[RunDay]:
    runs = [r for w in range(9) for r in week_of_runs(w)]
    return runs + week_of_runs(9, **last_week)


def test_baseline_from_eight_steady_weeks_by_hand() -> None:
    # weeks −8…−1: 8 + 8 + 14 = 30 km each → weekly 30; usual run = median(8, 8, 14) = 8 km;
    # usual time = median(48, 40, 84) = 48 min; long run 14; 3 runs a week;
    # easy pace = median pace of the easy runs (48 min / 8 km and 84 / 14 → 6:00/km) = 360 s/km, the interval
    # runs (5:00/km) are left out
    b = baseline_before(history(), ONSET)
    assert b.source == "files"
    assert (b.weekly_km, b.usual_run_km, b.usual_run_min, b.long_run_km, b.runs_per_week) == (
        30.0,
        8.0,
        48.0,
        14.0,
        3.0,
    )
    assert b.easy_pace_s_per_km == 360.0


def test_one_big_week_just_before_onset_does_not_inflate_the_targets() -> None:
    b = baseline_before(history(long_km=30.0), ONSET)
    assert b.weekly_km == 30.0 and b.long_run_km == 14.0


def test_weeks_of_an_earlier_injury_are_left_out() -> None:
    runs = [r for r in history() if not START + timedelta(weeks=4) <= r.day < START + timedelta(weeks=6)]
    hurt = (START + timedelta(weeks=4), START + timedelta(weeks=6) - timedelta(days=1))
    b = baseline_before(runs, ONSET, earlier_episodes=[hurt])
    assert b.weekly_km == 30.0 and b.runs_per_week == 3.0  # not dragged down by two empty weeks


def test_too_few_runs_give_no_baseline() -> None:
    b = baseline_before(history()[-3:], ONSET)
    assert b.source == "none" and b.weekly_km is None


def test_without_stream_data_every_run_counts_for_the_easy_pace() -> None:
    runs = [replace(r, fast_min=None, surges=None) for r in history()]
    # paces 6:00, 5:00, 6:00 per week → median 360 s/km
    assert baseline_before(runs, ONSET).easy_pace_s_per_km == 360.0


def test_weeks_before_the_first_recorded_run_are_not_counted_as_zero_km() -> None:
    # the files start in week −3 (a new watch): three weeks of 30 km; the five unknown weeks before are not 0 km
    # weeks (the median of 0,0,0,0,0,30,30,30 would size the comeback from 0 km a week)
    runs = [r for r in history() if r.day >= ONSET - timedelta(weeks=3)]
    b = baseline_before(runs, ONSET)
    assert (b.source, b.weekly_km, b.runs_per_week, b.long_run_km) == ("files", 30.0, 3.0, 14.0)


def test_runs_in_a_week_touched_by_an_earlier_injury_do_not_inflate_runs_per_week() -> None:
    # an earlier episode from the Wednesday of week −5 to the Wednesday of week −3: the Tuesday run of week −5 and
    # the Thursday and Sunday runs of week −3 are healthy runs, but their weeks are left out of the weekly figures
    hurt = (ONSET - timedelta(weeks=5) + timedelta(days=2), ONSET - timedelta(weeks=3) + timedelta(days=2))
    runs = [r for r in history() if not hurt[0] <= r.day <= hurt[1]]
    b = baseline_before(runs, ONSET, earlier_episodes=[hurt])
    assert b.weekly_km == 30.0 and b.runs_per_week == 3.0


def test_a_window_with_no_whole_healthy_week_gives_no_baseline_rather_than_an_error() -> None:
    # an earlier episode closed the day before this onset and covered every week of the window but a few days
    runs = [RunDay(ONSET - timedelta(days=d), 8.0, 48.0) for d in range(1, 57)]
    hurt = (ONSET - timedelta(days=50), ONSET - timedelta(days=1))
    assert baseline_before(runs, ONSET, earlier_episodes=[hurt]).source == "none"
