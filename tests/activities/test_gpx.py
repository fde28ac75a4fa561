"""GPX reading: versions, extensions, quirks, refusals (files built here), and the shared corpus against gpxpy."""

from __future__ import annotations

import csv
import itertools
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from calfcare.activities.formats.gpx import NotAnActivity, parse_gpx, parse_gpx_all
from calfcare.activities.streams import build_activity
from calfcare.errors import CorruptFile, TrainingFileError, UnsafeFile, UnsupportedFormat

GPX11 = 'xmlns="http://www.topografix.com/GPX/1/1"'
TPX1 = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
TPX2 = 'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"'


def doc(body: str, *, ns: str = GPX11, extra: str = "", version: str = "1.1", creator: str = "Test Watch") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="{version}" creator="{creator}" {ns} {extra}>\n{body}\n</gpx>\n'
    )


def point(i: int, *, inner: str = "", lat0: float = 45.0) -> str:
    minute, second = divmod(i, 60)
    return (
        f'<trkpt lat="{lat0 + i * 1e-4:.6f}" lon="7.000000"><ele>{100 + i}</ele>'
        f"<time>2021-05-01T08:{minute:02d}:{second:02d}Z</time>{inner}</trkpt>"
    )


def trk(points: str, *, kind: str = "running") -> str:
    return f"<trk><name>Morning</name><type>{kind}</type><trkseg>{points}</trkseg></trk>"


def test_gpx_1_1_with_garmin_trackpoint_extension_v1_reads_hr_and_cadence() -> None:
    ext = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad>"
    ext += "</gpxtpx:TrackPointExtension></extensions>"
    body = trk("".join(point(i, inner=ext.format(hr=140 + i)) for i in range(11)))
    raw = parse_gpx(doc(body, extra=TPX1).encode())
    assert raw.sport == "run" and raw.device == "Test Watch"
    assert raw.record_count == 11
    assert raw.channels["heart_rate"].tolist() == [140.0 + i for i in range(11)]
    assert np.all(raw.channels["cadence"] == 170.0)  # one foot in the file, both feet here
    assert raw.channels["altitude"][3] == 103.0
    assert raw.time[1] - raw.time[0] == 1.0
    parsed = build_activity(raw)
    assert parsed.summary.avg_hr == 145.0
    assert parsed.summary.distance_m == pytest.approx(10 * 6_371_008.8 * math.radians(1e-4), rel=1e-4)


def test_gpx_1_1_with_trackpoint_extension_v2_reads_speed_and_ns3_prefix_works_too() -> None:
    v2 = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:speed>2.5</gpxtpx:speed><gpxtpx:hr>150</gpxtpx:hr>"
    v2 += "</gpxtpx:TrackPointExtension></extensions>"
    raw = parse_gpx(doc(trk("".join(point(i, inner=v2) for i in range(5))), extra=TPX2).encode())
    assert raw.channels["speed"].tolist() == [2.5] * 5
    ns3 = "<extensions><ns3:TrackPointExtension><ns3:hr>99</ns3:hr></ns3:TrackPointExtension></extensions>"
    extra = 'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
    raw = parse_gpx(doc(trk("".join(point(i, inner=ns3) for i in range(5))), extra=extra).encode())
    assert raw.channels["heart_rate"].tolist() == [99.0] * 5


def test_plain_heartrate_and_cadence_elements_are_read() -> None:
    inner = "<extensions><heartrate>120</heartrate><cadence>80</cadence></extensions>"
    raw = parse_gpx(doc(trk("".join(point(i, inner=inner) for i in range(4)), kind="cycling")).encode())
    assert raw.sport == "ride"
    assert raw.channels["heart_rate"].tolist() == [120.0] * 4
    assert raw.channels["cadence"].tolist() == [80.0] * 4  # a ride's cadence stays in rpm


def test_gpx_1_0_with_speed_and_no_namespace_prefix() -> None:
    pts = "".join(
        f'<trkpt lat="46.{i}" lon="14.0"><ele>300</ele><time>2012-01-01T10:00:0{i}Z</time><speed>3.{i}</speed></trkpt>'
        for i in range(5)
    )
    raw = parse_gpx(doc(f"<trk><trkseg>{pts}</trkseg></trk>", ns='xmlns="http://www.topografix.com/GPX/1/0"').encode())
    assert raw.channels["speed"].tolist() == pytest.approx([3.0, 3.1, 3.2, 3.3, 3.4])
    assert raw.sport == "other"


