"""The import as a real process: Ctrl-C and signals stop it cleanly (one line, 130 / 128+n, what was committed
kept), its parse workers never outlive it (even after kill -9), and a reader that goes away (``| head -2``) does
not stop it. Plus: ``calfcare --help``/``--version`` load no database or analytics code (not a timed test)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from calfcare.store import open_database

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")

FILES = 16  # ≥ 8: parsed by the worker pool


def _fixtures() -> Any:
    path = Path(__file__).resolve().parents[1] / "activities" / "test_import_fixtures.py"
    spec = importlib.util.spec_from_file_location("calfcare_test_import_fixtures_p", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fx = _fixtures()
    folder = tmp_path_factory.mktemp("inbox")
    for i in range(FILES):
        (folder / f"run{i:02}.gpx").write_bytes(fx.gpx_run(fx.START + timedelta(days=i), seconds=2400))
    return folder


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CALFCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'calfcare.db'}", "CALFCARE_RUNNER": "me"}


def _start(tmp_path: Path, inbox: Path) -> subprocess.Popen[str]:
    """``calfcare import --json INBOX`` in its own process group (as a shell job), once its first line is out."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "calfcare", "import", "--json", str(inbox)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path), start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert json.loads(first)["status"] == "imported"
    return proc


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _gone(pids: list[int], within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while _running(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(pids)


def _stored(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "calfcare.db") as conn:
        return int(conn.execute("SELECT count(*) FROM activities").fetchone()[0])


def test_ctrl_c_stops_the_import_with_one_line_130_and_keeps_what_was_committed(tmp_path: Path, inbox: Path) -> None:
    proc = _start(tmp_path, inbox)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C: the whole foreground group
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["Interrupted: stopped; everything saved before this point is kept."]
    assert _gone(workers)
    assert 1 <= _stored(tmp_path) < FILES


def test_sigterm_stops_the_import_and_its_workers(tmp_path: Path, inbox: Path) -> None:
    proc = _start(tmp_path, inbox)
    workers = _children(proc.pid)
    assert workers, "the import parses in worker processes"
    proc.send_signal(signal.SIGTERM)  # to the parent only
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and "Stopped by SIGTERM" in err and "Traceback" not in err
    assert _gone(workers)


def test_workers_die_with_a_parent_killed_with_sigkill(tmp_path: Path, inbox: Path) -> None:
    proc = _start(tmp_path, inbox)
    workers = _children(proc.pid)
    assert workers
    proc.kill()  # no handler runs: the kernel (PR_SET_PDEATHSIG) and the orphan check end the workers
    proc.communicate(timeout=30)
    assert _gone(workers), "a killed import left its workers running"


def test_a_reader_that_goes_away_does_not_stop_the_import(tmp_path: Path, inbox: Path) -> None:
    """``calfcare import --json DIR | head -2``: every file is imported all the same, quietly."""
    proc = _start(tmp_path, inbox)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # head -2 exits
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert _stored(tmp_path) == FILES


HEAVY = (
    *("sqlalchemy", "numpy", "pydantic", "alembic", "matplotlib", "lxml", "rich.table", "typer.rich_utils"),
    *("calfcare.store", "calfcare.services", "calfcare.clinical", "calfcare.analytics", "calfcare.activities"),
)


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["-h"]])
def test_help_and_version_load_no_database_or_analytics_code(argv: list[str]) -> None:
    script = (
        "import sys\n"
        "from calfcare.cli import main\n"
        f"sys.argv = ['calfcare', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    loaded = set(done.stderr.split())
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == [], heavy
    assert "calfcare" in done.stdout


ORPHAN = """
import multiprocessing, os, sys, threading, time
from calfcare.activities.importing import pipeline

def child():
    creator = os.getppid()
    threading.Thread(target=pipeline._orphan_check, args=(creator,), daemon=True).start()  # no prctl: the poll alone
    time.sleep(60)

proc = multiprocessing.get_context("fork").Process(target=child)
proc.start()
print(proc.pid, flush=True)
time.sleep(0.3)
os._exit(0)  # the parent vanishes without stopping its child
"""


def test_the_orphan_check_alone_ends_a_worker_whose_parent_vanished() -> None:
    """Where PR_SET_PDEATHSIG is missing (not Linux, or prctl unavailable), the poll of the parent still works."""
    done = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=60)
    child = int(done.stdout.split()[0])
    assert _gone([child], within_s=10), "an orphaned worker kept running"


#: ``today`` does no array work and reads validated rows: no NumPy, no answers contracts, no questionnaire; and on a
#: SQLite file it reads with ``sqlite3`` (:mod:`calfcare.store.sqlite_read`): no SQLAlchemy, models or ORM services
SOLEUS_START: dict[str, Any] = {
    "age": 44,
    "side": "left",
    "days_since_onset": 2,
    "onset": "gradual",
    "activity_at_onset": "long_run",
    "pain_location": "lower_calf",
    "pain_rest": 1,
    "pain_walking": 3,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 10,
    "pain_loading_knee_straight": 2,
    "pain_loading_knee_bent": 5,
}
TODAY_HEAVY = (
    *("numpy", "calfcare.contracts.checkin", "calfcare.contracts.assessment", "calfcare.cli.questionnaire"),
    *("sqlalchemy", "alembic", "calfcare.store.db", "calfcare.store.models", "calfcare.services.episodes"),
    "calfcare.services.views",
)


@pytest.mark.parametrize(("json_out", "with_runs"), [(False, False), (True, False), (False, True)])
def test_today_loads_no_sqlalchemy_numpy_nor_the_answers_contracts(
    cli_env: str, json_out: bool, with_runs: bool, tmp_path: Path
) -> None:
    """With ``--json`` not even Rich (the readable view) is loaded; with runs imported (their threshold pace and
    speed work read for the load warnings) still no NumPy."""
    from datetime import UTC, datetime

    from test_import_fixtures import gpx_run

    from calfcare.services import assess
    from calfcare.services.importing import import_paths

    db = open_database(cli_env)
    try:
        assess(db=db, runner="bench", answers=SOLEUS_START, day=date.today() - timedelta(days=2))
        if with_runs:
            for back in (3, 5, 30, 60):  # before the onset, for the threshold pace
                day = date.today() - timedelta(days=back)
                path = tmp_path / f"run-{back}.gpx"
                path.write_bytes(gpx_run(datetime(day.year, day.month, day.day, 7, tzinfo=UTC), seconds=1500))
                import_paths(db=db, runner="bench", paths=[path], workers=1)
    finally:
        db.dispose()
    script = (
        "import sys\n"
        "from calfcare.cli import main\n"
        f"sys.argv = ['calfcare', 'today', '--runner', 'bench', *{['--json'] if json_out else []!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    loaded = set(done.stderr.split())
    forbidden = (*TODAY_HEAVY, "rich") if json_out else TODAY_HEAVY
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in forbidden))
    assert heavy == [], heavy
    assert "calfcare.services.today_plan" in loaded and "calfcare.store.sqlite_read" in loaded, "today ran"
    assert "soleus" in done.stdout, "the plan was shown"
