"""`calfcare runner delete`: every row of the runner in every table, in one transaction, after a confirmation."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from exports_seed import clinician_accounts, seed_runner, snapshot
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.errors import NotFound, StorageError
from calfcare.services.runners import DEPLOYMENT_TABLES, delete_runner, gather_backup, runner_rows
from calfcare.store import Database, open_database


def _tables_of(db: Database, runner: str) -> dict[str, list[tuple[object, ...]]]:
    return {t.name: t.rows for t in gather_backup(db=db, runner=runner).tables}


def test_deleting_a_runner_erases_every_row_of_theirs_and_nothing_else(db: Database) -> None:
    seed_runner(db, "ana")
    seed_runner(db, "ben", checkins=3, runs=2)
    ben_before = _tables_of(db, "ben")
    assert all(runner_rows(db=db, runner="ana").values()), "ana has rows in every table"
    erased = delete_runner(db=db, runner="ana")
    assert erased["runners"] == 1 and erased["checkins"] == 8 and erased["activity_streams"] == 6
    with pytest.raises(NotFound):
        runner_rows(db=db, runner="ana")
    # every row left in every table is one of ben's, and his are as they were
    left = {n: len(rows) for n, rows in snapshot(db).items() if n not in DEPLOYMENT_TABLES}
    left["users"] -= clinician_accounts(db)  # a clinician's account is nobody's runner data: it stays
    assert left == runner_rows(db=db, runner="ben")
    assert _tables_of(db, "ben") == ben_before


def test_a_deletion_that_fails_midway_changes_nothing(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    seed_runner(db, "ana", checkins=2, runs=2)
    with db.engine.begin() as conn:  # refuse the last step: the runner row itself
        conn.exec_driver_sql("CREATE TRIGGER keep BEFORE DELETE ON runners BEGIN SELECT RAISE(ABORT, 'kept'); END")
    before = snapshot(db)
    with pytest.raises(StorageError, match="was not deleted, nothing changed"):
        delete_runner(db=db, runner="ana")
    assert snapshot(db) == before
    db.dispose()


def _cli(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.output


def test_cli_asks_before_deleting_and_deletes_with_yes(cli_env: str, tmp_path: Path) -> None:
    db = open_database(cli_env)
    seed_runner(db, "ana", checkins=2, runs=1)
    code, out = _cli("runner", "delete", "ana", input="n\n")
    assert code == 2 and "was not deleted" in out and "Delete runner 'ana' and all" in out
    assert runner_rows(db=db, runner="ana")["checkins"] == 2
    code, out = _cli("runner", "delete", "ana", input="y\n")
    assert code == 0 and "Deleted runner ana" in out
    seed_runner(db, "ben", checkins=1, runs=1)
    code, out = _cli("runner", "delete", "ben", "--yes")
    assert code == 0
    left = {name: rows for name, rows in snapshot(db).items() if rows}
    assert left == {"users": left.get("users", [])} and len(left.get("users", [])) == clinician_accounts(db)
    code, out = _cli("runner", "delete", "nobody", "--yes")
    assert code == 4 and "no runner called 'nobody'" in out
    seed_runner(db, "cy", checkins=1, runs=0)
    code, out = _cli("runner", "delete", "cy", "--runner", "dee", "--yes")
    assert code == 2 and "differ" in out
    code, out = _cli("runner", "delete", "--runner", "cy", "--yes")
    assert code == 0 and not db.has_runner("cy")
    db.dispose()


def test_cli_backup_and_restore(cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = open_database(cli_env)
    seed_runner(db, "ana", checkins=2, runs=1)
    target = tmp_path / "ana.zip"
    code, out = _cli("export", "all", "--runner", "ana", str(target))
    assert code == 0 and target.is_file() and "Wrote the backup" in out and "with 1 original activity file)" in out
    code, out = _cli("export", "all", "--runner", "ana", str(target), "--json")
    assert code == 0 and json.loads(out)["original_files"] == 1 and json.loads(out)["bytes"] == target.stat().st_size
    code, out = _cli("export", "all", "--runner", "ana", str(tmp_path / "ana.tar"))
    assert code == 2 and "expected a file ending in .zip" in out
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("CALFCARE_DATABASE_URL", other)
    code, out = _cli("import-backup", str(target))
    assert code == 0 and "Restored ana" in out
    code, out = _cli("import-backup", str(target))
    assert code == 5 and "already has a runner called 'ana'" in out
    (tmp_path / "junk.zip").write_bytes(b"PK not really")
    code, out = _cli("import-backup", str(tmp_path / "junk.zip"))
    assert code == 2 and "not a zip file" in out and "Traceback" not in out
    restored = open_database(other)
    mine, theirs = snapshot(restored), snapshot(db)
    # one runner's backup leaves out the shares with this database's clinicians and who acted, by id
    assert mine["shares"] == [] and [r[2] for r in mine["audit_events"]] == [None]
    assert [r[3] for r in mine["clinician_events"]] == [None] and [r[4] for r in mine["clinician_events"]] == [
        "seed-physio"
    ]
    unlinked = ("shares", "audit_events", "clinician_events", "users")
    assert {k: v for k, v in mine.items() if k not in unlinked} == {
        k: v for k, v in theirs.items() if k not in unlinked
    }
    assert [u[1] for u in mine["users"]] == ["ana"]
    seed_runner(restored, "ben", checkins=1, runs=1)
    everyone = tmp_path / "everyone.zip"
    code, out = _cli("export", "all", "--all-runners", str(everyone))
    assert code == 0 and "every runner" in out
    manifest = json.loads(zipfile.ZipFile(everyone).read("manifest.json"))
    assert manifest["scope"] == "all" and manifest["runners"] == ["ana", "ben"]
    db.dispose()
    restored.dispose()
