"""A small FIT encoder: synthetic runs for tests and the import benchmark (3,000 one-hour runs).

:class:`FitWriter` writes definitions and whole columns of data messages at once (one NumPy structured array
per batch, so a 3,600-record run takes ~1 ms); it can also write what the decoder must survive: big-endian
definitions, developer fields, compressed-timestamp headers, chained files, a missing CRC footer.
:func:`encode_run` builds a realistic run (file_id, timer events with pauses, records, lap, session,
activity).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from calfcare.activities.formats import fit_profile as fp

ArrayLike = float | int | Sequence[float] | npt.NDArray[np.generic]

# base type byte -> numpy kind (integers only: what the encoder needs)
_KIND = {0x00: "u1", 0x01: "i1", 0x02: "u1", 0x83: "i2", 0x84: "u2", 0x85: "i4", 0x86: "u4", 0x8C: "u4", 0x0D: "u1"}
UINT8, SINT8, UINT16, SINT16, UINT32, SINT32, ENUM = 0x02, 0x01, 0x84, 0x83, 0x86, 0x85, 0x00


class FitWriter:
    """Writes one FIT file; ``to_bytes`` adds header and CRC. Fields are (number, base type[, array length])
    tuples, plus optional developer fields (number, size, developer data index) whose bytes are written as given."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._defs: dict[int, tuple[np.dtype, int]] = {}

    def define(
        self,
        local: int,
        glob: int,
        fields: Sequence[tuple[int, int] | tuple[int, int, int]],
        *,
        big_endian: bool = False,
        dev_fields: Sequence[tuple[int, int, int]] = (),
    ) -> None:
        endian = ">" if big_endian else "<"
        header = 0x40 | local | (0x20 if dev_fields else 0)
        body = struct.pack(endian + "BBHB", 0, int(big_endian), glob, len(fields))
        counts = [f[2] if len(f) > 2 else 1 for f in fields]
        body += b"".join(
            bytes((f[0], np.dtype(_KIND[f[1]]).itemsize * count, f[1])) for f, count in zip(fields, counts, strict=True)
        )
        if dev_fields:
            body += bytes((len(dev_fields),)) + b"".join(bytes(f) for f in dev_fields)
        names = ["header"] + [f"f{i}" for i in range(len(fields))] + [f"d{i}" for i in range(len(dev_fields))]
        kinds = [
            (f"{count}" if count > 1 else "") + endian + _KIND[f[1]] for f, count in zip(fields, counts, strict=True)
        ]
        formats = ["u1", *kinds] + [f"V{size}" for _, size, _ in dev_fields]
        self._defs[local] = (np.dtype({"names": names, "formats": formats}), len(fields))
        self._parts.append(bytes((header,)) + body)

    def write(
        self,
        local: int,
        values: Sequence[ArrayLike],
        *,
        count: int | None = None,
        time_offsets: npt.NDArray[np.integer] | None = None,
        dev_values: Sequence[bytes] = (),
    ) -> None:
        """``count`` messages of ``local`` with the given raw values (scalars broadcast). ``time_offsets``
        (0-31) writes compressed-timestamp headers instead of normal ones (local types 0-3 only)."""
        dtype, nfields = self._defs[local]
        n = count if count is not None else max((np.shape(v)[0] if np.ndim(v) else 1 for v in values), default=1)
        rows = np.zeros(n, dtype=dtype)
        if time_offsets is not None:
            rows["header"] = 0x80 | local << 5 | (np.asarray(time_offsets) & 0x1F)
        else:
            rows["header"] = local
        for i, value in enumerate(values[:nfields]):
            rows[f"f{i}"] = value
        for i, value in enumerate(dev_values):
            rows[f"d{i}"] = np.frombuffer(value, dtype=f"V{len(value)}")[0]
        self._parts.append(rows.tobytes())

    def to_bytes(self, *, crc: bool = True, header_size: int = 14) -> bytes:
        data = b"".join(self._parts)
        header = struct.pack("<BBHI4s", header_size, 0x20, 2132, len(data), b".FIT")
        if header_size == 14:
            header += struct.pack("<H", fp.crc16_slow(header))
        out = header + data
        return out + struct.pack("<H", fp.crc16(out)) if crc else out


def fit_time(epoch: ArrayLike) -> npt.NDArray[np.int64]:
    return np.asarray(np.round(np.asarray(epoch, dtype=np.float64) - fp.FIT_EPOCH), dtype=np.int64)


def semicircles(deg: ArrayLike) -> npt.NDArray[np.int64]:
    return np.asarray(np.round(np.asarray(deg, dtype=np.float64) / fp.SEMICIRCLE_DEG), dtype=np.int64)


RECORD_FIELDS = [(253, UINT32), (0, SINT32), (1, SINT32), (5, UINT32), (78, UINT32), (73, UINT32), (3, UINT8),
                 (4, UINT8), (53, UINT8)]  # fmt: skip


