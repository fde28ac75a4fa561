"""The question plan: which questions to ask, in which order, given the answers so far. Pure (no I/O, no Rich), so
the CLI questionnaire and the web wizard share one plan.

Public API::

    assessment_steps(answers) -> tuple[Step, ...]            # every step that applies to these answers, in order
    checkin_steps(answers, context) -> tuple[Step, ...]      # the same for a daily check-in (phase-aware)
    next_step(steps, asked) -> Step | None                   # the first step not asked yet
    apply_reply(step, reply, answers, context=None) -> dict  # the answers with one reply applied (a new dict)
    public_answers(answers) -> dict                          # without the helper keys (``_…``): the contract keys
    CheckinContext(phase, referred, awaiting_clearance, …) # what the check-in plan needs to know about the plan
    phase_needs(phase) -> frozenset[str]                     # the check-in keys a phase's gates and entry read
    run_steps(run_day) -> tuple[Step, ...]                   # how a run felt that was done before running was allowed
    run_checkin(run, answers) -> dict                        # those answers as the check-in of the run's day
    SAFETY_LABELS                                            # short words for each red-flag key (checklists, gates)

A :class:`Step` is one question on screen, of three kinds:

* ``question`` — one contract key (``step.id``); its wording, type and range come from the contract's JSON Schema.
* ``checklist`` — "pick all that apply": each key in ``step.items`` becomes true if picked, false if not; a
  "don't know" reply (``None``) leaves every item unknown (never "no").
* ``gate`` — a yes/no over ``step.items``: "no" answers every item no (an empty list for list keys); "yes" or
  "don't know" asks each item on its own (they follow as ``question`` steps).

Replies: ``question`` → the value (``None`` = don't know); ``checklist`` → a collection of the picked item keys, or
``None``; ``gate`` → ``True`` / ``False`` / ``None``. Helper keys (the step ids of checklists and gates, ``_…``)
remember the reply so later steps can depend on it; :func:`public_answers` drops them.

A step with ``follow_up`` true belongs to the step before it: a questionnaire that stops at an emergency answer
(the CLI does) checks only before a step that is not a follow-up, so that e.g. "only while running?" is asked
before a pale foot is called an emergency. The plan never asks a key twice: a key answered in a checklist or gate
is not asked again as a question.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from calfcare.clinical.answers import HARD_EXERTION, LOW_LOCATIONS, RED_FLAG_KEYS
from calfcare.clinical.protocol import PHASES, protocol

__all__ = [
    "SAFETY_LABELS",
    "CheckinContext",
    "Step",
    "apply_reply",
    "assessment_steps",
    "checkin_steps",
    "next_step",
    "phase_needs",
    "public_answers",
    "run_checkin",
    "run_steps",
]

StepKind = Literal["question", "checklist", "gate"]
Answers = Mapping[str, Any]

#: the check-in key for a new snap or pop (CHECKIN.md Additions); asked inside the daily safety gate
SNAP_KEY = "felt_snap_or_pop"
#: keys whose answer is a list ("no" to their gate means an empty list)
LIST_KEYS = frozenset({"clot_risk_factors", "medicines"})

#: short words for the red-flag keys, as listed in checklists and in the daily "anything new?" gate
SAFETY_LABELS: dict[str, str] = {
    "breathless_or_chest_pain": "sudden breathlessness, or chest pain worse on breathing in",
    "coughing_blood": "coughing up blood",
    "fainting_or_racing_heart": "fainting or a racing heart",
    "whole_leg_swollen": "the whole leg swollen",
    "calf_bigger_than_other": "the calf visibly bigger than the other one",
    "skin_warm_red_or_dark": "calf skin warm, red, dark or shiny",
    "clot_risk_factors": "a new clot risk: surgery, hospital stay, cast or boot, bed rest, a long flight or drive, …",
    "pain_escalating_out_of_proportion": "pain that keeps getting worse, far more than the injury explains",
    "calf_rock_hard": "the calf tense and rock-hard",
    "pain_moving_toes_passively": "severe pain when someone gently moves your toes or ankle",
    "foot_numb_or_tingling": "a numb or tingling foot",
    "foot_weak_or_dropping": "a weak or dropping foot (cannot lift the foot or toes properly)",
    "foot_cold_pale_or_blue": "a cold, pale or blue foot",
    "back_pain_or_sciatica": "back pain, or pain running from the buttock or thigh to below the knee",
    "saddle_numbness_or_bladder_bowel_change": "numbness around the genitals or bottom, or new bladder/bowel trouble",
    "sciatica_both_legs": "pain running down into both legs",
    "fever_or_unwell": "a fever, or feeling generally unwell",
    "redness_spreading": "redness on the leg that is spreading",
    "wound_bite_or_blister": "a cut, bite or blister on that leg or foot",
    "bone_point_tender": "one spot on the shin bone that hurts sharply when pressed",
    "pain_on_hopping": "pain when hopping on that leg",
    "night_or_rest_pain": "pain that wakes you at night, or is worse at rest",
    "pain_at_fixed_point_of_run_eases_quickly": "pain at the same point of every run, gone minutes after stopping",
    "both_legs_affected": "both legs affected",
    "lump_behind_knee": "a lump behind the knee",
    "dark_urine": "urine the colour of tea or cola since the run or the injury",
    "foot_symptoms_only_during_runs": "the foot goes cold, pale, numb or tingly only while running",
    "calf_pain_after_fixed_walking_distance": "calf pain after walking the same distance each time",
    "skin_dusky_or_blistering": "calf skin turning dusky, purple, or blistering",
    SNAP_KEY: "a new snap or pop felt or heard in the calf or Achilles",
    # the other checklists
    "felt_snap": "you felt or heard a snap or pop",
    "felt_kicked": "it felt as if someone kicked or hit the back of your leg, with nobody there",
    "direct_blow": "something hit the calf (a kick, a ball, a fall onto it)",
    "forefoot_runner": "you land on the front of your foot or toes when you run",
    "recent_mileage_increase": "your weekly distance went up quickly in the last 4 weeks",
    "recent_speedwork_increase": "more or new intervals, sprints, hills or races lately",
    "swelling": "swelling at the sore spot",
    "bruising": "bruising",
    "gap_felt": "a dent or gap you can feel in the muscle or tendon at the sore spot",
    "limp": "walking with a limp today",
    "swelling_increased": "more swelling than yesterday",
}


@dataclass(frozen=True)
class Step:
    """One question on screen (see the module docstring for the three kinds and their replies)."""

    id: str  # the contract key (question) or a helper id starting with "_" (checklist, gate)
    kind: StepKind
    section: str  # the heading it belongs to
    text: str | None = None  # checklists and gates: the question; questions: None = the contract's own wording
    items: tuple[str, ...] = ()  # checklists and gates: the keys the reply answers
    follow_up: bool = False  # part of the step before (an emergency check waits until it is asked)

    @property
    def labels(self) -> tuple[str, ...]:
        """Short words for each item, in order (checklists and gates)."""
        return tuple(SAFETY_LABELS.get(k, k.replace("_", " ")) for k in self.items)


@dataclass(frozen=True)
class CheckinContext:
    """What the check-in plan needs to know about the runner's plan today."""

    phase: str | None = None  # protect | mobility | strength | return_to_run | full_training (None: not known)
    referred: bool = False  # the plan is stopped by a referral: ask whether a clinician cleared the runner
    awaiting_clearance: bool = False  # a severe tear waits for a clinician's clearance to run: ask about it too
    prescribed: str | None = None  # today's prescription kind (rest, rehab_exercises, walk, walk_run, run)
    offered: frozenset[str] | None = None  # the keys the check-in contract offers (None: every key here)


