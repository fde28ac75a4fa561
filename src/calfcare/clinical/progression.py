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
from itertools import pairwise
from typing import Any, Literal

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import AdherenceFinding, RunnerBaseline
from calfcare.clinical.criteria import GATE_RULES, evaluate, gate_criteria, unmet_text
from calfcare.clinical.findings import Finding, pain_findings, running_findings
from calfcare.clinical.pacing import R_HEEL_GATE, R_PACE, R_REGRADE, Timeline, regrade, scaled_days
from calfcare.clinical.protocol import HISTORY_DAYS, PHASES, PhaseId, Protocol, protocol
from calfcare.clinical.redflags import (
    EMERGENCY_ADVICE,
    MIN_URGENCY,
    R_RETEAR,
    RETEAR_CODE,
    SEE_CLINICIAN_ADVICE,
    URGENT_ADVICE,
    RedFlag,
    advice_for,
    red_flags,
    screen_with_story,
)
from calfcare.clinical.return_to_run import RunProgramme, walk_run_programme
from calfcare.clinical.rules import Fired, reason, rule

DecisionKind = Literal["progress", "hold", "step_back", "refer"]
SEVERITY: dict[DecisionKind, int] = {"progress": 0, "hold": 1, "step_back": 2, "refer": 3}
HEEL_RAISE_NOISE = 6  # test-retest limits ≈ ±6 reps (Hébert-Losier 2017)

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
R_REST_PAIN = rule(
    "progress.rest_pain_rising",
    "Rest pain rising on three check-ins in a row, or at 5/10 or more on three, refers the runner to a clinician; "
    "nothing is progressed meanwhile.",
    ["silbernagel2007", "jarvinen2007", "green2022"],
    "expert_consensus",
    "Rising rest pain is not how a healing strain behaves; the three-check-in window is a convention of the app.",
)
R_SILENCE = rule(
    "progress.silence",
    "A check-in after 7 or more days without one does not count as a completed session: the stage is repeated.",
    ["adams2012", "army_walkrun2023"],
    "expert_consensus",
    "After a week without news the last load is unknown; repeating the stage is the soreness rules' cautious step.",
)
RETEAR_ADVICE = advice_for(RETEAR_CODE, "urgent")  # registered with the other codes (redflag_advice)
REST_PAIN_HIGH = 5
REST_PAIN_RUN = 3  # check-ins in a row
GATE_PAIN_MAX = 2  # rest or morning pain above this blocks every gate
SILENCE_DAYS = 7
TIME_CRITERIA = frozenset({"grade_first_run_day", "grade_full_training_day", "phase_min_days", "clinician_clearance"})
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
    """What paces the plan. ``severity`` and ``return_to_run_days`` are the latest grade and range (the service passes
    the latest assessment's; a check-in re-grade at day 5–7 is applied with :meth:`with_grade`)."""

    onset: date
    structure: str  # gastrocnemius | soleus | unclear | not_a_calf_strain
    severity: str | None = None
    side: str | None = None
    age: int | None = None
    previous_calf_strains: int | None = None
    baseline: RunnerBaseline | None = None
    pain_rules: PainRules = field(default_factory=PainRules.from_protocol)
    sex: str | None = None
    return_to_run_days: tuple[int, int] | None = None
    needs_clearance: bool = False  # a severe tear, a gap or a leg that could not bear weight at any assessment
    graded_on: date | None = None  # the day of the latest assessment: a check-in re-grade applies only after it

    def day_of(self, day: date) -> int:
        return (day - self.onset).days

    def timeline(self) -> Timeline:
        return Timeline.of(self.severity, self.return_to_run_days, clearance=self.needs_clearance)

    def programme(self) -> RunProgramme:
        return walk_run_programme(self.baseline, pacing=self.timeline().pacing)

    def with_grade(self, grade: str | None) -> EpisodeFacts:
        """These facts with a re-graded strain: its range is lengthened by the same factors as the old one."""
        if grade is None or grade == self.severity:
            return self
        return replace(
            self, severity=grade, return_to_run_days=scaled_days(self.severity, self.return_to_run_days, grade)
        )


