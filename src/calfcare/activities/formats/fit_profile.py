"""The small part of the FIT profile the decoder and encoder need: base types, the fields we keep, device
names, and a fast CRC-16.

CRC: FIT uses CRC-16/ARC (reflected polynomial 0xA001, initial value 0, no final xor). A byte loop in Python
costs ~400 ns/byte (41 ms for a 100 KB one-hour run), 50x the whole decode. This CRC is linear and has
no initial value, so the CRC of a buffer is the XOR of independent per-byte contributions that depend only on
the byte's distance from the end, and that dependence repeats every 32,767 bytes (x has order 2**15 - 1 modulo
the polynomial, checked in tests). So: XOR-fold the buffer into one 32,767-byte block (one NumPy reduce), then
look every byte's contribution up in 64 per-position tables and combine the 64-byte block CRCs with 512
"shift by 64*m zero bytes" tables. Measured: ~0.1 ms for a 100 KB file and for 1 MB (byte loop: 41 ms / 0.4 s).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z in Unix seconds
FIT_DATETIME_MIN = 0x10000000  # smaller date_time values count seconds since the device was switched on
RELATIVE_BEFORE = FIT_EPOCH + FIT_DATETIME_MIN  # Unix times below this were device-relative in the file
SEMICIRCLE_DEG = 180.0 / 2**31

# base type byte -> (numpy kind char, size, invalid raw value or None for "check with isnan"/"zero")
# Unknown base type bytes are read as plain bytes, like fitdecode does.
BASE_TYPES: dict[int, tuple[str, int, int | None]] = {
    0x00: ("u1", 1, 0xFF),  # enum
    0x01: ("i1", 1, 0x7F),
    0x02: ("u1", 1, 0xFF),
    0x83: ("i2", 2, 0x7FFF),
    0x84: ("u2", 2, 0xFFFF),
    0x85: ("i4", 4, 0x7FFFFFFF),
    0x86: ("u4", 4, 0xFFFFFFFF),
    0x07: ("S1", 1, 0),  # string
    0x88: ("f4", 4, None),
    0x89: ("f8", 8, None),
    0x0A: ("u1", 1, 0),  # uint8z
    0x8B: ("u2", 2, 0),
    0x8C: ("u4", 4, 0),
    0x0D: ("u1", 1, 0xFF),  # byte
    0x8E: ("i8", 8, 0x7FFFFFFFFFFFFFFF),
    0x8F: ("u8", 8, 0xFFFFFFFFFFFFFFFF),
    0x90: ("u8", 8, 0),
}
BYTE_TYPE = 0x0D

# Global message numbers we read.
FILE_ID, DEVICE_INFO, SPORT, SESSION, LAP, RECORD, EVENT, ACTIVITY = 0, 23, 12, 18, 19, 20, 21, 34
TIMESTAMP_CORRELATION = 162
FILE_TYPE_ACTIVITY = 4
TIMESTAMP = 253

# message -> {field number: (name, scale, offset)}; value = raw / scale - offset (the FIT profile's rule)
FIELDS: dict[int, dict[int, tuple[str, float, float]]] = {
    RECORD: {
        253: ("timestamp", 1, 0),
        0: ("lat", 1 / SEMICIRCLE_DEG, 0),
        1: ("lon", 1 / SEMICIRCLE_DEG, 0),
        2: ("altitude", 5, 500),
        78: ("enhanced_altitude", 5, 500),
        3: ("heart_rate", 1, 0),
        4: ("cadence", 1, 0),
        53: ("fractional_cadence", 128, 0),
        5: ("distance", 100, 0),
        6: ("speed", 1000, 0),
        73: ("enhanced_speed", 1000, 0),
    },
    SESSION: {
        253: ("timestamp", 1, 0),
        2: ("start_time", 1, 0),
        5: ("sport", 1, 0),
        6: ("sub_sport", 1, 0),
        7: ("total_elapsed_time", 1000, 0),
        8: ("total_timer_time", 1000, 0),
        9: ("total_distance", 100, 0),
        16: ("avg_heart_rate", 1, 0),
        17: ("max_heart_rate", 1, 0),
        18: ("avg_cadence", 1, 0),
        92: ("avg_fractional_cadence", 128, 0),
        22: ("total_ascent", 1, 0),
    },
    LAP: {
        253: ("timestamp", 1, 0),
        2: ("start_time", 1, 0),
        7: ("total_elapsed_time", 1000, 0),
        8: ("total_timer_time", 1000, 0),
        9: ("total_distance", 100, 0),
    },
    EVENT: {253: ("timestamp", 1, 0), 0: ("event", 1, 0), 1: ("event_type", 1, 0)},
    FILE_ID: {0: ("type", 1, 0), 1: ("manufacturer", 1, 0), 2: ("product", 1, 0), 4: ("time_created", 1, 0)},
    DEVICE_INFO: {253: ("timestamp", 1, 0), 0: ("device_index", 1, 0), 2: ("manufacturer", 1, 0), 4: ("product", 1, 0)},
    SPORT: {0: ("sport", 1, 0), 1: ("sub_sport", 1, 0)},
    ACTIVITY: {253: ("timestamp", 1, 0), 0: ("total_timer_time", 1000, 0), 5: ("local_timestamp", 1, 0)},
    # system_timestamp (device-relative) <-> timestamp (UTC): anchors device-relative record times (VIRB cameras)
    TIMESTAMP_CORRELATION: {253: ("timestamp", 1, 0), 1: ("system_timestamp", 1, 0), 3: ("local_timestamp", 1, 0)},
}
# String fields read from the first message only: product_name of file_id and device_info.
STRING_FIELDS: dict[int, dict[int, str]] = {FILE_ID: {8: "product_name"}, DEVICE_INFO: {27: "product_name"}}
DATE_TIME_FIELDS = frozenset({"timestamp", "start_time", "time_created", "local_timestamp", "system_timestamp"})
COMPRESSED_SPEED_DISTANCE = 8  # record field: 12 bits speed (1/100 m/s) + 12 bits accumulated distance (1/16 m)


FIT_MULTISPORT = 18  # sport enum "multisport" (a triathlon's summary session)


def steps_per_minute(sport: str) -> bool:
    """FIT cadence counts strides (one foot) for running and walking: double it to steps/min. Rides keep rpm."""
    return sport in ("run", "trail_run", "treadmill", "walk")


def enum_name(type_name: str, value: int | None) -> str | None:
    """Name of a FIT enum value from fitdecode's profile (imported lazily: it is only needed once per file)."""
    if value is None:
        return None
    from fitdecode import profile

    field_type = profile.FIELD_TYPES.get(type_name)
    names = field_type.enum if field_type is not None else None
    return names.get(value) if names else None


