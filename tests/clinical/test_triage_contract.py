"""The triage result against the contract (/work/shared/spec/ASSESSMENT.md): the shared examples, our own similar
stories, the exact result keys and types, no plan with urgent flags, and every fired rule shown with its sources."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.context import TrainingEvidence
from calfcare.clinical.rules import RULES
from calfcare.clinical.sources import SOURCES
from calfcare.clinical.triage import triage
from calfcare.contracts.assessment import parse_assessment_answers

SHARED = Path(os.environ.get("CALFCARE_SHARED", Path(__file__).resolve().parents[3] / "shared"))
EXAMPLES = SHARED / "spec" / "examples"
CONTRACT_KEYS = {"disposition", "red_flags", "structure", "severity", "start_phase", "reasons", "sources"}
REASON = re.compile(r"^.+ \(rule: (?P<id>[a-z0-9_.]+); source: (?P<labels>.+)\)$")

# (file name, expected disposition, expected flag code or None, expected structure or None)
SHARED_EXAMPLES = [
    ("gastrocnemius-strides.json", "self_care", None, "gastrocnemius"),
    ("soleus-build-up.json", "self_care", None, "soleus"),
    ("clot-after-travel.json", "urgent", "dvt", None),
    ("achilles-snap.json", "urgent", "achilles_rupture", None),
]

# Our own stories, similar to the shared ones but written here.
OWN: dict[str, dict[str, Any]] = {
    "gastrocnemius": {
        "age": 31,
        "sex": "male",
        "side": "left",
        "days_since_onset": 0.5,
        "onset": "sudden",
        "activity_at_onset": "hills",
        "felt_kicked": False,
        "pain_location": "upper_inner_calf",
        "pain_character": "sharp",
        "pain_rest": 2,
        "pain_walking": 5,
        "walks_normally": False,
        "can_bear_weight": True,
        "single_leg_heel_raises_injured": 3,
        "single_leg_heel_raises_other": 28,
        "pain_loading_knee_straight": 7,
        "pain_loading_knee_bent": 3,
        "recent_speedwork_increase": True,
        "breathless_or_chest_pain": False,
        "calf_bigger_than_other": False,
        "clot_risk_factors": [],
    },
    "soleus": {
        "age": 52,
        "sex": "female",
        "days_since_onset": 2,
        "onset": "gradual",
        "activity_at_onset": "steady_run",
        "pain_location": "lower_calf",
        "pain_character": "tight_or_cramping",
        "pain_walking": 1,
        "walks_normally": True,
        "pain_loading_knee_straight": 0,
        "pain_loading_knee_bent": 4,
        "recent_mileage_increase": True,
        "previous_calf_strains": 1,
        "skin_warm_red_or_dark": False,
        "clot_risk_factors": [],
    },
    "clot": {
        "age": 38,
        "days_since_onset": 3,
        "onset": "gradual",
        "activity_at_onset": "none",
        "pain_location": "whole_calf",
        "pain_character": "aching",
        "whole_leg_swollen": True,
        "clot_risk_factors": ["surgery"],
    },
    "achilles": {
        "age": 45,
        "onset": "sudden",
        "activity_at_onset": "jumping_or_lunging",
        "felt_snap": True,
        "pain_location": "heel",
        "gap_felt": True,
        "single_leg_heel_raises_injured": 0,
        "walks_normally": False,
    },
}


def run(data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return triage(parse_assessment_answers(data), **kw).to_contract()


@pytest.fixture
def shared_examples() -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the shared examples are not at {EXAMPLES}")
    return EXAMPLES


def check_expected(result: dict[str, Any], disposition: str, code: str | None, structure: str | None) -> None:
    assert result["disposition"] == disposition
    codes = [f["code"] for f in result["red_flags"]]
    if code is None:
        assert codes == []
        assert result["start_phase"] is not None and result["opens_episode"] is True
    else:
        assert code in codes
        assert result["start_phase"] is None and result["opens_episode"] is False
        assert result["where_to_go"] and "today" in result["where_to_go"]
    if structure is not None:
        assert result["structure"]["likely"] == structure


@pytest.mark.parametrize(("name", "disposition", "code", "structure"), SHARED_EXAMPLES)
def test_shared_examples_give_what_the_readme_expects(
    shared_examples: Path, name: str, disposition: str, code: str | None, structure: str | None
) -> None:
    result = run(json.loads((shared_examples / name).read_text()))
    check_expected(result, disposition, code, structure)


@pytest.mark.parametrize(
    ("story", "disposition", "code", "structure"),
    [
        ("gastrocnemius", "self_care", None, "gastrocnemius"),
        ("soleus", "self_care", None, "soleus"),
        ("clot", "urgent", "dvt", "not_a_calf_strain"),
        ("achilles", "urgent", "achilles_rupture", "unclear"),
    ],
)
def test_our_own_stories_give_the_same_kind_of_result(
    story: str, disposition: str, code: str | None, structure: str | None
) -> None:
    check_expected(run(OWN[story]), disposition, code, structure)


@pytest.mark.parametrize("story", sorted(OWN))
def test_result_has_every_contract_key_with_the_right_types(story: str) -> None:
    r = run(OWN[story])
    assert set(r) >= CONTRACT_KEYS
    assert r["disposition"] in ("emergency", "urgent", "see_clinician", "self_care")
    for f in r["red_flags"]:
        assert set(f) == {"code", "urgency", "because", "advice", "sources"}
        assert f["urgency"] in ("emergency", "urgent", "see_clinician")
        assert all(isinstance(k, str) for k in f["because"]) and f["because"]
        assert isinstance(f["advice"], str) and f["advice"]
        assert f["sources"] and all(isinstance(s, str) for s in f["sources"])
    s = r["structure"]
    assert set(s) == {"likely", "likelihoods", "signs"}
    assert s["likely"] in ("gastrocnemius", "soleus", "unclear", "not_a_calf_strain")
    assert set(s["likelihoods"]) == {"gastrocnemius", "soleus"}
    assert abs(sum(s["likelihoods"].values()) - 1.0) < 1e-9
    assert all(isinstance(x, str) for x in s["signs"])
    sev = r["severity"]
    assert set(sev) == {"estimate", "return_to_run_days"}
    assert sev["estimate"] in ("mild", "moderate", "severe", None)
    days = sev["return_to_run_days"]
    assert days is None or (isinstance(days, list) and len(days) == 2 and 0 < days[0] <= days[1])
    assert r["start_phase"] in ("protect", "mobility", "strength", "return_to_run", "full_training", None)
    assert r["reasons"] and all(isinstance(x, str) for x in r["reasons"])
    assert r["sources"] and all(isinstance(x, str) for x in r["sources"])
    json.dumps(r)  # JSON-ready


@pytest.mark.parametrize("story", sorted(OWN))
def test_every_reason_names_a_registered_rule_and_its_sources_are_listed(story: str) -> None:
    r = run(OWN[story])
    labels = {s.label for s in SOURCES.values()}
    for text in r["reasons"]:
        m = REASON.match(text)
        assert m, text
        assert m["id"] in RULES
        for label in RULES[m["id"]].source_labels:
            assert label in m["labels"] and label in r["sources"]
    assert set(r["sources"]) <= labels
    for flag in r["red_flags"]:
        assert set(flag["sources"]) <= set(r["sources"])
    assert [x["id"] for x in r["rules"]] == [REASON.match(t)["id"] for t in r["reasons"]]  # type: ignore[index]


def test_an_emergency_says_call_an_ambulance_and_gives_no_plan() -> None:
    r = run({**OWN["gastrocnemius"], "breathless_or_chest_pain": True})
    assert r["disposition"] == "emergency"
    assert r["start_phase"] is None and r["opens_episode"] is False
    assert r["where_to_go"].startswith("Call an ambulance (999/112/911) or go to an emergency department now")
    assert r["severity"] == {"estimate": None, "return_to_run_days": None}


def test_a_see_clinician_flag_keeps_the_plan_and_its_advice() -> None:
    r = run({**OWN["gastrocnemius"], "can_bear_weight": False})
    assert r["disposition"] == "see_clinician"
    assert r["start_phase"] == "protect"
    assert r["severity"]["estimate"] == "severe"
    assert any("next day or two" in a for a in r["advice"])


def test_a_non_strain_see_clinician_flag_starts_no_strain_plan() -> None:
    r = run({**OWN["soleus"], "bone_point_tender": True})
    assert r["disposition"] == "see_clinician"
    assert r["structure"]["likely"] == "not_a_calf_strain"
    assert r["start_phase"] is None and r["opens_episode"] is False


def test_a_blow_to_the_calf_gets_contusion_advice_and_no_strain_plan() -> None:
    r = run({"direct_blow": True, "onset": "sudden", "pain_location": "mid_calf"})
    assert r["disposition"] == "self_care"
    assert r["structure"]["likely"] == "not_a_calf_strain"
    assert r["start_phase"] is None
    assert any("bruise" in a for a in r["advice"])


def test_self_care_advice_follows_peace_and_love() -> None:
    advice = " ".join(run(OWN["gastrocnemius"])["advice"])
    assert "anti-inflammatory" in advice and "Ice is optional" in advice
    assert any(x["id"] == "triage.acute_care" for x in run(OWN["gastrocnemius"])["rules"])


def test_start_phase_moves_on_with_days_and_walking() -> None:
    base = {"onset": "sudden", "activity_at_onset": "sprint_or_intervals", "pain_location": "upper_inner_calf"}
    assert run({**base, "days_since_onset": 1, "walks_normally": True})["start_phase"] == "protect"
    assert run({**base, "days_since_onset": 4, "walks_normally": True, "pain_rest": 1})["start_phase"] == "mobility"
    assert run({**base, "days_since_onset": 4, "walks_normally": False})["start_phase"] == "protect"
    later = {
        **base,
        "days_since_onset": 9,
        "walks_normally": True,
        "pain_walking": 0,
        "pain_rest": 0,
        "single_leg_heel_raises_injured": 12,
    }
    assert run(later)["start_phase"] == "strength"


def test_training_evidence_reaches_the_structure_and_the_reasons() -> None:
    spike = TrainingEvidence("long_run_spike", "soleus", 0.8, "a long run 40 % longer than any in the month before")
    a = TriageAnswers(onset="gradual", pain_location="mid_calf")
    r = triage(a, evidence=[spike]).to_contract()
    assert any("40 % longer" in s for s in r["structure"]["signs"])
    assert any("triage.structure.training_files" in t for t in r["reasons"])


def test_extra_keys_are_useful_and_honest() -> None:
    r = run(OWN["gastrocnemius"])
    assert r["reassess_on_day"] == 5
    assert "not a diagnosis" in r["disclaimer"]
    assert "typical ranges in studied athletes" in r["estimate_label"]
    assert all({"id", "text", "sources", "evidence"} <= set(x) for x in r["rules"])


def test_an_empty_answer_set_is_self_care_with_an_unclear_structure() -> None:
    r = triage(TriageAnswers()).to_contract()
    assert r["disposition"] == "self_care"
    assert r["structure"]["likely"] == "unclear"
    assert r["severity"]["estimate"] is None
    assert r["start_phase"] == "protect"
