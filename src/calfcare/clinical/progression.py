"""The decision engine: from one check-in, progress, hold, step back or refer (pain-monitoring model).

Public API::

    PainRules(early_weeks=3, early_ceiling=3, later_ceiling=5, ...)       # clinician-configurable pain rules
    PainRules.from_protocol(protocol=None)   # the protocol's [pain_monitoring] limits (EpisodeFacts' default)
    EpisodeFacts(onset, structure, severity=None, side=None, age=None, previous_calf_strains=None,
                 baseline: RunnerBaseline | None = None, pain_rules=PainRules.from_protocol())
    PlanState.start(facts, start_phase, *, day=None) -> PlanState; .to_dict() / PlanState.from_dict(d)
    decide(state, checkin, *, day, facts, adherence: AdherenceFinding | None = None) -> Decision
    Decision.to_contract(day) -> {"date", "decision", "reasons", "red_flags", "phase", "stage", + "rules", "next"}
    stage_label(phase, stage, facts) -> str;  stage_count(phase, facts) -> int

``decide`` is pure and depends only on its arguments: replaying the check-ins in date order through it rebuilds the
whole history. The state carries what earlier check-ins said (the last two weeks of morning pain and stiffness, the
last run, counters), which is all the pain-monitoring model needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import AdherenceFinding, RunnerBaseline
from calfcare.clinical.criteria import GATE_RULES, evaluate, unmet_text
from calfcare.clinical.findings import Finding, pain_findings, running_findings
from calfcare.clinical.protocol import PHASES, PhaseId, Protocol, protocol
from calfcare.clinical.redflags import (
    EMERGENCY_ADVICE,
    MIN_URGENCY,
    SEE_CLINICIAN_ADVICE,
    URGENT_ADVICE,
    RedFlag,
    red_flags,
)
from calfcare.clinical.return_to_run import RunProgramme, walk_run_programme
from calfcare.clinical.rules import reason, rule

DecisionKind = Literal["progress", "hold", "step_back", "refer"]
SEVERITY: dict[DecisionKind, int] = {"progress": 0, "hold": 1, "step_back": 2, "refer": 3}
HEEL_RAISE_NOISE = 6  # test-retest limits ≈ ±6 reps (Hébert-Losier 2017)
HISTORY_DAYS = 14

R_REDFLAG = rule(
    "progress.redflag_recheck",
    "Red flags are re-checked at every check-in; any red flag stops the plan and refers the runner.",
    ["nice_ng158", "statpearls_acs", "zaleski2017"],
    "guideline",
)
R_STOPPED = rule(
    "progress.plan_stopped",
    "After a red flag the plan stays stopped until the runner reports that a clinician has cleared them.",
    ["nice_ng158"],
    "expert_consensus",
)
R_NO_IMPROVEMENT = rule(
    "progress.no_improvement",
    "Refer to a clinician when there has been no progress for 14 days, or the runner still limps after day 14.",
    ["green2022", "jarvinen2007"],
    "expert_consensus",
    "14 days is a convention chosen for the app; severity is better judged at day 5–7 than on day 0.",
)
R_COMPLETIONS = rule(
    "progress.symptom_free_completions",
    "Advance a stage only after the required number of symptom-free completions (two for walk-run stages).",
    ["army_walkrun2023", "green2022"],
    "expert_consensus",
    "Walk-run tables are clinical conventions, not trial-tested for calf strains.",
)
R_HEEL_NOISE = rule(
    "progress.heel_raise_change",
    "Count a rise of at least 6 single-leg heel raises as real improvement; smaller changes may be noise.",
    ["hebert_losier2017", "ross2000"],
    "research",
    "Norms and noise depend on the protocol (incline, cadence, stopping rule).",
)


@dataclass(frozen=True)
class PainRules:
    """How much pain is acceptable. Stricter in the first weeks after an acute tear (recommendation, not evidence);
    later the Silbernagel 2007 limits (≤ 5/10 during, settled by the next morning, no week-on-week rise)."""

    early_weeks: int = 3
    early_ceiling: int = 3
    later_ceiling: int = 5
    early_no_limp: bool = True
    symptom_free_max: int = 2  # pain at or below this counts as "symptom-free" for progression
    morning_margin: int = 1  # morning pain may sit this much above the baseline
    weekly_rise_margin: float = 0.5  # mean morning pain or stiffness may rise this much week on week
    no_progress_days: int = 14
    limp_refer_day: int = 14

    @classmethod
    def from_protocol(cls, source: Protocol | None = None) -> PainRules:
        """The limits set in a protocol's ``[pain_monitoring]`` table (default: the packaged protocol, which a
        clinician reviews and may change)."""
        p = (source or protocol()).pain
        return cls(p.early_weeks, p.early_ceiling, p.later_ceiling, p.early_no_limp, p.symptom_free_max)

    def early(self, days_since_onset: int) -> bool:
        return days_since_onset < self.early_weeks * 7

    def ceiling(self, days_since_onset: int) -> int:
        return self.early_ceiling if self.early(days_since_onset) else self.later_ceiling


@dataclass(frozen=True)
class EpisodeFacts:
    onset: date
    structure: str  # gastrocnemius | soleus | unclear | not_a_calf_strain
    severity: str | None = None
    side: str | None = None
    age: int | None = None
    previous_calf_strains: int | None = None
    baseline: RunnerBaseline | None = None
    pain_rules: PainRules = field(default_factory=PainRules.from_protocol)

    def day_of(self, day: date) -> int:
        return (day - self.onset).days

    def programme(self) -> RunProgramme:
        return walk_run_programme(self.baseline)


@dataclass(frozen=True)
class DayRecord:
    day: date
    morning_pain: int | None = None
    morning_stiffness: int | None = None


@dataclass(frozen=True)
class PlanState:
    phase: PhaseId
    stage: int
    started: date
    phase_since: date
    last_progress_day: date
    completions: int = 0  # symptom-free completions at this stage
    sessions_at_stage: int = 0
    last_day: date | None = None  # last check-in processed
    last_run_day: date | None = None
    last_run_minutes: float | None = None
    last_run_rpe: float | None = None
    last_step_back_day: date | None = None
    rest_until: date | None = None
    baseline_morning_pain: int | None = None
    heel_raise_mark: int | None = None
    returned_on: date | None = None  # first day of full training
    stopped: bool = False
    stop_reasons: tuple[str, ...] = ()  # red-flag codes that stopped the plan
    history: tuple[DayRecord, ...] = ()

    @classmethod
    def start(cls, facts: EpisodeFacts, start_phase: str, *, day: date | None = None) -> PlanState:
        if start_phase not in PHASES:
            raise ValueError(f"start_phase must be one of {list(PHASES)}, not {start_phase!r}")
        first = day or facts.onset
        returned = first if start_phase == "full_training" else None
        return cls(start_phase, 0, first, first, first, returned_on=returned)

    def days_without_progress(self, day: date) -> int:
        return (day - self.last_progress_day).days

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "history":
                value = [[r.day.isoformat(), r.morning_pain, r.morning_stiffness] for r in value]
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanState:
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"plan state: unknown keys {unknown}")
        values: dict[str, Any] = {}
        try:
            for name, value in data.items():
                if name == "history":
                    value = tuple(DayRecord(date.fromisoformat(d), p, s) for d, p, s in value)
                elif name == "stop_reasons":
                    value = tuple(value)
                elif value is not None and cls.__dataclass_fields__[name].type in ("date", "date | None"):
                    value = date.fromisoformat(value)
                values[name] = value
            state = cls(**values)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"plan state: cannot read it back ({exc})") from exc
        if state.phase not in PHASES:
            raise ValueError(f"plan state: unknown phase {state.phase!r}")
        return state


@dataclass(frozen=True)
class Decision:
    decision: DecisionKind
    reasons: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]
    new_state: PlanState
    phase: str
    stage: str
    rules: tuple[str, ...] = ()
    next: Mapping[str, object] = field(default_factory=dict)

    def to_contract(self, day: date) -> dict[str, object]:
        return {
            "date": day.isoformat(),
            "decision": self.decision,
            "reasons": list(self.reasons),
            "red_flags": [f.to_dict() for f in self.red_flags],
            "phase": self.phase,
            "stage": self.stage,
            "rules": list(self.rules),
            "next": dict(self.next),
        }


def stage_count(phase: str, facts: EpisodeFacts) -> int:
    if phase == "return_to_run":
        return len(facts.programme().stages)
    return len(protocol().phase(phase).stages)


def stage_label(phase: str, stage: int, facts: EpisodeFacts) -> str:
    if phase == "return_to_run":
        return facts.programme().stage(stage).label
    stages = protocol().phase(phase).stages
    s = stages[min(stage, len(stages) - 1)]
    return f"{s.name} (stage {min(stage, len(stages) - 1) + 1} of {len(stages)})"


def required_completions(phase: str, stage: int) -> int:
    if phase == "return_to_run":
        return protocol().running.completions_to_advance
    stages = protocol().phase(phase).stages
    return stages[min(stage, len(stages) - 1)].completions


def is_terminal(phase: str, stage: int, facts: EpisodeFacts) -> bool:
    return phase == PHASES[-1] and stage >= stage_count(phase, facts) - 1


def _step_back(state: PlanState, drop: str, facts: EpisodeFacts) -> tuple[PhaseId, int]:
    """One level back in the linear order of (phase, stage); or to the previous phase's last stage."""
    i = PHASES.index(state.phase)
    if drop == "repeat":
        return state.phase, state.stage
    if drop == "level" and state.stage > 0:
        return state.phase, state.stage - 1
    if i == 0:
        return state.phase, 0
    prev = PHASES[i - 1]
    return prev, stage_count(prev, facts) - 1


