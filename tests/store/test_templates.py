"""The ``db`` fixture's database (tests/templates.py: a copy of a migrated SQLite file, or the recorded migration
replayed on a new PostgreSQL schema) is exactly what running the migrations on a new database gives: the same
tables, columns, defaults, keys, indexes, constraints, sequences, settings and rows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from calfcare.store import Database, open_database

POSTGRES_SHAPE = {
    "relations": "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace",
    "columns": (
        "SELECT table_name, column_name, ordinal_position, column_default, is_nullable, data_type, "
        "character_maximum_length, numeric_precision, datetime_precision, is_identity, identity_generation "
        "FROM information_schema.columns WHERE table_schema = current_schema()"
    ),
    "constraints": (
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace"
    ),
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()",
    "sequences": (
        "SELECT sequencename, data_type::text, start_value, increment_by, last_value FROM pg_sequences "
        "WHERE schemaname = current_schema()"
    ),
    "triggers": (
        "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)"
    ),
    "comments": (
        "SELECT objoid::regclass::text, objsubid, description FROM pg_description WHERE objoid IN "
        "(SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)"
    ),
}
SQLITE_SETTINGS = ("journal_mode", "user_version", "application_id", "page_size", "auto_vacuum", "encoding")


def shape(database: Database) -> dict[str, Any]:
    """Everything a test could see of an empty database's schema, and every row it holds."""
    found: dict[str, Any] = {}
    with database.engine.connect() as conn:
        if database.is_sqlite:
            found["master"] = sorted(
                conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
            )
            for setting in SQLITE_SETTINGS:
                found[setting] = conn.exec_driver_sql(f"PRAGMA {setting}").scalar()
            tables = [row[1] for row in found["master"] if row[0] == "table"]
        else:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            for name, query in POSTGRES_SHAPE.items():
                rows = conn.exec_driver_sql(query).fetchall()
                found[name] = sorted(tuple(str(v).replace(f"{schema}.", "S.") for v in row) for row in rows)
            tables = [row[0] for row in found["relations"] if row[1] == "r"]
        assert "runners" in tables and "alembic_version" in tables
        for table in tables:
            found[f"rows of {table}"] = sorted(map(repr, conn.execute(text(f'SELECT * FROM "{table}"')).fetchall()))
    return found


@pytest.fixture
def migrated_here(db: Database, tmp_path: Any) -> Any:
    """A second new database of the same backend, migrated by ``open_database`` itself (Alembic)."""
    if db.is_sqlite:
        database = open_database(f"sqlite:///{tmp_path / 'by_alembic.db'}")
        yield database
        database.dispose()
        return
    base = db.url.split("?", 1)[0]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        database = open_database(f"{base}?options=-csearch_path%3D{schema}")
        yield database
        database.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_the_db_fixture_gives_the_schema_the_migrations_give(db: Database, migrated_here: Database) -> None:
    assert db.current_revision() == migrated_here.current_revision() is not None
    assert shape(db) == shape(migrated_here)
