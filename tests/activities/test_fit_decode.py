"""The fast FIT decoder on files we build ourselves: exact round trips, every header/definition variant the
format allows, and every way a file can be broken. Each synthetic file is also decoded by the fitdecode
reference and must agree with it."""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime

import numpy as np
import pytest

from calfcare.activities.formats import fit as fit_module
from calfcare.activities.formats import fit_profile as fp
from calfcare.activities.formats.fit import decode_fit, decode_fit_reference
from calfcare.activities.formats.fit_decode import FitStructureError, decode_messages
from calfcare.activities.formats.fit_encode import (
    ENUM,
    RECORD_FIELDS,
    SINT32,
    UINT8,
    UINT16,
    UINT32,
    FitWriter,
    encode_run,
    fit_time,
    record_values,
    semicircles,
)
from calfcare.activities.formats.fit_reference import reference_messages
from calfcare.activities.streams import build_activity
from calfcare.errors import CorruptFile, NotAnActivity, UnsupportedFormat

START = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)
T0 = START.timestamp()


def assert_same_as_reference(data: bytes) -> None:
    ours, ref = decode_messages(data), reference_messages(data)
    assert ours.records.keys() == ref.records.keys()
    for name, column in ours.records.items():
        np.testing.assert_allclose(column, ref.records[name], rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name)
    assert ours.messages == ref.messages


def simple_file(*, big_endian: bool = False, dev: bool = False) -> tuple[bytes, list[np.ndarray]]:
    n = 50
    values = record_values(
        T0 + np.arange(n), 48 + np.arange(n) * 1e-4, 11 - np.arange(n) * 1e-4, np.arange(n) * 2.5,
        np.linspace(-20, 300, n), np.full(n, 2.5), 120 + np.arange(n), 150 + np.arange(n) % 7,
    )  # fmt: skip
    w = FitWriter()
    w.define(0, fp.FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16)], big_endian=big_endian)
    w.write(0, [4, 1, 2697])
    dev_fields = [(0, 3, 0), (1, 1, 0)] if dev else []
    w.define(5, fp.RECORD, RECORD_FIELDS, big_endian=big_endian, dev_fields=dev_fields)
    w.write(5, values, dev_values=[b"\xaa\xbb\xcc", b"\x07"] if dev else [])
    return w.to_bytes(), values


def test_a_run_round_trips_exactly() -> None:
    hr = 120 + (np.arange(3601) % 40)
    data = encode_run(START, 3600, speed_ms=3.2, hr=hr, cadence_spm=171.5, altitude=250.4, lat0=47.1, lon0=8.5)
    track = decode_fit(data)
    n = 3601
    assert track.record_count == n
    np.testing.assert_array_equal(track.time, T0 + np.arange(n))
    np.testing.assert_allclose(track.channels["distance"], np.round(np.arange(n) * 3.2 * 100) / 100, atol=1e-9)
    np.testing.assert_array_equal(track.channels["speed"], np.full(n, 3.2))
    np.testing.assert_array_equal(track.channels["heart_rate"], hr.astype(float))
    np.testing.assert_array_equal(track.channels["cadence"], np.full(n, 171.5))
    np.testing.assert_allclose(track.channels["altitude"], np.full(n, 250.4), atol=1e-9)
    north = np.arange(n) * 3.2 / np.sqrt(2)
    expected_lat = semicircles(47.1 + north / 111_195.0) * fp.SEMICIRCLE_DEG
    np.testing.assert_allclose(track.channels["lat"], expected_lat, rtol=0, atol=1e-12)
    assert track.sport == "run" and track.source_format == "fit"
    assert track.device == "garmin fenix5"
    assert track.utc_offset_s == 3600
    assert track.reported["elapsed_s"] == 3600 and track.reported["avg_cadence_spm"] == 170
    assert track.warnings == []


