"""Which muscle is likely hurt: gastrocnemius stories, soleus stories, too few signs, and stories that point away
from a strain."""

from __future__ import annotations

from typing import Any

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.context import TrainingEvidence
from calfcare.clinical.redflags import red_flags
from calfcare.clinical.rules import RULES
from calfcare.clinical.structure import CAP, THRESHOLD, structure_likelihood

GASTROC: dict[str, Any] = {
    "onset": "sudden",
    "activity_at_onset": "jumping_or_lunging",
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_loading_knee_straight": 5,
    "pain_loading_knee_bent": 1,
}
SOLEUS: dict[str, Any] = {
    "onset": "gradual",
    "activity_at_onset": "steady_run",
    "pain_location": "lower_calf",
    "pain_character": "tight_or_cramping",
    "pain_loading_knee_straight": 1,
    "pain_loading_knee_bent": 4,
}


def likely(**values: Any) -> Any:
    a = TriageAnswers(**values)
    return structure_likelihood(a, red_flags(a))


def test_sudden_jump_upper_inner_sharp_knee_straight_pain_is_likely_gastrocnemius() -> None:
    s = likely(**GASTROC)
    assert s.likely == "gastrocnemius"
    assert s.gastrocnemius >= THRESHOLD
    assert "pain in the upper inner calf" in s.to_dict()["signs"]


def test_gradual_steady_run_low_calf_cramping_knee_bent_pain_is_likely_soleus() -> None:
    s = likely(**SOLEUS)
    assert s.likely == "soleus"
    assert s.soleus >= THRESHOLD
    assert any("knee bent" in sign for sign in s.to_dict()["signs"])


def test_likelihoods_sum_to_one_and_never_exceed_the_cap() -> None:
    for story in (GASTROC, SOLEUS, {}):
        s = likely(**story)
        assert abs(s.gastrocnemius + s.soleus - 1.0) < 1e-9
        assert 1 - CAP - 1e-9 <= s.gastrocnemius <= CAP + 1e-9


def test_a_single_sign_is_too_few_to_call_a_muscle() -> None:
    assert likely(pain_location="upper_inner_calf").likely == "unclear"
    assert likely().likely == "unclear"


def test_mixed_signs_stay_unclear() -> None:
    s = likely(onset="sudden", activity_at_onset="long_run", pain_location="mid_calf", pain_character="burning")
    assert s.likely == "unclear"


def test_knee_bent_loading_pain_shifts_the_balance_towards_soleus() -> None:
    base = {"onset": "sudden", "activity_at_onset": "hills"}
    bent = likely(**base, pain_loading_knee_straight=0, pain_loading_knee_bent=5)
    straight = likely(**base, pain_loading_knee_straight=5, pain_loading_knee_bent=0)
    assert bent.soleus > straight.soleus


def test_training_file_evidence_counts_and_is_shown_as_a_sign() -> None:
    a = TriageAnswers(onset="sudden", activity_at_onset="hills", pain_location="mid_calf")
    spike = TrainingEvidence("mileage_spike", "soleus", 1.0, "weekly distance rose 45 % in week -2")
    without = structure_likelihood(a)
    with_files = structure_likelihood(a, evidence=[spike])
    assert with_files.soleus > without.soleus
    assert "training files: weekly distance rose 45 % in week -2" in [s.text for s in with_files.signs]
    assert any(f.rule.id == "triage.structure.training_files" for f in with_files.fired)


def test_evidence_favouring_neither_muscle_does_not_count() -> None:
    a = TriageAnswers(**GASTROC)
    neutral = TrainingEvidence("shoe_or_device_change", None, 1.0, "new shoes")
    assert structure_likelihood(a, evidence=[neutral]).gastrocnemius == structure_likelihood(a).gastrocnemius


def test_a_direct_blow_is_not_a_calf_strain() -> None:
    s = likely(**GASTROC, direct_blow=True)
    assert s.likely == "not_a_calf_strain"
    assert "contusion" in s.to_dict()["signs"][0]


def test_a_non_strain_red_flag_means_not_a_calf_strain_even_with_a_strain_story() -> None:
    for extra in (
        {"calf_bigger_than_other": True},
        {"back_pain_or_sciatica": True},
        {"bone_point_tender": True},
        {"pain_at_fixed_point_of_run_eases_quickly": True},
        {"foot_cold_pale_or_blue": True},
    ):
        assert likely(**GASTROC, **extra).likely == "not_a_calf_strain", extra


def test_a_big_tear_flag_keeps_the_muscle_likelihood() -> None:
    assert likely(**GASTROC, can_bear_weight=False).likely == "gastrocnemius"


def test_a_suspected_achilles_rupture_leaves_the_muscle_unclear() -> None:
    s = likely(**GASTROC, squeeze_test_no_movement=True)
    assert s.likely == "unclear"
    assert "Achilles" in s.to_dict()["signs"][0]


def test_every_sign_comes_from_a_registered_rule() -> None:
    for story in (
        GASTROC,
        SOLEUS,
        {
            "forefoot_runner": True,
            "recent_mileage_increase": True,
            "recent_speedwork_increase": True,
            "felt_kicked": True,
        },
    ):
        s = likely(**story)
        assert s.fired and all(f.rule.id in RULES and f.rule.sources for f in s.fired)
