"""FIT activity files -> :class:`RawTrack`.

:func:`decode_fit` uses our vectorised decoder (:mod:`.fit_decode`; ~10x fitdecode's speed is the import
target, measured ~100x, see docs/benchmarks.md). If that decoder meets a structure it does not handle (an
internal error, never a genuine corruption: CRC, truncation and undefined local types are refused as
:class:`CorruptFile`), the file is decoded again with fitdecode and a warning says so.
:func:`decode_fit_reference` is that fitdecode path on its own; the tests compare both record for record.

Both decoders produce the same :class:`~.fit_decode.FitMessages`; :func:`build_track` turns it into a
RawTrack the same way for both:

* channels: ``enhanced_altitude`` over ``altitude``; ``enhanced_speed`` over ``speed`` over the
  compressed_speed_distance speed; ``distance`` over the compressed distance; lat/lon in degrees.
* cadence: steps/min = (cadence + fractional_cadence) * 2 for run/walk sports, raw rpm otherwise.
* sport: the sessions' sport (several sessions of different sports -> "other"), else the ``sport`` message.
* pauses: timer stop (stop, stop_all, stop_disable, stop_disable_all) ... next timer start.
* utc_offset_s: activity.local_timestamp - activity.timestamp, else the same difference in the
  timestamp_correlation message, rounded to 15 minutes and kept only when it is a real time zone's offset
  (|offset| <= 14 h; whole hours or a listed :30/:45 zone), else None with a warning.
* device-relative times (counted from power-on): shifted by the activity's local - relative time pair, else by
  timestamp_correlation's timestamp - system_timestamp; otherwise the records lose their time.
* reported (keys of :data:`calfcare.activities.streams.REPORTED_KEYS`): sessions' summed elapsed/timer
  time, distance and ascent, max of max HR, timer-weighted average HR and cadence (in steps/min), and
  ``start_epoch`` for an activity file (or one without file type): the earliest session start_time (else a
  session's end minus its elapsed time), else the laps' earliest start_time with the laps' totals, else the
  activity message's end minus its timer time. Pool swims logged as lengths write records without a time:
  with ``start_epoch`` they become summary-only activities (streams.build_activity).
* no record with a time and no start: :class:`NotAnActivity`, naming the file type when it is not an
  activity (settings, workout, weight, course, monitoring ...).
* time stays in file order with NaN where a record has no timestamp; streams.build_activity sorts and fills.
"""

from __future__ import annotations

import math

import numpy as np

from calfcare.activities.activity import RawTrack
from calfcare.activities.formats import fit_profile as fp
from calfcare.activities.formats.fit_decode import FitMessages, FitStructureError, decode_messages
from calfcare.activities.formats.sport import combine_sports, sport_from_fit
from calfcare.errors import NotAnActivity

_TIMER = 0
_START, _STOPS = 0, frozenset({1, 4, 8, 9})
_MAX_OFFSET_S = 14 * 3600
# Time-zone offsets that are not whole hours (standard and summer time, current and recent): e.g. India +5:30,
# Nepal +5:45, Newfoundland -3:30 / -2:30, Chatham Islands +12:45 / +13:45, Venezuela 2007-2016 -4:30.
_PART_HOUR_ZONES_S = frozenset(
    round(h * 3600) for h in (-9.5, -4.5, -3.5, -2.5, 3.5, 4.5, 5.5, 5.75, 6.5, 8.75, 9.5, 10.5, 12.75, 13.75)
)


def decode_fit(data: bytes, *, name: str | None = None) -> RawTrack:
    """Decode a FIT file (chained files merged). Raises CorruptFile / UnsupportedFormat with the reason."""
    try:
        messages = decode_messages(data)
    except FitStructureError as exc:
        from calfcare.activities.formats.fit_reference import reference_messages

        messages = reference_messages(data)
        messages.warnings.append(f"decoded with fitdecode: the fast FIT decoder could not read this file ({exc})")
    return build_track(messages)


def decode_fit_reference(data: bytes, *, name: str | None = None) -> RawTrack:
    """The same result through fitdecode (slow: ~40x our decoder); the reference in tests."""
    from calfcare.activities.formats.fit_reference import reference_messages

    return build_track(reference_messages(data))


