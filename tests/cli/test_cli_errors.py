"""A broken database, folder or URL is ONE line saying what and what to do, exit 7 (README), never a traceback,
never a password or the SQL that carried a runner's answers. The cases run in-process (CliRunner, fast); the
corrupt file and the malformed URL also as real ``calfcare`` processes, end to end."""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.errors import ExitCode

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DAY = (date.today() - timedelta(days=1)).isoformat()

POSTGRES_URL = os.environ.get("CALFCARE_TEST_POSTGRES_URL")  # (not from conftest: tests/web has one too)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def process(url: str, *args: str, **env: str) -> Run:
    """``calfcare ARGS`` as a real process."""
    environ = {**os.environ, "CALFCARE_DATABASE_URL": url, "CALFCARE_RUNNER": "me", **env}
    done = subprocess.run(
        [sys.executable, "-m", "calfcare", *args], capture_output=True, text=True, env=environ, timeout=120
    )
    return Run(done.returncode, done.stdout, done.stderr)


def calfcare(url: str, *args: str, **env: str) -> Run:
    """``calfcare ARGS`` in this process (the same error mapping, without the start-up cost)."""
    result = CliRunner().invoke(app, list(args), env={"CALFCARE_DATABASE_URL": url, "CALFCARE_RUNNER": "me", **env})
    assert not (result.exception and not isinstance(result.exception, SystemExit)), result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def one_line_error(result: Run, *words: str) -> str:
    """The run failed with exit 7 and exactly one line on stderr that holds ``words``."""
    assert result.returncode == ExitCode.STORAGE == 7, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "[SQL" not in result.stderr and "parameters" not in result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def assessed(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'calfcare.db'}"
    done = calfcare(url, "assess", "--answers", str(EXAMPLES / "soleus-build-up.json"), "--date", DAY)
    assert done.returncode == 0, done.stderr
    gc.collect()  # the in-process command's engine (and its open SQLite connection) goes
    return url


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "calfcare.db"
    junk.write_bytes(b"this is not an SQLite file " * 400)
    line = one_line_error(process(f"sqlite:///{junk}", "today"), "damaged", "restore it from a backup")
    assert str(junk) in line
    one_line_error(calfcare(f"sqlite:///{junk}", "db", "upgrade"), "damaged")


def test_db_upgrade_runs_an_integrity_check_and_never_calls_a_damaged_database_up_to_date(tmp_path: Path) -> None:
    url = assessed(tmp_path)
    path = tmp_path / "calfcare.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_assessments_runner_id'").fetchone()[0]
    with path.open("r+b") as f:  # scribble over one index page: the tables the migration reads stay readable
        f.seek((root - 1) * page_size)
        f.write(b"\x0d" + b"\xff" * (page_size - 1))
    one_line_error(calfcare(url, "db", "upgrade"), "damaged", "restore it from a backup")
    assert "up to date" not in calfcare(url, "db", "upgrade", "--json").stdout


def test_a_read_only_database_is_one_line_without_the_answers(tmp_path: Path) -> None:
    url = assessed(tmp_path)
    read_only = f"sqlite:///file:{tmp_path / 'calfcare.db'}?mode=ro&uri=true"
    answers = tmp_path / "day.json"
    answers.write_text((EXAMPLES / "checkin-day3.json").read_text(encoding="utf-8"), encoding="utf-8")
    result = calfcare(read_only, "checkin", "--answers", str(answers), "--date", DAY)
    line = one_line_error(result, "read-only", "writable")
    assert "INSERT" not in line and "pain" not in line
    assert calfcare(read_only, "today", "--json").returncode == 0  # reading still works
    assert url


def test_a_locked_database_says_so_after_the_lock_timeout(tmp_path: Path) -> None:
    url = assessed(tmp_path)
    holder = sqlite3.connect(tmp_path / "calfcare.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        result = calfcare(url, "checkin", "--answers", str(EXAMPLES / "checkin-day3.json"), "--date", DAY,
                          CALFCARE_LOCK_TIMEOUT="0.5")  # fmt: skip
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    one_line_error(result, "locked by another process", "try again")


def test_a_data_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    line = one_line_error(calfcare(f"sqlite:///{blocker / 'sub' / 'calfcare.db'}", "today"), "data folder")
    assert "CALFCARE_DATABASE_URL" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_data_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        one_line_error(calfcare(f"sqlite:///{folder / 'calfcare.db'}", "today"), "not writable")
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize(
    "url", ["nonsense", "postgresql://bob:s3cret@localhost:port/db", "mysqlx://bob:s3cret@host/db", "sqlite:"]
)
def test_a_malformed_url_is_one_line_and_masks_the_password(url: str) -> None:
    line = one_line_error(calfcare(url, "today"), "CALFCARE_DATABASE_URL")
    assert "s3cret" not in line


def test_a_malformed_url_end_to_end() -> None:
    line = one_line_error(process("postgresql://bob:s3cret@localhost:port/db", "today"), "malformed")
    assert "s3cret" not in line and "bob:***@" in line


def test_an_unreachable_server_is_one_line_and_masks_the_password() -> None:
    line = one_line_error(calfcare("postgresql+psycopg://bob:s3cret@127.0.0.1:1/none", "history"), "cannot open")
    assert "s3cret" not in line and "bob:***@" in line


def test_db_where_masks_the_password_and_takes_runner_and_json() -> None:
    shown = calfcare("postgresql://bob:s3cret@db.example/cc", "db", "where", "--runner", "ana")
    assert shown.returncode == 0 and shown.stdout.strip() == "postgresql+psycopg://bob:***@db.example/cc"
    as_json = calfcare("postgresql://bob:s3cret@db.example/cc", "db", "where", "--json")
    assert '"postgresql+psycopg://bob:***@db.example/cc"' in as_json.stdout and "s3cret" not in as_json.stdout


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_one_line() -> None:
    if not POSTGRES_URL:
        pytest.skip("CALFCARE_TEST_POSTGRES_URL is not set")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    line = one_line_error(calfcare(f"{base}/calfcare_no_such_db", "today"), "does not exist", "createdb")
    assert "calfcare_no_such_db" in line
