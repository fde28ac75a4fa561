"""Phase criteria (entry floors and exit gates from ``protocol.toml``) evaluated against a check-in.

Public API::

    evaluate(criteria, checkin, state, facts, day) -> list[CriterionResult]
    CriterionResult.to_contract() -> {"name", "value"?, "target"?, "met"}    # the "today" gate criteria shape
    unmet_text(results) -> str
    gate_criteria(phase, state, facts) -> tuple[Criterion, ...]   # the protocol's exit criteria + grade and pain
    GATE_RULES: phase id (and "entry", "pain", "stages") -> Rule

A value that was not reported is unknown: an unknown value never meets a gate and never breaks an entry floor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.pacing import heel_raise_floor
from calfcare.clinical.protocol import Criterion, protocol
from calfcare.clinical.rules import Rule, rule

if TYPE_CHECKING:
    from calfcare.clinical.progression import EpisodeFacts, PlanState

GATE_RULES: dict[str, Rule] = {
    "protect": rule(
        "gate.protect_to_mobility",
        "Leave the protect phase after at least two days once resting pain is low and walking is comfortable.",
        ["dubois2020", "jarvinen2007", "green2022"],
        "expert_consensus",
        "Protect for 1–3 days is an expert framework (PEACE & LOVE); timing of early loading comes from animal work.",
    ),
    "mobility": rule(
        "gate.mobility_to_strength",
        "Start single-leg strength work once walking is normal and almost pain-free, with no pain at rest and a few "
        "single-leg heel raises.",
        ["green2022"],
        "expert_consensus",
        "The thresholds are a convention of the app built on the experts' order of loading.",
    ),
    "strength": rule(
        "gate.start_running",
        "Start running only with pain-free walking, no limp, the heel-raise target (≥ 90 % of the other leg and ≥ 25, "
        "or the age/sex norm when lower) and hop pain ≤ 2/10, once the strength stages are done.",
        ["clinic_rtr_criteria", "ohio_state2019", "praet2019", "lunsford1995", "hebert_losier2017"],
        "expert_consensus",
        "Clinic criteria, not trial-tested for calf strains; the 10 % asymmetry threshold is arbitrary.",
    ),
    "return_to_run": rule(
        "gate.full_training",
        "Return to full training after the walk-run programme, with 0/10 symptoms, the heel-raise target (≥ 90 % of "
        "the other leg and ≥ 30, or the age/sex norm when lower) and pain-free hopping.",
        ["green2022"],
        "expert_consensus",
        "Expert consensus benchmarks; loaded-strength targets (≥ 1.0 / 1.5 × body weight) need equipment and are "
        "advised in the exercises rather than checked.",
    ),
    "pain": rule(
        "gate.rest_and_morning_pain",
        "Rest pain or morning pain above 2/10 blocks every gate and every stage advance.",
        ["silbernagel2007", "green2022", "adams2012"],
        "expert_consensus",
        "Experts aim for 0/10 symptoms at return (Green 2022); 2/10 is the app's 'safe zone' convention.",
    ),
    "stages": rule(
        "gate.stages_and_days",
        "A phase's gate opens only once its stages are completed and the grade's minimum days in the phase have "
        "passed.",
        ["green2022", "army_walkrun2023", "jarvinen2007"],
        "expert_consensus",
        "Minimum days per phase are conventions of the app, set per grade in protocol.toml [pacing].",
    ),
    "entry": rule(
        "progress.entry_floor",
        "Step back a phase when what the current phase needs no longer holds (e.g. walking becomes painful again).",
        ["green2022", "silbernagel2007"],
        "expert_consensus",
    ),
}


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    value: float | None  # the measured value (None: not reported, or a yes/no criterion)
    known: bool
    met: bool

    def to_contract(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.criterion.name}
        if self.value is not None:
            out["value"] = int(self.value) if float(self.value).is_integer() else self.value
        if self.criterion.value is not None:
            target = self.criterion.value
            out["target"] = int(target) if float(target).is_integer() else target
        out["met"] = self.met
        return out

    def describe(self) -> str:
        c = self.criterion
        if not self.known:
            return f"{c.name}: not reported today"
        if c.value is None:
            return c.name
        bound = "≥" if at_least(c.id) else "≤"
        unit = " %" if c.id.endswith("_pct") else ""
        return f"{c.name} {self.value:g}{unit} (target {bound} {c.value:g}{unit})"


AT_LEAST = frozenset({"heel_raise_floor", "heel_raise_lsi_min_pct", "phase_min_days", "grade_first_run_day",
                      "grade_full_training_day"})  # fmt: skip
#: gate criteria that block only when reported above their limit (an unreported value does not block)
BLOCK_IF_ABOVE = frozenset({"rest_pain_gate", "morning_pain_gate"})


def at_least(cid: str) -> bool:
    return cid.endswith("_min") or cid in AT_LEAST


def lsi_pct(injured: int | None, other: int | None) -> float | None:
    """The sore leg's heel raises in % of the other leg's (limb-symmetry index)."""
    if injured is None or other is None or other <= 0:
        return None
    return round(injured / other * 100, 1)


def asymmetry_pct(injured: int | None, other: int | None) -> float | None:
    """How far the injured side is below the other, in % of the other (0 when at least as good)."""
    if injured is None or other is None or other <= 0:
        return None
    return round(max(0.0, (other - injured) / other * 100), 1)


def _measure(cid: str, c: CheckInAnswers | None, state: PlanState, facts: EpisodeFacts, day: date) -> float | None:
    if cid in ("days_since_onset_min", "grade_first_run_day", "grade_full_training_day"):
        return float(facts.day_of(day))
    if cid == "phase_min_days":
        return float((day - state.phase_since).days)
    if c is None:
        return None
    values: dict[str, float | None] = {
        "pain_rest_max": c.pain_rest,
        "pain_walking_max": c.pain_walking,
        "heel_raises_min": c.single_leg_heel_raises_injured,
        "heel_raise_asymmetry_max_pct": asymmetry_pct(c.single_leg_heel_raises_injured, c.single_leg_heel_raises_other),
        "hop_pain_max": c.hop_pain,
        "morning_pain_max": c.morning_pain,
        "heel_raise_floor": c.single_leg_heel_raises_injured,
        "heel_raise_lsi_min_pct": lsi_pct(c.single_leg_heel_raises_injured, c.single_leg_heel_raises_other),
        "rest_pain_gate": c.pain_rest,
        "morning_pain_gate": c.morning_pain,
    }
    return values.get(cid)


def stages_complete(state: PlanState, facts: EpisodeFacts) -> bool:
    """At the phase's last stage with its completions done (a phase with one gate-only stage is complete)."""
    from calfcare.clinical.progression import required_completions, stage_count

    last = stage_count(state.phase, facts) - 1
    return state.stage >= last and state.completions >= required_completions(state.phase, state.stage, facts)


