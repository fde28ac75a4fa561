"""The second-round triage rules (issue #7; ASSESSMENT.md "Additions"), one test per case the clinical review found:
each fails on the first-round rules."""

from __future__ import annotations

from typing import Any

import pytest

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.redflags import SCREEN_REQUIRED, red_flags, screen_complete, screen_missing, screen_with_story
from calfcare.clinical.triage import ACUTE_ADVICE, LATER_ADVICE, triage
from calfcare.contracts.assessment import parse_assessment_answers
from cases import CLEAR_SCREEN, INTERVALS

#: a snap low in the calf during a game (the Achilles story), screen answered
SNAP_LOW: dict[str, Any] = {
    **CLEAR_SCREEN,
    "age": 45,
    "days_since_onset": 0.5,
    "onset": "sudden",
    "activity_at_onset": "other_sport",
    "felt_snap": True,
    "pain_location": "lower_calf",
}


def assess(**values: Any) -> dict[str, Any]:
    return triage(parse_assessment_answers(values)).to_contract()


def codes(result: dict[str, Any]) -> list[str]:
    return [f["code"] for f in result["red_flags"]]


# --- Achilles: "or", not "and" ---


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"single_leg_heel_raises_injured": 1, "squeeze_test_no_movement": False}, id="token-raise-1"),
        pytest.param({"single_leg_heel_raises_injured": 3, "squeeze_test_no_movement": False}, id="token-raise-3"),
        pytest.param({}, id="tests-not-done"),
        pytest.param({"single_leg_heel_raises_injured": 12}, id="squeeze-not-done"),
        pytest.param({"squeeze_test_no_movement": False}, id="heel-raises-not-done"),
        pytest.param({"can_bear_weight": False}, id="cannot-stand"),
        pytest.param({"felt_snap": None, "felt_kicked": True, "pain_location": "achilles"}, id="kicked-at-achilles"),
    ],
)
def test_a_snap_low_in_the_calf_is_urgent_unless_both_tests_rule_a_rupture_out(extra: dict[str, Any]) -> None:
    result = assess(**{**SNAP_LOW, **extra})
    assert result["disposition"] == "urgent"
    assert "achilles_rupture" in codes(result)
    assert result["start_phase"] is None and result["opens_episode"] is False


def test_a_snap_low_in_the_calf_with_a_normal_squeeze_test_and_five_heel_raises_is_not_flagged() -> None:
    result = assess(
        **{
            **SNAP_LOW,
            "squeeze_test_no_movement": False,
            "single_leg_heel_raises_injured": 5,
            "single_leg_heel_raises_other": 20,
            "walks_normally": True,
            "can_bear_weight": True,
        }
    )
    assert "achilles_rupture" not in codes(result)


def test_the_not_ruled_out_reason_names_what_is_missing() -> None:
    flag = red_flags(TriageAnswers(felt_snap=True, pain_location="achilles", single_leg_heel_raises_injured=2))[0]
    assert flag.code == "achilles_rupture" and flag.urgency == "urgent"
    text = flag.fired[-1].text
    assert "only 2 single-leg heel raises" in text and "squeeze test not done" in text
    assert set(flag.because) == {"felt_snap", "pain_location", "single_leg_heel_raises_injured"}


def test_on_a_quinolone_a_sudden_pain_at_the_achilles_counts_even_without_a_snap() -> None:
    base = {**CLEAR_SCREEN, "onset": "sudden", "pain_location": "achilles", "single_leg_heel_raises_injured": 8}
    assert "achilles_rupture" not in codes(assess(**base))
    on_drug = assess(**base, medicines=["fluoroquinolone"])
    assert on_drug["disposition"] == "urgent" and "achilles_rupture" in codes(on_drug)
    assert "medicine_related" in codes(on_drug)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"pain_location": "whole_calf", "single_leg_heel_raises_injured": 2}, id="whole-calf-token-raise"),
        pytest.param({"pain_location": "whole_calf"}, id="whole-calf-tests-not-done"),
        pytest.param({"pain_location": "mid_calf", "single_leg_heel_raises_injured": 3}, id="mid-calf-token-raise"),
        pytest.param({"pain_location": "mid_calf", "can_bear_weight": False}, id="mid-calf-cannot-stand"),
        pytest.param(
            {
                "felt_snap": None,
                "felt_kicked": True,
                "pain_location": "whole_calf",
                "single_leg_heel_raises_injured": 1,
            },
            id="kicked-whole-calf",
        ),
    ],
)
def test_a_snap_over_the_whole_or_mid_calf_with_a_token_lift_is_not_ruled_out(extra: dict[str, Any]) -> None:
    """ "Whole calf" includes the low calf (it was less reassuring than no answer, yet got self-care); in the mid-calf
    a token lift or a leg that cannot stand is the same sign as no lift at all, which the first round flagged."""
    result = assess(**{**SNAP_LOW, **extra})
    assert result["disposition"] == "urgent" and "achilles_rupture" in codes(result)
    assert result["start_phase"] is None


