"""'What changed before the injury' on realistic histories built here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from calfcare.analytics.load import RunDay
from calfcare.analytics.retro import retrospective

START = date(2025, 9, 1)  # a Monday
ONSET = START + timedelta(weeks=18)  # week −1 = the 18th week of the history


def steady(weeks: range, *, pace_s: float = 360.0, climb_per_km: float = 5.0) -> list[RunDay]:
    """Tuesday 8 km, Thursday 8 km, Sunday 14 km = 30 km a week, easy pace, a little climbing."""
    runs = []
    for w in weeks:
        monday = START + timedelta(weeks=w)
        for offset, km in ((1, 8.0), (3, 8.0), (6, 14.0)):
            runs.append(
                RunDay(
                    monday + timedelta(days=offset),
                    km,
                    km * pace_s / 60,
                    climb_m=km * climb_per_km,
                    fast_min=0.0,
                    surges=0,
                    device="Forerunner 245",
                    gear="Pegasus 38",
                )
            )
    return runs


def build_up_before_onset() -> list[RunDay]:
    """16 steady weeks; then intervals on Thursdays from week 14, and in week −2 a 40 % jump (30 → 42 km)
    with a 22 km long run."""
    runs = steady(range(18))
    out = []
    for r in runs:
        week = (r.day - START).days // 7
        if r.day.weekday() == 3 and week >= 14:
            r = replace(r, fast_min=12.0, surges=6)
        if week == 16:
            r = replace(r, distance_km={1: 10.0, 3: 10.0, 6: 22.0}[r.day.weekday()])
        out.append(r)
    return out


def test_a_mileage_jump_and_new_intervals_are_found_and_tied_to_the_right_muscles() -> None:
    retro = retrospective(build_up_before_onset(), ONSET, threshold_pace_s_per_km=250)
    kinds = {f.kind: f for f in retro.findings}
    assert retro.enough_data
    assert kinds["mileage_spike"].favours == "soleus"
    assert kinds["mileage_spike"].strength == 0.4  # 42 / 30 − 1
    assert "rose 40 %" in kinds["mileage_spike"].text and "2 weeks before onset" in kinds["mileage_spike"].text
    assert kinds["speedwork_increase"].favours == "gastrocnemius"
    assert "new" in kinds["speedwork_increase"].text and "4:10 min/km" in kinds["speedwork_increase"].text
    assert kinds["long_run_spike"].favours == "soleus"
    assert "57 % longer" in kinds["long_run_spike"].text  # 22 / 14 − 1 = 0.571 → band >30–100 %
    assert ">30–100 %" in kinds["long_run_spike"].text
    assert all(f.sources for f in retro.findings)
    assert any(f.text in line for f in retro.findings for line in retro.lines)


def test_steady_running_shows_nothing_and_says_so() -> None:
    retro = retrospective(steady(range(18)), ONSET)
    assert retro.findings == ()
    assert "Nothing stands out" in retro.lines[-1]
    assert "30, 30, 30, 30, 30, 30 km" in retro.lines[0]


def test_too_few_runs_are_reported_rather_than_guessed() -> None:
    retro = retrospective(steady(range(17, 18)), ONSET)
    assert not retro.enough_data and retro.findings == ()
    assert "too few" in retro.lines[0]


def test_more_hills_are_found() -> None:
    runs = steady(range(12)) + steady(range(12, 18), climb_per_km=20.0)
    kinds = {f.kind: f for f in retrospective(runs, ONSET).findings}
    assert set(kinds) == {"hills_increase"}
    assert "20 m of climb per km" in kinds["hills_increase"].text and "5 m/km" in kinds["hills_increase"].text


def test_new_shoes_in_the_six_weeks_are_reported_without_a_muscle() -> None:
    runs = [replace(r, gear="Carbon racer") if r.day >= ONSET - timedelta(weeks=3) else r for r in steady(range(18))]
    found = [f for f in retrospective(runs, ONSET).findings if f.kind == "shoe_or_device_change"]
    assert len(found) == 1 and found[0].favours is None and "Carbon racer" in found[0].text


def test_the_comeback_from_an_earlier_injury_is_not_read_as_a_jump() -> None:
    # an earlier episode covered weeks −5 and −4 (no running); the return to 30 km/week is not a mileage spike
    earlier_onset = ONSET - timedelta(weeks=5)
    runs = [r for r in steady(range(18)) if not earlier_onset <= r.day < earlier_onset + timedelta(weeks=2)]
    retro = retrospective(runs, ONSET, earlier_episodes=[(earlier_onset, earlier_onset + timedelta(days=13))])
    assert not [f for f in retro.findings if f.kind in ("mileage_spike", "long_run_spike")]
    assert "injured" in retro.lines[0]


def test_runs_on_or_after_the_onset_are_ignored() -> None:
    runs = [*steady(range(18)), RunDay(ONSET, 40.0, 240.0), RunDay(ONSET + timedelta(days=1), 40.0, 240.0)]
    assert retrospective(runs, ONSET).findings == ()


def test_weeks_before_the_first_recorded_run_are_not_read_as_zero_km() -> None:
    # the files start on the Wednesday of week −2 (a new watch): 22 km in that partial week, then 30 km in week −1
    # with a 14 km long run. Neither "+36 %" nor a long-run spike against an empty 30 days may go to triage.
    first = ONSET - timedelta(days=12)
    runs = [r for r in steady(range(18)) if r.day >= first]
    retro = retrospective(runs, ONSET)
    assert retro.enough_data
    assert retro.findings == ()
    assert retro.weeks[0].before_records and not retro.weeks[-1].before_records
    assert "–, –, –, –, 22, 30 km" in retro.lines[0]
    assert f"files start on {min(r.day for r in runs).isoformat()}" in retro.lines[1]


def test_speed_work_is_not_new_when_the_weeks_before_are_not_in_the_files() -> None:
    # records start in week −5: intervals every Thursday throughout; the six weeks before are unknown, not 0 minutes
    runs = [r for r in build_up_before_onset() if r.day >= ONSET - timedelta(weeks=5)]
    runs = [replace(r, fast_min=12.0, surges=6) if r.day.weekday() == 3 else r for r in runs]
    kinds = {f.kind for f in retrospective(runs, ONSET, threshold_pace_s_per_km=250).findings}
    assert "speedwork_increase" not in kinds and "hills_increase" not in kinds


def test_the_speed_work_evidence_says_which_kind_it_found_and_what_downhill_it_left_out() -> None:
    # on top of the Thursday intervals (6 surges, 12 fast minutes) from week 14: Sunday tempo runs (8 fast minutes,
    # no surges), and on Tuesdays 7 minutes that were fast only because they ran downhill (left out by the grade)
    runs = []
    for r in build_up_before_onset():
        week = (r.day - START).days // 7
        if week >= 14 and r.day.weekday() == 6:
            r = replace(r, fast_min=8.0, surges=0)
        if week >= 12 and r.day.weekday() == 1:
            r = replace(r, downhill_fast_min=7.0)
        runs.append(r)
    kinds = {f.kind: f for f in retrospective(runs, ONSET, threshold_pace_s_per_km=250).findings}
    text = kinds["speedwork_increase"].text
    assert "sessions: 4 with intervals or surges, 4 with sustained fast running" in text
    assert "grade-adjusted pace, Minetti 2002: 42 fast minutes downhill left out" in text
    plain = {f.kind: f for f in retrospective(build_up_before_onset(), ONSET, threshold_pace_s_per_km=250).findings}
    assert "sessions: 4 with intervals or surges, 0 with sustained fast running" in plain["speedwork_increase"].text
    assert "no downhill running counted" in plain["speedwork_increase"].text


def test_fast_minutes_that_were_only_downhill_are_no_speed_work() -> None:
    # the same easy runs; from week 12 each Sunday long run has a 10-minute fast descent (grade-adjusted: easy)
    runs = [
        replace(r, downhill_fast_min=10.0) if r.day.weekday() == 6 and (r.day - START).days // 7 >= 12 else r
        for r in steady(range(18))
    ]
    retro = retrospective(runs, ONSET, threshold_pace_s_per_km=250)
    assert "speedwork_increase" not in {f.kind for f in retro.findings}
