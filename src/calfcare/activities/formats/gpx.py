"""GPX 1.0 / 1.1 track reader → :class:`RawTrack`.

Read from every ``<trkpt>`` (all tracks, all segments, in file order): ``lat``/``lon``, ``<ele>``, ``<time>``,
GPX 1.0 ``<speed>``, and heart rate / cadence / speed from the extensions seen in the wild: Garmin
TrackPointExtension v1/v2 (``gpxtpx:hr``, ``gpxtpx:cad``, ``gpxtpx:speed``, also under the ``ns3`` prefix),
Cluetrust ``gpxdata:hr`` / ``gpxdata:cadence`` / ``gpxdata:speed``, and plain ``<heartrate>`` / ``<cadence>``.
A break between ``<trkseg>`` (or ``<trk>``) elements is a timer pause. The sport comes from the first
``<trk><type>``; the device from the ``creator`` attribute. Tracks more than 6 h apart are separate
activities: :func:`parse_gpx_all` returns each (its sport from its own first ``<type>``), :func:`parse_gpx`
only the first, with a warning.

A GPX without timed track points (a route, waypoints, metadata only) is not an activity: :class:`NotAnActivity`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lxml import etree

from calfcare.activities.activity import RawTrack
from calfcare.activities.formats.sport import sport_from_name
from calfcare.activities.formats.xmlsafe import (
    NotAnActivity,
    cadence_to_spm,
    first_session,
    float_channels,
    iso_times,
    local_name,
    parse_xml,
    part_warning,
    sessions,
)
from calfcare.errors import UnsupportedFormat

__all__ = ["NotAnActivity", "parse_gpx", "parse_gpx_all"]

# Local names inside a <trkpt> → channel (first match per point wins, so gpxtpx:hr and a plain <heartrate>
# holding the same value do not clash).
_KINDS: dict[str, str] = {
    "time": "time",
    "ele": "altitude",
    "speed": "speed",
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "heart_rate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
}


_CLOSING = ("trk", "trkseg", "rte", "wpt")  # a point's children end at any of these
_TAGS = (*(f"{{*}}{name}" for name in (*_CLOSING, "trkpt", *_KINDS)),)


def _collect(root: etree._Element) -> tuple[dict[str, list[str | None]], np.ndarray, np.ndarray]:
    """One flat pass over the elements that matter: text per channel, and track / segment number per point."""
    kinds = ("time", "altitude", "speed", "heart_rate", "cadence")
    columns: dict[str, list[str | None]] = {k: [] for k in ("lat", "lon", *kinds)}
    lat, lon = columns["lat"], columns["lon"]
    tracks: list[int] = []
    segments: list[int] = []
    kind_of: dict[object, str] = {}
    trk_no = seg_no = -1
    found: dict[str, str] = {}
    in_point = False
    for el in root.iter(*_TAGS):
        tag = el.tag
        kind = kind_of.get(tag)
        if kind is None:
            name = local_name(tag)
            kind = kind_of[tag] = name if name in (*_CLOSING, "trkpt") else _KINDS.get(name.lower(), "")
        if kind == "trkpt":
            if in_point:
                for key in kinds:
                    columns[key].append(found.get(key))
            found = {}
            in_point = True
            lat.append(el.get("lat"))
            lon.append(el.get("lon"))
            tracks.append(trk_no)
            segments.append(seg_no)
        elif kind in _CLOSING:
            if in_point:
                for key in kinds:
                    columns[key].append(found.get(key))
            in_point = False
            trk_no += kind == "trk"
            seg_no += kind == "trkseg"
        elif in_point and kind and kind not in found and el.text:
            found[kind] = el.text
    if in_point:
        for key in kinds:
            columns[key].append(found.get(key))
    return columns, np.asarray(tracks, dtype=np.int64), np.asarray(segments, dtype=np.int64)


_EXTENSION_NAMES: dict[str, tuple[str, ...]] = {
    "speed": ("speed",),
    "heart_rate": ("hr", "heartrate", "heart_rate"),
    "cadence": ("cad", "cadence"),
}


def _owner(point_tag: str, el: etree._Element) -> etree._Element | None:
    """The track point an extension value sits in (``trkpt/extensions[/TrackPointExtension]/hr``), if any."""
    for _ in range(3):
        parent = el.getparent()
        if parent is None or parent.tag == point_tag:
            return parent
        el = parent
    return None


def _aligned(found: list[etree._Element], points: list[etree._Element], point_tag: str) -> bool:
    """Each value belongs to the track point at the same position (so none is missing or doubled)."""
    return all(_owner(point_tag, el) is pt for el, pt in zip(found, points, strict=True))


def _collect_fast(root: etree._Element) -> tuple[dict[str, list[str | None]], np.ndarray, np.ndarray] | None:
    """The same as :func:`_collect`, one C-level query per channel, for the common regular file: every point
    carries at most one value per channel and either all points or none have it. None otherwise."""
    ns = root.nsmap.get(None)
    q = f"{{{ns}}}" if ns else ""
    counts: list[int] = []
    track_ids: list[int] = []
    for track_no, trk in enumerate(root.iterchildren(f"{q}trk")):
        for seg in trk.iterchildren(f"{q}trkseg"):
            counts.append(sum(1 for _ in seg.iterchildren(f"{q}trkpt")))
            track_ids.append(track_no)
    n = sum(counts)
    if n == 0:
        return None
    points = list(root.iter(f"{q}trkpt"))
    if len(points) != n:
        return None
    columns: dict[str, list[str | None]] = {
        "lat": [pt.get("lat") for pt in points],
        "lon": [pt.get("lon") for pt in points],
    }
    point_tag = f"{q}trkpt"
    for kind, child in (("time", "time"), ("altitude", "ele")):
        # only the track points' own (not the metadata's <time> or a waypoint's <ele>), exactly one each
        found = [el for el in root.iter(f"{q}{child}") if el.getparent().tag == point_tag]
        if len(found) not in (0, n):  # one per point (the schema allows no more), so aligned
            return None
        columns[kind] = [el.text for el in found] if found else [None] * n
    for kind, names in _EXTENSION_NAMES.items():
        found = list(root.iter(*(f"{{*}}{name}" for name in names)))
        if len(found) not in (0, n) or (found and not _aligned(found, points, point_tag)):
            return None
        columns[kind] = [el.text for el in found] if found else [None] * n
    segments = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return columns, np.repeat(np.asarray(track_ids, dtype=np.int64), counts), segments


def _first_type(root: etree._Element) -> str | None:
    for trk in root.iterchildren("{*}trk"):
        for child in trk:
            if local_name(child.tag) == "type" and child.text:
                return str(child.text).strip()
    return None


def _read(data: bytes, name: str | None) -> tuple[etree._Element, _Points, list[str]]:
    """Parse and collect the track points of a GPX file, refusing what is not an activity."""
    warnings: list[str] = []
    root = parse_xml(data, "GPX", warnings, path=name)
    if local_name(root.tag) != "gpx":
        raise UnsupportedFormat(f"GPX: root element is <{local_name(root.tag)}>, not <gpx>", path=name)
    columns, tracks, segments = _collect_fast(root) or _collect(root)
    if len(tracks) == 0:
        raise NotAnActivity("skipped: GPX has no track points (route, waypoints or metadata only)", path=name)
    time, offset, bad_times = iso_times(columns["time"])
    if not np.isfinite(time).any():
        raise NotAnActivity("skipped: GPX track points have no times (a planned route, not an activity)", path=name)
    if bad_times:
        warnings.append(f"GPX: {bad_times} unreadable <time> values ignored")
    return root, _Points(columns, tracks, segments, time, offset), warnings


@dataclass(frozen=True)
class _Points:
    columns: dict[str, list[str | None]]
    tracks: np.ndarray
    segments: np.ndarray
    time: np.ndarray
    offset: int | None


def parse_gpx(data: bytes, *, name: str | None = None) -> RawTrack:
    """Parse GPX bytes: the first activity (tracks more than 6 h from it are left out, with a warning).
    ``name`` (the file name) prefixes error messages."""
    root, points, warnings = _read(data, name)
    keep = first_session(points.time, points.tracks, "GPX tracks", warnings)
    return _track(root, points, keep, _first_type(root), warnings, _texts(root, None))


def parse_gpx_all(data: bytes, *, name: str | None = None) -> list[RawTrack]:
    """Parse GPX bytes: every activity the file holds (tracks more than 6 h apart are separate activities,
    by the rule of :func:`calfcare.activities.formats.xmlsafe.sessions`), in file order. A file of one activity
    gives the same single track as :func:`parse_gpx`."""
    root, points, warnings = _read(data, name)
    groups = sessions(points.time, points.tracks)
    if len(groups) == 1:
        whole = np.ones(len(points.time), dtype=bool)
        return [_track(root, points, whole, _first_type(root), warnings, _texts(root, None))]
    types = _track_types(root)
    out: list[RawTrack] = []
    for index, group in enumerate(groups):
        typed = [types[t] for t in group if 0 <= t < len(types) and types[t]]
        own = [*warnings, part_warning("GPX tracks", index, len(groups))]
        texts = _texts(root, int(group[0]))
        out.append(_track(root, points, np.isin(points.tracks, group), typed[0] if typed else None, own, texts))
    return out


def _texts(root: etree._Element, track: int | None) -> tuple[str | None, str | None]:
    """The ``<name>`` and ``<desc>`` of track ``track`` (0-based; None: the first that has them), else the
    file's ``<metadata>`` ones: what the runner (or Strava: "Afternoon Run") called the activity."""
    found: dict[str, str] = {}
    for index, trk in enumerate(root.iter("{*}trk")):
        if track is not None and index != track:
            continue
        for child in trk:
            key = local_name(child.tag)
            if key in ("name", "desc") and child.text and child.text.strip() and key not in found:
                found[key] = str(child.text).strip()
        if found and track is None:
            break
    for meta in root.iter("{*}metadata"):
        for child in meta:
            key = local_name(child.tag)
            if key in ("name", "desc") and child.text and child.text.strip() and key not in found:
                found[key] = str(child.text).strip()
    return found.get("name"), found.get("desc")


