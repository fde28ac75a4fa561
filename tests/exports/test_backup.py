"""Backup and restore (`export all` / `import-backup`): every table, SQLite ⇄ PostgreSQL, older schemas, bad input."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from exports_seed import DAY0, normalise, seed_runner, snapshot, store_run
from sqlalchemy import MetaData

from calfcare.errors import Conflict, InvalidInput, StorageError
from calfcare.exports.backup import read_backup
from calfcare.services import history, runners
from calfcare.services.runners import backup_bytes, gather_backup, reflect, restore_backup, unowned_tables
from calfcare.store import Database, open_database
from calfcare.store.db import alembic_config
from calfcare.store.models import Base

CORE = ("runners", "episodes", "assessments", "checkins", "activities", "activity_streams", "calendar_tokens")


def test_every_table_is_tied_to_a_runner(db: Database) -> None:
    """A table a later migration adds is backed up and deleted with its runner only if a foreign-key path leads to
    runners; one that does not would be left out of a runner's backup and never deleted: make that a decision."""
    with db.engine.connect() as conn:
        md = reflect(conn)
    assert set(Base.metadata.tables) <= set(md.tables)
    assert unowned_tables(md) == []


def test_round_trip_keeps_every_table(db: Database, sqlite_url: str) -> None:
    seed_runner(db, "ana")
    seed_runner(db, "ben", checkins=3, runs=2)
    before = snapshot(db)
    assert all(before[t] for t in CORE), "the seed fills every table"
    target = open_database(sqlite_url.replace("calfcare.db", "restored.db"))
    outcome = restore_backup(db=target, data=backup_bytes(db=db, runner=None))
    assert outcome.runners == ("ana", "ben") and not outcome.renumbered and not outcome.migrated
    assert snapshot(target) == before
    target.dispose()


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back(sqlite_url: str, pg_url: str, tmp_path: Path) -> None:
    lite = open_database(sqlite_url)
    seed_runner(lite, "ana")
    pg = open_database(pg_url)
    restore_backup(db=pg, data=backup_bytes(db=lite, runner=None))
    assert snapshot(pg) == snapshot(lite)
    back = open_database(f"sqlite:///{tmp_path / 'back.db'}")
    restore_backup(db=back, data=backup_bytes(db=pg, runner=None))
    assert snapshot(back) == snapshot(lite)
    # the PostgreSQL id sequences moved past the restored ids: new records still get ids
    seed_runner(pg, "cy", checkins=1, runs=1)
    assert history(db=pg, runner="cy")["checkins"]
    for d in (lite, pg, back):
        d.dispose()


def test_one_runners_backup_restores_beside_other_runners_with_new_ids(db: Database, sqlite_url: str) -> None:
    seed_runner(db, "ana")
    data = backup_bytes(db=db, runner="ana")
    assert read_backup(data).runners == ("ana",)
    other = open_database(sqlite_url.replace("calfcare.db", "other.db"))
    seed_runner(other, "zoe", checkins=4)  # takes the ids ana had
    zoe_before = gather_backup(db=other, runner="zoe").tables
    outcome = restore_backup(db=other, data=data)
    assert outcome.renumbered
    old = {t.name: t for t in gather_backup(db=db, runner="ana").tables}
    new = {t.name: t for t in gather_backup(db=other, runner="ana").tables}
    with other.engine.connect() as conn:
        md = reflect(conn)
    # every table's own ids moved by one offset, and every foreign key with the table it points to
    shift = {n: min(r[0] for r in new[n].rows) - min(r[0] for r in t.rows) for n, t in old.items()
             if t.columns[0] == "id" and t.rows}  # fmt: skip
    assert shift["runners"] > 0 and shift["checkins"] > 0
    for name, table in old.items():
        refs = {fk.parent.name: fk.column.table.name for fk in md.tables[name].foreign_keys}
        expected = []
        for row in table.rows:
            values = dict(zip(table.columns, row, strict=True))
            for col, value in values.items():
                moved_by = shift.get(name, 0) if col == "id" else shift.get(refs.get(col, ""), 0)
                values[col] = normalise(value + moved_by if value is not None and moved_by else value)
            expected.append(tuple(values[c] for c in table.columns))
        got = [tuple(normalise(v) for v in row) for row in new[name].rows]
        assert sorted(got, key=repr) == sorted(expected, key=repr), name

    def decisions(d: Database) -> list[tuple[str, str]]:
        return [(c["date"], c["decision"]) for c in history(db=d, runner="ana")["checkins"]]

    assert decisions(other) == decisions(db), "the restored episode replays the same"
    assert gather_backup(db=other, runner="zoe").tables == zoe_before, "the other runner is untouched"
    with pytest.raises(Conflict, match="already has a runner called 'ana'"):
        restore_backup(db=other, data=data)
    other.dispose()


