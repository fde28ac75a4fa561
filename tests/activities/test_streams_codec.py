from __future__ import annotations

import numpy as np
import pytest

from calfcare.activities.activity import Streams
from calfcare.activities.streams_codec import ENCODING, SCALES, pack_streams, unpack_streams
from calfcare.errors import StorageError


def _run(n: int = 3600, seed: int = 7) -> Streams:
    rng = np.random.default_rng(seed)
    speed = (3 + 0.2 * rng.standard_normal(n)).astype(np.float32)
    hr = np.round(150 + np.cumsum(rng.standard_normal(n)) * 0.3).astype(np.float32)
    hr[100:160] = np.nan  # strap dropped out
    return Streams(
        start_epoch=1_700_000_000.0,
        channels={
            "distance": np.cumsum(speed).astype(np.float32),
            "speed": speed,
            "heart_rate": hr,
            "cadence": np.full(n, 172.0, dtype=np.float32),
            "altitude": (300 + np.cumsum(0.1 * rng.standard_normal(n))).astype(np.float32),
            "lat": 48.1 + np.cumsum(1e-5 * rng.standard_normal(n)),
            "lon": 11.5 + np.cumsum(1e-5 * rng.standard_normal(n)),
        },
    )


def test_a_run_round_trips_within_each_channels_quantum_and_keeps_nans_exactly() -> None:
    streams = _run()
    back = unpack_streams(pack_streams(streams))
    assert back.start_epoch == streams.start_epoch
    assert back.length == streams.length
    for name, values in streams.channels.items():
        got = back.channels[name]
        assert np.array_equal(np.isnan(got), np.isnan(values)), name
        finite = np.isfinite(values)
        tolerance = 0.5 / SCALES[name] + float(np.spacing(np.abs(values[finite]).max()))
        assert np.max(np.abs(got[finite] - values[finite])) <= tolerance, name
    assert back.channels["lat"].dtype == np.float64
    assert back.channels["heart_rate"].dtype == np.float32


def test_packing_is_several_times_smaller_than_the_raw_arrays() -> None:
    streams = _run()
    raw = sum(v.nbytes for v in streams.channels.values())
    assert len(pack_streams(streams)) < raw / 3


def test_values_that_do_not_fit_the_scaled_integers_are_kept_exactly() -> None:
    altitude = np.array([1e12, np.nan, -5.5, np.inf], dtype=np.float64)
    power = np.array([250.5, np.nan, 0.0, 310.25], dtype=np.float32)
    back = unpack_streams(pack_streams(Streams(0.0, {"altitude": altitude, "power": power})))
    assert back.channels["altitude"][0] == np.float32(1e12)
    assert np.isinf(back.channels["altitude"][3]) and np.isnan(back.channels["altitude"][1])
    np.testing.assert_array_equal(back.channels["power"], power)


def test_only_the_requested_channels_are_unpacked() -> None:
    back = unpack_streams(pack_streams(_run(100)), channels=("heart_rate",))
    assert list(back.channels) == ["heart_rate"]
    assert back.length == 100


def test_an_all_nan_channel_and_an_empty_stream_round_trip() -> None:
    back = unpack_streams(pack_streams(Streams(5.0, {"cadence": np.full(4, np.nan, dtype=np.float32)})))
    assert np.isnan(back.channels["cadence"]).all()
    empty = unpack_streams(pack_streams(Streams(5.0, {})))
    assert empty.length == 0 and empty.start_epoch == 5.0


def test_a_blob_that_is_not_ours_is_a_storage_error_naming_the_encoding() -> None:
    with pytest.raises(StorageError, match=ENCODING):
        unpack_streams(b"not a stream blob at all")


def test_channels_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="expected 3"):
        pack_streams(Streams(0.0, {"speed": np.zeros(3, np.float32), "cadence": np.zeros(2, np.float32)}))


def test_leading_trailing_and_inner_nans_survive_and_single_samples_round_trip() -> None:
    hr = np.array([np.nan, np.nan, 120, 121, np.nan, 125, np.nan], dtype=np.float32)
    back = unpack_streams(pack_streams(Streams(0.0, {"heart_rate": hr})))
    np.testing.assert_array_equal(back.channels["heart_rate"], hr)
    one = unpack_streams(pack_streams(Streams(0.0, {"distance": np.array([12.34], dtype=np.float32)})))
    assert one.channels["distance"][0] == pytest.approx(12.34, abs=0.005)


def test_large_jumps_still_round_trip_when_the_deltas_need_wide_integers() -> None:
    lat = np.array([-89.9999999, 89.9999999, -89.9999999, 0.0])
    back = unpack_streams(pack_streams(Streams(0.0, {"lat": lat})))
    np.testing.assert_allclose(back.channels["lat"], lat, atol=1e-7)