def _first(rows: list[dict[str, float | str]], key: str) -> float | None:
    for row in rows:
        value = row.get(key)
        if isinstance(value, float | int):
            return float(value)
    return None


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _sport(messages: FitMessages) -> tuple[str, str | None, bool]:
    """The sport, the one sub-sport (if one), and whether the sessions are of several sports (a triathlon)."""
    sessions = messages.messages.get(fp.SESSION, [])
    pairs = [(_int(_first([s], "sport")), _int(_first([s], "sub_sport"))) for s in sessions]
    if not any(sport is not None for sport, _ in pairs):
        rows = messages.messages.get(fp.SPORT, [])
        pairs = [(_int(_first(rows, "sport")), _int(_first(rows, "sub_sport")))]
    each = [sport_from_fit(s, sub) for s, sub in pairs]
    sport = combine_sports(each) if pairs else "other"
    subs = {sub for _, sub in pairs if sub is not None}
    only = next(iter(subs)) if len(subs) == 1 else None
    sub_sport = (fp.enum_name("sub_sport", only) or str(only)) if only is not None else None
    multisport = fp.FIT_MULTISPORT in {s for s, _ in pairs}
    return sport, sub_sport, len(set(each)) > 1 or multisport


def _device(messages: FitMessages) -> str | None:
    file_id = messages.messages.get(fp.FILE_ID, [])
    creators = [d for d in messages.messages.get(fp.DEVICE_INFO, []) if d.get("device_index") == 0]
    for rows in (file_id, creators):
        maker, product = _int(_first(rows, "manufacturer")), _int(_first(rows, "product"))
        label = next((str(r["product_name"]) for r in rows if "product_name" in r), None)
        if maker is not None or product is not None or label:
            return fp.device_name(maker, product, label)
    return None


def _pauses(messages: FitMessages) -> list[tuple[float, float]]:
    timer = [e for e in messages.messages.get(fp.EVENT, []) if e.get("event") == _TIMER and "timestamp" in e]
    timer.sort(key=lambda e: float(e["timestamp"]))
    pauses: list[tuple[float, float]] = []
    stopped: float | None = None
    for event in timer:
        kind, at = event.get("event_type"), float(event["timestamp"])
        if kind in _STOPS and stopped is None:
            stopped = at
        elif kind == _START and stopped is not None:
            if at > stopped:
                pauses.append((stopped, at))
            stopped = None
    return pauses


def _utc_offset(messages: FitMessages, warnings: list[str]) -> int | None:
    """The time zone the device was set to: local minus UTC time, rounded to 15 minutes (devices write the two
    a few seconds or minutes apart), kept only when it is a real zone's offset (else the start is shown in UTC)."""
    rows = messages.messages.get(fp.ACTIVITY, []) + messages.messages.get(fp.TIMESTAMP_CORRELATION, [])
    odd: list[float] = []
    for row in rows:
        local, utc = row.get("local_timestamp"), row.get("timestamp")
        if isinstance(local, float) and isinstance(utc, float) and utc >= fp.RELATIVE_BEFORE:
            offset = round((local - utc) / 900) * 900
            if abs(offset) <= _MAX_OFFSET_S and (offset % 3600 == 0 or offset in _PART_HOUR_ZONES_S):
                return int(offset)
            odd.append(local - utc)
    if odd:
        warnings.append(
            f"the file's local time is {odd[0] / 60:+.0f} min from UTC, which is no time zone: start shown in UTC"
        )
    return None


_TOTALS = (
    ("elapsed_s", "total_elapsed_time"),
    ("timer_s", "total_timer_time"),
    ("distance_m", "total_distance"),
    ("elevation_gain_m", "total_ascent"),
)


