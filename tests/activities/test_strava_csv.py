"""Strava's activities.csv: both layouts, duplicated columns, locale numbers and dates, manual entries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calfcare.activities.formats.strava_csv import parse_number, parse_strava_date, read_activities_csv
from calfcare.errors import CorruptFile, UnsupportedFormat

# The 2021 layout (no early "Max Heart Rate"; junk <span> header cells) and the 2022+ layout.
JUNK_TYPE = '<span class="translation_missing" title="translation missing: en-US.lib.export.type">Type</span>'
LAYOUT_2021 = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description", "Elapsed Time",
    "Distance", "Relative Effort", "Commute", "Activity Gear", "Filename", "Athlete Weight", "Bike Weight",
    "Elapsed Time", "Moving Time", "Distance", "Max Speed", "Average Speed", "Elevation Gain", "Elevation Loss",
    "Max Heart Rate", "Average Heart Rate", "Relative Effort", "Perceived Exertion", JUNK_TYPE, "Commute",
]  # fmt: skip
LAYOUT_2022 = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description", "Elapsed Time",
    "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note", "Activity Gear",
    "Filename", "Athlete Weight", "Bike Weight", "Elapsed Time", "Moving Time", "Distance", "Max Speed",
    "Average Speed", "Elevation Gain", "Max Heart Rate", "Average Heart Rate", "Perceived Exertion",
]  # fmt: skip


def write_csv(header: list[str], rows: list[dict[tuple[str, int], str]]) -> bytes:
    """Rows given as {(column name, occurrence): value}; everything else empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for values in rows:
        seen: dict[str, int] = {}
        line = []
        for name in header:
            n = seen.get(name, 0)
            seen[name] = n + 1
            line.append(values.get((name, n), ""))
        writer.writerow(line)
    return out.getvalue().encode("utf-8")


def base_row(**extra: str) -> dict[tuple[str, int], str]:
    row = {
        ("Activity ID", 0): "4242",
        ("Activity Date", 0): "Jan 2, 2021, 7:12:45 AM",
        ("Activity Name", 0): "Easy run, with friends",
        ("Activity Type", 0): "Run",
        ("Elapsed Time", 0): "1809",
        ("Distance", 0): "5.01",
        ("Filename", 0): "activities/4242.fit.gz",
        ("Elapsed Time", 1): "1809.0",
        ("Moving Time", 0): "1750.0",
        ("Distance", 1): "5012.5",
        ("Elevation Gain", 0): "31.5",
        ("Average Heart Rate", 0): "151.2",
        ("Perceived Exertion", 0): "6.0",
    }
    row.update({(k.replace("_", " "), 0): v for k, v in extra.items()})
    return row


@pytest.mark.parametrize("header", [LAYOUT_2021, LAYOUT_2022], ids=["2021", "2022"])
def test_both_layouts_read_the_metre_distance_and_precise_elapsed_time(header: list[str]) -> None:
    (row,) = read_activities_csv(write_csv(header, [base_row()]))
    assert row.activity_id == "4242"
    assert row.name == "Easy run, with friends"  # quoted comma survives
    assert (row.activity_type, row.sport) == ("Run", "run")
    assert row.start == datetime(2021, 1, 2, 7, 12, 45, tzinfo=UTC)
    assert (row.elapsed_s, row.moving_s, row.distance_m) == (1809.0, 1750.0, 5012.5)
    assert (row.avg_hr, row.elevation_gain_m, row.rpe) == (151.2, 31.5, 6.0)
    assert row.filename == "activities/4242.fit.gz" and not row.is_manual


def test_max_heart_rate_comes_from_whichever_duplicate_is_filled() -> None:
    early = base_row()
    early[("Max Heart Rate", 0)] = "181.0"
    late = base_row()
    late[("Max Heart Rate", 1)] = "177.0"
    rows = read_activities_csv(write_csv(LAYOUT_2022, [early, late]))
    assert [r.max_hr for r in rows] == [181.0, 177.0]


def test_a_manual_entry_has_no_file_and_becomes_a_summary_only_activity() -> None:
    row = base_row(Activity_Type="Trail Run")
    row[("Filename", 0)] = ""
    (manual,) = read_activities_csv(write_csv(LAYOUT_2021, [row]))
    assert manual.is_manual and manual.filename is None
    parsed = manual.to_activity()
    assert parsed.streams is None
    summary = parsed.summary
    assert (summary.sport, summary.source_format, summary.name) == ("trail_run", "strava_csv", "Easy run, with friends")
    assert (summary.elapsed_s, summary.distance_m, summary.rpe) == (1809.0, 5012.5, 6.0)
    assert summary.start.tzinfo is not None


