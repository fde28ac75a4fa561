"""import_paths end to end on the database (SQLite, and PostgreSQL when configured): statuses, duplicates,
one transaction per activity, bad files that never stop the batch."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_import_fixtures import START, XML_BOMB, fit_run, gpx_run, gz, make_zip, tcx_run
from test_import_sources import garble_member, strava_csv

from calfcare.activities.activity import ActivitySummary
from calfcare.activities.importing import (
    FileItem,
    ImportProgress,
    Limits,
    RunIndex,
    StoredRun,
    run_import,
    same_run,
    walk,
)
from calfcare.activities.importing.pipeline import start_method
from calfcare.activities.importing.worker import parse_item
from calfcare.activities.streams_codec import ENCODING, unpack_streams
from calfcare.errors import NotFound, StorageError
from calfcare.services.importing import import_paths, outcome_json
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityStreams


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A folder for the files to import (the SQLite database lives next to it, not in it)."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def statuses(report) -> dict[str, str]:
    return {Path(o.path).name: o.status for o in report.outcomes}


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_gpx_and_a_gzipped_tcx_are_imported_with_their_streams(db: Database, inbox: Path) -> None:
    (inbox / "a.gpx").write_bytes(gpx_run(seconds=1200))
    (inbox / "b.tcx.gz").write_bytes(gz(tcx_run(START + timedelta(days=1), seconds=900)))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert statuses(report) == {"a.gpx": "imported", "b.tcx.gz": "imported"}
    with db.session() as s:
        rows = s.scalars(select(Activity).order_by(Activity.start_utc)).all()
        assert [r.source_format for r in rows] == ["gpx", "tcx"]
        assert rows[0].elapsed_s == pytest.approx(1200, abs=1)
        assert rows[0].distance_m == pytest.approx(3600, rel=0.02)
        assert rows[0].avg_hr is not None and rows[0].record_count == 1201
        blob = s.get(ActivityStreams, rows[0].id)
        assert blob is not None and blob.encoding == ENCODING
        streams = unpack_streams(blob.data)
        assert streams.length == blob.length == 1201
        assert set(streams.channels) >= {"distance", "heart_rate", "lat", "lon"}


def test_the_json_line_of_an_import_has_exactly_the_promised_keys(db: Database, inbox: Path) -> None:
    (inbox / "a.gpx").write_bytes(gpx_run(seconds=600))
    [outcome] = import_paths(db=db, runner="ann", paths=[inbox]).outcomes
    line = outcome_json(outcome)
    assert set(line) == {"path", "status", "error", "activity"}
    assert set(line["activity"]) == {
        "id", "sport", "start", "elapsed_s", "moving_s", "distance_m", "avg_hr", "max_hr",
        "avg_cadence_spm", "elevation_gain_m", "source_format", "device",
    }  # fmt: skip
    assert line["activity"]["start"] == "2024-05-04T07:30:00+00:00"
    assert line["activity"]["sport"] == "run" and line["activity"]["id"] == outcome.activity_id


def test_the_same_file_twice_is_kept_once_even_gzipped(db: Database, inbox: Path) -> None:
    data = gpx_run(seconds=600)
    (inbox / "a.gpx").write_bytes(data)
    (inbox / "copy.gpx").write_bytes(data)
    (inbox / "z.gpx.gz").write_bytes(gz(data))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert statuses(report) == {"a.gpx": "imported", "copy.gpx": "duplicate", "z.gpx.gz": "duplicate"}
    dup = report.outcomes[1]
    assert dup.error is not None and "same content as" in dup.error and dup.error.endswith("a.gpx (already imported)")
    assert dup.activity_id == report.outcomes[0].activity_id
    assert count(db, Activity) == 1


def test_the_same_run_from_two_sources_is_kept_once(db: Database, inbox: Path) -> None:
    (inbox / "watch.gpx").write_bytes(gpx_run(seconds=1800))
    (inbox / "phone.tcx").write_bytes(tcx_run(START + timedelta(seconds=40), seconds=1790))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert statuses(report) == {"phone.tcx": "imported", "watch.gpx": "duplicate"}
    assert "same run as" in (report.outcomes[1].error or "")
    assert count(db, Activity) == 1


def test_a_run_already_stored_is_found_again_from_another_source(db: Database, inbox: Path) -> None:
    first, second = inbox / "one", inbox / "two"
    first.mkdir()
    second.mkdir()
    (first / "run.gpx").write_bytes(gpx_run(seconds=1800))
    (second / "run.tcx").write_bytes(tcx_run(START - timedelta(seconds=90), seconds=1850))
    import_paths(db=db, runner="ann", paths=[first])
    [again] = import_paths(db=db, runner="ann", paths=[second]).outcomes
    assert again.status == "duplicate" and "run.gpx" in (again.error or "")


def test_runs_three_minutes_apart_or_much_longer_are_different_runs(db: Database, inbox: Path) -> None:
    (inbox / "a.gpx").write_bytes(gpx_run(seconds=1800))
    (inbox / "b.tcx").write_bytes(tcx_run(START + timedelta(minutes=3), seconds=1800))
    (inbox / "c.tcx").write_bytes(tcx_run(START + timedelta(seconds=30), seconds=2400, lat0=48.5))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert report.counts["imported"] == 3


def test_another_runner_may_import_the_same_file(db: Database, inbox: Path) -> None:
    (inbox / "a.gpx").write_bytes(gpx_run(seconds=600))
    import_paths(db=db, runner="ann", paths=[inbox])
    [other] = import_paths(db=db, runner="bob", paths=[inbox]).outcomes
    assert other.status == "imported"


def test_importing_again_adds_nothing_and_skips_stored_content_before_parsing(db: Database, inbox: Path) -> None:
    for i in range(3):
        (inbox / f"{i}.gpx").write_bytes(gpx_run(START + timedelta(days=i), seconds=300))
    import_paths(db=db, runner="ann", paths=[inbox])
    again = import_paths(db=db, runner="ann", paths=[inbox])
    assert again.counts["duplicate"] == 3 and count(db, Activity) == 3
    assert all("already imported" in (o.error or "") for o in again.outcomes)


def test_a_file_that_cannot_be_read_is_an_error_with_the_reason() -> None:
    parsed = parse_item(FileItem("x.gpx", "/nonexistent/x.gpx"))
    assert parsed.status == "error" and parsed.reason == "cannot be read: No such file or directory"


def test_a_known_hash_stops_the_worker_before_the_parser(inbox: Path) -> None:
    import hashlib

    data = b'<?xml version="1.0"?><gpx>not even a valid track'
    (inbox / "x.gpx").write_bytes(data)
    item = FileItem("x.gpx", str(inbox / "x.gpx"))
    assert parse_item(item).status == "error"
    known = parse_item(item, known=frozenset({hashlib.sha256(data).hexdigest()}))
    assert known.status == "known" and known.summary is None


def test_bad_files_are_reported_with_reasons_and_never_stop_the_batch(db: Database, inbox: Path) -> None:
    (inbox / "a_good.gpx").write_bytes(gpx_run(seconds=600))
    (inbox / "empty.fit").write_bytes(b"")
    (inbox / "bomb.gpx").write_bytes(XML_BOMB)
    (inbox / "renamed.fit").write_bytes(gpx_run(START + timedelta(days=2), seconds=60))
    (inbox / "random.fit").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (inbox / "huge.gpx.gz").write_bytes(gz(b"<gpx>" + b" " * 3_000_000))
    (inbox / "cut.tcx.gz").write_bytes(gz(tcx_run(seconds=120))[:300])
    (inbox / "z_good.tcx").write_bytes(tcx_run(START + timedelta(days=1), seconds=600))
    report = import_paths(db=db, runner="ann", paths=[inbox], limits=Limits(max_file_bytes=2 * 1024 * 1024))
    reasons = {Path(o.path).name: (o.status, o.error) for o in report.outcomes}
    assert reasons["a_good.gpx"][0] == reasons["z_good.tcx"][0] == "imported"
    assert reasons["empty.fit"] == ("error", "empty file")
    assert reasons["bomb.gpx"][0] == "error" and "entity declarations are not allowed" in reasons["bomb.gpx"][1]
    assert reasons["renamed.fit"][0] == "error" and "wrong extension" in reasons["renamed.fit"][1]
    assert reasons["random.fit"][0] == "error" and "unknown format" in reasons["random.fit"][1]
    assert reasons["huge.gpx.gz"] == ("error", "decompression bomb: expands beyond 2 MB")
    assert reasons["cut.tcx.gz"][0] == "error" and "gzip" in reasons["cut.tcx.gz"][1]
    assert count(db, Activity) == 2 and count(db, ActivityStreams) == 2


def test_worker_processes_give_the_same_result_as_parsing_in_process(db: Database, inbox: Path) -> None:
    for i in range(10):
        (inbox / f"{i:02}.gpx").write_bytes(gpx_run(START + timedelta(days=i), seconds=200 + i))
    (inbox / "05_copy.gpx").write_bytes((inbox / "05.gpx").read_bytes())
    (inbox / "99.gpx").write_bytes(b"")
    report = import_paths(db=db, runner="ann", paths=[inbox], workers=2)
    assert [o.status for o in report.outcomes] == ["imported"] * 6 + ["duplicate"] + ["imported"] * 4 + ["error"]
    elapsed = [o.activity.elapsed_s for o in report.outcomes if o.status == "imported" and o.activity]
    assert elapsed == pytest.approx([200 + i for i in range(10)], abs=1)


def test_a_strava_export_fills_only_what_the_file_lacks_and_keeps_manual_entries(db: Database, inbox: Path) -> None:
    csv = strava_csv(
        [
            '1,"May 4, 2024, 7:30:00 AM",Lunch run,Run,600,1.8,activities/1.gpx.gz,600.0,590.0,1800.0,170,150,6',
            '2,"May 5, 2024, 8:00:00 AM",Treadmill,Run,1200,3.0,,1200.0,1200.0,3000.0,,,',
        ]
    )
    archive = make_zip(inbox / "export.zip", {"activities.csv": csv, "activities/1.gpx.gz": gz(gpx_run(seconds=600))})
    report = import_paths(db=db, runner="ann", paths=[archive])
    assert report.counts["imported"] == 2
    with db.session() as s:
        run = s.scalars(select(Activity).where(Activity.source_format == "gpx")).one()
        assert run.rpe == 6  # the file has no RPE: Strava's
        assert run.name == "Lunch run"  # activity files carry no title: Strava's
        assert run.avg_hr != 150  # the file has heart rate: the file's
        manual = s.scalars(select(Activity).where(Activity.source_format == "strava_csv")).one()
        assert manual.elapsed_s == 1200 and manual.distance_m == 3000 and manual.name == "Treadmill"
        assert s.get(ActivityStreams, manual.id) is None
    again = import_paths(db=db, runner="ann", paths=[archive])
    assert again.counts == {"imported": 0, "duplicate": 2, "skipped": 0, "error": 0}


def test_a_garmin_export_original_zip_is_imported(db: Database, inbox: Path) -> None:
    archive = make_zip(inbox / "123.zip", {"123_ACTIVITY.tcx": tcx_run(seconds=300)})
    [outcome] = import_paths(db=db, runner="ann", paths=[archive]).outcomes
    assert outcome.status == "imported" and outcome.path.endswith("123.zip!123_ACTIVITY.tcx")


def test_nothing_to_import_when_no_path_exists(db: Database, inbox: Path) -> None:
    with pytest.raises(NotFound, match="no such file or folder"):
        import_paths(db=db, runner="ann", paths=[inbox / "missing"])


def test_a_missing_path_next_to_a_real_one_is_one_error(db: Database, inbox: Path) -> None:
    (inbox / "a.gpx").write_bytes(gpx_run(seconds=60))
    report = import_paths(db=db, runner="ann", paths=[inbox / "a.gpx", inbox / "gone"])
    assert sorted(o.status for o in report.outcomes) == ["error", "imported"]


def test_the_same_run_rule_uses_start_duration_and_distance() -> None:
    base = ActivitySummary("run", START, 3600.0, 3500.0, 10000.0, None, None, None, None, "fit", None)
    assert same_run(base, replace(base, start=START + timedelta(seconds=119), elapsed_s=3700, distance_m=10400))
    assert not same_run(base, replace(base, start=START + timedelta(seconds=121)))
    assert not same_run(base, replace(base, elapsed_s=3800))
    assert not same_run(base, replace(base, distance_m=10600))
    assert same_run(base, replace(base, distance_m=None))


def test_a_folder_copied_under_another_name_is_all_duplicates(db: Database, inbox: Path) -> None:
    src = inbox / "src"
    src.mkdir()
    (src / "a.gpx").write_bytes(gpx_run(seconds=60))
    import_paths(db=db, runner="ann", paths=[src])
    shutil.copytree(src, inbox / "copy")
    [o] = import_paths(db=db, runner="ann", paths=[inbox / "copy"]).outcomes
    assert o.status == "duplicate"


def test_a_fit_and_a_gpx_of_the_same_run_are_kept_once(db: Database, inbox: Path) -> None:
    (inbox / "a_watch.fit.gz").write_bytes(gz(fit_run(seconds=2400, speed=3.2)))
    (inbox / "b_strava.gpx").write_bytes(gpx_run(START + timedelta(seconds=5), seconds=2390, speed=3.2))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert statuses(report) == {"a_watch.fit.gz": "imported", "b_strava.gpx": "duplicate"}
    fit = report.outcomes[0].activity
    assert fit is not None and fit.source_format == "fit"
    assert fit.distance_m == pytest.approx(2400 * 3.2, rel=0.01)
    assert fit.start.utcoffset() == timedelta(hours=1)  # the encoder writes local time = UTC + 1 h


def test_truncated_and_crc_broken_fit_files_are_errors(db: Database, inbox: Path) -> None:
    good = fit_run(seconds=600)
    (inbox / "cut.fit").write_bytes(good[: len(good) // 2])
    broken = bytearray(good)
    broken[len(broken) // 2] ^= 0xFF
    (inbox / "crc.fit").write_bytes(bytes(broken))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    reasons = {Path(o.path).name: (o.status, o.error or "") for o in report.outcomes}
    assert reasons["cut.fit"][0] == "error" and "truncated" in reasons["cut.fit"][1]
    assert reasons["crc.fit"][0] == "error" and "CRC" in reasons["crc.fit"][1]
    assert count(db, Activity) == 0


def test_a_fit_without_its_crc_footer_is_imported_with_a_note(db: Database, inbox: Path) -> None:
    good = fit_run(seconds=600)
    (inbox / "nofooter.fit").write_bytes(good[:-2])
    [outcome] = import_paths(db=db, runner="ann", paths=[inbox]).outcomes
    assert outcome.status == "imported"
    assert outcome.warnings, "the lenient handling must be reported"


def test_progress_is_reported_once_per_input_with_running_totals(db: Database, inbox: Path) -> None:
    (inbox / "a.gpx").write_bytes(gpx_run(seconds=60))
    (inbox / "b.fit").write_bytes(b"")
    (inbox / "c.tcx").write_bytes(tcx_run(START + timedelta(days=1), seconds=60))
    events: list[ImportProgress] = []
    import_paths(db=db, runner="ann", paths=[inbox], progress=events.append)
    assert [(e.done, e.total, e.imported) for e in events] == [(1, 3, 1), (2, 3, 1), (3, 3, 2)]
    assert [e.outcome.status for e in events] == ["imported", "error", "imported"]


def test_strava_names_the_sport_when_the_file_does_not(db: Database, inbox: Path) -> None:
    csv = strava_csv(['7,"May 4, 2024, 7:30:00 AM",Hills,Trail Run,600,1.8,activities/7.gpx,600,590,1800,,,'])
    archive = make_zip(inbox / "e.zip", {"activities.csv": csv, "activities/7.gpx": gpx_run(seconds=600, sport=None)})
    [outcome] = import_paths(db=db, runner="ann", paths=[archive]).outcomes
    assert outcome.activity is not None and outcome.activity.sport == "trail_run"


def test_workers_are_forked_only_when_no_other_thread_runs() -> None:
    import sys
    import threading

    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        pytest.skip("fork is only used on Linux, from a single-threaded process")
    assert start_method() == "fork"
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        assert start_method() == "forkserver"
    finally:
        stop.set()
        helper.join()


def test_a_crashed_worker_costs_its_files_and_the_rest_of_the_batch_is_still_imported(
    db: Database, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from calfcare.activities.importing import pipeline, worker

    if pipeline.start_method() != "fork":
        pytest.skip("the crash trigger reaches the workers only when they are forked")
    parent = os.getpid()
    real_read = worker.read_item

    def read_or_die(item: FileItem, limits: Limits) -> bytes:
        if item.label.endswith("000_crash.gpx") and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies as if the parser had crashed the process
        return real_read(item, limits)

    monkeypatch.setattr(worker, "read_item", read_or_die)
    (inbox / "000_crash.gpx").write_bytes(gpx_run(START, seconds=60))
    for i in range(1, 17):
        (inbox / f"{i:03}.gpx").write_bytes(gpx_run(START + timedelta(days=i), seconds=60))
    report = import_paths(db=db, runner="ann", paths=[inbox], workers=2)
    by_name = {Path(o.path).name: o for o in report.outcomes}
    assert by_name["000_crash.gpx"].status == "error"
    assert by_name["000_crash.gpx"].error == "the parser process crashed on this file"
    assert all(by_name[f"{i:03}.gpx"].status in ("imported", "error") for i in range(1, 17))
    assert all(by_name[f"{i:03}.gpx"].status == "imported" for i in range(9, 17))
    assert len(report.outcomes) == 17


def test_a_name_with_a_nul_character_is_stored_without_it_on_every_database(db: Database, inbox: Path) -> None:
    row = '1,"May 5, 2024, 8:00:00 AM",Track\0night,Run,1200,3.0,,1200.0,1200.0,3000.0,,,'
    (inbox / "activities.csv").write_bytes(strava_csv([row]))
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert [o.status for o in report.outcomes] == ["imported"]
    with db.session() as s:
        assert s.scalars(select(Activity.name)).one() == "Tracknight"


class _RefusingSink:
    """Stores every activity but the one named ``refuse`` (as a database refusing one row would)."""

    def __init__(self, refuse: str) -> None:
        self.refuse, self.written = refuse, []

    def write(self, parsed, *, source_path: str, replaces: int | None = None) -> int | None:
        if source_path.endswith(self.refuse):
            raise StorageError("the database refused it: value too long")
        self.written.append(source_path)
        return len(self.written)


def test_a_database_refusing_one_activity_costs_that_activity_and_the_batch_goes_on(inbox: Path) -> None:
    for i in range(3):
        (inbox / f"{i}.gpx").write_bytes(gpx_run(START + timedelta(days=i), seconds=60))
    sink = _RefusingSink("1.gpx")
    report = run_import(walk([inbox]), sink=sink, workers=1)
    assert [o.status for o in report.outcomes] == ["imported", "error", "imported"]
    assert report.outcomes[1].error == "the database refused it: value too long"
    assert [Path(p).name for p in sink.written] == ["0.gpx", "2.gpx"]


def test_a_garbled_member_of_a_zip_is_an_error_naming_the_broken_member(db: Database, inbox: Path) -> None:
    archive = make_zip(inbox / "export.zip", {"a.gpx": gpx_run(seconds=60), "b.tcx": tcx_run(START + timedelta(1))})
    garble_member(archive, "a.gpx")
    report = import_paths(db=db, runner="ann", paths=[archive])
    outcomes = {Path(o.path).name: o for o in report.outcomes}
    assert outcomes["export.zip!a.gpx"].status == "error"
    assert (outcomes["export.zip!a.gpx"].error or "").startswith("broken zip member")
    assert outcomes["export.zip!b.tcx"].status == "imported"


def test_a_recording_replaces_a_strava_manual_entry_of_the_same_run_in_either_order(db: Database, inbox: Path) -> None:
    manual = '7,"May 4, 2024, 7:30:30 AM",Typed in,Run,1800,5.4,,1800.0,1800.0,5400.0,,,'
    (inbox / "strava").mkdir()
    (inbox / "strava" / "activities.csv").write_bytes(strava_csv([manual]))
    (inbox / "watch.gpx").write_bytes(gpx_run(seconds=1800))  # 3 m/s: 5400 m, starts 30 s earlier
    report = import_paths(db=db, runner="ann", paths=[inbox / "strava", inbox / "watch.gpx"])
    assert [o.status for o in report.outcomes] == ["imported", "imported"]
    assert any("replaces" in w and "summary-only Strava entry" in w for w in report.outcomes[1].warnings)
    with db.session() as s:
        [kept] = s.scalars(select(Activity)).all()
        assert kept.source_format == "gpx" and s.get(ActivityStreams, kept.id) is not None
    again = import_paths(db=db, runner="ann", paths=[inbox / "strava", inbox / "watch.gpx"])
    assert [o.status for o in again.outcomes] == ["duplicate", "duplicate"]
    assert count(db, Activity) == 1


def test_a_manual_entry_after_its_recording_is_a_duplicate(db: Database, inbox: Path) -> None:
    (inbox / "watch.gpx").write_bytes(gpx_run(seconds=1800))
    import_paths(db=db, runner="ann", paths=[inbox / "watch.gpx"])
    manual = '7,"May 4, 2024, 7:30:30 AM",Typed in,Run,1800,5.4,,1800.0,1800.0,5400.0,,,'
    (inbox / "activities.csv").write_bytes(strava_csv([manual]))
    [o] = import_paths(db=db, runner="ann", paths=[inbox / "activities.csv"]).outcomes
    assert o.status == "duplicate" and "watch.gpx" in (o.error or "")
    with db.session() as s:
        assert s.scalars(select(Activity.source_format)).all() == ["gpx"]


def test_among_several_twins_the_index_names_the_recording_not_the_manual_entry() -> None:
    run = ActivitySummary("run", START, 1800.0, 1800.0, 5400.0, None, None, None, None, "gpx", None)
    manual = StoredRun(
        1, "a" * 64, "activities.csv#7", replace(run, start=START - timedelta(seconds=60), source_format="strava_csv")
    )
    recording = StoredRun(
        2, "b" * 64, "watch.fit", replace(run, start=START + timedelta(seconds=30), source_format="fit")
    )
    assert RunIndex([manual, recording]).same_run(run) == recording
    assert RunIndex([manual]).same_run(run) == manual