def _baseline(history: tuple[DayRecord, ...], day: date) -> int | None:
    week = [r.morning_pain for r in history if day - timedelta(days=7) <= r.day < day and r.morning_pain is not None]
    return min(week) if week else None


def _symptom_free(c: CheckInAnswers, rules: PainRules) -> bool:
    if not c.did_session or c.session != "as_prescribed" or c.pain_during_session is None:
        return False
    return all(p is None or p <= rules.symptom_free_max for p in (c.pain_during_session, c.pain_after_session))


def _refer(state: PlanState, flags: list[RedFlag], facts: EpisodeFacts, day: date) -> Decision:
    codes = tuple(f.code for f in flags)
    reasons = [
        reason(R_REDFLAG, f"Red flag at today's check-in ({f.code.replace('_', ' ')}): {f.advice}") for f in flags
    ]
    new = replace(state, stopped=True, stop_reasons=codes, last_day=day)
    rules_ = (R_REDFLAG.id, *dict.fromkeys(fr.rule.id for f in flags for fr in f.fired))
    label = stage_label(state.phase, state.stage, facts)
    return Decision("refer", tuple(reasons), tuple(flags), new, state.phase, label, rules_, {"plan": "stopped"})


def _where_to_go(codes: tuple[str, ...]) -> str:
    """Where to go for the most urgent of the codes that stopped the plan (never softer than the flag itself)."""
    urgencies = {MIN_URGENCY.get(c, "urgent") for c in codes} or {"urgent"}
    if "emergency" in urgencies:
        return EMERGENCY_ADVICE
    return URGENT_ADVICE if "urgent" in urgencies else SEE_CLINICIAN_ADVICE


