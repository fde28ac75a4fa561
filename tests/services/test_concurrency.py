"""No lost updates, with real processes: check-ins of one runner entered at the same moment from several processes
give exactly the history entering them one after another gives, and two processes using a new runner at once both
succeed. SQLite (BEGIN IMMEDIATE) and PostgreSQL (a row lock on the runner)."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from test_episodes import DAY0, SOLEUS, good_day

from calfcare.services import assess, history, record_checkin
from calfcare.store import Database, open_database
from calfcare.store.models import CheckIn, Episode, Runner

WORKERS = 5
_CTX = mp.get_context("fork")  # the children start at once, with the test's modules already imported


def _checkin_worker(url: str, i: int, barrier: Any, errors: Any) -> None:
    db = open_database(url, migrate=False)
    try:
        barrier.wait(timeout=60)
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i))
    except BaseException as exc:
        errors.put(f"check-in {i}: {type(exc).__name__}: {exc}")
        raise
    finally:
        db.dispose()


def _assess_worker(url: str, runner: str, fresh: bool, barrier: Any, errors: Any) -> None:
    db: Database | None = None
    try:
        if fresh:  # the very first use: every process creates the schema at the same moment too
            barrier.wait(timeout=60)
        db = open_database(url)
        if not fresh:
            barrier.wait(timeout=60)
        assess(db=db, runner=runner, answers=SOLEUS, day=DAY0)
    except BaseException as exc:
        errors.put(f"assess: {type(exc).__name__}: {exc}")
        raise
    finally:
        if db is not None:
            db.dispose()


def _run_at_once(target: Any, argsets: list[tuple[Any, ...]]) -> list[str]:
    barrier, errors = _CTX.Barrier(len(argsets)), _CTX.Queue()
    procs = [_CTX.Process(target=target, args=(*args, barrier, errors)) for args in argsets]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    found += [f"process exited with {p.exitcode}" for p in procs if p.exitcode != 0 and not found]
    return found


def _stored(db: Database, runner: str) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    with db.session() as s:
        rid = s.scalars(select(Runner.id).where(Runner.name == runner)).one()
        rows = s.scalars(select(CheckIn).where(CheckIn.runner_id == rid).order_by(CheckIn.day)).all()
        ep = s.scalars(select(Episode).where(Episode.runner_id == rid)).one()
        return [(r.day, r.decision, r.result) for r in rows], dict(ep.plan_state)


def test_concurrent_checkins_from_several_processes_equal_a_sequential_replay(db: Database, db_url: str) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assess(db=db, runner="ben", answers=SOLEUS, day=DAY0)
    for i in range(WORKERS):  # the same check-ins for ben, one after another
        record_checkin(db=db, runner="ben", answers=good_day(i), day=DAY0 + timedelta(days=i))
    errors = _run_at_once(_checkin_worker, [(db_url, i) for i in range(WORKERS)])
    assert errors == []
    concurrent, sequential = _stored(db, "ana"), _stored(db, "ben")
    assert len(concurrent[0]) == WORKERS
    assert concurrent == sequential
    decisions = [c["decision"] for c in history(db=db, runner="ana")["checkins"]]
    assert decisions == [c["decision"] for c in history(db=db, runner="ben")["checkins"]]


def test_two_processes_using_a_new_runner_at_once_both_succeed(db: Database, db_url: str) -> None:
    errors = _run_at_once(_assess_worker, [(db_url, "newcomer", False)] * 3)
    assert errors == []
    with db.session() as s:
        assert len(s.scalars(select(Runner).where(Runner.name == "newcomer")).all()) == 1
        assert len(s.scalars(select(Episode)).all()) == 1, "one injury, one episode: the others re-graded it"


def test_processes_first_using_a_fresh_database_at_once_all_succeed(db_url: str) -> None:
    errors = _run_at_once(_assess_worker, [(db_url, "first", True)] * 3)
    assert errors == []
    db = open_database(db_url)
    try:
        with db.session() as s:
            assert len(s.scalars(select(Runner)).all()) == 1 and len(s.scalars(select(Episode)).all()) == 1
    finally:
        db.dispose()


def test_a_runner_session_holds_the_sqlite_write_lock_from_its_start(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    path = sqlite_url.removeprefix("sqlite:///")
    try:
        with db.runner_session("ana", create=True) as (_s, runner):
            assert runner is not None and runner.name == "ana"
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                locked = False
            except sqlite3.OperationalError as exc:
                locked = "locked" in str(exc)
            finally:
                other.close()
        assert locked, "a second writer must wait while a runner's unit of work runs"
    finally:
        db.dispose()
