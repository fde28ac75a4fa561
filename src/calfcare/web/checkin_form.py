"""The check-in form: which of the contract's keys matter on a given day, and turning the posted form into answers.

Which questions, and the safety screen's signs, come from the pure question plan the CLI asks
(:func:`calfcare.clinical.questions.checkin_steps` for the day's phase, referral and prescription): one page shows
every step the plan could ask today (the follow-ups that depend on another answer included, since a page cannot
wait for it), and nothing the plan leaves out.

Sliders (0–10, words at the ends) always post a number; toggles post ``yes`` when on; heel-raise counts are blank
when not tested; hop pain has a "not tried" box. The safety screen is one question (``screen=no`` answers every
red-flag key "no"); on yes, the signs ticked are "yes" and the others "no"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from calfcare.clinical.answers import CLOT_RISKS, RED_FLAG_KEYS
from calfcare.clinical.checkin import SESSION_KINDS, SESSIONS
from calfcare.clinical.questions import (
    SAFETY_LABELS,
    TODAY_CALF,
    TODAY_SAFETY,
    TODAY_SESSION,
    CheckinContext,
    Step,
    checkin_steps,
    run_checkin,
    run_steps,
)
from calfcare.contracts.checkin import CheckInAnswersIn
from calfcare.errors import FieldProblem

SLIDERS_ALWAYS = ("morning_pain", "morning_stiffness", "pain_rest", "pain_walking")
TOGGLES = ("limp", "swelling_increased")
SESSION_SLIDERS = ("session_rpe", "pain_during_session", "pain_after_session")
SESSION_NUMBERS = ("session_minutes", "session_distance_km")
HEEL_RAISES = ("single_leg_heel_raises_injured", "single_leg_heel_raises_other")
SCREEN_FLAGS = tuple(k for k in RED_FLAG_KEYS if k != "clot_risk_factors")  # the triage screen's signs
CLOT_CHOICES: tuple[str, ...] = tuple(CLOT_RISKS)
SLIDER_WORDS = {"session_rpe": ("rest", "maximal")}


@dataclass(frozen=True)
class Field:
    key: str
    kind: str  # slider | toggle | count | hop | number
    title: str
    text: str
    low_word: str = "none"
    high_word: str = "worst imaginable"


def _field(key: str, kind: str) -> Field:
    info = CheckInAnswersIn.model_fields[key]
    low, high = SLIDER_WORDS.get(key, ("none", "worst imaginable"))
    return Field(key, kind, info.title or key, info.description or key, low, high)


#: answers that open every conditional step of the plan (a page shows them all at once)
_PROBE: dict[str, Any] = {
    "_new_since_yesterday": True,
    "morning_pain": 1,
    "single_leg_heel_raises_injured": 1,
    "limp": False,
    "session": "different",
    "session_kind": "run",
}
_KINDS = {
    "morning_pain": "slider",
    "morning_stiffness": "slider",
    "pain_rest": "slider",
    "pain_walking": "slider",
    "single_leg_heel_raises_injured": "count",
    "single_leg_heel_raises_other": "count",
    "hop_pain": "hop",
    "session_minutes": "number",
    "session_distance_km": "number",
    "session_rpe": "slider",
    "pain_during_session": "slider",
    "pain_after_session": "slider",
    "cleared_by_clinician": "toggle",
}


def context_for(
    phase: str | None, status: str | None, *, awaiting_clearance: bool = False, prescribed: str | None = None
) -> CheckinContext:
    """The question plan's context for the day (the keys the check-in contract offers only)."""
    return CheckinContext(
        phase=phase,
        referred=status == "referred",
        awaiting_clearance=awaiting_clearance,
        prescribed=prescribed if status == "open" else None,
        offered=frozenset(CheckInAnswersIn.model_fields),
    )


def plan_steps(context: CheckinContext) -> tuple[Step, ...]:
    """Every step the plan could ask today, in its order: with no answers yet and with answers that open each
    follow-up."""
    out: dict[str, Step] = {s.id: s for s in checkin_steps({}, context)}
    for step in checkin_steps(_PROBE, context):
        out.setdefault(step.id, step)
    order = {s.id: i for i, s in enumerate(checkin_steps(_PROBE, context))}
    return tuple(sorted(out.values(), key=lambda s: order.get(s.id, len(order))))


def fields_for(
    phase: str | None, status: str | None, *, awaiting_clearance: bool = False, prescribed: str | None = None
) -> dict[str, list[Field]]:
    """The questions that matter today, by section, from the question plan."""
    sections = _fields(context_for(phase, status, awaiting_clearance=awaiting_clearance, prescribed=prescribed))
    return {name: list(fields) for name, fields in sections.items()}