def test_a_snap_in_the_mid_calf_with_the_tests_not_done_alone_keeps_the_plan() -> None:
    result = assess(**{**SNAP_LOW, "pain_location": "mid_calf"})
    assert "achilles_rupture" not in codes(result)
    ruled_out = {"squeeze_test_no_movement": False, "single_leg_heel_raises_injured": 6, "can_bear_weight": True}
    assert "achilles_rupture" not in codes(assess(**{**SNAP_LOW, "pain_location": "whole_calf", **ruled_out}))


def test_a_snap_high_in_the_calf_is_not_an_achilles_rupture() -> None:
    result = assess(**{**INTERVALS, "felt_snap": True, "single_leg_heel_raises_injured": 2})
    assert "achilles_rupture" not in codes(result)


# --- levels: nerve root, the pale foot, the night ache ---


def test_back_pain_with_a_tingling_sole_after_a_deadlift_is_nerve_root_pain_not_an_ambulance() -> None:
    result = assess(
        **{
            **CLEAR_SCREEN,
            "age": 33,
            "onset": "sudden",
            "activity_at_onset": "other_sport",
            "back_pain_or_sciatica": True,
            "foot_numb_or_tingling": True,
            "pain_location": "mid_calf",
        }
    )
    assert result["disposition"] == "see_clinician"
    assert codes(result) == ["radicular_pain"]
    assert "few days" in result["red_flags"][0]["advice"]


def test_a_numb_foot_after_an_injury_without_back_pain_stays_an_emergency() -> None:
    result = assess(**{**CLEAR_SCREEN, "onset": "sudden", "foot_numb_or_tingling": True})
    assert result["disposition"] == "emergency" and "acute_compartment_syndrome" in codes(result)


def test_a_foot_pale_only_during_runs_is_a_clinician_not_an_emergency() -> None:
    result = assess(
        **{
            **CLEAR_SCREEN,
            "age": 24,
            "onset": "gradual",
            "activity_at_onset": "steady_run",
            "foot_cold_pale_or_blue": True,
            "foot_symptoms_only_during_runs": True,
        }
    )
    assert result["disposition"] == "see_clinician"
    assert codes(result) == ["exertional_leg_pain"]
    assert "arterial_compromise" not in codes(result)


def test_a_cold_foot_at_rest_is_an_emergency() -> None:
    result = assess(**{**CLEAR_SCREEN, "foot_cold_pale_or_blue": True, "foot_symptoms_only_during_runs": False})
    assert result["disposition"] == "emergency" and "arterial_compromise" in codes(result)


def test_numbness_only_while_running_is_exertional_not_compartment_syndrome() -> None:
    result = assess(
        **{**CLEAR_SCREEN, "onset": "sudden", "foot_numb_or_tingling": True, "foot_symptoms_only_during_runs": True}
    )
    assert result["disposition"] == "see_clinician" and codes(result) == ["exertional_leg_pain"]


def test_a_night_ache_on_day_1_of_an_interval_session_tear_is_not_a_stress_fracture() -> None:
    result = assess(**{**INTERVALS, "night_or_rest_pain": True})
    assert "stress_fracture" not in codes(result)
    assert result["disposition"] == "self_care" and result["start_phase"] == "protect"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"days_since_onset": 10}, id="after-the-first-week"),
        pytest.param({"onset": "gradual", "activity_at_onset": "long_run"}, id="gradual"),
        pytest.param({"previous_stress_fracture": True}, id="previous-stress-fracture"),
        pytest.param({"bone_point_tender": True}, id="tender-bone"),
    ],
)
def test_night_pain_still_counts_outside_a_fresh_tear(extra: dict[str, Any]) -> None:
    result = assess(**{**INTERVALS, "night_or_rest_pain": True, **extra})
    assert "stress_fracture" in codes(result)