def test_a_break_between_segments_is_a_pause_without_distance() -> None:
    first = "".join(point(i) for i in range(5))
    second = "".join(point(i, lat0=45.01) for i in range(8, 12))
    raw = parse_gpx(doc(f"<trk><trkseg>{first}</trkseg><trkseg>{second}</trkseg></trk>").encode())
    assert len(raw.pauses) == 1
    assert raw.pauses[0][1] - raw.pauses[0][0] == 4.0
    parsed = build_activity(raw)
    step = 6_371_008.8 * math.radians(1e-4)
    assert parsed.summary.distance_m == pytest.approx(7 * step, rel=1e-3)  # not the 1 km jump


def test_times_with_an_offset_set_the_local_offset() -> None:
    pts = "".join(f'<trkpt lat="45" lon="7"><time>2021-05-01T10:00:0{i}+02:00</time></trkpt>' for i in range(3))
    raw = parse_gpx(doc(f"<trk><trkseg>{pts}</trkseg></trk>").encode())
    assert raw.utc_offset_s == 7200
    start = build_activity(raw).summary.start
    assert start.isoformat() == "2021-05-01T10:00:00+02:00"


def test_points_missing_times_out_of_order_and_duplicated_are_handled_with_warnings() -> None:
    pts = [point(i) for i in range(6)]
    pts[2] = pts[2].replace("<time>2021-05-01T08:00:02Z</time>", "")
    pts[4], pts[5] = pts[5], pts[4]
    pts.append(point(5))
    raw = parse_gpx(doc(trk("".join(pts))).encode())
    parsed = build_activity(raw)
    assert parsed.summary.elapsed_s == 5
    text = " ".join(parsed.warnings)
    assert "interpolated" in text and "sorted" in text and "repeat" in text


def test_tracks_days_apart_import_only_the_first_activity() -> None:
    day2 = "".join(point(i).replace("2021-05-01", "2021-05-03") for i in range(3))
    raw = parse_gpx(doc(trk("".join(point(i) for i in range(5))) + trk(day2)).encode())
    assert raw.record_count == 5
    assert any("only the first activity" in w for w in raw.warnings)


def test_tracks_a_day_apart_are_read_as_two_activities_with_their_own_start_distance_and_sport() -> None:
    day2 = "".join(point(i, lat0=46.0).replace("2021-05-01T08", "2021-05-02T09") for i in range(11))
    body = trk("".join(point(i) for i in range(21))) + trk(day2, kind="cycling")
    first, second = (build_activity(raw) for raw in parse_gpx_all(doc(body).encode()))
    assert (first.record_count, second.record_count) == (21, 11)
    assert first.summary.start.isoformat() == "2021-05-01T08:00:00+00:00"
    assert second.summary.start.isoformat() == "2021-05-02T09:00:00+00:00"
    assert (first.summary.elapsed_s, second.summary.elapsed_s) == (20, 10)
    # 1e-4 degree of latitude per point is about 11.1 m
    assert first.summary.distance_m == pytest.approx(20 * 11.12, rel=0.01)
    assert second.summary.distance_m == pytest.approx(10 * 11.12, rel=0.01)
    assert (first.summary.sport, second.summary.sport) == ("run", "ride")
    assert any("activity 2 of 2" in w for w in second.warnings)
    assert not any("only the first" in w for w in first.warnings + second.warnings)


def test_tracks_within_six_hours_stay_one_activity_when_reading_every_activity() -> None:
    later = "".join(point(i).replace("2021-05-01T08", "2021-05-01T13") for i in range(3))
    data = doc(trk("".join(point(i) for i in range(5))) + trk(later)).encode()
    [raw] = parse_gpx_all(data)
    single = parse_gpx(data)
    assert raw.record_count == single.record_count == 8
    assert raw.warnings == single.warnings
    assert np.array_equal(raw.time, single.time) and raw.pauses == single.pauses


def test_sessions_split_where_the_first_session_stops_in_either_time_order() -> None:
    from calfcare.activities.formats.xmlsafe import first_session, sessions

    day, hour = 86400.0, 3600.0
    time = np.array([5 * day, 5 * day + 60, 5 * day + hour, 1 * day, 1 * day + 2 * hour, np.nan, 9 * day])
    part = np.array([0, 0, 1, 2, 3, 4, 5], dtype=np.int64)
    assert sessions(time, part) == [[0, 1], [2, 3, 4], [5]]
    warnings: list[str] = []
    assert np.array_equal(first_session(time, part, "GPX tracks", warnings), np.isin(part, [0, 1]))
    assert sessions(time[:3], part[:3]) == [[0, 1]]


def test_unreadable_numbers_are_warned_about_not_fatal() -> None:
    pts = point(0) + point(1).replace('lat="45.000100"', 'lat="undefined"') + point(2).replace("<ele>102", "<ele>x")
    raw = parse_gpx(doc(trk(pts)).encode())
    assert np.isnan(raw.channels["lat"][1]) and np.isnan(raw.channels["altitude"][2])
    assert any("unreadable lat" in w for w in raw.warnings)


