"""Each run after onset against that day's prescription (the `today` contract of spec/CHECKIN.md)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from calfcare.analytics.adherence import checkin_questions, match_day, match_days, planned_run
from calfcare.analytics.load import RunDay

DAY = date(2026, 3, 10)


def walk_run(total: float = 30.0, effort: str = "easy, RPE ≤ 4") -> dict[str, Any]:
    return {
        "kind": "walk_run",
        "items": [],
        "run": {
            "warm_up_min": 5,
            "intervals": [{"walk_min": 2, "run_min": 3, "repeats": 5}],
            "total_min": total,
            "effort": effort,
        },
    }


REST: dict[str, Any] = {"kind": "rest", "items": []}


def run(minutes: float = 30.0, **kw: Any) -> RunDay:
    return RunDay(DAY, minutes / 7.0, minutes, **kw)


def test_the_prescription_is_read_from_the_today_contract() -> None:
    plan = planned_run({"date": "2026-03-10", "prescription": walk_run()})
    assert plan is not None
    assert (plan.kind, plan.total_min, plan.walk_breaks, plan.easy, plan.rpe_cap) == ("walk_run", 30.0, True, True, 4.0)
    assert planned_run(REST) is None and planned_run(None) is None


def test_total_minutes_are_summed_from_the_intervals_when_missing() -> None:
    p = walk_run(total=0)
    # 5 min warm-up + 5 × (2 + 3) = 30
    assert planned_run(p).total_min == 30.0  # type: ignore[union-attr]


def test_a_run_done_as_planned() -> None:
    f = match_day(DAY, walk_run(), [run(31.0, walk_breaks=5, rpe=3)], ran_day_before=False)
    assert f is not None and f.verdict == "as_prescribed"


def test_too_long_is_overdone_with_the_numbers() -> None:
    # 42 min against 30: +40 % (> 15 %)
    f = match_day(DAY, walk_run(), [run(42.0, walk_breaks=5)], ran_day_before=False)
    assert f is not None and f.verdict == "overdone" and "42 min against 30 planned (+40 %)" in f.reasons[0]


def test_intervals_when_easy_was_planned_are_overdone() -> None:
    f = match_day(DAY, walk_run(), [run(30.0, surges=5, fast_min=6.0, walk_breaks=5)], ran_day_before=False)
    assert f is not None and f.verdict == "overdone" and "intervals when easy running was planned" in f.reasons[0]


def test_too_fast_and_too_hard_are_overdone() -> None:
    f = match_day(DAY, walk_run(), [run(30.0, fast_min=4.0, rpe=7, walk_breaks=5)], ran_day_before=False)
    assert f is not None and f.verdict == "overdone"
    assert any("too fast" in r for r in f.reasons) and any("RPE 7 against a ceiling of 4" in r for r in f.reasons)


def test_running_continuously_through_a_walk_run_is_overdone() -> None:
    f = match_day(DAY, walk_run(), [run(30.0, walk_breaks=0)], ran_day_before=False)
    assert f is not None and f.verdict == "overdone" and "walk breaks" in f.reasons[0]


def test_two_days_in_a_row_is_overdone_with_the_rule() -> None:
    f = match_day(DAY, walk_run(), [run(30.0)], ran_day_before=True)
    assert f is not None and f.verdict == "overdone" and "two days in a row" in f.reasons[0]


def test_a_run_on_a_rest_day_is_overdone() -> None:
    f = match_day(DAY, REST, [run(20.0)], ran_day_before=False)
    assert f is not None and f.verdict == "overdone" and "no run planned" in f.reasons[0]


def test_a_much_shorter_run_is_underdone_and_no_run_is_skipped() -> None:
    short = match_day(DAY, walk_run(), [run(15.0)], ran_day_before=False)
    assert short is not None and short.verdict == "underdone"
    skipped = match_day(DAY, walk_run(), [], ran_day_before=False)
    assert skipped is not None and skipped.verdict == "skipped" and "no run was imported" in skipped.reasons[0]
    assert match_day(DAY, REST, [], ran_day_before=False) is None


def test_a_fortnight_of_comeback_matched_day_by_day() -> None:
    # plan: walk-run every other day from day 0; the runner skips day 2, runs day 4 as planned and day 5 too
    days = [DAY + timedelta(days=i) for i in range(7)]
    plans = {d: (walk_run() if i % 2 == 0 else REST) for i, d in enumerate(days)}
    runs = [RunDay(days[0], 4.0, 30.0), RunDay(days[4], 4.0, 30.0), RunDay(days[5], 4.0, 30.0)]
    found = match_days(plans, runs, first=days[0], last=days[6])
    assert [(f.day, f.verdict) for f in found] == [
        (days[0], "as_prescribed"),
        (days[2], "skipped"),
        (days[4], "as_prescribed"),
        (days[5], "overdone"),
        (days[6], "skipped"),
    ]
    assert "two days in a row" in found[3].reasons[-1]


def test_the_runner_is_asked_for_pain_during_after_and_next_morning() -> None:
    f = match_day(DAY, walk_run(), [run(30.0)], ran_day_before=False)
    assert f is not None
    qs = checkin_questions(f)
    assert len(qs) == 3 and "pain_during_session" in qs[0] and "pain_after_session" in qs[1]
    assert "2026-03-11" in qs[2]
    skipped = match_day(DAY, walk_run(), [], ran_day_before=False)
    assert skipped is not None and checkin_questions(skipped) == ()
