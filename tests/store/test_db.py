from __future__ import annotations

import pytest
from sqlalchemy import inspect

from calfcare.errors import NotFound
from calfcare.store import Database, open_database


def test_migrations_create_every_table(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"runners", "episodes", "assessments", "checkins", "activities", "activity_streams"} <= tables


def test_migrating_twice_is_harmless_and_runners_are_created_once(db_url: str) -> None:
    first = open_database(db_url)
    rid = first.runner_id("ana")
    first.dispose()
    again = open_database(db_url)
    assert again.runner_id("ana") == rid
    assert again.runner_id("ben") != rid
    again.dispose()


def test_unknown_runner_is_not_created_when_asked_not_to(db: Database) -> None:
    with pytest.raises(NotFound, match="no runner called 'ghost'"):
        db.runner_id("ghost", create=False)


def test_the_migrations_build_exactly_the_tables_and_columns_the_models_declare(db: Database) -> None:
    """Models and migrations cannot drift apart (a merge once dropped two model columns the migration had)."""
    from calfcare.store.models import Base

    found = inspect(db.engine)
    tables = set(found.get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        columns = {c["name"]: c["nullable"] for c in found.get_columns(name)}
        declared = {c.name: c.nullable for c in table.columns}
        assert columns == declared, name


def test_writers_of_one_process_take_turns_without_sqlites_busy_handler(sqlite_url: str) -> None:
    """Concurrent writers of one process wait for each other on the in-process turn, not in SQLite's busy handler:
    with SQLite's own wait switched off (busy_timeout 0) ten threads writing at once all succeed, in turn."""
    import threading
    import time

    from sqlalchemy import event

    from calfcare.store.models import Runner

    db = open_database(sqlite_url)
    try:
        event.listen(db.engine, "connect", lambda conn, _r: conn.execute("PRAGMA busy_timeout=0"))
        db.engine.dispose()  # new connections, with the listener
        inside: list[int] = []
        errors: list[BaseException] = []

        def write(i: int) -> None:
            try:
                with db.runner_session(f"runner-{i}", create=True) as (s, runner):
                    inside.append(i)
                    assert len(inside) - len(done) == 1, "two writers of this process at once"
                    assert runner is not None
                    s.get(Runner, runner.id)
                    time.sleep(0.02)
                done.append(i)
            except BaseException as exc:
                errors.append(exc)

        done: list[int] = []
        threads = [threading.Thread(target=write, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and sorted(done) == list(range(10))
    finally:
        db.dispose()


def test_a_writer_that_never_gets_its_turn_gets_a_clear_message(sqlite_url: str) -> None:
    from calfcare.errors import StorageError

    db = Database(sqlite_url, lock_timeout_s=0.05)
    try:
        db.migrate()
        with db._turn(), pytest.raises(StorageError, match="locked"):  # held by this thread: an RLock lets it in
            import threading

            failed: list[BaseException] = []

            def other() -> None:
                try:
                    with db.runner_session("ann", create=True):
                        pass
                except BaseException as exc:
                    failed.append(exc)

            t = threading.Thread(target=other)
            t.start()
            t.join()
            raise failed[0]
    finally:
        db.dispose()