def device_name(manufacturer: int | None, product: int | None, product_name: str | None) -> str | None:
    """ "garmin fr935" when the profile knows the product, else the names/numbers we have."""
    if manufacturer is None and product is None and not product_name:
        return None
    maker = enum_name("manufacturer", manufacturer) or (str(manufacturer) if manufacturer is not None else None)
    model: str | None = product_name or None
    if model is None and product is not None:
        if manufacturer in (1, 15, 13):  # garmin, dynastream, dynastream_oem share the garmin_product list
            model = enum_name("garmin_product", product)
        model = model or str(product)
    return " ".join(part for part in (maker, model) if part)


# --- CRC-16/ARC ------------------------------------------------------------------------------------------

CRC_PERIOD = 32767  # advancing the CRC state through 32,767 zero bytes is the identity map
_BLOCK = 64
_MAX_BLOCKS = 512  # 64 * 512 = 32,768 >= CRC_PERIOD


def _byte_table() -> npt.NDArray[np.uint16]:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ 0xA001, table >> 1)
    return table.astype(np.uint16)


CRC_TABLE = _byte_table()


def _advance(values: npt.NDArray[np.uint16], zero_bytes: int) -> npt.NDArray[np.uint16]:
    for _ in range(zero_bytes):
        values = (values >> 8) ^ CRC_TABLE[values & 0xFF]
    return values


@cache
def _tables() -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
    """Level 1: contribution of byte b at index j of a 64-byte block. Level 2: a block CRC s followed by 64*m
    bytes contributes A^m(s) = lo[m][s & 0xFF] ^ hi[m][s >> 8] (linear maps as two byte tables)."""
    level1 = np.empty((_BLOCK, 256), dtype=np.uint16)
    row = CRC_TABLE.copy()
    for j in range(_BLOCK - 1, -1, -1):
        level1[j] = row
        row = _advance(row, 1)
    lo = np.empty((_MAX_BLOCKS, 256), dtype=np.uint16)
    hi = np.empty((_MAX_BLOCKS, 256), dtype=np.uint16)
    lo[0] = np.arange(256, dtype=np.uint16)
    hi[0] = lo[0] << 8
    step_lo, step_hi = _advance(lo[0], _BLOCK), _advance(hi[0], _BLOCK)
    for m in range(1, _MAX_BLOCKS):
        lo[m] = step_lo[lo[m - 1] & 0xFF] ^ step_hi[lo[m - 1] >> 8]
        hi[m] = step_lo[hi[m - 1] & 0xFF] ^ step_hi[hi[m - 1] >> 8]
    return level1.reshape(-1), np.stack([lo, hi], axis=1).reshape(-1)


def crc16(data: bytes | bytearray | memoryview | npt.NDArray[np.uint8]) -> int:
    """CRC-16/ARC of ``data`` (the FIT CRC). A buffer followed by its own CRC (little-endian) gives 0."""
    buf = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    n = len(buf)
    if n > CRC_PERIOD:
        head = n % CRC_PERIOD
        folded = np.bitwise_xor.reduce(buf[head:].reshape(-1, CRC_PERIOD), axis=0)
        if head:
            folded[CRC_PERIOD - head :] ^= buf[:head]
        buf, n = folded, CRC_PERIOD
    blocks = -(-n // _BLOCK)
    padded = np.zeros(blocks * _BLOCK, dtype=np.intp)
    padded[blocks * _BLOCK - n :] = buf
    level1, level2 = _tables()
    index = padded.reshape(blocks, _BLOCK)
    index += np.arange(0, _BLOCK * 256, 256, dtype=np.intp)  # in place: "a + b" measured 3x slower (0.3 ms)
    block_crc = np.bitwise_xor.reduce(level1[index], axis=1).astype(np.intp)
    rows = np.arange(blocks - 1, -1, -1, dtype=np.intp) * 512
    parts = level2[rows + (block_crc & 0xFF)] ^ level2[rows + 256 + (block_crc >> 8)]
    return int(np.bitwise_xor.reduce(parts)) if blocks else 0


def crc16_slow(data: bytes, crc: int = 0) -> int:
    """Byte-at-a-time reference (used for the 12-byte header CRC and in tests)."""
    table = CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ int(table[(crc ^ byte) & 0xFF])
    return crc
