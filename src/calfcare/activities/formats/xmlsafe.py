"""A hardened XML front door shared by the GPX and TCX readers, plus the small helpers both need.

Refused (:class:`UnsafeFile`): any ``<!ENTITY`` declaration (billion laughs, external entities such as
``file:///etc/passwd``). The parser itself never resolves entities, never loads a DTD, never touches the
network and keeps libxml2's size limits (``huge_tree=False``), so even a declaration we missed cannot expand.

Handled leniently (with a warning on the track): a UTF-8 byte-order mark, whitespace before ``<?xml``, and
UTF-16 files (re-encoded to UTF-8 before parsing).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
from lxml import etree

from calfcare.activities.activity import FloatArray
from calfcare.activities.streams import NotAnActivity
from calfcare.errors import CorruptFile, UnsafeFile

__all__ = [
    "NotAnActivity",
    "first_session",
    "float_channels",
    "iso_times",
    "parse_xml",
    "part_warning",
    "sessions",
    "to_floats",
]

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "recover": False,
}
_XML_DECL = re.compile(rb"^<\?xml[^>]*\?>")
_ENCODING_ATTR = re.compile(rb"""\sencoding\s*=\s*["'][^"']*["']""")


# libxml2's advice to lift its limits ("…, use XML_PARSE_HUGE option", "…, try XML_PARSE_HUGE"): meaningless to a runner
_HUGE_HINT = re.compile(r",?\s*(?:use|try) XML_PARSE_HUGE(?: option)?")
_ENTITY_REFUSAL = "XML entity declarations are not allowed (possible XML bomb / external entity)"


def _utf16_codec(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if len(data) > 3 and data[1] == 0 and data[3] == 0:
        return "utf-16-le"
    if len(data) > 3 and data[0] == 0 and data[2] == 0:
        return "utf-16-be"
    return None


def _to_utf8(data: bytes, fmt: str, warnings: list[str], path: str | None) -> bytes:
    """Undo byte-order marks and UTF-16 so the rest of the checks work on UTF-8 bytes."""
    codec = _utf16_codec(data)
    if codec:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].decode(codec, errors="ignore").count("\n") + 1
            raise CorruptFile(
                f"{fmt}: looks like UTF-16 but cannot be decoded at line {line} (byte {exc.start})", path=path
            ) from exc
        warnings.append(f"{fmt}: UTF-16 file re-encoded as UTF-8")
        data = text.lstrip("\ufeff").encode("utf-8")
        decl = _XML_DECL.match(data.lstrip())
        if decl:
            data = data.lstrip()
            data = _ENCODING_ATTR.sub(b"", data[: decl.end()], count=1) + data[decl.end() :]
        return data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data


def parse_xml(data: bytes, fmt: str, warnings: list[str], *, path: str | None = None) -> etree._Element:
    """Parse untrusted XML bytes safely; ``fmt`` ("GPX", "TCX") prefixes every message."""
    if not data.strip():
        raise CorruptFile(f"{fmt}: the file is empty", path=path)
    data = _to_utf8(data, fmt, warnings, path)
    stripped = data.lstrip()
    if len(stripped) != len(data):
        warnings.append(f"{fmt}: whitespace before the XML declaration was ignored")
        data = stripped
    if b"<!ENTITY" in data:
        raise UnsafeFile(
            f"{fmt}: XML entity declarations are not allowed (possible XML bomb / external entity)", path=path
        )
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        message = str(exc.msg).split(", line ")[0] if exc.msg else "syntax error"
        if _HUGE_HINT.search(message):  # libxml2's safety limits (nesting depth, text size): hostile or broken
            limit = _HUGE_HINT.sub("", message).strip(" ,")
            raise UnsafeFile(f"{fmt}: beyond the XML safety limits at line {line} ({limit})", path=path) from exc
        raise CorruptFile(f"{fmt}: not well-formed XML at line {line}, column {column} ({message})", path=path) from exc
    except (ValueError, etree.ParserError) as exc:
        raise CorruptFile(f"{fmt}: cannot be parsed as XML at line 1 ({exc})", path=path) from exc
    if root is None:
        last = data.count(b"\n") + 1
        raise CorruptFile(f"{fmt}: no root element (line {last}, the end of the file)", path=path)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeFile(
            f"{fmt}: XML entity declarations are not allowed (possible XML bomb / external entity)", path=path
        )
    return root


def local_name(tag: object) -> str:
    """``{namespace}name`` → ``name`` (comments and other non-element nodes give "")."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def to_floats(values: Sequence[str | None]) -> tuple[FloatArray, int]:
    """Text values → float64 with NaN for missing or unreadable ones; also returns how many were unreadable."""
    try:
        out = np.array(["nan" if v is None else v for v in values], dtype=np.float64)
    except ValueError:
        pass
    else:
        out[~np.isfinite(out)] = np.nan
        return out, 0
    out = np.full(len(values), np.nan)
    bad = 0
    for i, text in enumerate(values):
        if text is None:
            continue
        try:
            out[i] = float(text)
        except ValueError:
            bad += 1
    out[~np.isfinite(out)] = np.nan
    return out, bad


_FRACTION = re.compile(r"(\.\d{6})\d+")