def test_pauses_come_from_timer_events_and_records_stop() -> None:
    track = decode_fit(encode_run(START, 1200, pauses=[(300, 420), (900, 960)]))
    assert track.pauses == [(T0 + 300, T0 + 420), (T0 + 900, T0 + 960)]
    assert not ((track.time > T0 + 300) & (track.time < T0 + 420)).any()
    assert track.reported["timer_s"] == 1200 - 180


@pytest.mark.parametrize(("sport", "sub_sport", "expected"), [(1, 3, "trail_run"), (1, 1, "treadmill"), (2, 0, "ride")])
def test_sport_and_cadence_units_follow_the_session(sport: int, sub_sport: int, expected: str) -> None:
    track = decode_fit(encode_run(START, 60, sport=sport, sub_sport=sub_sport, cadence_spm=180))
    assert track.sport == expected
    assert track.channels["cadence"][0] == (180 if expected != "ride" else 90)


def test_big_endian_definitions_decode_to_the_same_values() -> None:
    little, values = simple_file()
    big, _ = simple_file(big_endian=True)
    assert little != big
    a, b = decode_fit(little), decode_fit(big)
    np.testing.assert_array_equal(a.time, b.time)
    for name in a.channels:
        np.testing.assert_array_equal(a.channels[name], b.channels[name])
    np.testing.assert_array_equal(a.channels["heart_rate"], values[6].astype(float))
    assert_same_as_reference(big)


def test_developer_fields_are_skipped_without_shifting_the_next_message() -> None:
    data, values = simple_file(dev=True)
    track = decode_fit(data)
    np.testing.assert_array_equal(track.time, fit_time(T0 + np.arange(50)) + fp.FIT_EPOCH)
    np.testing.assert_array_equal(track.channels["heart_rate"], values[6].astype(float))
    assert_same_as_reference(data)


def test_compressed_timestamp_headers_roll_over_like_the_sdk() -> None:
    w = FitWriter()
    w.define(1, fp.EVENT, [(253, UINT32), (0, ENUM), (1, ENUM)])
    base = int(fit_time(T0)) | 0x1D  # low 5 bits 29: the offsets below wrap past 31
    w.write(1, [base, 0, 0])
    w.define(0, fp.RECORD, [(3, UINT8)])
    stamps = base + np.arange(1, 80)
    w.write(0, [np.full(79, 140)], time_offsets=stamps & 0x1F)
    data = w.to_bytes()
    track = decode_fit(data)
    np.testing.assert_array_equal(track.time, stamps + fp.FIT_EPOCH)
    assert_same_as_reference(data)


def test_compressed_speed_distance_accumulates_with_roll_over() -> None:
    w = FitWriter()
    n = 600
    distance16 = np.arange(n) * 50  # 1/16 m: passes 4096 several times
    raw = (250 + (distance16 % 4096) * 4096).astype(np.int64)  # speed 2.50 m/s in the low 12 bits
    w.define(0, fp.RECORD, [(253, UINT32), (8, 0x0D, 3)])
    w.write(0, [fit_time(T0 + np.arange(n)), np.stack([raw & 0xFF, (raw >> 8) & 0xFF, raw >> 16], axis=1)])
    data = w.to_bytes()
    track = decode_fit(data)
    np.testing.assert_allclose(track.channels["distance"], distance16 / 16)
    np.testing.assert_allclose(track.channels["speed"], 2.5)
    assert_same_as_reference(data)


def test_invalid_values_become_nan() -> None:
    values = record_values(T0 + np.arange(3), [48, 48, 48], [11, 11, 11], [0, 1, 2], [5, 5, 5], [1, 1, 1],
                           [140, 255, 141], [160, 160, 160])  # fmt: skip
    values[1][1] = 0x7FFFFFFF  # lat invalid for the second record
    w = FitWriter()
    w.define(0, fp.RECORD, RECORD_FIELDS)
    w.write(0, values)
    track = decode_fit(w.to_bytes())
    assert np.isnan(track.channels["heart_rate"][1]) and track.channels["heart_rate"][2] == 141
    assert np.isnan(track.channels["lat"][1]) and not np.isnan(track.channels["lat"][0])


