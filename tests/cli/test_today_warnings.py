"""`calfcare today` with the runner's imported runs: prevention warnings before the next spike (Frandsen 2025) and
speed work back too soon (Green 2022; Orchard 2020), in the JSON ``warnings`` and ``load_warnings`` and in the
readable view. The database is filled by the test: an episode row and runs with 1 Hz speed streams."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import numpy as np
from stored_runs import store_run
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.store import Database, open_database
from calfcare.store.models import Episode

TODAY = date(2026, 3, 16)
RUNNER = "ana"
EASY, FAST = 2.8, 4.6  # m/s


def _speed(km: float, intervals: bool) -> np.ndarray:
    """Easy running; with 6 × (2 min fast + 2 min easy) after 5 minutes, still about ``km`` long."""
    easy = np.full(round(km * 1000 / EASY), EASY, dtype=np.float32)
    if not intervals:
        return easy
    block = np.concatenate([np.full(120, FAST), np.full(120, EASY)]).astype(np.float32)
    return np.concatenate([easy[:300], np.tile(block, 6), easy[300 + 1440 :]])


def add_run(db: Database, day: date, km: float, *, intervals: bool = False) -> None:
    store_run(db, db.runner_id(RUNNER), day, _speed(km, intervals), key=f"{RUNNER}-{day.isoformat()}")


def open_episode(db: Database, onset: date, phase: str) -> None:
    """An open episode that started in ``phase`` on ``onset`` (full_training: returned to training that day)."""
    rid = db.runner_id(RUNNER)
    context = {"start_phase": phase, "baseline": {"easy_pace_s_per_km": 360.0, "source": "files"}}
    with db.session() as s:
        s.add(Episode(runner_id=rid, status="open", onset=onset, assessed_on=onset, structure="soleus",
                      severity="mild", side="left", context=context))  # fmt: skip


def today_json(day: date = TODAY) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["today", "--runner", RUNNER, "--json", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def kinds(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {w["kind"]: w for w in plan["load_warnings"]}


def steady_month(db: Database, last: date, km: float = 10.0) -> None:
    """Easy runs of ``km`` every third day for the 30 days up to ``last``."""
    for i in range(0, 31, 3):
        add_run(db, last - timedelta(days=i), km)


def test_a_runner_in_full_training_whose_last_run_was_40_percent_longer_gets_the_spike_warning(cli_env: str) -> None:
    db = open_database(cli_env)
    open_episode(db, TODAY - timedelta(days=60), "full_training")
    steady_month(db, TODAY - timedelta(days=4))
    add_run(db, TODAY - timedelta(days=1), 14.0)
    db.dispose()
    plan = today_json()
    assert plan["phase"] == "full_training"
    spike = kinds(plan)["long_run_spike"]
    assert spike["level"] == "warning" and spike["sources"] == ["frandsen2025"]
    assert "40 % longer than your longest run of the 30 days before (10.0 km" in spike["text"]
    assert "Frandsen 2025" in spike["text"]
    assert plan["warnings"][0] == spike["text"]  # the JSON warnings list carries it first
    readable = CliRunner().invoke(app, ["today", "--runner", RUNNER, "--date", TODAY.isoformat()])
    assert readable.exit_code == 0 and "40 % longer" in " ".join(readable.stdout.split())


def test_a_run_within_ten_percent_of_the_longest_gives_no_spike_warning(cli_env: str) -> None:
    db = open_database(cli_env)
    open_episode(db, TODAY - timedelta(days=60), "full_training")
    steady_month(db, TODAY - timedelta(days=4))
    add_run(db, TODAY - timedelta(days=1), 10.9)
    db.dispose()
    plan = today_json()
    assert plan["load_warnings"] == []


def test_a_runner_without_files_gets_no_load_warning(cli_env: str) -> None:
    db = open_database(cli_env)
    open_episode(db, TODAY - timedelta(days=60), "full_training")
    db.dispose()
    plan = today_json()
    assert plan["phase"] == "full_training" and plan["load_warnings"] == []
    assert not any("longer than your longest run" in w for w in plan["warnings"])


def test_speed_work_ten_days_after_returning_to_full_training_is_too_soon(cli_env: str) -> None:
    db = open_database(cli_env)
    returned = TODAY - timedelta(days=10)
    open_episode(db, returned, "full_training")
    for i in range(12):  # before the episode: easy hour-long runs set the threshold pace
        add_run(db, returned - timedelta(days=30 + 4 * i), 10.0)
    add_run(db, TODAY - timedelta(days=6), 8.0)
    add_run(db, TODAY - timedelta(days=3), 8.0, intervals=True)
    db.dispose()
    plan = today_json()
    speed = kinds(plan)["speed_too_soon"]
    assert speed["level"] == "warning" and set(speed["sources"]) == {"green2022", "orchard2020"}
    assert f"Speed work on {(TODAY - timedelta(days=3)).isoformat()}, 7 days after returning" in speed["text"]
    assert "Orchard 2020" in speed["text"] and "Green 2022" in speed["text"]
    assert speed["text"] in plan["warnings"]


def test_the_same_intervals_four_weeks_after_return_are_not_flagged(cli_env: str) -> None:
    db = open_database(cli_env)
    returned = TODAY - timedelta(days=28)
    open_episode(db, returned, "full_training")
    for i in range(12):
        add_run(db, returned - timedelta(days=30 + 4 * i), 10.0)
    for i in range(2, 28, 3):
        add_run(db, TODAY - timedelta(days=i), 8.0)
    add_run(db, TODAY - timedelta(days=1), 8.0, intervals=True)
    db.dispose()
    assert "speed_too_soon" not in kinds(today_json())


def test_no_load_warnings_before_running_starts(cli_env: str) -> None:
    db = open_database(cli_env)
    open_episode(db, TODAY - timedelta(days=5), "protect")
    steady_month(db, TODAY - timedelta(days=8))
    add_run(db, TODAY - timedelta(days=1), 20.0)  # running against advice: adherence's business, not a spike warning
    db.dispose()
    plan = today_json()
    assert plan["phase"] == "protect" and plan["load_warnings"] == []


def test_a_planned_run_longer_than_the_recent_longest_is_capped_at_110_percent(cli_env: str) -> None:
    db = open_database(cli_env)
    open_episode(db, TODAY - timedelta(days=60), "full_training")
    steady_month(db, TODAY - timedelta(days=3), km=4.0)
    db.dispose()
    plan = today_json()
    run = plan["prescription"]["run"]
    assert plan["prescription"]["kind"] == "run" and run["approx_km"] == 5.0  # 30 min at 6:00/km
    [spike] = [w for w in plan["load_warnings"] if w["kind"] == "long_run_spike"]
    assert spike["level"] == "caution"
    assert spike["text"].startswith(f"The planned run on {TODAY.isoformat()} (5.0 km) is 25 % longer")
    assert "Keep it to about 4.4 km" in spike["text"]
