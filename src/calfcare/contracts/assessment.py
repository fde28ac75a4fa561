"""The triage answers contract at the edge (/work/shared/spec/ASSESSMENT.md): validation, JSON Schema, questions.

Public API::

    parse_assessment_answers(data) -> TriageAnswers      # raises InvalidAnswers naming every bad key
    load_answers_file(path) -> TriageAnswers             # + unreadable / corrupt / non-object JSON, with line:col
    assessment_answers_schema() -> dict                  # JSON Schema (draft 2020-12) of the answers
    questions() -> list[Question]                        # the keys in asking order, red-flag screen first
    AssessmentAnswersIn, RED_FLAG_KEYS, GROUPS

Every key is optional; ``null`` is the same as leaving the key out ("not asked / don't know"). Field titles are short
labels and descriptions are the question text an interactive questionnaire can ask as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import ErrorDetails

from calfcare.clinical.answers import (
    ACTIVITIES,
    ANSWER_KEYS,
    CLOT_RISKS,
    LOW_LOCATIONS,
    MEDICINES,
    ONSETS,
    PAIN_CHARACTERS,
    PAIN_LOCATIONS,
    RED_FLAG_KEYS,
    RUNNER_KEYS,
    SELF_TEST_KEYS,
    SEXES,
    SIDES,
    Activity,
    ClotRisk,
    Medicine,
    Onset,
    PainCharacter,
    PainLocation,
    Sex,
    Side,
    TriageAnswers,
)
from calfcare.contracts._common import (
    Location,
    field_problem,
    load_answers,
    require_object,
    validate,
    with_schema_header,
    yes_no_or_count,
)
from calfcare.errors import FieldProblem, InvalidAnswers

__all__ = [
    "GROUPS",
    "RED_FLAG_KEYS",
    "SCHEMA_ID",
    "AssessmentAnswersIn",
    "Question",
    "assessment_answers_schema",
    "load_answers_file",
    "parse_assessment_answers",
    "questions",
]

SCHEMA_ID = "https://calfcare.invalid/schemas/assessment-answers.schema.json"
#: question groups in asking order: the red-flag screen first, so an emergency is found before anything else
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("red_flag_screen", "Safety questions first", RED_FLAG_KEYS),
    ("runner_and_moment", "About you and the moment it happened", RUNNER_KEYS),
    ("self_tests", "What it feels like now (self-tests)", SELF_TEST_KEYS),
)
_GROUP_OF = {key: group for group, _, keys in GROUPS for key in keys}
#: a yes to any of these means "call an ambulance now": an interactive questionnaire may stop asking
EMERGENCY_KEYS = frozenset(
    {
        "breathless_or_chest_pain",
        "coughing_blood",
        "fainting_or_racing_heart",
        "pain_escalating_out_of_proportion",
        "calf_rock_hard",
        "pain_moving_toes_passively",
        "foot_cold_pale_or_blue",
        "saddle_numbness_or_bladder_bowel_change",
        "sciatica_both_legs",
    }
)
_ASK_IF: dict[str, list[tuple[str, list[Any]]]] = {
    "sciatica_both_legs": [("back_pain_or_sciatica", [True])],
    "bruising_around_ankle": [("bruising", [True])],
    "single_leg_heel_raises_other": [("single_leg_heel_raises_injured", ["answered"])],
    "squeeze_test_no_movement": [
        ("felt_snap", [True]),
        ("felt_kicked", [True]),
        ("pain_location", sorted(LOW_LOCATIONS)),
        ("single_leg_heel_raises_injured", [0]),
    ],
    "single_leg_heel_raises_injured": [("can_bear_weight", [True, None])],
    "pain_walking": [("can_bear_weight", [True, None])],
    "foot_symptoms_only_during_runs": [
        ("foot_cold_pale_or_blue", [True]),
        ("foot_numb_or_tingling", [True]),
    ],
    "previous_stress_fracture": [("bone_point_tender", [True]), ("night_or_rest_pain", [True])],
    "low_energy_or_missed_periods": [("bone_point_tender", [True]), ("night_or_rest_pain", [True])],
}


def _q(title: str, question: str, key: str, **constraints: Any) -> Any:
    extra: dict[str, Any] = {"x-group": _GROUP_OF[key]}
    if key in EMERGENCY_KEYS:
        extra["x-emergency-if-yes"] = True
    if key in _ASK_IF:
        extra["x-ask-if"] = {"any_of": [{"key": k, "in": v} for k, v in _ASK_IF[key]]}
    return Field(default=None, title=title, description=question, json_schema_extra=extra, **constraints)


Bool = Annotated[bool | None, Field(strict=True)]
Pain = Annotated[int | None, Field(strict=True, ge=0, le=10)]
Count = Annotated[int | None, Field(strict=True, ge=0)]


class AssessmentAnswersIn(BaseModel):
    """One runner's triage answers. Every key is optional; an unknown key is refused."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="calfcare triage answers",
        json_schema_extra={
            "x-groups": [{"id": g, "title": t, "keys": list(k)} for g, t, k in GROUPS],
            "x-ask-first": "red_flag_screen",
        },
    )

    # --- about the runner and the moment it happened ---
    age: Annotated[int | None, Field(strict=True, ge=10, le=100)] = _q("Age", "How old are you (years)?", "age")
    sex: Sex | None = _q("Sex", "What is your sex?", "sex")
    side: Side | None = _q("Side", "Which leg hurts: left, right or both?", "side")
    days_since_onset: Annotated[float | None, Field(strict=True, ge=0, allow_inf_nan=False)] = _q(
        "Days since it started",
        "How many days ago did it start? (fractions allowed: 0.25 = six hours)",
        "days_since_onset",
    )
    onset: Onset | None = _q(
        "Onset", "Did it start at one clear moment (sudden), or build up over a run or over days (gradual)?", "onset"
    )
    activity_at_onset: Activity | None = _q(
        "Activity at onset", "What were you doing when it started?", "activity_at_onset"
    )
    direct_blow: Bool = _q(
        "Direct blow", "Did something hit your calf (a kick, a ball, a fall onto it)?", "direct_blow"
    )
    felt_snap: Bool = _q("Snap or pop", "Did you feel or hear a snap or a pop?", "felt_snap")
    felt_kicked: Bool = _q(
        "Felt kicked", "Did it feel as if someone kicked or hit the back of your leg, with nobody there?", "felt_kicked"
    )
    forefoot_runner: Bool = _q(
        "Forefoot runner", "Do you land on the front of your foot or toes when you run?", "forefoot_runner"
    )
    recent_mileage_increase: Bool = _q(
        "Mileage went up",
        "Did your weekly running distance go up quickly in the last 4 weeks?",
        "recent_mileage_increase",
    )
    recent_speedwork_increase: Bool = _q(
        "More speed work",
        "Have you done more or new intervals, sprints, hills or races lately?",
        "recent_speedwork_increase",
    )
    previous_calf_strains: Count = _q(
        "Previous calf strains", "How many calf strains have you had before, on either leg?", "previous_calf_strains"
    )
    knee_swelling_or_arthritis: Bool = _q(
        "Knee problems",
        "Do you have known knee swelling, knee arthritis or a lump behind the knee?",
        "knee_swelling_or_arthritis",
    )
    medicines: list[Medicine] | None = _q(
        "Medicines",
        "Do you take, or have you taken in the last 3 months, any of these: a blood thinner (anticoagulant), a "
        "cholesterol statin, a quinolone antibiotic (e.g. ciprofloxacin), steroid tablets or injections?",
        "medicines",
    )
    diabetes_or_weak_immunity: Bool = _q(
        "Diabetes or weak immunity",
        "Do you have diabetes, or take medicines or have an illness that weaken the immune system?",
        "diabetes_or_weak_immunity",
    )
    previous_stress_fracture: Bool = _q(
        "Previous stress fracture", "Have you ever had a stress fracture?", "previous_stress_fracture"
    )
    low_energy_or_missed_periods: Bool = _q(
        "Low energy or missed periods",
        "Are you eating far less than your training needs, or are your periods missing or irregular?",
        "low_energy_or_missed_periods",
    )
    # --- self-tests ---
    pain_location: PainLocation | None = _q("Where it hurts", "Where does it hurt most?", "pain_location")
    pain_character: PainCharacter | None = _q("Kind of pain", "What does the pain feel like?", "pain_character")
    pain_rest: Pain = _q("Pain at rest", "Pain now, at rest: 0 (none) to 10 (worst imaginable)?", "pain_rest")
    pain_walking: Pain = _q("Pain walking", "Pain when walking: 0 (none) to 10 (worst imaginable)?", "pain_walking")
    walks_normally: Bool = _q("Walks normally", "Can you walk without a limp?", "walks_normally")
    can_bear_weight: Bool = _q(
        "Can bear weight", "Can you stand on the sore leg and take four steps?", "can_bear_weight"
    )
    single_leg_heel_raises_injured: Count = _q(
        "Heel raises, sore leg",
        "Standing on the sore leg only (fingertips on a wall), how many heel raises can you do in a row? "
        "0 = cannot lift the heel at all.",
        "single_leg_heel_raises_injured",
    )
    single_leg_heel_raises_other: Count = _q(
        "Heel raises, other leg",
        "The same on the other leg: how many heel raises in a row?",
        "single_leg_heel_raises_other",
    )
    pain_loading_knee_straight: Pain = _q(
        "Pain, knee straight",
        "Pain (0–10) doing a heel raise or calf stretch with the knee straight?",
        "pain_loading_knee_straight",
    )
    pain_loading_knee_bent: Pain = _q(
        "Pain, knee bent",
        "Pain (0–10) doing a heel raise or calf stretch with the knee bent?",
        "pain_loading_knee_bent",
    )
    swelling: Bool = _q("Swelling", "Is there swelling at the sore spot?", "swelling")
    bruising: Bool = _q("Bruising", "Is there bruising?", "bruising")
    bruising_around_ankle: Bool = _q(
        "Bruising at the ankle",
        "Has bruising tracked down to the ankle, especially below the inner ankle bone?",
        "bruising_around_ankle",
    )
    gap_felt: Bool = _q("Gap felt", "Can you feel a dent or gap in the muscle or tendon at the sore spot?", "gap_felt")
    squeeze_test_no_movement: Bool = _q(
        "Squeeze test",
        "Kneel on a chair with the feet hanging free and ask someone to squeeze your calf: did the foot stay still? "
        "(yes = it stayed still; no = it pointed down)",
        "squeeze_test_no_movement",
    )
    # --- red-flag screen ---
    breathless_or_chest_pain: Bool = _q(
        "Breathless or chest pain",
        "Are you suddenly breathless, or have chest pain that is worse when breathing in?",
        "breathless_or_chest_pain",
    )
    coughing_blood: Bool = _q("Coughing blood", "Are you coughing up blood?", "coughing_blood")
    fainting_or_racing_heart: Bool = _q(
        "Fainting or racing heart", "Have you fainted, or is your heart racing?", "fainting_or_racing_heart"
    )
    whole_leg_swollen: Bool = _q("Whole leg swollen", "Is your whole leg swollen?", "whole_leg_swollen")
    calf_bigger_than_other: Bool = _q(
        "Calf bigger", "Is the sore calf visibly bigger than the other one?", "calf_bigger_than_other"
    )
    skin_warm_red_or_dark: Bool = _q(
        "Skin warm, red or dark", "Is the calf skin warm, red, dark or shiny?", "skin_warm_red_or_dark"
    )
    clot_risk_factors: list[ClotRisk] | None = _q(
        "Clot risk factors",
        "In the last 12 weeks, have you had any of these: surgery, a hospital stay, a cast or boot, bed rest, "
        "hormone pills or HRT, cancer treatment, pregnancy or given birth in the last 6 weeks — or ever a clot or a "
        "known clotting disorder — or a flight or drive over 4 hours in the last 4 weeks?",
        "clot_risk_factors",
    )
    pain_escalating_out_of_proportion: Bool = _q(
        "Pain escalating",
        "Does the pain keep getting worse, far more than the injury seems to explain, and rest does not ease it?",
        "pain_escalating_out_of_proportion",
    )
    calf_rock_hard: Bool = _q("Calf rock-hard", "Does the calf feel tense and rock-hard?", "calf_rock_hard")
    pain_moving_toes_passively: Bool = _q(
        "Pain moving toes",
        "Is there severe pain when someone gently moves your toes or ankle?",
        "pain_moving_toes_passively",
    )
    foot_numb_or_tingling: Bool = _q("Foot numb", "Is your foot numb or tingling?", "foot_numb_or_tingling")
    foot_weak_or_dropping: Bool = _q(
        "Foot weak",
        "Is your foot weak or dropping: you cannot lift the foot or toes properly?",
        "foot_weak_or_dropping",
    )
    foot_cold_pale_or_blue: Bool = _q("Foot cold or pale", "Is your foot cold, pale or blue?", "foot_cold_pale_or_blue")
    back_pain_or_sciatica: Bool = _q(
        "Back pain or sciatica",
        "Do you have back pain now, or pain running from the buttock or thigh to below the knee?",
        "back_pain_or_sciatica",
    )
    saddle_numbness_or_bladder_bowel_change: Bool = _q(
        "Saddle numbness, bladder or bowel",
        "Is there numbness around your genitals or bottom, or new trouble with your bladder or bowel?",
        "saddle_numbness_or_bladder_bowel_change",
    )
    sciatica_both_legs: Bool = _q(
        "Sciatica in both legs", "Does pain run down from the back or buttock into both legs?", "sciatica_both_legs"
    )
    fever_or_unwell: Bool = _q("Fever or unwell", "Do you have a fever or feel generally unwell?", "fever_or_unwell")
    redness_spreading: Bool = _q(
        "Redness spreading", "Is there redness on the leg that is spreading?", "redness_spreading"
    )
    wound_bite_or_blister: Bool = _q(
        "Wound, bite or blister", "Is there a cut, bite or blister on that leg or foot?", "wound_bite_or_blister"
    )
    bone_point_tender: Bool = _q(
        "Bone tender", "Does pressing one spot on the shin bone hurt sharply?", "bone_point_tender"
    )
    pain_on_hopping: Bool = _q("Pain on hopping", "Does it hurt to hop on that leg?", "pain_on_hopping")
    night_or_rest_pain: Bool = _q(
        "Night or rest pain", "Does the pain wake you at night, or is it worse at rest?", "night_or_rest_pain"
    )
    pain_at_fixed_point_of_run_eases_quickly: Bool = _q(
        "Pain at the same point of every run",
        "Does the pain come on at the same point of every run and go within minutes of stopping?",
        "pain_at_fixed_point_of_run_eases_quickly",
    )
    both_legs_affected: Bool = _q("Both legs", "Are both legs affected?", "both_legs_affected")
    lump_behind_knee: Bool = _q("Lump behind the knee", "Is there a lump behind the knee?", "lump_behind_knee")
    dark_urine: Bool = _q(
        "Dark urine", "Since the run or the injury, is your urine the colour of tea or cola?", "dark_urine"
    )
    foot_symptoms_only_during_runs: Bool = _q(
        "Foot symptoms only while running",
        "Does the foot go cold, pale, numb or tingly only while you run, and is it normal at rest?",
        "foot_symptoms_only_during_runs",
    )
    calf_pain_after_fixed_walking_distance: Bool = _q(
        "Calf pain after a set walking distance",
        "Does calf pain come on after walking about the same distance each time, and go within minutes of standing "
        "still?",
        "calf_pain_after_fixed_walking_distance",
    )
    skin_dusky_or_blistering: Bool = _q(
        "Skin dusky or blistering",
        "Is the skin over the calf turning dusky, purple, or blistering?",
        "skin_dusky_or_blistering",
    )


