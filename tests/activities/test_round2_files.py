"""Issue #9, items 1 and 3, on small files the tests make: the sport of untyped files, the FIT session start, heart
rate 0, cadence plausibility, implausible recordings refused with a reason, a track split at a vehicle leg or a long
gap, swims without climb, TCX heart rate from the laps, and XML errors that name a line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from calfcare.activities.activity import RawTrack
from calfcare.activities.formats import parse_raw_all
from calfcare.activities.formats.fit_encode import encode_run
from calfcare.activities.infer import cadence_factor, infer_sport, sport_from_words
from calfcare.activities.streams import build_activity
from calfcare.errors import CorruptFile, UnsupportedFormat

START = datetime(2024, 5, 4, 7, 30, tzinfo=UTC)


def gpx(
    legs: list[tuple[float, float]],
    *,
    name: str | None = None,
    desc: str | None = None,
    start: datetime = START,
    sport: str | None = None,
    gap_after: dict[int, float] | None = None,
    ele: float | None = None,
) -> bytes:
    """A GPX track heading north: ``legs`` = (seconds, m/s) one after the other, one point a second;
    ``gap_after`` = {leg index: seconds of silence after it}."""
    points, t, north = [], start.timestamp(), 0.0
    for index, (seconds, speed) in enumerate(legs):
        for _ in range(int(seconds)):
            lat = 48.0 + north / 111_195.0
            stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            alt = f"<ele>{ele + (t % 7) * 2:.1f}</ele>" if ele is not None else ""
            points.append(f'<trkpt lat="{lat:.7f}" lon="11.0">{alt}<time>{stamp}</time></trkpt>')
            t += 1
            north += speed
        t += (gap_after or {}).get(index, 0.0)
    head = "".join(f"<{tag}>{text}</{tag}>" for tag, text in (("name", name), ("desc", desc), ("type", sport)) if text)
    body = f"<trk>{head}<trkseg>{''.join(points)}</trkseg></trk>"
    return f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>'.encode()


def one(data: bytes, name: str = "a.gpx", **kw: object) -> object:
    (raw,) = parse_raw_all(data, name=name)
    return build_activity(raw, **kw)  # type: ignore[arg-type]


# --- item 1: the sport of untyped files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "sport"),
    [
        ("Afternoon Run", "run"),
        ("Lauf am Morgen", "run"),
        ("Footing du dimanche", "run"),
        ("Course à pied", "run"),
        ("Trail run in the hills", "trail_run"),
        ("Wanderung", "walk"),
        ("Sortie vélo", "ride"),
    ],
)
def test_an_untyped_gpx_takes_its_sport_from_its_name(title: str, sport: str) -> None:
    speed = {"run": 2.9, "trail_run": 2.5, "walk": 1.3, "ride": 7.0}[sport]
    parsed = one(gpx([(900, speed)], name=title))
    assert parsed.summary.sport == sport  # type: ignore[attr-defined]
    assert "name" in (parsed.summary.sport_inferred or "")  # type: ignore[attr-defined]
    assert parsed.summary.name == title  # type: ignore[attr-defined]


def test_an_untyped_nameless_gpx_takes_its_sport_from_its_pace_and_otherwise_stays_other() -> None:
    assert one(gpx([(1200, 3.0)])).summary.sport == "run"  # type: ignore[attr-defined]
    assert one(gpx([(1200, 1.3)])).summary.sport == "walk"  # type: ignore[attr-defined]
    assert one(gpx([(1200, 2.05)])).summary.sport == "other"  # between a brisk walk and a jog: unknown
    typed = one(gpx([(1200, 1.3)], name="Afternoon Run", sport="running"))
    assert typed.summary.sport == "run" and typed.summary.sport_inferred is None  # type: ignore[attr-defined]


def test_words_and_profile_give_a_confidence() -> None:
    speed = np.full(600, 3.0)
    assert infer_sport(title="Morning Run", description=None, speed=speed, cadence=None).confidence == 0.9  # type: ignore[union-attr]
    contradicted = infer_sport(title="Morning Run", description=None, speed=np.full(600, 9.0), cadence=None)
    assert contradicted is not None and contradicted.sport == "run" and contradicted.confidence < 0.9
    assert sport_from_words("Dauerlauf") == ("run", "dauerlauf")
    assert sport_from_words("Board meeting") is None


def _tcx(
    sport: str,
    speed: float,
    notes: str | None = None,
    seconds: int = 900,
    *,
    first: int = 0,
    lap: str | None = None,
    hr: int | None = None,
) -> bytes:
    """A one-lap TCX: a point a second from ``first`` s after START for ``seconds`` s at ``speed``; ``lap`` = the lap's
    own figures (default: its timer time); ``hr`` = every point's heart rate."""
    ns = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    stamp = START.strftime("%Y-%m-%dT%H:%M:%SZ")
    beat = f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>" if hr else ""
    points = "".join(
        f"<Trackpoint><Time>{(START + timedelta(seconds=first + i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</Time>"
        f"<DistanceMeters>{(first + i) * speed:.1f}</DistanceMeters>{beat}</Trackpoint>"
        for i in range(seconds)
    )
    figures = lap if lap is not None else f"<TotalTimeSeconds>{seconds}</TotalTimeSeconds>"
    laps = f'<Lap StartTime="{stamp}">{figures}<Track>{points}</Track></Lap>'
    extra = f"<Notes>{notes}</Notes>" if notes else ""
    body = f'<Activity Sport="{sport}"><Id>{stamp}</Id>{laps}{extra}</Activity>'
    return f'<TrainingCenterDatabase xmlns="{ns}"><Activities>{body}</Activities></TrainingCenterDatabase>'.encode()


