"""Phase criteria (entry floors and exit gates from ``protocol.toml``) evaluated against a check-in.

Public API::

    evaluate(criteria, checkin, state, facts, day) -> list[CriterionResult]
    CriterionResult.to_contract() -> {"name", "value"?, "target"?, "met"}    # the "today" gate criteria shape
    unmet_text(results) -> str
    GATE_RULES: phase id (and "entry") -> Rule

A value that was not reported is unknown: an unknown value never meets a gate and never breaks an entry floor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.protocol import Criterion
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
        "Start running only with pain-free walking, no limp, ≥ 25 single-leg heel raises within 10 % of the other leg "
        "and hop pain ≤ 2/10.",
        ["clinic_rtr_criteria", "ohio_state2019", "praet2019", "lunsford1995", "hebert_losier2017"],
        "expert_consensus",
        "Clinic criteria, not trial-tested for calf strains; the 10 % asymmetry threshold is arbitrary.",
    ),
    "return_to_run": rule(
        "gate.full_training",
        "Return to full training after the walk-run programme, with 0/10 symptoms, ≥ 30 single-leg heel raises within "
        "10 % of the other leg and pain-free hopping.",
        ["green2022"],
        "expert_consensus",
        "Expert consensus benchmarks; loaded-strength targets (≥ 1.0 / 1.5 × body weight) need equipment and are "
        "advised in the exercises rather than checked.",
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
        bound = "≥" if c.id.endswith("_min") else "≤"
        unit = " %" if c.id.endswith("_pct") else ""
        return f"{c.name} {self.value:g}{unit} (target {bound} {c.value:g}{unit})"


def asymmetry_pct(injured: int | None, other: int | None) -> float | None:
    """How far the injured side is below the other, in % of the other (0 when at least as good)."""
    if injured is None or other is None or other <= 0:
        return None
    return round(max(0.0, (other - injured) / other * 100), 1)


def _measure(cid: str, c: CheckInAnswers | None, state: PlanState, facts: EpisodeFacts, day: date) -> float | None:
    if cid == "days_since_onset_min":
        return float(facts.day_of(day))
    if c is None:
        return None
    values: dict[str, float | None] = {
        "pain_rest_max": c.pain_rest,
        "pain_walking_max": c.pain_walking,
        "heel_raises_min": c.single_leg_heel_raises_injured,
        "heel_raise_asymmetry_max_pct": asymmetry_pct(c.single_leg_heel_raises_injured, c.single_leg_heel_raises_other),
        "hop_pain_max": c.hop_pain,
        "morning_pain_max": c.morning_pain,
    }
    return values.get(cid)


def walk_run_complete(state: PlanState, facts: EpisodeFacts) -> bool:
    from calfcare.clinical.progression import required_completions, stage_count

    if state.phase != "return_to_run":
        return state.phase == "full_training"
    last = stage_count("return_to_run", facts) - 1
    return state.stage >= last and state.completions >= required_completions("return_to_run", state.stage)


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
        value = _measure(cr.id, checkin, state, facts, day)
        if value is None or cr.value is None:
            out.append(CriterionResult(cr, None, False, False))
            continue
        met = value >= cr.value if cr.id.endswith("_min") else value <= cr.value
        out.append(CriterionResult(cr, value, True, met))
    return out


def unmet_text(results: Iterable[CriterionResult]) -> str:
    return "; ".join(r.describe() for r in results) or "nothing outstanding"
