"""Garmin Training Center (TCX) reader → :class:`RawTrack`.

Read from ``<Activities>`` only (a ``<Courses>`` section next to it is ignored): every ``<Activity>``, also
inside a ``<MultiSportSession>``; per ``<Trackpoint>``: ``Time``, ``Position``, ``AltitudeMeters``,
``DistanceMeters``, ``HeartRateBpm/Value``, ``Cadence`` and, from the ActivityExtension, ``Speed`` and
``RunCadence``. Laps' ``TotalTimeSeconds`` and ``DistanceMeters`` are summed into ``reported`` (timer time and
distance). A break between ``<Track>`` elements, laps or parts is a timer pause.

* A multi-sport session is one track; its sport is the shared sport of its parts, else ``"other"`` (warned).
* Activities more than 6 hours apart in one file (several trainings, multi-day "sessions"):
  :func:`parse_tcx_all` returns each as its own track; :func:`parse_tcx` only the first, with a warning
  (see :func:`calfcare.activities.formats.xmlsafe.first_session`).
* A file with courses and no activity: :class:`NotAnActivity` ("skipped: TCX course, not an activity").
"""

from __future__ import annotations

import numpy as np
from lxml import etree

from calfcare.activities.activity import RawTrack, Sport
from calfcare.activities.formats.sport import combine_sports, sport_from_name
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

__all__ = ["NotAnActivity", "parse_tcx", "parse_tcx_all"]

_POINT_FIELDS: dict[str, str] = {
    "Time": "time",
    "LatitudeDegrees": "lat",
    "LongitudeDegrees": "lon",
    "AltitudeMeters": "altitude",
    "DistanceMeters": "distance",
    "HeartRateBpm": "heart_rate",
    "Cadence": "cadence",
    "RunCadence": "cadence",
    "Speed": "speed",
}
_STRUCTURE = ("Activity", "Lap", "Track", "Trackpoint")
_TAGS = tuple(f"{{*}}{name}" for name in (*_STRUCTURE, *_POINT_FIELDS))
# Elements that also occur at lap level: only taken when their parent is the <Trackpoint>.
_POINT_ONLY = frozenset({"DistanceMeters", "HeartRateBpm", "Cadence"})
_KINDS = ("time", "lat", "lon", "altitude", "distance", "heart_rate", "cadence", "speed")


class _Collector:
    """One flat pass over the elements that matter inside one ``<Activities>``."""

    def __init__(self) -> None:
        self.columns: dict[str, list[str | None]] = {k: [] for k in _KINDS}
        self.parts: list[int] = []
        self.tracks: list[int] = []
        self.sports: list[str | None] = []
        self._found: dict[str, str] = {}
        self._in_point = False
        self._part = -1
        self._track = -1

    def _close(self) -> None:
        if self._in_point:
            for key, column in self.columns.items():
                column.append(self._found.get(key))
        self._in_point = False
        self._found = {}

    def run(self, activities: etree._Element) -> None:
        kind_of: dict[object, tuple[str, bool]] = {}
        for el in activities.iter(*_TAGS):
            tag = el.tag
            known = kind_of.get(tag)
            if known is None:
                name = local_name(tag)
                kind = name if name in _STRUCTURE else _POINT_FIELDS.get(name, "")
                known = kind_of[tag] = (kind, name in _POINT_ONLY)
            kind, point_only = known
            if kind == "Trackpoint":
                self._close()
                self._in_point = True
                self.parts.append(self._part)
                self.tracks.append(self._track)
            elif kind in _STRUCTURE:
                self._close()
                self._track += 1
                if kind == "Activity":
                    self._part += 1
                    self.sports.append(el.get("Sport"))
            elif self._in_point and kind and kind not in self._found:
                text = self._text(el, kind, point_only)
                if text:
                    self._found[kind] = text
        self._close()

    @staticmethod
    def _text(el: etree._Element, kind: str, point_only: bool) -> str | None:
        if point_only:
            parent = el.getparent()
            if parent is None or local_name(parent.tag) != "Trackpoint":
                return None
        if kind == "heart_rate":
            return next((str(child.text) for child in el if child.text and child.text.strip()), None)
        return None if el.text is None else str(el.text)


