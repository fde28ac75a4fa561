"""Explicit episodes: a new injury opens a new episode (the old one closed with a reason), re-grading only the same
injury in its first 10 days (saying what changed), ``assess --again`` reusing the stored answers, deleting a check-in
with a replay, and listing / closing / reopening episodes. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from test_episodes import DAY0, SOLEUS, good_day

from calfcare.errors import Conflict, NotFound
from calfcare.services import assess, record_checkin, today
from calfcare.services.episode_admin import close_episode, list_episodes, reopen_episode, show_episode
from calfcare.services.episodes import assess_again, delete_checkin
from calfcare.store import Database
from calfcare.store.models import Activity, Assessment, CheckIn, Episode

GASTRO: dict[str, Any] = {
    **SOLEUS,
    "onset": "sudden",
    "activity_at_onset": "sprint_or_intervals",
    "recent_mileage_increase": False,
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_loading_knee_straight": 6,
    "pain_loading_knee_bent": 2,
}


def episodes(db: Database) -> list[Episode]:
    with db.session() as s:
        return list(s.scalars(select(Episode).order_by(Episode.id)))


def _in_strength(db: Database, runner: str = "ana") -> Episode:
    """A right soleus strain whose plan has moved on (days of good check-ins)."""
    assess(db=db, runner=runner, answers={**SOLEUS, "side": "right"}, day=DAY0)
    for i in range(0, 14):
        record_checkin(db=db, runner=runner, answers=good_day(i), day=DAY0 + timedelta(days=i))
    (ep,) = episodes(db)
    return ep


def test_a_fresh_strain_of_the_other_calf_opens_a_new_episode_and_closes_the_old_with_a_reason(db: Database) -> None:
    old = _in_strength(db)
    assert old.plan_state["phase"] != "protect"
    day = DAY0 + timedelta(days=20)
    out = assess(db=db, runner="ana", answers={**GASTRO, "side": "left", "days_since_onset": 0.5}, day=day)
    first, second = episodes(db)
    assert first.status == "closed" and first.closed_on == day
    assert first.closed_reason is not None and "left" in first.closed_reason and "right" in first.closed_reason
    assert first.structure == "soleus" and first.side == "right", "the old episode is not rewritten"
    assert second.status == "open" and second.side == "left" and second.structure == "gastrocnemius"
    assert second.onset == day and second.plan_state["phase"] == "protect"
    assert out.closed_episode is not None and out.closed_episode["id"] == first.id
    assert any("new injury" in n for n in out.notes)
    plan = today(db=db, runner="ana", day=day)
    assert plan is not None and plan["phase"] == "protect" and plan["episode"]["id"] == second.id
    assert second.context["previous_calf_strains"] == 1, "the closed episode counts as an earlier strain"


def test_a_fresh_onset_on_the_same_side_well_after_the_first_is_a_new_injury(db: Database) -> None:
    _in_strength(db)
    right = {**SOLEUS, "side": "right", "days_since_onset": 1}
    assess(db=db, runner="ana", answers=right, day=DAY0 + timedelta(days=25))
    first, second = episodes(db)
    assert first.status == "closed" and first.closed_reason is not None and "began on" in first.closed_reason
    assert second.onset == DAY0 + timedelta(days=24)


def test_another_structure_after_the_first_ten_days_is_a_new_injury_but_within_them_a_regrade(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)  # onset DAY0 - 2
    early = assess(db=db, runner="ana", answers={**GASTRO, "days_since_onset": 6.5}, day=DAY0 + timedelta(days=4))
    (ep,) = episodes(db)
    assert ep.structure == "gastrocnemius" and ep.onset == DAY0 - timedelta(days=2)
    assert early.changes["structure"] == ["soleus", "gastrocnemius"]
    assert any("soleus → gastrocnemius" in n for n in early.notes)
    late = assess(db=db, runner="ana", answers={**SOLEUS, "days_since_onset": 14.5}, day=DAY0 + timedelta(days=12))
    first, second = episodes(db)
    assert first.status == "closed" and "gastrocnemius strain past its first 10 days" in str(first.closed_reason)
    assert second.structure == "soleus" and late.episode is not None and late.episode["id"] == second.id


def test_the_same_injury_after_ten_days_is_kept_in_the_history_not_regraded(db: Database) -> None:
    first = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    better = {**SOLEUS, "days_since_onset": 14.5, "single_leg_heel_raises_injured": 24, "pain_walking": 0}
    out = assess(db=db, runner="ana", answers=better, day=DAY0 + timedelta(days=12))
    assert out.result["severity"]["estimate"] != first.result["severity"]["estimate"]
    (ep,) = episodes(db)
    assert ep.status == "open" and ep.severity == first.result["severity"]["estimate"], "not re-graded"
    assert ep.assessed_on == DAY0 and out.changes == {}
    assert any("re-grading applies only within the first 10 days" in n for n in out.notes)
    with db.session() as s:
        rows = list(s.scalars(select(Assessment).order_by(Assessment.id)))
    assert [a.episode_id for a in rows] == [ep.id, ep.id]


def test_a_regrade_with_nothing_changed_says_so(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    out = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assert out.changes == {} and any("Nothing changed" in n for n in out.notes)


def test_a_new_strain_after_full_training_opens_a_new_episode(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:
        ep = s.scalars(select(Episode)).one()
        ep.plan_state = {**ep.plan_state, "phase": "full_training"}
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0 + timedelta(days=3))
    first, second = episodes(db)
    assert first.status == "closed" and "full training" in str(first.closed_reason) and second.status == "open"


def _runs_before_onset(db: Database, runner: str) -> None:
    rid = db.runner_id(runner)
    with db.session() as s:
        for k in range(1, 40, 2):  # an 8 km run every other day for the ~11 weeks before the onset
            start = datetime.combine(DAY0 - timedelta(days=2 + k), datetime.min.time(), tzinfo=UTC)
            run = {"start_utc": start, "utc_offset_s": 0, "elapsed_s": 2700.0, "moving_s": 2700.0, "distance_m": 8000.0}
            s.add(Activity(runner_id=rid, content_sha256=f"{k:064d}", source_format="gpx", sport="run", **run))


def test_assess_again_reuses_the_stored_answers_with_the_files_imported_since(db: Database) -> None:
    first = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assert first.episode is not None
    (ep,) = episodes(db)
    assert "baseline" not in ep.context
    _runs_before_onset(db, "ana")
    again = assess_again(db=db, runner="ana", day=DAY0 + timedelta(days=20))
    (ep,) = episodes(db)
    assert ep.context["baseline"]["source"] == "files" and ep.context["baseline"]["usual_run_km"] == 8.0
    assert "baseline" in again.changes
    assert any("sized from your files" in n for n in again.notes)
    with db.session() as s:
        a1, a2 = s.scalars(select(Assessment).order_by(Assessment.id)).all()
    assert a2.answers == a1.answers and a2.day == a1.day, "the same answers, as of the day they were given"
    assert a2.result["again"]["of"] == a1.id and a2.episode_id == ep.id
    assert ep.onset == DAY0 - timedelta(days=2) and ep.context["start_phase"] == first.result["start_phase"]


def test_assess_again_reruns_the_answers_that_graded_the_episode_not_a_later_kept_one(db: Database) -> None:
    first = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    kept = {**SOLEUS, "days_since_onset": 14.5, "single_leg_heel_raises_injured": 24, "pain_walking": 0}
    assess(db=db, runner="ana", answers=kept, day=DAY0 + timedelta(days=12))
    again = assess_again(db=db, runner="ana", day=DAY0 + timedelta(days=13))
    assert again.result["severity"]["estimate"] == first.result["severity"]["estimate"]
    with db.session() as s:
        a1, _a2, a3 = s.scalars(select(Assessment).order_by(Assessment.id)).all()
    assert a3.answers == a1.answers and a3.result["again"]["of"] == a1.id


def test_a_checkin_after_the_runner_closed_the_episode_points_to_reopen(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    close_episode(db=db, runner="ana", episode_id=None, reason=None, day=DAY0)
    with pytest.raises(Conflict, match="episode reopen 1"):
        record_checkin(db=db, runner="ana", answers=good_day(1), day=DAY0 + timedelta(days=1))


def test_assess_again_without_an_open_episode_is_a_conflict(db: Database) -> None:
    with pytest.raises(Conflict, match="no open episode to assess again"):
        assess_again(db=db, runner="ana", day=DAY0)


def test_deleting_a_checkin_replays_the_plan_as_if_it_had_never_been_entered(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assess(db=db, runner="ben", answers=SOLEUS, day=DAY0)
    flare = {**good_day(3), "morning_pain": 7, "pain_during_session": 6, "pain_after_session": 6}
    for i in range(8):
        answers = flare if i == 3 else good_day(i)
        record_checkin(db=db, runner="ana", answers=answers, day=DAY0 + timedelta(days=i))
        if i != 3:
            record_checkin(db=db, runner="ben", answers=answers, day=DAY0 + timedelta(days=i))
    out = delete_checkin(db=db, runner="ana", day=DAY0 + timedelta(days=3))
    assert out.decision == "step_back"
    with db.session() as s:
        ana, ben = (
            [(c.day, c.decision, c.result) for c in s.scalars(select(CheckIn).where(CheckIn.runner_id == rid))]
            for rid in (1, 2)
        )
        plans = [e.plan_state for e in s.scalars(select(Episode).order_by(Episode.id))]
    assert sorted(ana) == sorted(ben) and plans[0] == plans[1]
    assert any("Replaying changed later decisions" in n for n in out.notes)
    with pytest.raises(NotFound, match="no check-in on"):
        delete_checkin(db=db, runner="ana", day=DAY0 + timedelta(days=3))


def test_list_show_close_and_reopen(db: Database) -> None:
    assert list_episodes(db=db, runner="ana", day=DAY0)["episodes"] == []
    _in_strength(db)
    day = DAY0 + timedelta(days=20)
    assess(db=db, runner="ana", answers={**GASTRO, "side": "left", "days_since_onset": 0.5}, day=day)
    listed = list_episodes(db=db, runner="ana", day=day)
    first, second = listed["episodes"]
    assert listed["active"] == second["id"] and first["checkins"] == 14 and second["checkins"] == 0
    assert first["status"] == "closed" and "left" in first["closed_reason"]
    with pytest.raises(Conflict, match="one episode at a time"):
        reopen_episode(db=db, runner="ana", episode_id=first["id"], day=day)
    closed = close_episode(db=db, runner="ana", episode_id=None, reason="it was the same calf", day=day)
    assert closed["episode"]["closed_reason"] == "closed by the runner: it was the same calf"
    with pytest.raises(Conflict, match="already closed"):
        close_episode(db=db, runner="ana", episode_id=second["id"], reason=None, day=day)
    back = reopen_episode(db=db, runner="ana", episode_id=first["id"], day=day)
    assert back["episode"]["status"] == "open" and back["episode"]["phase"] == first["phase"]
    shown = show_episode(db=db, runner="ana", episode_id=None, day=day)
    assert shown["episode"]["id"] == first["id"] and len(shown["checkins"]) == 14
    record_checkin(db=db, runner="ana", answers=good_day(15), day=day)  # check-ins go to the reopened episode
    assert len(show_episode(db=db, runner="ana", episode_id=first["id"], day=day)["checkins"]) == 15
    assess(db=db, runner="bob", answers=SOLEUS, day=DAY0)
    with pytest.raises(NotFound, match="no such episode"):
        show_episode(db=db, runner="bob", episode_id=first["id"], day=day)