_FIELDS = AssessmentAnswersIn.model_fields
if tuple(_FIELDS) != ANSWER_KEYS:  # pragma: no cover - guards the two definitions against drifting apart
    raise RuntimeError("AssessmentAnswersIn and TriageAnswers list different keys")

_CHOICES: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "side": SIDES,
    "onset": ONSETS,
    "activity_at_onset": ACTIVITIES,
    "pain_location": PAIN_LOCATIONS,
    "pain_character": PAIN_CHARACTERS,
    "clot_risk_factors": CLOT_RISKS,
    "medicines": MEDICINES,
}
#: keys whose answer is a list of choices
LIST_KEYS = frozenset({"clot_risk_factors", "medicines"})


def _expected(key: str) -> str:
    """What a key takes, in words: used in every error message about it."""
    if key in LIST_KEYS:
        return f"a list of any of: {', '.join(_CHOICES[key])}"
    if key in _CHOICES:
        return f"one of: {', '.join(_CHOICES[key])}"
    if key == "age":
        return "a whole number from 10 to 100"
    if key == "days_since_onset":
        return "a number ≥ 0 (fractions allowed)"
    return yes_no_or_count(_FIELDS[key])


def _expected_at(loc: Location) -> str:
    if len(loc) > 1 and str(loc[0]) in LIST_KEYS:  # one item of a list
        return f"one of: {', '.join(_CHOICES[str(loc[0])])}"
    return _expected(str(loc[0]))