def test_chained_files_are_merged_in_order() -> None:
    first = encode_run(START, 600)
    second = encode_run(datetime(2024, 5, 1, 8, 0, tzinfo=UTC), 300)
    track = decode_fit(first + second)
    assert track.record_count == 601 + 301
    assert np.all(np.diff(track.time) > 0)
    assert any("2 chained FIT files" in w for w in track.warnings)
    assert track.reported["elapsed_s"] == 900


def test_a_missing_crc_footer_is_read_leniently_with_a_warning() -> None:
    data = encode_run(START, 120)[:-2]
    track = decode_fit(data)
    assert track.record_count == 121
    assert any("no CRC footer" in w for w in track.warnings)


def test_a_file_cut_inside_its_last_message_is_read_up_to_it() -> None:
    w = FitWriter()
    w.define(0, fp.RECORD, RECORD_FIELDS)
    w.write(0, record_values(T0 + np.arange(10), 48, 11, 0, 5, 1, 140, 160))
    complete = w.to_bytes(crc=False)
    cut = complete[:-7]  # the device stopped writing mid-record; the header still claims the full size + CRC
    data = cut[:4] + struct.pack("<I", len(cut) - 14 - 2 + 0) + cut[8:12] + b"\0\0" + cut[14:]
    track = decode_fit(data)
    assert track.record_count == 9
    assert any("unterminated" in w for w in track.warnings)


