"""What `today` prescribes, for every phase and both muscles, in the CHECKIN.md shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import RunnerBaseline
from calfcare.clinical.progression import EpisodeFacts, PlanState
from calfcare.clinical.protocol import PHASES
from calfcare.clinical.today import build_today

ONSET = date(2026, 3, 1)
SOLEUS = EpisodeFacts(onset=ONSET, structure="soleus", baseline=RunnerBaseline(weekly_km=30, usual_run_min=40))
GASTROC = replace(SOLEUS, structure="gastrocnemius")
UNCLEAR = replace(SOLEUS, structure="unclear")
CONTRACT_KEYS = {"date", "phase", "stage", "prescription", "gate", "warnings", "episode"}
ITEM_KEYS = {"name", "target", "sets", "reps", "load", "tempo", "cues"}


def day(n: int) -> date:
    return ONSET + timedelta(days=n)


def plan(phase: str, stage: int = 0, *, facts: EpisodeFacts = SOLEUS, **changes: object) -> PlanState:
    return replace(PlanState.start(facts, phase, day=day(5)), stage=stage, **changes)  # type: ignore[arg-type]


def items_by_knee(contract: dict[str, object], knee: str) -> list[dict[str, object]]:
    items = contract["prescription"]["items"]  # type: ignore[index]
    return [i for i in items if i["knee"] == knee and i["target"] in ("soleus", "gastrocnemius")]


@pytest.mark.parametrize("phase", PHASES)
def test_today_has_the_contract_shape_in_every_phase(phase: str) -> None:
    contract = build_today(plan(phase), SOLEUS, day=day(10)).to_contract()
    assert set(contract) >= CONTRACT_KEYS
    assert contract["date"] == "2026-03-11" and contract["phase"] == phase and isinstance(contract["stage"], str)
    prescription = contract["prescription"]
    assert prescription["kind"] in ("rehab_exercises", "walk_run", "run", "rest")
    assert prescription["items"] and all(set(i) >= ITEM_KEYS for i in prescription["items"])
    assert contract["episode"] == {"onset": "2026-03-01", "structure": "soleus", "day": 10}
    assert contract["gate"]["to"] == (PHASES[PHASES.index(phase) + 1] if phase != "full_training" else None)
    assert all({"name", "met"} <= set(c) for c in contract["gate"]["criteria"])
    assert contract["education"]["why_this_phase"] and contract["cross_training"]


def test_rehab_phases_prescribe_exercises_and_no_run() -> None:
    for phase in ("protect", "mobility", "strength"):
        contract = build_today(plan(phase), SOLEUS, day=day(10)).to_contract()
        assert contract["prescription"]["kind"] == "rehab_exercises" and "run" not in contract["prescription"]


def test_soleus_gets_extra_bent_knee_sets_and_gastrocnemius_extra_straight_knee_sets() -> None:
    soleus = build_today(plan("strength"), SOLEUS, day=day(10)).to_contract()
    gastroc = build_today(plan("strength", facts=GASTROC), GASTROC, day=day(10)).to_contract()
    bent_s, straight_s = items_by_knee(soleus, "bent"), items_by_knee(soleus, "straight")
    bent_g, straight_g = items_by_knee(gastroc, "bent"), items_by_knee(gastroc, "straight")
    assert bent_s and straight_s  # both knee positions are always trained
    assert bent_s[0]["sets"] == straight_s[0]["sets"] + 1 and bent_s[0]["emphasis"]
    assert straight_g[0]["sets"] == bent_g[0]["sets"] + 1 and "emphasis" not in bent_g[0]


def test_an_unclear_muscle_gets_equal_volume_and_a_warning() -> None:
    contract = build_today(plan("strength", facts=UNCLEAR), UNCLEAR, day=day(10)).to_contract()
    assert items_by_knee(contract, "bent")[0]["sets"] == items_by_knee(contract, "straight")[0]["sets"]
    assert any("uncertain" in w for w in contract["warnings"])


def test_protect_includes_the_acute_advice_with_its_weak_evidence_notes() -> None:
    contract = build_today(plan("protect"), SOLEUS, day=day(1)).to_contract()
    advice = {a["id"]: a for a in contract["acute_advice"]}
    assert advice["ice"]["evidence"] == "weak" and "pain relief" in advice["ice"]["text"]
    assert "acute.peace_and_love" in contract["rules"]
    assert build_today(plan("strength"), SOLEUS, day=day(20)).to_contract()["acute_advice"] == []


def test_a_walk_run_day_prescribes_the_stage_and_strength_after_running() -> None:
    contract = build_today(plan("return_to_run", 1), SOLEUS, day=day(20)).to_contract()
    run = contract["prescription"]["run"]
    assert contract["prescription"]["kind"] == "walk_run"
    assert run["intervals"] == [{"walk_min": 2, "run_min": 3, "repeats": 5}] and run["total_min"] == 30
    assert any("Run first, then the strength work" in w for w in contract["warnings"])


def test_the_day_after_a_run_is_a_strength_day_not_a_run_day() -> None:
    state = plan("return_to_run", 2, last_run_day=day(19))
    after = build_today(state, SOLEUS, day=day(20)).to_contract()
    assert after["prescription"]["kind"] == "rehab_exercises" and "run" not in after["prescription"]
    assert any("non-running day" in w for w in after["warnings"])
    assert build_today(state, SOLEUS, day=day(21)).to_contract()["prescription"]["kind"] == "walk_run"


def test_continuous_stages_are_run_days() -> None:
    contract = build_today(plan("return_to_run", 4), SOLEUS, day=day(30)).to_contract()
    assert contract["prescription"]["kind"] == "run"
    # a moderate (default) pace has one continuous stage, then run-throughs at the same minutes (was 22 min: the
    # build-up beyond it now happens in full training under the weekly cap)
    assert contract["prescription"]["run"]["intervals"] == [{"walk_min": 0, "run_min": 20, "repeats": 1}]


def test_a_rest_day_after_a_step_back_prescribes_rest() -> None:
    contract = build_today(plan("strength", rest_until=day(12)), SOLEUS, day=day(11)).to_contract()
    assert contract["prescription"] == {"kind": "rest", "items": []}
    assert build_today(plan("strength", rest_until=day(12)), SOLEUS, day=day(13)).kind == "rehab_exercises"


def test_a_stopped_plan_prescribes_nothing_and_says_to_see_a_clinician() -> None:
    contract = build_today(plan("strength", stopped=True, stop_reasons=("dvt",)), SOLEUS, day=day(11)).to_contract()
    assert contract["prescription"] == {"kind": "rest", "items": []}
    assert "see a clinician" in contract["warnings"][0] and "dvt" in contract["warnings"][0]


def test_the_gate_shows_the_last_checkins_values_against_the_targets() -> None:
    checkin = CheckInAnswers(
        pain_walking=0, limp=False, single_leg_heel_raises_injured=18, single_leg_heel_raises_other=30, hop_pain=1
    )
    gate = build_today(plan("strength"), SOLEUS, day=day(20), last_checkin=checkin).to_contract()["gate"]
    by_name = {c["name"]: c for c in gate["criteria"]}
    assert gate["to"] == "return_to_run"
    assert by_name["single-leg heel raises"] == {
        "name": "single-leg heel raises",
        "value": 18,
        "target": 25,
        "met": False,
    }
    assert by_name["pain-free walking"]["met"] is True and by_name["walking without a limp"]["met"] is True
    assert by_name["sore leg's heel raises in % of the other leg"] == {
        "name": "sore leg's heel raises in % of the other leg",
        "value": 60,
        "target": 90,
        "met": False,
    }


def test_the_stricter_early_pain_ceiling_shows_in_the_warnings() -> None:
    early = build_today(plan("strength"), SOLEUS, day=day(10)).to_contract()["warnings"]
    later = build_today(plan("strength"), SOLEUS, day=day(30)).to_contract()["warnings"]
    assert any("at or below 3/10 and no limp" in w for w in early)
    assert any("at or below 5/10;" in w for w in later)


def test_full_training_warns_about_the_fifteen_week_window_and_prevention_runs_twice_a_week() -> None:
    state = plan("full_training", 1, returned_on=day(50))
    contract = build_today(state, SOLEUS, day=day(60)).to_contract()
    assert contract["prescription"]["kind"] == "run"
    assert any("until about 2026-08-03" in w for w in contract["warnings"])
    assert all(i["per_week"] <= 2 for i in contract["prescription"]["items"])


def test_older_runners_and_previous_strains_are_reminded_to_keep_strengthening() -> None:
    risky = replace(SOLEUS, age=52, previous_calf_strains=1)
    contract = build_today(plan("strength", facts=risky), risky, day=day(20)).to_contract()
    assert any("previous calf strain" in w for w in contract["warnings"])


def test_after_todays_run_is_checked_in_today_prescribes_only_the_strength_work() -> None:
    contract = build_today(plan("return_to_run", 2, last_run_day=day(20)), SOLEUS, day=day(20)).to_contract()
    assert contract["prescription"]["kind"] == "rehab_exercises" and contract["prescription"]["items"]
    assert any("Today's run is done" in w for w in contract["warnings"])