@dataclass(frozen=True)
class DayRecord:
    day: date
    morning_pain: int | None = None
    morning_stiffness: int | None = None
    pain_rest: int | None = None
    heel_raises: int | None = None  # single-leg heel raises on the sore leg (the fall rule reads the recent highest)


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
    grade: str | None = None  # re-graded at a day 5–7 check-in (None: the assessment's grade stands)
    cleared_to_run_on: date | None = None  # a clinician cleared running (needed after a severe tear)
    last_heel_raises: int | None = None  # the last reported count on the sore leg
    full_training_runs: int | None = None  # runs since the return (None: started in full training, at the target)

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
                value = [
                    [r.day.isoformat(), r.morning_pain, r.morning_stiffness, r.pain_rest, r.heel_raises] for r in value
                ]
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
                    value = tuple(DayRecord(date.fromisoformat(r[0]), *r[1:]) for r in value)
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

    screen_complete: bool = False  # every red-flag screen key was answered at this check-in

    def to_contract(self, day: date) -> dict[str, object]:
        return {
            "date": day.isoformat(),
            "decision": self.decision,
            "reasons": list(self.reasons),
            "red_flags": [f.to_dict() for f in self.red_flags],
            "phase": self.phase,
            "stage": self.stage,
            "screen_complete": self.screen_complete,
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


def required_completions(phase: str, stage: int, facts: EpisodeFacts | None = None) -> int:
    """Symptom-free completions to finish a stage: the grade's (``[pacing]``) for rehab and walk-run stages; a
    gate-only stage (0 in protocol.toml) and the full-training stages keep the protocol's number."""
    pacing = facts.timeline().pacing if facts is not None else None
    if phase == "return_to_run":
        return pacing.run_completions if pacing else protocol().running.completions_to_advance
    stages = protocol().phase(phase).stages
    own = stages[min(stage, len(stages) - 1)].completions
    if pacing is not None and own and phase in ("mobility", "strength"):
        return pacing.completions
    return own


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
    reasons = [  # each cites the flag's own rule and sources (a re-tear is not a clot: no NICE NG158 under it)
        reason(
            f.fired[0].rule if f.fired else R_REDFLAG,
            f"Red flag at today's check-in ({f.code.replace('_', ' ')}): {_what(f)}{f.advice}",
        )
        for f in flags
    ]
    new = replace(state, stopped=True, stop_reasons=codes, last_day=day)
    rules_ = (R_REDFLAG.id, *dict.fromkeys(fr.rule.id for f in flags for fr in f.fired))
    label = stage_label(state.phase, state.stage, facts)
    return Decision("refer", tuple(reasons), tuple(flags), new, state.phase, label, rules_, {"plan": "stopped"})


def _what(f: RedFlag) -> str:
    """What the check-in itself showed, for the flags the plan raises (snap or pop, a heel-raise fall)."""
    return f"{'; '.join(fr.text for fr in f.fired)}. " if f.code == RETEAR_CODE else ""


def _where_to_go(codes: tuple[str, ...]) -> str:
    """Where to go for the most urgent of the codes that stopped the plan (never softer than the flag itself)."""
    urgencies = {MIN_URGENCY.get(c, "urgent") for c in codes} or {"urgent"}
    if "emergency" in urgencies:
        return EMERGENCY_ADVICE
    return URGENT_ADVICE if "urgent" in urgencies else SEE_CLINICIAN_ADVICE


def resumed(state: PlanState) -> PlanState:
    """A stopped plan that a clinician cleared: no stop reasons, and heel-raise falls measured afresh from the counts
    after the clearance (the low count that stopped the plan is the clinician's to judge, not a new fall)."""
    history = tuple(replace(r, heel_raises=None) for r in state.history)
    return replace(state, stopped=False, stop_reasons=(), history=history)


def _stopped(state: PlanState, c: CheckInAnswers, facts: EpisodeFacts, day: date) -> Decision:
    label = stage_label(state.phase, state.stage, facts)
    if c.cleared_by_clinician:
        new = replace(resumed(state), last_progress_day=day, completions=0, last_day=day)
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
    story: TriageAnswers | None = None,
) -> Decision:
    """Progress, hold, step back or refer, from one check-in. Pure: depends only on its arguments.

    ``story`` is the episode's triage answers: the check-in's red-flag screen is read with it and the day since onset
    (:func:`calfcare.clinical.redflags.screen_with_story`), as the triage read it (e.g. a night ache on day 1 after an
    interval session is not a stress fracture; calf swelling on a blood thinner is urgent)."""
    d = _decide(state, checkin, day=day, facts=facts, adherence=adherence, story=story)
    return replace(d, screen_complete=checkin.screen_complete)


