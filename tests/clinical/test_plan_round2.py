"""Second-round plan rules (issue #7 items 2–7): the grade paces the plan, pain blocks gates and rising pain refers,
heel-raise gates by symmetry and age/sex norms, snap or pop and a heel-raise fall refer urgently, silence repeats a
stage, acute advice only when acute, the whole chain and the prevention message from day 1, and children."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from calfcare.clinical.answers import RED_FLAG_KEYS, TriageAnswers
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import RunnerBaseline
from calfcare.clinical.criteria import evaluate, gate_criteria
from calfcare.clinical.pacing import Timeline, heel_raise_floor, regrade, scaled_days
from calfcare.clinical.progression import EpisodeFacts, PlanState, decide, stage_count
from calfcare.clinical.protocol import DATA, ProtocolError, load_protocol
from calfcare.clinical.today import build_today
from calfcare.contracts.checkin import parse_checkin_answers
from calfcare.errors import InvalidAnswers

ONSET = date(2026, 3, 1)
MILD = EpisodeFacts(onset=ONSET, structure="soleus", severity="mild", age=35, sex="male", return_to_run_days=(7, 29))
SEVERE = replace(MILD, severity="severe", return_to_run_days=(55, 82), needs_clearance=True)


def day(n: int) -> date:
    return ONSET + timedelta(days=n)


def at(phase: str, stage: int = 0, *, on: int, since: int = 0, facts: EpisodeFacts = MILD, **kw: object) -> PlanState:
    values: dict[str, object] = {
        "stage": stage,
        "last_day": day(on),
        "phase_since": day(since),
        "last_progress_day": day(on),
        **kw,
    }
    return replace(PlanState.start(facts, phase, day=day(since)), **values)  # type: ignore[arg-type]


def rehab(**kw: object) -> CheckInAnswers:
    values: dict[str, object] = dict(
        morning_pain=0,
        pain_rest=0,
        pain_walking=0,
        limp=False,
        session="as_prescribed",
        session_kind="rehab_exercises",
        pain_during_session=0,
        pain_after_session=0,
        hop_pain=0,
        single_leg_heel_raises_injured=30,
        single_leg_heel_raises_other=30,
    )
    values.update(kw)
    return CheckInAnswers(**values)  # type: ignore[arg-type]


def joined(d: object) -> str:
    return " | ".join(d.reasons)  # type: ignore[attr-defined]


def last_strength(facts: EpisodeFacts = MILD, *, on: int = 39, since: int = 20, **kw: object) -> PlanState:
    last = stage_count("strength", facts) - 1
    return at("strength", last, on=on, since=since, facts=facts, completions=5, **kw)


# --- item 2: the grade paces the plan ----------------------------------------------------------------------------


def test_the_timeline_of_a_grade_comes_from_the_triage_range_and_the_protocol_fractions() -> None:
    t = Timeline.of("moderate", (22, 42))
    assert (t.first_run_day, t.full_training_day, t.full_by_day) == (11, 22, 63)
    assert not t.clearance and t.pacing.completions == 2
    assert Timeline.of("severe", None).clearance and Timeline.of("severe", None).days == (42, 63)
    assert Timeline.of(None, None).grade == "moderate" and not Timeline.of(None, None).known
    assert Timeline.of("mild", (4, 17)).pacing.completions == 1  # stage sizes differ by grade


def test_the_start_running_gate_waits_for_the_grades_first_run_day() -> None:
    ready = rehab()
    moderate = replace(MILD, severity="moderate", return_to_run_days=(29, 54))  # first run from day 15
    early = decide(last_strength(moderate, on=11, since=3), ready, day=day(12), facts=moderate)
    assert early.decision == "hold" and "days since the injury before running (moderate strain) 12 (target ≥ 15)" in (
        joined(early)
    )
    assert "pace.by_grade" in early.rules
    assert decide(last_strength(moderate, on=14, since=3), ready, day=day(15), facts=moderate).phase == "return_to_run"


def test_a_severe_tear_needs_a_clinicians_clearance_before_running() -> None:
    waiting = decide(last_strength(SEVERE), rehab(), day=day(45), facts=SEVERE)
    assert waiting.decision == "hold" and "a clinician has cleared you to run" in joined(waiting)
    cleared = decide(last_strength(SEVERE), rehab(cleared_by_clinician=True), day=day(45), facts=SEVERE)
    assert cleared.phase == "return_to_run" and cleared.new_state.cleared_to_run_on == day(45)
    today = build_today(last_strength(SEVERE), SEVERE, day=day(45)).to_contract()
    assert any("Do not run until a clinician" in w for w in today["warnings"])


def test_the_gate_no_longer_skips_the_strength_stages() -> None:
    first_stage = at("strength", 0, on=29, since=20)
    d = decide(first_stage, rehab(), day=day(30), facts=MILD)
    assert d.phase == "strength" and d.new_state.stage == 1  # one stage up, not straight to running


def test_minimum_days_in_a_phase_come_from_the_grade() -> None:
    moderate = replace(MILD, severity="moderate", return_to_run_days=(17, 32))
    done = at("mobility", 1, on=6, since=4, facts=moderate, completions=1)
    d = decide(done, rehab(), day=day(6), facts=moderate)
    assert d.phase == "mobility" and "days in this phase for a moderate strain 2 (target ≥ 3)" in joined(d)
    assert decide(done, rehab(), day=day(7), facts=moderate).phase == "strength"


def test_a_regrade_at_day_5_to_7_moves_the_timeline() -> None:
    limping = rehab(limp=True, pain_walking=4)
    assert regrade("mild", limping, 6) is not None and regrade("mild", limping, 8) is None
    assert regrade("moderate", limping, 6) is None  # a check-in never makes it milder nor severe
    d = decide(at("mobility", on=5), limping, day=day(6), facts=MILD)
    assert (
        d.new_state.grade == "moderate" and "re-graded as moderate" in joined(d) and "pace.regrade_day_5_7" in d.rules
    )
    after = MILD.with_grade(d.new_state.grade)
    assert after.return_to_run_days == scaled_days("mild", (7, 29), "moderate") == (29, 55)
    assert after.timeline().first_run_day > MILD.timeline().first_run_day
    later = decide(last_strength(grade="moderate"), rehab(), day=day(10), facts=MILD)
    assert later.phase == "strength"  # the mild pace (first run from day 4) would have let it run


def test_the_walk_run_ladder_is_shorter_for_a_mild_strain() -> None:
    mild, severe = MILD.programme(), SEVERE.programme()
    assert len(mild.stages) < len(severe.stages)
    assert mild.stages[0].walk_min < severe.stages[0].walk_min  # a mild strain starts further up the table


# --- item 3: pain blocks gates; rising pain refers; no loaded work above the ceiling ------------------------------


@pytest.mark.parametrize("key", ["pain_rest", "morning_pain"])
def test_rest_or_morning_pain_above_2_blocks_every_gate_and_stage(key: str) -> None:
    sore = rehab(**{key: 3})
    gate = decide(last_strength(), sore, day=day(40), facts=MILD)
    assert gate.decision == "hold" and gate.phase == "strength" and "gate.rest_and_morning_pain" in gate.rules
    stage = decide(at("strength", 0, on=29, since=20, completions=0), sore, day=day(30), facts=MILD)
    assert stage.new_state.stage == 0 and stage.new_state.completions == 0
    assert decide(last_strength(), rehab(**{key: 2}), day=day(40), facts=MILD).phase == "return_to_run"


def _course(rest: list[int], start: PlanState) -> list[object]:
    state, out = start, []
    for i, pain in enumerate(rest):
        d = decide(state, rehab(pain_rest=pain, morning_pain=min(pain, 2)), day=day(41 + i), facts=MILD)
        state = d.new_state
        out.append(d)
    return out


def test_rest_pain_rising_on_three_checkins_refers_without_calling_it_a_stress_fracture() -> None:
    *_, second, third = _course([1, 2, 3], at("strength", 1, on=40, since=20))
    assert third.decision == "refer" and "progress.rest_pain_rising" in third.rules  # type: ignore[attr-defined]
    assert "stress" not in joined(third) and not third.new_state.stopped  # type: ignore[attr-defined]
    before, after = second.new_state, third.new_state  # type: ignore[attr-defined]
    assert (after.phase, after.stage) == (before.phase, before.stage)  # nothing progressed


def test_rest_pain_at_5_or_more_on_three_checkins_refers_but_a_dip_does_not() -> None:
    assert [d.decision for d in _course([5, 5, 6], at("strength", 1, on=40, since=20))][-1] == "refer"  # type: ignore[attr-defined]
    dipped = _course([5, 4, 5], at("strength", 1, on=40, since=20))
    assert "progress.rest_pain_rising" not in dipped[-1].rules  # type: ignore[attr-defined]


def test_no_hopping_or_loaded_work_is_prescribed_while_pain_is_above_the_ceiling() -> None:
    elastic = at("strength", 2, on=30, since=20)
    calm = build_today(elastic, MILD, day=day(31), last_checkin=rehab()).to_contract()
    sore = build_today(elastic, MILD, day=day(31), last_checkin=rehab(pain_rest=4)).to_contract()
    calm_ids = {i["id"] for i in calm["prescription"]["items"]}
    sore_items = sore["prescription"]["items"]
    assert "single_leg_pogo" in calm_ids and "seated_loaded_soleus_raise" in calm_ids
    assert all(i["id"] not in ("double_leg_pogo", "single_leg_pogo", "seated_loaded_soleus_raise") for i in sore_items)
    assert "rehab.no_load_above_ceiling" in sore["rules"] and sore_items  # easier versions remain
    during = build_today(elastic, MILD, day=day(31), last_checkin=rehab(pain_during_session=6)).to_contract()
    assert "rehab.no_load_above_ceiling" in during["rules"]


# --- item 4: heel raises by symmetry and age/sex norm; snap or pop; a fall to a third -----------------------------


def _heel_gate(facts: EpisodeFacts, injured: int, other: int) -> dict[str, bool]:
    c = rehab(single_leg_heel_raises_injured=injured, single_leg_heel_raises_other=other)
    results = evaluate(gate_criteria("strength", last_strength(facts), facts), c, last_strength(facts), facts, day(40))
    return {r.criterion.id: r.met for r in results}


def test_a_healthy_72_year_old_with_18_of_18_passes_the_heel_raise_gate() -> None:
    old = replace(MILD, age=72, sex="male")
    assert _heel_gate(old, 18, 18)["heel_raise_floor"] and _heel_gate(old, 18, 18)["heel_raise_lsi_min_pct"]
    assert not _heel_gate(MILD, 18, 18)["heel_raise_floor"]  # a 35-year-old still needs 25
    assert heel_raise_floor(25, 72, "male")[0] == 14 and heel_raise_floor(30, 65, "female")[0] == 19
    assert heel_raise_floor(25, None, None)[0] == 25 and heel_raise_floor(25, 12, "female")[0] == 15
    assert heel_raise_floor(30, 85, "other")[0] == 14  # above 79: the 70–79 row, the lower of the two


def test_the_heel_raise_gate_is_a_limb_symmetry_index_of_90_percent() -> None:
    assert not _heel_gate(MILD, 26, 30)["heel_raise_lsi_min_pct"]  # 86.7 %
    assert _heel_gate(MILD, 27, 30)["heel_raise_lsi_min_pct"]  # 90 %
    held = decide(last_strength(), rehab(single_leg_heel_raises_injured=26), day=day(40), facts=MILD)
    assert held.phase == "strength" and "gate.heel_raise_symmetry_and_norm" in held.rules


@pytest.mark.parametrize("phase", ["mobility", "strength", "return_to_run", "full_training"])
def test_a_snap_or_pop_stops_the_plan_and_refers_urgently_in_every_phase(phase: str) -> None:
    d = decide(at(phase, on=30, since=20), rehab(felt_snap_or_pop=True), day=day(31), facts=MILD)
    assert d.decision == "refer" and d.new_state.stopped
    flag = d.red_flags[0].to_dict()
    assert flag["code"] == "suspected_retear_or_rupture" and flag["urgency"] == "urgent"
    assert build_today(d.new_state, MILD, day=day(32)).kind == "rest"


def test_heel_raises_falling_to_a_third_of_the_last_count_refer_urgently() -> None:
    s = at("return_to_run", on=30, since=25, last_heel_raises=30)
    fell = decide(s, rehab(single_leg_heel_raises_injured=10), day=day(31), facts=MILD)
    assert fell.decision == "refer" and fell.new_state.stopped and "fell from 30 to 10" in joined(fell)
    dipped = decide(s, rehab(single_leg_heel_raises_injured=11), day=day(31), facts=MILD)
    assert not dipped.new_state.stopped
    first = decide(at("strength", on=30, since=20), rehab(single_leg_heel_raises_injured=22), day=day(31), facts=MILD)
    assert first.new_state.last_heel_raises == 22


def run_days(s: PlanState, counts: list[int], *, first: int, facts: EpisodeFacts = MILD) -> list[object]:
    """One check-in a day from day ``first`` with these heel-raise counts; the decisions, in order."""
    out = []
    for i, n in enumerate(counts):
        d = decide(s, rehab(single_leg_heel_raises_injured=n), day=day(first + i), facts=facts)
        out.append(d)
        s = d.new_state
    return out


def test_heel_raises_falling_over_several_checkins_refer_urgently_too() -> None:
    """30 → 22 → 15 → 9: no single step is a fall to a third, but the runner lost two thirds of the calf's strength
    within days while running; the fall is measured from the highest count of the last 14 days."""
    s = at("return_to_run", on=30, since=25)
    *kept, fell = run_days(s, [30, 22, 15, 9], first=31)
    assert all(not d.new_state.stopped for d in kept)  # type: ignore[attr-defined]
    assert fell.decision == "refer" and fell.new_state.stopped  # type: ignore[attr-defined]
    assert "fell from 30 (your highest of the last 14 days) to 9" in joined(fell)
    assert build_today(fell.new_state, MILD, day=day(35)).kind == "rest"  # type: ignore[attr-defined]


def test_a_slow_loss_over_more_than_the_window_is_not_an_urgent_fall() -> None:
    s = at("return_to_run", on=30, since=25)
    decisions = run_days(s, [30] + [25] * 14 + [9], first=31)
    assert not any(d.new_state.stopped for d in decisions)  # type: ignore[attr-defined]


def test_a_clinicians_clearance_resumes_the_plan_after_a_heel_raise_fall() -> None:
    from calfcare.clinical.clinician import ClinicianEvent, apply_event

    s = at("strength", 1, on=30, since=20)
    *_, fell = run_days(s, [30, 28, 9], first=31)
    stopped = fell.new_state  # type: ignore[attr-defined]
    assert stopped.stopped
    # the runner says a clinician cleared them, with the same low count: the plan resumes and stays resumed
    cleared = decide(
        stopped, rehab(single_leg_heel_raises_injured=9, cleared_by_clinician=True), day=day(34), facts=MILD
    )
    assert not cleared.new_state.stopped
    after = decide(cleared.new_state, rehab(single_leg_heel_raises_injured=10), day=day(35), facts=MILD)
    assert after.decision != "refer" and not after.new_state.stopped
    # the same through a clinician's clear_red_flag event
    event = ClinicianEvent(day(34), "clear_red_flag", "physio", "2026-04-04T10:00:00+00:00")
    resumed = apply_event(stopped, event)
    after = decide(resumed, rehab(single_leg_heel_raises_injured=10), day=day(35), facts=MILD)
    assert after.decision != "refer" and not after.new_state.stopped


def test_the_heel_raise_counts_survive_the_stored_plan_state() -> None:
    s = at("strength", 1, on=30, since=20)
    *_, d = run_days(s, [30, 28], first=31)
    back = PlanState.from_dict(d.new_state.to_dict())  # type: ignore[attr-defined]
    assert back == d.new_state and [r.heel_raises for r in back.history] == [30, 28]
    old = {**d.new_state.to_dict(), "history": [["2026-04-01", 1, 0, 0]]}  # type: ignore[attr-defined]
    assert PlanState.from_dict(old).history[0].heel_raises is None  # a state stored before the field reads back


def test_a_calf_that_loses_its_strength_while_running_goes_back_to_strength_work() -> None:
    """A slow loss (never a third within 14 days) below 70 % of the other leg while running: no more runs, back to
    the strength phase (the start-running gate asks 90 %)."""
    s = at("return_to_run", 1, on=30, since=25, completions=1)
    run = rehab(session_kind="walk_run", session_minutes=20, session_rpe=3, single_leg_heel_raises_injured=20)
    weak = decide(s, run, day=day(31), facts=MILD)
    assert weak.decision == "step_back" and weak.new_state.phase == "strength"
    assert "heel raises stay at 70 % of the other leg" in joined(weak)
    assert build_today(weak.new_state, MILD, day=day(33)).kind == "rehab_exercises"
    kept = decide(s, replace(run, single_leg_heel_raises_injured=22), day=day(31), facts=MILD)
    assert kept.new_state.phase == "return_to_run"  # 73 %: still running, held at the gate


def test_a_checkin_red_flag_cites_its_own_rule_and_sources() -> None:
    snap = decide(at("strength", on=30, since=20), rehab(felt_snap_or_pop=True), day=day(31), facts=MILD)
    assert "rule: progress.snap_or_heel_raise_fall; source: Maffulli 1998" in snap.reasons[0]
    assert "NICE NG158" not in snap.reasons[0] and "progress.redflag_recheck" in snap.rules
    bigger = rehab(screen=TriageAnswers(calf_bigger_than_other=True))
    clot = decide(at("strength", on=30, since=20), bigger, day=day(31), facts=MILD)
    assert "rule: redflag.dvt" in clot.reasons[0] and "NICE NG158" in clot.reasons[0]


def test_a_heel_raise_count_out_of_range_names_the_real_bound() -> None:
    with pytest.raises(InvalidAnswers) as err:
        parse_checkin_answers({"single_leg_heel_raises_injured": 1001})
    assert "expected a whole number from 0 to 1000" in str(err.value.problems[0])
    assert parse_checkin_answers({"felt_snap_or_pop": True}).felt_snap_or_pop is True


def test_the_checkin_result_says_whether_the_red_flag_screen_was_complete() -> None:
    empty = decide(at("strength", on=30, since=20), rehab(), day=day(31), facts=MILD).to_contract(day(31))
    assert empty["screen_complete"] is False
    answered = {k: (() if k == "clot_risk_factors" else False) for k in RED_FLAG_KEYS if k != "pain_on_hopping"}
    full = rehab(screen=TriageAnswers(**answered))  # hop_pain answers pain_on_hopping
    d = decide(at("strength", on=30, since=20), full, day=day(31), facts=MILD)
    assert d.to_contract(day(31))["screen_complete"] is True


# --- item 5: silence, acute advice, day ranges from the real onset -------------------------------------------------


def test_a_checkin_after_7_days_of_silence_repeats_the_stage() -> None:
    s = at("return_to_run", 0, on=20, since=15, completions=1, last_run_day=day(20))
    run = rehab(session_kind="walk_run", session_minutes=30, session_rpe=3)
    silent = decide(s, run, day=day(30), facts=MILD)
    assert silent.decision == "hold" and silent.new_state.completions == 0 and "progress.silence" in silent.rules
    assert silent.new_state.stage == 0
    on_time = decide(s, run, day=day(26), facts=MILD)
    assert "progress.silence" not in on_time.rules


def test_acute_advice_only_while_the_injury_is_acute() -> None:
    fresh = build_today(at("protect", on=1), MILD, day=day(2)).to_contract()
    old = build_today(at("protect", on=20, since=20), MILD, day=day(21)).to_contract()
    assert fresh["acute_advice"] and "acute.only_when_acute" in fresh["rules"]
    assert old["acute_advice"] == [] and "acute.peace_and_love" not in old["rules"]


def test_the_day_ranges_count_from_the_real_onset() -> None:
    warnings = build_today(at("strength", on=3), MILD, day=day(4)).to_contract()["warnings"]
    first_run = MILD.onset + timedelta(days=MILD.timeline().first_run_day)
    assert any(f"no running before {first_run}" in w and f"injury on {ONSET}" in w for w in warnings)


# --- item 6: the whole chain and the prevention message ----------------------------------------------------------


@pytest.mark.parametrize("stage", [0, 1])
def test_the_mobility_phase_works_glutes_hamstrings_and_lower_back(stage: int) -> None:
    items = build_today(at("mobility", stage, on=3), MILD, day=day(4)).to_contract()["prescription"]["items"]
    by_id = {i["id"]: i for i in items}
    for ex in ("glute_stretch", "hamstring_stretch", "lower_back_stretch", "foam_rolling_glutes_hamstrings",
               "foam_rolling_lower_back"):  # fmt: skip
        assert by_id[ex]["hold_s"] > 0 and by_id[ex]["cues"] and by_id[ex]["sets"] >= 1


def test_the_prevention_message_shows_from_day_one_and_stays_as_a_routine() -> None:
    first = build_today(at("protect", on=0), MILD, day=day(1)).to_contract()
    assert "heel drops" in first["education"]["prevention"]
    assert any("heel drops" in w and "weekly distance" in w for w in first["warnings"])
    routine = build_today(at("full_training", 1, on=60, returned_on=day(50)), MILD, day=day(61)).to_contract()
    ids = {i["id"] for i in routine["prescription"]["items"]}
    assert {"eccentric_heel_drop_bent", "eccentric_heel_drop_straight"} <= ids
    assert any("single run" in w for w in routine["warnings"])


# --- item 7: children -----------------------------------------------------------------------------------------------


def test_a_child_gets_body_weight_loads_and_a_parent_or_coach() -> None:
    child = replace(MILD, age=12)
    contract = build_today(at("strength", 1, on=20, facts=child), child, day=day(21)).to_contract()
    items = {i["id"]: i for i in contract["prescription"]["items"]}
    assert "seated_loaded_soleus_raise" not in items and "single_leg_raise_bent" in items
    assert items["step_up"]["load"].startswith("body weight only")
    assert any("parent or coach" in w for w in contract["warnings"]) and "rehab.children" in contract["rules"]
    adult = build_today(at("strength", 1, on=20), MILD, day=day(21)).to_contract()
    assert "seated_loaded_soleus_raise" in {i["id"] for i in adult["prescription"]["items"]}


# --- the data -----------------------------------------------------------------------------------------------------


def test_a_broken_pacing_table_is_refused_naming_file_and_entry(tmp_path: Path) -> None:
    text = (DATA / "protocol.toml").read_text(encoding="utf-8").replace("days = [4, 17]", "days = [17, 4]", 1)
    path = tmp_path / "protocol.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"pacing\.mild: 'days' must be \[low, high\]") as err:
        load_protocol(path)
    assert str(path) in str(err.value)


def test_full_training_builds_the_run_up_to_the_usual_run_in_steps_of_at_most_10_percent() -> None:
    p = replace(MILD, baseline=RunnerBaseline(usual_run_min=40, easy_pace_s_per_km=360)).programme()
    minutes = [p.full_training_run(n).run_min for n in range(12)]
    assert minutes[0] == p.stages[-1].run_min and minutes[-1] == p.target_min == 30
    assert all(b <= max(a * 1.1, a + 1) for a, b in pairwise(minutes))
    assert p.full_training_run(None).run_min == 30  # a plan that started in full training
    s = at("return_to_run", len(p.stages) - 1, on=40, since=25, completions=1)
    moved = decide(s, rehab(session_kind="walk_run", session_minutes=30, session_rpe=3), day=day(42), facts=MILD)
    assert moved.phase == "full_training" and moved.new_state.full_training_runs == 0


def test_full_training_waits_for_the_lower_bound_of_the_grades_range() -> None:
    p = MILD.programme()
    ready = rehab(session_kind="walk_run", session_minutes=30, session_rpe=3)
    s = at("return_to_run", len(p.stages) - 1, on=4, since=0, completions=1)
    early = decide(s, ready, day=day(6), facts=MILD)  # mild soleus: full training from day 7
    assert early.phase == "return_to_run" and "before full training (mild strain) 6 (target ≥ 7)" in joined(early)
    assert decide(s, ready, day=day(7), facts=MILD).phase == "full_training"


def test_a_strength_day_between_runs_is_named_as_such() -> None:
    d = decide(at("return_to_run", on=20, since=15, last_run_day=day(20)), rehab(), day=day(21), facts=MILD)
    assert d.decision == "hold" and "A strength day between runs" in joined(d)


def test_the_gate_names_why_an_older_runners_heel_raise_target_is_lower() -> None:
    old = replace(MILD, age=72, sex="male")
    today = build_today(
        last_strength(old),
        old,
        day=day(40),
        last_checkin=rehab(single_leg_heel_raises_injured=18, single_leg_heel_raises_other=18),
    )
    gate = {c["name"]: c for c in today.to_contract()["gate"]["criteria"]}  # type: ignore[index]
    assert gate["single-leg heel raises, the usual count for a 72-year-old man"] == {
        "name": "single-leg heel raises, the usual count for a 72-year-old man",
        "value": 18,
        "target": 14,
        "met": True,
    }


def test_today_asks_for_a_regrade_between_day_5_and_day_7_only() -> None:
    def asks(n: int) -> bool:
        warnings = build_today(at("mobility", on=n - 1), MILD, day=day(n)).to_contract()["warnings"]
        return any("pace.regrade_day_5_7" in w for w in warnings)  # type: ignore[union-attr]

    assert [asks(n) for n in (4, 5, 6, 7, 8)] == [False, True, True, True, False]


def test_a_silence_resets_the_stage_even_when_the_day_also_holds_and_does_not_count_as_no_progress() -> None:
    s = at("return_to_run", 0, on=20, since=15, completions=1, last_run_day=day(20), last_progress_day=day(12))
    swollen = decide(s, rehab(swelling_increased=True), day=day(29), facts=MILD)
    assert swollen.decision == "hold" and swollen.new_state.completions == 0 and "progress.silence" in swollen.rules
    assert swollen.new_state.last_progress_day == day(29)  # 17 days since progress, but 9 of them were silent


def test_a_later_assessment_outranks_an_earlier_checkin_regrade() -> None:
    limping = rehab(limp=True, pain_walking=4)
    regraded_later = replace(MILD, graded_on=day(7))  # the latest assessment (day 7) still says mild
    d = decide(at("mobility", on=5), limping, day=day(6), facts=regraded_later)
    assert d.new_state.grade is None and "pace.regrade_day_5_7" not in d.rules
    assert decide(at("mobility", on=5), limping, day=day(6), facts=replace(MILD, graded_on=day(2))).new_state.grade