def _stopped(state: PlanState, c: CheckInAnswers, facts: EpisodeFacts, day: date) -> Decision:
    label = stage_label(state.phase, state.stage, facts)
    if c.cleared_by_clinician:
        new = replace(state, stopped=False, stop_reasons=(), last_progress_day=day, completions=0, last_day=day)
        text = f"A clinician has cleared you: the plan resumes at {label}"
        return Decision("hold", (reason(R_STOPPED, text),), (), new, state.phase, label, (R_STOPPED.id,))
    text = (
        f"The plan stopped because of a red flag ({', '.join(state.stop_reasons)}). If you have not been seen yet: "
        f"{_where_to_go(state.stop_reasons)} Answer cleared_by_clinician when a clinician has cleared you"
    )
    new = replace(state, last_day=day)
    return Decision(
        "refer", (reason(R_STOPPED, text),), (), new, state.phase, label, (R_STOPPED.id,), {"plan": "stopped"}
    )


def decide(
    state: PlanState,
    checkin: CheckInAnswers,
    *,
    day: date,
    facts: EpisodeFacts,
    adherence: AdherenceFinding | None = None,
) -> Decision:
    """Progress, hold, step back or refer, from one check-in. Pure: depends only on its arguments."""
    flags = red_flags(checkin.red_flag_screen())
    if flags:
        return _refer(state, flags, facts, day)
    if state.stopped:
        return _stopped(state, checkin, facts, day)

    rules = facts.pain_rules
    onset_day = facts.day_of(day)
    history = tuple(r for r in state.history if r.day > day - timedelta(days=HISTORY_DAYS) and r.day != day)
    history = (*history, DayRecord(day, checkin.morning_pain, checkin.morning_stiffness))
    baseline = _baseline(history, day)
    findings: list[Finding] = []
    findings += pain_findings(state, checkin, history, baseline=baseline, day=day, onset_day=onset_day, rules=rules)
    findings += running_findings(
        state, checkin, day=day, adherence=adherence, programme=facts.programme(), rpe_max=protocol().running.rpe_max
    )
    entry = evaluate(protocol().phase(state.phase).entry, checkin, state, facts, day)
    if state.phase != PHASES[0] and (broken := [r for r in entry if r.known and not r.met]):
        findings.append(
            Finding.step_back(GATE_RULES["entry"], f"{unmet_text(broken)}: back to the previous phase", drop="phase")
        )

    base, notes = _carry_forward(state, checkin, day, history, baseline)

    worst = max((f.kind for f in findings), key=lambda k: SEVERITY[k], default="progress")
    if worst == "step_back":
        decision = _apply_step_back(base, findings, facts, day)
    elif worst == "hold":
        decision = _make(base, "hold", facts, [f.text for f in findings], [f.rule.id for f in findings])
    else:
        decision = _advance(base, checkin, facts, day)
    decision = _no_improvement(decision, checkin, facts, day, onset_day)
    if notes:
        decision = replace(decision, reasons=(*decision.reasons, *notes), rules=(*decision.rules, R_HEEL_NOISE.id))
    return decision