def test_an_untyped_tcx_takes_its_sport_from_its_notes_or_its_pace() -> None:
    by_notes = one(_tcx("Other", 1.3, notes="Lauf am Abend, locker"), "a.tcx").summary  # type: ignore[attr-defined]
    assert by_notes.sport == "run" and "description" in (by_notes.sport_inferred or "")
    by_pace = one(_tcx("Other", 3.0), "b.tcx").summary  # type: ignore[attr-defined]
    assert by_pace.sport == "run" and "speed profile" in (by_pace.sport_inferred or "")
    assert one(_tcx("Other", 2.05), "c.tcx").summary.sport == "other"  # type: ignore[attr-defined]
    typed = one(_tcx("Biking", 3.0, notes="Lauf"), "d.tcx").summary  # type: ignore[attr-defined]
    assert typed.sport == "ride" and typed.sport_inferred is None  # the file's own type comes first


def test_a_sparse_tcx_lasts_its_laps_timer_time_not_the_seconds_its_few_points_span() -> None:
    """Three trackpoints 1 s apart in a 30-minute, 5.4 km lap: stored as 5.4 km in 2 s (2.7 km/s), the run's pace,
    duration and session load were nonsense; the laps' timer time is the least it lasted."""
    lap = "<TotalTimeSeconds>1800</TotalTimeSeconds><DistanceMeters>5400</DistanceMeters>"
    parsed = one(_tcx("Running", 3.0, seconds=3, first=600, lap=lap, hr=140), "sparse.tcx")
    summary = parsed.summary  # type: ignore[attr-defined]
    assert any("span 2 s of the laps' 1800 s" in w for w in parsed.warnings)  # type: ignore[attr-defined]
    assert (summary.elapsed_s, summary.moving_s, summary.distance_m) == (1800.0, 1800.0, 5400.0)  # type: ignore[attr-defined]
    assert summary.start == START  # type: ignore[attr-defined]


def test_a_bike_whose_cadence_reads_as_one_foot_is_no_run() -> None:
    """An untyped GPX from a cycling app: 5.4 m/s at 76 rpm. Read as one foot's cadence (152 spm) it looked like a
    run, but that is a 2.1 m step at 19 km/h; it was counted as 21 km of running. A real run's per-foot cadence
    still makes a run."""
    t = START.timestamp() + np.arange(1800.0)
    bike = RawTrack("gpx", t, {"speed": np.full(1800, 5.4), "cadence": np.full(1800, 76.0)})
    parsed = build_activity(bike)
    assert parsed.summary.sport == "ride"
    assert "pedalling cadence" in (parsed.summary.sport_inferred or "")
    assert not any("cadence doubled" in w for w in parsed.warnings)
    run = RawTrack("gpx", t, {"speed": np.full(1800, 3.0), "cadence": np.full(1800, 85.0)})
    assert build_activity(run).summary.sport == "run"
    fast = RawTrack("gpx", t, {"speed": np.full(1800, 5.5), "cadence": np.full(1800, 92.0)})  # 1.8 m steps
    assert build_activity(fast).summary.sport == "run"


