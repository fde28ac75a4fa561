"""Walking the inputs: files, folders, zip archives, Strava exports; what is refused before any parsing."""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

from test_import_fixtures import gpx_run, gz, make_zip, tcx_run

from calfcare.activities.importing import FileItem, Limits, Refusal, SummaryItem, walk
from calfcare.activities.importing.sources import unsafe_member_name

STRAVA_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename,"
    "Elapsed Time,Moving Time,Distance,Max Heart Rate,Average Heart Rate,Perceived Exertion\n"
)


def strava_csv(rows: list[str]) -> bytes:
    return (STRAVA_HEADER + "".join(r + "\n" for r in rows)).encode()


def by_label(items: list) -> dict[str, object]:
    return {i.label: i for i in items}


def test_a_folder_is_walked_recursively_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.gpx").write_bytes(gpx_run(seconds=5))
    (tmp_path / "1.tcx.gz").write_bytes(gz(tcx_run(seconds=5)))
    items = walk([tmp_path])
    assert [type(i) for i in items] == [FileItem, FileItem]
    assert [Path(i.label).relative_to(tmp_path).as_posix() for i in items] == ["1.tcx.gz", "b/2.gpx"]


def test_other_files_in_a_folder_are_skipped_but_a_named_file_is_always_tried(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    items = walk([tmp_path])
    assert len(items) == 1
    assert isinstance(items[0], Refusal) and items[0].status == "skipped"
    assert items[0].reason == "not an activity file"
    named = walk([tmp_path / "notes.txt"])
    assert isinstance(named[0], FileItem)


def test_a_path_that_does_not_exist_is_an_error_item(tmp_path: Path) -> None:
    [item] = walk([tmp_path / "nope.fit"])
    assert isinstance(item, Refusal) and item.status == "error" and item.reason == "no such file or folder"


def test_zip_members_are_labelled_archive_bang_member(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "garmin.zip", {"123_ACTIVITY.gpx": gpx_run(seconds=5)})
    [item] = walk([archive])
    assert isinstance(item, FileItem)
    assert item.label == f"{archive}!123_ACTIVITY.gpx" and item.member == "123_ACTIVITY.gpx"


def test_zip_slip_names_are_refused_and_the_rest_of_the_archive_is_kept(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "evil.zip",
        {"../escape.gpx": b"x", "/etc/abs.gpx": b"y", "ok/run.gpx": gpx_run(seconds=5), "C:/w.gpx": b"z"},
    )
    items = by_label(walk([archive]))
    for name in ("../escape.gpx", "/etc/abs.gpx", "C:/w.gpx"):
        refused = items[f"{archive}!{name}"]
        assert isinstance(refused, Refusal) and refused.status == "error"
        assert "zip-slip" in refused.reason
    assert isinstance(items[f"{archive}!ok/run.gpx"], FileItem)


def test_unsafe_member_names_are_recognised() -> None:
    assert unsafe_member_name("a/../../b.fit")
    assert unsafe_member_name("..\\b.fit")
    assert not unsafe_member_name("a/..b.fit")


def test_a_zip_expanding_beyond_the_caps_is_a_decompression_bomb(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", {"a.gpx": b"\0" * 300_000, "b.gpx": b"\0" * 300_000})
    [whole] = walk([archive], limits=Limits(max_file_bytes=10**6, max_archive_bytes=500_000))
    assert isinstance(whole, Refusal) and whole.status == "error"
    assert "decompression bomb: the archive expands to" in whole.reason
    members = walk([archive], limits=Limits(max_file_bytes=200_000, max_archive_bytes=10**7))
    assert all(isinstance(m, Refusal) and "decompression bomb: expands beyond" in m.reason for m in members)


def test_macos_resource_forks_in_a_zip_are_skipped(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "mac.zip", {"__MACOSX/._run.gpx": b"\0\5", "run.gpx": gpx_run(seconds=5)})
    items = by_label(walk([archive]))
    junk = items[f"{archive}!__MACOSX/._run.gpx"]
    assert isinstance(junk, Refusal) and junk.status == "skipped" and "macOS" in junk.reason


def test_a_broken_zip_is_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\3\4 this is not really a zip")
    [item] = walk([bad])
    assert isinstance(item, Refusal) and item.status == "error" and "not a readable zip archive" in item.reason


def test_a_strava_export_matches_rows_to_files_and_turns_manual_entries_into_summaries(tmp_path: Path) -> None:
    csv = strava_csv(
        [
            '1,"May 4, 2024, 7:30:00 AM",Lunch run,Run,1800,5.4,activities/1.gpx.gz,1800.0,1750.0,5400.0,170,150,6',
            '2,"May 5, 2024, 8:00:00 AM",Treadmill,Run,1200,3.0,,1200.0,1200.0,3000.0,,,',
            '3,"May 6, 2024, 8:00:00 AM",Lost,Run,1200,3.0,activities/3.fit.gz,1200.0,1200.0,3000.0,,,',
        ]
    )
    archive = make_zip(tmp_path / "export.zip", {"activities.csv": csv, "activities/1.gpx.gz": gz(gpx_run(seconds=5))})
    items = by_label(walk([archive]))
    matched = items[f"{archive}!activities/1.gpx.gz"]
    assert isinstance(matched, FileItem) and matched.fallback is not None
    assert matched.fallback.name == "Lunch run" and matched.fallback.rpe == 6
    manual = items[f"{archive}!activities.csv#2"]
    assert isinstance(manual, SummaryItem)
    assert manual.activity.streams is None and manual.activity.summary.elapsed_s == 1200
    assert manual.activity.summary.distance_m == 3000
    missing = items[f"{archive}!activities.csv"]
    assert isinstance(missing, Refusal) and missing.status == "skipped"
    assert "1 of 3 activities listed here have no file in this export (activities/3.fit.gz)" in missing.reason


def test_a_strava_export_folder_works_like_the_zip(tmp_path: Path) -> None:
    (tmp_path / "activities").mkdir()
    (tmp_path / "activities" / "1.gpx").write_bytes(gpx_run(seconds=5))
    (tmp_path / "activities.csv").write_bytes(
        strava_csv(['1,"May 4, 2024, 7:30:00 AM",Evening,Run,1800,5.4,activities/1.gpx,1800,1750,5400,,,'])
    )
    [item] = walk([tmp_path])
    assert isinstance(item, FileItem) and item.fallback is not None and item.fallback.name == "Evening"


def test_a_csv_that_is_not_a_strava_export_is_an_error_naming_why(tmp_path: Path) -> None:
    other = tmp_path / "laps.csv"
    other.write_text("a,b\n1,2\n")
    [item] = walk([other])
    assert isinstance(item, Refusal) and item.status == "error"
    assert item.reason.startswith("not a Strava activities.csv: not a Strava export")


def test_one_unreadable_strava_row_costs_that_row_and_keeps_the_other_activities(tmp_path: Path) -> None:
    csv = strava_csv(
        [
            '1,"May 4, 2024, 7:30:00 AM",Run with file,Run,1800,5.4,activities/1.gpx,1800,1750,5400,,,',
            '2,"May 5, 2024, 8:00:00 AM",Manual ok,Run,1200,3.0,,1200.0,1200.0,3000.0,,,',
            "3,someday,Manual bad date,Run,1200,3.0,,1200.0,1200.0,3000.0,,,",
            '4,"May 7, 2024, 8:00:00 AM",File bad number,Run,1200,3.0,activities/4.gpx,1200,lots,3000,,,',
        ]
    )
    (tmp_path / "activities").mkdir()
    (tmp_path / "activities" / "1.gpx").write_bytes(gpx_run(seconds=5))
    (tmp_path / "activities" / "4.gpx").write_bytes(gpx_run(seconds=7))
    (tmp_path / "activities.csv").write_bytes(csv)
    items = by_label(walk([tmp_path]))
    label = str(tmp_path / "activities.csv")
    assert isinstance(items[f"{label}#2"], SummaryItem)
    bad_manual = items[f"{label}#3"]
    assert isinstance(bad_manual, Refusal) and bad_manual.status == "error"
    assert "row 4: Activity Date 'someday'" in bad_manual.reason
    with_file = items[str(tmp_path / "activities" / "1.gpx")]
    assert isinstance(with_file, FileItem) and with_file.fallback is not None
    kept = items[str(tmp_path / "activities" / "4.gpx")]
    assert isinstance(kept, FileItem) and kept.fallback is None
    noted = items[f"{label}#4"]
    assert isinstance(noted, Refusal) and noted.status == "skipped"
    assert "Moving Time 'lots' is not a number" in noted.reason and "activities/4.gpx" in noted.reason


def garble_member(archive: Path, member: str) -> None:
    """Overwrite the start of a member's deflate stream with an invalid block type (zlib refuses it)."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    data = bytearray(archive.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    at = info.header_offset + 30 + name_len + extra_len
    data[at : at + 8] = b"\xff" * 8
    archive.write_bytes(bytes(data))


def test_a_garbled_activities_csv_in_a_zip_is_one_error_not_a_crash(tmp_path: Path) -> None:
    csv = strava_csv(['1,"May 4, 2024, 7:30:00 AM",Run,Run,1800,5.4,,1800,1750,5400,,,'] * 50)
    archive = make_zip(tmp_path / "export.zip", {"activities.csv": csv, "run.gpx": gpx_run(seconds=5)})
    garble_member(archive, "activities.csv")
    items = by_label(walk([archive]))
    broken = items[f"{archive}!activities.csv"]
    assert isinstance(broken, Refusal) and broken.status == "error"
    assert broken.reason.startswith("cannot be read from the archive")
    assert isinstance(items[f"{archive}!run.gpx"], FileItem)


def test_a_zip_whose_member_name_is_not_valid_utf8_is_one_error(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "names.zip", {"r\u00e9un.gpx": gpx_run(seconds=5)})
    data = archive.read_bytes().replace("r\u00e9un".encode(), b"r\xff\xfeun")  # still flagged as UTF-8
    archive.write_bytes(data)
    [item] = walk([archive])
    assert isinstance(item, Refusal) and item.status == "error" and "not a readable zip archive" in item.reason


def test_a_sub_folder_that_cannot_be_listed_is_an_error_not_silently_left_out(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "run.gpx").write_bytes(gpx_run(seconds=5))
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path):  # what a folder without read permission does (the tests may run as root)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = by_label(walk([tmp_path]))
    refusal = items[str(locked)]
    assert isinstance(refusal, Refusal) and refusal.status == "error"
    assert refusal.reason == "folder cannot be read (Permission denied): its files were not imported"
    assert isinstance(items[str(tmp_path / "ok" / "run.gpx")], FileItem)


def test_a_named_pipe_is_refused_instead_of_blocking_the_import(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "good.gpx").write_bytes(gpx_run())
    os.mkfifo(folder / "stuck.gpx")  # opening it for reading would wait for a writer forever
    items = {i.label: i for i in walk([folder])}
    assert isinstance(items[os.path.join(str(folder), "good.gpx")], FileItem)
    pipe = items[os.path.join(str(folder), "stuck.gpx")]
    assert isinstance(pipe, Refusal) and pipe.status == "skipped" and "named pipe" in pipe.reason
    given = walk([folder / "stuck.gpx"])
    assert len(given) == 1 and isinstance(given[0], Refusal) and given[0].status == "error"
