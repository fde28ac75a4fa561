"""TCX reading: laps, multi-sport, courses, quirks and refusals (files built here), and the shared corpus
against a plain lxml walk of the same files."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from test_gpx import manifest_paths

from calfcare.activities.formats.tcx import NotAnActivity, parse_tcx, parse_tcx_all
from calfcare.activities.streams import build_activity
from calfcare.errors import CorruptFile, TrainingFileError, UnsafeFile, UnsupportedFormat

NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
START = datetime(2021, 3, 6, 9, 0, 0, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def trackpoint(t: float, *, dist: float | None = None, hr: int | None = 140, run_cadence: int | None = None) -> str:
    parts = [f"<Time>{stamp(t)}</Time>"]
    parts.append(f"<Position><LatitudeDegrees>{45 + t * 1e-4:.6f}</LatitudeDegrees>")
    parts.append("<LongitudeDegrees>7.0</LongitudeDegrees></Position><AltitudeMeters>200</AltitudeMeters>")
    if dist is not None:
        parts.append(f"<DistanceMeters>{dist}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    if run_cadence is not None:
        parts.append(f'<Extensions><TPX xmlns="{AX}"><RunCadence>{run_cadence}</RunCadence></TPX></Extensions>')
    return f"<Trackpoint>{''.join(parts)}</Trackpoint>"


def lap(start: float, seconds: int, *, metres_per_s: float = 3.0, total_time: float | None = None, **kw: int) -> str:
    points = "".join(trackpoint(start + i, dist=round((start + i) * metres_per_s, 1), **kw) for i in range(seconds))
    total = seconds if total_time is None else total_time
    return (
        f'<Lap StartTime="{stamp(start)}"><TotalTimeSeconds>{total}</TotalTimeSeconds>'
        f"<DistanceMeters>{seconds * metres_per_s}</DistanceMeters>"
        f"<AverageHeartRateBpm><Value>150</Value></AverageHeartRateBpm>"
        f"<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod><Track>{points}</Track>"
        f'<Extensions><LX xmlns="{AX}"><AvgSpeed>3.0</AvgSpeed></LX></Extensions></Lap>'
    )


def activity(laps: str, *, sport: str = "Running", device: str = "Forerunner 945") -> str:
    creator = f"<Creator><Name>{device}</Name><UnitId>1</UnitId></Creator>"
    return f'<Activity Sport="{sport}"><Id>{stamp(0)}</Id>{laps}{creator}</Activity>'


def tcx(inner: str) -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="{NS}">'
    return f"{head}{inner}</TrainingCenterDatabase>".encode()


def test_a_multi_lap_run_sums_its_laps_and_reads_every_channel() -> None:
    data = tcx(f"<Activities>{activity(lap(0, 60, run_cadence=85) + lap(60, 40, run_cadence=85))}</Activities>")
    raw = parse_tcx(data, name="run.tcx")
    assert raw.sport == "run" and raw.device == "Forerunner 945"
    assert raw.record_count == 100
    # the laps' figures, heart rate included (docs/formats.md: "totals the file reports win")
    assert raw.reported == {"timer_s": 100.0, "distance_m": 300.0, "start_epoch": START.timestamp(), "avg_hr": 150.0}
    assert raw.channels["heart_rate"].tolist() == [140.0] * 100  # the lap averages (150) are not samples
    assert np.all(raw.channels["cadence"] == 170.0)
    assert raw.channels["distance"][99] == pytest.approx(297.0)
    assert raw.pauses == []
    summary = build_activity(raw).summary
    # the laps' average heart rate, not the points'
    assert (summary.distance_m, summary.moving_s, summary.elapsed_s) == (300.0, 99.0, 99.0)
    assert summary.avg_cadence_spm == 170.0 and summary.avg_hr == 150.0


def test_the_lap_level_extension_values_never_become_samples() -> None:
    fat = '<Extensions><FatCalories xmlns="http://www.garmin.com/xmlschemas/FatCalories/v1"><Value>9</Value>'
    fat += "</FatCalories></Extensions>"
    bare = f'<Lap StartTime="{stamp(0)}"><TotalTimeSeconds>2</TotalTimeSeconds><Track>'
    bare += f"<Trackpoint><Time>{stamp(0)}</Time></Trackpoint><Trackpoint><Time>{stamp(2)}</Time></Trackpoint>"
    bare += f"</Track>{fat}</Lap>"
    raw = parse_tcx(tcx(f"<Activities>{activity(bare, sport='Other')}</Activities>"))
    assert "heart_rate" not in raw.channels


def test_a_multisport_session_is_one_track_with_sport_other() -> None:
    ride = activity(lap(0, 30, hr=120), sport="Biking")
    run = activity(lap(40, 30, hr=150), sport="Running")
    session = f"<MultiSportSession><Id>{stamp(0)}</Id><FirstSport>{ride}</FirstSport>"
    session += f"<NextSport>{run}</NextSport></MultiSportSession>"
    raw = parse_tcx(tcx(f"<Activities>{session}</Activities>"))
    assert raw.sport == "other"
    assert raw.record_count == 60
    assert raw.reported["timer_s"] == 60
    assert any("multi-sport session (ride, run)" in w for w in raw.warnings)
    assert raw.pauses == [(START.timestamp() + 29, START.timestamp() + 40)]


def test_a_multisport_session_of_one_sport_keeps_it() -> None:
    first = activity(lap(0, 10), sport="Running")
    second = activity(lap(20, 10), sport="Running")
    session = f"<MultiSportSession><FirstSport>{first}</FirstSport><NextSport>{second}</NextSport></MultiSportSession>"
    assert parse_tcx(tcx(f"<Activities>{session}</Activities>")).sport == "run"


def test_several_activities_days_apart_import_only_the_first() -> None:
    later = activity(lap(3 * 86400, 20))
    raw = parse_tcx(tcx(f"<Activities>{activity(lap(0, 10))}{later}</Activities>"))
    assert raw.record_count == 10
    assert raw.reported["timer_s"] == 10
    assert any("only the first activity (1 of 2 parts)" in w for w in raw.warnings)


def test_two_activities_days_apart_are_read_as_two_with_their_own_laps_and_sport() -> None:
    later = activity(lap(3 * 86400, 20, metres_per_s=4.0), sport="Biking")
    raws = parse_tcx_all(tcx(f"<Activities>{activity(lap(0, 10))}{later}</Activities>"))
    first, second = (build_activity(raw) for raw in raws)
    assert (first.record_count, second.record_count) == (10, 20)
    assert (raws[0].reported["timer_s"], raws[1].reported["timer_s"]) == (10, 20)
    assert first.summary.start == START and second.summary.start == START + timedelta(days=3)
    assert (first.summary.distance_m, second.summary.distance_m) == (30, 80)
    assert (first.summary.sport, second.summary.sport) == ("run", "ride")
    assert any("activity 1 of 2" in w for w in first.warnings)


def test_activities_within_six_hours_stay_one_when_reading_every_activity() -> None:
    data = tcx(f"<Activities>{activity(lap(0, 10))}{activity(lap(3600, 5))}</Activities>")
    [raw] = parse_tcx_all(data)
    single = parse_tcx(data)
    assert raw.record_count == single.record_count == 15
    assert raw.reported == single.reported and raw.warnings == single.warnings


def test_a_second_track_in_a_lap_marks_a_pause() -> None:
    points_a = "".join(trackpoint(i) for i in range(5))
    points_b = "".join(trackpoint(i) for i in range(30, 35))
    body = f'<Lap StartTime="{stamp(0)}"><TotalTimeSeconds>10</TotalTimeSeconds>'
    body += f"<Track>{points_a}</Track><Track>{points_b}</Track></Lap>"
    raw = parse_tcx(tcx(f"<Activities>{activity(body)}</Activities>"))
    assert raw.pauses == [(START.timestamp() + 4, START.timestamp() + 30)]


def test_a_course_only_tcx_is_skipped_as_not_an_activity() -> None:
    course = f"<Courses><Course><Name>Loop</Name><Track>{trackpoint(0)}{trackpoint(1)}</Track></Course></Courses>"
    with pytest.raises(NotAnActivity, match="skipped: TCX course, not an activity") as err:
        parse_tcx(tcx(course), name="loop.tcx")
    assert err.value.reason == "skipped: TCX course, not an activity"
    assert err.value.path == "loop.tcx"


def test_a_course_next_to_an_activity_is_ignored() -> None:
    course = f"<Courses><Course><Name>Loop</Name><Track>{trackpoint(500)}</Track></Course></Courses>"
    raw = parse_tcx(tcx(f"<Activities>{activity(lap(0, 10))}</Activities>{course}"))
    assert raw.record_count == 10


def test_laps_without_track_points_give_a_summary_only_activity() -> None:
    laps = f'<Lap StartTime="{stamp(0)}"><TotalTimeSeconds>600</TotalTimeSeconds><DistanceMeters>1500</DistanceMeters>'
    laps += "<Track/></Lap>"
    parsed = build_activity(parse_tcx(tcx(f"<Activities>{activity(laps, sport='Running')}</Activities>")))
    assert parsed.streams is None
    summary = parsed.summary
    assert (summary.sport, summary.start, summary.moving_s, summary.distance_m) == ("run", START, 600.0, 1500.0)


def test_an_activity_without_any_time_is_not_an_activity() -> None:
    body = "<Lap><TotalTimeSeconds>60</TotalTimeSeconds><Track><Trackpoint/></Track></Lap>"
    with pytest.raises(NotAnActivity, match="no timed track points and no timed laps"):
        parse_tcx(tcx(f"<Activities>{activity(body)}</Activities>"))


def test_an_empty_database_holds_no_activity() -> None:
    with pytest.raises(NotAnActivity, match="no activity"):
        parse_tcx(tcx("<Activities/>"))


def test_missing_distances_and_an_empty_first_point_are_tolerated() -> None:
    points = f"<Trackpoint><Time>{stamp(0)}</Time></Trackpoint>"
    points += "".join(trackpoint(i, dist=None if i % 2 else i * 3.0) for i in range(1, 9))
    body = f'<Lap StartTime="{stamp(0)}"><TotalTimeSeconds>8</TotalTimeSeconds><Track>{points}</Track></Lap>'
    raw = parse_tcx(tcx(f"<Activities>{activity(body)}</Activities>"))
    assert raw.record_count == 9
    assert np.isnan(raw.channels["distance"][[0, 1, 3]]).all()
    assert build_activity(raw).summary.distance_m == 24.0 - 6.0


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            f'<TrainingCenterDatabase xmlns="{NS}"><Activities>&b;</Activities></TrainingCenterDatabase>',
            UnsafeFile,
            "entity declarations are not allowed",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            f'<TrainingCenterDatabase xmlns="{NS}"><Activities>&e;</Activities></TrainingCenterDatabase>',
            UnsafeFile,
            "possible XML bomb / external entity",
        ),
        (f'<TrainingCenterDatabase xmlns="{NS}"><Activities>', CorruptFile, "not well-formed XML at line 1"),
        ("", CorruptFile, "empty"),
        ("<gpx/>", UnsupportedFormat, "not <TrainingCenterDatabase>"),
    ],
    ids=["bomb", "external-entity", "truncated", "empty", "wrong-root"],
)
def test_hostile_broken_and_foreign_files_are_refused_clearly(
    text: str, error: type[TrainingFileError], message: str
) -> None:
    with pytest.raises(error, match=message) as err:
        parse_tcx(text.encode(), name="x.tcx")
    assert str(err.value).startswith("x.tcx: TCX: ")


def test_leading_whitespace_and_utf16_are_read_with_a_warning() -> None:
    data = tcx(f"<Activities>{activity(lap(0, 5))}</Activities>")
    raw = parse_tcx(b"\r\n  \t" + data)
    assert raw.record_count == 5 and any("whitespace" in w for w in raw.warnings)
    raw = parse_tcx(data.decode().replace("UTF-8", "UTF-16").encode("utf-16"))
    assert raw.record_count == 5 and any("UTF-16" in w for w in raw.warnings)


# ---------------------------------------------------------------- corpus conformance (plain lxml walk)

COURSES = {"tcx/Runalyze/Route-only.tcx", "tcx/togeojson/tcx-courses.tcx", "tcx/gpsbabel/gtrnctr-readcp.tcx"}
SESSION_GAP_S = 6 * 3600


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.strip()).timestamp()


def lxml_reference(data: bytes) -> list[dict[str, float]]:
    """Trackpoints, first-to-last time and the laps' distance of each activity (``<Activity>`` elements within
    6 h of the ones before them; one further away starts the next activity), by walking the XML with lxml."""
    root = etree.fromstring(data.lstrip(), etree.XMLParser(resolve_entities=False, no_network=True))
    acts = root.findall(f"{{{NS}}}Activities//{{{NS}}}Activity")
    out: list[dict[str, float]] = []
    points = 0
    lo, hi = math.inf, -math.inf
    lap_distance = lap_timer = 0.0
    for act in acts:
        times = [
            _epoch(t.text) for t in act.iter(f"{{{NS}}}Time") if t.text and t.getparent().tag.endswith("Trackpoint")
        ]
        if times and points and (min(times) - hi > SESSION_GAP_S or lo - max(times) > SESSION_GAP_S):
            out.append({"points": points, "elapsed": _lasted(hi - lo, lap_timer), "distance": lap_distance})
            points, lo, hi, lap_distance, lap_timer = 0, math.inf, -math.inf, 0.0, 0.0
        points += sum(1 for _ in act.iter(f"{{{NS}}}Trackpoint"))
        if times:
            lo, hi = min(lo, *times), max(hi, *times)
        lap_distance += sum(float(d.text) for d in act.findall(f"{{{NS}}}Lap/{{{NS}}}DistanceMeters") if d.text)
        lap_timer += sum(float(d.text) for d in act.findall(f"{{{NS}}}Lap/{{{NS}}}TotalTimeSeconds") if d.text)
    out.append({"points": points, "elapsed": _lasted(hi - lo, lap_timer), "distance": lap_distance})
    return out


def _lasted(span: float, lap_timer: float) -> float:
    """docs/formats.md: elapsed is the samples' span, unless they span less than half the laps' timer time (a few
    points in long laps: bad.tcx holds 4 points 1 s apart in 4,566 s of laps), then the timer time."""
    return lap_timer if span < 0.5 * lap_timer else span


@pytest.mark.parametrize("path", manifest_paths("tcx"))
def test_every_corpus_tcx_parses_and_agrees_with_an_lxml_walk(corpus: Path, path: str) -> None:
    data = (corpus / path).read_bytes()
    if path in COURSES:
        with pytest.raises(NotAnActivity, match="TCX course"):
            parse_tcx_all(data, name=path)
        return
    try:
        parts = [build_activity(raw) for raw in parse_tcx_all(data, name=path)]
    except TrainingFileError as exc:
        pytest.fail(f"expected to parse: {exc}")
    reference = lxml_reference(data)
    assert len(parts) == len(reference), "one activity per group of activities within 6 h"
    for parsed, ref in zip(parts, reference, strict=True):
        assert parsed.record_count == ref["points"]
        assert parsed.summary.elapsed_s == pytest.approx(ref["elapsed"], abs=1.0)
        if ref["distance"] > 0:
            assert parsed.summary.distance_m == pytest.approx(ref["distance"], rel=0.01)


def test_the_corpus_lists_the_tcx_files_expected() -> None:
    paths = manifest_paths("tcx")
    if not paths:
        pytest.skip("the shared corpus is absent")
    assert len(paths) >= 40
    assert set(paths) >= COURSES