# --- the assessment ---

SAFETY = "Safety questions first"
ABOUT = "About you and the moment it happened"
NOW = "What it feels like now (self-tests)"

_EMERGENCY_NOW = (
    "breathless_or_chest_pain",
    "coughing_blood",
    "fainting_or_racing_heart",
    "pain_escalating_out_of_proportion",
    "calf_rock_hard",
    "pain_moving_toes_passively",
    "foot_cold_pale_or_blue",
    "saddle_numbness_or_bladder_bowel_change",
    "skin_dusky_or_blistering",
)
_LEG_NOW = (
    "whole_leg_swollen",
    "calf_bigger_than_other",
    "skin_warm_red_or_dark",
    "foot_numb_or_tingling",
    "foot_weak_or_dropping",
    "back_pain_or_sciatica",
    "fever_or_unwell",
    "redness_spreading",
    "wound_bite_or_blister",
)
_PATTERNS = (
    "bone_point_tender",
    "night_or_rest_pain",
    "pain_at_fixed_point_of_run_eases_quickly",
    "both_legs_affected",
    "calf_pain_after_fixed_walking_distance",
)

Condition = Callable[[Answers], bool]


def _yes(*keys: str) -> Condition:
    return lambda a: any(a.get(k) is True for k in keys)


def _not_no(key: str) -> Condition:
    return lambda a: a.get(key) is not False


