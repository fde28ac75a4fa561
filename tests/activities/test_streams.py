"""The 1 Hz stream builder and summary, on hand-made tracks whose answers can be worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from calfcare.activities.activity import RawTrack
from calfcare.activities.streams import (
    EARTH_RADIUS_M,
    NotAnActivity,
    build_activity,
    elevation_gain,
    summary_from_fields,
    with_fallbacks,
)
from calfcare.errors import CorruptFile

T0 = 1_600_000_000.0  # 2020-09-13T12:26:40Z


def track(seconds: np.ndarray, **channels: np.ndarray) -> RawTrack:
    return RawTrack(source_format="fit", time=T0 + np.asarray(seconds, dtype=float), channels=dict(channels))


def test_a_steady_one_hertz_run_is_summarised_from_its_streams() -> None:
    s = np.arange(601.0)
    parsed = build_activity(track(s, distance=s * 5.0, heart_rate=np.full(601, 150.0), cadence=np.full(601, 170.0)))
    summary = parsed.summary
    assert summary.elapsed_s == 600
    assert summary.distance_m == pytest.approx(3000.0)
    assert summary.avg_hr == 150 and summary.max_hr == 150
    assert summary.avg_cadence_spm == 170
    assert summary.moving_s == 600  # 5 m/s throughout, derived speed
    assert summary.start == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert parsed.streams is not None and parsed.streams.length == 601
    assert parsed.streams.channels["speed"][300] == pytest.approx(5.0)
    assert parsed.record_count == 601


def test_short_gaps_are_interpolated_like_smart_recording() -> None:
    s = np.arange(0.0, 101.0, 5.0)  # a sample every 5 s
    parsed = build_activity(track(s, heart_rate=100.0 + s))
    assert parsed.streams is not None
    hr = parsed.streams.channels["heart_rate"]
    assert len(hr) == 101
    assert np.isfinite(hr).all()
    assert hr[7] == pytest.approx(107.0)


def test_long_gaps_stay_empty() -> None:
    s = np.concatenate((np.arange(0.0, 50.0), np.arange(80.0, 130.0)))
    parsed = build_activity(track(s, heart_rate=np.full(len(s), 140.0)))
    assert parsed.streams is not None
    hr = parsed.streams.channels["heart_rate"]
    assert np.isnan(hr[50:80]).all()
    assert np.isfinite(hr[:50]).all() and np.isfinite(hr[80:]).all()


def test_timer_pauses_are_empty_even_when_short_and_do_not_add_distance() -> None:
    s = np.concatenate((np.arange(0.0, 100.0), np.arange(106.0, 200.0)))
    lat = np.concatenate((np.linspace(45.0, 45.001, 100), np.linspace(45.002, 45.003, 94)))
    raw = track(s, lat=lat, lon=np.full(len(s), 7.0), heart_rate=np.full(len(s), 130.0))
    raw.pauses = [(T0 + 99.0, T0 + 106.0)]
    parsed = build_activity(raw)
    assert parsed.streams is not None
    hr = parsed.streams.channels["heart_rate"]
    assert np.isnan(hr[100:106]).all()
    assert np.isfinite(hr[99]) and np.isfinite(hr[106])
    one_milli_degree = EARTH_RADIUS_M * math.radians(0.001)
    assert parsed.summary.distance_m == pytest.approx(2 * one_milli_degree, rel=1e-4)


def test_two_hertz_samples_are_averaged_per_second() -> None:
    s = np.arange(0.0, 60.0, 0.5)
    hr = np.where(np.arange(len(s)) % 2 == 0, 140.0, 160.0)
    parsed = build_activity(track(s, heart_rate=hr))
    assert parsed.streams is not None
    grid = parsed.streams.channels["heart_rate"]
    assert len(grid) == 60
    assert np.allclose(grid, 150.0)


def test_distance_comes_from_positions_when_the_file_has_none() -> None:
    s = np.arange(101.0)
    parsed = build_activity(track(s, lat=45.0 + s * 1e-4, lon=np.full(101, 7.0)))
    expected = 100 * EARTH_RADIUS_M * math.radians(1e-4)  # along a meridian, 11.12 m a step
    assert parsed.summary.distance_m == pytest.approx(expected, rel=1e-4)
    assert parsed.streams is not None
    assert parsed.streams.channels["speed"][50] == pytest.approx(expected / 100, rel=1e-3)
    assert parsed.streams.channels["lat"].dtype == np.float64
    assert parsed.streams.channels["speed"].dtype == np.float32


def test_positions_at_zero_zero_are_no_fix() -> None:
    s = np.arange(11.0)
    lat = 45.0 + s * 1e-4
    lon = np.full(11, 7.0)
    lat[5] = lon[5] = 0.0
    parsed = build_activity(track(s, lat=lat, lon=lon))
    assert parsed.summary.distance_m == pytest.approx(10 * EARTH_RADIUS_M * math.radians(1e-4), rel=1e-4)
    assert any("0°/0°" in w for w in parsed.warnings)


def test_moving_time_counts_seconds_at_walking_pace_or_faster() -> None:
    s = np.arange(301.0)
    speed = np.where(s < 200, 3.0, 0.1)  # 200 s moving, then standing
    parsed = build_activity(track(s, speed=speed))
    assert parsed.summary.moving_s == 200


def test_sparse_recording_counts_the_gaps_covered_at_running_pace_as_moving() -> None:
    s = np.arange(0.0, 1801.0, 30.0)  # a fix every 30 s (sparse / battery-saving recording), 3 m/s throughout
    moving = build_activity(track(s, distance=s * 3.0)).summary
    assert moving.elapsed_s == 1800 and moving.moving_s == pytest.approx(1800, abs=2)
    stop = np.array([0.0, 30.0, 60.0, 660.0, 690.0, 720.0])  # a 10-minute stop between 60 s and 660 s
    stopped = build_activity(track(stop, distance=np.array([0.0, 90.0, 180.0, 182.0, 272.0, 362.0]))).summary
    assert stopped.moving_s == pytest.approx(120, abs=2)


def test_a_recording_gap_holding_a_timer_pause_is_not_moving_time() -> None:
    s = np.array([0.0, 30.0, 60.0, 660.0, 690.0])
    raw = track(s, distance=s * 3.0)  # the watch was paused, then the runner went on far away
    raw.pauses = [(T0 + 70.0, T0 + 650.0)]
    assert build_activity(raw).summary.moving_s == pytest.approx(90, abs=2)


def test_totals_the_file_reports_win_over_the_streams() -> None:
    s = np.arange(101.0)
    raw = track(s, distance=s * 3.0, heart_rate=np.full(101, 120.0))
    raw.reported = {"distance_m": 333.0, "timer_s": 90.0, "elapsed_s": 120.0, "max_hr": 181.0}
    summary = build_activity(raw).summary
    assert (summary.distance_m, summary.moving_s, summary.elapsed_s, summary.max_hr) == (333.0, 90.0, 120.0, 181.0)
    assert summary.avg_hr == 120


def test_the_start_carries_the_local_offset_when_known() -> None:
    raw = track(np.arange(10.0), heart_rate=np.full(10, 100.0))
    raw.utc_offset_s = 7200
    start = build_activity(raw).summary.start
    assert start.utcoffset() == timedelta(hours=2)
    assert start == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)
    assert start.hour == 14 and start.tzinfo == timezone(timedelta(hours=2))


def test_out_of_order_and_duplicate_samples_are_sorted_and_merged_with_warnings() -> None:
    s = np.array([0.0, 1.0, 3.0, 2.0, 3.0, 4.0])
    hr = np.array([100.0, 101.0, 110.0, 102.0, 120.0, 104.0])
    parsed = build_activity(track(s, heart_rate=hr))
    assert parsed.streams is not None
    assert parsed.streams.channels["heart_rate"].tolist() == [100.0, 101.0, 102.0, 115.0, 104.0]
    assert any("sorted" in w for w in parsed.warnings)
    assert any("repeat" in w for w in parsed.warnings)


def test_samples_without_a_time_get_one_from_their_neighbours() -> None:
    s = np.array([np.nan, 0.0, 1.0, np.nan, 3.0, np.nan])
    hr = np.array([90.0, 100.0, 110.0, 120.0, 130.0, 140.0])
    parsed = build_activity(track(s, heart_rate=hr))
    assert parsed.streams is not None
    assert parsed.streams.channels["heart_rate"].tolist() == [100.0, 110.0, 120.0, 130.0]
    assert any("interpolated" in w for w in parsed.warnings)
    assert any("dropped" in w for w in parsed.warnings)


def test_zero_heart_rate_is_ignored_in_the_averages() -> None:
    s = np.arange(20.0)
    parsed = build_activity(track(s, heart_rate=np.where(s < 10, 0.0, 140.0)))
    assert parsed.summary.avg_hr == 140
    assert build_activity(track(s, heart_rate=np.zeros(20))).summary.avg_hr is None


@pytest.mark.parametrize(
    ("altitude", "expected"),
    [
        (100.0 + np.tile([0.0, 1.0, 2.0, 1.0], 50), 0.0),  # noise below the 3 m threshold
        (np.concatenate((np.full(30, 100.0), np.linspace(100, 110, 60), np.full(30, 110.0))), 10.0),
        (
            np.concatenate(
                [np.linspace(a, b, 50) for a, b in ((0, 0), (0, 20), (20, 20), (20, 10), (10, 30), (30, 30))]
            ),
            40,
        ),
        (np.linspace(50.0, 0.0, 100), 0.0),
    ],
    ids=["noise", "one-climb", "climb-dip-climb", "descent"],
)
def test_elevation_gain_uses_smoothing_and_a_three_metre_hysteresis(altitude: np.ndarray, expected: float) -> None:
    assert elevation_gain(altitude) == pytest.approx(expected, abs=0.6)


def test_elevation_gain_needs_two_altitudes() -> None:
    assert elevation_gain(np.array([np.nan, 5.0, np.nan])) is None


def test_samples_with_far_off_times_are_dropped_keeping_the_longest_stretch() -> None:
    s = np.concatenate((np.arange(600.0), [791 * 86400.0, 791 * 86400.0 + 1]))  # a clock jump at the end
    parsed = build_activity(track(s, heart_rate=np.full(len(s), 120.0)))
    assert parsed.summary.elapsed_s == 599
    assert parsed.streams is not None and parsed.streams.length == 600
    assert any("spread over 791.0 days" in w and "dropped 2 samples" in w for w in parsed.warnings)


def test_an_activity_recorded_without_pause_over_seven_days_is_refused() -> None:
    s = np.arange(0.0, 8 * 86400.0, 5 * 3600.0)  # a sample every 5 h: no 6 h gap to cut at
    with pytest.raises(CorruptFile, match="samples span 8 days; not one activity"):
        build_activity(track(s, heart_rate=np.full(len(s), 100.0)))


def test_a_track_without_any_time_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivity, match="skipped: FIT: no sample has a time"):
        build_activity(track(np.array([np.nan, np.nan]), heart_rate=np.array([100.0, 100.0])))
    with pytest.raises(NotAnActivity):
        build_activity(track(np.array([])))


def test_untimed_samples_with_a_reported_start_give_a_summary_only_activity() -> None:
    raw = track(np.full(3, np.nan), distance=np.array([25.0, 50.0, 75.0]))
    raw.sport = "swim"
    raw.reported = {"start_epoch": T0, "elapsed_s": 2354.1, "timer_s": 2115.6, "distance_m": 1950.0}
    parsed = build_activity(raw, name="Pool")
    assert parsed.streams is None and parsed.record_count == 3
    summary = parsed.summary
    assert (summary.sport, summary.elapsed_s, summary.moving_s, summary.distance_m) == ("swim", 2354.1, 2115.6, 1950.0)
    assert summary.start == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC) and summary.name == "Pool"
    assert any("summary only" in w for w in parsed.warnings)


def test_a_three_hour_track_keeps_one_sample_per_second() -> None:
    # Speed is measured by benchmarks/import_export.py, not asserted in a timed test.
    n = 3 * 3600
    s = np.arange(float(n))
    raw = track(
        s,
        lat=45 + s * 2e-5,
        lon=np.full(n, 7.0),
        altitude=100 + 10 * np.sin(s / 300),
        heart_rate=np.full(n, 150.0),
        cadence=np.full(n, 170.0),
    )
    parsed = build_activity(raw)
    assert parsed.streams is not None and parsed.streams.length == n
    assert parsed.summary.elapsed_s == n - 1


def test_summary_only_activities_are_range_checked() -> None:
    start = datetime(2021, 1, 2, 7, 12, 45, tzinfo=UTC)
    parsed = summary_from_fields(sport="run", start=start, elapsed_s=1800, distance_m=5000, rpe=6)
    assert parsed.streams is None and parsed.record_count == 0
    assert (parsed.summary.elapsed_s, parsed.summary.distance_m, parsed.summary.rpe) == (1800, 5000, 6)
    with pytest.raises(CorruptFile, match="max heart rate"):
        summary_from_fields(sport="run", start=start, elapsed_s=1800, max_hr=400)
    lenient = summary_from_fields(sport="run", start=start, elapsed_s=1800, max_hr=400, lenient=True)
    assert lenient.summary.max_hr is None
    with pytest.raises(CorruptFile, match="time zone"):
        summary_from_fields(sport="run", start=datetime(2021, 1, 2), elapsed_s=10)


def test_fallbacks_fill_only_what_the_file_lacks() -> None:
    s = np.arange(61.0)
    parsed = build_activity(track(s, distance=s * 3.0))
    fallback = summary_from_fields(
        sport="trail_run",
        start=datetime(2020, 9, 13, tzinfo=UTC),
        elapsed_s=999,
        distance_m=1.0,
        avg_hr=150,
        name="Morning Run",
        rpe=7,
    ).summary
    merged = with_fallbacks(parsed, fallback).summary
    assert merged.distance_m == pytest.approx(180.0)  # the file's own
    assert merged.elapsed_s == 60
    assert (merged.avg_hr, merged.name, merged.rpe, merged.sport) == (150, "Morning Run", 7, "trail_run")


def test_heart_rate_glitches_above_250_bpm_are_ignored_with_a_warning() -> None:
    s = np.arange(601.0)
    hr = np.where((s == 100) | (s == 101), 255.0, 150.0)  # an exporter's "invalid" marker, or a sensor spike
    parsed = build_activity(track(s, distance=s * 3.0, heart_rate=hr))
    assert parsed.summary.max_hr == 150 and parsed.summary.avg_hr == 150
    assert any("2 heart-rate values above 250 bpm were ignored" in w for w in parsed.warnings)


def test_values_beyond_the_stored_precision_are_no_data_not_infinity() -> None:
    s = np.arange(11.0)
    parsed = build_activity(track(s, altitude=np.where(s == 5, 1e39, 100.0)))
    assert parsed.streams is not None
    altitude = parsed.streams.channels["altitude"]
    assert not np.isinf(altitude).any() and np.isnan(altitude[5]) and altitude[4] == 100