def _carry_forward(
    state: PlanState, checkin: CheckInAnswers, day: date, history: tuple[DayRecord, ...], baseline: int | None
) -> tuple[PlanState, list[str]]:
    """What every outcome keeps from today: history, the last run, counters and the heel-raise improvement mark
    (a real rise in heel raises restarts the no-progress clock)."""
    mark, last_progress = state.heel_raise_mark, state.last_progress_day
    if state.last_day is None:  # the no-progress clock starts at the first check-in at the latest
        last_progress = max(last_progress, day)
    raises = checkin.single_leg_heel_raises_injured
    notes: list[str] = []
    if raises is not None:
        if mark is None:
            mark = raises
        elif raises >= mark + HEEL_RAISE_NOISE:
            notes.append(reason(R_HEEL_NOISE, f"Heel raises up from {mark} to {raises}: real improvement"))
            mark, last_progress = raises, day
    base = replace(
        state,
        history=history,
        baseline_morning_pain=baseline,
        last_day=day,
        heel_raise_mark=mark,
        last_progress_day=last_progress,
    )
    if checkin.ran:
        base = replace(
            base, last_run_day=day, last_run_minutes=checkin.session_minutes, last_run_rpe=checkin.session_rpe
        )
    if checkin.did_session:
        base = replace(base, sessions_at_stage=base.sessions_at_stage + 1)
    return base, notes


def _make(
    state: PlanState,
    kind: DecisionKind,
    facts: EpisodeFacts,
    reasons: list[str],
    rules: list[str],
    nxt: Mapping[str, object] | None = None,
) -> Decision:
    label = stage_label(state.phase, state.stage, facts)
    return Decision(kind, tuple(reasons), (), state, state.phase, label, tuple(dict.fromkeys(rules)), dict(nxt or {}))


def _apply_step_back(state: PlanState, findings: list[Finding], facts: EpisodeFacts, day: date) -> Decision:
    """The biggest step back any finding asks for; the other findings' reasons are kept after it."""
    backs = [f for f in findings if f.kind == "step_back"]
    ordered = backs + [f for f in findings if f.kind != "step_back"]
    order = {"repeat": 0, "level": 1, "phase": 2}
    drop = max((f.drop for f in backs), key=lambda d: order[d])
    rest = max(f.rest_days for f in backs)
    phase, stage = _step_back(state, drop, facts)
    new = replace(
        state,
        phase=phase,
        stage=stage,
        completions=0,
        sessions_at_stage=0,
        last_step_back_day=day,
        rest_until=day + timedelta(days=rest) if rest else state.rest_until,
        phase_since=day if phase != state.phase else state.phase_since,
    )
    nxt: dict[str, object] = {"drop": drop, "rest_days": rest}
    if rest:
        nxt["rest_until"] = (day + timedelta(days=rest)).isoformat()
    return _make(new, "step_back", facts, [f.text for f in ordered], [f.rule.id for f in ordered], nxt)


