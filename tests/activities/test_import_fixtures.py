"""Small activity files built in the tests themselves (GPX, TCX, FIT via the repo's encoder), gzip and zip
helpers, and a few checks that the builders make what the importer expects. Other import tests import
these builders (``from test_import_fixtures import …``)."""

from __future__ import annotations

import gzip
import io
import math
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from calfcare.activities.formats import detect_format
from calfcare.activities.formats.fit_encode import encode_run

START = datetime(2024, 5, 4, 7, 30, tzinfo=UTC)


def _points(
    start: datetime, seconds: int, speed: float, lat0: float, step: int
) -> list[tuple[datetime, float, float, int]]:
    """A run at constant ``speed`` along a gently curving path, one point every ``step`` seconds."""
    out = []
    lat, lon = lat0, 11.0
    metres_per_deg = 111_195.0
    for i in range(seconds + 1):
        if i % step == 0 or i == seconds:
            out.append((start + timedelta(seconds=i), lat, lon, 140 + (i // 60) % 20))
        heading = i / 600
        lat += speed * math.cos(heading) / metres_per_deg
        lon += speed * math.sin(heading) / (metres_per_deg * math.cos(math.radians(lat)))
    return out


def gpx_run(
    start: datetime = START,
    seconds: int = 1800,
    speed: float = 3.0,
    lat0: float = 48.0,
    step: int = 1,
    sport: str | None = "running",
) -> bytes:
    """A GPX 1.1 run with time, position and Garmin heart-rate extension at every ``step`` seconds."""
    pts = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>500</ele><time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time>'
        f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>"
        f"</gpxtpx:TrackPointExtension></extensions></trkpt>"
        for t, lat, lon, hr in _points(start, seconds, speed, lat0, step)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="calfcare tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>Test run</name>{f'<type>{sport}</type>' if sport else ''}<trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def tcx_run(start: datetime = START, seconds: int = 1800, speed: float = 3.0, lat0: float = 48.0) -> bytes:
    """A TCX run (one lap) with time, position, distance and heart rate every second."""
    pts = "".join(
        f"<Trackpoint><Time>{t.strftime('%Y-%m-%dT%H:%M:%SZ')}</Time><Position>"
        f"<LatitudeDegrees>{lat:.7f}</LatitudeDegrees><LongitudeDegrees>{lon:.7f}</LongitudeDegrees></Position>"
        f"<DistanceMeters>{speed * (t - start).total_seconds():.1f}</DistanceMeters>"
        f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm></Trackpoint>"
        for t, lat, lon, hr in _points(start, seconds, speed, lat0, 1)
    )
    stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{stamp}</Id><Lap StartTime="{stamp}">'
        f"<TotalTimeSeconds>{seconds}</TotalTimeSeconds><DistanceMeters>{speed * seconds:.1f}</DistanceMeters>"
        f"<Track>{pts}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def fit_run(start: datetime = START, seconds: int = 1800, speed: float = 3.0, lat0: float = 48.0) -> bytes:
    """A FIT run (1 Hz records, session totals) from the repo's encoder."""
    return encode_run(start, seconds, speed_ms=speed, lat0=lat0)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


XML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n <!ENTITY lol "lol">\n'
    b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
    b'<gpx version="1.1" creator="x"><trk><name>&lol3;</name></trk></gpx>'
)


def test_the_built_files_are_recognised_by_content_and_name() -> None:
    assert detect_format("run.fit", fit_run(seconds=10)) == "fit"
    assert detect_format("run.gpx", gpx_run(seconds=10)) == "gpx"
    assert detect_format("run.tcx", tcx_run(seconds=10)) == "tcx"


def test_the_zip_helper_writes_every_member(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "x.zip", {"a/b.gpx": b"1", "c.txt": b"2"})
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["a/b.gpx", "c.txt"]