def _listed(a: Answers, key: str, value: str) -> bool:
    items = a.get(key)
    return isinstance(items, (list, tuple)) and value in items


def _all(*conditions: Condition) -> Condition:
    return lambda a: all(c(a) for c in conditions)


def _achilles_story(a: Answers) -> bool:
    """Ask the squeeze test: a snap or kick, a sudden pain low in the calf, or (almost) no heel raise."""
    raises = a.get("single_leg_heel_raises_injured")
    low_and_sudden = a.get("pain_location") in LOW_LOCATIONS and a.get("onset") != "gradual"
    return bool(a.get("felt_snap") or a.get("felt_kicked") or low_and_sudden or (raises is not None and raises <= 3))


def _q(key: str, section: str, when: Condition | None = None, *, follow_up: bool = False) -> tuple[Step, Condition]:
    return Step(key, "question", section, follow_up=follow_up), (when or (lambda a: True))


def _checklist(id: str, section: str, text: str, items: tuple[str, ...]) -> tuple[Step, Condition]:
    return Step(id, "checklist", section, text, items), (lambda a: True)


_ASSESSMENT: tuple[tuple[Step, Condition], ...] = (
    _checklist(
        "_emergency_now", SAFETY, "Do you have any of these now? Pick all that apply (or none).", _EMERGENCY_NOW
    ),
    _q("foot_symptoms_only_during_runs", SAFETY, _yes("foot_cold_pale_or_blue"), follow_up=True),
    _q("diabetes_or_weak_immunity", SAFETY, _yes("skin_dusky_or_blistering"), follow_up=True),
    _checklist("_leg_now", SAFETY, "And any of these? Pick all that apply (or none).", _LEG_NOW),
    _q(
        "foot_symptoms_only_during_runs",
        SAFETY,
        _yes("foot_numb_or_tingling"),
        follow_up=True,
    ),
    _q("sciatica_both_legs", SAFETY, _not_no("back_pain_or_sciatica"), follow_up=True),
    _q(
        "diabetes_or_weak_immunity",
        SAFETY,
        _yes("redness_spreading", "wound_bite_or_blister", "fever_or_unwell"),
        follow_up=True,
    ),
    (
        Step(
            "_clot_gate",
            "gate",
            SAFETY,
            "In the last 12 weeks: surgery, a hospital stay, a cast or boot, bed rest, hormone pills or therapy, "
            "cancer, pregnancy or a birth in the last 6 weeks — or ever a clot or a clotting disorder — or a flight "
            "or drive over 4 hours in the last 4 weeks?",
            ("clot_risk_factors",),
        ),
        lambda a: True,
    ),
    _q("clot_risk_factors", SAFETY, lambda a: a.get("_clot_gate") is not False, follow_up=True),
    _checklist("_patterns", SAFETY, "Does any of these describe your pain? Pick all that apply (or none).", _PATTERNS),
    _q("pain_on_hopping", SAFETY, _yes("bone_point_tender", "night_or_rest_pain"), follow_up=True),
    _q("previous_stress_fracture", SAFETY, _yes("bone_point_tender", "night_or_rest_pain"), follow_up=True),
    _q("low_energy_or_missed_periods", SAFETY, _yes("bone_point_tender", "night_or_rest_pain"), follow_up=True),
    _q("age", ABOUT),
    _q("sex", ABOUT),
    _q("side", ABOUT),
    _q("days_since_onset", ABOUT),
    _q("onset", ABOUT),
    _q("activity_at_onset", ABOUT),
    _checklist(
        "_moment",
        ABOUT,
        "At that moment, did any of these happen? Pick all that apply (or none).",
        ("felt_snap", "felt_kicked", "direct_blow"),
    ),
    _checklist(
        "_training",
        ABOUT,
        "Are any of these true for you? Pick all that apply (or none).",
        ("forefoot_runner", "recent_mileage_increase", "recent_speedwork_increase"),
    ),
    _q("previous_calf_strains", ABOUT),
    _q("medicines", ABOUT),
    _q("dark_urine", ABOUT, lambda a: _listed(a, "medicines", "statin"), follow_up=True),
    _q("pain_location", NOW),
    _q("pain_character", NOW),
    _q("pain_rest", NOW),
    _q("can_bear_weight", NOW),
    _q("pain_walking", NOW, _not_no("can_bear_weight")),
    _q("walks_normally", NOW, _not_no("can_bear_weight")),
    _q("single_leg_heel_raises_injured", NOW, _not_no("can_bear_weight")),
    _q("single_leg_heel_raises_other", NOW, lambda a: a.get("single_leg_heel_raises_injured") is not None),
    _q("pain_loading_knee_straight", NOW, _not_no("can_bear_weight")),
    _q("pain_loading_knee_bent", NOW, _not_no("can_bear_weight")),
    _checklist(
        "_spot",
        NOW,
        "At the sore spot, is there any of these? Pick all that apply (or none).",
        ("swelling", "bruising", "gap_felt"),
    ),
    _q("bruising_around_ankle", NOW, _yes("bruising"), follow_up=True),
    _q(
        "knee_swelling_or_arthritis",
        NOW,
        lambda a: (
            _yes("swelling", "calf_bigger_than_other", "whole_leg_swollen")(a)
            or a.get("pain_location") == "behind_knee"
        ),
        follow_up=True,
    ),
    _q("lump_behind_knee", NOW, _yes("knee_swelling_or_arthritis"), follow_up=True),
    _q("squeeze_test_no_movement", NOW, _achilles_story, follow_up=True),
)


