"""The triage wizard's screens, built from the triage contract's question list (:func:`questions`): its groups in
asking order (the red-flag screen first), each cut into short screens. Skip logic is the contract's own
(``Question.should_ask``); these screens describe the contract for the JSON twin (``/api/v1/triage/questions``).

The pages ask the pure question plan the CLI asks (:func:`plan_for`, one step per screen: a question, a "pick all
that apply" checklist, or a yes/no gate over a list), so the web asks the same short set with the same skip logic.

Form values: yes/no questions post ``yes`` / ``no`` / ``""`` (don't know); choices post the value or ``""``; the clot
risk factors post each ticked factor plus ``clot_risk_factors__none=none`` for "none of these"; numbers post text.
A key left blank is "don't know": it is removed from the answers, never read as "no".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calfcare.clinical.questions import Step, apply_reply, assessment_steps
from calfcare.contracts.assessment import GROUPS, Question, questions
from calfcare.errors import FieldProblem

SCREEN_SIZE = 5
#: self-tests drawn for calfcare (illustrations/<name>.svg.j2, by web-art)
ILLUSTRATIONS = {
    "pain_location": "leg_back",
    "single_leg_heel_raises_injured": "heel_raise",
    "pain_loading_knee_straight": "knee_straight",
    "pain_loading_knee_bent": "knee_bent",
    "squeeze_test_no_movement": "squeeze_test",
}
#: keys that get a screen of their own (a picture to tap, or a test to do)
_OWN_SCREEN = frozenset({"pain_location", "single_leg_heel_raises_injured", "squeeze_test_no_movement"})
PAIN_WORDS = ("none", "worst imaginable")
CHOICE_WORDS = {
    "upper_inner_calf": "upper calf, inner side",
    "upper_outer_calf": "upper calf, outer side",
    "mid_calf": "middle of the calf",
    "lower_calf": "lower calf",
    "achilles": "Achilles tendon",
    "heel": "heel",
    "behind_knee": "behind the knee",
    "shin_bone": "shin bone",
    "whole_calf": "the whole calf",
    "sprint_or_intervals": "sprinting or intervals",
    "jumping_or_lunging": "jumping or lunging",
    "steady_run": "a steady run",
    "long_run": "a long run",
    "walking_or_daily_life": "walking or daily life",
    "other_sport": "another sport",
    "none": "nothing in particular",
    "tight_or_cramping": "tight or cramping",
    "long_travel": "a flight or drive over 4 hours",
    "cast_or_boot": "a cast or boot",
    "bed_rest": "bed rest",
    "hormones": "hormone pills or HRT",
    "cancer": "cancer treatment",
    "previous_clot": "a previous clot",
}


def words(value: str) -> str:
    return CHOICE_WORDS.get(value, value.replace("_", " "))


@dataclass(frozen=True)
class Screen:
    number: int  # 1-based
    group: str
    title: str
    questions: tuple[Question, ...]

    def asked(self, answers: Mapping[str, Any]) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.should_ask(dict(answers)))


def _build() -> tuple[Screen, ...]:
    titles = {g: t for g, t, _ in GROUPS}
    out: list[Screen] = []
    for group, _, _ in GROUPS:
        chunk: list[Question] = []
        for q in (q for q in questions() if q.group == group):
            if q.key in _OWN_SCREEN or len(chunk) >= SCREEN_SIZE:
                if chunk:
                    out.append(Screen(len(out) + 1, group, titles[group], tuple(chunk)))
                chunk = []
            chunk.append(q)
            if q.key in _OWN_SCREEN:
                out.append(Screen(len(out) + 1, group, titles[group], tuple(chunk)))
                chunk = []
        if chunk:
            out.append(Screen(len(out) + 1, group, titles[group], tuple(chunk)))
    return tuple(out)


SCREENS: tuple[Screen, ...] = _build()


def screens_for(answers: Mapping[str, Any]) -> list[Screen]:
    """The screens with at least one question to ask, given the answers so far."""
    return [s for s in SCREENS if s.asked(answers)]


def next_screen(number: int, answers: Mapping[str, Any]) -> int | None:
    later = [s.number for s in screens_for(answers) if s.number > number]
    return later[0] if later else None


def previous_screen(number: int, answers: Mapping[str, Any]) -> int | None:
    earlier = [s.number for s in screens_for(answers) if s.number < number]
    return earlier[-1] if earlier else None


def screen(number: int) -> Screen | None:
    return SCREENS[number - 1] if 1 <= number <= len(SCREENS) else None


def is_pain(q: Question) -> bool:
    return q.kind == "int" and q.maximum == 10


def parse_screen(
    shown: tuple[Question, ...], form: Mapping[str, Any], getlist: Any
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The answers posted for the questions shown: key → value, or key → None for "don't know" (remove it)."""
    out: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for q in shown:
        raw = form.get(q.key)
        text = raw.strip() if isinstance(raw, str) else ""
        if q.kind == "bool":
            out[q.key] = {"yes": True, "no": False}.get(text)
        elif q.kind == "choice":
            out[q.key] = text or None
        elif q.kind == "choices":
            ticked = [v for v in getlist(q.key) if isinstance(v, str) and v]
            out[q.key] = ticked if ticked else ([] if form.get(f"{q.key}__none") == "none" else None)
        elif not text:
            out[q.key] = None
        else:
            try:
                out[q.key] = int(text) if q.kind == "int" else float(text.replace(",", "."))
            except ValueError:
                kind = "a whole number" if q.kind == "int" else "a number"
                problems.append(FieldProblem(q.key, f"expected {kind}, got {text!r}"))
    return out, problems


