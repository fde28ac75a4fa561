"""The check-in answers contract at the edge (/work/shared/spec/CHECKIN.md): validation and JSON Schema.

Public API::

    parse_checkin_answers(data) -> CheckInAnswers        # raises InvalidAnswers naming every bad key
    load_checkin_file(path) -> CheckInAnswers            # + unreadable / corrupt / non-object JSON, with line:col
    checkin_answers_schema() -> dict                     # JSON Schema (draft 2020-12) of the answers
    CheckInAnswersIn                                     # the pydantic model (check-in keys + the red-flag screen)

Every key is optional; ``null`` is the same as leaving it out. The red-flag screen keys reuse the triage contract's
definitions (:class:`calfcare.contracts.assessment.AssessmentAnswersIn`), so both contracts always agree. One key is
added to CHECKIN.md: ``cleared_by_clinician`` (true once a clinician has cleared the runner after a referral).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import ErrorDetails

from calfcare.clinical.checkin import SESSION_KINDS, SESSIONS, CheckInAnswers, Session, SessionKind, checkin_from_values
from calfcare.contracts.assessment import RED_FLAG_KEYS, AssessmentAnswersIn
from calfcare.errors import FieldProblem, InvalidAnswers

__all__ = ["SCHEMA_ID", "CheckInAnswersIn", "checkin_answers_schema", "load_checkin_file", "parse_checkin_answers"]

SCHEMA_ID = "https://calfcare.invalid/schemas/checkin-answers.schema.json"

Bool = Annotated[bool | None, Field(strict=True)]
Pain = Annotated[int | None, Field(strict=True, ge=0, le=10)]
Count = Annotated[int | None, Field(strict=True, ge=0, le=1000)]


def _q(title: str, question: str) -> Any:
    return Field(default=None, title=title, description=question)


class _CheckInOwn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, title="calfcare check-in answers")

    morning_pain: Pain = _q("Morning pain", "Calf pain on getting up this morning, 0 (none) to 10 (worst imaginable)?")
    morning_stiffness: Pain = _q("Morning stiffness", "Calf stiffness on getting up this morning, 0–10?")
    pain_rest: Pain = _q("Pain at rest", "Pain at rest today, 0–10?")
    pain_walking: Pain = _q("Pain walking", "Pain when walking today, 0–10?")
    limp: Bool = _q("Limp", "Are you walking with a limp today?")
    swelling_increased: Bool = _q("More swelling", "Is there more swelling than yesterday?")
    single_leg_heel_raises_injured: Count = _q(
        "Heel raises, sore leg",
        "Single-leg heel raises in a row on the sore leg, same way each time (metronome 60 bpm, to fatigue)?",
    )
    single_leg_heel_raises_other: Count = _q("Heel raises, other leg", "The same on the other leg?")
    hop_pain: Pain = _q("Hop pain", "Pain hopping ten times on the sore leg, 0–10? Leave out if not tried.")
    session: Session | None = _q("Session", "What did you do today against today's prescription?")
    session_kind: SessionKind | None = _q("Session kind", "What kind of session was it?")
    session_minutes: Annotated[float | None, Field(strict=True, ge=0, le=1440, allow_inf_nan=False)] = _q(
        "Minutes", "How many minutes did the session last?"
    )
    session_distance_km: Annotated[float | None, Field(strict=True, ge=0, le=1000, allow_inf_nan=False)] = _q(
        "Distance (km)", "How far, in km (walk, walk-run or run)?"
    )
    session_rpe: Annotated[float | None, Field(strict=True, ge=0, le=10, allow_inf_nan=False)] = _q(
        "Effort (RPE)", "How hard was it, 0 (rest) to 10 (maximal)?"
    )
    pain_during_session: Pain = _q("Pain during", "Worst calf pain during the session, 0–10?")
    pain_after_session: Pain = _q("Pain after", "Calf pain an hour or more after the session, 0–10?")
    cleared_by_clinician: Bool = _q(
        "Cleared by a clinician", "After a referral: has a clinician seen you and cleared you to resume the plan?"
    )


_SCREEN = AssessmentAnswersIn.model_fields
CheckInAnswersIn: type[BaseModel] = create_model(  # the check-in keys, then the red-flag screen as in triage
    "CheckInAnswersIn",
    __base__=_CheckInOwn,
    **{key: (_SCREEN[key].annotation, _SCREEN[key]) for key in RED_FLAG_KEYS},  # type: ignore[call-overload]
)
_FIELDS = CheckInAnswersIn.model_fields
_KEYS = tuple(_FIELDS)
_CHOICES: dict[str, tuple[str, ...]] = {"session": SESSIONS, "session_kind": SESSION_KINDS}
_RANGES = {
    "session_minutes": "a number from 0 to 1440",
    "session_distance_km": "a number from 0 to 1000",
    "session_rpe": "a number from 0 to 10",
}


def _expected(key: str) -> str:
    if key in _CHOICES:
        return f"one of: {', '.join(_CHOICES[key])}"
    if key in _RANGES:
        return _RANGES[key]
    if key == "clot_risk_factors":
        return "a list of clot risk factors as in the triage contract"
    text = str(_FIELDS[key].annotation)
    if "bool" in text:
        return "true or false"
    if any(getattr(m, "le", None) == 10 for m in _FIELDS[key].metadata):
        return "a whole number from 0 to 10"
    return "a whole number ≥ 0"


def _shown(value: Any) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= 40 else text[:37] + "..."
    return "null" if value is None else f"{text} ({kinds.get(type(value), type(value).__name__)})"


def _problem(err: ErrorDetails) -> FieldProblem:
    loc = err["loc"]
    key = str(loc[0]) if loc else ""
    where = key + "".join(f"[{part}]" for part in loc[1:])
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, _KEYS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return FieldProblem(where, f"unknown key: not one of the check-in answer keys{hint}")
    if key not in _FIELDS:
        return FieldProblem(where, err["msg"])
    what = {
        "literal_error": "not an allowed value",
        "greater_than_equal": "out of range",
        "less_than_equal": "out of range",
        "finite_number": "out of range",
    }.get(err["type"], "wrong type")
    return FieldProblem(where, f"{what}: got {_shown(err['input'])}; expected {_expected(key)}")


def parse_checkin_answers(data: object) -> CheckInAnswers:
    """Validate one check-in answers object (a dict from JSON); every problem is listed at once."""
    if not isinstance(data, dict):
        raise InvalidAnswers(
            "the check-in answers must be one JSON object",
            [FieldProblem("", f"expected a JSON object of answers, got {_shown(data)}")],
        )
    if bad := [k for k in data if not isinstance(k, str)]:
        raise InvalidAnswers("the check-in answers have keys that are not text", [FieldProblem(repr(bad[0]), "")])
    try:
        model = CheckInAnswersIn.model_validate(data)
    except ValidationError as exc:
        problems = sorted({_problem(e) for e in exc.errors()}, key=lambda p: p.where)
        raise InvalidAnswers("the check-in answers break the contract", problems) from None
    values: dict[str, object] = {}
    for key in _KEYS:
        value = getattr(model, key)
        if value is None:
            continue
        values[key] = tuple(dict.fromkeys(value)) if isinstance(value, list) else value
    return checkin_from_values(values)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_checkin_file(path: str | Path) -> CheckInAnswers:
    """Read and validate a check-in answers file; every failure raises InvalidAnswers naming the file."""
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidAnswers(f"{p}: no such answers file", [FieldProblem(str(p), "no such file")]) from None
    except OSError as exc:
        problem = FieldProblem(str(p), exc.strerror or str(exc))
        raise InvalidAnswers(f"{p}: cannot read the answers file", [problem]) from None
    except UnicodeDecodeError as exc:
        problem = FieldProblem(str(p), f"not UTF-8 text (bad byte at offset {exc.start})")
        raise InvalidAnswers(f"{p}: the answers file is not valid JSON text", [problem]) from None
    try:
        data = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        where, msg = (
            f"{p}:{exc.lineno}:{exc.colno}",
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
        )
        raise InvalidAnswers(f"{p}: the answers file is not valid JSON", [FieldProblem(where, msg)]) from None
    except ValueError as exc:
        raise InvalidAnswers(f"{p}: the answers file is not valid JSON", [FieldProblem(str(p), str(exc))]) from None
    try:
        return parse_checkin_answers(data)
    except InvalidAnswers as exc:
        raise InvalidAnswers(f"{p}: the check-in answers break the contract", exc.problems) from None


def checkin_answers_schema() -> dict[str, Any]:
    """JSON Schema of the check-in answers (what a web form or an outside checker validates against)."""
    schema = CheckInAnswersIn.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