def test_a_flipped_byte_is_a_crc_error() -> None:
    data = bytearray(encode_run(START, 300))
    data[len(data) // 2] ^= 0x01
    with pytest.raises(CorruptFile, match="CRC mismatch"):
        decode_fit(bytes(data))


def test_a_truncated_file_is_refused_with_the_byte_offset() -> None:
    data = encode_run(START, 300)
    with pytest.raises(CorruptFile, match=f"truncated at byte 5000 of {len(data)}"):
        decode_fit(data[:5000])


def test_empty_and_foreign_files_are_refused() -> None:
    with pytest.raises(CorruptFile, match="empty"):
        decode_fit(b"")
    with pytest.raises(UnsupportedFormat, match="not a FIT file"):
        decode_fit(b"<?xml version='1.0'?><gpx></gpx>")


def test_a_data_message_of_an_undefined_local_type_is_refused_with_its_offset() -> None:
    w = FitWriter()
    w.define(0, fp.RECORD, [(3, UINT8)])
    w.write(0, [[140, 141]])
    body = w.to_bytes(crc=False)[14:] + b"\x03\x00"
    header = struct.pack("<BBHI4s", 12, 0x20, 2132, len(body), b".FIT")
    data = header + body
    data += struct.pack("<H", fp.crc16(data))
    with pytest.raises(CorruptFile, match=f"byte {12 + len(body) - 2} uses local message type 3"):
        decode_fit(data)


def test_structures_our_decoder_rejects_fall_back_to_fitdecode(monkeypatch: pytest.MonkeyPatch) -> None:
    data = encode_run(START, 120)

    def broken(_: bytes) -> None:
        raise FitStructureError("test: unsupported structure")

    monkeypatch.setattr(fit_module, "decode_messages", broken)
    track = decode_fit(data)
    assert track.record_count == 121
    assert any("decoded with fitdecode" in w for w in track.warnings)


def test_the_reference_path_builds_the_same_track() -> None:
    data = encode_run(START, 900, pauses=[(100, 160)], hr=np.arange(901) % 60 + 110)
    ours, ref = decode_fit(data), decode_fit_reference(data)
    np.testing.assert_array_equal(ours.time, ref.time)
    assert ours.channels.keys() == ref.channels.keys()
    for name in ours.channels:
        np.testing.assert_allclose(ours.channels[name], ref.channels[name], rtol=1e-12, equal_nan=True)
    assert (ours.sport, ours.device, ours.reported, ours.pauses) == (ref.sport, ref.device, ref.reported, ref.pauses)


def test_device_relative_times_are_anchored_on_the_activity_local_time() -> None:
    w = FitWriter()
    w.define(0, fp.RECORD, [(253, UINT32), (3, UINT8)])
    w.write(0, [16_000_000 + np.arange(5), 140])
    w.define(1, fp.ACTIVITY, [(253, UINT32), (5, UINT32)])
    w.write(1, [16_000_004, int(fit_time(T0)) + 4])
    track = decode_fit(w.to_bytes())
    np.testing.assert_array_equal(track.time, T0 + np.arange(5))
    assert any("device power-on" in w for w in track.warnings)


def test_crc_matches_the_byte_loop_and_has_period_32767() -> None:
    for size in (0, 1, 63, 64, 65, 4000, 32767, 32768, 100_003):
        data = os.urandom(size)
        assert fp.crc16(data) == fp.crc16_slow(data)
    state = np.arange(1, 2**16, 997, dtype=np.uint16)
    advanced = state
    for _ in range(fp.CRC_PERIOD):
        advanced = (advanced >> 8) ^ fp.CRC_TABLE[advanced & 0xFF]
    np.testing.assert_array_equal(advanced, state)


def test_a_header_crc_mismatch_is_refused() -> None:
    data = bytearray(encode_run(START, 60))
    data[12] ^= 0xFF
    with pytest.raises(CorruptFile, match="header CRC"):
        decode_fit(bytes(data))


def test_positions_outside_the_globe_are_dropped() -> None:
    w = FitWriter()
    w.define(0, fp.RECORD, [(253, UINT32), (0, SINT32), (1, SINT32)])
    w.write(0, [fit_time(T0 + np.arange(2)), [semicircles(45), 2**31 - 2], [semicircles(7), semicircles(7)]])
    track = decode_fit(w.to_bytes())
    assert track.channels["lat"][0] == pytest.approx(45) and np.isnan(track.channels["lat"][1])
    assert np.isnan(track.channels["lon"][1])


def pool_swim(*, session: bool = True, lap: bool = False, activity: bool = False, file_type: int = 4) -> bytes:
    """A pool swim as Garmin writes it: records with distance and speed but no timestamp (the lengths carry
    the time), then optionally a lap, a session (swim, 30 min elapsed, 27:30 timer, 1,500 m) and an activity."""
    w = FitWriter()
    w.define(0, fp.FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16)])
    w.write(0, [file_type, 1, 1328])
    w.define(1, fp.RECORD, [(5, UINT32), (6, UINT16)])
    w.write(1, [np.arange(1, 61) * 2500, 900])
    end = int(fit_time(T0 + 1800))
    if lap:
        w.define(2, fp.LAP, [(253, UINT32), (2, UINT32), (7, UINT32), (8, UINT32), (9, UINT32)])
        w.write(2, [[end - 1000, end], [int(fit_time(T0)), end - 1000], [800_000, 1_000_000], [700_000, 950_000],
                    [60_000, 90_000]])  # fmt: skip
    if session:
        w.define(3, fp.SESSION, [(253, UINT32), (2, UINT32), (7, UINT32), (8, UINT32), (9, UINT32), (5, ENUM)])
        w.write(3, [end, int(fit_time(T0)), 1_800_000, 1_650_000, 150_000, 5])
    if activity:
        w.define(4, fp.ACTIVITY, [(253, UINT32), (0, UINT32), (5, UINT32)])
        w.write(4, [end, 1_650_000, end + 7200])
    return w.to_bytes()