# --- item 3: start, plausibility, splitting ----------------------------------------------------------------------


def test_a_fit_activity_starts_at_its_sessions_start_time_not_its_first_record() -> None:
    data = encode_run(START, 1800, pauses=[(-1, 150)])  # the first record comes 150 s after the session starts
    parsed = one(data, "swim.fit")
    assert parsed.summary.start == START  # type: ignore[attr-defined]


def test_a_heart_rate_of_zero_is_no_heart_rate() -> None:
    t = START.timestamp() + np.arange(600.0)
    raw = RawTrack("fit", t, {"speed": np.full(600, 3.0)}, sport="run", reported={"avg_hr": 0.0, "max_hr": 0.0})
    summary = build_activity(raw).summary
    assert summary.avg_hr is None and summary.max_hr is None


def test_heart_rate_samples_of_zero_are_no_heart_rate_in_the_streams_too() -> None:
    """A watch without a strap writes 0 bpm every second: no heart-rate stream (a merge then takes the other file's),
    and a few 0 dropouts in a real one are gaps, not 0 bpm."""
    t = START.timestamp() + np.arange(600.0)
    strapless = RawTrack("fit", t, {"speed": np.full(600, 3.0), "heart_rate": np.zeros(600)}, sport="run")
    parsed = build_activity(strapless)
    assert parsed.summary.avg_hr is None and parsed.streams is not None
    assert "heart_rate" not in parsed.streams.channels
    hr = np.full(600, 150.0)
    hr[100:103] = 0.0
    dropouts = build_activity(RawTrack("fit", t, {"speed": np.full(600, 3.0), "heart_rate": hr}, sport="run"))
    assert dropouts.streams is not None and float(np.nanmin(dropouts.streams.channels["heart_rate"])) == 150.0


def test_a_cadence_of_zero_throughout_is_no_cadence() -> None:
    """A watch without a cadence source writes 0 every second of a 3 m/s run: no stream (a merge then takes the other
    file's cadence), while a run's real stops at 0 spm stay in a real stream."""
    t = START.timestamp() + np.arange(600.0)
    parsed = build_activity(RawTrack("fit", t, {"speed": np.full(600, 3.0), "cadence": np.zeros(600)}, sport="run"))
    assert parsed.streams is not None and "cadence" not in parsed.streams.channels
    assert parsed.summary.avg_cadence_spm is None
    cadence = np.full(600, 170.0)
    cadence[300:320] = 0.0  # a stop at a crossing
    real = build_activity(RawTrack("fit", t, {"speed": np.full(600, 3.0), "cadence": cadence}, sport="run"))
    assert real.streams is not None and float(np.min(real.streams.channels["cadence"])) == 0.0


def test_cadence_is_made_plausible_for_the_sport() -> None:
    t = START.timestamp() + np.arange(600.0)
    walk = RawTrack("fit", t, {"speed": np.full(600, 1.3), "cadence": np.full(600, 224.0)}, sport="walk")
    parsed = build_activity(walk)
    assert parsed.summary.avg_cadence_spm == 112.0  # doubled once too often by a one-foot rule
    assert any("cadence halved" in w for w in parsed.warnings)
    run = RawTrack("gpx", t, {"speed": np.full(600, 3.0), "cadence": np.full(600, 85.0)}, sport="run")
    assert build_activity(run).summary.avg_cadence_spm == 170.0
    assert cadence_factor(170.0, "run") == 1.0 and cadence_factor(110.0, "walk") == 1.0
    assert cadence_factor(90.0, "ride") == 1.0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gpx([(600, 3.0)], start=datetime(1901, 12, 13, tzinfo=UTC)), "before 1990"),
        (gpx([(600, 3.0)], start=datetime.now(UTC) + timedelta(days=30)), "in the future"),
        (gpx([(1, 0.0)]), "lasts 0 s"),
        (gpx([(2, 780.0)]), "impossible"),
    ],
)
def test_implausible_recordings_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(CorruptFile, match=reason):
        one(data)


def test_a_vehicle_leg_the_next_day_is_cut_off_and_reported() -> None:
    data = gpx([(3600, 3.0), (1800, 25.0)], name="Run", gap_after={0: 5 * 3600})
    parsed = one(data)
    summary = parsed.summary  # type: ignore[attr-defined]
    assert summary.distance_m == pytest.approx(10_797, abs=30)  # the run alone, not 55 km
    assert summary.elapsed_s == pytest.approx(3599, abs=1)
    assert any("vehicle speed" in w and "left out" in w for w in parsed.warnings)  # type: ignore[attr-defined]


