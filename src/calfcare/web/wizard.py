"""The triage wizard on the pure question plan the CLI asks (:func:`plan_for`, one step per screen: a question, a
"pick all that apply" checklist, or a yes/no gate over a list), so the web asks the same short set with the same skip
logic; :func:`step_json` is a step as the JSON twin (``/api/v1/triage/questions``, ``/api/v1/triage/steps``) gives it.

Form values: yes/no questions post ``yes`` / ``no`` / ``""`` (don't know); choices post the value or ``""``; the clot
risk factors post each ticked factor plus ``clot_risk_factors__none=none`` for "none of these"; numbers post text.
A key left blank is "don't know": it is removed from the answers, never read as "no".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from calfcare.clinical.questions import Step, apply_reply, assessment_steps
from calfcare.contracts.assessment import Question, questions
from calfcare.errors import FieldProblem

#: self-tests drawn for calfcare (illustrations/<name>.svg.j2, by web-art)
ILLUSTRATIONS = {
    "pain_location": "leg_back",
    "single_leg_heel_raises_injured": "heel_raise",
    "pain_loading_knee_straight": "knee_straight",
    "pain_loading_knee_bent": "knee_bent",
    "squeeze_test_no_movement": "squeeze_test",
}
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


def question_json(q: Question) -> dict[str, Any]:
    """One contract question as the JSON twin gives it (wording, type, range, the self-test drawing if any)."""
    return {
        "key": q.key, "group": q.group, "title": q.title, "text": q.text, "kind": q.kind,
        "choices": list(q.choices), "minimum": q.minimum, "maximum": q.maximum,
        "emergency_if_yes": q.emergency_if_yes, "illustration": ILLUSTRATIONS.get(q.key),
    }  # fmt: skip


def step_json(number: int, step: Step) -> dict[str, Any]:
    """Screen ``number`` of the wizard as JSON: the step's kind, section and wording (a question's own wording when the
    step has none), its items with their short labels (checklists and gates), and the question for a question step."""
    question = QUESTIONS.get(step.id) if step.kind == "question" else None
    return {
        "number": number,
        "id": step.id,
        "kind": step.kind,
        "section": step.section,
        "text": step.text if step.text is not None else (question.text if question else None),
        "items": [{"key": k, "label": label} for k, label in zip(step.items, step.labels, strict=True)],
        "follow_up": step.follow_up,
        "question": question_json(question) if question else None,
    }


def steps_json(answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every screen the wizard asks for these answers, in order (screen ``n`` is ``/triage/n``)."""
    return [step_json(i, step) for i, step in enumerate(plan_for(answers), start=1)]
