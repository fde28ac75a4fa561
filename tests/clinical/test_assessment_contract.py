"""The answers contract at the edge: valid answers become TriageAnswers; every bad key, type, range, enum value or
broken file is refused with a problem that names it; the JSON Schema is valid and accepts the examples."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from calfcare.clinical.answers import ANSWER_KEYS, TriageAnswers
from calfcare.contracts.assessment import (
    RED_FLAG_KEYS,
    SCHEMA_ID,
    assessment_answers_schema,
    load_answers_file,
    parse_assessment_answers,
    questions,
)
from calfcare.errors import InvalidAnswers, InvalidInput

SHARED = Path(os.environ.get("CALFCARE_SHARED", Path(__file__).resolve().parents[3] / "shared"))
EXAMPLES = SHARED / "spec" / "examples"

VALID: dict[str, Any] = {
    "age": 36,
    "sex": "female",
    "side": "right",
    "days_since_onset": 1.5,
    "onset": "sudden",
    "activity_at_onset": "sprint_or_intervals",
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_rest": 1,
    "pain_walking": 4,
    "walks_normally": False,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 5,
    "single_leg_heel_raises_other": 23,
    "clot_risk_factors": ["hormones"],
    "breathless_or_chest_pain": False,
}


def problems(data: object) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as err:
        parse_assessment_answers(data)
    assert isinstance(err.value, InvalidInput)
    return {p.where: p.problem for p in err.value.problems}


def test_valid_answers_become_triage_answers_with_none_for_missing_keys() -> None:
    a = parse_assessment_answers(VALID)
    assert isinstance(a, TriageAnswers)
    assert a.age == 36 and a.days_since_onset == 1.5 and a.clot_risk_factors == ("hormones",)
    assert a.swelling is None and a.felt_snap is None
    assert a.to_dict() == VALID


def test_null_means_not_asked_and_an_empty_object_is_fine() -> None:
    assert parse_assessment_answers({"felt_snap": None}).felt_snap is None
    assert parse_assessment_answers({}) == TriageAnswers()


def test_whole_numbers_are_accepted_for_days_since_onset() -> None:
    assert parse_assessment_answers({"days_since_onset": 3}).days_since_onset == 3.0


def test_an_unknown_key_is_named_with_a_suggestion() -> None:
    p = problems({"pain_rset": 3})
    assert "unknown key" in p["pain_rset"] and "pain_rest" in p["pain_rset"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("felt_snap", "yes", "true or false"),
        ("felt_snap", 1, "true or false"),
        ("age", "36", "whole number from 10 to 100"),
        ("age", 36.5, "whole number from 10 to 100"),
        ("pain_rest", True, "whole number from 0 to 10"),
        ("days_since_onset", "2", "number ≥ 0"),
        ("clot_risk_factors", "long_travel", "a list of any of"),
    ],
)
def test_a_wrong_type_names_the_key_and_what_was_expected(key: str, value: Any, expected: str) -> None:
    p = problems({key: value})
    assert list(p) == [key]
    assert expected in p[key]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("age", 9),
        ("age", 101),
        ("pain_rest", 11),
        ("pain_walking", -1),
        ("days_since_onset", -0.5),
        ("single_leg_heel_raises_injured", -3),
        ("previous_calf_strains", -1),
    ],
)
def test_a_number_out_of_range_names_the_key(key: str, value: Any) -> None:
    p = problems({key: value})
    assert "out of range" in p[key] and str(value) in p[key]


def test_a_bad_enum_value_lists_the_allowed_values() -> None:
    p = problems({"activity_at_onset": "swimming", "clot_risk_factors": ["long_travel", "boat"]})
    assert "not an allowed value" in p["activity_at_onset"]
    assert "sprint_or_intervals" in p["activity_at_onset"] and "long_run" in p["activity_at_onset"]
    assert "boat" in p["clot_risk_factors[1]"] and "previous_clot" in p["clot_risk_factors[1]"]


def test_every_problem_is_reported_at_once() -> None:
    p = problems({"age": 5, "sex": "x", "foo": 1, "felt_snap": "no"})
    assert set(p) == {"age", "sex", "foo", "felt_snap"}


def test_a_non_object_is_refused() -> None:
    p = problems([1, 2])
    assert "JSON object" in p[""]


def test_duplicate_risk_factors_are_kept_once() -> None:
    assert parse_assessment_answers({"clot_risk_factors": ["surgery", "surgery"]}).clot_risk_factors == ("surgery",)


def write(tmp_path: Path, text: str | bytes, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_an_answers_file_is_loaded(tmp_path: Path) -> None:
    assert load_answers_file(write(tmp_path, json.dumps(VALID))) == parse_assessment_answers(VALID)


def test_corrupt_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "age": 40,\n  "sex": "male"\n  "side": "left"\n}')
    with pytest.raises(InvalidAnswers) as err:
        load_answers_file(path)
    assert str(path) in str(err.value)
    assert err.value.problems[0].where == f"{path}:4:3"
    assert "line 4, column 3" in err.value.problems[0].problem


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[1, 2]", "JSON object"),
        ("", "not valid JSON"),
        (b"\xff\xfe{", "UTF-8"),
        ('{"age": NaN}', "NaN"),
        ('{"age": 40, "age": 41}', "given twice"),
    ],
)
def test_unusable_files_are_refused_naming_the_file(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InvalidAnswers) as err:
        load_answers_file(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidAnswers, match="no such answers file"):
        load_answers_file(tmp_path / "nope.json")


def test_contract_problems_in_a_file_name_the_file_and_the_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidAnswers) as err:
        load_answers_file(write(tmp_path, '{"pain_rest": 12}'))
    assert "answers.json" in str(err.value) and "pain_rest" in str(err.value)


def test_the_schema_is_valid_draft_2020_12_with_id_and_title() -> None:
    schema = assessment_answers_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID and schema["title"]
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == list(ANSWER_KEYS)
    for key, prop in schema["properties"].items():
        assert prop["description"] and prop["title"] and prop["x-group"], key


def test_the_schema_accepts_valid_answers_and_rejects_what_the_parser_rejects() -> None:
    validator = jsonschema.Draft202012Validator(assessment_answers_schema())
    assert not list(validator.iter_errors(VALID))
    for bad in ({"foo": 1}, {"age": 9}, {"sex": "x"}, {"felt_snap": "yes"}, {"clot_risk_factors": ["boat"]}):
        assert list(validator.iter_errors(bad)), bad


def test_the_schema_accepts_the_shared_examples() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the shared examples are not at {EXAMPLES}")
    validator = jsonschema.Draft202012Validator(assessment_answers_schema())
    files = sorted(EXAMPLES.glob("*.json"))
    assert files
    for path in files:
        data = json.loads(path.read_text())
        assert not list(validator.iter_errors(data)), path.name
        parse_assessment_answers(data)


def test_red_flag_keys_are_the_screen_and_are_asked_first() -> None:
    assert RED_FLAG_KEYS[0] == "breathless_or_chest_pain" and RED_FLAG_KEYS[-1] == "skin_dusky_or_blistering"
    assert len(RED_FLAG_KEYS) == 29, "25 in the first round, 4 screen signs in the second"
    qs = questions()
    assert [q.key for q in qs[: len(RED_FLAG_KEYS)]] == list(RED_FLAG_KEYS)
    assert {q.key for q in qs} == set(ANSWER_KEYS)


def test_questions_carry_kinds_ranges_and_skip_logic() -> None:
    by_key = {q.key: q for q in questions()}
    assert by_key["age"].kind == "int" and (by_key["age"].minimum, by_key["age"].maximum) == (10, 100)
    assert by_key["days_since_onset"].kind == "number"
    assert by_key["pain_location"].kind == "choice" and "heel" in by_key["pain_location"].choices
    assert by_key["clot_risk_factors"].kind == "choices"
    assert by_key["breathless_or_chest_pain"].emergency_if_yes
    squeeze = by_key["squeeze_test_no_movement"]
    assert not squeeze.should_ask({"pain_location": "upper_inner_calf"})
    assert squeeze.should_ask({"felt_snap": True})
    assert squeeze.should_ask({"pain_location": "achilles"})
    assert by_key["single_leg_heel_raises_other"].should_ask({"single_leg_heel_raises_injured": 0})
    assert not by_key["sciatica_both_legs"].should_ask({"back_pain_or_sciatica": False})
    assert by_key["felt_snap"].should_ask({})