def gate_criteria(phase: str, state: PlanState, facts: EpisodeFacts) -> tuple[Criterion, ...]:
    """A phase's exit gate: the protocol's criteria, then what the grade and the pain rules add to it."""
    p = protocol().phase(phase)
    if not p.exit:
        return ()
    timeline = facts.timeline()
    extra: list[Criterion] = []
    if p.stages and (len(p.stages) > 1 or p.stages[0].completions):
        extra.append(Criterion("stages_complete", "every stage of this phase completed"))
    if need := timeline.min_days(phase):
        extra.append(Criterion("phase_min_days", f"days in this phase for a {timeline.grade} strain", need))
    if phase == "strength":
        extra.append(
            Criterion(
                "grade_first_run_day",
                f"days since the injury before running ({timeline.grade} strain)",
                timeline.first_run_day,
            )
        )
        if timeline.clearance:
            extra.append(
                Criterion("clinician_clearance", "a clinician has cleared you to run (answer cleared_by_clinician)")
            )
    if phase == "return_to_run":
        extra.append(
            Criterion(
                "grade_full_training_day",
                f"days since the injury before full training ({timeline.grade} strain)",
                timeline.full_training_day,
            )
        )
    extra += [
        Criterion("rest_pain_gate", "pain at rest", 2),
        Criterion("morning_pain_gate", "pain on getting up this morning", 2),
    ]
    return (*p.exit, *extra)


def walk_run_complete(state: PlanState, facts: EpisodeFacts) -> bool:
    from calfcare.clinical.progression import required_completions, stage_count

    if state.phase != "return_to_run":
        return state.phase == "full_training"
    last = stage_count("return_to_run", facts) - 1
    return state.stage >= last and state.completions >= required_completions("return_to_run", state.stage, facts)


def evaluate(
    criteria: Iterable[Criterion], checkin: CheckInAnswers | None, state: PlanState, facts: EpisodeFacts, day: date
) -> list[CriterionResult]:
    out: list[CriterionResult] = []
    for cr in criteria:
        if cr.id == "no_limp":
            limp = checkin.limp if checkin else None
            out.append(CriterionResult(cr, None, limp is not None, limp is False))
            continue
        if cr.id == "walk_run_complete":
            out.append(CriterionResult(cr, None, True, walk_run_complete(state, facts)))
            continue
        if cr.id == "stages_complete":
            out.append(CriterionResult(cr, None, True, stages_complete(state, facts)))
            continue
        if cr.id == "clinician_clearance":
            cleared = state.cleared_to_run_on is not None or bool(checkin and checkin.cleared_by_clinician)
            out.append(CriterionResult(cr, None, True, cleared))
            continue
        if cr.id == "heel_raise_floor" and cr.value is not None:
            floor, why = heel_raise_floor(int(cr.value), facts.age, facts.sex)
            cr = Criterion(cr.id, f"{cr.name}, {why}" if why else cr.name, floor)
        value = _measure(cr.id, checkin, state, facts, day)
        if value is None or cr.value is None:
            out.append(CriterionResult(cr, None, False, cr.id in BLOCK_IF_ABOVE))
            continue
        met = value >= cr.value if at_least(cr.id) else value <= cr.value
        out.append(CriterionResult(cr, value, True, met))
    return out


def unmet_text(results: Iterable[CriterionResult]) -> str:
    return "; ".join(r.describe() for r in results) or "nothing outstanding"
