"""Prevention after return: warnings before the next spike, on histories built here."""

from __future__ import annotations

from datetime import date, timedelta

from calfcare.analytics.load import RunDay
from calfcare.analytics.warnings import (
    longest_in_window,
    planned_run_km,
    prevention_warnings,
    recent_easy_pace,
    spike_warning,
    today_warnings,
)

TODAY = date(2026, 5, 1)


def comeback(weeks: int = 4, long_km: float = 10.0) -> list[RunDay]:
    """Runs every other day up to yesterday: 6 km, with a 10 km 'long' run every 6th day."""
    start = TODAY - timedelta(weeks=weeks)
    out = []
    for i in range(0, weeks * 7 - 1, 2):
        km = long_km if i % 6 == 0 else 6.0
        out.append(RunDay(start + timedelta(days=i), km, km * 6))
    return out


def kinds(ws: list) -> dict:  # type: ignore[type-arg]
    return {w.kind: w for w in ws}


def test_the_reference_is_the_longest_of_the_30_days_before() -> None:
    runs = [RunDay(TODAY - timedelta(days=31), 20.0, 120), RunDay(TODAY - timedelta(days=3), 10.0, 60)]
    assert longest_in_window(runs, TODAY) == 10.0  # the 20 km is 31 days old


def test_a_just_run_long_run_30_percent_over_is_a_warning() -> None:
    # 13.5 km against a 10 km longest: +35 % → band >30–100 % → warning
    runs = [*comeback(), RunDay(TODAY, 13.5, 81)]
    w = kinds(prevention_warnings(runs, TODAY))["long_run_spike"]
    assert w.level == "warning" and "35 % longer" in w.text and w.sources == ("frandsen2025",)


def test_a_run_a_little_over_is_a_caution_and_ten_percent_is_nothing() -> None:
    assert spike_warning(comeback(), TODAY, 11.0, planned=False) is None  # exactly +10 %
    w = spike_warning(comeback(), TODAY, 12.0, planned=False)
    assert w is not None and w.level == "caution"  # +20 %


def test_exactly_thirty_and_exactly_a_hundred_percent_stay_in_the_lower_band() -> None:
    # 13 / 10 − 1 is 0.30000000000000004 in floating point: still ">10–30 %" (a caution), as in `calfcare load`
    w = spike_warning(comeback(), TODAY, 13.0, planned=False)
    assert w is not None and w.level == "caution" and "band >10–30 %" in w.text
    w = spike_warning(comeback(), TODAY, 20.0, planned=False)
    assert w is not None and w.level == "warning" and "band >30–100 %" in w.text
    w = spike_warning(comeback(), TODAY, 20.5, planned=False)
    assert w is not None and "band >100 %" in w.text


def test_a_planned_long_run_is_warned_before_it_happens_with_a_safer_distance() -> None:
    ws = prevention_warnings(comeback(), TODAY, planned=[(TODAY + timedelta(days=2), 16.0)])
    w = kinds(ws)["long_run_spike"]
    assert "planned" in w.text and "Keep it to about 11.0 km" in w.text


def test_a_weekly_jump_over_20_percent_is_a_soft_disputed_caution() -> None:
    runs = [*comeback(), RunDay(TODAY - timedelta(days=1), 10.0, 60), RunDay(TODAY, 8.0, 48)]
    w = kinds(prevention_warnings(runs, TODAY))["weekly_increase"]
    assert w.level == "caution" and "not supported" in w.text


def test_speed_work_in_the_first_weeks_after_return_is_too_soon() -> None:
    returned = TODAY - timedelta(days=10)
    runs = [*comeback(), RunDay(TODAY - timedelta(days=3), 8.0, 40, fast_min=8.0, surges=6)]
    ws = kinds(prevention_warnings(runs, TODAY, returned_on=returned))
    assert ws["speed_too_soon"].level == "warning" and "7 days after returning" in ws["speed_too_soon"].text
    assert ws["reinjury_window"].level == "info" and "Week 2 of 15" in ws["reinjury_window"].text


def test_steady_comeback_running_gets_only_the_reinjury_reminder() -> None:
    ws = prevention_warnings(comeback(), TODAY, returned_on=TODAY - timedelta(weeks=4))
    assert [w.kind for w in ws] == ["reinjury_window"]
    assert prevention_warnings(comeback(), TODAY, returned_on=TODAY - timedelta(weeks=16)) == []