def _track_types(root: etree._Element) -> list[str | None]:
    """The ``<type>`` of each ``<trk>`` in file order (None where it has none)."""
    types: list[str | None] = []
    for trk in root.iter("{*}trk"):
        found = next((c.text for c in trk if local_name(c.tag) == "type" and c.text), None)
        types.append(str(found).strip() if found else None)
    return types


def _track(
    root: etree._Element,
    points: _Points,
    keep: np.ndarray,
    sport_name: str | None,
    warnings: list[str],
    texts: tuple[str | None, str | None] = (None, None),
) -> RawTrack:
    """One activity from the points selected by ``keep``."""
    time, segments, columns = points.time, points.segments, points.columns
    if not keep.all():
        time, segments = time[keep], segments[keep]
        columns = {k: [v for v, kept in zip(col, keep.tolist(), strict=True) if kept] for k, col in columns.items()}
    channels = float_channels(columns, [key for key in columns if key != "time"], "GPX", warnings)
    lat, lon = channels.get("lat"), channels.get("lon")
    if lat is not None and lon is not None:
        outside = (np.abs(lat) > 90) | (np.abs(lon) > 180)
        if outside.any():
            warnings.append(f"GPX: {int(outside.sum())} positions outside the globe ignored")
            lat[outside] = np.nan
            lon[outside] = np.nan
    sport = sport_from_name(sport_name)
    if "cadence" in channels:
        channels["cadence"] = cadence_to_spm(channels["cadence"], sport, warnings)
    return RawTrack(
        source_format="gpx",
        time=time,
        channels=channels,
        sport=sport,
        device=(root.get("creator") or "").strip() or None,
        utc_offset_s=points.offset,
        pauses=_segment_pauses(time, segments),
        record_count=len(time),
        warnings=warnings,
        title=texts[0],
        description=texts[1],
    )


def _segment_pauses(time: np.ndarray, segments: np.ndarray) -> list[tuple[float, float]]:
    """A pause from the last timed point of a segment to the first timed point of the next one."""
    timed = np.isfinite(time)
    t, s = time[timed], segments[timed]
    if len(t) < 2:
        return []
    change = np.flatnonzero(np.diff(s) != 0)
    return [(float(t[i]), float(t[i + 1])) for i in change if t[i + 1] > t[i]]
