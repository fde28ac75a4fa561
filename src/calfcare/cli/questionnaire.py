"""The interactive questionnaires behind ``calfcare assess`` and ``calfcare checkin`` (no ``--answers`` file).

Question wording, types and ranges come from the answers contract's JSON Schema (the same one ``--schema``
prints), so the questionnaire, the files and the web form cannot drift apart. The red-flag screen comes first,
and as soon as an answer makes an emergency red flag fire the questionnaire stops: the runner must not be kept
answering questions about heel raises while they should be calling an ambulance. Blank or ``?`` means "don't know"
(the key is left out, which the contract reads as unknown, never as "no").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.text import Text

from calfcare.errors import InvalidInput

Answers = dict[str, Any]
Condition = Callable[[Answers], bool]
EmergencyCheck = Callable[[Answers], bool]


@dataclass(frozen=True)
class Question:
    key: str
    when: Condition | None = None  # ask only when this holds for the answers so far
    section: str | None = None  # a heading shown before this question


def _yes(key: str) -> Condition:
    return lambda a: a.get(key) is True


def _not_no(key: str) -> Condition:
    """Ask unless the runner clearly said no (a "don't know" still asks the follow-up)."""
    return lambda a: a.get(key) is not False


def _can_stand(a: Answers) -> bool:
    return a.get("can_bear_weight") is not False


def _achilles_story(a: Answers) -> bool:
    low = a.get("pain_location") in {"lower_calf", "achilles", "heel"}
    return bool(a.get("felt_snap") or a.get("felt_kicked") or low or a.get("single_leg_heel_raises_injured") == 0)


def _clot_relevant(a: Answers) -> bool:
    return a.get("_clot_gate") is True


#: the screen, emergency signs first (pulmonary embolism, arterial, compartment, cauda equina), then urgent ones
RED_FLAG_SCREEN: tuple[Question, ...] = (
    Question("breathless_or_chest_pain", section="Safety questions first"),
    Question("coughing_blood"),
    Question("fainting_or_racing_heart"),
    Question("foot_cold_pale_or_blue"),
    Question("pain_escalating_out_of_proportion"),
    Question("calf_rock_hard"),
    Question("pain_moving_toes_passively"),
    Question("foot_numb_or_tingling"),
    Question("foot_weak_or_dropping"),
    Question("saddle_numbness_or_bladder_bowel_change"),
    Question("back_pain_or_sciatica"),
    Question("sciatica_both_legs", _not_no("back_pain_or_sciatica")),
    Question("whole_leg_swollen"),
    Question("calf_bigger_than_other"),
    Question("skin_warm_red_or_dark"),
    Question("_clot_gate"),
    Question("clot_risk_factors", _clot_relevant),
    Question("fever_or_unwell"),
    Question(
        "redness_spreading", lambda a: a.get("fever_or_unwell") is not False or a.get("skin_warm_red_or_dark") is True
    ),
    Question("wound_bite_or_blister"),
    Question("bone_point_tender"),
    Question("pain_on_hopping"),
    Question("night_or_rest_pain"),
    Question("pain_at_fixed_point_of_run_eases_quickly"),
    Question("both_legs_affected"),
    Question("lump_behind_knee"),
)

ASSESSMENT: tuple[Question, ...] = (
    *RED_FLAG_SCREEN,
    Question("age", section="About you and the moment it happened"),
    Question("sex"),
    Question("side"),
    Question("days_since_onset"),
    Question("onset"),
    Question("activity_at_onset"),
    Question("felt_snap"),
    Question("felt_kicked"),
    Question("direct_blow"),
    Question("forefoot_runner"),
    Question("recent_mileage_increase"),
    Question("recent_speedwork_increase"),
    Question("previous_calf_strains"),
    Question("knee_swelling_or_arthritis"),
    Question("pain_location", section="What it feels like now (self-tests)"),
    Question("pain_character"),
    Question("pain_rest"),
    Question("pain_walking"),
    Question("can_bear_weight"),
    Question("walks_normally", _can_stand),
    Question("single_leg_heel_raises_injured", _can_stand),
    Question("single_leg_heel_raises_other", _can_stand),
    Question("pain_loading_knee_straight", _can_stand),
    Question("pain_loading_knee_bent", _can_stand),
    Question("swelling"),
    Question("bruising"),
    Question("bruising_around_ankle", _yes("bruising")),
    Question("gap_felt"),
    Question("squeeze_test_no_movement", _achilles_story),
)

CHECKIN: tuple[Question, ...] = (
    *RED_FLAG_SCREEN,
    Question("cleared_by_clinician", lambda a: a.get("_referred") is True or a.get("_clearance") is True),
    Question("morning_pain", section="How the calf is today"),
    Question("felt_snap_or_pop"),
    Question("morning_stiffness"),
    Question("pain_rest"),
    Question("pain_walking"),
    Question("limp"),
    Question("swelling_increased"),
    Question("single_leg_heel_raises_injured"),
    Question("single_leg_heel_raises_other"),
    Question("hop_pain", lambda a: a.get("limp") is not True),
    Question("session", section="What you did today"),
    Question("session_kind", lambda a: a.get("session") not in (None, "none")),
    Question("session_minutes", lambda a: a.get("session") not in (None, "none")),
    Question("session_distance_km", lambda a: a.get("session_kind") in ("walk", "walk_run", "run")),
    Question("session_rpe", lambda a: a.get("session") not in (None, "none")),
    Question("pain_during_session", lambda a: a.get("session") not in (None, "none")),
    Question("pain_after_session", lambda a: a.get("session") not in (None, "none")),
)

_CLOT_GATE = {
    "title": "Clot risk",
    "description": (
        "In the last 12 weeks: a flight or drive over 4 hours (last 4 weeks), surgery, a cast or boot, bed rest, "
        "hormone pills or therapy, cancer, a previous clot, or pregnancy?"
    ),
    "type": "boolean",
}


@dataclass(frozen=True)
class Spec:
    """What one answer must look like, read from the JSON Schema."""

    text: str
    kind: str  # boolean | integer | number | choice | choices
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


def spec_from_schema(schema: Mapping[str, Any], key: str) -> Spec:
    if key == "_clot_gate":
        return Spec(_CLOT_GATE["description"], "boolean")
    prop = _resolve(schema, schema["properties"][key])
    text = str(prop.get("description") or prop.get("title") or key.replace("_", " "))
    if prop.get("type") == "array":
        items = _resolve(schema, prop.get("items", {}))
        return Spec(text, "choices", tuple(items.get("enum", ())))
    if "enum" in prop:
        return Spec(text, "choice", tuple(prop["enum"]))
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    return Spec(text, str(prop.get("type", "string")), low=low, high=high)


def _resolve(schema: Mapping[str, Any], prop: Mapping[str, Any]) -> dict[str, Any]:
    """Follow ``$ref`` and pick the non-null branch of ``anyOf``, keeping the outer title/description."""
    out = {k: v for k, v in prop.items() if k not in ("anyOf", "$ref", "allOf")}
    branch: Mapping[str, Any] | None = None
    if "$ref" in prop:
        branch = prop
    for key in ("anyOf", "allOf", "oneOf"):
        for option in prop.get(key, ()):
            if option.get("type") != "null":
                branch = option
                break
    if branch is not None:
        if "$ref" in branch:
            name = str(branch["$ref"]).rsplit("/", 1)[-1]
            branch = {**schema.get("$defs", {}).get(name, {}), **{k: v for k, v in branch.items() if k != "$ref"}}
        inner = _resolve(schema, branch) if branch is not prop else {}
        for k, v in inner.items():
            out.setdefault(k, v)
    return out


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}
_UNKNOWN = {"", "?", "dk", "don't know", "dont know"}


def parse_reply(spec: Spec, reply: str) -> tuple[bool, Any]:
    """``(ok, value)``; value None means "don't know". Raises nothing: a bad reply returns ``(False, message)``."""
    text = reply.strip().lower()
    if text in _UNKNOWN:
        return True, None
    if spec.kind == "boolean":
        if text in _YES:
            return True, True
        if text in _NO:
            return True, False
        return False, "answer y (yes), n (no), or ? (don't know)"
    if spec.kind in ("integer", "number"):
        try:
            value: float = int(text) if spec.kind == "integer" else float(text)
        except ValueError:
            return False, "a whole number please" if spec.kind == "integer" else "a number please"
        if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
            return False, f"between {_fmt(spec.low)} and {_fmt(spec.high)} please"
        return True, value
    if spec.kind == "choice":
        return _pick(spec.choices, text)
    if spec.kind == "choices":
        if text in ("none", "-"):
            return True, []
        picked = []
        for part in text.replace(",", " ").split():
            ok, value = _pick(spec.choices, part)
            if not ok:
                return False, value
            picked.append(value)
        return True, picked
    return True, reply.strip()


def _pick(choices: tuple[str, ...], text: str) -> tuple[bool, Any]:
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return True, choices[int(text) - 1]
    if text in choices:
        return True, text
    return False, "pick a number from the list (or ? for don't know)"


def _fmt(x: float | None) -> str:
    return "…" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _prompt(spec: Spec) -> str:
    if spec.kind == "boolean":
        return "[y/n/?]"
    if spec.kind in ("integer", "number"):
        return f"[{_fmt(spec.low)}–{_fmt(spec.high)}, ? = don't know]" if spec.high is not None else "[number, ?]"
    options = "  ".join(f"{i}) {c.replace('_', ' ')}" for i, c in enumerate(spec.choices, 1))
    many = " (several allowed, e.g. 1 3; 'none' for none)" if spec.kind == "choices" else ""
    return f"\n   {options}{many}\n  [number, ?]"


def ask(
    questions: tuple[Question, ...],
    schema: Mapping[str, Any],
    console: Console,
    *,
    is_emergency: EmergencyCheck,
    title: str,
    known: Mapping[str, Any] | None = None,
) -> tuple[Answers, bool]:
    """Ask ``questions`` in order; ``(answers, stopped_for_emergency)``.

    ``known`` holds facts for the skip logic that are not questions (e.g. ``_referred``); helper keys (``_…``) are
    never returned."""
    console.print(Text.assemble((title, "bold"), "  (blank or ? = don't know)\n"))
    answers: Answers = dict(known or {})
    for q in questions:
        if q.when is not None and not q.when(answers):
            continue
        if q.section:
            console.print(Text(f"\n{q.section}", style="bold underline"))
        spec = spec_from_schema(schema, q.key)
        value = _ask_one(console, spec)
        if value is None:
            continue
        answers[q.key] = value
        if q.key == "_clot_gate" and value is False:
            answers["clot_risk_factors"] = []
        if value not in (False, 0, []) and is_emergency(_public(answers)):
            console.print()
            return _public(answers), True
    return _public(answers), False


def _ask_one(console: Console, spec: Spec) -> Any:
    while True:
        try:
            reply = console.input(Text(f"{spec.text} {_prompt(spec)} "))
        except EOFError:
            raise InvalidInput("the questionnaire ended before it was finished; nothing was stored") from None
        ok, value = parse_reply(spec, reply)
        if ok:
            return value
        console.print(Text(f"  {value}", style="yellow"))


def _public(answers: Answers) -> Answers:
    return {k: v for k, v in answers.items() if not k.startswith("_")}