def test_a_planned_run_in_minutes_becomes_kilometres_at_the_easy_pace() -> None:
    walk_run = {"warm_up_min": 5, "intervals": [{"walk_min": 1, "run_min": 4, "repeats": 5}], "total_min": 30}
    assert planned_run_km(walk_run, 360.0) == round(20 * 60 / 360, 2)  # the 20 running minutes, not the walks
    assert planned_run_km({"continuous_min": 45}, 300.0) == 9.0
    assert planned_run_km({"total_min": 30}, 360.0) == 5.0
    assert planned_run_km({**walk_run, "approx_km": 3.1}, 360.0) == 3.1  # a given distance wins
    assert planned_run_km(walk_run, None) is None


def test_the_recent_easy_pace_leaves_out_speed_work_and_old_runs() -> None:
    runs = [
        RunDay(TODAY - timedelta(days=2), 10.0, 60.0),  # 360 s/km
        RunDay(TODAY - timedelta(days=4), 10.0, 50.0, fast_min=12.0),  # intervals: not easy
        RunDay(TODAY - timedelta(days=40), 10.0, 40.0),  # too old
    ]
    assert recent_easy_pace(runs, TODAY) == 360.0
    assert recent_easy_pace(runs[1:], TODAY) is None


def test_today_warns_only_in_the_running_phases() -> None:
    runs = [*comeback(), RunDay(TODAY, 15.0, 90)]
    assert today_warnings(runs, TODAY, phase="strength") == []
    [w] = today_warnings(runs, TODAY, phase="full_training")
    assert w.kind == "long_run_spike" and w.level == "warning" and "50 % longer" in w.text


def test_the_latest_run_counts_for_a_week_then_no_longer() -> None:
    runs = [*comeback(), RunDay(TODAY - timedelta(days=6), 13.0, 80)]
    runs = [r for r in runs if r.day <= TODAY - timedelta(days=6)]
    assert [w.kind for w in today_warnings(runs, TODAY, phase="full_training")] == ["long_run_spike"]
    assert today_warnings(runs, TODAY + timedelta(days=1), phase="full_training") == []


def test_a_planned_run_over_the_recent_longest_gets_a_cap() -> None:
    [w] = today_warnings(comeback(), TODAY, phase="return_to_run", planned_km=12.0)
    assert w.kind == "long_run_spike" and w.level == "caution" and "Keep it to about 11.0 km" in w.text
    assert today_warnings(comeback(), TODAY, phase="return_to_run", planned_km=11.0) == []


def test_speed_work_during_the_return_to_run_programme_is_too_soon() -> None:
    runs = [*comeback(), RunDay(TODAY - timedelta(days=1), 6.0, 33, fast_min=8.0, surges=5)]
    [w] = today_warnings(runs, TODAY, phase="return_to_run", running_since=TODAY - timedelta(weeks=4))
    assert w.kind == "speed_too_soon" and w.level == "warning" and "return-to-run programme" in w.text
    assert w.sources == ("green2022", "orchard2020") and "Orchard 2020" in w.text
    # the same run before this return-to-run phase began (an earlier attempt) is not counted
    assert today_warnings(runs, TODAY, phase="return_to_run", running_since=TODAY) == []


def test_speed_work_counts_as_too_soon_only_in_the_first_weeks_after_return() -> None:
    runs = [*comeback(), RunDay(TODAY - timedelta(days=2), 6.0, 33, surges=4)]
    soon = today_warnings(runs, TODAY, phase="full_training", returned_on=TODAY - timedelta(days=12))
    assert [w.kind for w in soon] == ["speed_too_soon"] and "10 days after returning" in soon[0].text
    later = today_warnings(runs, TODAY, phase="full_training", returned_on=TODAY - timedelta(weeks=5))
    assert later == []


def test_a_long_run_today_is_warned_even_after_a_short_run_yesterday() -> None:
    # yesterday 5 km (no spike), today 14 km against a 10 km longest (+40 %): today's run must not be missed
    runs = [*comeback(), RunDay(TODAY - timedelta(days=1), 5.0, 30), RunDay(TODAY, 14.0, 84)]
    spikes = [w for w in prevention_warnings(runs, TODAY) if w.kind == "long_run_spike"]
    assert len(spikes) == 1 and TODAY.isoformat() in spikes[0].text and "40 % longer" in spikes[0].text
