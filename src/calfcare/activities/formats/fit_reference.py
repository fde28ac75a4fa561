"""The fitdecode path: the fallback of :func:`calfcare.activities.formats.fit.decode_fit` and the reference the
tests compare our decoder with, record for record. It extracts exactly what :mod:`.fit_decode` extracts, by
field number, into the same :class:`~.fit_decode.FitMessages` (slow: ~40 s for the corpus, vs ~1 s)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import warnings

import numpy as np

from calfcare.activities.formats import fit_profile as fp
from calfcare.activities.formats.fit_decode import RECORD_COLUMNS, FitMessages
from calfcare.errors import CorruptFile, UnsupportedFormat

_CSD_COMPONENTS = {6: "csd_speed", 5: "csd_distance"}  # compressed_speed_distance expands into speed, distance


def _number(value: object, *, semicircles: bool = False) -> float:
    if isinstance(value, tuple):  # an array field: the first element, like our decoder
        value = value[0] if value else None
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return float("nan")
    return float(value) * fp.SEMICIRCLE_DEG if semicircles else float(value)


def _value(field: object, num: int, glob: int) -> float | str | None:
    """A field's value as our decoder gives it: SI after scale/offset, enums as raw numbers, datetimes as
    Unix seconds, NaN for invalid or byte-fallback (size not a multiple of the type) values."""
    field_def = field.field_def  # type: ignore[attr-defined]
    if field_def.base_type.name == "byte" and num != fp.COMPRESSED_SPEED_DISTANCE:
        return None
    name, scale, offset = fp.FIELDS[glob][num] if num in fp.FIELDS.get(glob, {}) else ("", 1, 0)
    raw = field.raw_value  # type: ignore[attr-defined]
    if name in fp.DATE_TIME_FIELDS and isinstance(raw, int):
        return float(raw + fp.FIT_EPOCH)
    value = field.value  # type: ignore[attr-defined]
    if isinstance(value, dt.datetime) or isinstance(field.raw_value, tuple):  # type: ignore[attr-defined]
        return _number(value)
    if isinstance(value, str) and not isinstance(field.raw_value, int | tuple):  # type: ignore[attr-defined]
        return value
    if scale == 1 and offset == 0:
        return _number(raw)
    return _number(value, semicircles=name in ("lat", "lon"))


def reference_messages(data: bytes, *, max_records: int | None = None) -> FitMessages:
    """Decode with fitdecode (CRC checked) into FitMessages; fitdecode's errors become CorruptFile.
    ``max_records`` stops after that many record messages (tests: a bounded head of a big file)."""
    import fitdecode

    if not data:
        raise CorruptFile("empty file (0 bytes): not a FIT file")
    if len(data) < 12 or data[8:12] != b".FIT":
        raise UnsupportedFormat("not a FIT file (no '.FIT' signature in the first 12 bytes)")
    rows: list[dict[str, float]] = []
    messages: dict[int, list[dict[str, float | str]]] = {}
    files = 0
    reader = fitdecode.FitReader(
        io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE, error_handling=fitdecode.ErrorHandling.IGNORE
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for frame in reader:
                if isinstance(frame, fitdecode.FitHeader):
                    files += 1
                elif isinstance(frame, fitdecode.FitDataMessage):
                    glob = frame.global_mesg_num
                    if glob == fp.RECORD:
                        rows.append(_record(frame))
                        if max_records is not None and len(rows) >= max_records:
                            break
                    elif glob in fp.FIELDS:
                        messages.setdefault(glob, []).append(_message(frame, glob))
    except (fitdecode.FitError, ValueError, KeyError, IndexError, TypeError, struct.error) as exc:
        raise CorruptFile(f"FIT file could not be decoded (fitdecode: {type(exc).__name__}: {exc})") from exc
    finally:
        reader.close()
    records = {name: np.array([r.get(name, np.nan) for r in rows], dtype=np.float64) for name in RECORD_COLUMNS}
    return FitMessages(records=records, messages=messages, fit_files=files)


def _record(frame: object) -> dict[str, float]:
    row: dict[str, float] = {}
    compressed_ts: float | None = None
    for field in frame.fields:  # type: ignore[attr-defined]
        field_def = field.field_def
        if field_def is None:  # expanded component / compressed timestamp
            if field.name == "timestamp":
                compressed_ts = float(field.raw_value + fp.FIT_EPOCH)
            elif field.def_num in _CSD_COMPONENTS and field.value is not None:
                row[_CSD_COMPONENTS[field.def_num]] = float(field.value)  # component values come scaled
            continue
        if field_def.is_dev or field_def.def_num not in fp.FIELDS[fp.RECORD]:
            continue
        name = fp.FIELDS[fp.RECORD][field_def.def_num][0]
        if name in row:  # a field defined twice: the first one counts
            continue
        value = _value(field, field_def.def_num, fp.RECORD)
        row[name] = value if isinstance(value, float) else float("nan")
    if compressed_ts is not None:
        row["timestamp"] = compressed_ts
    return row


def _message(frame: object, glob: int) -> dict[str, float | str]:
    row: dict[str, float | str] = {}
    strings = fp.STRING_FIELDS.get(glob, {})
    for field in frame.fields:  # type: ignore[attr-defined]
        field_def = field.field_def
        if field_def is None or field_def.is_dev:
            continue
        num = field_def.def_num
        if num in strings and isinstance(field.value, str):
            row.setdefault(strings[num], field.value)
            continue
        if num not in fp.FIELDS[glob] or fp.FIELDS[glob][num][0] in row:
            continue
        value = _value(field, num, glob)
        if isinstance(value, str) or (value is not None and value == value):
            row[fp.FIELDS[glob][num][0]] = value
    return row
