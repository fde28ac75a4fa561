"""How bad the strain probably is (mild / moderate / severe) and a typical range of days to running again.

The grade is an *estimate* from what the runner can do (walk, stand, heel raises) and feels (pain, swelling,
a snap). It is re-graded at day 5–7, when severity can be judged more reliably (Järvinen 2007). The day ranges are
anchors from studies of elite athletes (REFERENCE.md §1), labelled "typical ranges in studied athletes", never
promises:

| estimate | base range (days) | anchors |
|---|---|---|
| mild | 4–17 | functional injury median 4 days (Ekstrand 2020) to muscle-only tear ~17 days (Prakash 2018 grade 1) |
| moderate | 17–32 | Prakash grades 1–2 (17–25 days); aponeurosis disruption 31 days (Green 2020 AJSM) |
| severe | 42–63 | connective-tissue failure ~48 days (Prakash grade 3); tennis leg ~6 weeks; soleus central tendon |

The range is lengthened (both ends multiplied, at most ×2 in total) for a likely soleus injury (×1.3), a
running-related mechanism (×1.3), age ≥40 (×1.1) or ≥50 (×1.2), previous calf strains (×1.2) and walking still
painful at day 5 or later (×1.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from calfcare.clinical.answers import RUNNING_ACTIVITIES, TriageAnswers, is_yes
from calfcare.clinical.rules import Fired, rule

Grade = Literal["mild", "moderate", "severe"]
BASE_DAYS: dict[Grade, tuple[int, int]] = {"mild": (4, 17), "moderate": (17, 32), "severe": (42, 63)}
MAX_FACTOR = 2.0
REGRADE_FROM_DAY = 5
REGRADE_UNTIL_DAY = 7
LABEL = "typical ranges in studied athletes (mostly elite team-sport players), not a promise"

R_GRADE = rule(
    "triage.severity.grade",
    "Grade the strain from function: cannot stand on the leg or a gap → severe; a limp, a big heel-raise deficit, "
    "walking pain ≥4/10, a snap, or swelling with bruising → moderate; otherwise mild.",
    ("mueller_wohlfahrt2013", "pollock2014", "green2022"),
    "weak",
    "No peer-reviewed source maps clinical grades of the calf to return times; grading systems predict return poorly.",
)
R_DAYS = rule(
    "triage.severity.days_to_run",
    "Days to running are given as a range from studies: mild 4–17, moderate 17–32, severe 42–63 days.",
    ("ekstrand2020", "prakash2018", "green2020_ajsm", "tennis_leg_review"),
    "research",
    "The numbers come from elite male team-sport athletes with MRI and daily physio; recreational runners may differ.",
)
R_SOLEUS = rule(
    "triage.severity.soleus_longer",
    "A likely soleus injury lengthens the range (×1.3): soleus strains took longer in elite athletes.",
    ("green2020_sjmss", "kelly2022", "pedret2015"),
    "research",
    "In Australian football the soleus/gastrocnemius difference was not statistically significant.",
)
R_RUNNING = rule(
    "triage.severity.running_mechanism",
    "An injury sustained while running lengthens the range (×1.3; about 12 days longer in elite players).",
    ("green2020_sjmss", "green2020_ajsm"),
    "research",
)
R_AGE = rule(
    "triage.severity.age",
    "Age 40 or more lengthens the range (×1.1; ×1.2 from 50): older athletes took longer and re-injure more.",
    ("green2020_ajsm", "green_pizzari2017", "hagglund2013"),
    "weak",
    "Age predicts recurrence and slower milestones in studies; the size of the adjustment is a choice, not data.",
)
R_PREVIOUS = rule(
    "triage.severity.previous_strain",
    "A previous calf strain lengthens the range (×1.2): re-injuries kept players out longer.",
    ("ekstrand2020", "green2020_sjmss", "green2020_ajsm"),
    "research",
)
R_SLOW_WALK = rule(
    "triage.severity.slow_to_walk",
    "Walking still painful or with a limp at day 5 or later lengthens the range (×1.2).",
    ("green2020_ajsm", "jarvinen2007"),
    "expert_consensus",
)
R_REGRADE = rule(
    "triage.severity.regrade",
    "Severity is re-graded at day 5–7 after the injury, when it can be judged more reliably than on day 0.",
    ("jarvinen2007",),
    "research",
)


@dataclass(frozen=True)
class SeverityEstimate:
    estimate: Grade | None
    return_to_run_days: tuple[int, int] | None
    fired: tuple[Fired, ...] = ()
    reassess_on_day: int | None = None  # days since onset when the grade should be re-checked

    def to_dict(self) -> dict[str, object]:
        days = list(self.return_to_run_days) if self.return_to_run_days else None
        return {"estimate": self.estimate, "return_to_run_days": days}


def _raise_ratio(a: TriageAnswers) -> float | None:
    injured, other = a.single_leg_heel_raises_injured, a.single_leg_heel_raises_other
    if injured is None:
        return None
    reference = other if other else 25  # ~25 is the usual normal count (Lunsford & Perry 1995)
    return injured / reference


def grade(a: TriageAnswers) -> tuple[Grade | None, list[str]]:
    """The estimated grade and the plain-words signs behind it; ``None`` when fewer than two signs are known."""
    known = [
        a.walks_normally,
        a.can_bear_weight,
        a.single_leg_heel_raises_injured,
        a.pain_walking,
        a.pain_rest,
        a.swelling,
        a.bruising,
        a.gap_felt,
    ]
    if sum(v is not None for v in known) < 2:
        return None, []
    severe: list[str] = []
    if a.can_bear_weight is False:
        severe.append("cannot stand on the leg and take four steps")
    if is_yes(a.gap_felt):
        severe.append("a gap can be felt")
    if a.single_leg_heel_raises_injured == 0 and (is_yes(a.felt_snap) or (a.pain_walking or 0) >= 7):
        severe.append("cannot lift the heel at all, after a snap or with severe walking pain")
    if severe:
        return "severe", severe
    moderate: list[str] = []
    ratio = _raise_ratio(a)
    if a.walks_normally is False:
        moderate.append("walking with a limp")
    if ratio is not None and ratio < 0.6:
        moderate.append(f"only {a.single_leg_heel_raises_injured} single-leg heel raises on the sore leg")
    if (a.pain_walking or 0) >= 4:
        moderate.append(f"walking pain {a.pain_walking}/10")
    if (a.pain_rest or 0) >= 4:
        moderate.append(f"pain at rest {a.pain_rest}/10")
    if is_yes(a.felt_snap):
        moderate.append("felt a snap or pop")
    if is_yes(a.swelling) and is_yes(a.bruising):
        moderate.append("swelling and bruising")
    if moderate:
        return "moderate", moderate
    return "mild", ["walks and loads the calf with little pain"]


def _factors(a: TriageAnswers, soleus: bool) -> list[tuple[float, Fired]]:
    out: list[tuple[float, Fired]] = []
    if soleus:
        out.append((1.3, Fired(R_SOLEUS, "A soleus injury usually takes longer")))
    if a.activity_at_onset in RUNNING_ACTIVITIES:
        out.append((1.3, Fired(R_RUNNING, "It happened while running, which usually takes longer")))
    if a.age is not None and a.age >= 40:
        factor = 1.2 if a.age >= 50 else 1.1
        out.append((factor, Fired(R_AGE, f"At {a.age}, recovery usually takes a little longer")))
    if a.previous_calf_strains:
        out.append(
            (1.2, Fired(R_PREVIOUS, f"{a.previous_calf_strains} previous calf strain(s): re-injuries take longer"))
        )
    slow = a.walks_normally is False or (a.pain_walking or 0) >= 4
    if a.days_since_onset is not None and a.days_since_onset >= REGRADE_FROM_DAY and slow:
        out.append((1.2, Fired(R_SLOW_WALK, "Walking is still painful or limping at day 5 or later")))
    return out


def estimate_severity(a: TriageAnswers, *, likely: str) -> SeverityEstimate:
    """The grade and day range for a calf strain; both ``None`` when it is not a strain or too little is known."""
    if likely == "not_a_calf_strain":
        return SeverityEstimate(None, None)
    g, why = grade(a)
    reassess = REGRADE_FROM_DAY if a.days_since_onset is None or a.days_since_onset < REGRADE_FROM_DAY else None
    regrade = Fired(R_REGRADE, "Re-check how bad it is between day 5 and day 7 after the injury")
    if g is None:
        return SeverityEstimate(None, None, (regrade,), reassess)
    lo, hi = BASE_DAYS[g]
    fired = [Fired(R_GRADE, f"Estimated {g}: {'; '.join(why)}")]
    fired.append(Fired(R_DAYS, f"A {g} calf strain: typically {lo}–{hi} days to running in studied athletes"))
    factor = 1.0
    for f, reason_ in _factors(a, soleus=likely == "soleus"):
        factor *= f
        fired.append(reason_)
    factor = min(MAX_FACTOR, factor)
    days = (round(lo * factor), round(hi * factor))
    if reassess is not None:
        fired.append(regrade)
    return SeverityEstimate(g, days, tuple(fired), reassess)
