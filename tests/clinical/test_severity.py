"""Severity estimate and typical days to running: mild / moderate / severe, longer for soleus, older runners,
previous strains and running-related injuries; nothing when unknown or not a strain."""

from __future__ import annotations

from typing import Any

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.severity import BASE_DAYS, LABEL, MAX_FACTOR, estimate_severity

MILD: dict[str, Any] = {
    "walks_normally": True,
    "can_bear_weight": True,
    "pain_walking": 1,
    "pain_rest": 0,
    "single_leg_heel_raises_injured": 20,
    "single_leg_heel_raises_other": 24,
}
MODERATE: dict[str, Any] = {
    "walks_normally": False,
    "can_bear_weight": True,
    "pain_walking": 5,
    "pain_rest": 2,
    "single_leg_heel_raises_injured": 6,
    "single_leg_heel_raises_other": 25,
}
SEVERE: dict[str, Any] = {
    "walks_normally": False,
    "can_bear_weight": False,
    "pain_walking": 8,
    "pain_rest": 6,
    "single_leg_heel_raises_injured": 0,
    "felt_snap": True,
}


def est(likely: str = "gastrocnemius", **values: Any) -> Any:
    return estimate_severity(TriageAnswers(**values), likely=likely)


def test_walking_normally_with_little_pain_is_mild_with_the_base_range() -> None:
    s = est(**MILD)
    assert s.estimate == "mild"
    assert s.return_to_run_days == BASE_DAYS["mild"]


def test_a_limp_and_a_big_heel_raise_deficit_is_moderate() -> None:
    s = est(**MODERATE)
    assert s.estimate == "moderate"
    assert s.return_to_run_days == BASE_DAYS["moderate"]


def test_cannot_bear_weight_after_a_snap_is_severe() -> None:
    s = est(**SEVERE)
    assert s.estimate == "severe"
    assert s.return_to_run_days == BASE_DAYS["severe"]


def test_the_ranges_grow_with_severity() -> None:
    mild, moderate, severe = (est(**x).return_to_run_days for x in (MILD, MODERATE, SEVERE))
    assert mild[1] <= moderate[1] < severe[0]


def test_few_heel_raises_compared_with_the_other_leg_make_it_moderate() -> None:
    assert est(walks_normally=True, single_leg_heel_raises_injured=8, single_leg_heel_raises_other=30).estimate == (
        "moderate"
    )
    assert est(walks_normally=True, single_leg_heel_raises_injured=26, single_leg_heel_raises_other=30).estimate == (
        "mild"
    )


def test_soleus_takes_longer_than_gastrocnemius() -> None:
    g = est("gastrocnemius", **MODERATE).return_to_run_days
    s = est("soleus", **MODERATE).return_to_run_days
    assert s[0] > g[0] and s[1] > g[1]


def test_older_runners_take_longer_and_over_fifty_longer_still() -> None:
    young, forties, fifties = (est(**MILD, age=a).return_to_run_days[1] for a in (30, 45, 55))
    assert young < forties < fifties


def test_previous_calf_strains_lengthen_the_range() -> None:
    assert est(**MILD, previous_calf_strains=2).return_to_run_days[1] > est(**MILD).return_to_run_days[1]
    assert any(f.rule.id == "triage.severity.previous_strain" for f in est(**MILD, previous_calf_strains=1).fired)


def test_a_running_mechanism_lengthens_the_range() -> None:
    running = est(**MILD, activity_at_onset="long_run").return_to_run_days
    other = est(**MILD, activity_at_onset="jumping_or_lunging").return_to_run_days
    assert running[1] > other[1]


def test_all_factors_together_are_capped() -> None:
    s = est("soleus", **MODERATE, age=60, previous_calf_strains=3, activity_at_onset="long_run", days_since_onset=8)
    lo, hi = BASE_DAYS["moderate"]
    assert s.return_to_run_days == (round(lo * MAX_FACTOR), round(hi * MAX_FACTOR))


def test_too_little_information_gives_no_estimate() -> None:
    s = est(walks_normally=True)
    assert s.estimate is None and s.return_to_run_days is None
    assert s.to_dict() == {"estimate": None, "return_to_run_days": None}


def test_not_a_calf_strain_gives_no_estimate() -> None:
    s = est("not_a_calf_strain", **SEVERE)
    assert (s.estimate, s.return_to_run_days) == (None, None)


def test_early_estimates_ask_for_a_regrade_at_day_five_to_seven() -> None:
    early = est(**MODERATE, days_since_onset=1)
    assert early.reassess_on_day == 5
    assert any(f.rule.id == "triage.severity.regrade" and "day 5" in f.text for f in early.fired)
    assert est(**MODERATE, days_since_onset=9).reassess_on_day is None


def test_the_estimate_is_labelled_as_typical_ranges_in_studied_athletes() -> None:
    assert "typical ranges in studied athletes" in LABEL
    assert any("studied athletes" in f.text for f in est(**MILD).fired)
