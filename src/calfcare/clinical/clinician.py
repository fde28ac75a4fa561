"""A clinician's actions on a runner's plan, as pure steps of the replay (no storage here).

Public API::

    ClinicianEvent(day, kind, by, at, values)     # kind: clear_red_flag | set_phase | hold_phase | pain_ceilings
    apply_event(state, event) -> PlanState          # a clearance or a phase set, applied at the end of its day
    held(before, decision, *, until, reason, day, facts) -> Decision   # no progress before ``until``
    pain_rules_with(rules, ceilings) -> PainRules   # a per-episode override, checked against sane bounds

A clinician's event of day D is applied after that day's check-in (the runner checks in in the morning; the clinician
acts on what they see), so the plan it sets is the one in force from then on. Replaying the same check-ins and events
gives the same plan: the events are part of the replay stream, not a one-off edit of the stored state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from calfcare.clinical.progression import Decision, EpisodeFacts, PainRules, PlanState, resumed, stage_label
from calfcare.clinical.protocol import PHASES, PhaseId
from calfcare.clinical.rules import reason, rule

EventKind = Literal["clear_red_flag", "set_phase", "hold_phase", "pain_ceilings"]
EVENT_KINDS: tuple[EventKind, ...] = ("clear_red_flag", "set_phase", "hold_phase", "pain_ceilings")

R_CLINICIAN = rule(
    "progress.clinician_action",
    "A clinician who shares the runner's record may clear a red flag, set or hold the phase, or change the pain "
    "ceilings; the plan follows their decision from that day and every such action is in the runner's audit log.",
    ["nice_ng158"],
    "expert_consensus",
    "The app defers to the clinician who has examined the runner.",
)

#: sane bounds for a clinician's pain ceilings (0–10 scale): a ceiling above 7/10 is not a loading limit any more,
#: and the "symptom-free" zone never reaches the ceiling of the first weeks
CEILING_BOUNDS: dict[str, tuple[int, int]] = {
    "early_ceiling": (1, 7),
    "later_ceiling": (1, 7),
    "early_weeks": (0, 12),
    "symptom_free_max": (0, 3),
}


@dataclass(frozen=True)
class ClinicianEvent:
    """One clinician action in the replay stream. ``values``: ``{"phase"}`` for set_phase, ``{"until"}`` (ISO date)
    for hold_phase, the ceilings for pain_ceilings; every kind may carry ``reason`` / ``note``."""

    day: date
    kind: EventKind
    by: str
    at: str  # ISO timestamp of the action
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "kind": self.kind, "by": self.by, "at": self.at, **dict(self.values)}


def apply_event(state: PlanState, event: ClinicianEvent) -> PlanState:
    """The plan after ``event`` (clear_red_flag resumes a stopped plan; set_phase starts a phase at its first stage).
    Holds and ceilings do not change the state itself (see :func:`held` and :func:`pain_rules_with`)."""
    if event.kind == "clear_red_flag":
        if not state.stopped:
            return state
        return replace(resumed(state), last_progress_day=event.day, completions=0)
    if event.kind == "set_phase":
        phase = check_phase(str(event.values.get("phase")))
        return replace(
            state,
            phase=phase,
            stage=0,
            completions=0,
            sessions_at_stage=0,
            phase_since=event.day,
            last_progress_day=event.day,
            returned_on=event.day if phase == "full_training" else None,
            full_training_runs=0 if phase == "full_training" else None,
        )
    return state


def check_kind(kind: str) -> EventKind:
    for k in EVENT_KINDS:
        if k == kind:
            return k
    raise ValueError(f"clinician event: unknown kind {kind!r} (known: {', '.join(EVENT_KINDS)})")


def check_phase(phase: str) -> PhaseId:
    for p in PHASES:
        if p == phase:
            return p
    raise ValueError(f"phase: must be one of {', '.join(PHASES)}, not {phase!r}")


def held(before: PlanState, decision: Decision, *, until: date, why: str, day: date, facts: EpisodeFacts) -> Decision:
    """``decision`` with any progress taken back while a clinician holds the phase (``day`` before ``until``): the
    runner stays at the stage they were at. Holds, step-backs and referrals stand as decided."""
    if day >= until or decision.decision != "progress":
        return decision
    new = decision.new_state
    if (new.phase, new.stage) == (before.phase, before.stage):
        kept = new
    else:
        kept = replace(
            new,
            phase=before.phase,
            stage=before.stage,
            completions=before.completions,
            sessions_at_stage=before.sessions_at_stage,
            phase_since=before.phase_since,
            returned_on=before.returned_on,
            full_training_runs=before.full_training_runs,
        )
    label = stage_label(kept.phase, kept.stage, facts)
    text = f"A clinician holds the plan at {label} until {until.isoformat()}: {why}"
    return replace(
        decision,
        decision="hold",
        reasons=(*decision.reasons, reason(R_CLINICIAN, text)),
        new_state=kept,
        phase=kept.phase,
        stage=label,
        rules=(*decision.rules, R_CLINICIAN.id),
        next={},
    )


def pain_rules_with(rules: PainRules, ceilings: Mapping[str, Any]) -> PainRules:
    """``rules`` with a clinician's ceilings (a subset of :data:`CEILING_BOUNDS`' keys); ValueError naming the key
    when a value is not a whole number within its bounds, or the first weeks' ceiling is above the later one."""
    unknown = sorted(set(ceilings) - set(CEILING_BOUNDS))
    if unknown:
        raise ValueError(f"pain ceilings: unknown keys {unknown} (known: {', '.join(CEILING_BOUNDS)})")
    if not ceilings:
        raise ValueError(f"pain ceilings: give at least one of {', '.join(CEILING_BOUNDS)}")
    values: dict[str, int] = {}
    for key, value in ceilings.items():
        lo, hi = CEILING_BOUNDS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"pain ceilings: {key} must be a whole number from {lo} to {hi}, not {value!r}")
        values[key] = value
    out = replace(
        rules,
        early_ceiling=values.get("early_ceiling", rules.early_ceiling),
        later_ceiling=values.get("later_ceiling", rules.later_ceiling),
        early_weeks=values.get("early_weeks", rules.early_weeks),
        symptom_free_max=values.get("symptom_free_max", rules.symptom_free_max),
    )
    if out.early_ceiling > out.later_ceiling:
        raise ValueError(
            f"pain ceilings: early_ceiling ({out.early_ceiling}) must not be above later_ceiling ({out.later_ceiling})"
        )
    if out.symptom_free_max >= out.early_ceiling:
        raise ValueError(
            f"pain ceilings: symptom_free_max ({out.symptom_free_max}) must be below early_ceiling "
            f"({out.early_ceiling})"
        )
    return out