def _decide(
    state: PlanState,
    checkin: CheckInAnswers,
    *,
    day: date,
    facts: EpisodeFacts,
    adherence: AdherenceFinding | None,
    story: TriageAnswers | None = None,
) -> Decision:
    facts = facts.with_grade(state.grade)
    screen = checkin.red_flag_screen()
    if story is not None:
        screen = screen_with_story(screen, story, days_since_onset=facts.day_of(day))
    flags = red_flags(screen)
    if retear := _retear(state, checkin, day):
        flags = [*flags, retear]
    if flags:
        return _refer(replace(state, last_heel_raises=_raises(state, checkin)), flags, facts, day)
    if state.stopped:
        return _stopped(state, checkin, facts, day)

    rules = facts.pain_rules
    onset_day = facts.day_of(day)
    notes: list[str] = []
    rule_ids: list[str] = []
    after_assessment = facts.graded_on is None or day > facts.graded_on
    if after_assessment and (graded := regrade(facts.severity, checkin, onset_day)) is not None:
        new_grade, why = graded
        facts = facts.with_grade(new_grade)
        state = replace(state, grade=new_grade)
        lo, hi = facts.timeline().days
        notes.append(reason(R_REGRADE, f"{why}: re-graded as {new_grade} (typically {lo}–{hi} days to running)"))
        rule_ids.append(R_REGRADE.id)
    if checkin.cleared_by_clinician and state.cleared_to_run_on is None:
        state = replace(state, cleared_to_run_on=day)
    history = tuple(r for r in state.history if r.day > day - timedelta(days=HISTORY_DAYS) and r.day != day)
    today_record = DayRecord(
        day, checkin.morning_pain, checkin.morning_stiffness, checkin.pain_rest, checkin.single_leg_heel_raises_injured
    )
    history = (*history, today_record)
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
    silent = state.last_day is not None and (day - state.last_day).days >= SILENCE_DAYS
    base, heel_notes = _carry_forward(state, checkin, day, history, baseline)
    notes += heel_notes
    if heel_notes:
        rule_ids.append(R_HEEL_NOISE.id)

    if silent:  # the stage is repeated; a silence is not a lack of progress either, so the clock restarts
        gap = (day - state.last_day).days if state.last_day else 0
        text = f"{gap} days since the last check-in: that does not count as a completed session; repeat this stage"
        findings.append(Finding.hold(R_SILENCE, text))
        base = replace(base, completions=0, last_progress_day=day)
    worst = max((f.kind for f in findings), key=lambda k: SEVERITY[k], default="progress")
    if worst == "step_back":
        decision = _apply_step_back(base, findings, facts, day)
    elif worst == "hold":
        decision = _make(base, "hold", facts, [f.text for f in findings], [f.rule.id for f in findings])
    else:
        decision = _advance(base, checkin, facts, day)
    decision = _rest_pain_refer(decision, history, base, facts)
    decision = _no_improvement(decision, checkin, facts, day, onset_day)
    if notes:
        decision = replace(decision, reasons=(*decision.reasons, *notes), rules=(*decision.rules, *rule_ids))
    return decision


def _raises(state: PlanState, c: CheckInAnswers) -> int | None:
    n = c.single_leg_heel_raises_injured
    return state.last_heel_raises if n is None else n


def _retear(state: PlanState, c: CheckInAnswers, day: date) -> RedFlag | None:
    """A snap or pop, or heel raises falling to a third or less of the last count, or of the highest count of the last
    ``[heel_raises].fall_window_days`` (a fall over several check-ins is a fall too): urgent, in every phase."""
    because: list[str] = []
    texts: list[str] = []
    if c.felt_snap_or_pop:
        because.append("felt_snap_or_pop")
        texts.append("a snap or pop since the last check-in")
    now, last = c.single_leg_heel_raises_injured, state.last_heel_raises
    settings = protocol().heel_raises
    since = day - timedelta(days=settings.fall_window_days)
    # a stopped plan compares with the count that stopped it (a clearance at this check-in must be able to resume it)
    recent = [r.heel_raises for r in state.history if r.heel_raises is not None and since <= r.day < day]
    if state.stopped:
        recent = []
    best = max([*recent, last or 0])
    if now is not None and best and now * settings.fall_divisor <= best:
        because.append("single_leg_heel_raises_injured")
        when = "" if best == last else f" (your highest of the last {settings.fall_window_days} days)"
        texts.append(f"single-leg heel raises fell from {best}{when} to {now}")
    if not because:
        return None
    fired = Fired(R_RETEAR, "; ".join(texts))
    return RedFlag(RETEAR_CODE, "urgent", tuple(because), RETEAR_ADVICE, R_RETEAR.sources, (fired,))


