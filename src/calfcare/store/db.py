"""Open a database, bring its schema up to date (Alembic), hand out sessions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from calfcare.errors import StorageError
from calfcare.store.models import Runner

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision\s*=\s*['\"]?([\w]+)['\"]?", re.M)


def head_revision() -> str:
    """The newest migration id, read from the migration files (a linear chain: the one nobody revises)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, rev in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(rev)
    heads = revisions - parents
    if len(heads) != 1:
        raise StorageError(f"the migrations in {MIGRATIONS_DIR} have {len(heads)} heads; expected exactly one")
    return heads.pop()


#: execution option: a SQLite transaction that takes the write lock at its start (``BEGIN IMMEDIATE``)
IMMEDIATE = "calfcare_sqlite_immediate"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # first: wait for another writer rather than fail
    cur.execute("PRAGMA foreign_keys=ON")
    _wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


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

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
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
        except OperationalError as exc:
            raise StorageError(f"cannot open the database at {self.safe_url}: {exc.orig}") from exc

    @property
    def safe_url(self) -> str:
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
        with self._unit(self.writer_sessions) as s:
            yield s, lock_runner(s, name, create=create)

    @contextmanager
    def _unit(self, factory: sessionmaker[Session]) -> Iterator[Session]:
        with factory() as s:
            try:
                yield s
                s.commit()
            except SQLAlchemyError as exc:
                s.rollback()
                raise StorageError(f"the database refused the change: {exc}") from exc
            except BaseException:
                s.rollback()
                raise

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


def open_database(url: str, *, migrate: bool = True) -> Database:
    db = Database(url)
    if migrate:
        db.migrate()
    return db
