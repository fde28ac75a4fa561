"""Adherence is judged against the plan the runner saw that morning (before the day's own check-in), whatever the
order of import and check-in: a whole comeback where the runner does exactly what ``today`` said, imported before
the check-in, after it, or all at the end, reads "as prescribed" on every run day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from stored_runs import store_run

from calfcare.services import assess, record_checkin, today
from calfcare.services.load import adherence_report
from calfcare.store import Database
from calfcare.store.models import CheckIn, Episode
from cases import SOLEUS

DAY0 = date(2025, 5, 10)
DAYS = 20


def _checkin(kind: str, minutes: float) -> dict[str, Any]:
    return {
        "morning_pain": 0,
        "pain_rest": 0,
        "pain_walking": 0,
        "limp": False,
        "single_leg_heel_raises_injured": 30,
        "single_leg_heel_raises_other": 30,
        "session": "as_prescribed",
        "session_kind": kind,
        "session_minutes": minutes,
        "pain_during_session": 0,
        "pain_after_session": 0,
        "hop_pain": 0,
        "calf_bigger_than_other": False,
    }


def _as_prescribed(run: Mapping[str, Any]) -> np.ndarray:
    """The 1 Hz speed of a runner doing exactly ``run``: the warm-up walked, each interval walked then run."""
    walk, jog = 1.4, 2.8
    parts = [np.full(int(run.get("warm_up_min") or 0) * 60, walk)]
    for block in run["intervals"]:
        for _ in range(int(block.get("repeats") or 1)):
            parts.append(np.full(int(block.get("walk_min") or 0) * 60, walk))
            parts.append(np.full(int(block["run_min"]) * 60, jog))
    return np.concatenate(parts).astype(np.float32)


def _comeback(db: Database, order: str) -> list[date]:
    """Follow ``today`` for DAYS days; ``order``: import then check in, check in then import, or import at the end."""
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:  # the episode starts at the first walk-run stage
        ep = s.scalars(select(Episode)).one()
        ep.context = {**ep.context, "start_phase": "return_to_run"}
    rid = db.runner_id("ana")
    run_days: list[date] = []
    later: list[tuple[date, np.ndarray]] = []
    for i in range(DAYS):
        day = DAY0 + timedelta(days=i)
        plan = today(db=db, runner="ana", day=day)
        assert plan is not None
        prescription = plan["prescription"]
        run = prescription.get("run")
        answers = _checkin(prescription["kind"], float(run["total_min"]) if run else 25.0)
        speed = _as_prescribed(run) if run else None
        if speed is not None:
            run_days.append(day)
        if speed is not None and order == "import_first":
            store_run(db, rid, day, speed, key=f"{order}{i}")
        record_checkin(db=db, runner="ana", answers=answers, day=day)
        if speed is not None and order == "checkin_first":
            store_run(db, rid, day, speed, key=f"{order}{i}")
        if speed is not None and order == "import_at_end":
            later.append((day, speed))
    for day, speed in later:
        store_run(db, rid, day, speed, key=f"{order}{day.isoformat()}")
    return run_days


@pytest.mark.parametrize("order", ["import_first", "checkin_first", "import_at_end"])
def test_every_run_done_as_prescribed_reads_as_prescribed_in_any_order(db: Database, order: str) -> None:
    run_days = _comeback(db, order)
    assert len(run_days) >= 8  # the walk-run stages progress: a real comeback, not one repeated day
    report = adherence_report(db=db, runner="ana", today=DAY0 + timedelta(days=DAYS - 1))
    # from the assessment on (the onset was 2.5 days earlier; nothing was recorded before the assessment)
    verdicts = {d["date"]: (d["verdict"], d["reasons"]) for d in report["days"] if d["date"] >= DAY0.isoformat()}
    assert set(verdicts) == {d.isoformat() for d in run_days}
    wrong = {d: v for d, v in verdicts.items() if v[0] != "as_prescribed"}
    assert wrong == {}


def test_the_morning_plan_ignores_that_days_own_checkin(db: Database) -> None:
    from calfcare.services.load import morning_prescriptions

    _comeback(db, "import_first")
    morning = morning_prescriptions(db=db, runner="ana", first=DAY0, last=DAY0 + timedelta(days=3))
    # day 0 is a walk-run day; its check-in moves day 1 to exercises, but day 0's morning plan stays the run
    assert morning[DAY0] is not None and morning[DAY0]["kind"] == "walk_run"
    assert morning[DAY0 + timedelta(days=1)] is not None
    assert morning[DAY0 + timedelta(days=1)]["kind"] == "rehab_exercises"


def test_deleting_a_run_replays_the_plan_without_it(db: Database) -> None:
    from calfcare.services.activities import delete_activity, list_activities

    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:
        ep = s.scalars(select(Episode)).one()
        ep.context = {**ep.context, "start_phase": "return_to_run"}
    store_run(db, db.runner_id("ana"), DAY0, np.full(3600, 2.8, dtype=np.float32), key="long")  # 60 min: too long
    out = record_checkin(db=db, runner="ana", answers=_checkin("walk_run", 25), day=DAY0)
    assert out.decision == "hold" and any("recorded run" in r for r in out.result["reasons"])
    [run] = list_activities(db=db, runner="ana")
    delete_activity(db=db, runner="ana", activity_id=run["id"])
    with db.session() as s:
        row = s.scalars(select(CheckIn)).one()
        assert not any("recorded run" in r for r in row.result["reasons"])


@pytest.mark.parametrize("change", ["delete", "set_sport"])
def test_activity_changes_write_the_replay_in_the_runners_unit_of_work(
    db: Database, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """set-sport and delete replay the plan inside ``db.runner_session`` (serialised with concurrent check-ins)."""
    from contextlib import contextmanager

    import calfcare.services.episodes as episodes
    from calfcare.services.activities import delete_activity, list_activities, set_sport

    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    store_run(db, db.runner_id("ana"), DAY0, np.full(3600, 2.8, dtype=np.float32), key="long")
    record_checkin(db=db, runner="ana", answers=_checkin("walk_run", 25), day=DAY0)
    [run] = list_activities(db=db, runner="ana")
    inside: list[bool] = []
    writes: list[bool] = []
    real_session, real_apply = db.runner_session, episodes.apply_replay

    @contextmanager
    def spy_session(name: str, *, create: bool) -> Any:
        with real_session(name, create=create) as pair:
            inside.append(True)
            try:
                yield pair
            finally:
                inside.pop()

    def spy_apply(ep: Any, done: Any) -> None:
        writes.append(bool(inside))
        real_apply(ep, done)

    monkeypatch.setattr(db, "runner_session", spy_session)
    monkeypatch.setattr(episodes, "apply_replay", spy_apply)
    if change == "delete":
        delete_activity(db=db, runner="ana", activity_id=run["id"])
    else:
        set_sport(db=db, runner="ana", activity_id=run["id"], sport="walk")
    assert writes == [True], "the replay is written once, inside the runner's unit of work"
