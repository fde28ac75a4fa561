"""A read-only reader of a SQLite database with the standard library's ``sqlite3``, for commands that only read.

Why it exists: ``calfcare today`` does ~30 ms of work, but importing SQLAlchemy (engine, ORM and our models) costs
≈ 0.29 s of the process's ≈ 0.8 s on the 2-core development VM (``python -X importtime -m calfcare today``,
2026-11-29: sqlalchemy 205 ms, calfcare.store.models 80 ms); ``import sqlite3`` costs ≈ 4 ms. The issue #8 target for
``today`` is 0.5 s for the whole process.

What it promises: it never writes and never creates anything. The file is opened with a ``file:…?mode=ro`` URI (a
missing file is not created), ``PRAGMA query_only`` is set, and all reads of one call happen in one read transaction
(one consistent snapshot; in WAL mode a reader never blocks the importer). It answers only what it is sure of:
:func:`connect` returns None for anything unusual — not a plain ``sqlite:///PATH`` URL, a missing file, a schema
that is not at the head migration (the ORM path migrates it), or any ``sqlite3`` error — and the caller then takes
the ORM path (:mod:`calfcare.store.db`), which behaves and words its errors as every other command does. A missing
table or column while reading raises :class:`sqlite3.Error`, which callers treat the same way.

Values come back as the ORM gives them (:mod:`calfcare.store.records`): SQLAlchemy stores SQLite dates as
``YYYY-MM-DD``, datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive, offset dropped) and JSON as ``json.dumps`` text.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from calfcare.store.records import (
    ActivityRecord,
    AssessmentRecord,
    CheckInRecord,
    ClinicianEventRecord,
    EpisodeRecord,
)
from calfcare.store.revision import head_revision

_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL; None for any other URL (PostgreSQL, in-memory, ``file:`` URIs,
    query options, escapes or ``~``), which only the ORM path reads."""
    prefix = next((p for p in _PREFIXES if url.startswith(p)), None)
    if prefix is None:
        return None
    path = url[len(prefix) :]
    if not path or path == ":memory:" or path.startswith(("file:", "~")) or any(c in path for c in "?%#"):
        return None
    return Path(path)


@contextmanager
def connect(url: str, *, timeout_s: float) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection inside one read transaction, or None when this reader should not be used (see the
    module's docstring). ``timeout_s``: how long to wait for a writer's lock (a database not in WAL mode)."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        yield None
        return
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=timeout_s, isolation_level=None)
    except sqlite3.Error:
        yield None
        return
    with closing(conn):
        try:
            conn.execute("PRAGMA query_only=ON")
            conn.execute("BEGIN")
            found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.Error:
            found = []
        if [tuple(r) for r in found] != [(head_revision(),)]:
            yield None
            return
        try:
            yield conn
        finally:
            conn.rollback()


def runner_id(conn: sqlite3.Connection, name: str) -> int | None:
    row = conn.execute("SELECT id FROM runners WHERE name = ?", (name,)).fetchone()
    return int(row[0]) if row is not None else None


def episodes(conn: sqlite3.Connection, runner: int) -> list[EpisodeRecord]:
    """The runner's episodes, newest (highest id) first."""
    rows = conn.execute(
        "SELECT id, runner_id, status, side, structure, severity, onset, assessed_on, closed_on, closed_reason, "
        "plan_state, context FROM episodes WHERE runner_id = ? ORDER BY id DESC",
        (runner,),
    )
    return [
        EpisodeRecord(
            id=r[0],
            runner_id=r[1],
            status=r[2],
            side=r[3],
            structure=r[4],
            severity=r[5],
            onset=_day(r[6]),
            assessed_on=_day(r[7]),
            closed_on=_day(r[8]) if r[8] is not None else None,
            closed_reason=r[9],
            plan_state=_json(r[10]),
            context=_json(r[11]),
        )
        for r in rows
    ]


def checkins(conn: sqlite3.Connection, episode_id: int) -> list[CheckInRecord]:
    """The episode's check-ins in date order (one a day)."""
    rows = conn.execute(
        "SELECT day, decision, answers, result FROM checkins WHERE episode_id = ? ORDER BY day", (episode_id,)
    )
    return [CheckInRecord(_day(r[0]), r[1], _json(r[2]), _json(r[3])) for r in rows]


def assessments(conn: sqlite3.Connection, runner: int) -> list[AssessmentRecord]:
    """The runner's assessments, oldest first (by day, then id)."""
    rows = conn.execute(
        "SELECT id, episode_id, day, disposition, answers, result FROM assessments WHERE runner_id = ? "
        "ORDER BY day, id",
        (runner,),
    )
    return [AssessmentRecord(r[0], r[1], _day(r[2]), r[3], _json(r[4]), _json(r[5])) for r in rows]


def clinician_events(conn: sqlite3.Connection, episode_id: int) -> list[ClinicianEventRecord]:
    """The clinician's events of the episode, by day then id."""
    rows = conn.execute(
        'SELECT id, day, kind, clinician_name, "values", at FROM clinician_events WHERE episode_id = ? '
        "ORDER BY day, id",
        (episode_id,),
    )
    return [ClinicianEventRecord(r[0], _day(r[1]), r[2], r[3], _json(r[4]), _datetime(r[5])) for r in rows]


def has_activity_since(conn: sqlite3.Connection, runner: int, since: datetime) -> bool:
    """Is any activity of the runner stored with a start at or after ``since`` (compared as SQLAlchemy binds it)?"""
    row = conn.execute(
        "SELECT id FROM activities WHERE runner_id = ? AND start_utc >= ? LIMIT 1", (runner, _bound(since))
    ).fetchone()
    return row is not None


def activities(conn: sqlite3.Connection, runner: int, since: datetime) -> list[ActivityRecord]:
    """The summaries of the runner's activities that started at or after ``since``, in start order (the columns and
    the order of :func:`calfcare.services.load.load_history`)."""
    rows = conn.execute(
        "SELECT id, sport, start_utc, utc_offset_s, distance_m, moving_s, elapsed_s, avg_hr, max_hr, rpe, "
        "elevation_gain_m, device FROM activities WHERE runner_id = ? AND start_utc >= ? ORDER BY start_utc",
        (runner, _bound(since)),
    )
    return [ActivityRecord(r[0], r[1], _datetime(r[2]), *r[3:]) for r in rows]


def activity_figures(conn: sqlite3.Connection, runner: int, since: datetime) -> list[tuple[int, Any, Any]]:
    """``(id, figures, extra)`` of the runner's activities that started at or after ``since`` (JSON parsed)."""
    rows = conn.execute(
        "SELECT id, figures, extra FROM activities WHERE runner_id = ? AND start_utc >= ?", (runner, _bound(since))
    )
    return [(r[0], _json(r[1]), _json(r[2])) for r in rows]


def _bound(when: datetime) -> str:
    """A datetime as SQLAlchemy binds it for a SQLite ``DateTime`` column (compared as text)."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def _day(value: Any) -> date:
    return date.fromisoformat(str(value))


def _datetime(value: Any) -> datetime:
    """As SQLAlchemy's SQLite ``DateTime`` reads it back: the stored wall time, naive."""
    return datetime.fromisoformat(str(value)).replace(tzinfo=None)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value