def test_a_track_is_split_at_a_gap_over_six_hours_and_the_rest_reported() -> None:
    parsed = one(gpx([(3600, 3.0), (1800, 1.3)], name="Run", gap_after={0: 7 * 3600}))  # an evening walk, same track
    summary = parsed.summary  # type: ignore[attr-defined]
    assert summary.distance_m == pytest.approx(10_797, abs=30) and summary.elapsed_s == pytest.approx(3599, abs=1)
    [split] = [w for w in parsed.warnings if "split" in w]  # type: ignore[attr-defined]
    assert "gap over 6 h" in split and "left out 2.3 km (2024-05-04 15:30 UTC to 2024-05-04 15:59 UTC)" in split
    whole = one(gpx([(3600, 3.0), (1800, 1.3)], name="Run", gap_after={0: 2 * 3600}))  # a 2 h pause: one activity
    assert whole.summary.distance_m == pytest.approx(13_139, abs=30)  # type: ignore[attr-defined]
    assert not any("split" in w for w in whole.warnings)  # type: ignore[attr-defined]


def test_a_drive_home_after_the_run_is_cut_off() -> None:
    parsed = one(gpx([(2400, 3.0), (1200, 20.0)]))
    assert parsed.summary.distance_m == pytest.approx(7_200, abs=100)  # type: ignore[attr-defined]
    assert parsed.summary.sport == "run"  # type: ignore[attr-defined]


def test_gps_jumps_are_not_vehicle_legs() -> None:
    legs = [(600, 3.0), (20, 30.0), (600, 3.0)]  # a 20-second jump: not a leg in a car
    parsed = one(gpx(legs, name="Run"))
    assert not any("split" in w for w in parsed.warnings)  # type: ignore[attr-defined]


def test_a_swim_has_no_climb() -> None:
    parsed = one(gpx([(1800, 0.8)], sport="swimming", ele=10.0))
    assert parsed.summary.elevation_gain_m == 0.0  # type: ignore[attr-defined]


def test_tcx_heart_rate_comes_from_the_laps() -> None:
    lap = (
        "<TotalTimeSeconds>300</TotalTimeSeconds><DistanceMeters>900</DistanceMeters>"
        "<AverageHeartRateBpm><Value>141</Value></AverageHeartRateBpm>"
        "<MaximumHeartRateBpm><Value>163</Value></MaximumHeartRateBpm>"
    )
    summary = one(_tcx("Running", 3.0, seconds=300, lap=lap, hr=120), "run.tcx").summary  # type: ignore[attr-defined]
    assert (summary.avg_hr, summary.max_hr) == (141.0, 163.0)


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<kml/>',
        b'<?xml version="1.0"?>\n',
        b'<?xml version="1.0"?>\n<!-- x -->\n<<TrainingCenterDatabase>',
        b'<?xml version="1.0"?>\n<TrainingCenterDatabase>\n<Activities>',
    ],
)
def test_every_xml_error_names_a_line(data: bytes) -> None:
    with pytest.raises((CorruptFile, UnsupportedFormat), match=r"line \d+"):
        parse_raw_all(data, name="broken.tcx")


# --- the same on the shared corpus (skipped when it is absent) ----------------------------------------------------


@pytest.mark.corpus
def test_corpus_untyped_runs_count_and_implausible_tracks_are_refused(corpus: Path) -> None:
    def summary(rel: str) -> object:
        data = (corpus / rel).read_bytes()
        (raw,) = parse_raw_all(data, name=rel)[:1]
        return build_activity(raw).summary

    # untyped GPX of runs: a run by the name or the pace (they were "other", and left out of the load)
    for rel in ("gpx/Runalyze/strava-export.gpx", "gpx/Runalyze/standard.gpx", "gpx/togeojson/run.gpx"):
        assert summary(rel).sport == "run", rel  # type: ignore[attr-defined]
    with pytest.raises(CorruptFile, match="before 1990"):
        summary("gpx/gpxpy/Mojstrovka.gpx")  # dated 1901
    # a cycling app's untyped GPX (76 rpm at 19 km/h) was inferred a run and counted as 21 km of running
    assert summary("gpx/GoldenCheetah/UrbanBiker2019-04-18_16-12.gpx").sport == "ride"  # type: ignore[attr-defined]
