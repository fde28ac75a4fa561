"""How the grade paces the plan, the day 5–7 re-grade, and heel-raise targets by symmetry, age and sex.

Public API::

    Timeline.of(grade, days, *, clearance=False, source=None) -> Timeline   # the pace of one grade
    Timeline.first_run_day / full_training_day / full_by_day / pacing / clearance
    regrade(grade, checkin, onset_day, source=None) -> tuple[str, str] | None    # (new grade, why) at day 5–7
    scaled_days(old_grade, old_days, new_grade, source=None) -> tuple[int, int]    # a re-grade moves the range
    heel_raise_floor(target, age, sex, source=None) -> tuple[int, str]              # the count a gate asks for
    is_child(age, source=None) -> bool

Everything is read from ``data/protocol.toml`` (``[pacing]``, ``[heel_raises]``, ``[children]``), so a clinician
can change the pace without touching code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.protocol import GradePacing, Protocol, protocol
from calfcare.clinical.rules import rule

R_PACE = rule(
    "pace.by_grade",
    "The grade paces the plan: no running before half the lower bound of the grade's typical days to running, no "
    "full training before the lower bound; stage sizes, completions and minimum days per phase come from the grade.",
    ["prakash2018", "ekstrand2020", "green2020_ajsm", "jarvinen2007"],
    "expert_consensus",
    "The day ranges come from elite athletes with MRI; no source maps clinical grades of the calf to return times. "
    "The fractions (½ of the lower bound to run, full training by 1.5 × the upper bound) are conventions of the app.",
)
R_CLEARANCE = rule(
    "pace.clearance_to_run",
    "A severe tear (or a gap, or a runner who could not bear weight) needs a clinician's clearance before running.",
    ["prakash2018", "maffulli1998", "green2022"],
    "expert_consensus",
    "Connective-tissue failure takes about 7 weeks in athletes (Prakash 2018); a complete tear needs imaging.",
)
R_REGRADE = rule(
    "pace.regrade_day_5_7",
    "Re-grade at day 5–7: a limp, walking pain ≥ 4/10 or the sore leg managing under 60 % of the other leg's heel "
    "raises makes a mild strain moderate and lengthens the plan; a check-in never makes the grade milder.",
    ["jarvinen2007", "green2022"],
    "expert_consensus",
    "Severity is judged more reliably at day 5–7 than on day 0; the signs are the triage's grading signs.",
)
R_HEEL_GATE = rule(
    "gate.heel_raise_symmetry_and_norm",
    "Heel-raise gates ask for the sore leg at ≥ 90 % of the other leg plus a floor: 25 (to run) or 30 (full "
    "training), or the median for the runner's age and sex when that is lower.",
    ["hebert_losier2017", "lunsford1995", "green2022", "sleeswijk_visser2025"],
    "expert_consensus",
    "The age/sex medians come from a clinic blog reproducing Hébert-Losier 2017 [S]; norms depend on the protocol "
    "(incline, cadence); the 10 % asymmetry threshold is arbitrary.",
)
R_CHILD = rule(
    "rehab.children",
    "Under 16: body-weight loads only, a lower heel-raise floor, and a parent or coach involved.",
    ["green2022", "hebert_losier2017"],
    "weak",
    "No source for calf-strain loads in children was found; heel pain in a child is Sever's until shown otherwise "
    "(the triage handles it).",
)


@dataclass(frozen=True)
class Timeline:
    grade: str  # the pace used: mild | moderate | severe
    known: bool  # False: the grade was not known and the unknown-grade pace is used
    days: tuple[int, int]  # typical days to running
    pacing: GradePacing
    first_run_day: int  # no running before this day since onset
    full_training_day: int  # no full training before this day
    full_by_day: int  # a symptom-free runner should be in full training by this day
    clearance: bool  # a clinician must clear running

    @classmethod
    def of(
        cls,
        grade: str | None,
        days: tuple[int, int] | None,
        *,
        clearance: bool = False,
        source: Protocol | None = None,
    ) -> Timeline:
        s = (source or protocol()).pacing
        pacing = s.for_grade(grade)
        lo, hi = days or pacing.days
        return cls(
            pacing.grade,
            grade == pacing.grade,
            (lo, hi),
            pacing,
            math.ceil(lo * s.first_run_fraction),
            math.ceil(lo * s.full_training_fraction),
            math.floor(hi * s.full_by_fraction),
            clearance or pacing.clearance_to_run,
        )

    def min_days(self, phase: str) -> int:
        return self.pacing.min_days.get(phase, 0)


def scaled_days(
    old_grade: str | None, old_days: tuple[int, int] | None, new_grade: str, source: Protocol | None = None
) -> tuple[int, int]:
    """The new grade's range, lengthened by the same factors (soleus, age, …) the triage applied to the old one."""
    s = (source or protocol()).pacing
    new_lo, new_hi = s.for_grade(new_grade).days
    if old_days is None:
        return new_lo, new_hi
    base_hi = s.for_grade(old_grade).days[1]
    factor = old_days[1] / base_hi if base_hi else 1.0
    return round(new_lo * factor), round(new_hi * factor)


def regrade(
    grade: str | None, c: CheckInAnswers, onset_day: int, source: Protocol | None = None
) -> tuple[str, str] | None:
    """At a check-in on day 5–7: the new grade and why, when the signs say the strain is worse than graded."""
    s = (source or protocol()).pacing
    if not s.regrade_from_day <= onset_day <= s.regrade_to_day or grade not in (None, "mild"):
        return None
    signs = []
    if c.limp:
        signs.append("still limping")
    if (c.pain_walking or 0) >= 4:
        signs.append(f"walking pain {c.pain_walking}/10")
    injured, other = c.single_leg_heel_raises_injured, c.single_leg_heel_raises_other
    if injured is not None and other and injured < 0.6 * other:
        signs.append(f"{injured} heel raises on the sore leg against {other} on the other")
    if not signs:
        return None
    return "moderate", f"On day {onset_day}: {', '.join(signs)}"


def is_child(age: int | None, source: Protocol | None = None) -> bool:
    return age is not None and age <= (source or protocol()).children.max_age


def heel_raise_floor(target: int, age: int | None, sex: str | None, source: Protocol | None = None) -> tuple[int, str]:
    """The single-leg heel raises a gate asks for, and why when it is not ``target``: ``target`` or the age- and
    sex-normed median when lower (a child's floor under 16)."""
    p = source or protocol()
    if is_child(age, p):
        floor = min(target, p.children.heel_raise_floor)
        return floor, "the target for under-16s" if floor != target else ""
    if age is None:
        return target, ""
    norms = p.heel_raises.norms
    row = next((n for n in norms if n.age_from <= age <= n.age_to), norms[0] if age < norms[0].age_from else norms[-1])
    median = {"male": row.male, "female": row.female}.get(sex or "", min(row.male, row.female))
    if median >= target:
        return target, ""
    who = {"male": "man", "female": "woman"}.get(sex or "", "person")
    return median, f"the usual count for a {age}-year-old {who}"