#: checklist items offered only when they matter: dark urine only after hard exertion or when the activity is not
#: known (a statin asks it apart), as :func:`calfcare.clinical.answers.urine_matters` requires it
_EXTRA_ITEMS: dict[str, tuple[tuple[str, Condition], ...]] = {
    "_moment": (("dark_urine", lambda a: a.get("activity_at_onset") in (*HARD_EXERTION, None)),),
}


def _applicable(table: tuple[tuple[Step, Condition], ...], answers: Answers) -> tuple[Step, ...]:
    """The steps whose condition holds; a key answered by an earlier checklist or gate is not asked again."""
    out: list[Step] = []
    covered: set[str] = set()
    for step, when in table:
        if not when(answers):
            continue
        if extra := tuple(k for k, cond in _EXTRA_ITEMS.get(step.id, ()) if cond(answers)):
            step = replace(step, items=step.items + extra)
        if step.kind == "question" and (step.id in covered or any(s.id == step.id for s in out)):
            continue
        out.append(step)
        if step.kind == "checklist" or (step.kind == "gate" and answers.get(step.id) is False):
            covered.update(step.items)
    return tuple(out)


def assessment_steps(answers: Answers) -> tuple[Step, ...]:
    """Every step of the triage questionnaire that applies to the answers so far, in asking order: the safety
    screen first (four screens for a runner with nothing to report), then the runner and the moment, then the
    self-tests. Follow-ups appear only after the answer that needs them."""
    return _applicable(_ASSESSMENT, answers)


# --- the daily check-in ---

TODAY_SAFETY = "Safety first"
TODAY_CALF = "How the calf is today"
TODAY_SESSION = "What you did today"

#: criterion id (protocol.toml) → the check-in key it reads
_CRITERION_KEYS: dict[str, tuple[str, ...]] = {
    "pain_rest_max": ("pain_rest",),
    "pain_walking_max": ("pain_walking",),
    "no_limp": ("limp",),
    "heel_raises_min": ("single_leg_heel_raises_injured",),
    "heel_raise_asymmetry_max_pct": ("single_leg_heel_raises_injured", "single_leg_heel_raises_other"),
    "heel_raise_floor": ("single_leg_heel_raises_injured",),
    "heel_raise_lsi_min_pct": ("single_leg_heel_raises_injured", "single_leg_heel_raises_other"),
    "hop_pain_max": ("hop_pain",),
    "morning_pain_max": ("morning_pain",),
}


def phase_needs(phase: str | None) -> frozenset[str]:
    """The check-in keys the phase's gate (exit) and entry criteria read, from the protocol data. With no phase
    (not known) every key any phase reads."""
    phases = [phase] if phase in PHASES else list(PHASES)
    keys: set[str] = set()
    for pid in phases:
        p = protocol().phase(pid)
        for criterion in (*p.entry, *p.exit):
            keys.update(_CRITERION_KEYS.get(criterion.id, ()))
    return frozenset(keys)


