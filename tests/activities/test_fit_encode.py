"""The FIT encoder writes files that an independent decoder (fitdecode) reads back as intended, fast enough
to build the 3,000-run import benchmark."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import fitdecode
import numpy as np

from calfcare.activities.formats import fit_profile as fp
from calfcare.activities.formats.fit_encode import UINT8, UINT32, FitWriter, encode_run, fit_time

START = datetime(2024, 3, 2, 6, 30, tzinfo=UTC)


def read_with_fitdecode(data: bytes) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                out.setdefault(frame.name, []).append({f.name: f.value for f in frame.fields})
    return out


def test_an_encoded_run_reads_back_in_fitdecode() -> None:
    data = encode_run(START, 600, speed_ms=2.5, hr=141, cadence_spm=168, altitude=12.0, lat0=-33.9, lon0=151.2)
    msgs = read_with_fitdecode(data)
    records = msgs["record"]
    assert len(records) == 601
    first, last = records[0], records[-1]
    assert first["timestamp"] == START and last["distance"] == 1500.0
    assert first["heart_rate"] == 141 and first["cadence"] == 84 and first["fractional_cadence"] == 0.0
    assert first["enhanced_altitude"] == 12.0 and first["enhanced_speed"] == 2.5
    assert abs(first["position_lat"] * fp.SEMICIRCLE_DEG + 33.9) < 1e-6
    session = msgs["session"][0]
    assert session["total_elapsed_time"] == 600 and session["sport"] == "running"
    assert [e["event_type"] for e in msgs["event"]] == ["start", "stop_all"]


def test_pauses_write_timer_events_and_no_records() -> None:
    msgs = read_with_fitdecode(encode_run(START, 300, pauses=[(100, 150)]))
    kinds = [(e["event_type"], e["timestamp"].timestamp() - START.timestamp()) for e in msgs["event"]]
    assert kinds == [("start", 0), ("stop_all", 100), ("start", 150), ("stop_all", 300)]
    assert len(msgs["record"]) == 301 - 49
    assert msgs["session"][0]["total_timer_time"] == 250


def test_compressed_timestamp_headers_are_understood_by_fitdecode() -> None:
    w = FitWriter()
    w.define(1, fp.EVENT, [(253, UINT32)])
    base = int(fit_time(START.timestamp()))
    w.write(1, [base])
    w.define(0, fp.RECORD, [(3, UINT8)])
    w.write(0, [np.arange(40) + 100], time_offsets=(base + 1 + np.arange(40)) & 0x1F)
    records = read_with_fitdecode(w.to_bytes())["record"]
    stamps = [r["timestamp"].timestamp() - START.timestamp() for r in records]
    assert stamps == list(range(1, 41))


def test_one_hour_runs_of_the_same_shape_encode_to_the_same_size() -> None:
    # Encoding speed is measured by benchmarks/import_export.py (it builds 3,000 runs), not by a timed test.
    files = [encode_run(START, 3600, lat0=40 + i / 100) for i in range(5)]
    assert len({len(f) for f in files}) == 1
    assert len(set(files)) == 5
