"""What to do today: the prescription for the current phase and stage, the gate to the next phase, warnings.

Public API::

    build_today(state: PlanState, facts: EpisodeFacts, *, day: date, last_checkin: CheckInAnswers | None = None)
        -> TodayPlan
    TodayPlan.to_contract() -> the CHECKIN.md "today" shape: date, phase, stage, prescription{kind, items[...],
        run{warm_up_min, intervals[{walk_min, run_min, repeats}], total_min, effort}}, gate{to, criteria[...]},
        warnings, episode{onset, structure, day} — plus extras: title, education, cross_training, acute_advice,
        rules, programme.

Run days fall on non-consecutive days: the day after a run is a rehab (strength) day. On run days the strength work
comes after running. Calf exercises get extra sets for the likely injured muscle (bent knee for soleus, straight
knee for gastrocnemius) while both knee positions are always trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.criteria import CriterionResult, evaluate, gate_criteria
from calfcare.clinical.pacing import R_CHILD, R_CLEARANCE, R_PACE, R_REGRADE, is_child
from calfcare.clinical.progression import GATE_PAIN_MAX, EpisodeFacts, PlanState, stage_label
from calfcare.clinical.protocol import (
    PHASES,
    RULE_ACUTE,
    RULE_BOTH_KNEES,
    RULE_ECCENTRIC,
    RULE_ORDER,
    RULE_STRETCH,
    Exercise,
    Protocol,
    protocol,
)
from calfcare.clinical.return_to_run import (
    RULE_PREVENTION,
    RULE_REINJURY,
    RULE_WALK_RUN,
    RULE_WEEKLY,
    RunStage,
    prevention_routine,
    reinjury_window_end,
)
from calfcare.clinical.rules import reason, rule

Kind = Literal["rehab_exercises", "walk_run", "run", "rest"]
ACUTE_DAYS = 3  # acute / protect phase ≈ days 0–3 (REFERENCE §4.5)
R_UNLOAD = rule(
    "rehab.no_load_above_ceiling",
    "No hopping, running drills, eccentric or weighted work is prescribed while pain is above the phase's ceiling or "
    "rest or morning pain is above 2/10: each is swapped for its easier version.",
    ["silbernagel2007", "green2022", "adams2012"],
    "expert_consensus",
    "The pain-monitoring model was built for tendinopathy; the swap follows the experts' order of loading.",
)
R_ACUTE_ONLY = rule(
    "acute.only_when_acute",
    "Acute advice (protect, elevate, compress, ice) is given only in the first 3 days after the onset.",
    ["dubois2020", "jarvinen2007"],
    "expert_consensus",
)
R_PREVENT_EARLY = rule(
    "run.prevention_from_day_one",
    "The prevention message (heel raises and drops in regular training; weekly distance up gradually, no single-run "
    "spikes) is shown from the first day as education and kept as a standing routine after return.",
    ["lauersen2014", "green_pizzari2017", "frandsen2025", "damsted2019"],
    "research",
    "Strength training prevents sports injuries (Lauersen 2014); the single-run spike finding is observational.",
)
#: exercise categories that are plyometric or running work
_PLYO = frozenset({"plyometric", "running_drill"})
_LOAD_WORDS = ("dumbbell", "backpack", "machine", "weight on")
R_AFTER_RUN = rule(
    "run.strength_after_running",
    "On run days, do strength and hopping work after running, never before; no running on consecutive days early on.",
    ["green2022"],
    "expert_consensus",
    "Clinic summaries of expert practice; no trial.",
)


@dataclass(frozen=True)
class Item:
    exercise: Exercise
    sets: int
    per_week: int
    emphasis: bool  # extra sets for the likely injured muscle

    def to_contract(self) -> dict[str, object]:
        ex, d = self.exercise, self.exercise.dosage
        out: dict[str, object] = {
            "id": ex.id,
            "name": ex.name,
            "target": ex.target,
            "knee": ex.knee,
            "sets": self.sets,
            "reps": d.reps,
            "load": d.load,
            "tempo": d.tempo,
            "cues": list(ex.cues),
        }
        if d.hold_s:
            out["hold_s"] = d.hold_s
        if d.minutes is not None:  # a timed exercise (a walk): minutes, not sets × reps
            out["minutes"] = d.minutes
        out["category"] = ex.category
        out.update(per_day=d.per_day, per_week=self.per_week, avoid=list(ex.avoid), evidence=ex.evidence)
        if self.emphasis:
            out["emphasis"] = "extra set for the likely injured muscle"
        return out


@dataclass(frozen=True)
class TodayPlan:
    day: date
    phase: str
    title: str
    stage: str
    kind: Kind
    items: tuple[Item, ...]
    run: RunStage | None
    gate_to: str | None
    gate: tuple[CriterionResult, ...]
    warnings: tuple[str, ...]
    onset: date
    structure: str
    education: dict[str, str] = field(default_factory=dict)
    cross_training: tuple[dict[str, str], ...] = ()
    acute_advice: tuple[dict[str, object], ...] = ()
    rules: tuple[str, ...] = ()

    def to_contract(self) -> dict[str, object]:
        prescription: dict[str, object] = {"kind": self.kind, "items": [i.to_contract() for i in self.items]}
        if self.run is not None:
            prescription["run"] = self.run.to_contract()
        return {
            "date": self.day.isoformat(),
            "phase": self.phase,
            "stage": self.stage,
            "prescription": prescription,
            "gate": {"to": self.gate_to, "criteria": [c.to_contract() for c in self.gate]},
            "warnings": list(self.warnings),
            "episode": {
                "onset": self.onset.isoformat(),
                "structure": self.structure,
                "day": (self.day - self.onset).days,
            },
            "title": self.title,
            "education": dict(self.education),
            "cross_training": [dict(c) for c in self.cross_training],
            "acute_advice": [dict(a) for a in self.acute_advice],
            "rules": list(self.rules),
        }


def _items(
    ids: tuple[str, ...], p: Protocol, structure: str, *, per_week: int | None = None, child: bool = False
) -> tuple[Item, ...]:
    knee = p.emphasis.get(structure)
    out = []
    for ex_id in ids:
        ex = p.exercise(ex_id)
        if (
            child
            and any(w in ex.dosage.load.lower() for w in (*_LOAD_WORDS, "weight"))
            and not ex.dosage.load.startswith("none")
        ):
            ex = replace(ex, dosage=replace(ex.dosage, load=p.children.load))
        emphasis = knee is not None and ex.knee == knee and ex.target in ("soleus", "gastrocnemius")
        sets = ex.dosage.sets + (p.emphasis_extra_sets if emphasis else 0)
        out.append(Item(ex, sets, min(ex.dosage.per_week, per_week or 7), emphasis))
    return tuple(out)


def _loaded(ex: Exercise) -> bool:
    return ex.category in _PLYO or ex.category == "eccentric" or any(w in ex.dosage.load.lower() for w in _LOAD_WORDS)


def _easier(ids: tuple[str, ...], p: Protocol, heavy: bool, child: bool) -> tuple[str, ...]:
    """Swap loaded or hopping work for its easier version (pain above the ceiling), and weights for a child."""
    out: list[str] = []
    for ex_id in ids:
        if child:
            ex_id = p.children.substitutes.get(ex_id, ex_id)
        seen = {ex_id}
        while heavy and _loaded(p.exercise(ex_id)) and (down := p.exercise(ex_id).regression) and down not in seen:
            ex_id = down
            seen.add(ex_id)
        if heavy and _loaded(p.exercise(ex_id)):
            continue
        out.append(ex_id)
    return tuple(dict.fromkeys(out))


def _too_sore(c: CheckInAnswers | None, ceiling: int) -> str | None:
    if c is None:
        return None
    for what, value, limit in (
        ("pain during the session", c.pain_during_session, ceiling),
        ("pain after the session", c.pain_after_session, ceiling),
        ("rest pain", c.pain_rest, GATE_PAIN_MAX),
        ("morning pain", c.morning_pain, GATE_PAIN_MAX),
    ):
        if value is not None and value > limit:
            return f"{what} {value}/10 (limit {limit}/10)"
    return None


def _exercise_ids(state: PlanState, p: Protocol) -> tuple[str, ...]:
    phase = p.phase(state.phase)
    if not phase.stages:
        return phase.exercises
    return phase.stages[min(state.stage, len(phase.stages) - 1)].exercises


def _kind_and_run(state: PlanState, facts: EpisodeFacts, day: date) -> tuple[Kind, RunStage | None, list[str]]:
    notes: list[str] = []
    if state.rest_until is not None and day <= state.rest_until:
        text = f"Rest day (until {state.rest_until}) after a step back; gentle walking is fine"
        return "rest", None, [reason(R_AFTER_RUN, text)]
    if state.phase not in ("return_to_run", "full_training"):
        return "rehab_exercises", None, notes
    programme = facts.programme()
    if state.last_run_day == day:
        notes.append(reason(R_AFTER_RUN, "Today's run is done: the strength work comes after it; no more running"))
        return "rehab_exercises", None, notes
    if state.last_run_day is not None and day - state.last_run_day < timedelta(days=2):
        notes.append(reason(R_AFTER_RUN, "No running today: keep a non-running day between runs; strength work only"))
        return "rehab_exercises", None, notes
    if state.phase == "return_to_run":
        stage = programme.stage(state.stage)
        notes.append(reason(R_AFTER_RUN, "Run first, then the strength work"))
        return ("walk_run" if stage.kind == "walk_run" else "run"), stage, notes
    notes.append(reason(R_AFTER_RUN, "Run first, then the strength work"))
    return "run", programme.full_training_run(state.full_training_runs), notes


def _timeline_warnings(state: PlanState, facts: EpisodeFacts, day: date) -> list[str]:
    """When running and full training may start, counted from the real onset, and the clearance a severe tear needs."""
    t, onset = facts.timeline(), facts.onset
    out = []
    if PHASES.index(state.phase) <= PHASES.index("strength"):
        first = onset + timedelta(days=t.first_run_day)
        grade = t.grade if t.known else f"{t.grade} (the grade is not known yet)"
        text = (
            f"A {grade} strain: typically {t.days[0]}–{t.days[1]} days to running; no running before {first} (day "
            f"{t.first_run_day} after the injury on {onset}), and only once the gate below is met"
        )
        out.append(reason(R_PACE, text))
        if t.clearance and state.cleared_to_run_on is None:
            out.append(
                reason(
                    R_CLEARANCE,
                    "Do not run until a clinician has examined the calf and cleared you to run (a severe tear, a gap "
                    "or a leg that could not take weight); then answer cleared_by_clinician at a check-in",
                )
            )
    pacing = protocol().pacing
    if pacing.regrade_from_day <= facts.day_of(day) <= pacing.regrade_to_day:
        text = (
            f"Day {facts.day_of(day)}: severity is judged more reliably now than on day 0 — answer the assessment "
            "again (calfcare assess) so the plan can be re-graded; today's check-in answers (limp, walking pain, heel "
            "raises) re-grade it too"
        )
        out.append(reason(R_REGRADE, text))
    if state.phase == "return_to_run":
        full = onset + timedelta(days=t.full_training_day)
        out.append(reason(R_PACE, f"Full training not before {full} (day {t.full_training_day} after the injury)"))
    return out


def _warnings(state: PlanState, facts: EpisodeFacts, day: date) -> list[str]:
    rules, onset_day = facts.pain_rules, facts.day_of(day)
    ceiling = rules.ceiling(onset_day)
    out = _timeline_warnings(state, facts, day)
    if is_child(facts.age):
        out.append(reason(R_CHILD, protocol().children.message))
    limp = " and no limp afterwards" if rules.early(onset_day) and rules.early_no_limp else ""
    out.append(
        f"Keep pain during exercise at or below {ceiling}/10{limp}; it must settle by the next morning "
        "(pain-monitoring model, built for tendinopathy — a guide, not a promise)."
    )
    if facts.structure not in ("soleus", "gastrocnemius"):
        out.append(
            reason(
                RULE_BOTH_KNEES,
                "Which calf muscle is hurt is uncertain: knee-bent and knee-straight work get equal volume",
            )
        )
    if state.phase == "full_training" and state.returned_on is not None:
        end = reinjury_window_end(state.returned_on)
        if day < end:
            out.append(
                reason(
                    RULE_REINJURY,
                    f"Re-injury risk stays raised until about {end} (15 weeks after return): "
                    "build up gradually and avoid spikes",
                )
            )
        out.append(reason(RULE_WEEKLY, "Raise weekly distance by no more than 20 % a week, up to your pre-injury week"))
        out.extend(reason(RULE_PREVENTION, text) for text in prevention_routine())
    if state.phase != "full_training":
        out.append(reason(R_PREVENT_EARLY, f"For later: {prevention_routine()[0]} {prevention_routine()[1]}"))
    if (facts.previous_calf_strains or 0) > 0 or (facts.age or 0) >= 40:
        out.append(
            reason(
                RULE_PREVENTION,
                "Older age and a previous calf strain raise the risk of another one: keep "
                "the calf strength work going after you are back",
            )
        )
    out.append(
        "Stop and seek help if the whole leg swells, the calf becomes hot, red or much bigger, you become breathless, "
        "or the pain keeps rising at rest — then answer the safety questions at your next check-in."
    )
    return out


def build_today(
    state: PlanState, facts: EpisodeFacts, *, day: date, last_checkin: CheckInAnswers | None = None
) -> TodayPlan:
    """Today's plan from the plan state (after the latest check-in) and the episode facts."""
    p = protocol()
    facts = facts.with_grade(state.grade)
    phase = p.phase(state.phase)
    idx = PHASES.index(state.phase)
    gate_to = PHASES[idx + 1] if idx + 1 < len(PHASES) else None
    gate = tuple(evaluate(gate_criteria(state.phase, state, facts), last_checkin, state, facts, day))
    rules = [RULE_BOTH_KNEES.id, RULE_ORDER.id]
    if state.stopped:
        text = f"The plan is stopped after a red flag ({', '.join(state.stop_reasons)}): see a clinician first"
        return TodayPlan(
            day,
            state.phase,
            phase.title,
            stage_label(state.phase, state.stage, facts),
            "rest",
            (),
            None,
            gate_to,
            gate,
            (text,),
            facts.onset,
            facts.structure,
            rules=("progress.plan_stopped",),
        )
    kind, run, notes = _kind_and_run(state, facts, day)
    per_week = None
    if state.phase == "full_training" and phase.stages[min(state.stage, len(phase.stages) - 1)].id == "prevention":
        per_week = p.running.prevention_sessions_per_week
    child = is_child(facts.age)
    sore = _too_sore(last_checkin, facts.pain_rules.ceiling(facts.day_of(day)))
    ids = _easier(_exercise_ids(state, p), p, sore is not None, child)
    if sore is not None and ids != _exercise_ids(state, p):
        notes.append(reason(R_UNLOAD, f"No hopping or loaded work today: {sore} at the last check-in"))
        rules.append(R_UNLOAD.id)
    if child:
        rules.append(R_CHILD.id)
    items = () if kind == "rest" else _items(ids, p, facts.structure, per_week=per_week, child=child)
    categories = {i.exercise.category for i in items}
    if "eccentric" in categories:
        rules.append(RULE_ECCENTRIC.id)
    if categories & {"stretch", "soft_tissue"}:
        rules.append(RULE_STRETCH.id)
    if run is not None:
        rules.append(RULE_WALK_RUN.id)
    if notes:
        rules.append(R_AFTER_RUN.id)
    advice: tuple[dict[str, object], ...] = ()
    if 0 <= facts.day_of(day) <= ACUTE_DAYS:  # only while the injury is acute, counted from the real onset
        rules += [RULE_ACUTE.id, R_ACUTE_ONLY.id]
        advice = tuple(
            {"id": a.id, "title": a.title, "text": a.text, "evidence": a.evidence, "note": a.note}
            for a in p.acute_advice
        )
    education = {"why_this_phase": phase.purpose, "calf_anatomy": p.education["calf_anatomy"]}
    education.update({k: v for k, v in p.education.items() if k != "calf_anatomy"})
    cross = tuple({"id": c.id, "name": c.name, "notes": c.notes} for c in p.cross_training_for(state.phase))
    return TodayPlan(
        day,
        state.phase,
        phase.title,
        stage_label(state.phase, state.stage, facts),
        kind,
        items,
        run,
        gate_to,
        gate,
        (*notes, *_warnings(state, facts, day)),
        facts.onset,
        facts.structure,
        education,
        cross,
        advice,
        tuple(dict.fromkeys(rules)),
    )
