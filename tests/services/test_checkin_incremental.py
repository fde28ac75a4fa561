"""A check-in for the latest day (the usual one: after every stored check-in, or replacing the last) is decided from
the episode's stored replay (services.replay.resume_point / replay_from) instead of replaying every check-in. What it
stores must be exactly what a full replay stores, on every step of a course with red flags, a clinician's actions,
runs, replaced, late and deleted check-ins; anything that is not "the latest day of an open episode whose stored
outcome is current" replays in full."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from test_clinician_actions import _people
from test_episodes import CLOT, DAY0, SOLEUS, good_day

import calfcare.services.episodes as episodes
from calfcare.errors import InvalidAnswers
from calfcare.services import assess, record_checkin
from calfcare.services import clinician as actions
from calfcare.services.episodes import apply_replay, delete_checkin
from calfcare.services.replay import REPLAYED, replay
from calfcare.services.views import checkins_of, runs_after_onset, stops_of
from calfcare.store import Database
from calfcare.store.models import CheckIn, Episode
from cli.stored_runs import store_run


def _stored(ep: Episode, rows: list[CheckIn]) -> dict[str, Any]:
    return {
        "status": ep.status,
        "closed_on": ep.closed_on,
        "closed_reason": ep.closed_reason,
        "plan_state": ep.plan_state,
        "context": ep.context,
        "rows": [(r.day, r.decision, r.result) for r in rows],
    }


def stored_and_replayed(db: Database, runner: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The runner's latest episode as stored, and as a full replay of its check-ins would store it (rolled back)."""
    runs = runs_after_onset(db=db, runner=runner)
    with db.sessions() as s:
        ep = s.scalars(select(Episode).order_by(Episode.id.desc()).limit(1)).one()
        rows = checkins_of(s, ep.id)
        stored = _stored(ep, rows)
        apply_replay(ep, replay(ep, rows, stops_of(s, ep.id), runs))
        replayed = _stored(ep, rows)
        s.rollback()
    return stored, replayed


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each check-in was decided from the stored replay (True) or replayed in full (False)."""
    used: list[bool] = []
    real = episodes.resume_point

    def spy(*args: Any) -> Any:
        found = real(*args)
        used.append(found is not None)
        return found

    monkeypatch.setattr(episodes, "resume_point", spy)
    yield used
    monkeypatch.setattr(episodes, "resume_point", real)


def at(day: Any) -> datetime:
    return datetime.combine(day, time(19, 0), tzinfo=UTC)


def test_the_latest_check_in_stores_what_a_full_replay_stores_over_a_course(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, physio, _, rid = _people(db)
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    paths: dict[str, bool] = {}

    def check_in(label: str, i: int, answers: dict[str, Any]) -> None:
        with counting(monkeypatch) as used:
            record_checkin(db=db, runner="ana", answers=answers, day=DAY0 + timedelta(days=i))
        paths[label] = used == [True]
        stored, replayed = stored_and_replayed(db, "ana")
        assert stored == replayed, label

    for i in range(40):
        day = DAY0 + timedelta(days=i)
        if i == 8:
            check_in("red flag on the latest day", i, {**good_day(i), **CLOT})
            continue
        if i == 9:
            check_in("while referred", i, good_day(i))
            continue
        if i == 10:
            actions.clear_red_flag(db=db, principal=physio, runner_id=rid, day=day, note="seen", now=at(day))
            check_in("on the day of a clinician's event", i, good_day(i))
            continue
        if i == 11:  # over days the plan would otherwise progress
            actions.hold_phase(
                db=db, principal=physio, runner_id=rid, until=day + timedelta(days=4), reason="wait", now=at(day)
            )
        if i == 22:
            actions.set_pain_ceilings(
                db=db, principal=physio, runner_id=rid, ceilings={"later_ceiling": 4}, now=at(day)
            )
        if i == 25:  # a run imported before the day's check-in: matched against that day's prescription
            store_run(db, rid, day, np.full(1500, 2.7, dtype=np.float32), key=f"run{i}")
        if i == 30:
            actions.set_phase(
                db=db, principal=physio, runner_id=rid, phase="full_training", reason="cleared", day=day, now=at(day)
            )
        if i == 37:  # the completing day typed in after a bad one, then the bad one replaced: completed on day 37
            bad = {**good_day(38, kind="run"), "morning_pain": 5, "pain_walking": 4, "pain_during_session": 6}
            check_in("a bad day after the last", 38, bad)
            check_in("the completing day, late", 37, good_day(37, kind="run"))
            check_in("the bad day replaced", 38, good_day(38, kind="run"))
            break
        if i % 7 == 5:
            continue  # no check-in that day (typed in late below)
        check_in(f"day {i}", i, good_day(i, kind="run" if i >= 30 else "rehab_exercises"))
        if i % 4 == 0 and i < 30:
            check_in(f"day {i} again", i, {**good_day(i), "morning_pain": 2, "pain_walking": 2})
        if i == 13:
            check_in("late entry", 12, good_day(12))
        if i == 19:
            with counting(monkeypatch) as used:
                delete_checkin(db=db, runner="ana", day=day - timedelta(days=1))
            stored, replayed = stored_and_replayed(db, "ana")
            assert stored == replayed and used == []
    assert paths["red flag on the latest day"], "a red flag on the latest day is decided from the stored state"
    assert not paths["while referred"] and not paths["on the day of a clinician's event"]
    assert not paths["late entry"]
    assert not paths["day 11"] and paths["day 20 again"] and paths["day 18"] and paths["day 20"]
    assert paths["day 13"] and paths["day 14"], "a hold is carried into the check-ins decided from the stored state"
    assert paths["day 25"], "a run of the day is matched on the latest day too"
    assert sum(paths.values()) >= 25
    with db.session() as s:
        ep = s.scalars(select(Episode)).one()
        phases = {r.result["phase"] for r in checkins_of(s, ep.id)}
    assert len(phases) >= 3, f"the course moved the plan through phases, not only {phases}"
    assert not paths["the completing day, late"] and paths["the bad day replaced"]
    assert ep.status == "closed" and ep.closed_on == DAY0 + timedelta(days=37), "completed on the first day it held"


def test_a_changed_story_or_outcome_replays_in_full(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    for i in range(3):
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i))
    with db.session() as s:  # the stored outcome no longer matches what it says it replayed
        ep = s.scalars(select(Episode)).one()
        ep.context = {**ep.context, REPLAYED: {**ep.context[REPLAYED], "basis": "something else"}}
    with counting(monkeypatch) as used:
        record_checkin(db=db, runner="ana", answers=good_day(3), day=DAY0 + timedelta(days=3))
    assert used == [False]
    stored, replayed = stored_and_replayed(db, "ana")
    assert stored == replayed
    with counting(monkeypatch) as used:  # the outcome just stored is current again
        record_checkin(db=db, runner="ana", answers=good_day(4), day=DAY0 + timedelta(days=4))
    assert used == [True]
    with db.session() as s:  # a stored answer edited behind the replay's back: its key no longer matches
        row = s.scalars(select(CheckIn).where(CheckIn.day == DAY0 + timedelta(days=2))).one()
        row.answers = {**row.answers, "morning_pain": 6}
    with counting(monkeypatch) as used:
        record_checkin(db=db, runner="ana", answers=good_day(5), day=DAY0 + timedelta(days=5))
    assert used == [False]
    stored, replayed = stored_and_replayed(db, "ana")
    assert stored == replayed


def test_bad_answers_on_the_latest_day_store_nothing(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    for i in range(2):
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i))
    before = stored_and_replayed(db, "ana")[0]
    with pytest.raises(InvalidAnswers, match="morning_pain"):
        record_checkin(db=db, runner="ana", answers={**good_day(2), "morning_pain": 11}, day=DAY0 + timedelta(days=2))
    with pytest.raises(InvalidAnswers, match="morning_pain"):
        record_checkin(db=db, runner="ana", answers={**good_day(1), "morning_pain": -1}, day=DAY0 + timedelta(days=1))
    assert stored_and_replayed(db, "ana")[0] == before