def _rest_pain_refer(d: Decision, history: tuple[DayRecord, ...], base: PlanState, facts: EpisodeFacts) -> Decision:
    """Rest pain rising on three check-ins in a row, or ≥ 5/10 on three: refer, and progress nothing."""
    last = [r.pain_rest for r in history[-REST_PAIN_RUN:]]
    if len(last) < REST_PAIN_RUN or any(p is None for p in last):
        return d
    values = [int(p) for p in last if p is not None]
    rising = all(a < b for a, b in pairwise(values))
    high = all(p >= REST_PAIN_HIGH for p in values)
    if not (rising or high):
        return d
    shown = " → ".join(f"{p}/10" for p in values)
    what = "rising" if rising else f"at {REST_PAIN_HIGH}/10 or more"
    text = (
        f"Rest pain {what} on your last {REST_PAIN_RUN} check-ins ({shown}): please see a physiotherapist or doctor "
        "within the next few days to check the diagnosis; no loaded or hopping work until the pain settles"
    )
    if d.decision == "step_back":
        kept = d
    elif d.decision == "progress":
        kept = _make(base, "hold", facts, [], [])
    else:
        kept = _make(base, "hold", facts, list(d.reasons), list(d.rules))
    return replace(
        kept,
        decision="refer",
        reasons=(reason(R_REST_PAIN, text), *kept.reasons),
        rules=(R_REST_PAIN.id, *kept.rules),
        next={**kept.next, "plan": "continues"},
    )


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
        last_heel_raises=raises if raises is not None else state.last_heel_raises,
    )
    if checkin.ran:
        base = replace(
            base, last_run_day=day, last_run_minutes=checkin.session_minutes, last_run_rpe=checkin.session_rpe
        )
    if checkin.did_session:
        base = replace(base, sessions_at_stage=base.sessions_at_stage + 1)
    if checkin.ran and state.phase == "full_training" and state.full_training_runs is not None:
        base = replace(base, full_training_runs=state.full_training_runs + 1)
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
    need = required_completions(state.phase, state.stage, facts)
    last_stage = state.stage >= stage_count(state.phase, facts) - 1
    counts = _symptom_free(c, rules) and (state.phase != "return_to_run" or c.ran)
    if state.phase == "full_training":
        counts = counts and c.ran
    sore = [
        (w, p) for w, p in (("Rest pain", c.pain_rest), ("Morning pain", c.morning_pain)) if (p or 0) > GATE_PAIN_MAX
    ]
    if sore:
        what = " and ".join(f"{w.lower() if i else w} {p}/10" for i, (w, p) in enumerate(sore))
        text = f"{what} is above {GATE_PAIN_MAX}/10: that blocks every gate and stage; repeat this stage"
        return _make(state, "hold", facts, [reason(GATE_RULES["pain"], text)], [GATE_RULES["pain"].id])
    new = replace(state, completions=state.completions + 1) if counts and need else state
    nxt = PHASES[PHASES.index(state.phase) + 1] if state.phase != PHASES[-1] else None
    gate = evaluate(gate_criteria(state.phase, new, facts), c, new, facts, day) if nxt is not None else []
    if nxt is not None and all(r.met for r in gate):
        moved = replace(
            new,
            phase=nxt,
            stage=0,
            completions=0,
            sessions_at_stage=0,
            phase_since=day,
            last_progress_day=day,
            returned_on=day if nxt == "full_training" else new.returned_on,
            full_training_runs=0 if nxt == "full_training" else new.full_training_runs,
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
    unmet = [r for r in gate if not r.met]
    if counts and unmet and {r.criterion.id for r in unmet} <= TIME_CRITERIA:
        new = replace(new, last_progress_day=day)  # waiting for the calendar (or a clearance) is not a lack of progress
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
    elif c.did_session and state.phase in ("return_to_run", "full_training") and not c.ran:
        reasons.append(reason(R_COMPLETIONS, "A strength day between runs: only runs count towards this stage"))
        rule_ids.append(R_COMPLETIONS.id)
    elif c.did_session:
        text = "Repeat this stage: a session counts when done as prescribed with pain during it reported ≤ "
        reasons.append(reason(R_COMPLETIONS, f"{text}{rules.symptom_free_max}/10"))
        rule_ids.append(R_COMPLETIONS.id)
    if nxt is not None and (last_stage or need == 0 or state.phase == "return_to_run"):
        reasons.append(reason(GATE_RULES[state.phase], f"Not yet ready to move on: {unmet_text(unmet)}"))
        rule_ids.append(GATE_RULES[state.phase].id)
        if {r.criterion.id for r in unmet} & TIME_CRITERIA:
            rule_ids.append(R_PACE.id)
        if {r.criterion.id for r in unmet} & {"stages_complete", "phase_min_days"}:
            rule_ids.append(GATE_RULES["stages"].id)
        if {r.criterion.id for r in unmet} & {"heel_raise_floor", "heel_raise_lsi_min_pct"}:
            rule_ids.append(R_HEEL_GATE.id)
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