def float_channels(
    columns: Mapping[str, Sequence[str | None]],
    keys: Iterable[str],
    fmt: str,
    warnings: list[str],
    *,
    keep: npt.NDArray[np.bool_] | None = None,
) -> dict[str, FloatArray]:
    """The ``keys`` text columns as float channels: unreadable values are NaN and counted in a warning (``fmt``:
    "GPX", "TCX"), then only the ``keep`` rows are kept. A channel without any value is left out, and so are
    ``lat`` and ``lon`` unless both have values."""
    channels: dict[str, FloatArray] = {}
    for key in keys:
        values, bad = to_floats(columns[key])
        if bad:
            warnings.append(f"{fmt}: {bad} unreadable {key} values ignored")
        if keep is not None:
            values = values[keep]
        if np.isfinite(values).any():
            channels[key] = values
    if ("lat" in channels) != ("lon" in channels):
        channels.pop("lat", None)
        channels.pop("lon", None)
    return channels


def _parse_iso(text: str) -> datetime | None:
    text = text.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", text).replace(" ", "T", 1))
    except ValueError:
        return None


def _utc_times(values: Sequence[str | None]) -> FloatArray | None:
    """The common case in one NumPy call: every time written in UTC with a trailing "Z"; None otherwise."""
    try:
        stripped = ["NaT" if not v else v[:-1] if v.endswith("Z") else "!" for v in values]
        with warnings.catch_warnings():  # an offset before the "Z" ("…+01:00Z") warns: not this fast case
            warnings.simplefilter("error")
            stamps = np.array(stripped, dtype="datetime64[us]")
    except (ValueError, UserWarning, DeprecationWarning):
        return None
    out = stamps.astype(np.int64).astype(np.float64) / 1e6
    out[np.isnat(stamps)] = np.nan
    return out


def iso_times(values: Sequence[str | None]) -> tuple[FloatArray, int | None, int]:
    """ISO 8601 texts → epoch seconds (NaN when missing/unreadable). Times without an offset are taken as UTC.

    Returns (times, utc_offset_s, unreadable): the offset is the one the file wrote when it is not UTC
    (e.g. ``+02:00``), else ``None``.
    """
    fast = _utc_times(values)
    if fast is not None:
        return fast, None, 0
    out = np.full(len(values), np.nan)
    offset: int | None = None
    bad = 0
    for i, text in enumerate(values):
        if not text:
            continue
        moment = _parse_iso(text)
        if moment is None:
            bad += 1
            continue
        if moment.tzinfo is None:
            out[i] = moment.replace(tzinfo=UTC).timestamp()
            continue
        delta = moment.utcoffset()
        if offset is None and delta is not None and delta.total_seconds() != 0:
            offset = int(delta.total_seconds())
        out[i] = moment.timestamp()
    return out, offset, bad


def cadence_to_spm(cadence: FloatArray, sport: str, warnings: list[str]) -> FloatArray:
    """Runs and walks: files that count one foot (strides/min, e.g. 85) are doubled to steps/min (170)."""
    limit = {"run": 120.0, "trail_run": 120.0, "treadmill": 120.0, "walk": 75.0}.get(sport)
    moving = cadence[np.isfinite(cadence) & (cadence > 0)]
    if limit is None or len(moving) == 0 or float(np.median(moving)) >= limit:
        return cadence
    warnings.append("cadence recorded per foot; doubled to steps per minute")
    return cadence * 2.0


SESSION_GAP_S = 6 * 3600.0


def first_session(
    time: FloatArray, part: npt.NDArray[np.int64], what: str, warnings: list[str]
) -> npt.NDArray[np.bool_]:
    """Files that hold several activities (tracks or TCX activities hours or days apart): keep the first one.

    Parts (in file order) belong to the same session while each lies within :data:`SESSION_GAP_S` of the time
    span of the parts before it (files list activities newest
    first as often as oldest first). Returns a mask of the samples to keep; warns when parts were left out.
    """
    keep = np.ones(len(time), dtype=bool)
    ids = np.unique(part)
    if len(ids) < 2:
        return keep
    timed = np.isfinite(time)
    session_parts: list[int] = []
    start, end = np.inf, -np.inf
    for pid in ids.tolist():
        t = time[(part == pid) & timed]
        if len(t) and end > -np.inf and (t.min() - end > SESSION_GAP_S or start - t.max() > SESSION_GAP_S):
            break
        session_parts.append(pid)
        if len(t):
            start, end = min(start, float(t.min())), max(end, float(t.max()))
    if len(session_parts) < len(ids):
        keep = np.isin(part, session_parts)
        warnings.append(
            f"the file holds {what} more than {SESSION_GAP_S / 3600:.0f} h apart (separate activities); "
            f"only the first activity ({len(session_parts)} of {len(ids)} parts) was imported"
        )
    return keep


def sessions(time: FloatArray, part: npt.NDArray[np.int64]) -> list[list[int]]:
    """The part ids (in file order) of each activity a file holds, by the rule of :func:`first_session`:
    the first session is exactly the one :func:`first_session` keeps, and each later session starts at the
    first part more than :data:`SESSION_GAP_S` away from the one before and grows by the same rule."""
    timed = np.isfinite(time)
    found: list[list[int]] = []
    current: list[int] = []
    start, end = np.inf, -np.inf
    for pid in np.unique(part).tolist():
        t = time[(part == pid) & timed]
        if len(t) and end > -np.inf and (t.min() - end > SESSION_GAP_S or start - t.max() > SESSION_GAP_S):
            found.append(current)
            current, start, end = [], np.inf, -np.inf
        current.append(pid)
        if len(t):
            start, end = min(start, float(t.min())), max(end, float(t.max()))
    if current:
        found.append(current)
    return found


def part_warning(what: str, index: int, count: int) -> str:
    """The warning each activity of a several-activity file carries."""
    return (
        f"the file holds {count} activities ({what} more than {SESSION_GAP_S / 3600:.0f} h apart): "
        f"this is activity {index + 1} of {count}"
    )