@pytest.mark.parametrize("hr_on_every_point", [True, False], ids=["regular", "irregular"])
def test_values_after_the_track_never_attach_to_its_last_point(hr_on_every_point: bool) -> None:
    hr = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>130</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>"
    pts = "".join(point(i, inner=hr if hr_on_every_point or i % 2 else "") for i in range(4))
    pts = pts.replace("<ele>", "<name>").replace("</ele>", "</name>")  # no altitude on the track itself
    route = '<rte><rtept lat="1" lon="2"><ele>999</ele><time>2030-01-01T00:00:00Z</time></rtept></rte>'
    raw = parse_gpx(doc(trk(pts) + route, extra=TPX1).encode())
    assert "altitude" not in raw.channels
    assert raw.record_count == 4
    assert np.isfinite(raw.channels["heart_rate"]).sum() == (4 if hr_on_every_point else 2)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('<rte><rtept lat="45" lon="7"><ele>1</ele></rtept></rte>', "no track points"),
        ('<wpt lat="45" lon="7"><name>x</name></wpt>', "no track points"),
        ("<metadata><name>only</name></metadata>", "no track points"),
        ("<trk><trkseg></trkseg></trk>", "no track points"),
        ('<trk><trkseg><trkpt lat="45" lon="7"><ele>1</ele></trkpt></trkseg></trk>', "no times"),
    ],
    ids=["route", "waypoints", "metadata", "empty-segment", "untimed-track"],
)
def test_a_gpx_without_timed_track_points_is_not_an_activity(body: str, reason: str) -> None:
    with pytest.raises(NotAnActivity, match=reason) as err:
        parse_gpx(doc(body).encode(), name="plan.gpx")
    assert err.value.reason.startswith("skipped:")
    assert str(err.value).startswith("plan.gpx: ")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<gpx version="1.1" creator="&lol4;" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&lol4;</name></trk></gpx>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&xxe;</name></trk></gpx>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_declarations_are_refused_as_unsafe(text: str) -> None:
    with pytest.raises(UnsafeFile, match="entity declarations are not allowed"):
        parse_gpx(text.encode())
    with pytest.raises(UnsafeFile):
        parse_gpx(text.encode("utf-16"))


def test_a_doctype_without_entities_is_read_and_its_dtd_never_fetched() -> None:
    body = trk("".join(point(i) for i in range(3)))
    text = doc(body).replace("<gpx", '<!DOCTYPE gpx SYSTEM "http://example.invalid/gpx.dtd">\n<gpx', 1)
    assert parse_gpx(text.encode()).record_count == 3


def test_malformed_xml_names_line_and_column() -> None:
    text = doc(trk(point(0) + point(1))).replace("</trkseg>", "</trksegg>")
    with pytest.raises(CorruptFile, match=r"GPX: not well-formed XML at line \d+, column \d+") as err:
        parse_gpx(text.encode(), name="broken.gpx")
    assert err.value.path == "broken.gpx"


def test_leading_whitespace_bom_and_utf16_are_read_leniently() -> None:
    text = doc(trk("".join(point(i) for i in range(3))))
    spaced = parse_gpx(b"\n\n   " + text.encode())
    assert spaced.record_count == 3 and any("whitespace" in w for w in spaced.warnings)
    assert parse_gpx(b"\xef\xbb\xbf" + text.encode()).record_count == 3
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    for encoded in (utf16.encode("utf-16"), utf16.encode("utf-16-le"), utf16.encode("utf-16-be")):
        raw = parse_gpx(encoded)
        assert raw.record_count == 3
        assert any("UTF-16" in w for w in raw.warnings)


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom-only"])
def test_an_empty_file_is_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptFile, match="empty"):
        parse_gpx(data)


def test_another_xml_root_is_not_gpx() -> None:
    with pytest.raises(UnsupportedFormat, match="not <gpx>"):
        parse_gpx(b"<?xml version='1.0'?><kml><Document/></kml>")


def test_a_one_hour_gpx_with_extensions_keeps_every_point_and_channel() -> None:
    # Speed is measured by benchmarks/import_export.py, not asserted here (timed tests are flaky on busy CI).
    ext = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr><gpxtpx:cad>88</gpxtpx:cad>"
    ext += "</gpxtpx:TrackPointExtension></extensions>"
    pts = "".join(
        f'<trkpt lat="{45 + i * 2e-5:.7f}" lon="7.1234567"><ele>{100 + i % 50}.5</ele>'
        f"<time>2021-05-01T{8 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z</time>{ext}</trkpt>\n"
        for i in range(3600)
    )
    raw = parse_gpx(doc(trk(pts), extra=TPX1).encode())
    assert raw.record_count == 3600
    assert raw.time[-1] - raw.time[0] == 3599
    assert set(raw.channels["heart_rate"].tolist()) == {150.0}


