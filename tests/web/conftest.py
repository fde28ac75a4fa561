"""Fixtures of the web tests: the app on a temporary SQLite database with a settable clock, and a client that
talks to it from this computer (loopback), as a browser on the same machine would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import launch
from starlette.testclient import TestClient
from webkit import START, Clock

from calfcare.store import Database, open_database
from calfcare.web import create_app
from calfcare.web.config import WebSettings


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session (Playwright's sync API runs one instance per thread); skips without it."""
    yield from launch()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def web_db(tmp_path: Path, migrated_sqlite: Callable[[Path], str]) -> Iterator[Database]:
    """A new SQLite database, its schema copied from the session's migrated one (tests/templates.py)."""
    database = open_database(migrated_sqlite(tmp_path / "web.db"))
    yield database
    database.dispose()


@pytest.fixture
def settings(web_db: Database) -> WebSettings:
    return WebSettings(database_url=web_db.url, runner="me")


@pytest.fixture
def client(settings: WebSettings, web_db: Database, clock: Clock) -> Iterator[TestClient]:
    app = create_app(settings, db=web_db, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as c:
        yield c
