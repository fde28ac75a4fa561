"""Red flags: every code fires on its signs, with the contract's urgency, and a convincing strain story never
removes or softens one (Zaleski 2017)."""

from __future__ import annotations

import random
from dataclasses import fields
from typing import Any

import pytest

from calfcare.clinical.answers import RED_FLAG_KEYS, TriageAnswers
from calfcare.clinical.redflags import (
    CODES,
    DISPOSITION_ORDER,
    EMERGENCY_ADVICE,
    MIN_URGENCY,
    RedFlag,
    disposition,
    red_flags,
)
from calfcare.clinical.rules import RULES
from calfcare.clinical.sources import SOURCES

# A textbook gastrocnemius strain: sudden in intervals, upper inner calf, sharp, worse with the knee straight.
STRAIN: dict[str, Any] = {
    "age": 34,
    "onset": "sudden",
    "activity_at_onset": "sprint_or_intervals",
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_rest": 1,
    "pain_walking": 3,
    "walks_normally": True,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 12,
    "single_leg_heel_raises_other": 26,
    "pain_loading_knee_straight": 6,
    "pain_loading_knee_bent": 2,
}

# (case id, answers, expected code, with the strain story merged in?)
CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    ("pe-breathless", {"breathless_or_chest_pain": True}, "pulmonary_embolism", False),
    ("pe-coughing-blood-after-sprint", {"coughing_blood": True}, "pulmonary_embolism", True),
    ("pe-fainting-after-sprint", {"fainting_or_racing_heart": True}, "pulmonary_embolism", True),
    ("acs-rock-hard", {"calf_rock_hard": True}, "acute_compartment_syndrome", False),
    ("acs-escalating-after-sprint", {"pain_escalating_out_of_proportion": True}, "acute_compartment_syndrome", True),
    ("acs-passive-toes-after-sprint", {"pain_moving_toes_passively": True}, "acute_compartment_syndrome", True),
    ("acs-numb-foot-after-sprint", {"foot_numb_or_tingling": True}, "acute_compartment_syndrome", True),
    (
        "acs-numb-foot-after-blow",
        {"foot_numb_or_tingling": True, "direct_blow": True},
        "acute_compartment_syndrome",
        False,
    ),
    ("arterial-cold-foot", {"foot_cold_pale_or_blue": True}, "arterial_compromise", False),
    ("arterial-cold-foot-after-sprint", {"foot_cold_pale_or_blue": True}, "arterial_compromise", True),
    ("ces-saddle", {"saddle_numbness_or_bladder_bowel_change": True}, "cauda_equina", False),
    ("ces-both-legs-after-sprint", {"sciatica_both_legs": True}, "cauda_equina", True),
    ("ces-saddle-after-sprint", {"saddle_numbness_or_bladder_bowel_change": True}, "cauda_equina", True),
    ("dvt-whole-leg", {"whole_leg_swollen": True}, "dvt", False),
    ("dvt-calf-bigger-after-sprint", {"calf_bigger_than_other": True}, "dvt", True),
    ("dvt-warm-skin-after-sprint", {"skin_warm_red_or_dark": True}, "dvt", True),
    ("dvt-risk-gradual", {"clot_risk_factors": ("long_travel",), "onset": "gradual"}, "dvt", False),
    (
        "dvt-risk-walking",
        {"clot_risk_factors": ("hormones",), "onset": "sudden", "activity_at_onset": "walking_or_daily_life"},
        "dvt",
        False,
    ),
    ("dvt-risk-unknown-start", {"clot_risk_factors": ("surgery",)}, "dvt", False),
    ("dvt-previous-clot-after-sprint", {"clot_risk_factors": ("previous_clot",)}, "dvt", True),
    (
        "achilles-snap-no-raise",
        {"felt_snap": True, "pain_location": "achilles", "single_leg_heel_raises_injured": 0},
        "achilles_rupture",
        False,
    ),
    (
        "achilles-kicked-gap-heel",
        {"felt_kicked": True, "pain_location": "heel", "gap_felt": True},
        "achilles_rupture",
        False,
    ),
    (
        "achilles-squeeze-alone",
        {"squeeze_test_no_movement": True, "pain_location": "achilles"},
        "achilles_rupture",
        False,
    ),
    ("achilles-squeeze-after-sprint", {"squeeze_test_no_movement": True}, "achilles_rupture", True),
    (
        "achilles-low-no-raise-after-sprint",
        {"pain_location": "lower_calf", "single_leg_heel_raises_injured": 0},
        "achilles_rupture",
        True,
    ),
    ("infection-fever-redness", {"fever_or_unwell": True, "redness_spreading": True}, "infection", False),
    ("infection-wound-hot-skin", {"wound_bite_or_blister": True, "skin_warm_red_or_dark": True}, "infection", False),
    ("infection-spreading-after-sprint", {"redness_spreading": True}, "infection", True),
    (
        "bakers-knee-swelling-no-moment",
        {
            "knee_swelling_or_arthritis": True,
            "swelling": True,
            "onset": "sudden",
            "activity_at_onset": "walking_or_daily_life",
        },
        "bakers_cyst",
        False,
    ),
    ("bakers-ankle-bruise-alone", {"bruising_around_ankle": True}, "bakers_cyst", False),
    (
        "bakers-knee-ankle-after-sprint",
        {"knee_swelling_or_arthritis": True, "bruising_around_ankle": True},
        "bakers_cyst",
        True,
    ),
    ("bakers-lump-swelling-after-sprint", {"lump_behind_knee": True, "swelling": True}, "bakers_cyst", True),
    ("nerve-foot-drop", {"foot_weak_or_dropping": True}, "nerve_weakness", False),
    ("nerve-foot-drop-after-sprint", {"foot_weak_or_dropping": True}, "nerve_weakness", True),
    ("tear-no-weight", {"can_bear_weight": False}, "severe_muscle_tear", False),
    ("tear-gap-after-sprint", {"gap_felt": True}, "severe_muscle_tear", True),
    ("tear-no-weight-after-sprint", {"can_bear_weight": False}, "severe_muscle_tear", True),
    ("stress-bone-tender", {"bone_point_tender": True}, "stress_fracture", False),
    ("stress-shin-hop", {"pain_location": "shin_bone", "pain_on_hopping": True}, "stress_fracture", False),
    ("stress-bone-tender-after-sprint", {"bone_point_tender": True}, "stress_fracture", True),
    ("stress-night-pain-after-sprint", {"night_or_rest_pain": True}, "stress_fracture", True),
    (
        "radicular-back-numb",
        {"back_pain_or_sciatica": True, "foot_numb_or_tingling": True, "onset": "gradual"},
        "radicular_pain",
        False,
    ),
    ("radicular-sciatica-after-sprint", {"back_pain_or_sciatica": True}, "radicular_pain", True),
    ("radicular-numb-gradual", {"foot_numb_or_tingling": True, "onset": "gradual"}, "radicular_pain", False),
    ("exertional-fixed-point", {"pain_at_fixed_point_of_run_eases_quickly": True}, "exertional_leg_pain", False),
    ("exertional-both-legs", {"both_legs_affected": True}, "exertional_leg_pain", False),
    (
        "exertional-fixed-point-after-sprint",
        {"pain_at_fixed_point_of_run_eases_quickly": True},
        "exertional_leg_pain",
        True,
    ),
    # --- second round (ASSESSMENT.md Additions) ---
    (
        "exertional-pale-only-running",
        {"foot_cold_pale_or_blue": True, "foot_symptoms_only_during_runs": True},
        "exertional_leg_pain",
        True,
    ),
    ("exertional-walking-distance", {"calf_pain_after_fixed_walking_distance": True}, "exertional_leg_pain", False),
    ("rhabdo-dark-urine", {"dark_urine": True}, "rhabdomyolysis", False),
    ("rhabdo-dark-urine-after-sprint", {"dark_urine": True}, "rhabdomyolysis", True),
    ("medicine-statin-both-legs", {"medicines": ("statin",), "both_legs_affected": True}, "medicine_related", False),
    (
        "medicine-anticoagulant-swelling-after-sprint",
        {"medicines": ("anticoagulant",), "swelling": True},
        "medicine_related",
        True,
    ),
    (
        "medicine-quinolone-achilles",
        {"medicines": ("fluoroquinolone",), "pain_location": "achilles"},
        "medicine_related",
        False,
    ),
    ("not-healing-limp", {"days_since_onset": 60, "walks_normally": False}, "not_healing", False),
    (
        "not-healing-no-raise-after-sprint",
        {"days_since_onset": 90, "single_leg_heel_raises_injured": 2},
        "not_healing",
        True,
    ),
    ("child-heel", {"age": 12, "pain_location": "heel"}, "child_or_adolescent", False),
    ("child-strain-after-sprint", {"age": 14}, "child_or_adolescent", True),
    ("dvt-age-no-moment", {"age": 70, "onset": "gradual"}, "dvt", False),
    ("dvt-age-swelling-after-sprint", {"age": 85, "swelling": True}, "dvt", True),
    ("dvt-new-risk-postpartum-after-sprint", {"clot_risk_factors": ("postpartum",)}, "dvt", True),
    (
        "achilles-snap-token-raise",
        {"felt_snap": True, "pain_location": "lower_calf", "single_leg_heel_raises_injured": 2},
        "achilles_rupture",
        False,
    ),
    (
        "infection-dusky-diabetes",
        {"skin_dusky_or_blistering": True, "diabetes_or_weak_immunity": True},
        "infection",
        False,
    ),
    (
        "stress-hop-previous-fracture-after-sprint",
        {"pain_on_hopping": True, "previous_stress_fracture": True},
        "stress_fracture",
        True,
    ),
]


