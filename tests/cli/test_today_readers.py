"""``calfcare today`` reads a SQLite file with ``sqlite3`` (:func:`calfcare.services.today_plan.read_sqlite`) instead of
the ORM (:func:`calfcare.services.views.today_inputs`): over many stored situations both readers read the same inputs,
and the plan, the stop, the status and the command's text and JSON output are the same. The ``sqlite3`` reader steps
aside (None: the ORM path runs) for what it does not handle, and it never writes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from stored_runs import store_run
from test_today_stored_state import DAY0, good_day
from typer.testing import CliRunner

from calfcare.analytics.figures import activity_figures
from calfcare.cli import app
from calfcare.services import accounts, assess, record_checkin, sharing, today_plan
from calfcare.services import clinician as actions
from calfcare.services.episode_admin import close_episode
from calfcare.services.views import episode_status, stopping_assessment, today, today_inputs
from calfcare.store import Database, open_database
from calfcare.store.models import Episode
from calfcare.store.sqlite_read import sqlite_path
from cases import SOLEUS

DAYS = [DAY0 - timedelta(days=4), *(DAY0 + timedelta(days=i) for i in (0, 1, 2, 4, 6, 9, 12, 20))]
PW = "a long enough pass"
CLOT = {"calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
STRESS_FRACTURE = {"bone_point_tender": True, "night_or_rest_pain": True}
GEAR = json.dumps({"gear": "old shoes"})
NOW = datetime(2025, 5, 12, 18, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path, migrated_sqlite: Callable[[Path], str]) -> Any:
    url = migrated_sqlite(tmp_path / "calfcare.db")
    db = open_database(url)
    yield db, url
    db.dispose()


def fast(url: str, runner: str, day: date) -> today_plan.TodayInputs | None:
    return today_plan.read_sqlite(url, runner, day, timeout_s=5)


def cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout


def same(db: Database, url: str, runner: str, days: list[date] = DAYS, *, monkeypatch: pytest.MonkeyPatch) -> int:
    """Both readers agree for ``runner`` on each day (inputs, plan, stop, status, CLI text and JSON); the number of
    days whose plan is not None."""
    plans = 0
    for day in days:
        orm, read = today_inputs(db=db, runner=runner, day=day), fast(url, runner, day)
        assert read is not None, f"the sqlite3 reader applies ({day})"
        assert read == orm, day
        plan = today_plan.plan_from(read)
        assert plan == today(db=db, runner=runner, day=day), day
        assert today_plan.stopping_from(read) == stopping_assessment(db=db, runner=runner, day=day), day
        assert today_plan.status_from(read) == episode_status(db=db, runner=runner), day
        plans += plan is not None
        args = ["today", "--runner", runner, "--date", day.isoformat()]
        monkeypatch.setenv("CALFCARE_DATABASE_URL", url)
        with_sqlite3 = cli(args), cli([*args, "--json"])
        monkeypatch.setattr(today_plan, "read_sqlite", lambda *a, **k: None)  # the ORM path, as before
        with_orm = cli(args), cli([*args, "--json"])
        monkeypatch.undo()
        assert with_sqlite3 == with_orm, day
    return plans


def course(db: Database, runner: str = "ana", days: int = 10, skip: tuple[int, ...] = (3, 7)) -> None:
    assess(db=db, runner=runner, answers=SOLEUS, day=DAY0, today_is=DAY0)
    for i in range(days):
        if i not in skip:
            day = DAY0 + timedelta(days=i)
            record_checkin(db=db, runner=runner, answers=good_day(i), day=day, today_is=day)


def test_no_runner_and_a_runner_with_nothing_but_a_name(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    assert (
        fast(url, "nobody", DAY0)
        == today_inputs(db=db, runner="nobody", day=DAY0)
        == today_plan.TodayInputs(DAY0, None)
    )
    monkeypatch.setenv("CALFCARE_DATABASE_URL", url)  # this test's store, not the user's own database
    code, _ = cli(["today", "--runner", "nobody"])
    assert code == 4
    db.runner_id("solo")
    assert same(db, url, "solo", monkeypatch=monkeypatch) == 0


def test_a_course_of_checkins_on_every_day_past_present_and_later(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    course(db)
    assert same(db, url, "ana", monkeypatch=monkeypatch) == len(DAYS) - 1  # none before the onset


def test_a_stale_stored_outcome_is_replayed_by_both(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    course(db, days=6)
    with db.session() as s:
        ep = s.query(Episode).one()
        ep.context = {**ep.context, "replayed": {**ep.context["replayed"], "key": "stale"}}
    used: list[bool] = []
    real = today_plan.stored_replay

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(today_plan, "stored_replay", spy)
    plan = today_plan.plan_from(fast(url, "ana", DAY0 + timedelta(days=6)))  # type: ignore[arg-type]
    assert plan is not None and used == [False], "not current: replayed"
    monkeypatch.undo()
    same(db, url, "ana", monkeypatch=monkeypatch)


def test_referred_by_a_checkin_and_then_a_new_episode(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    course(db, days=4)
    day = DAY0 + timedelta(days=4)
    record_checkin(db=db, runner="ana", answers={**good_day(4), **CLOT}, day=day, today_is=day)
    assert same(db, url, "ana", monkeypatch=monkeypatch) == len(DAYS) - 1
    assert today_plan.plan_from(fast(url, "ana", day))["status"] == "referred"  # type: ignore[arg-type,index]
    later = DAY0 + timedelta(days=12)
    assess(db=db, runner="ana", answers={**SOLEUS, "days_since_onset": 1.5}, day=later, today_is=later)
    same(db, url, "ana", [*DAYS, later + timedelta(days=3)], monkeypatch=monkeypatch)


def test_red_flags_at_an_assessment(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    assess(db=db, runner="urgent", answers={**SOLEUS, **CLOT}, day=DAY0, today_is=DAY0)  # no episode: where to go
    assert same(db, url, "urgent", monkeypatch=monkeypatch) == 0
    assert today_plan.stopping_from(fast(url, "urgent", DAY0)) is not None  # type: ignore[arg-type]
    course(db, "bone", days=3)  # a stress fracture found at a reassessment stops the open plan
    assess(db=db, runner="bone", answers={**SOLEUS, **STRESS_FRACTURE}, day=DAY0 + timedelta(days=3))
    same(db, url, "bone", monkeypatch=monkeypatch)
    # a see-a-clinician flag that leaves the plan running stays at the top
    assess(db=db, runner="tear", answers={**SOLEUS, "can_bear_weight": False}, day=DAY0, today_is=DAY0)
    same(db, url, "tear", monkeypatch=monkeypatch)
    assert "red_flags" in today_plan.plan_from(fast(url, "tear", DAY0 + timedelta(days=1)))  # type: ignore[arg-type,operator]


def test_a_severe_tear_waiting_for_clearance(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    severe = {**SOLEUS, "can_bear_weight": False, "walks_normally": False, "pain_walking": 7}
    assess(db=db, runner="ana", answers=severe, day=DAY0, today_is=DAY0)
    for i in (1, 2, 4):
        day = DAY0 + timedelta(days=i)
        record_checkin(db=db, runner="ana", answers=good_day(i), day=day, today_is=day)
    same(db, url, "ana", monkeypatch=monkeypatch)


def test_a_closed_episode_keeps_the_prevention_routine(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    course(db, days=5)
    close_episode(db=db, runner="ana", episode_id=None, reason="feels fine", day=DAY0 + timedelta(days=6))
    assert same(db, url, "ana", monkeypatch=monkeypatch) == 5  # from the onset to the day it was closed
    monkeypatch.setenv("CALFCARE_DATABASE_URL", url)
    code, out = cli(["today", "--runner", "ana", "--json"])
    assert code == 0 and json.loads(out)["prevention"]


def test_a_clinicians_actions(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    accounts.add_user(db=db, username="ana", password=PW, role="runner")
    accounts.add_user(db=db, username="physio", password=PW, role="clinician")
    ana = accounts.sign_in(db=db, username="ana", password=PW, address="10.0.0.1", now=NOW)
    physio = accounts.sign_in(db=db, username="physio", password=PW, address="10.0.0.2", now=NOW)
    code = sharing.create_share_code(db=db, principal=ana, now=NOW)["code"]
    sharing.redeem_share_code(db=db, principal=physio, code=code, now=NOW)
    assert ana.runner_id is not None
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0, today_is=DAY0)
    day1 = DAY0 + timedelta(days=1)
    record_checkin(db=db, runner="ana", answers={**good_day(1), **CLOT}, day=day1, today_is=day1)
    day2 = DAY0 + timedelta(days=2)
    actions.clear_red_flag(db=db, principal=physio, runner_id=ana.runner_id, day=day2, note="scan clear", now=NOW)
    ceilings = {"early_ceiling": 2, "symptom_free_max": 1}
    actions.set_pain_ceilings(db=db, principal=physio, runner_id=ana.runner_id, ceilings=ceilings, now=NOW)
    until = DAY0 + timedelta(days=6)
    actions.hold_phase(db=db, principal=physio, runner_id=ana.runner_id, until=until, reason="the scan", now=NOW)
    read = fast(url, "ana", day2)
    assert read is not None and [e.kind for e in read.events] == ["clear_red_flag", "pain_ceilings", "hold_phase"]
    same(db, url, "ana", monkeypatch=monkeypatch)


def run(db: Database, runner: str, day: date, km: float, *, key: str, figures: bool = True, **fields: Any) -> None:
    """A run of ``km`` at 3 m/s on ``day`` (07:00 UTC), with its figures stored as the import stores them, or
    without (an older row: the load computes them from the streams)."""
    speed = np.full(int(km * 1000 / 3.0), 3.0, dtype=np.float32)
    speed[300:420] = 4.6  # two minutes fast: speed work
    stored = {"figures": activity_figures({"speed": speed})} if figures else {}
    store_run(db, db.runner_id(runner), day, speed, key=key, **stored, **fields)


def test_imported_runs_early_runs_and_load_warnings(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, url = store
    for i in range(0, 60, 3):  # the weeks before the injury: the threshold pace and the spike baseline
        run(db, "ana", DAY0 - timedelta(days=70 - i), 8 + i % 4, key=f"before{i:02}x", rpe=5.0)
    course(db, days=6)
    run(db, "ana", DAY0 + timedelta(days=3), 4, key="early")  # before running was allowed, no check-in that day
    run(db, "ana", DAY0 + timedelta(days=5), 5, key="early-told")  # with a check-in that day
    store_run(db, db.runner_id("ana"), DAY0 + timedelta(days=4), np.full(3000, 1.4, dtype=np.float32), key="walk")
    with db.session() as s:  # a walk, and gear on the early runs
        s.execute(text("UPDATE activities SET sport = 'walk' WHERE content_sha256 LIKE 'walk%'"))
        s.execute(text("UPDATE activities SET extra = :gear WHERE content_sha256 LIKE 'early%'"), {"gear": GEAR})
    same(db, url, "ana", monkeypatch=monkeypatch)
    plan = today_plan.plan_from(fast(url, "ana", DAY0 + timedelta(days=6)))  # type: ignore[arg-type]
    assert plan is not None and len(plan["runs_before_running_allowed"]) == 2 and plan["ask_about_runs"]
    # a plan at its first walk-run stage: a long run is a spike (a load warning), speed work too soon
    assess(db=db, runner="ben", answers=SOLEUS, day=DAY0, today_is=DAY0)
    with db.session() as s:
        ep = s.query(Episode).join(Episode.runner).filter_by(name="ben").one()
        ep.context = {**ep.context, "start_phase": "return_to_run"}
    for i in range(0, 42, 4):
        run(db, "ben", DAY0 - timedelta(days=45 - i), 6, key=f"ben{i:02}x")
    run(db, "ben", DAY0 + timedelta(days=1), 14, key="ben-spike")
    same(db, url, "ben", monkeypatch=monkeypatch)
    plan = today_plan.plan_from(fast(url, "ben", DAY0 + timedelta(days=2)))  # type: ignore[arg-type]
    assert plan is not None and plan["load_warnings"]


def test_a_run_without_stored_figures_is_read_by_the_orm(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its figures are computed from its streams by :func:`calfcare.services.load.load_history`: the sqlite3 reader
    leaves it to the ORM path, and the command's output is what it was."""
    db, url = store
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    run(db, "ana", DAY0 + timedelta(days=2), 4, key="early", figures=False)
    assert fast(url, "ana", DAY0 + timedelta(days=3)) is None
    args = ["today", "--runner", "ana", "--date", (DAY0 + timedelta(days=3)).isoformat(), "--json"]
    monkeypatch.setenv("CALFCARE_DATABASE_URL", url)
    code, out = cli(args)
    assert code == 0 and json.loads(out)["runs_before_running_allowed"][0]["date"] == "2025-05-12"