# --- age and clots ---


def test_an_85_year_old_with_sudden_calf_pain_and_swelling_is_not_self_care() -> None:
    result = assess(**{**INTERVALS, "age": 85, "swelling": True})
    assert result["disposition"] == "urgent" and "dvt" in codes(result)
    assert "age" in result["red_flags"][0]["because"]


def test_a_70_year_old_with_calf_pain_and_no_clear_running_moment_is_checked_for_a_clot() -> None:
    result = assess(**{**INTERVALS, "age": 70, "onset": "gradual", "activity_at_onset": "long_run"})
    assert result["disposition"] == "urgent" and "dvt" in codes(result)


def test_a_72_year_old_with_a_clear_interval_moment_and_no_swelling_gets_a_plan() -> None:
    result = assess(
        **{
            **INTERVALS,
            "age": 72,
            "single_leg_heel_raises_injured": 18,
            "single_leg_heel_raises_other": 18,
            "swelling": False,
        }
    )
    assert result["disposition"] == "self_care" and result["opens_episode"] is True


def test_a_64_year_old_is_not_flagged_for_age() -> None:
    result = assess(**{**INTERVALS, "age": 64, "onset": "gradual", "activity_at_onset": "long_run"})
    assert "dvt" not in codes(result)


@pytest.mark.parametrize("risk", ["hospital_stay", "postpartum", "clotting_disorder"])
def test_the_new_clot_risk_factors_flag_a_clot_check(risk: str) -> None:
    result = assess(**{**INTERVALS, "clot_risk_factors": [risk]})
    assert result["disposition"] == "urgent" and "dvt" in codes(result)


# --- medicines, urine, skin ---


def test_calf_swelling_on_a_blood_thinner_is_urgent() -> None:
    plain = assess(**{**INTERVALS, "swelling": True, "medicines": []})
    assert plain["disposition"] == "self_care"
    result = assess(**{**INTERVALS, "swelling": True, "medicines": ["anticoagulant"]})
    assert result["disposition"] == "urgent"
    flag = next(f for f in result["red_flags"] if f["code"] == "medicine_related")
    assert flag["urgency"] == "urgent" and "medicines" in flag["because"]


def test_aching_in_both_legs_on_a_statin_is_a_clinician() -> None:
    result = assess(**{**CLEAR_SCREEN, "medicines": ["statin"], "side": "both", "pain_character": "aching"})
    assert "medicine_related" in codes(result) and result["disposition"] == "see_clinician"


def test_dark_urine_after_intervals_is_urgent_rhabdomyolysis() -> None:
    result = assess(**{**INTERVALS, "dark_urine": True})
    assert result["disposition"] == "urgent" and codes(result) == ["rhabdomyolysis"]
    flag = result["red_flags"][0]
    assert "activity_at_onset" in flag["because"]
    assert "little or no urine" in flag["advice"] and "emergency department" in flag["advice"]


def test_dusky_skin_with_diabetes_or_fever_is_a_necrotising_emergency() -> None:
    alone = assess(**{**CLEAR_SCREEN, "skin_dusky_or_blistering": True})
    assert alone["disposition"] == "urgent" and codes(alone) == ["infection"]
    for extra in ({"diabetes_or_weak_immunity": True}, {"fever_or_unwell": True}):
        result = assess(**{**CLEAR_SCREEN, "skin_dusky_or_blistering": True, **extra})
        assert result["disposition"] == "emergency" and codes(result)[0] == "infection"


# --- not healing, children ---


def test_a_strain_still_limping_at_90_days_is_not_healing() -> None:
    result = assess(**{**INTERVALS, "days_since_onset": 90, "walks_normally": False})
    assert "not_healing" in codes(result) and result["disposition"] == "see_clinician"
    assert result["red_flags"][0]["because"][0] == "days_since_onset"


def test_a_limp_at_four_weeks_is_not_yet_not_healing() -> None:
    result = assess(**{**INTERVALS, "days_since_onset": 28, "walks_normally": False})
    assert "not_healing" not in codes(result)


def test_heel_pain_in_a_child_is_severs_not_a_calf_strain() -> None:
    result = assess(
        **{**CLEAR_SCREEN, "age": 11, "onset": "gradual", "activity_at_onset": "other_sport", "pain_location": "heel"}
    )
    assert codes(result) == ["child_or_adolescent"] and result["disposition"] == "see_clinician"
    assert result["structure"]["likely"] == "not_a_calf_strain"
    assert "Sever" in result["structure"]["signs"][0]
    assert result["start_phase"] is None


