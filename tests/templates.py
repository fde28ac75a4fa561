"""Migrated databases without running Alembic for every test: each test still gets its own fresh database, but its
schema comes from the migrations run ONCE per session (per xdist worker).

SQLite: a file migrated by :func:`calfcare.store.open_database` is copied (a file of ~0.3 MB: ~1 ms against ~50 ms
for the migrations). PostgreSQL: the statements the migrations sent to an empty schema are recorded and sent again to
each test's new, empty schema (~0.1 s against ~0.25-0.45 s). The test then opens its database with
``open_database``, whose ``migrate()`` finds the schema at head, as it would for any existing database.
tests/store/test_templates.py checks that both give exactly the schema the migrations give.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event

from calfcare.store import open_database


def migrate_sqlite_template(path: Path) -> Path:
    """An SQLite file at ``path`` migrated to head and closed (its WAL checkpointed into the file)."""
    database = open_database(f"sqlite:///{path}")
    database.dispose()
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-")]
    assert leftovers == [], f"the template still has {leftovers}: it would be copied half-written"
    return path


def copy_sqlite_template(template: Path, target: Path) -> str:
    """``template`` copied to ``target`` (which must not exist yet); the copy's URL."""
    assert not target.exists(), f"{target} exists: a copy would replace a test's data"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def record_pg_migration(url: str, schema: str) -> list[tuple[str, Any]]:
    """Migrate the empty schema that ``url`` points at and return every statement that changed it, in order, with
    its parameters as the driver got them (the catalog reads of Alembic and of ``migrate()`` itself are left out:
    they change nothing)."""
    database = open_database(url, migrate=False)
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        assert not many, "a migration sent executemany: replaying it needs each parameter set"
        if not statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        database.migrate()
    finally:
        database.dispose()
    named = [s for s, _ in sent if schema in s]
    assert named == [], f"a migration statement names the template schema, so it cannot be replayed: {named[:1]}"
    return sent


def replay_pg_migration(url: str, statements: list[tuple[str, Any]]) -> None:
    """Send the recorded migration statements, as the driver got them, to the empty schema that ``url`` points at,
    in one transaction (as ``migrate()`` runs them)."""
    engine = create_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()