def _sums(rows: list[dict[str, float | str]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, field in _TOTALS:
        values = [float(r[field]) for r in rows if isinstance(r.get(field), float | int)]
        if values:
            out[key] = math.fsum(values)
    return out


def _absolute(value: float | str | None, shift: float) -> float | None:
    """A FIT time as Unix seconds, device-relative times shifted by ``shift``; None when still relative."""
    if not isinstance(value, float | int):
        return None
    value = float(value) + (shift if value < fp.RELATIVE_BEFORE else 0.0)
    return value if value >= fp.RELATIVE_BEFORE else None


def _starts(rows: list[dict[str, float | str]], shift: float) -> list[float]:
    """Start times of sessions or laps: start_time, else the end (timestamp) minus the elapsed time."""
    out = []
    for row in rows:
        start = _absolute(row.get("start_time"), shift)
        end, elapsed = _absolute(row.get("timestamp"), shift), row.get("total_elapsed_time")
        if start is None and end is not None and isinstance(elapsed, float | int):
            start = end - float(elapsed)
        if start is not None:
            out.append(start)
    return out


def _file_type(messages: FitMessages) -> int | None:
    return _int(_first(messages.messages.get(fp.FILE_ID, []), "type"))


def _start_and_totals(messages: FitMessages, shift: float) -> dict[str, float]:
    """``start_epoch`` of an activity file (see the module docstring) and, when no session reports totals,
    those of the laps or the activity message; empty when the file gives no start with a duration."""
    if _file_type(messages) not in (None, fp.FILE_TYPE_ACTIVITY):
        return {}
    for glob in (fp.SESSION, fp.LAP):
        rows = messages.messages.get(glob, [])
        starts, totals = _starts(rows, shift), _sums(rows)
        if starts and ("elapsed_s" in totals or "timer_s" in totals):
            return {"start_epoch": min(starts), **totals}
    for row in messages.messages.get(fp.ACTIVITY, []):
        end, timer = _absolute(row.get("timestamp"), shift), row.get("total_timer_time")
        if end is not None and isinstance(timer, float | int) and timer > 0:
            return {"start_epoch": end - float(timer), "timer_s": float(timer), "elapsed_s": float(timer)}
    return {}


def _nothing_recorded(messages: FitMessages) -> str:
    kind = _file_type(messages)
    if kind not in (None, fp.FILE_TYPE_ACTIVITY):
        name = (fp.enum_name("file", kind) or f"type {kind}").replace("_", " ")
        return f"skipped: FIT {name} file, not an activity (no timed record)"
    return "skipped: FIT: no record has a time and no session, lap or activity gives a start (nothing recorded)"


def _reported(messages: FitMessages) -> dict[str, float]:
    sessions = messages.messages.get(fp.SESSION, [])
    out = _sums(sessions)
    maxima = [float(s["max_heart_rate"]) for s in sessions if isinstance(s.get("max_heart_rate"), float | int)]
    maxima = [m for m in maxima if m > 0]  # 0: no heart-rate sensor
    if maxima:
        out["max_hr"] = max(maxima)
    sports = {(s.get("sport"), s.get("sub_sport")) for s in sessions}
    averages = [("avg_hr", _session_hr)] + ([("avg_cadence_spm", _session_cadence)] if len(sports) == 1 else [])
    for key, getter in averages:  # cadence of a ride (rpm) and a run (spm) do not average
        pairs: list[tuple[float, float]] = []
        for session in sessions:
            value, timer = getter(session), session.get("total_timer_time", 0.0)
            if value is not None:
                pairs.append((value, float(timer) if isinstance(timer, float | int) else 0.0))
        if pairs:
            weight = sum(w for _, w in pairs)
            out[key] = sum(v * w for v, w in pairs) / weight if weight > 0 else pairs[0][0]
    return out


def _session_hr(session: dict[str, float | str]) -> float | None:
    value = session.get("avg_heart_rate")
    return float(value) if isinstance(value, float | int) and value > 0 else None  # 0: no heart-rate sensor


def _session_cadence(session: dict[str, float | str]) -> float | None:
    value = session.get("avg_cadence")
    if not isinstance(value, float | int):
        return None
    fraction = session.get("avg_fractional_cadence")
    rpm = float(value) + (float(fraction) if isinstance(fraction, float | int) else 0.0)
    sport = sport_from_fit(_int(_first([session], "sport")), _int(_first([session], "sub_sport")))
    return rpm * 2 if fp.steps_per_minute(sport) else rpm


def _prefer(*columns: np.ndarray) -> np.ndarray:
    """The first column, its NaNs filled from the next ones (enhanced_speed, speed, compressed speed, ...)."""
    out = columns[0]
    for other in columns[1:]:
        missing = np.isnan(out)
        if missing.any():
            out = np.where(missing, other, out)
    return out


def _anchor_relative(messages: FitMessages, time: np.ndarray, warnings: list[str]) -> float:
    """Old devices (FR70 ANT-FS dumps) write times counted from power-on. When the activity message pairs
    such a time with an absolute local time, shift by the difference (the time zone stays unknown: the local
    clock is taken as UTC); otherwise those records lose their time. Returns the shift applied (0 if none)."""
    relative = time < fp.RELATIVE_BEFORE
    if not relative.any():
        return 0.0
    for row in messages.messages.get(fp.ACTIVITY, []):
        local, stamp = row.get("local_timestamp"), row.get("timestamp")
        if isinstance(local, float) and isinstance(stamp, float) and local >= fp.RELATIVE_BEFORE > stamp:
            time[relative] += local - stamp
            warnings.append(
                "record times count from device power-on: anchored on the activity's local end time "
                "(time zone unknown, local time taken as UTC)"
            )
            return local - stamp
    for row in messages.messages.get(fp.TIMESTAMP_CORRELATION, []):
        utc, system = row.get("timestamp"), row.get("system_timestamp")
        if isinstance(utc, float) and isinstance(system, float) and utc >= fp.RELATIVE_BEFORE > system:
            time[relative] += utc - system
            warnings.append("record times count from device power-on: anchored on the file's timestamp correlation")
            return utc - system
    time[relative] = np.nan
    warnings.append(f"{int(relative.sum())} records have device-relative times and nothing to anchor them: no time")
    return 0.0


def build_track(messages: FitMessages) -> RawTrack:
    """FitMessages (from either decoder) -> RawTrack, by the rules in the module docstring."""
    rec = messages.records
    sport, sub_sport, mixed = _sport(messages)
    cadence = rec["cadence"]
    if fp.steps_per_minute(sport):
        fraction = rec["fractional_cadence"]
        cadence = (cadence + np.where(np.isnan(fraction), 0.0, fraction)) * 2
    lat, lon = rec["lat"].copy(), rec["lon"].copy()
    bad = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    lat[bad] = lon[bad] = np.nan
    channels = {
        "distance": _prefer(rec["distance"], rec["csd_distance"]),
        "speed": _prefer(rec["enhanced_speed"], rec["speed"], rec["csd_speed"]),
        "heart_rate": rec["heart_rate"],
        "cadence": cadence,
        "altitude": _prefer(rec["enhanced_altitude"], rec["altitude"]),
        "lat": lat,
        "lon": lon,
    }
    channels = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in channels.items() if not np.isnan(v).all()}
    warnings = list(messages.warnings)
    time = np.array(rec["timestamp"], dtype=np.float64)
    shift = _anchor_relative(messages, time, warnings)
    pauses = [(a + shift if a < fp.RELATIVE_BEFORE else a, b + shift if b < fp.RELATIVE_BEFORE else b)
              for a, b in _pauses(messages)]  # fmt: skip
    if messages.fit_files > 1:
        warnings.append(f"{messages.fit_files} chained FIT files were merged into one activity")
    reported = _reported(messages)
    start = _start_and_totals(messages, shift)
    if not np.isfinite(time).any():
        if not start:
            raise NotAnActivity(_nothing_recorded(messages))
        reported = {**start, **reported}  # the sessions' own totals win over the laps'
    elif "start_epoch" in start:  # the activity starts at the session's start_time, not at the first record
        reported["start_epoch"] = start["start_epoch"]
    return RawTrack(
        source_format="fit",
        time=time,
        channels=channels,
        sport=sport,  # type: ignore[arg-type]  # combine_sports returns the vocabulary
        sub_sport=sub_sport,
        device=_device(messages),
        utc_offset_s=_utc_offset(messages, warnings),
        reported=reported,
        pauses=pauses,
        record_count=len(rec["timestamp"]),
        warnings=warnings,
        mixed_sports=mixed,
    )
