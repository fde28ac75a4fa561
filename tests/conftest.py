"""Fixtures shared by every test: databases (SQLite always, PostgreSQL when CALFCARE_TEST_POSTGRES_URL is set),
the shared corpus (skipped when ../shared is absent), and a CLI runner on a temporary database."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from calfcare.store import Database, open_database

ROOT = Path(__file__).resolve().parents[1]
# the small activity-file builders (tests/activities/test_import_fixtures.py) are shared by tests in other folders
sys.path.insert(0, str(ROOT / "tests" / "activities"))
sys.path.insert(0, str(ROOT / "tests"))  # tests/cases.py: answers shared by tests in several folders
from templates import copy_sqlite_template, migrate_sqlite_template, record_pg_migration, replay_pg_migration  # noqa: E402

SHARED = Path(os.environ.get("CALFCARE_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
POSTGRES_URL = os.environ.get("CALFCARE_TEST_POSTGRES_URL")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def _scratch_schema(prefix: str) -> Iterator[tuple[str, str]]:
    """A new, empty PostgreSQL schema (its URL and name), dropped afterwards; skipped without PostgreSQL."""
    if not POSTGRES_URL:
        pytest.skip("CALFCARE_TEST_POSTGRES_URL is not set")
    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(POSTGRES_URL, schema), schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema for one test (dropped afterwards)."""
    with _scratch_schema("t_") as (url, _schema):
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file the migrations brought to head once per session (tests/templates.py)."""
    return migrate_sqlite_template(tmp_path_factory.mktemp("template") / "migrated.db")


@pytest.fixture(scope="session")
def pg_migration() -> Iterator[list[tuple[str, Any]]]:
    """The statements the migrations send to an empty PostgreSQL schema, recorded once per session
    (tests/templates.py)."""
    with _scratch_schema("t_tmpl_") as (url, schema):
        yield record_pg_migration(url, schema)


@pytest.fixture
def migrated_sqlite(sqlite_template: Path) -> Callable[[Path], str]:
    """A new migrated SQLite file at the given path (which must not exist yet); its URL."""
    return lambda path: copy_sqlite_template(sqlite_template, path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'calfcare.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'calfcare.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(request: pytest.FixtureRequest, db_url: str) -> Iterator[Database]:
    """``open_database`` on the test's own new database, whose schema the session's migrations made
    (tests/templates.py): SQLite a copy of the migrated file, PostgreSQL the recorded migration replayed."""
    if db_url.startswith("sqlite"):
        copy_sqlite_template(request.getfixturevalue("sqlite_template"), Path(str(make_url(db_url).database)))
    else:
        replay_pg_migration(db_url, request.getfixturevalue("pg_migration"))
    database = open_database(db_url)
    yield database
    database.dispose()


#: argon2id as in production but with 8 KiB and one pass instead of 64 MiB and three (~0.2 s a hash or a check on two
#: cores, ~100 hashes and ~180 checks in the suite): sign-in, throttling, rehashing and sharing behave the same, only
#: cheaper. tests/accounts/test_access_rules.py checks the production hasher itself (``production_password_hashing``).
QUICK_HASHER = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
_production_hashing: dict[str, Any] = {}


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing() -> Iterator[None]:
    """Every test process (not the app started in a subprocess) hashes passwords with :data:`QUICK_HASHER`, from the
    session's start, so no hash of the session was made with other parameters (which sign-in would re-hash)."""
    from argon2 import PasswordHasher

    from calfcare.accounts import credentials

    quick = PasswordHasher(**QUICK_HASHER)
    _production_hashing.update(_HASHER=credentials._HASHER, _DUMMY_HASH=credentials._DUMMY_HASH)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(credentials, "_HASHER", quick)
        patch.setattr(credentials, "_DUMMY_HASH", quick.hash("calfcare-dummy-password"))
        yield


@pytest.fixture
def production_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production password hasher (and its dummy hash) for this test, instead of :data:`QUICK_HASHER`."""
    from calfcare.accounts import credentials

    for name, value in _production_hashing.items():
        monkeypatch.setattr(credentials, name, value)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> str:
    """Point the CLI at a temporary SQLite database (environment only, no global state patched)."""
    monkeypatch.setenv("CALFCARE_DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CALFCARE_RUNNER", raising=False)
    return sqlite_url


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS


_postgres_outcomes: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the PostgreSQL tests, so the log says plainly whether they ran (CI must show they did)."""
    if "postgres" in report.keywords and (report.when == "call" or report.outcome == "skipped"):
        _postgres_outcomes[report.outcome] = _postgres_outcomes.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    target = POSTGRES_URL.rsplit("@", 1)[-1] if POSTGRES_URL else "not set (CALFCARE_TEST_POSTGRES_URL)"
    counts = ", ".join(f"{n} {k}" for k, n in _postgres_outcomes.items())
    terminalreporter.write_line(f"PostgreSQL tests against {target}: {counts}")


@pytest.fixture(autouse=True)
def _fresh_cli_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI makes its rich consoles on first use and keeps them, with the width and terminal they saw then: each
    test gets new ones, so no output depends on which test ran before it in the same worker process."""
    module = sys.modules.get("calfcare.cli.app")
    if module is not None:
        monkeypatch.setattr(module, "_consoles", {})
