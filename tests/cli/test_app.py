from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.cli.app import parse_day
from calfcare.errors import InvalidInput


def test_a_day_in_the_future_is_refused_with_the_option_named() -> None:
    with pytest.raises(InvalidInput, match=r"--date: 2026-03-05 is in the future \(today is 2026-03-04\)"):
        parse_day("2026-03-05", today=date(2026, 3, 4))


def test_a_malformed_day_says_what_was_expected() -> None:
    with pytest.raises(InvalidInput, match="expected a date as YYYY-MM-DD, got '05/03/2026'"):
        parse_day("05/03/2026", today=date(2026, 3, 4))


def test_no_day_means_today_and_a_past_day_is_kept() -> None:
    assert parse_day(None, today=date(2026, 3, 4)) == date(2026, 3, 4)
    assert parse_day("2026-02-01", today=date(2026, 3, 4)) == date(2026, 2, 1)


def test_db_upgrade_reports_the_database_it_migrated(cli_env: str) -> None:
    result = CliRunner().invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "up to date"
    assert payload["database"].endswith("calfcare.db")


def test_an_unreachable_database_is_a_clear_storage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALFCARE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["db", "upgrade", "--json"])
    assert result.exit_code == 7
    payload = json.loads(result.stdout)
    assert payload["error"] == "StorageError"
    assert "cannot open the database" in payload["message"]