def _advance(state: PlanState, c: CheckInAnswers, facts: EpisodeFacts, day: date) -> Decision:
    rules = facts.pain_rules
    need = required_completions(state.phase, state.stage)
    last_stage = state.stage >= stage_count(state.phase, facts) - 1
    counts = _symptom_free(c, rules) and (state.phase != "return_to_run" or c.ran)
    if state.phase == "full_training":
        counts = counts and c.ran
    new = replace(state, completions=state.completions + 1) if counts and need else state
    nxt = PHASES[PHASES.index(state.phase) + 1] if state.phase != PHASES[-1] else None
    if nxt is not None:
        gate = evaluate(protocol().phase(state.phase).exit, c, new, facts, day)
        if all(r.met for r in gate):
            moved = replace(
                new,
                phase=nxt,
                stage=0,
                completions=0,
                sessions_at_stage=0,
                phase_since=day,
                last_progress_day=day,
                returned_on=day if nxt == "full_training" else new.returned_on,
            )
            text = f"All criteria met to move on to {protocol().phase(nxt).title.lower()}"
            return _make(
                moved,
                "progress",
                facts,
                [reason(GATE_RULES[state.phase], text)],
                [GATE_RULES[state.phase].id],
                {"phase": nxt},
            )
    if counts and need and new.completions >= need and not last_stage:
        moved = replace(new, stage=new.stage + 1, completions=0, sessions_at_stage=0, last_progress_day=day)
        text = f"{new.completions} symptom-free completions: on to {stage_label(moved.phase, moved.stage, facts)}"
        return _make(
            moved, "progress", facts, [reason(R_COMPLETIONS, text)], [R_COMPLETIONS.id], {"stage": moved.stage}
        )
    reasons, rule_ids = [], []
    if counts and need:
        reasons.append(
            reason(
                R_COMPLETIONS,
                f"Symptom-free: {min(new.completions, need)} of {need} completions at this stage; repeat it",
            )
        )
        rule_ids.append(R_COMPLETIONS.id)
    elif counts:
        reasons.append(reason(R_COMPLETIONS, "Symptom-free session: keep to this stage"))
        rule_ids.append(R_COMPLETIONS.id)
    elif c.did_session:
        text = "Repeat this stage: a session counts when done as prescribed with pain during it reported ≤ "
        reasons.append(reason(R_COMPLETIONS, f"{text}{rules.symptom_free_max}/10"))
        rule_ids.append(R_COMPLETIONS.id)
    if nxt is not None and (last_stage or need == 0 or state.phase == "return_to_run"):
        gate = evaluate(protocol().phase(state.phase).exit, c, new, facts, day)
        unmet = [r for r in gate if not r.met]
        reasons.append(reason(GATE_RULES[state.phase], f"Not yet ready to move on: {unmet_text(unmet)}"))
        rule_ids.append(GATE_RULES[state.phase].id)
    if not reasons:
        reasons.append(reason(R_COMPLETIONS, "No session reported today: keep to the current stage"))
        rule_ids.append(R_COMPLETIONS.id)
    return _make(new, "hold", facts, reasons, rule_ids)


def _no_improvement(d: Decision, c: CheckInAnswers, facts: EpisodeFacts, day: date, onset_day: int) -> Decision:
    if d.decision == "progress":
        return d
    rules, state = facts.pain_rules, d.new_state
    why = None
    if c.limp and onset_day > rules.limp_refer_day:
        why = f"Still limping on day {onset_day} after the injury"
    elif state.days_without_progress(day) >= rules.no_progress_days and not is_terminal(
        state.phase, state.stage, facts
    ):
        why = f"No progress for {state.days_without_progress(day)} days"
    if why is None:
        return d
    text = f"{why}: please see a physiotherapist or doctor to check the diagnosis; keep to the current stage meanwhile"
    new = replace(state, last_progress_day=day)  # the clock restarts so the referral is not repeated every day
    return replace(
        d,
        decision="refer",
        reasons=(reason(R_NO_IMPROVEMENT, text), *d.reasons),
        new_state=new,
        rules=(R_NO_IMPROVEMENT.id, *d.rules),
        next={**d.next, "plan": "continues"},
    )