def test_a_child_with_a_clear_calf_strain_keeps_the_plan_with_a_parent_or_coach_involved() -> None:
    result = assess(**{**INTERVALS, "age": 14})
    assert codes(result) == ["child_or_adolescent"] and result["disposition"] == "see_clinician"
    assert result["structure"]["likely"] == "gastrocnemius" and result["start_phase"] == "protect"
    assert "parent or coach" in result["red_flags"][0]["advice"]


def test_an_adult_with_heel_pain_gets_no_child_flag() -> None:
    assert "child_or_adolescent" not in codes(assess(**{**CLEAR_SCREEN, "age": 16, "pain_location": "heel"}))


# --- the screen ---


def test_an_assessment_with_every_safety_answer_blank_says_the_screen_was_not_completed_first() -> None:
    blank = {k: v for k, v in INTERVALS.items() if k not in SCREEN_REQUIRED}
    result = assess(**blank)
    assert result["screen_complete"] is False
    assert set(result["screen_missing"]) == set(SCREEN_REQUIRED)
    assert result["warnings"] and "safety questions were not answered" in result["warnings"][0]
    assert result["advice"][0] == result["warnings"][0], "the warning comes first"
    assert result["rules"][0]["id"] == "triage.screen_incomplete"


def test_a_partly_answered_screen_counts_what_is_missing() -> None:
    partial = {k: v for k, v in INTERVALS.items() if k not in ("dark_urine", "calf_rock_hard")}
    result = assess(**partial)
    assert result["screen_complete"] is False and result["screen_missing"] == ["calf_rock_hard", "dark_urine"]
    assert result["warnings"][0].startswith(f"2 of the {len(SCREEN_REQUIRED)} safety questions")


def test_a_fully_answered_screen_is_complete_and_warns_nothing() -> None:
    result = assess(**INTERVALS)
    assert result["screen_complete"] is True and result["warnings"] == [] and result["screen_missing"] == []
    assert screen_complete(parse_assessment_answers(INTERVALS))
    assert screen_missing(TriageAnswers()) == SCREEN_REQUIRED


# --- acute advice only when acute ---


def test_first_days_advice_only_while_the_injury_is_acute() -> None:
    fresh = assess(**INTERVALS)
    assert fresh["advice"][: len(ACUTE_ADVICE)] == list(ACUTE_ADVICE)
    old = assess(**{**INTERVALS, "days_since_onset": 20})
    assert not any("first 1–3 days" in a for a in old["advice"])
    assert old["advice"][: len(LATER_ADVICE)] == list(LATER_ADVICE)
    assert any(r["id"] == "triage.not_acute" for r in old["rules"])


# --- the check-in screen read with the episode's story ---


def test_a_check_in_night_ache_on_day_1_after_intervals_is_not_a_stress_fracture_with_the_story() -> None:
    story = parse_assessment_answers(INTERVALS)
    screen = TriageAnswers(night_or_rest_pain=True)
    assert [f.code for f in red_flags(screen)] == ["stress_fracture"], "without the story it is flagged"
    assert red_flags(screen_with_story(screen, story, days_since_onset=1)) == []
    later = red_flags(screen_with_story(screen, story, days_since_onset=12))
    assert [f.code for f in later] == ["stress_fracture"]


def test_a_check_in_screen_borrows_medicines_but_never_the_age_rules() -> None:
    story = parse_assessment_answers({**INTERVALS, "age": 13, "medicines": ["anticoagulant"]})
    screen = TriageAnswers(calf_bigger_than_other=True)
    codes_ = {f.code: f.urgency for f in red_flags(screen_with_story(screen, story, days_since_onset=3))}
    assert codes_ == {"dvt": "urgent", "medicine_related": "urgent"}
    quiet = red_flags(screen_with_story(TriageAnswers(breathless_or_chest_pain=False), story, days_since_onset=3))
    assert quiet == [], "a child's or an older runner's age flag is raised at triage, not at every check-in"
    mine = screen_with_story(TriageAnswers(onset="gradual"), story, days_since_onset=3)
    assert mine.onset == "gradual", "the screen's own answers are never overwritten"