def _problem(err: ErrorDetails) -> FieldProblem:
    return field_problem(err, keys=ANSWER_KEYS, label="triage", expected=_expected_at)


def _convert(model: AssessmentAnswersIn) -> TriageAnswers:
    values: dict[str, Any] = {}
    for key in ANSWER_KEYS:
        value = getattr(model, key)
        if isinstance(value, list):
            value = tuple(dict.fromkeys(value))
        values[key] = value
    return TriageAnswers(**values)


def parse_assessment_answers(data: object) -> TriageAnswers:
    """Validate one answers object (a dict from JSON) against the contract; every problem is listed at once."""
    data = require_object(data, "triage")
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        problems = [FieldProblem(repr(k), "unknown key: keys must be text") for k in bad_keys]
        raise InvalidAnswers("the triage answers have keys that are not text", problems)
    return _convert(validate(AssessmentAnswersIn, data, "triage", _problem))


def load_answers_file(path: str | Path) -> TriageAnswers:
    """Read and validate an answers file. Unreadable files, corrupt or non-object JSON and contract breaches all
    raise InvalidAnswers naming the file (and line:column for JSON syntax errors)."""
    return load_answers(path, parse_assessment_answers)


def assessment_answers_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the answers object."""
    schema = AssessmentAnswersIn.model_json_schema(mode="validation")
    schema["additionalProperties"] = False
    schema["description"] = (
        "Answers to the calfcare triage questionnaire. Every key is optional: a missing key or null means "
        "'not asked / don't know', never 'no'. Pain scores are 0 (none) to 10 (worst imaginable)."
    )
    return with_schema_header(schema, SCHEMA_ID)


@dataclass(frozen=True)
class Question:
    """One question for an interactive questionnaire, in asking order."""

    key: str
    group: str
    title: str
    text: str
    kind: str  # "bool" | "choice" | "choices" | "int" | "number"
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    emergency_if_yes: bool = False
    ask_if: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # ask when any (key, allowed values) holds

    def should_ask(self, given: dict[str, Any]) -> bool:
        """Skip logic: ``"answered"`` in the allowed values means "the key has any answer"."""
        if not self.ask_if:
            return True
        for key, allowed in self.ask_if:
            value = given.get(key)
            if value in allowed or ("answered" in allowed and value is not None):
                return True
        return False


def questions() -> list[Question]:
    """Every answer key as a question: the red-flag screen first, then the runner and the moment, then self-tests."""
    out: list[Question] = []
    for group, _, keys in GROUPS:
        for key in keys:
            info = _FIELDS[key]
            kind = "choices" if key in LIST_KEYS else "choice" if key in _CHOICES else "bool"
            low = high = None
            if kind == "bool" and bool not in get_args(info.annotation):
                kind = "number" if key == "days_since_onset" else "int"
                for m in info.metadata:
                    low = getattr(m, "ge", low) if getattr(m, "ge", None) is not None else low
                    high = getattr(m, "le", high) if getattr(m, "le", None) is not None else high
            ask_if = tuple((k, tuple(v)) for k, v in _ASK_IF.get(key, []))
            out.append(
                Question(
                    key,
                    group,
                    info.title or key,
                    info.description or key,
                    kind,
                    _CHOICES.get(key, ()),
                    low,
                    high,
                    key in EMERGENCY_KEYS,
                    ask_if,
                )
            )
    return out
