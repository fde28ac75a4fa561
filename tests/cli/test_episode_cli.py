"""``calfcare episode list|show|close|reopen``, ``calfcare assess --again``, ``calfcare checkin --delete DATE`` and
the retro hint that points to ``--again``, run for real on a temporary database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from stored_runs import store_run
from test_clinical_cli import GASTRO, cli, ok_json, recovery_day, stored, write

from calfcare.store import open_database
from calfcare.store.models import Assessment, CheckIn, Episode

START = date.today() - timedelta(days=30)


def _assess(tmp_path: Path, answers: dict[str, Any], day: date, name: str = "a.json") -> dict[str, Any]:
    return dict(ok_json("assess", "--answers", write(tmp_path / name, answers), "--date", day.isoformat()))


def _checkins(tmp_path: Path, days: range) -> None:
    for i in days:
        day = START + timedelta(days=i)
        plan = ok_json("today", "--date", day.isoformat())
        answers = write(tmp_path / f"d{i}.json", recovery_day(i, plan))
        ok_json("checkin", "--answers", answers, "--date", day.isoformat())


def test_a_new_injury_of_the_other_calf_is_a_new_episode_listed_beside_the_closed_one(
    cli_env: str, tmp_path: Path
) -> None:
    _assess(tmp_path, GASTRO, START)
    _checkins(tmp_path, range(0, 12))
    later = START + timedelta(days=14)
    out = _assess(tmp_path, {**GASTRO, "side": "left", "days_since_onset": 0.5}, later, "b.json")
    assert out["closed_episode"]["id"] == 1 and out["episode"]["id"] == 2
    assert out["episode"]["phase"] == "protect" and out["episode"]["onset"] == later.isoformat()
    listed = ok_json("episode", "list")
    assert [e["status"] for e in listed["episodes"]] == ["closed", "open"] and listed["active"] == 2
    assert "left calf" in listed["episodes"][0]["closed_reason"]
    text = cli("episode", "list").stdout
    assert "2 *" in text and "closed" in text
    plan = ok_json("today", "--date", later.isoformat())
    assert plan["phase"] == "protect" and plan["episode"]["side"] == "left"
    shown = ok_json("episode", "show", "1")
    assert len(shown["checkins"]) == 12 and shown["episode"]["side"] == "right"


def test_close_and_reopen_from_the_command_line(cli_env: str, tmp_path: Path) -> None:
    _assess(tmp_path, GASTRO, START)
    plan = ok_json("today")
    closed = ok_json("episode", "close", "--reason", "my physio says it has healed")
    assert closed["episode"]["status"] == "closed"
    assert closed["episode"]["closed_reason"] == "closed by the runner: my physio says it has healed"
    refused = cli("checkin", "--answers", write(tmp_path / "c.json", recovery_day(3, plan)))
    assert refused.exit_code == 5
    again = cli("episode", "close", "1", "--json")
    assert again.exit_code == 5 and "already closed" in json.loads(again.stdout)["message"]
    reopened = ok_json("episode", "reopen", "1")
    assert reopened["episode"]["status"] == "open"
    missing = cli("episode", "show", "7", "--json")
    assert missing.exit_code == 4 and "no such episode" in json.loads(missing.stdout)["message"]
    assert cli("episode", "reopen", "1").exit_code == 5, "already open: a conflict"


def test_checkin_delete_removes_that_day_and_replays_the_plan(cli_env: str, tmp_path: Path) -> None:
    _assess(tmp_path, GASTRO, START)
    _checkins(tmp_path, range(0, 6))
    with stored(cli_env) as s:
        before = {c.day: c.decision for c in s.scalars(select(CheckIn))}
    day = START + timedelta(days=2)
    out = ok_json("checkin", "--delete", day.isoformat())
    assert out["deleted"] == day.isoformat() and out["decision"] == before[day]
    with stored(cli_env) as s:
        after = {c.day: c.decision for c in s.scalars(select(CheckIn))}
        (ep,) = s.scalars(select(Episode)).all()
        phase = ep.plan_state["phase"]
    assert set(after) == set(before) - {day}
    assert ok_json("today")["phase"] == phase
    gone = cli("checkin", "--delete", day.isoformat(), "--json")
    assert gone.exit_code == 4 and "no check-in on" in json.loads(gone.stdout)["message"]
    both = cli("checkin", "--delete", day.isoformat(), "--answers", "x.json")
    assert both.exit_code == 2 and "--delete" in both.output
    bad = cli("checkin", "--delete", "yesterday")
    assert bad.exit_code == 2 and "--delete" in bad.output


def _runs_before(url: str, onset: date) -> None:
    db = open_database(url)
    try:
        rid = db.runner_id("me")
        for k in range(3, 60, 2):  # an easy 40-minute run every other day before the onset
            store_run(db, rid, onset - timedelta(days=k), np.full(2400, 3.0, dtype=np.float32), key=f"r{k}")
    finally:
        db.dispose()


def test_after_an_import_retro_points_to_assess_again_which_needs_no_answers(cli_env: str, tmp_path: Path) -> None:
    first = _assess(tmp_path, GASTRO, START)
    onset = date.fromisoformat(first["episode"]["onset"])
    _runs_before(cli_env, onset)
    hint = cli("retro").stdout
    assert "calfcare assess --again" in hint and "reuses your answers" in hint
    out = ok_json("assess", "--again")  # no --answers, no questions (no input given)
    assert "baseline" in out["changes"] and out["episode"]["id"] == first["episode"]["id"]
    assert "sized from it" in cli("retro").stdout
    with stored(cli_env) as s:
        a1, a2 = s.scalars(select(Assessment).order_by(Assessment.id)).all()
    assert a1.answers == a2.answers
    assert "run again on" in cli("history").stdout


def test_assess_again_with_answers_or_without_an_episode_is_refused(cli_env: str, tmp_path: Path) -> None:
    none = cli("assess", "--again", "--json")
    assert none.exit_code == 5 and "no open episode to assess again" in json.loads(none.stdout)["message"]
    both = cli("assess", "--again", "--answers", write(tmp_path / "a.json", GASTRO))
    assert both.exit_code == 2 and "--again" in both.output


def test_history_words_an_assessment_that_found_no_strain_without_none(cli_env: str, tmp_path: Path) -> None:
    _assess(tmp_path, {**GASTRO, "direct_blow": True}, START)
    text = cli("history").stdout
    assert "not a calf strain" in text
    assert "None" not in text and "not_a_calf_strain" not in text