def record_values(
    time: ArrayLike, lat: ArrayLike, lon: ArrayLike, distance: ArrayLike, altitude: ArrayLike, speed: ArrayLike,
    hr: ArrayLike, cadence_spm: ArrayLike,
) -> list[npt.NDArray[np.int64]]:  # fmt: skip
    """Raw values of :data:`RECORD_FIELDS` from SI units (cadence in steps/min: half, as rpm + 1/128ths)."""
    strides = np.asarray(cadence_spm, dtype=np.float64) / 2
    whole = np.floor(strides)
    return [
        fit_time(time),
        semicircles(lat),
        semicircles(lon),
        np.round(np.asarray(distance, dtype=np.float64) * 100).astype(np.int64),
        np.round((np.asarray(altitude, dtype=np.float64) + 500) * 5).astype(np.int64),
        np.round(np.asarray(speed, dtype=np.float64) * 1000).astype(np.int64),
        np.round(np.asarray(hr, dtype=np.float64)).astype(np.int64),
        whole.astype(np.int64),
        np.round((strides - whole) * 128).astype(np.int64),
    ]


def encode_run(
    start: datetime,
    duration_s: int,
    *,
    speed_ms: ArrayLike = 3.0,
    hr: ArrayLike = 150,
    cadence_spm: ArrayLike = 170,
    altitude: ArrayLike = 100.0,
    lat0: float = 48.0,
    lon0: float = 11.0,
    pauses: Sequence[tuple[float, float]] = (),
    record_interval: float = 1.0,
    sport: int = 1,
    sub_sport: int = 0,
    manufacturer: int = 1,
    product: int = 2697,
    utc_offset_s: int | None = 3600,
) -> bytes:
    """A run of ``duration_s`` seconds from ``start`` (timezone-aware) heading north-east at ``speed_ms``.
    ``pauses`` are (from, to) seconds after the start: the timer stops, no records are written and the
    distance does not grow. Array arguments give one value per second of the run (index = second)."""
    t0 = start.timestamp()
    offsets = np.arange(0.0, duration_s + 1e-9, record_interval)
    paused = np.zeros(len(offsets), dtype=bool)
    for a, b in pauses:
        paused |= (offsets > a) & (offsets < b)
    seconds = np.minimum(offsets.astype(np.int64), duration_s)

    def per_second(value: ArrayLike) -> npt.NDArray[np.float64]:
        arr = np.asarray(value, dtype=np.float64)
        return np.full(len(offsets), float(arr)) if arr.ndim == 0 else arr[np.minimum(seconds, len(arr) - 1)]

    speed = per_second(speed_ms)
    steps = np.diff(offsets, prepend=0.0) * speed
    steps[paused] = 0.0
    distance = np.cumsum(steps)
    north = distance / np.sqrt(2)
    lat = lat0 + north / 111_195.0
    lon = lon0 + north / (111_195.0 * np.cos(np.radians(lat0)))
    keep = ~paused
    values = record_values(
        t0 + offsets, lat, lon, distance, per_second(altitude), speed, per_second(hr), per_second(cadence_spm)
    )
    values = [v[keep] for v in values]
    t_end = t0 + duration_s
    moving = duration_s - sum(min(b, duration_s) - max(a, 0) for a, b in pauses)
    w = FitWriter()
    w.define(0, fp.FILE_ID, [(0, ENUM), (1, UINT16), (2, UINT16), (4, UINT32)])
    w.write(0, [4, manufacturer, product, fit_time(t0)])
    w.define(1, fp.EVENT, [(253, UINT32), (0, ENUM), (1, ENUM)])
    w.write(1, [fit_time(t0), 0, 0])
    w.define(2, fp.RECORD, RECORD_FIELDS)
    rec_times = t0 + offsets[keep]
    bounds = [0]
    for a, b in sorted(pauses):
        cut = int(np.searchsorted(rec_times, t0 + a, side="right"))
        w.write(2, [v[bounds[-1] : cut] for v in values])
        w.write(1, [fit_time([t0 + a, t0 + b]), 0, [4, 0]])
        bounds.append(cut)
    w.write(2, [v[bounds[-1] :] for v in values])
    w.write(1, [fit_time(t_end), 0, 4])
    hr_arr, cad = values[6], values[7] * 2 + values[8] / 64
    hr_avg, hr_max = (round(float(hr_arr.mean())), int(hr_arr.max())) if len(hr_arr) else (255, 255)
    strides = int(cad.mean() / 2) if len(cad) else 255
    total = values[3][-1] if len(values[3]) else 0
    session = [fit_time(t_end), fit_time(t0), round(duration_s * 1000), round(moving * 1000), total, hr_avg, hr_max,
               strides, sport, sub_sport]  # fmt: skip
    w.define(3, fp.SESSION, [(253, UINT32), (2, UINT32), (7, UINT32), (8, UINT32), (9, UINT32), (16, UINT8),
                             (17, UINT8), (18, UINT8), (5, ENUM), (6, ENUM)])  # fmt: skip
    w.write(3, session)
    if utc_offset_s is not None:
        w.define(4, fp.ACTIVITY, [(253, UINT32), (5, UINT32), (1, UINT16)])
        w.write(4, [fit_time(t_end), fit_time(t_end) + utc_offset_s, 1])
    return w.to_bytes()