# ---------------------------------------------------------------- corpus conformance (gpxpy as the reference)

SESSION_GAP_S = 6 * 3600


def manifest_paths(folder: str) -> list[str]:
    """Corpus files of one folder, read at collection time (the ``corpus`` fixture skips when it is absent)."""
    shared = Path(os.environ.get("CALFCARE_SHARED", Path(__file__).resolve().parents[3] / "shared"))
    manifest = shared / "corpus" / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as fh:
        return [row["path"] for row in csv.DictReader(fh, delimiter="\t") if row["path"].startswith(folder + "/")]


def gpxpy_reference(data: bytes) -> list[dict[str, float]] | None:
    """Point count, elapsed time and 2-D length by gpxpy, per activity (tracks within 6 h of the ones before
    them; a track further away starts the next activity) and between the first and last timed point; None
    when gpxpy finds no timed track point."""
    gpxpy = pytest.importorskip("gpxpy")
    gpx = gpxpy.parse(data.decode("utf-8-sig") if not data.startswith((b"\xff\xfe", b"\xfe\xff")) else data)
    groups: list[tuple[list[object], float, float]] = []
    kept: list[object] = []
    lo, hi = math.inf, -math.inf
    for track in gpx.tracks:
        times = [p.time.timestamp() for s in track.segments for p in s.points if p.time is not None]
        if times and kept and hi > -math.inf and (min(times) - hi > SESSION_GAP_S or lo - max(times) > SESSION_GAP_S):
            groups.append((kept, lo, hi))
            kept, lo, hi = [], math.inf, -math.inf
        kept.append(track)
        if times:
            lo, hi = min(lo, *times), max(hi, *times)
    groups.append((kept, lo, hi))
    out = [ref for tracks, lo, hi in groups if (ref := _gpxpy_part(tracks, lo, hi)) is not None]
    return out or None


def _gpxpy_part(tracks: list[Any], lo: float, hi: float) -> dict[str, float] | None:
    flat = [(n, p) for t in tracks for n, s in enumerate(t.segments, start=id(t)) for p in s.points]
    timed = [i for i, (_, p) in enumerate(flat) if p.time is not None]
    if not timed:
        return None
    inner = flat[timed[0] : timed[-1] + 1]
    length = sum(a.distance_2d(b) or 0.0 for (sa, a), (sb, b) in itertools.pairwise(inner) if sa == sb)
    return {"points": float(len(flat)), "elapsed": hi - lo, "distance": length}


IMPLAUSIBLE = re.compile(r"before 1990|in the future|lasts 0 s|is impossible for")


@pytest.mark.parametrize("path", manifest_paths("gpx"))
def test_every_corpus_gpx_parses_and_agrees_with_gpxpy(corpus: Path, path: str) -> None:
    gpxpy = pytest.importorskip("gpxpy")
    data = (corpus / path).read_bytes()
    try:
        reference = gpxpy_reference(data)
    except gpxpy.gpx.GPXException:
        reference = None  # gpxpy refuses it (bad.gpx, standard.gpx): we only require a clean outcome
    try:
        parts = [build_activity(raw) for raw in parse_gpx_all(data, name=path)]
    except NotAnActivity:
        assert reference is None, "gpxpy finds timed track points, we skipped the file"
        return
    except TrainingFileError as exc:
        if IMPLAUSIBLE.search(str(exc)):  # refused on purpose: an unset clock, one point, an impossible speed
            return
        pytest.fail(f"expected to parse: {exc}")
    if reference is None:
        return
    assert len(parts) == len(reference), "one activity per group of tracks within 6 h"
    for parsed, ref in zip(parts, reference, strict=True):
        summary = parsed.summary
        assert parsed.record_count == ref["points"]
        assert summary.elapsed_s == pytest.approx(ref["elapsed"], abs=1.0)
        if ref["distance"] > 0:
            assert summary.distance_m == pytest.approx(ref["distance"], rel=0.01, abs=0.1)


def test_the_corpus_lists_the_gpx_files_expected() -> None:
    paths = manifest_paths("gpx")
    if not paths:
        pytest.skip("the shared corpus is absent")
    assert len(paths) >= 80


def test_a_time_with_an_offset_and_a_z_is_unreadable_not_a_numpy_warning() -> None:
    from calfcare.activities.formats.xmlsafe import iso_times

    times, _offset, unreadable = iso_times(["2020-01-01T00:00:00+01:00Z", "2020-01-01T00:00:01Z"])
    assert unreadable == 1 and math.isnan(times[0]) and times[1] == 1_577_836_801
