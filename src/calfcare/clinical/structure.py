"""Which calf muscle is more likely hurt — gastrocnemius or soleus — from the story and the self-tests.

A likelihood, never a diagnosis: only imaging separates the two reliably and many injuries involve both
(Werner 2017: 11 %). Each sign adds a log-odds weight (positive favours gastrocnemius, negative soleus); the sum is
turned into probabilities with the logistic function and capped at 0.9 / 0.1. The weights are round numbers chosen to
rank the signs as REFERENCE.md §2 and Green 2022 describe them — they are *not* fitted to data (no
diagnostic-accuracy study exists).

Weights (log-odds, + gastrocnemius / − soleus):

| sign | weight |
|---|---|
| sprint/intervals, jumping or lunging at onset | +1.0 |
| other sport at onset | +0.3 |
| steady run / long run / hills at onset | −0.8 / −1.0 / −0.3 |
| sudden onset / gradual onset | +0.7 / −0.9 |
| felt a snap or a kick | +0.6 |
| upper inner / upper outer calf / behind the knee | +1.2 / +0.8 / +0.3 |
| lower calf / at the Achilles | −1.0 / −0.5 |
| sharp / tight or cramping / aching | +0.6 / −0.6 / −0.2 |
| knee-straight loading hurts ≥2 more (1 more) than knee-bent | +1.0 (+0.4), mirrored for soleus |
| forefoot runner | −0.3 |
| recent mileage increase / speed-work increase | −0.5 / +0.5 |
| a finding in the runner's training files | ±0.6 × its strength |
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from calfcare.clinical.answers import CHILD_UNDER_AGE, TriageAnswers, is_yes
from calfcare.clinical.context import TrainingEvidence
from calfcare.clinical.redflags import NOT_A_STRAIN_CODES, RedFlag
from calfcare.clinical.rules import Fired, Rule, rule

Likely = Literal["gastrocnemius", "soleus", "unclear", "not_a_calf_strain"]

THRESHOLD = 0.6  # a muscle is "likely" at or above this probability
MIN_SIGNS = 2  # fewer counted signs than this → "unclear"
CAP = 0.9  # no clinical story makes one muscle more than 90 % likely

_STORY = ("green2022", "dixon2009")
R_MECHANISM = rule(
    "triage.structure.mechanism",
    "Sprinting, intervals, jumping or lunging at onset favour gastrocnemius; steady or long running and hills favour "
    "soleus.",
    _STORY,
    "expert_consensus",
    "Telling the two muscles apart without imaging is uncertain; no diagnostic-accuracy study exists.",
)
R_ONSET = rule(
    "triage.structure.onset",
    "A sudden, obvious onset (a pop, a kick) favours gastrocnemius; tightness building over a run or days favours "
    "soleus.",
    _STORY,
    "expert_consensus",
)
R_LOCATION = rule(
    "triage.structure.location",
    "Pain in the upper (especially inner) calf favours gastrocnemius; lower or deep calf pain, either side of the "
    "Achilles, favours soleus.",
    _STORY,
    "expert_consensus",
)
R_CHARACTER = rule(
    "triage.structure.character",
    "Sharp pain favours gastrocnemius; tightness or cramping favours soleus.",
    ("green2022",),
    "expert_consensus",
)
R_LOADING = rule(
    "triage.structure.knee_bent_pain",
    "Pain loading with the knee straight (straight-knee heel raise or stretch) favours gastrocnemius; pain loading "
    "with the knee bent favours soleus.",
    ("dixon2009", "green2022"),
    "weak",
    "The knee-straight / knee-bent contrast comes from physio summaries citing Dixon; experts say no single test "
    "settles which muscle is hurt.",
)
R_FOREFOOT = rule(
    "triage.structure.forefoot",
    "Landing on the forefoot loads the plantarflexors (Achilles and soleus) more, so it slightly favours soleus.",
    ("almonroeder2013",),
    "weak",
    "Modelling study of Achilles load; no study links foot strike directly to calf strains.",
)
R_TRAINING_CHANGE = rule(
    "triage.structure.training_change",
    "A recent rise in weekly distance favours soleus; more speed work, sprints or hills favours gastrocnemius.",
    ("green2022", "green2020_sjmss"),
    "expert_consensus",
)
R_FILES = rule(
    "triage.structure.training_files",
    "Findings from the runner's own training files (mileage spikes, more speed work) count like the answers about "
    "training changes, weighted by how marked they were.",
    ("green2022", "frandsen2025"),
    "weak",
    "Load changes are associated with injury in general; their link to one calf muscle is expert opinion.",
)
R_CAP = rule(
    "triage.structure.likely_not_certain",
    "The result is a likelihood: one muscle is 'likely' at ≥60 % with at least two signs, and never above 90 %, "
    "because both muscles can be hurt together and only imaging can tell.",
    ("green2022", "werner2017"),
    "expert_consensus",
)
R_BLOW = rule(
    "triage.structure.direct_blow",
    "Something hitting the calf makes it a bruise of the muscle (contusion), not a strain.",
    ("mueller_wohlfahrt2013",),
    "expert_consensus",
)
R_CHILD_HEEL = rule(
    "triage.structure.child_heel_pain",
    "Under 16, heel pain is treated as calcaneal apophysitis (Sever's disease), not a calf strain.",
    ("severs_children",),
    "weak",
    "REFERENCE.md states the rule without a retrieved primary source.",
)
R_ELSEWHERE = rule(
    "triage.structure.red_flag_explains",
    "When a red flag for a clot, a nerve, the spine, a bone, an artery, infection, a knee cyst or a compartment "
    "problem is present, the calf pain is not treated as a strain.",
    ("nice_ng158", "zaleski2017", "msd_radicular", "statpearls_stress", "fpnotebook_cecs"),
    "expert_consensus",
)

_ACTIVITY: dict[str, tuple[float, str]] = {
    "sprint_or_intervals": (1.0, "it started during sprints or intervals"),
    "jumping_or_lunging": (1.0, "it started jumping or lunging"),
    "other_sport": (0.3, "it started during another sport"),
    "hills": (-0.3, "it started running hills"),
    "steady_run": (-0.8, "it started on a steady run"),
    "long_run": (-1.0, "it started on a long run"),
}
_LOCATION: dict[str, tuple[float, str]] = {
    "upper_inner_calf": (1.2, "pain in the upper inner calf"),
    "upper_outer_calf": (0.8, "pain in the upper outer calf"),
    "behind_knee": (0.3, "pain just below the back of the knee"),
    "lower_calf": (-1.0, "pain low in the calf"),
    "achilles": (-0.5, "pain next to the Achilles"),
}
_CHARACTER: dict[str, tuple[float, str]] = {
    "sharp": (0.6, "sharp pain"),
    "tight_or_cramping": (-0.6, "tightness or cramping"),
    "aching": (-0.2, "aching pain"),
}


@dataclass(frozen=True)
class Sign:
    text: str  # plain words, shown to the runner
    weight: float  # log-odds, + gastrocnemius / − soleus
    rule: Rule


@dataclass(frozen=True)
class StructureLikelihood:
    likely: Likely
    gastrocnemius: float
    soleus: float
    signs: tuple[Sign, ...]
    fired: tuple[Fired, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "likely": self.likely,
            "likelihoods": {"gastrocnemius": self.gastrocnemius, "soleus": self.soleus},
            "signs": [s.text for s in self.signs],
        }


def _loading_sign(a: TriageAnswers) -> Sign | None:
    straight, bent = a.pain_loading_knee_straight, a.pain_loading_knee_bent
    if straight is None or bent is None or straight == bent:
        return None
    diff = straight - bent
    size = 1.0 if abs(diff) >= 2 else 0.4
    if diff > 0:
        return Sign(f"loading hurts more with the knee straight ({straight}/10 vs {bent}/10)", size, R_LOADING)
    return Sign(f"loading hurts more with the knee bent ({bent}/10 vs {straight}/10)", -size, R_LOADING)


def structure_signs(a: TriageAnswers, evidence: Sequence[TrainingEvidence] = ()) -> list[Sign]:
    """Every sign in the answers (and training files) that points to one muscle or the other."""
    signs: list[Sign] = []
    if a.activity_at_onset in _ACTIVITY:
        w, text = _ACTIVITY[a.activity_at_onset]
        signs.append(Sign(text, w, R_MECHANISM))
    if a.onset == "sudden":
        signs.append(Sign("a sudden, clear onset", 0.7, R_ONSET))
    elif a.onset == "gradual":
        signs.append(Sign("it built up gradually", -0.9, R_ONSET))
    if is_yes(a.felt_snap) or is_yes(a.felt_kicked):
        signs.append(Sign("a snap or a kicked feeling", 0.6, R_ONSET))
    if a.pain_location in _LOCATION:
        w, text = _LOCATION[a.pain_location]
        signs.append(Sign(text, w, R_LOCATION))
    if a.pain_character in _CHARACTER:
        w, text = _CHARACTER[a.pain_character]
        signs.append(Sign(text, w, R_CHARACTER))
    if (loading := _loading_sign(a)) is not None:
        signs.append(loading)
    if is_yes(a.forefoot_runner):
        signs.append(Sign("landing on the forefoot", -0.3, R_FOREFOOT))
    if is_yes(a.recent_mileage_increase):
        signs.append(Sign("weekly distance went up recently", -0.5, R_TRAINING_CHANGE))
    if is_yes(a.recent_speedwork_increase):
        signs.append(Sign("more speed work, sprints or hills recently", 0.5, R_TRAINING_CHANGE))
    for e in evidence:
        if e.favours is not None and e.strength > 0:
            w = 0.6 * min(1.0, e.strength)
            signs.append(Sign(f"training files: {e.text}", w if e.favours == "gastrocnemius" else -w, R_FILES))
    return signs


def _probability(signs: Sequence[Sign]) -> float:
    p = 1.0 / (1.0 + math.exp(-sum(s.weight for s in signs)))
    return round(min(CAP, max(1.0 - CAP, p)), 2)


def structure_likelihood(
    a: TriageAnswers, flags: Sequence[RedFlag] = (), evidence: Sequence[TrainingEvidence] = ()
) -> StructureLikelihood:
    """Gastrocnemius vs soleus, or ``not_a_calf_strain`` (a blow, or a red flag that explains the pain)."""
    signs = structure_signs(a, evidence)
    p = _probability(signs)
    fired = [Fired(s.rule, s.text[:1].upper() + s.text[1:]) for s in signs]
    elsewhere = [f.code for f in flags if f.code in NOT_A_STRAIN_CODES]
    likely: Likely
    if is_yes(a.direct_blow):
        likely = "not_a_calf_strain"
        signs.insert(0, Sign("something hit the calf: a bruise (contusion), not a strain", 0.0, R_BLOW))
        fired.insert(0, Fired(R_BLOW, "Something hit the calf: treated as a contusion, not a strain"))
    elif a.age is not None and a.age < CHILD_UNDER_AGE and a.pain_location == "heel":
        likely = "not_a_calf_strain"
        signs.insert(0, Sign("heel pain under 16: Sever's disease first, not a calf strain", 0.0, R_CHILD_HEEL))
        fired.insert(0, Fired(R_CHILD_HEEL, "Heel pain in a child or adolescent: Sever's disease, not a calf strain"))
    elif elsewhere:
        likely = "not_a_calf_strain"
        names = ", ".join(c.replace("_", " ") for c in elsewhere)
        signs.insert(0, Sign(f"red flags point elsewhere ({names})", 0.0, R_ELSEWHERE))
        fired.insert(0, Fired(R_ELSEWHERE, f"Red flags ({names}) explain the pain better than a strain"))
    elif any(f.code == "achilles_rupture" for f in flags):
        likely = "unclear"
        signs.insert(0, Sign("an Achilles tendon tear has to be ruled out first", 0.0, R_CAP))
        fired.append(Fired(R_CAP, "Which muscle is hurt cannot be judged until an Achilles tear is ruled out"))
    elif len(signs) >= MIN_SIGNS and p >= THRESHOLD:
        likely = "gastrocnemius"
    elif len(signs) >= MIN_SIGNS and 1.0 - p >= THRESHOLD:
        likely = "soleus"
    else:
        likely = "unclear"
    if likely in ("gastrocnemius", "soleus"):
        share = p if likely == "gastrocnemius" else round(1.0 - p, 2)
        fired.append(Fired(R_CAP, f"{likely.capitalize()} is likely ({share:.0%}), not certain"))
    elif likely == "unclear" and not any(f.code == "achilles_rupture" for f in flags):
        fired.append(Fired(R_CAP, "Not enough signs to say which calf muscle is more likely hurt"))
    return StructureLikelihood(likely, p, round(1.0 - p, 2), tuple(signs), tuple(fired))
