"""The check-in form: which of the contract's keys matter on a given day, and turning the posted form into answers.

Sliders (0–10, words at the ends) always post a number; toggles post ``yes`` when on; heel-raise counts are blank
when not tested; hop pain has a "not tried" box. The safety screen is one question (``screen=no`` answers every
red-flag key "no"); on yes, the signs ticked are "yes" and the others "no"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from calfcare.clinical.answers import CLOT_RISKS, RED_FLAG_KEYS
from calfcare.clinical.checkin import SESSION_KINDS, SESSIONS
from calfcare.contracts.assessment import AssessmentAnswersIn
from calfcare.contracts.checkin import CheckInAnswersIn
from calfcare.errors import FieldProblem

SLIDERS_ALWAYS = ("morning_pain", "morning_stiffness", "pain_rest", "pain_walking")
TOGGLES = ("limp", "swelling_increased")
SESSION_SLIDERS = ("session_rpe", "pain_during_session", "pain_after_session")
SESSION_NUMBERS = ("session_minutes", "session_distance_km")
HEEL_RAISES = ("single_leg_heel_raises_injured", "single_leg_heel_raises_other")
SCREEN_FLAGS = tuple(k for k in RED_FLAG_KEYS if k != "clot_risk_factors")
CLOT_CHOICES: tuple[str, ...] = tuple(CLOT_RISKS)
SLIDER_WORDS = {"session_rpe": ("rest", "maximal")}
_HEEL_PHASES = ("mobility", "strength", "return_to_run", "full_training")
_HOP_PHASES = ("strength", "return_to_run", "full_training")


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


def fields_for(phase: str | None, status: str | None) -> dict[str, list[Field]]:
    """The questions that matter today, by section."""
    body = [_field(k, "slider") for k in SLIDERS_ALWAYS] + [_field(k, "toggle") for k in TOGGLES]
    if phase in _HEEL_PHASES:
        body += [_field(k, "count") for k in HEEL_RAISES]
    if phase in _HOP_PHASES:
        body.append(_field("hop_pain", "hop"))
    session = [_field(k, "number") for k in SESSION_NUMBERS] + [_field(k, "slider") for k in SESSION_SLIDERS]
    extra = [_field("cleared_by_clinician", "toggle")] if status == "referred" else []
    return {"body": body, "session": session, "extra": extra}


def screen_signs() -> list[tuple[str, str]]:
    """(key, question) of every red-flag sign, for the details under the one safety question."""
    fields = AssessmentAnswersIn.model_fields
    return [(k, fields[k].description or k) for k in SCREEN_FLAGS]


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
    flags = {v for v in getlist("flag") if isinstance(v, str)}
    clots = [v for v in getlist("clot_risk_factors") if isinstance(v, str) and v]
    screen = form.get("screen")
    if flags or clots:
        out.update({k: k in flags for k in SCREEN_FLAGS})
        out["clot_risk_factors"] = clots
    elif screen == "no":
        out.update(dict.fromkeys(SCREEN_FLAGS, False))
        out["clot_risk_factors"] = []
    elif screen == "yes":
        problems.append(
            FieldProblem("screen", "you answered yes: tick the signs you have, so calfcare can say where to go")
        )
    return out, problems
