"""Every branch of the decision engine: progress, hold, step back, refer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import AdherenceFinding
from calfcare.clinical.progression import (
    DayRecord,
    EpisodeFacts,
    PainRules,
    PlanState,
    decide,
    stage_count,
)
from calfcare.clinical.triage import TriageAnswers

ONSET = date(2026, 3, 1)
FACTS = EpisodeFacts(onset=ONSET, structure="soleus")


def day(n: int) -> date:
    return ONSET + timedelta(days=n)


def state_in(phase: str, stage: int = 0, *, on: int = 0, **changes: object) -> PlanState:
    """A plan started on day ``on`` that has already seen a check-in that day."""
    values: dict[str, object] = {"stage": stage, "last_day": day(on), **changes}
    return replace(PlanState.start(FACTS, phase, day=day(on)), **values)  # type: ignore[arg-type]


def rehab(**kw: object) -> CheckInAnswers:
    values: dict[str, object] = dict(
        morning_pain=1,
        session="as_prescribed",
        session_kind="rehab_exercises",
        pain_during_session=1,
        pain_after_session=0,
    )
    values.update(kw)
    return CheckInAnswers(**values)  # type: ignore[arg-type]


def run(**kw: object) -> CheckInAnswers:
    values: dict[str, object] = {"session_kind": "walk_run", "session_minutes": 30, "session_rpe": 3, **kw}
    return rehab(**values)


def joined(decision: object) -> str:
    return " | ".join(decision.reasons)  # type: ignore[attr-defined]


# --- refer -----------------------------------------------------------------------------------------------------------


def test_a_red_flag_at_a_checkin_refers_and_stops_the_plan() -> None:
    screen = TriageAnswers(calf_bigger_than_other=True, clot_risk_factors=("surgery",))
    d = decide(state_in("strength", on=9), rehab(screen=screen), day=day(10), facts=FACTS)
    assert d.decision == "refer"
    assert [f.code for f in d.red_flags] == ["dvt"]
    assert d.new_state.stopped and d.new_state.stop_reasons == ("dvt",)
    contract = d.to_contract(day(10))
    assert contract["red_flags"][0]["code"] == "dvt" and contract["red_flags"][0]["urgency"] == "urgent"
    assert "progress.redflag_recheck" in contract["rules"]


def test_a_stopped_plan_keeps_referring_until_a_clinician_clears_the_runner() -> None:
    stopped = state_in("strength", on=9, stopped=True, stop_reasons=("dvt",))
    d = decide(stopped, rehab(), day=day(11), facts=FACTS)
    assert d.decision == "refer" and d.new_state.stopped and "cleared_by_clinician" in joined(d)
    resumed = decide(stopped, rehab(cleared_by_clinician=True), day=day(12), facts=FACTS)
    assert resumed.decision == "hold" and not resumed.new_state.stopped
    assert resumed.new_state.phase == "strength" and resumed.new_state.last_progress_day == day(12)


def test_fourteen_days_without_progress_refers_but_the_plan_continues() -> None:
    # checked in yesterday (a 14-day silence would now repeat the stage and restart the clock instead)
    stuck = state_in("strength", 2, on=20, last_day=day(33))
    d = decide(stuck, rehab(single_leg_heel_raises_injured=15), day=day(34), facts=FACTS)
    assert d.decision == "refer" and "No progress for 14 days" in joined(d)
    assert not d.new_state.stopped and d.new_state.last_progress_day == day(34)
    assert d.to_contract(day(34))["next"]["plan"] == "continues"
    earlier = decide(stuck, rehab(single_leg_heel_raises_injured=15), day=day(33), facts=FACTS)
    assert earlier.decision == "hold"


def test_still_limping_after_day_fourteen_refers() -> None:
    d = decide(state_in("mobility", on=14), rehab(limp=True), day=day(15), facts=FACTS)
    assert d.decision == "refer" and "Still limping on day 15" in joined(d)
    early = decide(state_in("mobility", on=9), rehab(limp=True), day=day(10), facts=FACTS)
    assert early.decision == "hold"


def test_a_real_rise_in_heel_raises_counts_as_improvement_and_restarts_the_clock() -> None:
    stuck = state_in("strength", 2, on=20, heel_raise_mark=12, last_day=day(33))
    d = decide(stuck, rehab(single_leg_heel_raises_injured=18), day=day(34), facts=FACTS)
    assert d.decision == "hold" and d.new_state.last_progress_day == day(34) and d.new_state.heel_raise_mark == 18
    noise = decide(stuck, rehab(single_leg_heel_raises_injured=16), day=day(34), facts=FACTS)
    assert noise.decision == "refer"


def test_the_last_stage_of_the_plan_never_refers_for_lack_of_progress() -> None:
    prevention = state_in("full_training", 1, on=60)
    d = decide(prevention, run(), day=day(90), facts=FACTS)
    assert d.decision == "hold"


# --- progress --------------------------------------------------------------------------------------------------------


def test_protect_moves_on_after_two_days_once_walking_is_comfortable() -> None:
    calm = CheckInAnswers(morning_pain=2, pain_rest=1, pain_walking=3)
    too_soon = decide(state_in("protect"), calm, day=day(1), facts=FACTS)
    assert too_soon.decision == "hold" and "at least two days" in joined(too_soon)
    d = decide(state_in("protect"), calm, day=day(2), facts=FACTS)
    assert d.decision == "progress" and d.phase == "mobility" and d.new_state.stage == 0
    sore = decide(state_in("protect"), replace(calm, pain_walking=5), day=day(3), facts=FACTS)
    assert sore.decision == "hold" and "walking comfortable 5" in joined(sore)


def test_a_stage_advances_only_after_two_symptom_free_completions() -> None:
    first = decide(state_in("mobility", on=3), rehab(), day=day(4), facts=FACTS)
    assert first.decision == "hold" and first.new_state.completions == 1 and "1 of 2" in joined(first)
    second = decide(first.new_state, rehab(), day=day(5), facts=FACTS)
    assert second.decision == "progress" and second.new_state.stage == 1 and second.new_state.completions == 0
    assert second.stage.startswith("heel raises on both legs")


def test_a_session_not_done_as_prescribed_does_not_count() -> None:
    d = decide(state_in("mobility", on=3), rehab(session="less_than_prescribed"), day=day(4), facts=FACTS)
    assert d.decision == "hold" and d.new_state.completions == 0


def test_the_start_running_gate_moves_strength_to_return_to_run_when_all_criteria_are_met() -> None:
    ready = rehab(
        pain_walking=0, limp=False, single_leg_heel_raises_injured=26, single_leg_heel_raises_other=28, hop_pain=1
    )
    d = decide(state_in("strength", 2, on=15, completions=1, phase_since=day(5)), ready, day=day(16), facts=FACTS)
    assert d.decision == "progress" and d.phase == "return_to_run" and d.stage.startswith("walk-run stage 1")
    assert "gate.start_running" in d.rules


def test_an_unmet_start_running_gate_holds_and_names_what_is_missing() -> None:
    weak = rehab(
        pain_walking=0, limp=False, single_leg_heel_raises_injured=20, single_leg_heel_raises_other=28, hop_pain=1
    )
    d = decide(state_in("strength", 2, on=15, completions=1), weak, day=day(16), facts=FACTS)
    assert d.decision == "hold" and d.phase == "strength"
    text = joined(d)
    assert "single-leg heel raises 20 (target ≥ 25)" in text and "71.4 % (target ≥ 90 %)" in text


def test_walk_run_stages_advance_after_two_symptom_free_runs_on_non_consecutive_days() -> None:
    s = state_in("return_to_run", on=20)
    first = decide(s, run(), day=day(21), facts=FACTS)
    assert first.decision == "hold" and first.new_state.completions == 1 and first.new_state.last_run_day == day(21)
    rest_day = decide(first.new_state, rehab(), day=day(22), facts=FACTS)
    assert rest_day.new_state.completions == 1  # strength work does not count towards a walk-run stage
    second = decide(rest_day.new_state, run(), day=day(23), facts=FACTS)
    assert second.decision == "progress" and second.new_state.stage == 1


def test_running_on_consecutive_days_holds_and_does_not_count() -> None:
    s = state_in("return_to_run", on=20, last_run_day=day(21), completions=1)
    d = decide(s, run(), day=day(22), facts=FACTS)
    assert d.decision == "hold" and d.new_state.completions == 1 and "progress.no_consecutive_runs" in d.rules


def test_the_full_training_gate_needs_the_walk_run_programme_completed() -> None:
    last = stage_count("return_to_run", FACTS) - 1
    ready = run(
        pain_walking=0,
        morning_pain=0,
        single_leg_heel_raises_injured=31,
        single_leg_heel_raises_other=32,
        hop_pain=0,
        pain_during_session=0,
    )
    d = decide(
        state_in("return_to_run", last, on=50, completions=1, phase_since=day(30)), ready, day=day(52), facts=FACTS
    )
    assert d.decision == "progress" and d.phase == "full_training" and d.new_state.returned_on == day(52)
    early = decide(state_in("return_to_run", last - 1, on=50, completions=0), ready, day=day(52), facts=FACTS)
    assert early.decision == "hold" and "walk-run programme completed" in joined(early)


# --- pain monitoring and soreness rules ------------------------------------------------------------------------------


def test_pain_during_above_the_early_ceiling_steps_back_a_level_with_two_days_off() -> None:
    d = decide(state_in("strength", 1, on=9), rehab(pain_during_session=4), day=day(10), facts=FACTS)
    assert d.decision == "step_back" and d.new_state.stage == 0
    assert d.next == {"drop": "level", "rest_days": 2, "rest_until": day(12).isoformat()}
    assert "above the ceiling of 3/10" in joined(d)


def test_the_same_pain_later_on_is_within_the_ceiling_and_only_repeats_the_session() -> None:
    d = decide(state_in("strength", 1, on=29), rehab(pain_during_session=4), day=day(30), facts=FACTS)
    assert d.decision == "hold" and d.new_state.stage == 1 and "progress.acceptable_pain" in d.rules
    over = decide(state_in("strength", 1, on=29), rehab(pain_during_session=6), day=day(30), facts=FACTS)
    assert over.decision == "step_back" and "ceiling of 5/10" in joined(over)


def test_the_early_ceiling_is_configurable_by_a_clinician() -> None:
    strict = replace(FACTS, pain_rules=PainRules(early_ceiling=2, early_weeks=4))
    d = decide(state_in("strength", 1, on=24), rehab(pain_during_session=3), day=day(25), facts=strict)
    assert d.decision == "step_back"
    default = decide(state_in("strength", 1, on=24), rehab(pain_during_session=3), day=day(25), facts=FACTS)
    assert default.decision == "hold"


def test_stepping_back_from_the_first_stage_of_a_phase_drops_into_the_previous_phase() -> None:
    d = decide(state_in("strength", 0, on=9), rehab(pain_during_session=5), day=day(10), facts=FACTS)
    assert d.decision == "step_back" and d.phase == "mobility" and d.new_state.stage == 1


def test_pain_after_the_session_above_the_ceiling_means_a_day_off_then_repeat() -> None:
    d = decide(state_in("strength", 1, on=9), rehab(pain_after_session=4), day=day(10), facts=FACTS)
    assert d.decision == "step_back" and d.new_state.stage == 1 and d.next["drop"] == "repeat"
    assert d.new_state.rest_until == day(11)


def test_morning_pain_not_back_to_the_usual_means_a_day_off_then_repeat() -> None:
    history = (DayRecord(day(8), 1, 1), DayRecord(day(9), 2, 1))
    s = state_in("strength", 1, on=8, history=history)
    d = decide(s, rehab(morning_pain=3), day=day(10), facts=FACTS)
    assert d.decision == "step_back" and d.next["drop"] == "repeat" and "usual 1/10" in joined(d)
    ok = decide(s, rehab(morning_pain=2), day=day(10), facts=FACTS)
    assert ok.decision != "step_back" and ok.new_state.baseline_morning_pain == 1


def test_a_week_on_week_rise_in_morning_pain_drops_a_level() -> None:
    history = tuple(DayRecord(day(n), 1, 1) for n in range(10, 17)) + tuple(DayRecord(day(n), 2, 1) for n in (17, 18))
    s = state_in("strength", 2, on=10, history=history)
    d = decide(s, rehab(morning_pain=2), day=day(22), facts=FACTS)
    assert d.decision == "step_back" and d.new_state.stage == 1 and "progress.weekly_rise" in d.rules


def test_a_week_on_week_rise_soon_after_a_step_back_only_holds() -> None:
    history = tuple(DayRecord(day(n), 1, 1) for n in range(10, 17)) + tuple(DayRecord(day(n), 2, 1) for n in (17, 18))
    s = state_in("strength", 2, on=10, history=history, last_step_back_day=day(19))
    d = decide(s, rehab(morning_pain=2), day=day(22), facts=FACTS)
    assert d.decision == "hold" and "already stepped back" in joined(d)


def test_more_swelling_or_stiffness_holds() -> None:
    swollen = decide(state_in("strength", 1, on=9), rehab(swelling_increased=True), day=day(10), facts=FACTS)
    assert swollen.decision == "hold" and "More swelling" in joined(swollen)
    s = state_in("strength", 1, on=8, history=(DayRecord(day(9), 1, 1),))
    stiff = decide(s, rehab(morning_stiffness=4), day=day(10), facts=FACTS)
    assert stiff.decision == "hold" and "stiffness 4/10" in joined(stiff)


def test_a_limp_while_loading_in_the_first_weeks_drops_a_level() -> None:
    d = decide(state_in("strength", 1, on=9), rehab(limp=True), day=day(10), facts=FACTS)
    assert d.decision == "step_back" and "progress.early_limp" in d.rules


def test_walking_pain_returning_in_return_to_run_steps_back_a_phase() -> None:
    d = decide(state_in("return_to_run", 3, on=20), rehab(pain_walking=2), day=day(25), facts=FACTS)
    assert d.decision == "step_back" and d.phase == "strength" and d.next["drop"] == "phase"
    assert d.new_state.stage == stage_count("strength", FACTS) - 1 and d.new_state.phase_since == day(25)


# --- running rules and adherence ------------------------------------------------------------------------------------


def test_raising_volume_and_intensity_together_holds() -> None:
    s = state_in("return_to_run", 5, on=30, last_run_day=day(31), last_run_minutes=25, last_run_rpe=3)
    d = decide(s, run(session_minutes=35, session_rpe=5), day=day(33), facts=FACTS)
    assert d.decision == "hold" and "progress.volume_or_intensity" in d.rules
    one_only = decide(s, run(session_minutes=27, session_rpe=4), day=day(33), facts=FACTS)
    assert "progress.volume_or_intensity" not in one_only.rules


def test_more_than_prescribed_holds_even_when_it_felt_fine() -> None:
    d = decide(state_in("mobility", on=3), rehab(session="more_than_prescribed"), day=day(4), facts=FACTS)
    assert d.decision == "hold" and "progress.overdone" in d.rules and d.new_state.completions == 0


def test_an_overdone_imported_run_holds() -> None:
    finding = AdherenceFinding(day(21), "overdone", ("ran 8 km, prescribed about 3 km",))
    d = decide(state_in("return_to_run", on=20), run(), day=day(21), facts=FACTS, adherence=finding)
    assert d.decision == "hold" and "ran 8 km" in joined(d) and d.new_state.completions == 0


def test_running_before_the_start_running_gate_holds() -> None:
    d = decide(state_in("strength", 1, on=9), run(), day=day(10), facts=FACTS)
    assert d.decision == "hold" and "progress.running_too_early" in d.rules


def test_a_session_on_a_rest_day_does_not_count() -> None:
    d = decide(state_in("strength", 1, on=9, rest_until=day(11)), rehab(), day=day(10), facts=FACTS)
    assert d.decision == "hold" and "progress.rest_day" in d.rules and d.new_state.completions == 0


def test_step_back_outranks_hold_and_refer_outranks_both() -> None:
    mixed = rehab(pain_during_session=6, session="more_than_prescribed")
    d = decide(state_in("strength", 1, on=29), mixed, day=day(30), facts=FACTS)
    assert d.decision == "step_back" and {"progress.pain_ceiling", "progress.overdone"} <= set(d.rules)
    flagged = replace(mixed, screen=TriageAnswers(breathless_or_chest_pain=True))
    assert decide(state_in("strength", 1, on=29), flagged, day=day(30), facts=FACTS).decision == "refer"


# --- state, purity, contract -----------------------------------------------------------------------------------------


def test_replaying_the_same_checkins_gives_the_same_history_and_the_state_survives_json() -> None:
    script = [
        (2, CheckInAnswers(morning_pain=2, pain_rest=1, pain_walking=3)),
        (3, rehab(morning_pain=2)),
        (4, rehab(morning_pain=2, pain_during_session=3)),
        (5, rehab(morning_pain=4)),
        (7, rehab(morning_pain=2, swelling_increased=True)),
        (8, rehab(morning_pain=2, limp=False, pain_walking=1, pain_rest=0, single_leg_heel_raises_injured=6)),
    ]

    def replay() -> list[dict[str, object]]:
        state, out = PlanState.start(FACTS, "protect", day=ONSET), []
        for n, checkin in script:
            before = state.to_dict()
            d = decide(PlanState.from_dict(state.to_dict()), checkin, day=day(n), facts=FACTS)
            assert state.to_dict() == before  # decide never changes its input
            state = d.new_state
            assert PlanState.from_dict(state.to_dict()) == state
            out.append(d.to_contract(day(n)))
        return out

    first = replay()
    assert first == replay()
    # day 8 holds: the mobility gate now opens only once both mobility stages are done (it used to skip them)
    assert [c["decision"] for c in first] == ["progress", "hold", "hold", "step_back", "hold", "hold"]


def test_the_checkin_result_has_the_contract_keys() -> None:
    d = decide(state_in("mobility", on=3), rehab(), day=day(4), facts=FACTS)
    contract = d.to_contract(day(4))
    assert {"date", "decision", "reasons", "red_flags", "phase", "stage"} <= set(contract)
    assert contract["date"] == "2026-03-05" and contract["phase"] == "mobility"
    assert isinstance(contract["stage"], str) and contract["red_flags"] == []
    assert all("(rule: " in r and "source: " in r for r in contract["reasons"])


def test_a_plan_cannot_start_in_an_unknown_phase_or_be_read_back_from_garbage() -> None:
    with pytest.raises(ValueError, match="start_phase"):
        PlanState.start(FACTS, "rest")
    with pytest.raises(ValueError, match="unknown keys"):
        PlanState.from_dict({**state_in("strength").to_dict(), "colour": "red"})
    with pytest.raises(ValueError, match="unknown phase"):
        PlanState.from_dict({**state_in("strength").to_dict(), "phase": "sprint"})


def test_a_day_without_a_session_holds_at_the_current_stage() -> None:
    d = decide(state_in("mobility", on=3), CheckInAnswers(morning_pain=1), day=day(4), facts=FACTS)
    assert d.decision == "hold" and "No session reported" in joined(d) and d.new_state.stage == 0


def test_full_training_moves_to_the_prevention_routine_after_six_symptom_free_runs() -> None:
    s = state_in("full_training", 0, on=50, completions=5, returned_on=day(50))
    d = decide(s, run(session_kind="run"), day=day(52), facts=FACTS)  # (was day 62: now a 12-day silence)
    assert d.decision == "progress" and d.stage.startswith("prevention routine")
    strength_only = decide(s, rehab(), day=day(52), facts=FACTS)
    assert strength_only.decision == "hold" and strength_only.new_state.completions == 5
    routine = decide(d.new_state, run(session_kind="run"), day=day(54), facts=FACTS)
    assert routine.decision == "hold" and "keep to this stage" in joined(routine)


def test_the_no_progress_clock_starts_at_the_first_checkin_at_the_latest() -> None:
    fresh = replace(PlanState.start(FACTS, "strength"), stage=2)  # started at onset, never checked in
    d = decide(fresh, rehab(), day=day(20), facts=FACTS)
    assert d.decision == "hold" and d.new_state.last_progress_day == day(20)
    state = d.new_state
    for n in (26, 30):  # check-ins without a 7-day silence (which would restart the clock) up to day 34
        state = decide(state, rehab(), day=day(n), facts=FACTS).new_state
    later = decide(state, rehab(), day=day(34), facts=FACTS)
    assert later.decision == "refer"