# ---------------------------------------------------------------------------------------------------------------
# when the sqlite3 reader steps aside, and that it never writes


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:calfcare.db?mode=ro&uri=true",
        "sqlite:///~/calfcare.db",
        "sqlite:///a%20b.db",
    ],
)
def test_only_a_plain_sqlite_file_url_is_read_with_sqlite3(url: str) -> None:
    assert sqlite_path(url) is None
    assert today_plan.read_sqlite(url, "ana", DAY0, timeout_s=1) is None


def test_a_missing_file_is_not_created_and_the_command_says_what_it_always_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert today_plan.read_sqlite(url, "ana", DAY0, timeout_s=1) is None
    assert not (tmp_path / "none.db").exists()
    monkeypatch.setenv("CALFCARE_DATABASE_URL", url)
    with_sqlite3 = cli(["today", "--runner", "ana", "--json"])
    (tmp_path / "none.db").unlink()
    monkeypatch.setattr(today_plan, "read_sqlite", lambda *a, **k: None)
    assert with_sqlite3 == cli(["today", "--runner", "ana", "--json"])
    assert with_sqlite3[0] == 4 and "no runner called 'ana'" in with_sqlite3[1]


def _edit(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()


@pytest.mark.parametrize(
    "breakage",
    [
        "UPDATE alembic_version SET version_num = '0006'",  # an older schema: the ORM path migrates it first
        "DROP TABLE alembic_version",
        "DROP TABLE clinician_events",
        "UPDATE episodes SET onset = 'not a day'",
    ],
)
def test_an_unusual_database_is_left_to_the_orm_path(store: Any, tmp_path: Path, breakage: str) -> None:
    db, url = store
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    assert fast(url, "ana", DAY0) is not None
    db.dispose()
    _edit(tmp_path / "calfcare.db", breakage)
    assert fast(url, "ana", DAY0) is None


def test_an_older_schema_is_migrated_by_the_command_then_read_with_sqlite3(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, url = store
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    db.dispose()
    head = sqlite3.connect(tmp_path / "calfcare.db").execute("SELECT version_num FROM alembic_version").fetchone()
    _edit(tmp_path / "calfcare.db", "UPDATE alembic_version SET version_num = '0006'")  # 0007 and 0008 add tables
    for table in ("clinician_events", "activity_originals", "original_files"):
        _edit(tmp_path / "calfcare.db", f"DROP TABLE {table}")
    monkeypatch.setenv("CALFCARE_DATABASE_URL", url)
    code, out = cli(["today", "--runner", "ana", "--json"])
    assert code == 0 and json.loads(out)["episode"]["structure"] == "soleus"
    now = sqlite3.connect(tmp_path / "calfcare.db").execute("SELECT version_num FROM alembic_version").fetchone()
    assert now == head
    assert fast(url, "ana", DAY0) is not None


def test_the_sqlite3_reader_never_writes_the_database_file(store: Any, tmp_path: Path) -> None:
    db, url = store
    course(db, days=4)
    db.dispose()
    path = tmp_path / "calfcare.db"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    for day in DAYS:
        assert fast(url, "ana", day) is not None
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_writer_holding_the_lock_does_not_stop_a_reader(store: Any, tmp_path: Path) -> None:
    db, url = store
    course(db, days=3)
    expected = today_inputs(db=db, runner="ana", day=DAY0 + timedelta(days=3))
    writer = sqlite3.connect(tmp_path / "calfcare.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE checkins SET decision = decision")
        assert fast(url, "ana", DAY0 + timedelta(days=3)) == expected  # WAL: the last committed snapshot
    finally:
        writer.execute("ROLLBACK")
        writer.close()
