"""The interactive questionnaires behind ``calfcare assess`` and ``calfcare checkin`` (no ``--answers`` file).

Which questions, in which order, comes from the pure question plan :mod:`calfcare.clinical.questions` (the web wizard
uses the same plan); the wording, types and ranges of each contract key come from the answers contract's JSON Schema
(the same one ``--schema`` prints), so the questionnaire, the files and the web form cannot drift apart. The safety
screen comes first, and as soon as the answers make an emergency red flag fire the questionnaire stops: the runner
must not be kept answering questions about heel raises while they should be calling an ambulance. Blank or ``?``
means "don't know" (the key is left out, which the contract reads as unknown, never as "no").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rich.console import Console
from rich.text import Text

from calfcare.clinical.questions import (
    CheckinContext,
    Step,
    apply_reply,
    assessment_steps,
    checkin_steps,
    next_step,
    public_answers,
    run_steps,
)
from calfcare.contracts.checkin import checkin_answers_schema
from calfcare.errors import Conflict, InvalidInput

Answers = dict[str, Any]
EmergencyCheck = Callable[[Answers], bool]
Plan = Callable[[Mapping[str, Any]], tuple[Step, ...]]


def assessment_plan() -> Plan:
    """The triage questionnaire's plan."""
    return assessment_steps


def checkin_context(
    plan: Mapping[str, Any] | None, *, runner: str, day: date, awaiting_clearance: bool = False
) -> CheckinContext:
    """The check-in plan's context from ``today``'s plan; no open or referred episode → Conflict before any
    question is asked (nothing would be stored)."""
    status = None if plan is None else plan.get("status")
    if plan is None or status not in ("open", "referred"):
        raise Conflict(
            f"runner {runner!r} has no open episode on {day.isoformat()}: run `calfcare assess` first. "
            "No questions were asked and nothing was stored."
        )
    prescription = plan.get("prescription") or {}
    kind = prescription.get("kind") if isinstance(prescription, Mapping) else None
    phase = plan.get("phase")
    return CheckinContext(
        phase=str(phase) if phase else None,
        referred=status == "referred",
        awaiting_clearance=awaiting_clearance,
        prescribed=str(kind) if kind and status == "open" else None,
        offered=frozenset(checkin_answers_schema()["properties"]),  # a key the contract lacks is never listed
    )


def run_plan(run_day: str) -> Plan:
    """The questions about one run logged while running was not allowed yet (``today``'s ``ask_about_runs``)."""
    return lambda answers: run_steps(run_day)


def checkin_plan(context: CheckinContext) -> Plan:
    """The daily check-in's plan for the runner's phase and prescription today."""
    return lambda answers: checkin_steps(answers, context)


@dataclass(frozen=True)
class Spec:
    """What one answer must look like, read from the JSON Schema."""

    text: str
    kind: str  # boolean | integer | number | choice | choices | checklist
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None


def spec_from_schema(schema: Mapping[str, Any], key: str) -> Spec:
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
    if spec.kind == "checklist":
        options = "\n".join(f"   {i}) {c}" for i, c in enumerate(spec.choices, 1))
        return f"\n{options}\n  [numbers, e.g. 1 3; none; ? = don't know]"
    options = "  ".join(f"{i}) {c.replace('_', ' ')}" for i, c in enumerate(spec.choices, 1))
    many = " (several allowed, e.g. 1 3; 'none' for none)" if spec.kind == "choices" else ""
    return f"\n   {options}{many}\n  [number, ?]"


def spec_for(step: Step, schema: Mapping[str, Any]) -> Spec:
    """What a reply to ``step`` must look like: the contract key's own spec, or a checklist / yes-no gate."""
    if step.kind == "question":
        spec = spec_from_schema(schema, step.id)
        return replace(spec, text=step.text) if step.text else spec  # the plan's own wording, when it has one
    many = step.kind == "gate" and len(step.items) > 1  # a gate over one list key words the list in its text
    listed = "\n".join(f"   - {label}" for label in step.labels) if many else ""
    text = f"{step.text}\n{listed}" if listed else str(step.text)
    if step.kind == "gate":
        return Spec(text, "boolean")
    return Spec(text, "checklist", step.labels)


def parse_step_reply(step: Step, spec: Spec, reply: str) -> tuple[bool, Any]:
    """``(ok, value)`` for one step: a checklist's reply is the picked item keys (``[]`` for none, None for "?")."""
    if step.kind != "checklist":
        return parse_reply(spec, reply)
    text = reply.strip().lower()
    if text in _UNKNOWN:
        return True, None
    if text in ("none", "-", "0", "n", "no"):
        return True, []
    picked: list[str] = []
    for part in text.replace(",", " ").split():
        if not (part.isdigit() and 1 <= int(part) <= len(step.items)):
            return False, f"numbers from 1 to {len(step.items)} (several allowed), 'none', or ? for don't know"
        picked.append(step.items[int(part) - 1])
    return True, list(dict.fromkeys(picked))


def ask(
    plan: Plan,
    schema: Mapping[str, Any],
    console: Console,
    *,
    is_emergency: EmergencyCheck,
    title: str,
    context: CheckinContext | None = None,
) -> tuple[Answers, bool]:
    """Ask the plan's steps in order; ``(answers, stopped_for_emergency)``. Keys the contract does not offer are
    never asked. Before each step that is not a follow-up, the answers so far are checked for an emergency."""
    console.print(Text.assemble((title, "bold"), "  (blank or ? = don't know)\n"))
    offered = set(schema.get("properties", {}))
    answers: Answers = {}
    asked: set[str] = set()
    section: str | None = None
    while (step := next_step(plan(answers), asked)) is not None:
        if not step.follow_up and is_emergency(public_answers(answers)):
            console.print()
            return public_answers(answers), True
        asked.add(step.id)
        if step.kind == "question" and step.id not in offered:
            continue
        if step.section != section:
            section = step.section
            console.print(Text(f"\n{section}", style="bold underline"))
        spec = spec_for(step, schema)
        answers = apply_reply(step, _ask_one(console, step, spec), answers, context)
    final = public_answers(answers)
    return {k: v for k, v in final.items() if k in offered}, False


def _ask_one(console: Console, step: Step, spec: Spec) -> Any:
    while True:
        try:
            reply = console.input(Text(f"{spec.text} {_prompt(spec)} "))
        except EOFError:
            raise InvalidInput("the questionnaire ended before it was finished; nothing was stored") from None
        ok, value = parse_step_reply(step, spec, reply)
        if ok:
            return value
        console.print(Text(f"  {value}", style="yellow"))
