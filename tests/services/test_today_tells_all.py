"""``today`` tells all: how often each exercise is done (readable view), a walk in minutes, and runs logged while
running was not allowed yet — reported in ``today`` and in the check-in, with the questions to ask about them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.console import Console
from sqlalchemy import select
from test_episodes import DAY0, SOLEUS, good_day

from calfcare.cli.clinical_views import show_today
from calfcare.clinical.protocol import protocol
from calfcare.services import assess, record_checkin, today
from calfcare.services.episodes import runs_to_ask_about
from calfcare.store import Database
from calfcare.store.models import Activity, Episode, Runner


def readable(plan: dict[str, Any]) -> str:
    out = io.StringIO()
    show_today(Console(file=out, width=240, color_system=None), plan)
    return out.getvalue()


def _in_phase(db: Database, phase: str) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:
        ep = s.scalars(select(Episode)).one()
        ep.context = {**ep.context, "start_phase": phase}


def _run(db: Database, day: date, km: float, key: str) -> None:
    with db.session() as s:
        rid = s.scalars(select(Runner.id).where(Runner.name == "ana")).one()
        start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)
        timing = {"start_utc": start, "utc_offset_s": 0, "elapsed_s": km * 360, "moving_s": km * 360}
        s.add(Activity(runner_id=rid, content_sha256=key.ljust(64, "0"), source_format="gpx", sport="run",
                       distance_m=km * 1000, **timing))  # fmt: skip


def test_the_readable_plan_says_how_often_each_exercise_is_done(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    plan = today(db=db, runner="ana", day=DAY0)
    assert plan is not None
    text = readable(plan)
    for item in plan["prescription"]["items"]:
        line = next(line for line in text.splitlines() if str(item["name"]) in line)
        per_day = "once a day" if item["per_day"] == 1 else f"{item['per_day']}× a day"
        per_week = "every day" if item["per_week"] == 7 else f"{item['per_week']} days a week"
        assert per_day in line and per_week in line, line


def test_a_walk_is_prescribed_in_minutes_not_one_times_one(db: Database) -> None:
    _in_phase(db, "mobility")
    plan = today(db=db, runner="ana", day=DAY0)
    assert plan is not None
    (walk,) = [i for i in plan["prescription"]["items"] if i["category"] == "walking"]
    assert walk["minutes"] == protocol().exercises[walk["id"]].dosage.minutes
    line = next(line for line in readable(plan).splitlines() if str(walk["name"]) in line)
    assert f"{walk['minutes']} min" in line and "1 × 1" not in line


def test_runs_while_running_is_not_allowed_yet_are_reported_and_asked_about(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)  # protect: no running
    assess(db=db, runner="ben", answers=SOLEUS, day=DAY0)
    first, second = DAY0 + timedelta(days=1), DAY0 + timedelta(days=2)
    _run(db, first, 5.0, "a")
    _run(db, second, 6.0, "b")
    plan = today(db=db, runner="ana", day=second)
    assert plan is not None
    early = plan["runs_before_running_allowed"]
    assert [(r["date"], r["distance_km"], r["checked_in"]) for r in early] == [
        (first.isoformat(), 5.0, False),
        (second.isoformat(), 6.0, False),
    ]
    assert all(r["phase"] == "protect" for r in early)
    assert [a["date"] for a in plan["ask_about_runs"]] == [first.isoformat(), second.isoformat()]
    assert "pain_during_session" in plan["ask_about_runs"][0]["keys"]
    assert "not allowed yet" in plan["warnings"][0]
    text = readable(plan)
    assert "Runs while running was not allowed yet" in text and f"checkin --date {first.isoformat()}" in text
    quiet = today(db=db, runner="ben", day=second)
    assert quiet is not None and quiet["runs_before_running_allowed"] == [] and quiet["ask_about_runs"] == []

    told = record_checkin(db=db, runner="ana", answers=good_day(2, kind="run"), day=second)
    assert [a["date"] for a in told.ask_about_runs] == [first.isoformat()], "the day just told about is not asked"
    assert any("before running was allowed" in n for n in told.notes)
    assert [a["date"] for a in runs_to_ask_about(db=db, runner="ana", day=second)] == [first.isoformat()]


def test_runs_once_running_is_allowed_are_not_reported_as_too_early(db: Database) -> None:
    _in_phase(db, "return_to_run")
    _run(db, DAY0, 3.0, "c")
    plan = today(db=db, runner="ana", day=DAY0)
    assert plan is not None and plan["runs_before_running_allowed"] == []


def test_the_run_the_calf_went_in_is_the_injury_not_a_run_before_running_was_allowed(db: Database) -> None:
    """An acute strain in a run: that run (on the onset day) is imported with the rest. It is not reported as a run
    while running was not allowed, not asked about, not an overdone session in adherence, and does not hold the
    plan at the next check-in; a run the day after is all of those."""
    from calfcare.services.load import adherence_report

    acute = {**SOLEUS, "days_since_onset": 0, "onset": "sudden", "activity_at_onset": "sprint_or_intervals"}
    assess(db=db, runner="ana", answers=acute, day=DAY0, today_is=DAY0)
    _run(db, DAY0, 8.0, "the-injury")
    plan = today(db=db, runner="ana", day=DAY0 + timedelta(days=1))
    assert plan is not None and plan["runs_before_running_allowed"] == [] and plan["ask_about_runs"] == []
    assert not any("not allowed yet" in w for w in plan["warnings"])
    report = adherence_report(db=db, runner="ana", today=DAY0 + timedelta(days=1))
    assert [d["date"] for d in report["days"]] == []
    told = record_checkin(db=db, runner="ana", answers=good_day(1), day=DAY0 + timedelta(days=1))
    assert not any("overdone" in str(r) or "no run" in str(r) for r in told.result.get("reasons", [])), told.result

    _run(db, DAY0 + timedelta(days=2), 4.0, "too-soon")
    later = today(db=db, runner="ana", day=DAY0 + timedelta(days=2))
    assert later is not None
    assert [r["date"] for r in later["runs_before_running_allowed"]] == [(DAY0 + timedelta(days=2)).isoformat()]
    report = adherence_report(db=db, runner="ana", today=DAY0 + timedelta(days=2))
    assert [(d["date"], d["verdict"]) for d in report["days"]] == [((DAY0 + timedelta(days=2)).isoformat(), "overdone")]
