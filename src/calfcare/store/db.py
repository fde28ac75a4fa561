"""Open a database, bring its schema up to date (Alembic), hand out sessions.

Every database failure becomes ONE :class:`~calfcare.errors.StorageError` line saying what is wrong and what to do
(:func:`storage_error`): a corrupt file, a read-only or locked database, a missing PostgreSQL database, an
unwritable data folder, a malformed URL. Messages never carry SQL, its parameters (a runner's answers) or a
password: only the driver's first line, with the URL's password masked.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from calfcare.errors import StorageError
from calfcare.store.models import Runner
from calfcare.store.revision import MIGRATIONS_DIR as MIGRATIONS_DIR  # re-exported: services.runners
from calfcare.store.revision import head_revision as head_revision

#: execution option: a SQLite transaction that takes the write lock at its start (``BEGIN IMMEDIATE``)
IMMEDIATE = "calfcare_sqlite_immediate"

#: how long a command waits for another process's write lock before saying the database is locked
DEFAULT_LOCK_TIMEOUT_S = 30.0


def _sqlite_pragmas(lock_timeout_s: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(lock_timeout_s * 1000)}")  # first: the next pragmas may wait
        cur.execute("PRAGMA foreign_keys=ON")
        try:
            _wal(cur)  # readers never block the importer; survives kill -9
        except Exception:  # a read-only file cannot switch to WAL: reads still work, writes say "read-only"
            if not _readonly(dbapi_connection):
                raise
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return on_connect


def _readonly(dbapi_connection: Any) -> bool:
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
        dbapi_connection.execute("ROLLBACK")
    except Exception as exc:
        return "readonly" in str(exc) or "read-only" in str(exc)
    return False


_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):([^@\s]*)@")


def mask_password(text: str, url: str | None = None) -> str:
    """``text`` with the password of any URL in it (and ``url``'s password, wherever it appears) masked."""
    if url:
        try:
            secret = make_url(url).password
        except Exception:
            match = _PASSWORD.search(url)
            secret = match.group(2) if match else None
        if secret:
            text = text.replace(str(secret), "***")
    return _PASSWORD.sub(lambda m: f"{m.group(1)}:***@", text)


def _first_line(exc: BaseException) -> str:
    """The driver's own words (never the SQL statement or its parameters, which may hold answers)."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def storage_error(exc: BaseException, where: str, *, url: str | None = None) -> StorageError:
    """One line for a database failure: what is wrong with the database ``where`` (a masked URL) and what to do."""
    why = mask_password(_first_line(exc), url)
    low = why.lower()
    if "file is not a database" in low or "malformed" in low or "corrupt" in low:
        text = (
            f"the database at {where} is damaged ({why}): restore it from a backup, or move the file away and run "
            "`calfcare db upgrade` to start a new one"
        )
    elif "readonly" in low or "read-only" in low or "read only" in low:
        text = (
            f"the database at {where} is read-only ({why}): make the file and its folder writable, or point "
            "CALFCARE_DATABASE_URL at a writable database"
        )
    elif "locked" in low or "lock timeout" in low or "could not obtain lock" in low:
        text = (
            f"the database at {where} is locked by another process ({why}): wait for the other calfcare command "
            "to finish and try again"
        )
    elif "unable to open database file" in low:
        text = (
            f"cannot open the database file at {where} ({why}): check that its folder exists and is writable, or "
            "set CALFCARE_DATABASE_URL"
        )
    elif "does not exist" in low and "database" in low:
        text = f"the database at {where} does not exist ({why}): create it (createdb) or fix CALFCARE_DATABASE_URL"
    elif isinstance(exc, OperationalError) or "connect" in low:
        text = (
            f"cannot open the database at {where}: {why} (is the server running? check CALFCARE_DATABASE_URL, "
            "see `calfcare db where`)"
        )
    else:
        text = f"the database at {where} refused the change: {why}. Nothing was stored."
    error = StorageError(text)
    error.original = exc  # for callers that tell a unique-key clash from other failures (never shown)
    return error


def parse_url(url: str) -> Any:
    """``url`` parsed; a malformed or unknown one is a :class:`StorageError` naming it (password masked)."""
    hint = "expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB in CALFCARE_DATABASE_URL"
    try:
        parsed = make_url(url)
        parsed.get_dialect()  # an unknown backend or driver fails here, not at the first query
    except Exception as exc:
        why = mask_password(_first_line(exc), url)
        raise StorageError(f"the database URL {mask_password(url, url)!r} is malformed ({why}): {hint}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(f"the database URL {mask_password(url, url)!r} names an unsupported database: {hint}")
    return parsed


def _wal(cur: Any, *, tries: int = 100) -> None:
    """WAL mode (readers never block the importer; survives kill -9). It is kept in the file, so it is set once;
    switching needs the file to itself, and SQLite refuses that at once (no busy wait) while another process opening
    the same new file holds a lock: then it tries again, briefly."""
    import sqlite3
    import time

    for attempt in range(tries):
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == tries - 1:
                raise
            time.sleep(0.05)


def _sqlite_begin(conn: Any) -> None:
    """A writer's transaction takes the write lock at its start. The driver's own transactions begin at the first
    write, so two writers that both read first would fail ("database is locked") instead of waiting their turn; the
    driver does not begin another while this one is open, and commits it as its own. Other units keep the driver's
    behaviour (reads outside a transaction, a deferred BEGIN before the first write)."""
    if conn.get_execution_options().get(IMMEDIATE, False):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Database:
    """The one handle the services get: an engine and a session factory."""

    def __init__(self, url: str, *, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> None:
        self.url = url
        parsed = parse_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if (
            self.is_sqlite
            and parsed.database
            and parsed.database != ":memory:"
            and not parsed.database.startswith("file:")
        ):
            folder = Path(parsed.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the data folder {folder} ({exc.strerror or exc}): make it writable, or set "
                    "CALFCARE_DATABASE_URL to a database in a writable place"
                ) from None
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StorageError(
                    f"the data folder {folder} is not writable: make it writable, or set CALFCARE_DATABASE_URL to a "
                    "database in a writable place"
                )
        connect_args: dict[str, Any] = {}
        if not self.is_sqlite:
            connect_args["connect_timeout"] = max(1, int(lock_timeout_s))
        self.engine: Engine = create_engine(
            url, future=True, pool_pre_ping=not self.is_sqlite, connect_args=connect_args
        )
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas(lock_timeout_s))
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: SQLite: this process's writers take turns here before ``BEGIN IMMEDIATE`` (see :meth:`runner_session`)
        self._writer_turn = threading.RLock()
        self._lock_timeout_s = lock_timeout_s
        # writers of one runner's records: BEGIN IMMEDIATE on SQLite (a row lock does the rest on PostgreSQL)
        self.writer_sessions = sessionmaker(
            self.engine.execution_options(**{IMMEDIATE: True}) if self.is_sqlite else self.engine,
            expire_on_commit=False,
        )

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (idempotent). Alembic is only loaded when there is
        something to do: importing it costs ~0.3 s, paid otherwise by every CLI command."""
        try:
            if self.current_revision() == head_revision():
                return
            from alembic import command

            with self.engine.execution_options(**{IMMEDIATE: True}).begin() as conn:
                if not self.is_sqlite:  # two first runs at once: the second waits, then finds nothing to do
                    conn.execute(text("SELECT pg_advisory_xact_lock(4242000001)"))
                cfg = alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except DBAPIError as exc:
            raise storage_error(exc, self.safe_url, url=self.url) from None

    def check_integrity(self) -> None:
        """A damaged database is not "up to date": SQLite's ``PRAGMA integrity_check`` (every page, index and
        constraint), PostgreSQL's catalog answering. Raises a :class:`StorageError` saying what to do."""
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    found = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check(20)")]
                    if found != ["ok"]:
                        raise StorageError(
                            f"the database at {self.safe_url} is damaged (integrity check: {found[0][:200]}): restore "
                            "it from a backup, or move the file away and run `calfcare db upgrade` to start a new one"
                        )
                else:
                    conn.exec_driver_sql("SELECT count(*) FROM pg_catalog.pg_class")
        except DBAPIError as exc:
            raise storage_error(exc, self.safe_url, url=self.url) from None

    @property
    def safe_url(self) -> str:
        """The URL with its password masked (``***``): the only form any message shows."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back (nothing half-written) on any error."""
        with self._unit(self.sessions) as s:
            yield s

    @contextmanager
    def runner_session(self, name: str, *, create: bool) -> Iterator[tuple[Session, Runner | None]]:
        """A unit of work that changes one runner's records, serialised with every other such unit of the runner.

        SQLite: the transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time, the others wait up to the busy
        timeout). PostgreSQL: the runner's row is locked (``SELECT … FOR UPDATE``) before anything else is read, so
        what the block reads next already includes what a concurrent unit committed. With ``create`` a new runner is
        inserted race-free (``INSERT … ON CONFLICT DO NOTHING``); else the runner is None when there is none.
        """
        with self._turn(), self._unit(self.writer_sessions) as s:
            yield s, lock_runner(s, name, create=create)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """SQLite: the writers of this process wait for each other on a lock that wakes the next one as soon as the
        last commits, instead of in SQLite's busy handler, which polls with sleeps growing to 100 ms (so under 50
        concurrent check-ins a waiting writer slept through free turns: POST /checkin p95 2.2-2.3x the bare route
        against 1.6-2.0x with the turn; docs/benchmarks.md). Writers of other processes still meet at the busy handler.
        PostgreSQL: no turn (its row lock queues waiters itself)."""
        if not self.is_sqlite:
            yield
            return
        if not self._writer_turn.acquire(timeout=self._lock_timeout_s):
            raise StorageError(
                f"the database at {self.safe_url} is locked: another writer of this process held it for more than "
                f"{self._lock_timeout_s:g} s; try again"
            )
        try:
            yield
        finally:
            self._writer_turn.release()

    @contextmanager
    def _unit(self, factory: sessionmaker[Session]) -> Iterator[Session]:
        with factory() as s:
            try:
                yield s
                s.commit()
            except SQLAlchemyError as exc:
                s.rollback()
                raise storage_error(exc, self.safe_url, url=self.url) from None
            except BaseException:
                s.rollback()
                raise

    def has_runner(self, name: str) -> bool:
        """Is anything stored for a runner called ``name``?"""
        with self.session() as s:
            return s.scalar(select(Runner.id).where(Runner.name == name)) is not None

    def runner_id(self, name: str, *, create: bool = True) -> int:
        """The id of the runner called ``name``; created on first use when ``create`` (race-free: two processes
        creating the same new runner at once both get its id)."""
        with self.session() as s:
            found = s.scalar(select(Runner.id).where(Runner.name == name))
            if found is not None:
                return found
            if not create:
                from calfcare.errors import NotFound

                raise NotFound(f"no runner called {name!r}")
            return ensure_runner(s, name).id

    def dispose(self) -> None:
        self.engine.dispose()


def ensure_runner(s: Session, name: str) -> Runner:
    """The runner called ``name``, inserted if missing with ``INSERT … ON CONFLICT DO NOTHING`` (the unique name
    decides between two processes creating it at once; neither fails)."""
    dialect = s.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    s.execute(insert(Runner).values(name=name).on_conflict_do_nothing(index_elements=[Runner.name]))
    return s.scalars(select(Runner).where(Runner.name == name)).one()


def lock_runner(s: Session, name: str, *, create: bool) -> Runner | None:
    """The runner called ``name``, its row locked until the transaction ends (PostgreSQL ``FOR UPDATE``; on SQLite
    the ``BEGIN IMMEDIATE`` of :meth:`Database.runner_session` already holds the write lock). Created when missing
    and ``create``; None when missing otherwise."""
    query = select(Runner).where(Runner.name == name)
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    found = s.scalars(query).one_or_none()
    if found is None and create:
        ensure_runner(s, name)
        found = s.scalars(query).one()
    return found


def open_database(url: str, *, migrate: bool = True, lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Database:
    db = Database(url, lock_timeout_s=lock_timeout_s)
    if migrate:
        db.migrate()
    return db