def _lap_totals(activities: list[etree._Element], kept_parts: set[int]) -> dict[str, float]:
    timer = distance = 0.0
    have_distance = False
    starts: list[str | None] = []
    hr_pairs: list[tuple[float, float]] = []  # (lap average heart rate, lap timer time)
    hr_max: list[float] = []
    for part, activity in enumerate(a for acts in activities for a in acts.iter("{*}Activity")):
        if part not in kept_parts:
            continue
        for lap in activity.iter("{*}Lap"):
            starts.append(lap.get("StartTime"))
            lap_time = 0.0
            lap_hr: float | None = None
            for child in lap:
                name = local_name(child.tag)
                try:
                    if name == "TotalTimeSeconds" and child.text:
                        lap_time = float(child.text)
                        timer += lap_time
                    elif name == "DistanceMeters" and child.text:
                        distance += float(child.text)
                        have_distance = True
                    elif name in ("AverageHeartRateBpm", "MaximumHeartRateBpm"):
                        value = _bpm(child)
                        if value is not None and name == "AverageHeartRateBpm":
                            lap_hr = value
                        elif value is not None:
                            hr_max.append(value)
                except ValueError:
                    continue
            if lap_hr is not None:
                hr_pairs.append((lap_hr, lap_time))
    totals: dict[str, float] = {}
    weight = sum(w for _, w in hr_pairs)
    if hr_pairs:  # the laps' averages weighted by their timer time (docs/formats.md)
        avg = sum(v * w for v, w in hr_pairs) / weight if weight > 0 else sum(v for v, _ in hr_pairs) / len(hr_pairs)
        totals["avg_hr"] = round(avg, 1)
    if hr_max:
        totals["max_hr"] = max(hr_max)
    if timer > 0:
        totals["timer_s"] = round(timer, 3)
    if have_distance and distance > 0:
        totals["distance_m"] = round(distance, 2)
    lap_starts = iso_times(starts)[0]
    if np.isfinite(lap_starts).any():
        totals["start_epoch"] = float(np.nanmin(lap_starts))
    return totals


def _bpm(element: etree._Element) -> float | None:
    """``<AverageHeartRateBpm><Value>142</Value>``: the value, None when missing, 0 (no sensor) or above 250."""
    for child in element:
        if local_name(child.tag) == "Value" and child.text:
            value = float(child.text)
            return value if 0 < value <= 250 else None
    return None


def _notes(activities: list[etree._Element], kept_parts: set[int]) -> str | None:
    """The ``<Notes>`` of the first kept activity that has them (the runner's words, e.g. "Easy run")."""
    for part, activity in enumerate(a for acts in activities for a in acts.iter("{*}Activity")):
        if part in kept_parts:
            for child in activity:
                if local_name(child.tag) == "Notes" and child.text and child.text.strip():
                    return str(child.text).strip()
    return None


def _device(activities: list[etree._Element]) -> str | None:
    for acts in activities:
        for creator in acts.iter("{*}Creator"):
            for child in creator:
                if local_name(child.tag) == "Name" and child.text and child.text.strip():
                    return str(child.text).strip()
    return None


def _track_pauses(time: np.ndarray, tracks: np.ndarray) -> list[tuple[float, float]]:
    timed = np.isfinite(time)
    t, k = time[timed], tracks[timed]
    change = np.flatnonzero(np.diff(k) != 0)
    return [(float(t[i]), float(t[i + 1])) for i in change if t[i + 1] - t[i] > 1.0]


def _read(data: bytes, name: str | None) -> tuple[list[etree._Element], _Collector, list[str]]:
    """Parse a TCX file and collect the track points of its activities, refusing what is not an activity."""
    warnings: list[str] = []
    root = parse_xml(data, "TCX", warnings, path=name)
    if local_name(root.tag) != "TrainingCenterDatabase":
        raise UnsupportedFormat(f"TCX: root element is <{local_name(root.tag)}>, not <TrainingCenterDatabase>", name)
    activities = [child for child in root if local_name(child.tag) == "Activities"]
    collector = _Collector()
    for acts in activities:
        collector.run(acts)
    if not collector.sports:
        has_course = any(True for _ in root.iter("{*}Course"))
        what = "TCX course, not an activity" if has_course else "TCX holds no activity"
        raise NotAnActivity(f"skipped: {what}", path=name)
    return activities, collector, warnings


