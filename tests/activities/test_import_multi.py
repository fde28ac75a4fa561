"""Files that hold several activities (GPX tracks / TCX activities more than 6 h apart): every one is imported,
each in its own transaction under its own content hash, reported as ``file``, ``file#2``, ``file#3`` …"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from test_import_fixtures import START, gpx_run, tcx_run

from calfcare.activities.importing import FileItem, ImportProgress, RunIndex
from calfcare.activities.importing.worker import parse_chunk, parse_item_all, part_sha256
from calfcare.services.importing import DatabaseSink, import_paths, outcome_json
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityStreams


def gpx_tracks(*runs: bytes) -> bytes:
    """One GPX holding the ``<trk>`` of each run, in this order."""
    tracks = [re.search(rb"<trk>.*</trk>", run, re.S).group(0) for run in runs]  # type: ignore[union-attr]
    head = runs[0][: runs[0].index(b"<trk>")]
    return head + b"".join(tracks) + b"</gpx>"


def tcx_activities(*runs: bytes) -> bytes:
    """One TCX holding the ``<Activity>`` of each run, in this order."""
    acts = [re.search(rb"<Activity .*</Activity>", run, re.S).group(0) for run in runs]  # type: ignore[union-attr]
    head = runs[0][: runs[0].index(b"<Activity ")]
    return head + b"".join(acts) + b"</Activities></TrainingCenterDatabase>"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def rows(db: Database) -> list[Activity]:
    with db.session() as s:
        return list(s.scalars(select(Activity).order_by(Activity.start_utc)).all())


def test_a_gpx_with_two_tracks_a_day_apart_imports_two_activities(db: Database, inbox: Path) -> None:
    data = gpx_tracks(gpx_run(seconds=600), gpx_run(START + timedelta(days=1), seconds=1200, speed=2.5))
    (inbox / "two.gpx").write_bytes(data)
    events: list[ImportProgress] = []
    report = import_paths(db=db, runner="ann", paths=[inbox], progress=events.append)
    first, second = report.outcomes
    assert (Path(first.path).name, Path(second.path).name) == ("two.gpx", "two.gpx#2")
    assert (first.status, second.status) == ("imported", "imported")
    assert all(e.done <= e.total for e in events) and events[-1].total == 2
    stored = rows(db)
    assert [r.start_utc.replace(tzinfo=None) for r in stored] == [
        START.replace(tzinfo=None),
        (START + timedelta(days=1)).replace(tzinfo=None),
    ]
    assert stored[0].elapsed_s == pytest.approx(600, abs=1) and stored[1].elapsed_s == pytest.approx(1200, abs=1)
    assert stored[0].distance_m == pytest.approx(1800, rel=0.02)
    assert stored[1].distance_m == pytest.approx(3000, rel=0.02)
    assert [r.content_sha256 for r in stored] == [part_sha256(data, 1), part_sha256(data, 2)]
    assert stored[1].source_path is not None and stored[1].source_path.endswith("two.gpx#2")
    with db.session() as s:
        assert len(s.scalars(select(ActivityStreams.activity_id)).all()) == 2


def test_a_tcx_with_two_activities_days_apart_imports_two_activities(db: Database, inbox: Path) -> None:
    data = tcx_activities(tcx_run(seconds=900), tcx_run(START + timedelta(days=3), seconds=300, speed=3.5))
    (inbox / "two.tcx").write_bytes(data)
    report = import_paths(db=db, runner="ann", paths=[inbox])
    assert [(Path(o.path).name, o.status) for o in report.outcomes] == [
        ("two.tcx", "imported"),
        ("two.tcx#2", "imported"),
    ]
    stored = rows(db)
    assert [round(r.distance_m or 0) for r in stored] == [2700, 1050]
    assert [round(r.elapsed_s) for r in stored] == [900, 300]
    assert all("activity" in " ".join(r.extra["warnings"]) for r in stored)


def test_importing_a_several_activity_file_again_adds_nothing(db: Database, inbox: Path) -> None:
    (inbox / "two.gpx").write_bytes(gpx_tracks(gpx_run(seconds=300), gpx_run(START + timedelta(days=2), seconds=300)))
    import_paths(db=db, runner="ann", paths=[inbox])
    again = import_paths(db=db, runner="ann", paths=[inbox])
    assert [o.status for o in again.outcomes] == ["duplicate", "duplicate"]
    assert all("already imported" in (o.error or "") for o in again.outcomes)
    assert len(rows(db)) == 2


def test_an_import_killed_between_the_parts_completes_without_duplicates(db: Database, inbox: Path) -> None:
    runs = [gpx_run(START + timedelta(days=i), seconds=300) for i in range(3)]
    (inbox / "three.gpx").write_bytes(gpx_tracks(*runs))
    import_paths(db=db, runner="ann", paths=[inbox])
    with db.session() as s:  # as if killed after the first part's transaction
        s.execute(delete(Activity).where(Activity.source_path.like("%#%")))
    again = import_paths(db=db, runner="ann", paths=[inbox])
    assert [o.status for o in again.outcomes] == ["duplicate", "imported", "imported"]
    assert len(rows(db)) == 3


def test_a_file_stored_whole_before_parts_existed_gains_its_other_activities(db: Database, inbox: Path) -> None:
    data = gpx_tracks(gpx_run(seconds=300), gpx_run(START + timedelta(days=1), seconds=300))
    (inbox / "two.gpx").write_bytes(data)
    import_paths(db=db, runner="ann", paths=[inbox])
    cut = "the file holds GPX tracks more than 6 h apart (separate activities); only the first activity (1 of 2 parts)"
    with db.session() as s:  # the old importer: the first activity only, under the file's own hash, with a warning
        s.execute(delete(Activity).where(Activity.source_path.like("%#2")))
        s.execute(update(Activity).values(content_sha256=hashlib.sha256(data).hexdigest(), extra={"warnings": [cut]}))
    again = import_paths(db=db, runner="ann", paths=[inbox])
    assert [o.status for o in again.outcomes] == ["duplicate", "imported"]
    assert "same run" in (again.outcomes[0].error or "")
    assert len(rows(db)) == 2
    assert [o.status for o in import_paths(db=db, runner="ann", paths=[inbox]).outcomes] == ["duplicate"] * 2


def test_only_files_stored_cut_short_lose_the_skip_before_parsing(db: Database, inbox: Path) -> None:
    (inbox / "one.gpx").write_bytes(gpx_run(seconds=300))
    (inbox / "old.gpx").write_bytes(gpx_run(START + timedelta(days=1), seconds=300))
    import_paths(db=db, runner="ann", paths=[inbox])
    with db.session() as s:
        old = {"warnings": ["GPX tracks … only the first activity (1 of 3 parts) was imported"]}
        s.execute(update(Activity).where(Activity.source_path.like("%old.gpx")).values(extra=old))
    stored = DatabaseSink(db, db.runner_id("ann")).stored()
    assert sorted((Path(r.source_path or "").name, r.cut_short) for r in stored) == [
        ("old.gpx", True),
        ("one.gpx", False),
    ]
    assert RunIndex(stored).hashes == {r.content_sha256 for r in stored if not r.cut_short}


def test_each_activity_of_a_file_is_its_own_json_line(db: Database, inbox: Path) -> None:
    (inbox / "two.tcx").write_bytes(tcx_activities(tcx_run(seconds=300), tcx_run(START + timedelta(days=1))))
    lines = [outcome_json(o) for o in import_paths(db=db, runner="ann", paths=[inbox]).outcomes]
    assert [Path(line["path"]).name for line in lines] == ["two.tcx", "two.tcx#2"]
    assert all(set(line) == {"path", "status", "error", "activity"} for line in lines)
    assert lines[1]["activity"]["start"] == (START + timedelta(days=1)).isoformat()
    assert lines[0]["activity"]["id"] != lines[1]["activity"]["id"]


def test_a_worker_chunk_returns_every_activity_and_skips_parts_already_stored(inbox: Path) -> None:
    data = gpx_tracks(gpx_run(seconds=120), gpx_run(START + timedelta(days=1), seconds=120))
    (inbox / "two.gpx").write_bytes(data)
    (inbox / "one.gpx").write_bytes(gpx_run(seconds=60))
    items = [FileItem("two.gpx", str(inbox / "two.gpx")), FileItem("one.gpx", str(inbox / "one.gpx"))]
    assert [(p.label, p.status) for p in parse_chunk(items)] == [
        ("two.gpx", "ok"),
        ("two.gpx#2", "ok"),
        ("one.gpx", "ok"),
    ]
    known = parse_item_all(items[0], known=frozenset({part_sha256(data, 2)}))
    assert [(p.label, p.status, p.summary is None) for p in known] == [
        ("two.gpx", "ok", False),
        ("two.gpx#2", "known", True),
    ]


def test_a_one_activity_file_keeps_its_plain_hash_and_label(db: Database, inbox: Path) -> None:
    data = gpx_run(seconds=300)
    (inbox / "one.gpx").write_bytes(data)
    [outcome] = import_paths(db=db, runner="ann", paths=[inbox]).outcomes
    assert Path(outcome.path).name == "one.gpx" and outcome.status == "imported"
    assert [r.content_sha256 for r in rows(db)] == [hashlib.sha256(data).hexdigest()]