_RAN = frozenset({"walk_run", "run"})
_ON_FOOT = frozenset({"walk", "walk_run", "run"})


def _session_kind(a: Answers, ctx: CheckinContext) -> str | None:
    kind = a.get("session_kind")
    if kind is None and a.get("session") == "as_prescribed":
        return ctx.prescribed
    return str(kind) if kind is not None else None


def _did(a: Answers) -> bool:
    return a.get("session") not in (None, "none")


#: a follow-up is asked right after the key it depends on
_FOLLOWS: dict[str, str] = {
    "sciatica_both_legs": "back_pain_or_sciatica",
    "foot_symptoms_only_during_runs": "foot_cold_pale_or_blue",
    "lump_behind_knee": "calf_bigger_than_other",
}


def _detail_order(keys: tuple[str, ...]) -> list[str]:
    out = [k for k in keys if k not in _FOLLOWS]
    for follower, parent in _FOLLOWS.items():
        if follower in keys:
            out.insert(out.index(parent) + 1 if parent in out else len(out), follower)
    return out


def _rest_pain_matters(needs: frozenset[str]) -> Condition:
    def ask(a: Answers) -> bool:
        if "pain_rest" in needs or a.get("morning_pain") != 0 or a.get("night_or_rest_pain") is not False:
            return True
        return "pain_walking" in a and a.get("pain_walking") != 0

    return ask


def _checkin_table(ctx: CheckinContext) -> tuple[tuple[Step, Condition], ...]:
    needs = phase_needs(ctx.phase)
    screen = tuple(k for k in (*RED_FLAG_KEYS, SNAP_KEY) if ctx.offered is None or k in ctx.offered)
    gate = Step(
        "_new_since_yesterday",
        "gate",
        TODAY_SAFETY,
        "Since yesterday, is any of these new? (no = none of them)",
        screen,
    )

    def detail(a: Answers) -> bool:
        return a.get("_new_since_yesterday") is not False

    rows: list[tuple[Step, Condition]] = [(gate, lambda a: True)]
    follow: dict[str, Condition] = {
        "sciatica_both_legs": _not_no("back_pain_or_sciatica"),
        "foot_symptoms_only_during_runs": _yes("foot_cold_pale_or_blue", "foot_numb_or_tingling"),
        "lump_behind_knee": _yes("calf_bigger_than_other", "whole_leg_swollen"),
    }
    for key in _detail_order(screen):  # each detail is checked for an emergency, its own follow-ups first
        extra = follow.get(key)
        step = Step(key, "question", TODAY_SAFETY, follow_up=key in follow)
        rows.append((step, _all(detail, extra) if extra else detail))
    rows += [
        _q("cleared_by_clinician", TODAY_SAFETY, lambda a: ctx.referred or ctx.awaiting_clearance),
        _q("morning_pain", TODAY_CALF),
        _q("morning_stiffness", TODAY_CALF, lambda a: a.get("morning_pain") != 0),
        _q("pain_walking", TODAY_CALF, lambda a: "pain_walking" in needs),
        # rest pain above 2/10 blocks every gate and a rising rest pain refers (CHECKIN.md Additions): asked whenever
        # any pain was reported, also after a pain-free morning (an evening ache, walking pain, a "worse at rest" on
        # the safety screen); a day pain-free on all three counts skips it
        _q("pain_rest", TODAY_CALF, _rest_pain_matters(needs)),
        _checklist(
            "_today",
            TODAY_CALF,
            "Today, is there any of these? Pick all that apply (or none).",
            ("limp", "swelling_increased"),
        ),
        _q("single_leg_heel_raises_injured", TODAY_CALF, lambda a: ctx.phase != "protect"),
        _q(
            "single_leg_heel_raises_other",
            TODAY_CALF,
            lambda a: "single_leg_heel_raises_other" in needs and a.get("single_leg_heel_raises_injured") is not None,
        ),
        _q("hop_pain", TODAY_CALF, lambda a: "hop_pain" in needs and a.get("limp") is not True),
        _q("session", TODAY_SESSION),
        _q(
            "session_kind",
            TODAY_SESSION,
            lambda a: _did(a) and (a.get("session") != "as_prescribed" or ctx.prescribed is None),
        ),
        _q("session_minutes", TODAY_SESSION, lambda a: _did(a) and a.get("session") != "as_prescribed"),
        _q(
            "session_distance_km",
            TODAY_SESSION,
            lambda a: a.get("session") != "as_prescribed" and _session_kind(a, ctx) in _ON_FOOT,
        ),
        _q(
            "session_rpe",
            TODAY_SESSION,
            lambda a: a.get("session") != "as_prescribed" and _did(a) and _session_kind(a, ctx) in _RAN,
        ),
        _q("pain_during_session", TODAY_SESSION, _did),
        _q("pain_after_session", TODAY_SESSION, _did),
    ]
    if ctx.offered is not None:
        rows = [(s, c) for s, c in rows if s.kind != "question" or s.id in ctx.offered]
    return tuple(rows)


