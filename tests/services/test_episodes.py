"""The episode use cases on real storage (SQLite, and PostgreSQL when configured): assess, check in, today, history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from calfcare.clinical.questions import CheckinContext, checkin_steps
from calfcare.errors import Conflict, InvalidAnswers, InvalidInput
from calfcare.services import assess, history, record_checkin, today
from calfcare.services.views import awaiting_clearance
from calfcare.store import Database
from calfcare.store.models import Activity, Assessment, CheckIn, Episode, Runner
from cases import SOLEUS

DAY0 = date(2025, 5, 10)
CLOT = {"calf_bigger_than_other": True, "skin_warm_red_or_dark": True}


def good_day(i: int, *, kind: str = "rehab_exercises") -> dict[str, Any]:
    """An improving day ``i`` days after the assessment."""
    return {
        "morning_pain": max(0, 3 - i // 3),
        "pain_rest": 0,
        "pain_walking": max(0, 2 - i // 2),
        "limp": False,
        "single_leg_heel_raises_injured": min(32, 12 + 2 * i),
        "single_leg_heel_raises_other": 30,
        "session": "as_prescribed",
        "session_kind": kind,
        "session_minutes": 25,
        "pain_during_session": 1,
        "pain_after_session": 0,
        "calf_bigger_than_other": False,
    }


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def episodes_of(db: Database) -> list[Episode]:
    with db.session() as s:
        return list(s.scalars(select(Episode).order_by(Episode.id)))


def test_a_strain_opens_an_episode_dated_from_the_onset(db: Database) -> None:
    out = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assert out.disposition == "self_care"
    assert out.result["structure"]["likely"] == "soleus"
    (ep,) = episodes_of(db)
    assert ep.status == "open" and ep.structure == "soleus" and ep.side == "left"
    assert ep.onset == DAY0 - timedelta(days=2) and ep.assessed_on == DAY0
    assert ep.plan_state["phase"] == out.result["start_phase"]
    assert ep.context["age"] == 44 and ep.context["start_phase"] == out.result["start_phase"]
    assert "baseline" not in ep.context, "no training files: nothing to size the plan from"
    assert out.episode is not None and out.episode["id"] == ep.id and out.episode["day"] == 2
    assert count(db, Assessment) == 1


def test_an_urgent_red_flag_opens_no_episode_and_says_where_to_go(db: Database) -> None:
    out = assess(db=db, runner="ana", answers={**SOLEUS, **CLOT}, day=DAY0)
    assert out.disposition == "urgent"
    assert "dvt" in [f["code"] for f in out.result["red_flags"]]
    assert out.episode is None and episodes_of(db) == []
    assert count(db, Assessment) == 1
    assert today(db=db, runner="ana", day=DAY0) is None


def test_an_urgent_red_flag_at_reassessment_refers_the_open_episode(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    out = assess(db=db, runner="ana", answers={**SOLEUS, **CLOT}, day=DAY0 + timedelta(days=3))
    (ep,) = episodes_of(db)
    assert ep.status == "referred" and ep.plan_state["stopped"] is True
    assert out.episode is not None and out.episode["status"] == "referred"
    plan = today(db=db, runner="ana", day=DAY0 + timedelta(days=3))
    assert plan is not None and plan["status"] == "referred"
    assert any("today" in text for text in plan["referral"]["where_to_go"])


def test_a_second_assessment_regrades_the_open_episode_instead_of_opening_another(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    later = {**SOLEUS, "days_since_onset": 7, "single_leg_heel_raises_injured": 22, "pain_walking": 1}
    out = assess(db=db, runner="ana", answers=later, day=DAY0 + timedelta(days=5))
    (ep,) = episodes_of(db)
    assert ep.onset == DAY0 - timedelta(days=2), "the onset of the injury does not move"
    assert ep.assessed_on == DAY0 + timedelta(days=5)
    assert any("re-graded" in n for n in out.notes)
    assert count(db, Assessment) == 2


def test_an_earlier_episode_counts_as_a_previous_strain_and_lengthens_the_estimate(db: Database) -> None:
    first = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:
        ep = s.scalars(select(Episode)).one()
        ep.status, ep.closed_on = "closed", DAY0 + timedelta(days=40)
    again = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0 + timedelta(days=200))
    assert any("earlier calf strain" in n for n in again.notes)
    assert again.episode is not None and again.episode["previous_calf_strains"] == 1
    low0, high0 = first.result["severity"]["return_to_run_days"]
    low1, high1 = again.result["severity"]["return_to_run_days"]
    assert (low1, high1) != (low0, high0) and low1 >= low0 and high1 > high0
    stated = assess(db=db, runner="ben", answers={**SOLEUS, "previous_calf_strains": 0}, day=DAY0)
    assert stated.notes and not any("earlier calf strain" in n for n in stated.notes)


def test_a_checkin_without_an_open_episode_is_refused_and_nothing_is_stored(db: Database) -> None:
    with pytest.raises(Conflict, match="no open episode"):
        record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    assess(db=db, runner="ana", answers={**SOLEUS, **CLOT}, day=DAY0)  # urgent: no episode
    with pytest.raises(Conflict, match="no open episode"):
        record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    assert count(db, CheckIn) == 0


def test_a_checkin_before_the_onset_is_refused(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with pytest.raises(Conflict, match="before your episode started"):
        record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0 - timedelta(days=5))
    assert count(db, CheckIn) == 0


def test_invalid_answers_or_a_future_day_store_nothing(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with pytest.raises(InvalidAnswers, match="morning_pain"):
        record_checkin(db=db, runner="ana", answers={"morning_pain": 11}, day=DAY0)
    with pytest.raises(InvalidInput, match="in the future"):
        record_checkin(db=db, runner="ana", answers=good_day(0), day=date.today() + timedelta(days=1))
    with pytest.raises(InvalidAnswers, match="age"):
        assess(db=db, runner="ana", answers={**SOLEUS, "age": "old"}, day=DAY0)
    assert count(db, CheckIn) == 0 and count(db, Assessment) == 1


def test_a_second_checkin_on_the_same_day_replaces_the_first(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    first = record_checkin(db=db, runner="ana", answers={**good_day(0), "pain_during_session": 6}, day=DAY0)
    second = record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    assert not first.replaced and second.replaced
    assert second.to_contract()["replaced"] is True
    assert count(db, CheckIn) == 1
    with db.session() as s:
        row = s.scalars(select(CheckIn)).one()
        assert row.answers["pain_during_session"] == 1 and row.decision == second.decision


def _plan_after(db: Database, runner: str, order: list[int]) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    assess(db=db, runner=runner, answers=SOLEUS, day=DAY0)
    for i in order:
        record_checkin(db=db, runner=runner, answers=good_day(i), day=DAY0 + timedelta(days=i))
    with db.session() as s:
        ep = s.scalars(select(Episode).join(Episode.runner).where(Episode.runner.has(name=runner))).one()
        rows = [(r.day.isoformat(), r.decision, r.result["stage"]) for r in ep.checkins]
        return dict(ep.plan_state), rows


def test_backdated_checkins_give_the_same_plan_as_entering_them_in_order(db: Database) -> None:
    in_order, rows_in_order = _plan_after(db, "ana", [0, 1, 2, 3, 4, 5])
    shuffled, rows_shuffled = _plan_after(db, "ben", [0, 3, 5, 1, 4, 2])
    assert rows_shuffled == rows_in_order
    assert shuffled == in_order
    assert in_order["phase"] != "protect", "six good days move the plan on"


def test_a_flare_steps_the_plan_back(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    for i in range(8):
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i))
    before = today(db=db, runner="ana", day=DAY0 + timedelta(days=7))
    assert before is not None
    flare = {**good_day(8), "morning_pain": 5, "pain_during_session": 6, "pain_after_session": 5}
    out = record_checkin(db=db, runner="ana", answers=flare, day=DAY0 + timedelta(days=8))
    assert out.decision == "step_back"
    assert any("source:" in r for r in out.result["reasons"])
    after = today(db=db, runner="ana", day=DAY0 + timedelta(days=8))
    assert after is not None and (after["phase"], after["stage"]) != (before["phase"], before["stage"])


def test_a_red_flag_at_a_checkin_stops_the_plan_and_today_says_where_to_go(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    out = record_checkin(db=db, runner="ana", answers={**good_day(1), **CLOT}, day=DAY0 + timedelta(days=1))
    assert out.decision == "refer" and out.episode["status"] == "referred"
    assert [f["code"] for f in out.result["red_flags"]] == ["dvt"]
    plan = today(db=db, runner="ana", day=DAY0 + timedelta(days=2))
    assert plan is not None and plan["status"] == "referred" and plan["prescription"]["kind"] == "rest"
    assert plan["referral"]["red_flags"][0]["code"] == "dvt" and plan["referral"]["where_to_go"]
    # the plan stays stopped until a clinician has cleared the runner
    held = record_checkin(db=db, runner="ana", answers=good_day(2), day=DAY0 + timedelta(days=2))
    assert held.decision == "refer" and held.episode["status"] == "referred"
    cleared = {**good_day(3), "cleared_by_clinician": True}
    resumed = record_checkin(db=db, runner="ana", answers=cleared, day=DAY0 + timedelta(days=3))
    assert resumed.episode["status"] == "open"


def test_reaching_full_training_with_the_criteria_met_closes_the_episode(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:  # an episode already in its last phase (e.g. carried over from a clinic)
        ep = s.scalars(select(Episode)).one()
        ep.context = {**ep.context, "start_phase": "full_training"}
    run = {**good_day(20, kind="run"), "pain_during_session": 0, "hop_pain": 0}
    closed_on = None
    for i in range(0, 30, 2):
        out = record_checkin(db=db, runner="ana", answers=run, day=DAY0 + timedelta(days=i))
        if out.episode["status"] == "closed":
            closed_on = out.episode["closed_on"]
            break
    assert closed_on is not None
    (ep,) = episodes_of(db)
    assert ep.status == "closed" and ep.closed_on is not None and ep.closed_on.isoformat() == closed_on
    with pytest.raises(Conflict, match="closed on"):
        record_checkin(db=db, runner="ana", answers=run, day=ep.closed_on + timedelta(days=1))


def test_history_lists_assessments_checkins_with_reasons_and_the_pain_series(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    for i in range(3):
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i))
    h = history(db=db, runner="ana")
    assert h["episode"]["structure"] == "soleus"
    assert [a["disposition"] for a in h["assessments"]] == ["self_care"]
    assert [c["date"] for c in h["checkins"]] == [(DAY0 + timedelta(days=i)).isoformat() for i in range(3)]
    assert all(c["decision"] in ("progress", "hold") and c["reasons"] for c in h["checkins"])
    assert [p["morning_pain"] for p in h["pain_series"]] == [good_day(i)["morning_pain"] for i in range(3)]
    assert history(db=db, runner="nobody")["episode"] is None


def test_runners_do_not_see_each_others_episodes(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assert today(db=db, runner="ben", day=DAY0) is None
    with pytest.raises(Conflict):
        record_checkin(db=db, runner="ben", answers=good_day(0), day=DAY0)
    assert today(db=db, runner="ana", day=DAY0) is not None


def _start_running(db: Database, runner: str) -> None:
    assess(db=db, runner=runner, answers=SOLEUS, day=DAY0)
    with db.session() as s:  # an episode whose plan is at the first walk-run stage
        ep = s.scalars(select(Episode).join(Runner).where(Runner.name == runner)).one()
        ep.context = {**ep.context, "start_phase": "return_to_run"}


def test_an_imported_run_longer_than_prescribed_holds_the_plan(db: Database) -> None:
    _start_running(db, "ana")
    _start_running(db, "ben")
    plan = today(db=db, runner="ana", day=DAY0)
    assert plan is not None and plan["prescription"]["kind"] == "walk_run"
    with db.session() as s:
        ana = s.scalars(select(Runner).where(Runner.name == "ana")).one()
        start = datetime(DAY0.year, DAY0.month, DAY0.day, 8, 0, tzinfo=UTC)
        s.add(Activity(runner_id=ana.id, content_sha256="a" * 64, source_format="gpx", sport="run", start_utc=start,
                       utc_offset_s=0, elapsed_s=3600.0, moving_s=3600.0, distance_m=10_000.0))  # fmt: skip
    said = {**good_day(20, kind="walk_run"), "session_minutes": plan["prescription"]["run"]["total_min"]}
    with_file = record_checkin(db=db, runner="ana", answers=said, day=DAY0)
    without = record_checkin(db=db, runner="ben", answers=said, day=DAY0)
    assert any("recorded run" in r and "more than prescribed" in r for r in with_file.result["reasons"])
    assert not any("recorded run" in r for r in without.result["reasons"])
    assert with_file.decision == "hold"


def test_imported_runs_before_the_onset_size_the_plan_from_the_runners_own_baseline(db: Database) -> None:
    ana = db.runner_id("ana")
    with db.session() as s:
        for k in range(1, 40, 2):  # an 8 km run every other day for the ~11 weeks before the onset
            start = datetime.combine(DAY0 - timedelta(days=2 + k), datetime.min.time(), tzinfo=UTC)
            run = {"start_utc": start, "utc_offset_s": 0, "elapsed_s": 2700.0, "moving_s": 2700.0, "distance_m": 8000.0}
            s.add(Activity(runner_id=ana, content_sha256=f"{k:064d}", source_format="gpx", sport="run", **run))
    out = assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assert out.episode is not None
    with db.session() as s:
        ep = s.get(Episode, out.episode["id"])
        assert ep is not None and ep.context["baseline"]["source"] == "files"
        assert ep.context["baseline"]["usual_run_km"] == 8.0


def test_after_a_referral_a_new_assessment_starts_a_new_episode_for_the_same_injury(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assess(db=db, runner="ana", answers={**SOLEUS, **CLOT}, day=DAY0 + timedelta(days=1))
    referred = record_checkin(db=db, runner="ana", answers=good_day(2), day=DAY0 + timedelta(days=2))
    assert referred.decision == "refer" and referred.episode["status"] == "referred"
    seen = {**SOLEUS, "days_since_onset": 6}
    cleared_later = assess(db=db, runner="ana", answers=seen, day=DAY0 + timedelta(days=4))
    first, second = episodes_of(db)
    assert first.status == "referred" and second.status == "open" and second.id == cleared_later.episode["id"]
    assert any("referred to a clinician" in n for n in cleared_later.notes)
    assert not any("earlier calf strain" in n for n in cleared_later.notes), "the same injury is not a previous one"


def test_two_weeks_without_progress_advise_a_clinician_while_the_plan_goes_on(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    stuck = {**good_day(0), "pain_walking": 5, "pain_rest": 3, "single_leg_heel_raises_injured": 10}
    decisions = [
        record_checkin(db=db, runner="ana", answers=stuck, day=DAY0 + timedelta(days=i)).decision for i in range(16)
    ]
    assert "refer" in decisions and "progress" not in decisions
    (ep,) = episodes_of(db)
    assert ep.status == "open", "advice to see a clinician does not stop the plan"
    refer_day = DAY0 + timedelta(days=decisions.index("refer"))
    plan = today(db=db, runner="ana", day=refer_day)
    assert plan is not None and plan["status"] == "open" and plan["prescription"]["items"]
    assert any("No progress" in w for w in plan["warnings"])


def test_replacing_a_red_flag_checkin_with_a_quiet_one_says_the_flag_was_withdrawn(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    flagged = record_checkin(db=db, runner="ana", answers={**good_day(0), **CLOT}, day=DAY0)
    assert flagged.decision == "refer"
    quiet = record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    assert quiet.replaced and quiet.decision != "refer"
    withdrawn = [n for n in quiet.notes if "dvt" in n]
    assert withdrawn and "clinician" in withdrawn[0]


def test_a_checkin_without_the_red_flag_screen_says_the_flags_could_not_be_rechecked(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    bare = {k: v for k, v in good_day(0).items() if k not in CLOT}
    unscreened = record_checkin(db=db, runner="ana", answers=bare, day=DAY0)
    assert any("safety questions" in n for n in unscreened.notes)
    screened = record_checkin(db=db, runner="ana", answers=good_day(1), day=DAY0 + timedelta(days=1))
    assert not any("safety questions" in n for n in screened.notes)


STRESS_FRACTURE = {"bone_point_tender": True, "night_or_rest_pain": True}


def test_a_stress_fracture_found_at_reassessment_stops_the_open_plan_like_at_a_checkin(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    out = assess(db=db, runner="ana", answers={**SOLEUS, **STRESS_FRACTURE}, day=DAY0 + timedelta(days=3))
    assert out.disposition == "see_clinician" and out.result["opens_episode"] is False
    (ep,) = episodes_of(db)
    assert ep.status == "referred" and ep.plan_state["stopped"] is True
    plan = today(db=db, runner="ana", day=DAY0 + timedelta(days=4))
    assert plan is not None and plan["status"] == "referred" and plan["prescription"]["items"] == []
    assert plan["referral"]["red_flags"][0]["code"] == "stress_fracture"
    checked = record_checkin(db=db, runner="ana", answers=good_day(4), day=DAY0 + timedelta(days=4))
    assert checked.decision == "refer"


def test_a_stress_fracture_with_no_episode_is_where_today_starts(db: Database) -> None:
    from calfcare.services.episodes import stopping_assessment

    assess(db=db, runner="ana", answers={**SOLEUS, **STRESS_FRACTURE}, day=DAY0)
    assert episodes_of(db) == []
    stop = stopping_assessment(db=db, runner="ana", day=DAY0 + timedelta(days=1))
    assert stop is not None and stop["red_flags"][0]["code"] == "stress_fracture"


def test_a_see_clinician_flag_in_an_open_plan_stays_at_the_top_of_todays_warnings(db: Database) -> None:
    out = assess(db=db, runner="ana", answers={**SOLEUS, "can_bear_weight": False}, day=DAY0)
    assert out.disposition == "see_clinician" and out.episode is not None and out.episode["status"] == "open"
    plan = today(db=db, runner="ana", day=DAY0 + timedelta(days=1))
    assert plan is not None and plan["status"] == "open"
    assert "severe muscle tear" in plan["warnings"][0] and "day or two" in plan["warnings"][0]
    assert next(iter(plan)) == "red_flags" and plan["red_flags"][0]["code"] == "severe_muscle_tear"


def test_a_checkin_after_an_urgent_assessment_with_no_episode_is_refused_pointing_to_the_red_flag(
    db: Database,
) -> None:
    assess(db=db, runner="ana", answers={**SOLEUS, **CLOT}, day=DAY0)
    with pytest.raises(Conflict, match="dvt"):
        record_checkin(db=db, runner="ana", answers=good_day(1), day=DAY0 + timedelta(days=1))
    assert count(db, CheckIn) == 0


def test_a_severe_tear_is_paced_by_its_grade_and_needs_a_clearance_before_running(db: Database) -> None:
    severe = {**SOLEUS, "can_bear_weight": False, "walks_normally": False, "pain_walking": 7}
    out = assess(db=db, runner="ana", answers=severe, day=DAY0)
    assert out.result["severity"]["estimate"] == "severe"
    (ep,) = episodes_of(db)
    assert ep.context["needs_clearance"] is True
    plan = today(db=db, runner="ana", day=DAY0 + timedelta(days=1))
    assert plan is not None
    lo = out.result["severity"]["return_to_run_days"][0]
    first_run = ep.onset + timedelta(days=-(-lo // 2))
    assert any(f"no running before {first_run}" in w for w in plan["warnings"])
    assert any("Do not run until a clinician" in w for w in plan["warnings"])
    # a later, milder assessment moves the timeline but keeps the clearance (a leg that could not bear weight)
    milder = {**SOLEUS, "days_since_onset": 8.5}
    assess(db=db, runner="ana", answers=milder, day=DAY0 + timedelta(days=6))
    (ep,) = episodes_of(db)
    assert ep.severity != "severe" and ep.context["needs_clearance"] is True
    later = today(db=db, runner="ana", day=DAY0 + timedelta(days=7))
    assert later is not None and not any(f"no running before {first_run}" in w for w in later["warnings"])
    # the interactive check-in asks for the clearance while it is awaited, and stops asking once given
    assert awaiting_clearance(db=db, runner="ana")

    def asks_clearance(awaiting: bool) -> bool:
        steps = checkin_steps({}, CheckinContext(phase="strength", awaiting_clearance=awaiting))
        return any(step.id == "cleared_by_clinician" for step in steps)

    assert asks_clearance(True) and not asks_clearance(False)
    record_checkin(db=db, runner="ana", answers={**good_day(8), "cleared_by_clinician": True}, day=DAY0 + timedelta(8))
    assert not awaiting_clearance(db=db, runner="ana")
