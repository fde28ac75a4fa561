"""The check-in answers contract at the edge, and the red-flag screen a check-in produces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calfcare.clinical.answers import RED_FLAG_KEYS
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.contracts.checkin import checkin_answers_schema, load_checkin_file, parse_checkin_answers
from calfcare.errors import InvalidAnswers

# every key of the CHECKIN.md table, with a valid value
CHECKIN_EXAMPLE: dict[str, object] = {
    "morning_pain": 2,
    "morning_stiffness": 3,
    "pain_rest": 0,
    "pain_walking": 1,
    "limp": False,
    "swelling_increased": False,
    "single_leg_heel_raises_injured": 18,
    "single_leg_heel_raises_other": 27,
    "hop_pain": 1,
    "session": "as_prescribed",
    "session_kind": "walk_run",
    "session_minutes": 30,
    "session_distance_km": 4.2,
    "session_rpe": 3.5,
    "pain_during_session": 2,
    "pain_after_session": 1,
}


def _problems(data: object) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as err:
        parse_checkin_answers(data)
    return {p.where: p.problem for p in err.value.problems}


def test_every_checkin_key_of_the_contract_is_accepted_and_kept() -> None:
    answers = parse_checkin_answers(CHECKIN_EXAMPLE)
    assert isinstance(answers, CheckInAnswers)
    assert answers.to_dict() == {**CHECKIN_EXAMPLE, "session_minutes": 30.0}
    assert answers.ran and answers.did_session


def test_every_red_flag_screen_key_is_accepted_beside_the_checkin_keys() -> None:
    screen = {key: True for key in RED_FLAG_KEYS if key != "clot_risk_factors"}
    screen["clot_risk_factors"] = ["long_travel", "surgery", "long_travel"]
    answers = parse_checkin_answers({**screen, "morning_pain": 1})
    assert answers.screen.calf_bigger_than_other is True
    assert answers.screen.clot_risk_factors == ("long_travel", "surgery")
    assert answers.morning_pain == 1


def test_null_means_not_answered() -> None:
    answers = parse_checkin_answers({"morning_pain": None, "limp": None})
    assert answers == CheckInAnswers()


def test_every_bad_field_is_named_with_what_was_expected() -> None:
    problems = _problems(
        {
            "morning_pain": 11,
            "limp": "yes",
            "session": "lots",
            "session_kind": "swim",
            "session_minutes": -5,
            "session_rpe": 12,
            "hop_pain": 2.5,
            "calf_bigger_than_other": 1,
            "clot_risk_factors": ["flying"],
        }
    )
    assert "0 to 10" in problems["morning_pain"]
    assert "true or false" in problems["limp"]
    assert "as_prescribed" in problems["session"]
    assert "walk_run" in problems["session_kind"]
    assert "0 to 1440" in problems["session_minutes"]
    assert "0 to 10" in problems["session_rpe"]
    assert "whole number" in problems["hop_pain"]
    assert "true or false" in problems["calf_bigger_than_other"]
    assert "clot_risk_factors[0]" in problems


def test_an_unknown_key_is_refused_with_a_suggestion() -> None:
    problems = _problems({"morning_pian": 2})
    assert "did you mean 'morning_pain'" in problems["morning_pian"]


def test_triage_only_keys_are_not_checkin_keys() -> None:
    problems = _problems({"felt_snap": True})
    assert "unknown key" in problems["felt_snap"]


def test_a_non_object_is_refused() -> None:
    assert "expected a JSON object" in _problems([1, 2])[""]


def test_hop_pain_of_three_or_more_counts_as_pain_on_hopping_in_the_red_flag_screen() -> None:
    assert CheckInAnswers(hop_pain=3).red_flag_screen().pain_on_hopping is True
    assert CheckInAnswers(hop_pain=2).red_flag_screen().pain_on_hopping is False
    assert CheckInAnswers().red_flag_screen().pain_on_hopping is None
    said = parse_checkin_answers({"pain_on_hopping": True, "hop_pain": 0})
    assert said.red_flag_screen().pain_on_hopping is True


def test_the_red_flag_screen_keeps_todays_heel_raise_counts() -> None:
    screen = CheckInAnswers(single_leg_heel_raises_injured=0, single_leg_heel_raises_other=20).red_flag_screen()
    assert screen.single_leg_heel_raises_injured == 0 and screen.single_leg_heel_raises_other == 20


def test_a_checkin_file_is_read_and_validated(tmp_path: Path) -> None:
    path = tmp_path / "checkin.json"
    path.write_text(json.dumps({"morning_pain": 2, "session": "none"}), encoding="utf-8")
    assert load_checkin_file(path) == CheckInAnswers(morning_pain=2, session="none")


def test_a_bad_checkin_file_names_the_file_and_the_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"morning_pain": 2,\n "limp": }', encoding="utf-8")
    with pytest.raises(InvalidAnswers, match="not valid JSON") as err:
        load_checkin_file(broken)
    assert f"{broken}:2:" in str(err.value)
    twice = tmp_path / "twice.json"
    twice.write_text('{"morning_pain": 2, "morning_pain": 3}', encoding="utf-8")
    with pytest.raises(InvalidAnswers, match="given twice"):
        load_checkin_file(twice)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"pain_walking": "bad"}', encoding="utf-8")
    with pytest.raises(InvalidAnswers) as err:
        load_checkin_file(wrong)
    assert str(wrong) in str(err.value) and "pain_walking" in str(err.value)
    with pytest.raises(InvalidAnswers, match="no such answers file"):
        load_checkin_file(tmp_path / "missing.json")


def test_the_schema_lists_every_key_and_forbids_others() -> None:
    schema = checkin_answers_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["additionalProperties"] is False
    assert set(CHECKIN_EXAMPLE) | set(RED_FLAG_KEYS) | {"cleared_by_clinician", "felt_snap_or_pop"} == set(
        schema["properties"]
    )
    assert schema["properties"]["calf_bigger_than_other"]["description"]
