"""``calfcare assess | checkin | today | history`` run for real on a temporary database, then the database checked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from calfcare.cli import app
from calfcare.cli.clinical_views import sparkline
from calfcare.clinical.protocol import PHASES
from calfcare.store import open_database
from calfcare.store.models import Assessment, CheckIn, Episode, Runner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
START = date(2025, 4, 1)

GASTRO: dict[str, Any] = {
    "age": 38,
    "side": "right",
    "days_since_onset": 1,
    "onset": "sudden",
    "activity_at_onset": "sprint_or_intervals",
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_rest": 2,
    "pain_walking": 4,
    "walks_normally": False,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 6,
    "single_leg_heel_raises_other": 28,
    "pain_loading_knee_straight": 6,
    "pain_loading_knee_bent": 2,
    "calf_bigger_than_other": False,
    "skin_warm_red_or_dark": False,
    "breathless_or_chest_pain": False,
    "clot_risk_factors": [],
}


def cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def ok_json(*args: str, code: int = 0) -> Any:
    """The JSON a command printed; ``code``: 8 for an urgent result, 9 for an emergency (README's exit codes)."""
    result = cli(*args, "--json")
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


@contextmanager
def stored(url: str) -> Iterator[Session]:
    """A session on the CLI's database, to look at (or set up) what the commands stored."""
    db = open_database(url)
    try:
        with db.session() as s:
            yield s
    finally:
        db.dispose()


def counts(url: str) -> tuple[int, int, int]:
    with stored(url) as s:
        a, e, c = (int(s.scalar(select(func.count()).select_from(m)) or 0) for m in (Assessment, Episode, CheckIn))
    return a, e, c


def recovery_day(i: int, plan: dict[str, Any]) -> dict[str, Any]:
    """Day ``i`` of a steady recovery after a moderate gastrocnemius strain, doing what ``today`` prescribed."""
    kind = plan["prescription"]["kind"]
    answers: dict[str, Any] = {
        "morning_pain": max(0, 3 - i // 4),
        "morning_stiffness": max(0, 4 - i // 4),
        "pain_rest": 0 if i >= 2 else 1,
        "pain_walking": max(0, 3 - i // 2),
        "limp": i < 3,
        "swelling_increased": False,
        "single_leg_heel_raises_injured": min(32, 8 + i),
        "single_leg_heel_raises_other": 30,
        "calf_bigger_than_other": False,
        "skin_warm_red_or_dark": False,
        "breathless_or_chest_pain": False,
    }
    if i >= 10:
        answers["hop_pain"] = max(0, 3 - (i - 10) // 2)
    if kind == "rest":
        return {**answers, "session": "none", "session_kind": "rest"}
    run = plan["prescription"].get("run")
    minutes = run["total_min"] if run else 30
    session = {"session": "as_prescribed", "session_kind": kind, "session_minutes": minutes, "session_rpe": 3}
    return {**answers, **session, "pain_during_session": 1 if i < 20 else 0, "pain_after_session": 0}


def test_six_weeks_of_checkins_bring_a_runner_back_to_running(cli_env: str, tmp_path: Path) -> None:
    assessed = ok_json("assess", "--answers", write(tmp_path / "a.json", GASTRO), "--date", START.isoformat())
    assert assessed["disposition"] == "self_care" and assessed["episode"]["status"] == "open"
    phases, decisions, runs = [assessed["start_phase"]], [], 0
    rehab_only = {"prescription": {"kind": "rehab_exercises"}}
    for i in range(42):
        day = (START + timedelta(days=i)).isoformat()
        # before running starts every day is a rehab day; from then on ask `today` which days are run days
        plan = ok_json("today", "--date", day) if i % 7 == 0 or phases[-1] in PHASES[3:] else rehab_only
        if plan["prescription"]["kind"] in ("walk_run", "run"):
            assert plan["prescription"]["run"]["total_min"] > 0
            runs += 1
        else:
            assert plan["prescription"]["kind"] == "rehab_exercises"
        answers = write(tmp_path / f"day{i}.json", recovery_day(i, plan))
        result = ok_json("checkin", "--answers", answers, "--date", day)
        decisions.append(result["decision"])
        phases.append(result["phase"])
    order = [PHASES.index(p) for p in phases]
    assert order == sorted(order), f"phases only move forward: {phases}"
    assert phases[-1] in ("return_to_run", "full_training")
    assert {"mobility", "strength", "return_to_run"} <= set(phases)
    assert set(decisions) <= {"progress", "hold"}
    assert decisions.count("progress") >= 8 and runs >= 5
    last = ok_json("today", "--date", (START + timedelta(days=42)).isoformat())
    assert last["phase"] == phases[-1] and last["episode"]["day"] == 43
    shown = cli("history")
    assert shown.exit_code == 0, shown.output
    assert "morning pain" in shown.stdout and any(bar in shown.stdout for bar in "▁▂▃▄")


def _start_and_progress(tmp_path: Path, days: int) -> None:
    ok_json("assess", "--answers", write(tmp_path / "a.json", GASTRO), "--date", START.isoformat())
    for i in range(days):
        day = (START + timedelta(days=i)).isoformat()
        plan = ok_json("today", "--date", day)
        ok_json("checkin", "--answers", write(tmp_path / f"d{i}.json", recovery_day(i, plan)), "--date", day)


def test_a_flare_the_next_morning_steps_the_plan_back(cli_env: str, tmp_path: Path) -> None:
    _start_and_progress(tmp_path, 10)
    day = (START + timedelta(days=10)).isoformat()
    before = ok_json("today", "--date", day)
    flare = {**recovery_day(10, before), "morning_pain": 5, "pain_during_session": 6, "pain_after_session": 5}
    result = ok_json("checkin", "--answers", write(tmp_path / "flare.json", flare), "--date", day)
    assert result["decision"] == "step_back"
    assert any("ceiling" in r or "morning" in r for r in result["reasons"])
    after = ok_json("today", "--date", (START + timedelta(days=11)).isoformat())
    assert (after["phase"], after["stage"]) != (before["phase"], before["stage"])
    shown = cli("checkin", "--answers", str(tmp_path / "flare.json"), "--date", day)
    assert "Step back" in shown.stdout and "replaced" in shown.stdout


def test_a_new_red_flag_at_a_checkin_stops_the_plan_and_today_says_where_to_go(cli_env: str, tmp_path: Path) -> None:
    _start_and_progress(tmp_path, 3)
    day = START + timedelta(days=3)
    plan = ok_json("today", "--date", day.isoformat())
    flagged = {**recovery_day(3, plan), "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    result = ok_json("checkin", "--answers", write(tmp_path / "dvt.json", flagged), "--date", day.isoformat(), code=8)
    assert result["decision"] == "refer" and result["episode"]["status"] == "referred"
    assert [f["code"] for f in result["red_flags"]] == ["dvt"]
    next_day = (day + timedelta(days=1)).isoformat()
    stopped = ok_json("today", "--date", next_day)
    assert stopped["status"] == "referred" and stopped["prescription"]["items"] == []
    shown = cli("today", "--date", next_day)
    assert shown.exit_code == 0
    assert shown.stdout.lstrip().startswith("╭") and "URGENT" in shown.stdout and "Exercises" not in shown.stdout
    with stored(cli_env) as s:
        assert s.scalars(select(Episode)).one().status == "referred"


def test_a_second_checkin_for_the_same_day_replaces_the_first(cli_env: str, tmp_path: Path) -> None:
    _start_and_progress(tmp_path, 1)
    day = START.isoformat()
    again = ok_json("checkin", "--answers", str(EXAMPLES / "checkin-day3.json"), "--date", day)
    assert again["replaced"] is True
    assert counts(cli_env)[2] == 1
    with stored(cli_env) as s:
        assert s.scalars(select(CheckIn)).one().answers["morning_stiffness"] == 3


def test_a_backdated_checkin_gives_the_same_result_as_entering_in_order(cli_env: str, tmp_path: Path) -> None:
    ok_json("assess", "--answers", write(tmp_path / "a.json", GASTRO), "--date", START.isoformat())
    files = []
    for i in range(4):
        plan = ok_json("today", "--date", (START + timedelta(days=i)).isoformat())
        files.append(write(tmp_path / f"d{i}.json", recovery_day(i, plan)))
    in_order = [ok_json("checkin", "--answers", f, "--date", (START + timedelta(days=i)).isoformat())
                for i, f in enumerate(files)]  # fmt: skip
    ok_json("assess", "--answers", str(tmp_path / "a.json"), "--date", START.isoformat(), "--runner", "late")
    for i in (0, 3, 1, 2):
        day = (START + timedelta(days=i)).isoformat()
        late = ok_json("checkin", "--answers", files[i], "--date", day, "--runner", "late")
    assert "replayed in date order" in " ".join(late["notes"])
    ours = ok_json("history")["checkins"]
    theirs = ok_json("history", "--runner", "late")["checkins"]
    assert [(c["decision"], c["phase"], c["stage"]) for c in theirs] == [
        (c["decision"], c["phase"], c["stage"]) for c in ours
    ]
    assert [c["decision"] for c in ours] == [r["decision"] for r in in_order]


def test_a_checkin_with_no_open_episode_fails_and_stores_nothing(cli_env: str, tmp_path: Path) -> None:
    result = cli("checkin", "--answers", str(EXAMPLES / "checkin-day3.json"), "--date", START.isoformat())
    assert result.exit_code == 4  # an unknown runner: 4, as for every command
    assert "no runner called 'me'" in result.stderr and "calfcare assess" in result.stderr
    assert counts(cli_env) == (0, 0, 0)


BAD_FILES = [
    ("unknown key", '{"morning_pian": 2}', "morning_pian"),
    ("wrong type", '{"limp": "yes"}', "limp"),
    ("out of range", '{"morning_pain": 12}', "morning_pain"),
    ("corrupt JSON", '{"morning_pain": 2,', "not valid JSON"),
]


@pytest.mark.parametrize(("case", "text", "named"), BAD_FILES, ids=[c for c, _, _ in BAD_FILES])
def test_a_bad_checkin_file_fails_naming_the_field_and_stores_nothing(
    cli_env: str, tmp_path: Path, case: str, text: str, named: str
) -> None:
    _start_and_progress(tmp_path, 1)
    before = counts(cli_env)
    result = cli("checkin", "--answers", write(tmp_path / "bad.json", text), "--date", START.isoformat(), "--json")
    assert result.exit_code == 2, case
    assert named in result.stderr
    payload = json.loads(result.stdout)
    assert payload["error"] == "InvalidAnswers" and any(named in p["field"] + p["problem"] for p in payload["problems"])
    assert counts(cli_env) == before


@pytest.mark.parametrize(
    ("text", "named"),
    [('{"agee": 30}', "agee"), ('{"felt_snap": 1}', "felt_snap"), ('{"pain_rest": -1}', "pain_rest"), ("[1,", "JSON")],
)
def test_a_bad_assessment_file_fails_naming_the_field_and_stores_nothing(
    cli_env: str, tmp_path: Path, text: str, named: str
) -> None:
    result = cli("assess", "--answers", write(tmp_path / "bad.json", text), "--date", START.isoformat())
    assert result.exit_code == 2 and named in result.stderr
    assert counts(cli_env) == (0, 0, 0)


def test_a_future_date_is_refused_and_nothing_is_stored(cli_env: str) -> None:
    future = (date.today() + timedelta(days=1)).isoformat()
    result = cli("assess", "--answers", str(EXAMPLES / "soleus-build-up.json"), "--date", future)
    assert result.exit_code == 2 and "--date" in result.stderr and "in the future" in result.stderr
    assert counts(cli_env) == (0, 0, 0)


def test_the_readme_command_assesses_the_soleus_example_and_shows_today(cli_env: str) -> None:
    assessed = cli("assess", "--answers", str(EXAMPLES / "soleus-build-up.json"))
    assert assessed.exit_code == 0, assessed.output
    assert "soleus" in assessed.stdout and "not a diagnosis" in assessed.stdout and "an estimate" in assessed.stdout
    shown = cli("today")
    assert shown.exit_code == 0, shown.output
    assert "Exercises" in shown.stdout and "To move on to" in shown.stdout
    gastro = ok_json("assess", "--answers", str(EXAMPLES / "gastrocnemius-strides.json"), "--runner", "g")
    assert gastro["structure"]["likely"] == "gastrocnemius"


def test_an_urgent_assessment_shows_where_to_go_first_and_no_plan(cli_env: str, tmp_path: Path) -> None:
    clot = {**GASTRO, "onset": "gradual", "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    shown = cli("assess", "--answers", write(tmp_path / "clot.json", clot), "--date", START.isoformat())
    assert shown.exit_code == 8  # urgent, shown.output
    out = shown.stdout
    assert out.lstrip().startswith("╭") and "URGENT" in out.split("\n")[0]
    assert "Most likely" not in out and "Starting phase" not in out
    assert counts(cli_env) == (1, 0, 0)


@pytest.mark.parametrize("command", ["assess", "checkin"])
def test_schema_prints_a_valid_json_schema(cli_env: str, command: str) -> None:
    schema = ok_json(command, "--schema")
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["type"] == "object"
    assert "calf_bigger_than_other" in schema["properties"]
    assert counts(cli_env) == (0, 0, 0)


def test_runners_are_kept_apart(cli_env: str, tmp_path: Path) -> None:
    ok_json("assess", "--answers", write(tmp_path / "a.json", GASTRO), "--date", START.isoformat(), "--runner", "ana")
    none = cli("today", "--date", START.isoformat(), "--runner", "ben", "--json")
    assert none.exit_code == 4 and json.loads(none.stdout)["error"] == "NotFound"
    assert ok_json("today", "--date", START.isoformat(), "--runner", "ana")["episode"]["structure"] == "gastrocnemius"
    refused = cli("checkin", "--answers", str(EXAMPLES / "checkin-day3.json"), "--date", START.isoformat(),
                  "--runner", "ben")  # fmt: skip
    assert refused.exit_code == 4
    assert cli("history", "--runner", "ben").exit_code == 4


def test_today_without_an_episode_says_so_plainly_and_exits_zero(cli_env: str) -> None:
    with stored(cli_env) as s:  # a runner with nothing open (an unknown runner is exit 4: tests/cli/test_app.py)
        s.add(Runner(name="me"))
    shown = cli("today", "--date", START.isoformat())
    assert shown.exit_code == 0 and "No open episode" in shown.stdout
    payload = ok_json("today", "--date", START.isoformat())
    assert set(payload) == {"date", "episode", "message"}
    assert payload["date"] == START.isoformat() and payload["episode"] is None
    assert "No open episode" in payload["message"] and "calfcare assess" in payload["message"]


def test_a_previous_episode_lengthens_the_next_estimate(cli_env: str, tmp_path: Path) -> None:
    first = ok_json("assess", "--answers", write(tmp_path / "a.json", GASTRO), "--date", START.isoformat())
    with stored(cli_env) as s:
        ep = s.scalars(select(Episode)).one()
        ep.status, ep.closed_on = "closed", START + timedelta(days=35)
    later = (START + timedelta(days=150)).isoformat()
    second = ok_json("assess", "--answers", str(tmp_path / "a.json"), "--date", later)
    assert second["episode"]["previous_calf_strains"] == 1
    assert second["severity"]["return_to_run_days"][1] > first["severity"]["return_to_run_days"][1]
    assert any("earlier calf strain" in n for n in second["notes"])


def test_the_sparkline_scales_pain_from_zero_to_ten_and_marks_missing_days() -> None:
    assert sparkline([0, 10, None, 5]) == "▁█·▅"
    falling = sparkline([8, 6, 4, 2, 0])
    assert list(falling) == sorted(falling, reverse=True)


def _emergency_at_day_3(tmp_path: Path) -> date:
    """A plan running for three days, then pulmonary-embolism signs at the fourth check-in."""
    _start_and_progress(tmp_path, 3)
    day = START + timedelta(days=3)
    plan = ok_json("today", "--date", day.isoformat())
    flagged = {**recovery_day(3, plan), "breathless_or_chest_pain": True}
    result = ok_json("checkin", "--answers", write(tmp_path / "pe.json", flagged), "--date", day.isoformat(), code=9)
    assert result["decision"] == "refer" and result["red_flags"][0]["urgency"] == "emergency"
    return day


def test_after_an_emergency_today_json_leads_with_the_referral_and_never_softens_it(
    cli_env: str, tmp_path: Path
) -> None:
    day = _emergency_at_day_3(tmp_path)
    stopped = ok_json("today", "--date", (day + timedelta(days=1)).isoformat())
    assert list(stopped)[:2] == ["status", "referral"]
    assert stopped["referral"]["red_flags"][0]["urgency"] == "emergency"
    assert "ambulance" in stopped["warnings"][0]


def test_after_an_emergency_history_shows_it_first_in_both_outputs(cli_env: str, tmp_path: Path) -> None:
    _emergency_at_day_3(tmp_path)
    hist = ok_json("history")
    assert next(iter(hist)) == "referral" and hist["referral"]["red_flags"][0]["code"] == "pulmonary_embolism"
    shown = cli("history")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.lstrip().startswith("╭") and "EMERGENCY" in shown.stdout.splitlines()[0]


def test_a_checkin_while_the_plan_is_stopped_repeats_the_emergency_not_a_softer_message(
    cli_env: str, tmp_path: Path
) -> None:
    day = _emergency_at_day_3(tmp_path)
    quiet = write(tmp_path / "quiet.json", {"morning_pain": 1, "breathless_or_chest_pain": False})
    next_day = (day + timedelta(days=1)).isoformat()
    result = ok_json("checkin", "--answers", quiet, "--date", next_day)
    assert result["decision"] == "refer" and result["red_flags"] == []
    assert result["referral"]["red_flags"][0]["urgency"] == "emergency"
    assert any("ambulance" in r for r in result["reasons"])
    shown = cli("checkin", "--answers", quiet, "--date", next_day)
    assert shown.stdout.lstrip().startswith("╭") and "EMERGENCY" in shown.stdout.splitlines()[0]


def test_the_red_flag_panel_says_why_in_words_that_mean_what_was_answered(cli_env: str, tmp_path: Path) -> None:
    cannot_stand = {**GASTRO, "can_bear_weight": False, "single_leg_heel_raises_injured": 0, "felt_snap": True,
                    "pain_location": "achilles"}  # fmt: skip
    shown = cli("assess", "--answers", write(tmp_path / "a.json", cannot_stand), "--date", START.isoformat())
    assert shown.exit_code == 8, shown.output
    flat = " ".join(shown.stdout.replace("│", " ").split())  # the panel's text without its borders
    assert "because: can bear weight" not in flat and "cannot bear weight" in flat
    assert "single leg heel raises injured" not in flat and "no single-leg heel raise" in flat


def test_after_the_episode_closes_today_keeps_the_standing_prevention_routine(cli_env: str, tmp_path: Path) -> None:
    ok_json("assess", "--answers", write(tmp_path / "a.json", GASTRO), "--date", START.isoformat())
    with stored(cli_env) as s:
        ep = s.scalars(select(Episode)).one()
        ep.status, ep.closed_on = "closed", START + timedelta(days=35)
    later = (START + timedelta(days=60)).isoformat()
    payload = ok_json("today", "--date", later)
    assert payload["episode"] is None
    assert any("twice a week" in p or "2 times a week" in p for p in payload["prevention"])
    shown = cli("today", "--date", later)
    assert shown.exit_code == 0 and "times a week" in shown.stdout


def test_after_an_emergency_assessment_today_and_history_lead_with_where_to_go(cli_env: str, tmp_path: Path) -> None:
    pe = {**GASTRO, "breathless_or_chest_pain": True}
    ok_json("assess", "--answers", write(tmp_path / "pe.json", pe), "--date", START.isoformat(), code=9)
    assert counts(cli_env) == (1, 0, 0)
    for command in (("today", "--date", START.isoformat()), ("history",)):
        payload = ok_json(*command)
        assert next(iter(payload)) == "referral", command
        assert payload["referral"]["red_flags"][0]["urgency"] == "emergency"
        shown = cli(*command)
        assert shown.exit_code == 0, shown.output
        assert shown.stdout.lstrip().startswith("╭") and "EMERGENCY" in shown.stdout.splitlines()[0], command
        assert "nothing to do" not in shown.stdout


def test_a_see_clinician_flag_that_leaves_the_plan_running_is_shown_before_the_plan(
    cli_env: str, tmp_path: Path
) -> None:
    torn = write(tmp_path / "a.json", {**GASTRO, "can_bear_weight": False})
    ok_json("assess", "--answers", torn, "--date", START.isoformat())
    shown = cli("today", "--date", (START + timedelta(days=1)).isoformat())
    assert shown.exit_code == 0, shown.output
    first = shown.stdout.lstrip().splitlines()[0]
    assert first.startswith("╭") and "See a clinician" in first
    assert "Exercises" in shown.stdout  # the plan goes on below it
