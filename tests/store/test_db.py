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