def answers(**values: Any) -> TriageAnswers:
    return TriageAnswers(**values)


def flag(flags: list[RedFlag], code: str) -> RedFlag:
    found = [f for f in flags if f.code == code]
    assert found, f"expected red flag {code}, got {[f.code for f in flags]}"
    return found[0]


@pytest.mark.parametrize(("signs", "code", "with_strain"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_sign_raises_its_flag_with_at_least_the_contract_urgency(
    signs: dict[str, Any], code: str, with_strain: bool
) -> None:
    a = answers(**({**STRAIN, **signs} if with_strain else signs))
    flags = red_flags(a)
    f = flag(flags, code)
    assert DISPOSITION_ORDER.index(f.urgency) >= DISPOSITION_ORDER.index(MIN_URGENCY[code])
    assert set(f.because) <= set(a.given())
    assert set(f.because) & set(signs), "the flag must name the sign that raised it"
    assert disposition(flags) == max((x.urgency for x in flags), key=DISPOSITION_ORDER.index)


def test_every_code_has_two_cases_one_with_a_convincing_strain_story() -> None:
    for code in CODES:
        cases = [c for c in CASES if c[2] == code]
        assert len(cases) >= 2, code
        assert any(c[3] for c in cases), f"{code} needs a case with a strain story"


@pytest.mark.parametrize(("signs", "code"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_adding_a_strain_story_never_removes_or_softens_a_flag(signs: dict[str, Any], code: str) -> None:
    alone = {f.code: f.urgency for f in red_flags(answers(**signs))}
    with_story = {f.code: f.urgency for f in red_flags(answers(**{**STRAIN, **signs}))}
    for c, urgency in alone.items():
        assert c in with_story, f"the strain story removed {c}"
        assert DISPOSITION_ORDER.index(with_story[c]) >= DISPOSITION_ORDER.index(urgency)


def test_a_textbook_strain_raises_no_flag() -> None:
    assert red_flags(answers(**STRAIN)) == []
    assert disposition([]) == "self_care"


def test_nothing_answered_raises_no_flag() -> None:
    assert red_flags(TriageAnswers()) == []


def test_emergency_flags_tell_the_runner_to_call_an_ambulance_now() -> None:
    flags = red_flags(answers(breathless_or_chest_pain=True, calf_rock_hard=True, foot_cold_pale_or_blue=True))
    assert {f.urgency for f in flags} == {"emergency"}
    for f in flags:
        assert f.advice.startswith(EMERGENCY_ADVICE)
        assert "Call an ambulance (999/112/911) or go to an emergency department now" in f.advice


def test_urgent_flags_say_today_and_see_clinician_flags_say_days() -> None:
    urgent = flag(red_flags(answers(calf_bigger_than_other=True)), "dvt")
    assert urgent.urgency == "urgent" and "today" in urgent.advice
    routine = flag(red_flags(answers(bone_point_tender=True)), "stress_fracture")
    assert routine.urgency == "see_clinician" and "next few days" in routine.advice


def test_flags_are_sorted_most_urgent_first_and_disposition_is_the_most_urgent() -> None:
    flags = red_flags(answers(bone_point_tender=True, calf_bigger_than_other=True, coughing_blood=True))
    assert [f.code for f in flags] == ["pulmonary_embolism", "dvt", "stress_fracture"]
    assert disposition(flags) == "emergency"
    assert disposition(flags[1:]) == "urgent"
    assert disposition(flags[2:]) == "see_clinician"


def test_dvt_flag_cites_nice_and_zaleski_and_names_every_sign() -> None:
    f = flag(red_flags(answers(calf_bigger_than_other=True, whole_leg_swollen=True)), "dvt")
    assert f.source_labels == ["NICE NG158", "Zaleski 2017"]
    assert f.because == ("whole_leg_swollen", "calf_bigger_than_other")
    assert f.to_dict()["sources"] == ["NICE NG158", "Zaleski 2017"]


def test_a_clot_risk_factor_is_flagged_even_after_a_clear_sprint_moment() -> None:
    f = flag(red_flags(answers(**STRAIN, clot_risk_factors=("long_travel", "hormones"))), "dvt")
    assert f.urgency == "urgent"
    assert "clot_risk_factors" in f.because
    assert "clear running moment" in f.fired[0].text


def test_a_clot_risk_factor_without_a_running_moment_says_so() -> None:
    f = flag(red_flags(answers(clot_risk_factors=("hormones",), onset="gradual")), "dvt")
    assert "no clear running moment" in f.fired[0].text


def test_pain_on_hopping_alone_is_expected_with_a_strain_and_not_a_fracture_flag() -> None:
    assert red_flags(answers(**STRAIN, pain_on_hopping=True)) == []


def test_a_snap_with_no_heel_raise_high_in_the_calf_is_a_big_tear_not_an_achilles_rupture() -> None:
    codes = [f.code for f in red_flags(answers(**{**STRAIN, "felt_snap": True, "gap_felt": True}))]
    assert codes == ["severe_muscle_tear"]


def test_the_shared_achilles_story_raises_achilles_rupture_naming_its_signs() -> None:
    a = answers(
        felt_snap=True,
        felt_kicked=True,
        pain_location="achilles",
        single_leg_heel_raises_injured=0,
        squeeze_test_no_movement=True,
        onset="sudden",
        activity_at_onset="other_sport",
    )
    f = flag(red_flags(a), "achilles_rupture")
    assert f.urgency == "urgent"
    assert {"felt_snap", "single_leg_heel_raises_injured", "squeeze_test_no_movement"} <= set(f.because)
    assert f.source_labels == ["Maffulli 1998", "BJGP 2015"]


def test_fever_with_spreading_redness_and_escalating_pain_is_an_emergency_infection() -> None:
    flags = red_flags(answers(fever_or_unwell=True, redness_spreading=True, pain_escalating_out_of_proportion=True))
    assert flag(flags, "infection").urgency == "emergency"


def test_screen_keys_alone_work_at_a_check_in() -> None:
    screen = answers(clot_risk_factors=("cast_or_boot",), foot_weak_or_dropping=True)
    assert screen.given() <= set(RED_FLAG_KEYS)
    codes = {f.code for f in red_flags(screen)}
    assert {"dvt", "nerve_weakness", "acute_compartment_syndrome"} <= codes


def test_every_yes_on_the_screen_alone_raises_some_flag() -> None:
    quiet = {"pain_on_hopping", "wound_bite_or_blister", "fever_or_unwell", "clot_risk_factors", "lump_behind_knee"}
    for f in fields(TriageAnswers):
        if f.name in RED_FLAG_KEYS and f.name not in quiet:
            assert red_flags(answers(**{f.name: True})), f.name


def test_every_flag_has_registered_rules_and_known_sources() -> None:
    for _, signs, code, _ in CASES:
        f = flag(red_flags(answers(**signs)), code)
        assert f.fired and all(x.rule.id in RULES for x in f.fired)
        assert f.sources and all(k in SOURCES for k in f.sources)
        assert set(f.to_dict()) == {"code", "urgency", "because", "advice", "sources"}


def test_a_strain_story_never_removes_a_flag_from_random_screen_answers() -> None:
    rng = random.Random(20260125)
    screen = [k for k in RED_FLAG_KEYS if k != "clot_risk_factors"]
    for _ in range(400):
        values: dict[str, Any] = {k: rng.random() < 0.5 for k in rng.sample(screen, rng.randint(1, 4))}
        if rng.random() < 0.3:
            values["clot_risk_factors"] = ("long_travel",)
        alone = {f.code: f.urgency for f in red_flags(answers(**values))}
        story = {f.code: f.urgency for f in red_flags(answers(**{**STRAIN, **values}))}
        for code, urgency in alone.items():
            assert code in story, (values, code)
            assert DISPOSITION_ORDER.index(story[code]) >= DISPOSITION_ORDER.index(urgency), (values, code)