def merge(draft: Mapping[str, Any], posted: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(draft)
    for key, value in posted.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


# --- the wizard on the clinical question plan (the same plan the CLI asks; one step per screen) ---------------------

QUESTIONS: dict[str, Question] = {q.key: q for q in questions()}
#: the lead under the safety section's screens
SAFETY_LEAD = (
    "These questions look for signs that need a doctor, not a rehab plan. Answer “don't know” if you are not sure."
)


def plan_for(answers: Mapping[str, Any]) -> tuple[Step, ...]:
    """The steps the question plan asks for these answers (:func:`calfcare.clinical.questions.assessment_steps`),
    keys the contract does not offer left out; screen ``n`` is step ``n`` (1-based)."""
    return tuple(s for s in assessment_steps(answers) if s.kind != "question" or s.id in QUESTIONS)


def step_at(number: int, answers: Mapping[str, Any]) -> Step | None:
    steps = plan_for(answers)
    return steps[number - 1] if 1 <= number <= len(steps) else None


def parse_step(step: Step, form: Mapping[str, Any], getlist: Any) -> tuple[Any, list[FieldProblem]]:
    """The reply to one step from the posted form (see :func:`calfcare.clinical.questions.apply_reply`): a question's
    value (None = don't know), a checklist's ticked items (``[]`` = none, None = don't know: ``<id>__dontknow``), a
    gate's yes / no / don't know."""
    if step.kind == "question":
        posted, problems = parse_screen((QUESTIONS[step.id],), form, getlist)
        return posted.get(step.id), problems
    if step.kind == "checklist":
        if form.get(f"{step.id}__dontknow") == "yes":
            return None, []
        return [k for k in step.items if form.get(k) == "yes"], []
    return {"yes": True, "no": False}.get(str(form.get(step.id) or "")), []


def apply(step: Step, reply: Any, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with one reply applied (helper keys kept for the plan; JSON-ready lists)."""
    base = dict(answers)
    if step.kind != "question":  # answered again: the items follow the new reply only (never a stale "no")
        for key in step.items:
            base.pop(key, None)
    out = apply_reply(step, reply, base)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}
