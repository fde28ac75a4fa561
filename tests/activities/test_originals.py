"""The runner's original activity files: kept at import exactly as received (compressed), linked to the activities
they gave or fed, saved back by `calfcare activity original`, and erased with the activity that alone used them."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from test_import_fixtures import START, fit_run, gpx_run, gz, make_zip, tcx_run
from test_import_multi import gpx_tracks
from typer.testing import CliRunner

from calfcare.activities import originals
from calfcare.cli import app
from calfcare.errors import NotFound
from calfcare.services.activities import delete_activity, list_activities, original_files
from calfcare.services.importing import import_paths
from calfcare.store import Database, open_database
from calfcare.store.models import ActivityOriginal, OriginalFile

# -- the codec (pure) ----------------------------------------------------------------------------------------------


def test_a_plain_file_is_stored_gzipped_and_decodes_to_the_same_bytes() -> None:
    raw = gpx_run(seconds=600)
    encoding, data = originals.encode(raw)
    assert encoding == "gzip" and len(data) < len(raw) / 5, "a GPX shrinks to a fifth or less"
    assert originals.decode(encoding, data) == raw
    assert originals.encode(raw) == (encoding, data), "the same bytes always store the same way (restores match)"


def test_a_gzipped_file_is_stored_as_it_came() -> None:
    raw = gz(fit_run(seconds=300))
    assert originals.encode(raw) == ("identity", raw)
    assert originals.decode("identity", raw) == raw


def test_damaged_or_unknown_stored_data_is_an_error_that_says_so() -> None:
    with pytest.raises(ValueError, match="damaged"):
        originals.decode("gzip", b"\x1f\x8b not gzip at all")
    with pytest.raises(ValueError, match="unknown encoding 'brotli'"):
        originals.decode("brotli", b"")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/home/ana/Garmin/Activities/run.fit", "run.fit"),
        ("C:\\Users\\ana\\run.gpx", "run.gpx"),
        ("activities/123.fit.gz", "123.fit.gz"),
        ("tab\there.tcx", "tabhere.tcx"),
        ("/", "activity"),
    ],
)
def test_only_the_files_own_name_is_kept_never_its_folders(path: str, name: str) -> None:
    assert originals.file_name(path) == name


# -- the import keeps them -----------------------------------------------------------------------------------------


def _originals(db: Database) -> dict[str, bytes]:
    with db.session() as s:
        rows = s.execute(select(OriginalFile.name, OriginalFile.encoding, OriginalFile.data)).all()
    return {name: originals.decode(encoding, data) for name, encoding, data in rows}


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_every_file_an_import_stores_is_kept_exactly_as_received(db: Database, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    received = {
        "watch.fit": fit_run(),
        "same-run.gpx": gpx_run(),  # the same run from another device: merged into the FIT's activity
        "later.tcx.gz": gz(tcx_run(START + timedelta(days=2))),
        "two.gpx": gpx_tracks(gpx_run(START + timedelta(days=4)), gpx_run(START + timedelta(days=5), lat0=47.0)),
    }
    for name, data in received.items():
        (inbox / name).write_bytes(data)
    member = gpx_run(START + timedelta(days=7), lat0=46.0)
    make_zip(tmp_path / "export.zip", {"activities/991.gpx": member})
    report = import_paths(db=db, runner="ana", paths=[inbox, tmp_path / "export.zip"], workers=1)
    assert report.counts["imported"] == 5 and report.counts["duplicate"] == 1
    assert _originals(db) == {**received, "991.gpx": member}, "byte for byte, named without their folders"
    kept = {a["id"]: a["originals"] for a in list_activities(db=db, runner="ana")}
    assert sorted(sorted(names) for names in kept.values()) == sorted(
        [["same-run.gpx", "watch.fit"], ["later.tcx.gz"], ["two.gpx"], ["two.gpx"], ["991.gpx"]]
    ), "a merged run keeps both files; the two activities of one file share it"
    with db.session() as s:
        stored = dict(s.execute(select(OriginalFile.name, OriginalFile.encoding)).all())
    assert stored["later.tcx.gz"] == "identity" and stored["watch.fit"] == "gzip"
    merged = next(i for i, names in kept.items() if "watch.fit" in names)
    assert original_files(db=db, runner="ana", activity_id=merged) == [  # in the order they were imported
        ("same-run.gpx", received["same-run.gpx"]),
        ("watch.fit", received["watch.fit"]),
    ]
    again = import_paths(db=db, runner="ana", paths=[inbox, tmp_path / "export.zip"], workers=1)
    assert again.counts["imported"] == 0
    assert (_count(db, OriginalFile), _count(db, ActivityOriginal)) == (5, 6), "importing again keeps nothing twice"
    merged_again = [o.error for o in again.outcomes if "same run" in (o.error or "")]
    assert not merged_again, "a kept second recording is recognised, not merged again"
    (merged_row,) = [a for a in list_activities(db=db, runner="ana") if a["id"] == merged]
    assert len(merged_row["merged_from"]) == 1, "the second recording is not merged in again"


def test_an_activity_stored_before_files_were_kept_gets_its_file_on_the_next_import(
    db: Database, tmp_path: Path
) -> None:
    (tmp_path / "old.fit").write_bytes(fit_run())
    import_paths(db=db, runner="ana", paths=[tmp_path / "old.fit"], workers=1)
    with db.session() as s:  # as calfcare before migration 0008 left it: the activity, no file
        s.execute(delete(ActivityOriginal))
        s.execute(delete(OriginalFile))
    report = import_paths(db=db, runner="ana", paths=[tmp_path / "old.fit"], workers=1)
    (line,) = report.outcomes
    assert line.status == "duplicate" and "its original file is now kept" in (line.error or "")
    assert _originals(db) == {"old.fit": fit_run()}
    (line,) = import_paths(db=db, runner="ana", paths=[tmp_path / "old.fit"], workers=1).outcomes
    assert "original" not in (line.error or ""), "kept once: the next import skips the file by its hash"


def test_deleting_an_activity_erases_its_file_unless_another_activity_came_from_it(
    db: Database, tmp_path: Path
) -> None:
    (tmp_path / "one.fit").write_bytes(fit_run())
    (tmp_path / "two.gpx").write_bytes(
        gpx_tracks(gpx_run(START + timedelta(days=4)), gpx_run(START + timedelta(days=5), lat0=47.0))
    )
    import_paths(db=db, runner="ana", paths=[tmp_path], workers=1)
    ids = {a["originals"][0]: [] for a in list_activities(db=db, runner="ana")}
    for a in list_activities(db=db, runner="ana"):
        ids[a["originals"][0]].append(a["id"])
    delete_activity(db=db, runner="ana", activity_id=ids["one.fit"][0])
    assert set(_originals(db)) == {"two.gpx"}
    delete_activity(db=db, runner="ana", activity_id=ids["two.gpx"][0])
    assert set(_originals(db)) == {"two.gpx"}, "the file's other activity still came from it"
    delete_activity(db=db, runner="ana", activity_id=ids["two.gpx"][1])
    assert _originals(db) == {} and _count(db, ActivityOriginal) == 0


def test_another_runners_import_of_the_same_file_keeps_their_own_copy(db: Database, tmp_path: Path) -> None:
    (tmp_path / "run.fit").write_bytes(fit_run())
    for runner in ("ana", "ben"):
        import_paths(db=db, runner=runner, paths=[tmp_path / "run.fit"], workers=1)
    assert _count(db, OriginalFile) == 2
    delete_activity(db=db, runner="ana", activity_id=list_activities(db=db, runner="ana")[0]["id"])
    (ben,) = list_activities(db=db, runner="ben")
    assert original_files(db=db, runner="ben", activity_id=ben["id"]) == [("run.fit", fit_run())]


def test_an_upload_keeps_its_file_under_the_name_it_was_uploaded_with(sqlite_url: str) -> None:
    from datetime import UTC, datetime

    from calfcare.services.uploads import run_upload, store_upload

    db = open_database(sqlite_url)
    rid = db.runner_id("ana")
    data = gzip.compress(gpx_run(), mtime=0)
    upload = store_upload(db=db, runner_id=rid, filename="C:\\phone\\Morning Run.gpx.gz", data=data,
                          now=datetime.now(UTC))  # fmt: skip
    run_upload(db=db, upload_id=upload)
    assert _originals(db) == {"Morning Run.gpx.gz": data}
    db.dispose()


# -- the CLI saves them back ---------------------------------------------------------------------------------------


def test_activity_original_saves_the_files_and_never_overwrites(cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "watch.fit").write_bytes(fit_run())
    (tmp_path / "phone.gpx").write_bytes(gpx_run())
    assert runner.invoke(app, ["import", str(tmp_path / "watch.fit"), str(tmp_path / "phone.gpx"),
                               "--runner", "ana"]).exit_code == 0  # fmt: skip
    listed = json.loads(runner.invoke(app, ["activity", "list", "--runner", "ana", "--json"]).output)
    (activity,) = listed
    assert activity["originals"] == ["watch.fit", "phone.gpx"], "in the order they were imported"
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(app, ["activity", "original", str(activity["id"]), "--to", str(out), "--runner", "ana",
                                 "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = json.loads(result.output)["saved"]
    assert [Path(s["path"]).name for s in saved] == ["watch.fit", "phone.gpx"]
    assert (out / "watch.fit").read_bytes() == fit_run() and (out / "phone.gpx").read_bytes() == gpx_run()
    (out / "watch.fit").write_bytes(b"the runner's own edit")
    again = runner.invoke(app, ["activity", "original", str(activity["id"]), "--to", str(out), "--runner", "ana"])
    assert again.exit_code != 0 and "already exists; nothing was written" in again.output
    assert (out / "watch.fit").read_bytes() == b"the runner's own edit"
    missing = runner.invoke(app, ["activity", "original", "999", "--to", str(out), "--runner", "ana"])
    assert missing.exit_code != 0 and "no activity 999" in missing.output
    db = open_database(cli_env)
    with db.session() as s:  # as an activity imported before calfcare kept files
        s.execute(delete(ActivityOriginal))
    db.dispose()
    none = runner.invoke(app, ["activity", "original", str(activity["id"]), "--to", str(tmp_path), "--runner", "ana"])
    assert none.exit_code != 0 and "has no original file kept" in none.output and "import the file again" in none.output


def test_an_activity_without_a_kept_file_says_why(db: Database, tmp_path: Path) -> None:
    (tmp_path / "old.fit").write_bytes(fit_run())
    import_paths(db=db, runner="ana", paths=[tmp_path / "old.fit"], workers=1)
    with db.session() as s:
        s.execute(delete(ActivityOriginal))
    (activity,) = list_activities(db=db, runner="ana")
    assert activity["originals"] == [] and original_files(db=db, runner="ana", activity_id=activity["id"]) == []
    with pytest.raises(NotFound, match="no activity 5"):
        original_files(db=db, runner="ana", activity_id=5)