def test_a_session_without_timed_records_gives_a_summary_only_activity() -> None:
    data = pool_swim()
    assert_same_as_reference(data)
    track = decode_fit(data)
    assert not np.isfinite(track.time).any() and track.record_count == 60
    assert track.reported["start_epoch"] == T0
    parsed = build_activity(track)
    summary = parsed.summary
    assert parsed.streams is None
    assert summary.sport == "swim" and summary.start == START
    assert (summary.elapsed_s, summary.moving_s, summary.distance_m) == (1800, 1650, 1500)
    assert any("no sample has a time" in w for w in parsed.warnings)


def test_without_a_session_the_laps_give_the_start_and_totals() -> None:
    parsed = build_activity(decode_fit(pool_swim(session=False, lap=True)))
    assert parsed.summary.start == START
    assert (parsed.summary.elapsed_s, parsed.summary.moving_s, parsed.summary.distance_m) == (1800, 1650, 1500)


def test_without_session_or_laps_the_activity_end_minus_its_timer_time_is_the_start() -> None:
    parsed = build_activity(decode_fit(pool_swim(session=False, activity=True)))
    assert parsed.summary.start.timestamp() == T0 + 150
    offset = parsed.summary.start.utcoffset()
    assert offset is not None and offset.total_seconds() == 7200
    assert parsed.summary.moving_s == 1650 and parsed.summary.distance_m is None


def test_an_activity_file_with_no_session_and_no_timed_record_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivity, match="no session, lap or activity gives a start") as info:
        decode_fit(pool_swim(session=False))
    assert info.value.reason.startswith("skipped: FIT")


@pytest.mark.parametrize(("file_type", "name"), [(2, "settings"), (5, "workout"), (6, "course"), (9, "weight")])
def test_a_file_of_another_type_is_not_an_activity_even_with_a_session(file_type: int, name: str) -> None:
    with pytest.raises(NotAnActivity, match=f"FIT {name} file, not an activity"):
        decode_fit(pool_swim(file_type=file_type))


def test_device_relative_times_are_anchored_by_the_timestamp_correlation() -> None:
    w = FitWriter()
    w.define(0, fp.RECORD, [(253, UINT32), (3, UINT8)])
    w.write(0, [100 + np.arange(5), 140])
    w.define(1, fp.TIMESTAMP_CORRELATION, [(253, UINT32), (1, UINT32), (3, UINT32)])
    w.write(1, [int(fit_time(T0)) + 2, 102, int(fit_time(T0)) + 2 - 7 * 3600])
    data = w.to_bytes()
    assert_same_as_reference(data)
    track = decode_fit(data)
    np.testing.assert_array_equal(track.time, T0 + np.arange(5))
    assert track.utc_offset_s == -7 * 3600
    assert any("timestamp correlation" in w for w in track.warnings)


@pytest.mark.parametrize(
    ("local_minus_utc_s", "offset_s", "warned"),
    [
        (5 * 3600 + 1800 + 7, 5 * 3600 + 1800, False),  # India, the two times written 7 s apart
        (5 * 3600 + 2700, 5 * 3600 + 2700, False),  # Nepal +5:45
        (-(3 * 3600 + 1800), -(3 * 3600 + 1800), False),  # Newfoundland
        (225, None, False),  # UTC, the local time written 3 min 45 s later: rounds to +00:00
        (18 * 60, None, True),  # +00:18 is no time zone
        (3600 + 20 * 60, None, True),  # nor is +01:20
    ],
)
def test_the_local_offset_is_a_real_time_zone_or_none(
    local_minus_utc_s: int, offset_s: int | None, warned: bool
) -> None:
    w = FitWriter()
    w.define(0, fp.RECORD, [(253, UINT32), (3, UINT8)])
    w.write(0, [int(fit_time(T0)) + np.arange(5), 140])
    w.define(1, fp.ACTIVITY, [(253, UINT32), (5, UINT32)])
    w.write(1, [int(fit_time(T0)) + 4, int(fit_time(T0)) + 4 + local_minus_utc_s])
    track = decode_fit(w.to_bytes())
    assert (track.utc_offset_s or None) == offset_s
    assert any("which is no time zone" in m for m in track.warnings) == warned
