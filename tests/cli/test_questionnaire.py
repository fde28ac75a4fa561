"""The question plan (calfcare.clinical.questions) and the interactive questionnaires built on it (issue #8 item 3):
short paths, nothing asked twice, the daily safety screen as one question, phase-aware check-ins, the counts in the
README kept in step."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from question_paths import (
    GASTROCNEMIUS,
    SOLEUS,
    Plan,
    assessment_walk,
    checkin_walk,
    day,
    readme_counts,
    reply_for,
)
from sqlalchemy import select
from typer.testing import CliRunner, Result

from calfcare.cli import app
from calfcare.cli import questionnaire as q
from calfcare.clinical.answers import RED_FLAG_KEYS, TriageAnswers
from calfcare.clinical.questions import (
    RUN_KEYS,
    SNAP_KEY,
    CheckinContext,
    Step,
    apply_reply,
    assessment_steps,
    checkin_steps,
    next_step,
    phase_needs,
    run_checkin,
    run_steps,
)
from calfcare.clinical.redflags import screen_complete
from calfcare.contracts.assessment import assessment_answers_schema
from calfcare.contracts.checkin import checkin_answers_schema
from calfcare.errors import Conflict
from calfcare.store import open_database
from calfcare.store.models import Assessment, CheckIn

ROOT = Path(__file__).resolve().parents[2]
START = date(2025, 4, 1)


def cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


# --- the counts (README) ---


def test_the_readme_shows_the_question_counts_the_plan_asks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How many questions", 1)[1].split("\n## ", 1)[0]
    shown = {m[0]: int(m[1]) for m in re.findall(r"^\| ((?:assess|checkin): .+?) \| (\d+) \|$", section, re.M)}
    assert shown == readme_counts()


def test_typical_paths_stay_within_the_aims() -> None:
    counts = readme_counts()
    assert all(n <= 25 for label, n in counts.items() if label.startswith("assess: a typical"))
    typical_days = [n for label, n in counts.items() if label.startswith("checkin:") and "as prescribed" in label]
    assert typical_days and max(typical_days) <= 10


# --- nothing asked twice, every key reachable ---


def _asked_keys(steps: list[Step]) -> list[str]:
    return [s.id for s in steps if s.kind == "question"]


def _random_answers(rng: random.Random, schema: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, prop in schema["properties"].items():
        if rng.random() < 0.3:
            continue
        text = json.dumps(prop)
        if '"boolean"' in text:
            out[key] = rng.random() < 0.3
        elif '"enum"' in text or "$ref" in text:
            spec = q.spec_from_schema(schema, key)
            if spec.kind == "choices":
                out[key] = rng.sample(spec.choices, rng.randint(0, 2))
            else:
                out[key] = rng.choice(spec.choices)
        else:
            out[key] = rng.randint(0, 10)
    return out


def test_a_key_is_never_asked_twice_whatever_the_answers() -> None:
    rng = random.Random(8)
    assess_schema, checkin_schema = assessment_answers_schema(), checkin_answers_schema()
    for _ in range(150):
        _, steps = assessment_walk(_random_answers(rng, assess_schema))
        asked = _asked_keys(steps)
        assert len(asked) == len(set(asked)), asked
        covered = {k for s in steps if s.kind == "checklist" for k in s.items}
        assert not covered & set(asked), "a key answered in a checklist was asked again"
        phase = rng.choice(["protect", "mobility", "strength", "return_to_run", "full_training", None])
        ctx = CheckinContext(
            phase, referred=rng.random() < 0.2, prescribed=rng.choice([None, "rehab_exercises", "run"])
        )
        _, steps = checkin_walk(_random_answers(rng, checkin_schema), ctx)
        asked = _asked_keys(steps)
        assert len(asked) == len(set(asked)), asked


@pytest.mark.parametrize("which", ["assess", "checkin"])
def test_every_contract_key_can_be_reached_with_its_type_from_the_schema(which: str) -> None:
    schema = assessment_answers_schema() if which == "assess" else checkin_answers_schema()
    reached: set[str] = set()
    wanted_all_yes: dict[str, Any] = {
        **{k: True for k in schema["properties"]},
        "activity_at_onset": "sprint_or_intervals",
        "medicines": ["statin"],
    }
    for wanted in ({}, wanted_all_yes):
        if which == "assess":
            steps = assessment_steps(wanted)
        else:
            opened = {**wanted, "_new_since_yesterday": True, "session": "different", "session_kind": "run"}
            steps = checkin_steps(opened, CheckinContext(None, referred=True))
        for s in steps:
            reached.update(s.items if s.kind != "question" else (s.id,))
    assert set(schema["properties"]) <= reached, "a key added to the contract must be asked somewhere"
    for key in schema["properties"]:
        spec = q.spec_from_schema(schema, key)
        assert spec.kind in ("boolean", "integer", "number", "choice", "choices"), key
        assert spec.text == schema["properties"][key]["description"], "the question is the contract's own wording"


def test_the_squeeze_test_is_asked_without_a_double_negative() -> None:
    text = assessment_answers_schema()["properties"]["squeeze_test_no_movement"]["description"]
    assert "NOT" not in text and "not point" not in text.lower()
    assert "stay still" in text


# --- the assessment plan ---


def test_the_safety_screen_comes_first_in_four_screens_for_a_runner_with_nothing_to_report() -> None:
    _, steps = assessment_walk(GASTROCNEMIUS)
    assert [s.id for s in steps[:4]] == ["_emergency_now", "_leg_now", "_clot_gate", "_patterns"]
    assert steps[4].id == "age"


def test_the_typical_assessment_answers_every_required_safety_key() -> None:
    answers, _ = assessment_walk(GASTROCNEMIUS)
    assert screen_complete(TriageAnswers(**{k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()}))
    assert answers["clot_risk_factors"] == [] and answers["breathless_or_chest_pain"] is False
    assert answers["dark_urine"] is False, "after intervals the dark-urine item is in the moment checklist"


def test_dark_urine_is_asked_only_after_hard_exertion_or_with_a_statin() -> None:
    steady = {**SOLEUS, "activity_at_onset": "steady_run"}
    answers, steps = assessment_walk(steady)
    assert "dark_urine" not in answers
    answers, steps = assessment_walk({**steady, "medicines": ["statin"]})
    assert "dark_urine" in _asked_keys(steps)
    answers, steps = assessment_walk(GASTROCNEMIUS)
    moment = next(s for s in steps if s.id == "_moment")
    assert "dark_urine" in moment.items and "dark_urine" not in _asked_keys(steps)


@pytest.mark.parametrize("activity", [None, "sprint_or_intervals", "steady_run", "walking_or_daily_life", "hills"])
def test_the_assessment_path_always_completes_the_screen_it_requires(activity: str | None) -> None:
    answers, _ = assessment_walk({**GASTROCNEMIUS, "activity_at_onset": activity})
    parsed = TriageAnswers(**{k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()})
    assert screen_complete(parsed), activity


def test_medicines_are_asked_once_in_the_assessment_and_never_at_a_check_in() -> None:
    _, steps = assessment_walk(GASTROCNEMIUS)
    assert _asked_keys(steps).count("medicines") == 1
    for phase in ("protect", "strength", "return_to_run"):
        steps_ = checkin_steps({"_new_since_yesterday": True}, CheckinContext(phase))
        assert all("medicines" not in (s.id, *s.items) for s in steps_)


def test_a_pale_foot_asks_whether_it_is_only_while_running_before_anything_else() -> None:
    _, steps = assessment_walk({**GASTROCNEMIUS, "foot_cold_pale_or_blue": True})
    assert [s.id for s in steps[:2]] == ["_emergency_now", "foot_symptoms_only_during_runs"]
    assert steps[1].follow_up, "the emergency check waits for the follow-up"


def test_the_squeeze_test_is_asked_for_a_snap_and_not_for_a_plain_gastrocnemius_strain() -> None:
    assert "squeeze_test_no_movement" not in _asked_keys(assessment_walk(GASTROCNEMIUS)[1])
    assert "squeeze_test_no_movement" in _asked_keys(assessment_walk({**GASTROCNEMIUS, "felt_snap": True})[1])


def test_cannot_stand_skips_the_loading_tests() -> None:
    asked = _asked_keys(assessment_walk({**GASTROCNEMIUS, "can_bear_weight": False})[1])
    assert not {"single_leg_heel_raises_injured", "pain_loading_knee_bent", "walks_normally"} & set(asked)


def test_a_checklist_reply_of_dont_know_leaves_every_item_unknown() -> None:
    step = assessment_steps({})[0]
    assert step.kind == "checklist"
    assert not set(step.items) & set(apply_reply(step, None, {}))
    picked = apply_reply(step, ["calf_rock_hard"], {})
    assert picked["calf_rock_hard"] is True and picked["coughing_blood"] is False
    with pytest.raises(ValueError, match="not items"):
        apply_reply(step, ["age"], {})


# --- the daily check-in plan ---


def test_the_daily_safety_screen_is_one_question_and_no_answers_every_screen_key() -> None:
    answers, steps = checkin_walk(day(), CheckinContext("strength", prescribed="rehab_exercises"))
    assert steps[0].kind == "gate" and steps[0].id == "_new_since_yesterday"
    assert not [s for s in steps if s.id in RED_FLAG_KEYS], "no safety detail after a no"
    assert all(answers[k] in (False, []) for k in RED_FLAG_KEYS)
    assert answers[SNAP_KEY] is False, "the new snap-or-pop question is part of the daily screen"
    screen = {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items() if k in RED_FLAG_KEYS}
    assert screen_complete(TriageAnswers(**screen))


def test_a_yes_to_the_daily_screen_asks_each_detail_including_a_new_snap() -> None:
    ctx = CheckinContext("strength", prescribed="rehab_exercises")
    answers, steps = checkin_walk({**day(), "calf_bigger_than_other": True}, ctx)
    details = [s.id for s in steps if s.section == "Safety first" and s.kind == "question"]
    assert "calf_bigger_than_other" in details and SNAP_KEY in details and "breathless_or_chest_pain" in details
    assert "sciatica_both_legs" not in details, "follow-ups only after their own yes"
    assert answers["calf_bigger_than_other"] is True


def test_a_snap_key_the_contract_does_not_offer_is_never_asked_or_answered() -> None:
    offered = frozenset(checkin_answers_schema()["properties"]) - {SNAP_KEY}
    ctx = CheckinContext("strength", prescribed="rehab_exercises", offered=offered)
    answers, steps = checkin_walk(day(), ctx, offered=offered)
    assert SNAP_KEY not in answers and SNAP_KEY not in steps[0].items


@pytest.mark.parametrize(
    ("phase", "asked", "not_asked"),
    [
        ("protect", {"pain_rest", "pain_walking"}, {"single_leg_heel_raises_injured", "hop_pain"}),
        ("mobility", {"pain_rest", "single_leg_heel_raises_injured"}, {"single_leg_heel_raises_other", "hop_pain"}),
        ("strength", {"single_leg_heel_raises_other", "hop_pain"}, {"morning_stiffness"}),
        ("full_training", {"single_leg_heel_raises_injured"}, {"hop_pain", "single_leg_heel_raises_other"}),
    ],
)
def test_the_check_in_asks_what_the_phase_needs(phase: str, asked: set[str], not_asked: set[str]) -> None:
    _, steps = checkin_walk(day(), CheckinContext(phase, prescribed="rehab_exercises"))
    keys = set(_asked_keys(steps))
    assert asked <= keys and not (not_asked & keys), keys
    assert {"pain_rest", "pain_walking"} >= phase_needs("protect")


@pytest.mark.parametrize("phase", ["strength", "return_to_run", "full_training"])
def test_rest_pain_is_asked_after_a_pain_free_morning_when_walking_or_the_screen_shows_pain(phase: str) -> None:
    """Rest pain above 2/10 blocks every gate and a rest pain rising on three check-ins refers: a check-in that skips
    it after a pain-free morning could never see an evening ache rising (the review's strength-phase runner at 6/10)."""
    ctx = CheckinContext(phase, prescribed="rehab_exercises")
    walking = checkin_walk(day(morning_pain=0, pain_walking=1, pain_rest=6), ctx)
    assert walking[0]["pain_rest"] == 6 and "pain_rest" in _asked_keys(walking[1])
    screen = {**day(morning_pain=0, pain_rest=6), "_new_since_yesterday": None, "night_or_rest_pain": True}
    at_rest = checkin_walk(screen, ctx)
    assert at_rest[0]["pain_rest"] == 6 and "pain_rest" in _asked_keys(at_rest[1])
    quiet = checkin_walk(day(morning_pain=0), ctx)  # pain-free morning, walk and screen: the short day stays short
    assert "pain_rest" not in _asked_keys(quiet[1])


def test_morning_pain_asks_rest_pain_and_stiffness_too() -> None:
    ctx = CheckinContext("strength", prescribed="rehab_exercises")
    assert {"pain_rest", "morning_stiffness"} <= set(_asked_keys(checkin_walk(day(morning_pain=2), ctx)[1]))


def test_a_limp_skips_the_hop_test() -> None:
    _, steps = checkin_walk({**day(), "limp": True}, CheckinContext("strength", prescribed="rehab_exercises"))
    assert "hop_pain" not in _asked_keys(steps)


def test_a_session_as_prescribed_takes_its_kind_from_the_prescription_and_asks_no_details() -> None:
    answers, steps = checkin_walk(day(), CheckinContext("return_to_run", prescribed="walk_run"))
    assert answers["session_kind"] == "walk_run"
    assert not {"session_kind", "session_minutes", "session_rpe"} & set(_asked_keys(steps))


def test_a_run_of_ones_own_asks_kind_minutes_distance_and_effort() -> None:
    wanted = day(session="different", session_kind="run", session_minutes=30, session_distance_km=5, session_rpe=4)
    answers, steps = checkin_walk(wanted, CheckinContext("strength", prescribed="rehab_exercises"))
    assert {"session_kind", "session_minutes", "session_distance_km", "session_rpe"} <= set(_asked_keys(steps))
    assert answers["session_rpe"] == 4


def test_after_a_referral_the_check_in_asks_whether_a_clinician_cleared_the_runner() -> None:
    asked = _asked_keys(checkin_walk(day(), CheckinContext("strength", referred=True))[1])
    assert "cleared_by_clinician" in asked
    assert "cleared_by_clinician" not in _asked_keys(checkin_walk(day(), CheckinContext("strength"))[1])


# --- the CLI on the plan ---


def _text(step: Step, reply: Any, schema: Mapping[str, Any]) -> str:
    if reply is None:
        return "?"
    if step.kind == "checklist":
        return " ".join(str(step.items.index(k) + 1) for k in reply) or "none"
    if isinstance(reply, bool):
        return "y" if reply else "n"
    if isinstance(reply, list):
        return " ".join(reply) or "none"
    return str(reply)


def lines(
    plan: Plan,
    wanted: Mapping[str, Any],
    schema: Mapping[str, Any],
    context: CheckinContext | None = None,
) -> str:
    """The lines a runner types, following the plan (and the CLI: keys the schema does not offer are skipped)."""
    offered = set(schema["properties"])
    answers: dict[str, Any] = {}
    done: set[str] = set()
    out: list[str] = []
    while (step := next_step(plan(answers), done)) is not None:
        done.add(step.id)
        if step.kind == "question" and step.id not in offered:
            continue
        reply = reply_for(step, wanted)
        out.append(_text(step, reply, schema))
        answers = apply_reply(step, reply, answers, context)
    return "\n".join(out) + "\n"


def stored_answers(url: str, model: type[Assessment] | type[CheckIn]) -> dict[str, Any]:
    db = open_database(url)
    try:
        with db.session() as s:
            return dict(s.scalars(select(model)).one().answers)
    finally:
        db.dispose()


def test_interactive_assess_asks_the_typical_path_and_stores_a_complete_screen(cli_env: str) -> None:
    typed = lines(assessment_steps, GASTROCNEMIUS, assessment_answers_schema())
    assert (
        typed.count("\n")
        == readme_counts()["assess: a typical gastrocnemius strain (sprint, nothing on the safety screen)"]
    )
    result = cli("assess", "--date", START.isoformat(), "--json", input=typed)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["screen_complete"] is True and payload["warnings"] == []
    assert payload["structure"]["likely"] == "gastrocnemius" and payload["opens_episode"] is True
    stored = stored_answers(cli_env, Assessment)
    assert stored["age"] == 38 and stored["clot_risk_factors"] == [] and stored["felt_snap"] is False
    assert "_clot_gate" not in stored and not any(k.startswith("_") for k in stored)


def test_interactive_assess_stops_at_an_emergency_answer_and_shows_the_emergency_first(cli_env: str) -> None:
    result = cli("assess", "--date", START.isoformat(), input="1\n")  # breathless, in the first checklist
    assert result.exit_code == 9, result.output
    assert "And any of these?" not in result.stdout, "no more questions after an emergency answer"
    after = result.stdout.split("needs emergency care.", 1)[1]
    assert after.lstrip().startswith("╭") and "EMERGENCY" in after.lstrip().split("\n", 1)[0]
    assert stored_answers(cli_env, Assessment)["breathless_or_chest_pain"] is True


def test_interactive_assess_with_a_pale_foot_only_while_running_is_not_stopped_as_an_emergency(cli_env: str) -> None:
    wanted = {**GASTROCNEMIUS, "foot_cold_pale_or_blue": True, "foot_symptoms_only_during_runs": True}
    typed = lines(assessment_steps, wanted, assessment_answers_schema())
    result = cli("assess", "--date", START.isoformat(), "--json", input=typed)
    assert result.exit_code == 0, result.output
    assert "needs emergency care" not in result.output
    payload = json.loads(result.stdout)
    assert payload["disposition"] == "see_clinician" and payload["red_flags"][0]["code"] == "exertional_leg_pain"


def test_interactive_checkin_without_an_open_episode_fails_before_asking_anything(cli_env: str) -> None:
    from calfcare.store import open_database

    open_database(cli_env).runner_id("me")  # a known runner with no episode (an unknown one exits 4 at once)
    result = cli("checkin", "--date", START.isoformat(), input="n\n" * 20)
    assert result.exit_code == 5
    assert "no open episode" in result.output and "No questions were asked" in result.output
    assert "Since yesterday" not in result.output


def _assessed(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    answers = {**GASTROCNEMIUS, "breathless_or_chest_pain": False, "calf_bigger_than_other": False}
    path.write_text(json.dumps(answers), encoding="utf-8")
    assert cli("assess", "--answers", str(path), "--date", START.isoformat()).exit_code == 0


def test_interactive_checkin_with_nothing_new_asks_a_short_list_and_stores_a_full_screen(
    cli_env: str, tmp_path: Path
) -> None:
    _assessed(tmp_path)
    today = (START + timedelta(days=1)).isoformat()
    plan = json.loads(cli("today", "--date", today, "--json").stdout)
    ctx = CheckinContext(plan["phase"], prescribed=plan["prescription"]["kind"])
    typed = lines(lambda a: checkin_steps(a, ctx), day(session="none", morning_pain=2), checkin_answers_schema(), ctx)
    assert typed.count("\n") <= 10
    result = cli("checkin", "--date", today, "--json", input=typed)
    assert result.exit_code == 0, result.output
    assert "Since yesterday, is any of these new?" in result.stderr
    stored = stored_answers(cli_env, CheckIn)
    assert all(stored[k] in (False, []) for k in RED_FLAG_KEYS)
    assert stored["morning_pain"] == 2 and json.loads(result.stdout)["decision"] in ("hold", "progress")


def test_interactive_checkin_asks_the_details_after_a_yes_and_stops_at_an_emergency(
    cli_env: str, tmp_path: Path
) -> None:
    _assessed(tmp_path)
    result = cli("checkin", "--date", (START + timedelta(days=1)).isoformat(), input="y\ny\n")
    assert result.exit_code == 9, result.output
    assert "breathless" in result.stdout and "EMERGENCY" in result.stdout
    assert stored_answers(cli_env, CheckIn)["breathless_or_chest_pain"] is True


def test_after_a_referral_the_interactive_checkin_asks_whether_a_clinician_cleared_the_runner(
    cli_env: str, tmp_path: Path
) -> None:
    _assessed(tmp_path)
    day1, day2 = (START + timedelta(days=i) for i in (1, 2))
    flagged = tmp_path / "flag.json"
    flagged.write_text(json.dumps({**day(session="none"), "whole_leg_swollen": True}), encoding="utf-8")
    assert cli("checkin", "--answers", str(flagged), "--date", day1.isoformat()).exit_code == 8
    plan = json.loads(cli("today", "--date", day2.isoformat(), "--json").stdout)
    assert plan["status"] == "referred"
    ctx = CheckinContext(plan.get("phase"), referred=True)
    wanted = {**day(session="as_prescribed"), "cleared_by_clinician": True, "session_kind": "rehab_exercises"}
    typed = lines(lambda a: checkin_steps(a, ctx), wanted, checkin_answers_schema(), ctx)
    result = cli("checkin", "--date", day2.isoformat(), "--json", input=typed)
    assert result.exit_code == 0, result.output
    assert "cleared you?" in result.stderr  # the cleared_by_clinician question was asked
    payload = json.loads(result.stdout)
    assert payload["episode"]["status"] == "open" and any("cleared" in r for r in payload["reasons"])


def test_the_cli_check_in_context_lists_only_keys_the_contract_offers() -> None:
    plan = {"status": "open", "phase": "strength", "prescription": {"kind": "rehab_exercises"}}
    ctx = q.checkin_context(plan, runner="me", day=START)
    gate = checkin_steps({}, ctx)[0]
    assert set(gate.items) <= set(checkin_answers_schema()["properties"])
    assert set(RED_FLAG_KEYS) <= set(gate.items)
    assert (ctx.phase, ctx.prescribed, ctx.referred) == ("strength", "rehab_exercises", False)
    with pytest.raises(Conflict, match="no open episode"):
        q.checkin_context({"status": "closed"}, runner="me", day=START)


def test_interactive_checkin_first_asks_how_a_run_before_running_was_allowed_felt(cli_env: str, tmp_path: Path) -> None:
    import numpy as np
    from stored_runs import store_run

    _assessed(tmp_path)
    day1, day3 = START + timedelta(days=1), START + timedelta(days=3)
    db = open_database(cli_env)
    try:
        store_run(db, db.runner_id("me"), day1, np.full(1500, 2.5, dtype=np.float32), key="tooearly")
    finally:
        db.dispose()
    plan = json.loads(cli("today", "--date", day3.isoformat(), "--json").stdout)
    assert [a["date"] for a in plan["ask_about_runs"]] == [day1.isoformat()]
    assert [s.id for s in run_steps(day1.isoformat())] == list(RUN_KEYS)
    ctx = CheckinContext(plan["phase"], prescribed=plan["prescription"]["kind"])
    typed = "4\n3\n2\n" + lines(lambda a: checkin_steps(a, ctx), day(session="none"), checkin_answers_schema(), ctx)
    result = cli("checkin", "--date", day3.isoformat(), "--json", input=typed)
    assert result.exit_code == 0, result.output
    assert f"You ran on {day1.isoformat()}" in result.stderr and "during that run" in result.stderr
    db = open_database(cli_env)
    try:
        with db.session() as s:
            rows = {r.day: r.answers for r in s.scalars(select(CheckIn))}
    finally:
        db.dispose()
    assert set(rows) == {day1, day3}
    run_day = rows[day1]
    assert (run_day["session"], run_day["session_kind"]) == ("different", "run")
    assert (run_day["pain_during_session"], run_day["pain_after_session"], run_day["morning_pain"]) == (4, 3, 2)
    assert run_day["session_distance_km"] > 0 and run_day["session_minutes"] > 0
    again = json.loads(cli("today", "--date", day3.isoformat(), "--json").stdout)
    assert again["ask_about_runs"] == [], "told about: not asked again"


def test_run_checkin_stores_nothing_when_every_reply_is_dont_know() -> None:
    run = {"date": "2025-04-02", "distance_km": 3.7, "minutes": 25.0}
    assert run_checkin(run, {}) is None
    assert run_checkin(run, {"pain_during_session": 0}) == {
        "session": "different",
        "session_kind": "run",
        "pain_during_session": 0,
        "session_minutes": 25.0,
        "session_distance_km": 3.7,
    }
