"""The check-in answers contract at the edge (/work/shared/spec/CHECKIN.md): validation and JSON Schema.

Public API::

    parse_checkin_answers(data) -> CheckInAnswers        # raises InvalidAnswers naming every bad key
    load_checkin_file(path) -> CheckInAnswers            # + unreadable / corrupt / non-object JSON, with line:col
    checkin_answers_schema() -> dict                     # JSON Schema (draft 2020-12) of the answers
    CheckInAnswersIn                                     # the pydantic model (check-in keys + the red-flag screen)

Every key is optional; ``null`` is the same as leaving it out. The red-flag screen keys reuse the triage contract's
definitions (:class:`calfcare.contracts.assessment.AssessmentAnswersIn`), so both contracts always agree. One key is
added to CHECKIN.md: ``cleared_by_clinician`` (true once a clinician has cleared the runner after a referral, or
cleared a severe tear to start running). ``felt_snap_or_pop`` is the second-round key of CHECKIN.md "Additions".
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic_core import ErrorDetails

from calfcare.clinical.checkin import SESSION_KINDS, SESSIONS, CheckInAnswers, Session, SessionKind, checkin_from_values
from calfcare.contracts._common import (
    field_problem,
    load_answers,
    require_object,
    validate,
    with_schema_header,
    yes_no_or_count,
)
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
        "Cleared by a clinician",
        "After a referral, or before running after a severe tear: has a clinician seen you and cleared you?",
    )
    felt_snap_or_pop: Bool = _q(
        "Snap or pop", "Since the last check-in, did you feel or hear a snap or pop in the calf or Achilles?"
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
_COUNTS = ("single_leg_heel_raises_injured", "single_leg_heel_raises_other")
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
    if key in _COUNTS:
        return "a whole number from 0 to 1000"
    if key == "clot_risk_factors":
        return "a list of clot risk factors as in the triage contract"
    return yes_no_or_count(_FIELDS[key])


def _problem(err: ErrorDetails) -> FieldProblem:
    return field_problem(err, keys=_KEYS, label="check-in", expected=lambda loc: _expected(str(loc[0])))


def parse_checkin_answers(data: object) -> CheckInAnswers:
    """Validate one check-in answers object (a dict from JSON); every problem is listed at once."""
    data = require_object(data, "check-in")
    if bad := [k for k in data if not isinstance(k, str)]:
        raise InvalidAnswers("the check-in answers have keys that are not text", [FieldProblem(repr(bad[0]), "")])
    model = validate(CheckInAnswersIn, data, "check-in", _problem)
    values: dict[str, object] = {}
    for key in _KEYS:
        value = getattr(model, key)
        if value is None:
            continue
        values[key] = tuple(dict.fromkeys(value)) if isinstance(value, list) else value
    return checkin_from_values(values)


def load_checkin_file(path: str | Path) -> CheckInAnswers:
    """Read and validate a check-in answers file; every failure raises InvalidAnswers naming the file."""
    return load_answers(path, parse_checkin_answers, message="the check-in answers break the contract")


def checkin_answers_schema() -> dict[str, Any]:
    """JSON Schema of the check-in answers (what a web form or an outside checker validates against)."""
    schema = CheckInAnswersIn.model_json_schema()
    return with_schema_header(schema, SCHEMA_ID)