@cache
def _fields(context: CheckinContext) -> dict[str, tuple[Field, ...]]:
    """:func:`fields_for` of a context (the question plan is pure and the protocol is read once, so each context's
    fields are worked out once per process; the caller gets its own lists)."""
    steps = plan_steps(context)
    body: list[Field] = []
    session: list[Field] = []
    extra: list[Field] = []
    for step in steps:
        if step.kind == "checklist" and step.section == TODAY_CALF:
            body += [_field(k, "toggle") for k in step.items if k in CheckInAnswersIn.model_fields]
        elif step.kind == "question" and step.id in _KINDS:
            f = _field(step.id, _KINDS[step.id])
            if step.section == TODAY_SAFETY:
                extra.append(f)
            elif step.section == TODAY_SESSION:
                session.append(f)
            else:
                body.append(f)
    return {"body": tuple(body), "session": tuple(session), "extra": tuple(extra)}


@cache
def screen_keys(context: CheckinContext | None = None) -> tuple[str, ...]:
    """The keys the day's one safety question covers (the plan's gate): a "no" answers each of them no."""
    steps = checkin_steps({}, context or context_for(None, None))
    gate = next((s for s in steps if s.kind == "gate" and s.section == TODAY_SAFETY), None)
    return gate.items if gate is not None else tuple(RED_FLAG_KEYS)


def screen_signs(context: CheckinContext | None = None) -> list[tuple[str, str]]:
    """(key, words) of every sign under the one safety question (the clot risks are listed apart)."""
    return [(k, SAFETY_LABELS.get(k, k.replace("_", " "))) for k in screen_keys(context) if k != "clot_risk_factors"]


SESSIONS_WORDS = {
    "none": "nothing today",
    "as_prescribed": "as prescribed",
    "less_than_prescribed": "less than prescribed",
    "more_than_prescribed": "more than prescribed",
    "different": "something different",
}
SESSION_KIND_WORDS = {k: k.replace("_", " ").replace("walk run", "walk-run") for k in SESSION_KINDS}
assert set(SESSIONS_WORDS) == set(SESSIONS)


def parse_checkin_form(
    form: Mapping[str, Any], getlist: Callable[[str], list[Any]], shown: dict[str, list[Field]]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Answers (contract keys) from the posted form, and the problems found before the contract's own checks."""
    out: dict[str, Any] = {}
    problems: list[FieldProblem] = []

    def number(key: str, *, whole: bool) -> None:
        raw = form.get(key)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            return
        try:
            out[key] = int(text) if whole else float(text.replace(",", "."))
        except ValueError:
            problems.append(FieldProblem(key, f"expected {'a whole number' if whole else 'a number'}, got {text!r}"))

    for f in shown["body"] + shown["extra"]:
        if f.kind == "slider":
            number(f.key, whole=True)
        elif f.kind == "toggle":
            out[f.key] = form.get(f.key) == "yes"
        elif f.kind == "count" or (f.kind == "hop" and form.get(f"{f.key}__skip") != "yes"):
            number(f.key, whole=True)
    session = form.get("session")
    if isinstance(session, str) and session:
        out["session"] = session
        if session != "none":
            kind = form.get("session_kind")
            if isinstance(kind, str) and kind:
                out["session_kind"] = kind
            number("session_minutes", whole=False)
            number("session_distance_km", whole=False)
            for key in SESSION_SLIDERS:
                number(key, whole=key != "session_rpe")
    signs = tuple(k for k in screen_keys() if k != "clot_risk_factors")
    flags = {v for v in getlist("flag") if isinstance(v, str)}
    clots = [v for v in getlist("clot_risk_factors") if isinstance(v, str) and v]
    screen = form.get("screen")
    if flags or clots:
        out.update({k: k in flags for k in signs})
        out["clot_risk_factors"] = clots
    elif screen == "no":
        out.update(dict.fromkeys(signs, False))
        out["clot_risk_factors"] = []
    elif screen == "yes":
        problems.append(
            FieldProblem("screen", "you answered yes: tick the signs you have, so calfcare can say where to go")
        )
    return out, problems


def run_fields(asks: list[dict[str, Any]], day: date) -> list[tuple[dict[str, Any], list[Field]]]:
    """For each run logged before running was allowed (``today``'s ``ask_about_runs``, days before ``day``): the
    plan's questions about it (:func:`calfcare.clinical.questions.run_steps`) as sliders named ``run-<date>-<key>``."""
    out = []
    for ask in asks:
        d = str(ask.get("date"))
        if d >= day.isoformat():
            continue
        fields = [
            Field(f"run-{d}-{s.id}", "slider", s.id, str(s.text), "none", "worst imaginable") for s in run_steps(d)
        ]
        out.append((ask, fields))
    return out


def parse_run_answers(form: Mapping[str, Any], asks: list[dict[str, Any]], day: date) -> dict[date, dict[str, Any]]:
    """The check-in answers of each earlier run day told in the form (``run-<date>-skip`` = not remembered)."""
    out: dict[date, dict[str, Any]] = {}
    for ask, fields in run_fields(asks, day):
        d = str(ask["date"])
        if form.get(f"run-{d}-skip") == "yes":
            continue
        replies: dict[str, Any] = {}
        for f in fields:
            raw = form.get(f.key)
            text = raw.strip() if isinstance(raw, str) else ""
            if text.isdigit():
                replies[f.title] = int(text)
        answers = run_checkin(ask, replies)
        if answers is not None:
            out[date.fromisoformat(d)] = answers
    return out