def parse_tcx(data: bytes, *, name: str | None = None) -> RawTrack:
    """Parse TCX bytes: the first activity (activities more than 6 h from it are left out, with a warning).
    ``name`` (the file name) prefixes error messages."""
    activities, collector, warnings = _read(data, name)
    time, offset, bad_times = iso_times(collector.columns["time"])
    if not np.isfinite(time).any():
        return _laps_only(activities, collector, name, warnings)
    if bad_times:
        warnings.append(f"TCX: {bad_times} unreadable <Time> values ignored")
    parts = np.asarray(collector.parts, dtype=np.int64)
    keep = first_session(time, parts, "TCX activities", warnings)
    return _track(activities, collector, time, offset, keep, warnings)


def parse_tcx_all(data: bytes, *, name: str | None = None) -> list[RawTrack]:
    """Parse TCX bytes: every activity the file holds (``<Activity>`` elements more than 6 h apart are separate
    activities, by the rule of :func:`calfcare.activities.formats.xmlsafe.sessions`), in file order. A file of one
    activity (or without timed track points) gives the same single track as :func:`parse_tcx`."""
    activities, collector, warnings = _read(data, name)
    time, offset, bad_times = iso_times(collector.columns["time"])
    if not np.isfinite(time).any():
        return [_laps_only(activities, collector, name, warnings)]
    if bad_times:
        warnings.append(f"TCX: {bad_times} unreadable <Time> values ignored")
    parts = np.asarray(collector.parts, dtype=np.int64)
    groups = sessions(time, parts)
    if len(groups) == 1:
        return [_track(activities, collector, time, offset, np.ones(len(time), dtype=bool), warnings)]
    out: list[RawTrack] = []
    for index, group in enumerate(groups):
        own = [*warnings, part_warning("TCX activities", index, len(groups))]
        out.append(_track(activities, collector, time, offset, np.isin(parts, group), own))
    return out


def _track(
    activities: list[etree._Element],
    collector: _Collector,
    time: np.ndarray,
    offset: int | None,
    keep: np.ndarray,
    warnings: list[str],
) -> RawTrack:
    """One activity from the track points selected by ``keep``."""
    parts = np.asarray(collector.parts, dtype=np.int64)
    tracks = np.asarray(collector.tracks, dtype=np.int64)
    kept_parts = {int(p) for p in np.unique(parts[keep])}
    channels = float_channels(collector.columns, _KINDS[1:], "TCX", warnings, keep=keep)
    sport = _session_sport([collector.sports[p] for p in sorted(kept_parts)], warnings)
    if "cadence" in channels:
        channels["cadence"] = cadence_to_spm(channels["cadence"], sport, warnings)
    time = time[keep]
    return RawTrack(
        source_format="tcx",
        time=time,
        channels=channels,
        sport=sport,
        device=_device(activities),
        utc_offset_s=offset,
        reported=_lap_totals(activities, kept_parts),
        pauses=_track_pauses(time, tracks[keep]),
        record_count=len(time),
        warnings=warnings,
        description=_notes(activities, kept_parts),
        mixed_sports=len({sport_from_name(collector.sports[p]) for p in kept_parts}) > 1,
    )


def _laps_only(
    activities: list[etree._Element], collector: _Collector, name: str | None, warnings: list[str]
) -> RawTrack:
    """No timed track point: the first activity's laps alone (start, timer time, distance) make a
    summary-only activity; without a lap start time there is nothing to import."""
    reported = _lap_totals(activities, {0})
    if "start_epoch" not in reported or "timer_s" not in reported:
        raise NotAnActivity("skipped: TCX activity has no timed track points and no timed laps", path=name)
    if len(collector.sports) > 1:
        warnings.append(f"TCX: only the first of {len(collector.sports)} activities (laps without track points)")
    return RawTrack(
        source_format="tcx",
        time=np.full(len(collector.parts), np.nan),
        channels={},
        sport=sport_from_name(collector.sports[0]),
        device=_device(activities),
        reported=reported,
        record_count=len(collector.parts),
        warnings=warnings,
    )


def _session_sport(names: list[str | None], warnings: list[str]) -> Sport:
    sports = [sport_from_name(n) for n in names]
    sport = combine_sports(sports)
    if len(set(sports)) > 1:
        warnings.append(f"multi-sport session ({', '.join(dict.fromkeys(sports))}): sport set to 'other'")
    return sport
