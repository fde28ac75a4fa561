"""``calfcare import``: JSON Lines, the closing report, exit codes, and an import killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.store import open_database
from calfcare.store.models import Activity, Runner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
from test_import_fixtures import START, gpx_run, gz, tcx_run

KEYS = {"path", "status", "error", "activity"}
ACTIVITY_KEYS = {
    "id", "sport", "start", "elapsed_s", "moving_s", "distance_m", "avg_hr", "max_hr", "avg_cadence_spm",
    "elevation_gain_m", "source_format", "device",
}  # fmt: skip


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.gpx").write_bytes(gpx_run(seconds=600))
    (folder / "b.tcx.gz").write_bytes(gz(tcx_run(START + timedelta(days=1), seconds=600)))
    (folder / "c.gpx").write_bytes(gpx_run(seconds=600))  # same bytes as a.gpx
    (folder / "d.fit").write_bytes(b"")
    return folder


def test_json_prints_one_line_per_file_with_exactly_the_promised_keys(cli_env: str, inbox: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(inbox), "--json"])
    assert result.exit_code == 3, result.output  # d.fit is refused: 3 (README), the rest is imported
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {Path(x["path"]).name: x["status"] for x in lines} == {
        "a.gpx": "imported", "b.tcx.gz": "imported", "c.gpx": "duplicate", "d.fit": "error",
    }  # fmt: skip
    assert all(set(x) == KEYS for x in lines)
    first = lines[0]
    assert set(first["activity"]) == ACTIVITY_KEYS and first["error"] is None
    assert first["activity"]["start"] == "2024-05-04T07:30:00+00:00" and first["activity"]["source_format"] == "gpx"
    assert lines[3]["activity"] is None and lines[3]["error"] == "empty file"
    assert lines[2]["activity"]["id"] == first["activity"]["id"]
    assert "imported 2, duplicates 1, skipped 0, failed 1" in result.stderr


def test_the_closing_report_counts_each_status_and_gives_the_reasons(cli_env: str, inbox: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(inbox)])
    assert result.exit_code == 3, result.output
    out = result.stdout
    for word in ("imported", "duplicates", "skipped", "failed", "Not imported", "empty file", "1 file(s) failed"):
        assert word in out, word
    db = open_database(cli_env)
    with db.session() as s:
        assert len(s.scalars(select(Activity)).all()) == 2
    db.dispose()


def test_activities_belong_to_the_runner_named_on_the_command_line(cli_env: str, inbox: Path) -> None:
    assert CliRunner().invoke(app, ["import", str(inbox / "a.gpx"), "--runner", "zoe"]).exit_code == 0
    db = open_database(cli_env)
    with db.session() as s:
        owner = s.scalar(select(Runner.name).join(Activity, Activity.runner_id == Runner.id))
    db.dispose()
    assert owner == "zoe"


def test_the_command_explains_itself() -> None:
    result = CliRunner().invoke(app, ["import", "--help"])
    assert result.exit_code == 0
    for word in ("FIT", "GPX", "TCX", "zip", "Strava", "--json", "--runner"):
        assert word in result.stdout, word


def test_a_path_that_does_not_exist_is_a_clear_error_and_a_non_zero_exit(cli_env: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(tmp_path / "nowhere"), "--json"])
    assert result.exit_code == 4
    payload = json.loads(result.stdout)
    assert payload["error"] == "NotFound" and "no such file or folder" in payload["message"]


def test_when_every_file_fails_the_exit_code_says_so(cli_env: str, inbox: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(inbox / "d.fit")])
    assert result.exit_code == 3
    assert "none of the 1 file(s) could be imported" in result.stderr


def _count(db_file: Path) -> int:
    try:
        with sqlite3.connect(db_file, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM activities").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created / migrated yet


def test_an_import_killed_halfway_leaves_whole_activities_and_the_rerun_completes_it(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    n = 30
    for i in range(n):
        (folder / f"{i:03}.gpx.gz").write_bytes(gz(gpx_run(START + timedelta(days=i), seconds=900 + i)))
    db_file = tmp_path / "kill.db"
    env = {**os.environ, "CALFCARE_DATABASE_URL": f"sqlite:///{db_file}"}
    code = "from calfcare.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "import", str(folder), "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    try:
        while _count(db_file) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    stored = _count(db_file)
    assert 3 <= stored < n, f"the import was not caught halfway ({stored} of {n})"
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = conn.execute(
            "SELECT count(*) FROM activities a LEFT JOIN activity_streams s ON s.activity_id = a.id "
            "WHERE s.activity_id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
    rerun = subprocess.run(
        [sys.executable, "-c", code, "import", str(folder), "--json"], env=env, capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    statuses = [json.loads(line)["status"] for line in rerun.stdout.splitlines()]
    assert statuses.count("duplicate") == stored and statuses.count("imported") == n - stored
    with sqlite3.connect(db_file) as conn:
        total, distinct = conn.execute("SELECT count(*), count(DISTINCT content_sha256) FROM activities").fetchone()
    assert total == distinct == n