def checkin_steps(answers: Answers, context: CheckinContext | None = None) -> tuple[Step, ...]:
    """Every step of the daily check-in that applies to the answers so far and the plan's phase: the safety screen
    as ONE question ("anything new since yesterday?", with the list; the details only on yes), then only the calf
    questions the phase's gates read, then the session (what the prescription already says is not asked)."""
    return _applicable(_checkin_table(context or CheckinContext()), answers)


# --- runs done before running was allowed ---

#: how a run felt: the check-in keys asked about a run logged while running was not allowed yet
RUN_KEYS: tuple[str, ...] = ("pain_during_session", "pain_after_session", "morning_pain")
_RUN_TEXTS: dict[str, str] = {
    "pain_during_session": "How much did the calf hurt during that run (0 = none, 10 = worst imaginable)?",
    "pain_after_session": "And after it, that evening?",
    "morning_pain": "And on getting up the next morning?",
}


def run_steps(run_day: str) -> tuple[Step, ...]:
    """The questions about one run logged on ``run_day`` (ISO date) while running was not allowed yet (asked before
    the day's check-in; the answers go to the check-in of the run's day, :func:`run_checkin`)."""
    section = f"Your run on {run_day}, before running was allowed"
    return tuple(Step(k, "question", section, text=_RUN_TEXTS[k]) for k in RUN_KEYS)


def run_checkin(run: Mapping[str, Any], answers: Answers) -> dict[str, Any] | None:
    """The check-in answers for the day of ``run`` (``date``, ``distance_km``, ``minutes`` as in ``today``'s
    ``ask_about_runs``) from the replies to :func:`run_steps`: a run done instead of the plan. None when every reply
    was "don't know" (nothing to store)."""
    told = {k: answers[k] for k in RUN_KEYS if answers.get(k) is not None}
    if not told:
        return None
    out: dict[str, Any] = {"session": "different", "session_kind": "run", **told}
    if isinstance(run.get("minutes"), (int, float)) and run["minutes"] > 0:
        out["session_minutes"] = float(run["minutes"])
    if isinstance(run.get("distance_km"), (int, float)) and run["distance_km"] > 0:
        out["session_distance_km"] = float(run["distance_km"])
    return out


# --- walking through a plan ---


def next_step(steps: tuple[Step, ...], asked: Collection[str]) -> Step | None:
    """The first step whose id has not been asked yet (``asked``: the ids of the steps already asked)."""
    return next((s for s in steps if s.id not in asked), None)


def apply_reply(step: Step, reply: Any, answers: Answers, context: CheckinContext | None = None) -> dict[str, Any]:
    """A new answers dict with ``reply`` to ``step`` applied (see the module docstring for the replies)."""
    out = dict(answers)
    if step.kind == "question":
        if reply is None:
            out.pop(step.id, None)
        else:
            out[step.id] = reply
            if step.id == "session" and reply == "as_prescribed" and context and context.prescribed:
                out.setdefault("session_kind", context.prescribed)  # what today's prescription said
        return out
    if step.kind == "checklist":
        out[step.id] = None if reply is None else tuple(reply)
        if reply is not None:
            picked = set(reply)
            unknown = picked - set(step.items)
            if unknown:
                raise ValueError(f"{sorted(unknown)} are not items of {step.id}")
            for key in step.items:
                out[key] = key in picked
        return out
    out[step.id] = reply  # a gate
    if reply is False:
        for key in step.items:
            out[key] = [] if key in LIST_KEYS else False
    return out


def public_answers(answers: Answers) -> dict[str, Any]:
    """The contract keys only (helper keys starting with ``_`` dropped)."""
    return {k: v for k, v in answers.items() if not k.startswith("_")}