def test_a_one_runner_backup_restores_under_another_name_beside_the_original(db: Database) -> None:
    seed_runner(db, "ana", checkins=3)
    data = backup_bytes(db=db, runner="ana")
    outcome = restore_backup(db=db, data=data, as_runner="ana-copy")
    assert outcome.runners == ("ana-copy",)

    def decisions(name: str) -> list[tuple[str, str]]:
        return [(c["date"], c["decision"]) for c in history(db=db, runner=name)["checkins"]]

    assert decisions("ana-copy") == decisions("ana") and len(decisions("ana")) == 3


def test_renaming_needs_a_one_runner_backup(db: Database) -> None:
    seed_runner(db, "ana")
    seed_runner(db, "ben")
    everyone = backup_bytes(db=db, runner=None)
    with pytest.raises(InvalidInput, match="holds 2 runners"):
        restore_backup(db=db, data=everyone, as_runner="someone")


def _rows(db: Database, table: str) -> list[Any]:
    return snapshot(db)[table]


def test_a_backup_from_an_older_schema_restores_after_migration(tmp_path: Path, sqlite_url: str) -> None:
    """A database at the first revision (its own columns only, written with plain SQL), backed up, restores into
    a database at the newest revision: the migrations run over the backup's rows on the way in."""
    from alembic import command

    old = Database(f"sqlite:///{tmp_path / 'old.db'}")
    with old.engine.begin() as conn:
        cfg = alembic_config(old.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with old.engine.begin() as conn:
        md = MetaData()
        md.reflect(bind=conn)
        t = md.tables
        conn.execute(t["runners"].insert(), [{"id": 1, "name": "old-timer"}])
        conn.execute(t["episodes"].insert(), [{"id": 1, "runner_id": 1, "status": "open", "side": "right",
                     "structure": "gastrocnemius", "severity": "mild", "onset": date(2024, 3, 1),
                     "assessed_on": date(2024, 3, 2), "plan_state": {"phase": "protect"}, "context": {}}])  # fmt: skip
        conn.execute(t["checkins"].insert(), [{"id": 1, "runner_id": 1, "episode_id": 1, "day": date(2024, 3, 3),
                     "decision": "hold", "answers": {"morning_pain": 3}, "result": {"decision": "hold"}}])  # fmt: skip
    backup = gather_backup(db=old, runner="old-timer")
    assert backup.schema_revision == "0001"
    from calfcare.exports.backup import write_backup

    new = open_database(sqlite_url)
    outcome = restore_backup(db=new, data=write_backup(backup))
    assert outcome.migrated and outcome.from_revision == "0001"
    assert [r[:2] for r in _rows(new, "runners")] == [(1, "old-timer")]
    (checkin,) = _rows(new, "checkins")
    assert checkin[:5] == (1, 1, 1, date(2024, 3, 3), "hold")
    assert history(db=new, runner="old-timer")["checkins"][0]["decision"] == "hold"
    old.dispose()
    new.dispose()


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """The backup with members replaced (bytes) or removed (None)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            body = change.get(name, src.read(name))
            if body is not None:
                zf.writestr(name, body)
    return out.getvalue()


def _manifest(data: bytes) -> dict[str, Any]:
    return dict(json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json")))


def _bad_inputs(data: bytes) -> dict[str, tuple[bytes, str]]:
    checkins = zipfile.ZipFile(io.BytesIO(data)).read("tables/checkins.json")
    doc = json.loads(checkins)
    doc["rows"][0][3] = "not a date"
    m = _manifest(data)
    bad_value = json.dumps(doc).encode()
    m["tables"]["checkins"]["sha256"] = hashlib.sha256(bad_value).hexdigest()
    newer = {**_manifest(data), "schema_revision": "9999"}
    unknown_col = _manifest(data)
    ghosts = json.dumps({"table": "ghosts", "columns": ["id"], "rows": [[1]]}).encode()
    with_ghosts = _manifest(data)
    with_ghosts["tables"]["ghosts"] = {"file": "tables/ghosts.json", "columns": ["id"], "kinds": ["int"], "rows": 1,
                                       "sha256": hashlib.sha256(ghosts).hexdigest()}  # fmt: skip
    buffer = io.BytesIO(_rezip(data, {"manifest.json": json.dumps(with_ghosts).encode()}))
    with zipfile.ZipFile(buffer, "a") as zf:
        zf.writestr("tables/ghosts.json", ghosts)
    (original,) = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("originals/")]
    unlisted = {**_manifest(data), "files": {}}
    return {
        "original missing": (_rezip(data, {original: None}), f"{original}: missing from the zip"),
        "original edited": (_rezip(data, {original: b"not the runner's file"}), "size or checksum differs"),
        "original unlisted": (
            _rezip(data, {"manifest.json": json.dumps(unlisted).encode()}),
            "is not listed in the manifest's files",
        ),
        "newer format": (
            _rezip(data, {"manifest.json": json.dumps({**_manifest(data), "format_version": 3}).encode()}),
            "format_version 3 is not one this calfcare reads",
        ),
        "unknown table": (buffer.getvalue(), "table ghosts does not exist in this database"),
        "not a zip": (data[: len(data) // 2], "not a zip file"),
        "no manifest": (_rezip(data, {"manifest.json": None}), "no manifest.json"),
        "partial": (_rezip(data, {"tables/checkins.json": None}), "tables/checkins.json: missing from the zip"),
        "damaged": (
            _rezip(data, {"tables/checkins.json": checkins.replace(b"morning_pain", b"morning_PAIN")}),
            "checksum differs",
        ),
        "bad value": (
            _rezip(data, {"tables/checkins.json": bad_value, "manifest.json": json.dumps(m).encode()}),
            "row 1 column day: Invalid isoformat",
        ),
        "newer schema": (_rezip(data, {"manifest.json": json.dumps(newer).encode()}), "schema '9999'"),
        "bad manifest": (_rezip(data, {"manifest.json": json.dumps(unknown_col)[:-3].encode()}), "not valid JSON"),
    }


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One small backup, made once for the bad-input cases."""
    source = open_database(f"sqlite:///{tmp_path_factory.mktemp('good') / 'src.db'}")
    seed_runner(source, "ana", checkins=2, runs=1)
    data = backup_bytes(db=source, runner="ana")
    source.dispose()
    return data


@pytest.mark.parametrize(
    "case",
    ["unknown table", "not a zip", "no manifest", "partial", "damaged", "bad value", "newer schema", "bad manifest",
     "original missing", "original edited", "original unlisted", "newer format"],
)  # fmt: skip
def test_bad_or_partial_backups_are_refused_and_nothing_is_written(case: str, good: bytes, tmp_path: Path) -> None:
    data, message = _bad_inputs(good)[case]
    target = open_database(f"sqlite:///{tmp_path / 'target.db'}")
    before = snapshot(target)
    with pytest.raises(InvalidInput) as err:
        restore_backup(db=target, data=data, source="ana.zip")
    assert message.lower() in str(err.value).lower() and "nothing was written" in str(err.value)
    assert snapshot(target) == before
    target.dispose()


def test_a_restore_that_fails_midway_writes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    """A refusal the checks cannot foresee (here a trigger refusing check-ins, inserted after the runner, episode and
    activities) rolls the whole restore back."""
    source = open_database(sqlite_url)
    seed_runner(source, "ana", checkins=2, runs=2)
    data = backup_bytes(db=source, runner="ana")
    target = open_database(f"sqlite:///{tmp_path / 'target.db'}")
    with target.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON checkins BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    before = snapshot(target)
    with pytest.raises(StorageError, match=r"nothing was written.*refused by the test"):
        restore_backup(db=target, data=data)
    assert snapshot(target) == before
    source.dispose()
    target.dispose()


def test_a_backup_is_one_snapshot_even_while_an_import_writes(db: Database, db_url: str, sqlite_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """An activity stored by another process after the backup read the activities table (and before it read their
    streams) is in neither table of the backup, so the backup restores whole."""
    seed_runner(db, "ana", checkins=1, runs=2)
    real_dump = runners._dump
    other = open_database(db_url)

    def dump_then_import(conn: Any, md: Any, table: Any, where: Any) -> Any:
        out = real_dump(conn, md, table, where)
        if table.name == "activities":
            store_run(other, other.runner_id("ana"), DAY0, 5.0, key="late")
        return out

    monkeypatch.setattr(runners, "_dump", dump_then_import)
    backup = gather_backup(db=db, runner="ana")
    counts = {t.name: len(t.rows) for t in backup.tables}
    assert counts["activities"] == counts["activity_streams"] == 2
    target = open_database(sqlite_url.replace("calfcare.db", "snap.db"))
    from calfcare.exports.backup import write_backup

    restore_backup(db=target, data=write_backup(backup))
    assert len(snapshot(target)["activity_streams"]) == 2
    assert len(snapshot(db)["activity_streams"]) == 3, "the late run was stored"
    other.dispose()
    target.dispose()


def test_the_backup_holds_each_original_file_as_received_and_restores_it(
    db: Database, sqlite_url: str, tmp_path: Path
) -> None:
    """`export all` puts the runner's files in the zip as they came (a runner who opens it finds their FIT, GPX and
    gzipped TCX), and a restore stores the very same rows."""
    from test_import_fixtures import START, fit_run, gpx_run, gz, tcx_run

    from calfcare.services.activities import list_activities, original_files
    from calfcare.services.importing import import_paths

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    received = {"watch.fit": fit_run(), "phone.gpx": gpx_run(), "later.tcx.gz": gz(tcx_run(START.replace(day=9)))}
    for name, body in received.items():
        (inbox / name).write_bytes(body)
    import_paths(db=db, runner="ana", paths=[inbox], workers=1)
    data = backup_bytes(db=db, runner="ana")
    zf = zipfile.ZipFile(io.BytesIO(data))
    members = [n for n in zf.namelist() if n.startswith("originals/")]
    assert {n.rsplit("/", 1)[1]: zf.read(n) for n in members} == received
    files = _manifest(data)["files"]
    assert files == {n: {"size": len(zf.read(n)), "sha256": hashlib.sha256(zf.read(n)).hexdigest()} for n in members}
    assert "originals/" in zf.read("README.txt").decode()
    target = open_database(sqlite_url.replace("calfcare.db", "restored.db"))
    restore_backup(db=target, data=data)
    for table in ("original_files", "activity_originals"):
        assert snapshot(target)[table] == snapshot(db)[table], table
    for activity in list_activities(db=db, runner="ana"):
        assert original_files(db=target, runner="ana", activity_id=activity["id"]) == original_files(
            db=db, runner="ana", activity_id=activity["id"]
        )
    target.dispose()


def test_a_version_1_backup_made_before_files_were_kept_still_restores(tmp_path: Path) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'src.db'}")
    seed_runner(source, "ana", checkins=2, runs=0)
    data = backup_bytes(db=source, runner="ana")
    old = {k: v for k, v in _manifest(data).items() if k != "files"} | {"format_version": 1}
    target = open_database(f"sqlite:///{tmp_path / 'target.db'}")
    outcome = restore_backup(db=target, data=_rezip(data, {"manifest.json": json.dumps(old).encode()}))
    assert outcome.rows["checkins"] == 2 and outcome.rows["original_files"] == 0
    assert history(db=target, runner="ana")["checkins"]
    source.dispose()
    target.dispose()


def test_a_backup_from_an_older_schema_keeps_its_original_files_through_the_migration(tmp_path: Path) -> None:
    """Migrated on the way in (restored into a scratch database at its revision, migrated, read back), the files
    come through byte for byte."""
    source = open_database(f"sqlite:///{tmp_path / 'src.db'}")
    seed_runner(source, "ana", checkins=1, runs=2)
    data = backup_bytes(db=source, runner="ana")
    older = _rezip(data, {"manifest.json": json.dumps({**_manifest(data), "schema_revision": "0008"}).encode()})
    target = open_database(f"sqlite:///{tmp_path / 'target.db'}")
    outcome = restore_backup(db=target, data=older)
    assert outcome.migrated and outcome.from_revision == "0008" and outcome.rows["original_files"] == 2
    assert snapshot(target)["original_files"] == snapshot(source)["original_files"]
    source.dispose()
    target.dispose()