def test_without_the_metre_column_the_display_distance_is_used() -> None:
    run = base_row(Distance="5,01")
    del run[("Distance", 1)]
    swim = base_row(Activity_Type="Swim", Distance="1,609")
    del swim[("Distance", 1)]
    rows = read_activities_csv(write_csv(LAYOUT_2021, [run, swim]))
    assert rows[0].distance_m == pytest.approx(5010.0)  # km with a decimal comma
    assert rows[1].distance_m == pytest.approx(1609.0)  # swims are shown in metres, comma for thousands


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 2, 2021, 7:12:45 AM", (2021, 1, 2, 7, 12, 45)),
        ("Oct 6, 2022, 11:19:20 PM", (2022, 10, 6, 23, 19, 20)),
        ("Dec 31, 2020, 12:05:00 AM", (2020, 12, 31, 0, 5, 0)),
        ("2 Jan 2021, 07:12:45", (2021, 1, 2, 7, 12, 45)),
        ("2 janv. 2021, 07:12:45", (2021, 1, 2, 7, 12, 45)),
        ("5 juin 2021, 12:00:00", (2021, 6, 5, 12, 0, 0)),
        ("5 juil. 2021, 12:00:00", (2021, 7, 5, 12, 0, 0)),
        ("12 déc. 2020 à 18:00:01", (2020, 12, 12, 18, 0, 1)),
        ("3. März 2021, 19:01:02", (2021, 3, 3, 19, 1, 2)),
        ("2 de ene. de 2021 7:12:45", (2021, 1, 2, 7, 12, 45)),
        ("31 dic 2020, 12:05:00 p. m.", (2020, 12, 31, 12, 5, 0)),
        ("02.01.2021, 07:12:45", (2021, 1, 2, 7, 12, 45)),
        ("01/13/2021 10:00:00", (2021, 1, 13, 10, 0, 0)),
        ("2021-01-02 07:12:45", (2021, 1, 2, 7, 12, 45)),
        ("2021-01-02T07:12:45Z", (2021, 1, 2, 7, 12, 45)),
    ],
)
def test_activity_dates_in_several_locales_are_read_as_utc(text: str, expected: tuple[int, ...]) -> None:
    assert parse_strava_date(text) == datetime(*expected, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "Jan 2021", "12:00:00", ""])
def test_text_that_is_no_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_strava_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.43", 2.43), ("2,43", 2.43), ("1,609", 1609.0), ("1.234,5", 1234.5), ("1 234,5", 1234.5), ("", None)],
)
def test_numbers_with_locale_separators(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_a_bad_date_names_the_row_and_column() -> None:
    with pytest.raises(CorruptFile, match=r"activities\.csv: row 3: Activity Date 'soon' is not a date"):
        read_activities_csv(write_csv(LAYOUT_2021, [base_row(), base_row(Activity_Date="soon")]))


def test_a_bad_number_names_the_row_and_column() -> None:
    with pytest.raises(CorruptFile, match=r"row 2: Moving Time 'fast' is not a number"):
        read_activities_csv(write_csv(LAYOUT_2021, [base_row(Moving_Time="fast")]))


def test_a_csv_that_is_not_a_strava_export_is_refused() -> None:
    with pytest.raises(UnsupportedFormat, match="no 'Activity Date' column"):
        read_activities_csv(b"Activity ID,Name\n1,x\n")
    with pytest.raises(CorruptFile, match="empty"):
        read_activities_csv(b"")


def test_blank_lines_and_a_byte_order_mark_are_ignored() -> None:
    data = b"\xef\xbb\xbf" + write_csv(LAYOUT_2021, [base_row()]) + b"\r\n,,,\r\n"
    assert [r.activity_id for r in read_activities_csv(data)] == ["4242"]


# ---------------------------------------------------------------- the three real exports in the corpus

REAL = {
    "strava/DillM94-Strava/activities.csv": (143, 0),
    "strava/Mattwasd-Strava/activities.csv": (112, 6),
    "strava/AakashB-1996-Strava_Analysis/activities.csv": (610, 3),
}


@pytest.mark.parametrize("path", sorted(REAL))
def test_the_real_exports_read_completely(corpus: Path, path: str) -> None:
    data = (corpus / path).read_bytes()
    rows = read_activities_csv(data)
    expected_rows, expected_manual = REAL[path]
    assert len(rows) == expected_rows
    assert sum(r.is_manual for r in rows) == expected_manual
    reference = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header = reference[0]
    metres = [i for i, name in enumerate(header) if name == "Distance"][1]
    for row, line in zip(rows, reference[1:], strict=True):
        assert row.activity_id == line[0]
        assert row.start.tzinfo == UTC and 2015 <= row.start.year <= 2026
        assert row.elapsed_s > 0
        if line[metres]:
            assert row.distance_m == pytest.approx(float(line[metres]))
        assert row.filename is None or row.filename.startswith("activities/")
    for row in rows:
        assert row.to_activity(lenient=True).summary.elapsed_s == row.elapsed_s
