"""Summary-only activities (Strava manual entries, files whose samples have no time) and merging a file's
summary with Strava's own numbers. Pure: no I/O."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from calfcare.activities.activity import ActivitySummary, ParsedActivity, SourceFormat, Sport
from calfcare.errors import CorruptFile

MAX_DURATION_S = 7 * 86400.0


def start_datetime(epoch: float, utc_offset_s: int | None) -> datetime:
    """An aware datetime in the file's local offset when known, else UTC."""
    tz = timezone(timedelta(seconds=utc_offset_s)) if utc_offset_s else UTC
    return datetime.fromtimestamp(epoch, tz=tz)


def _check(field: str, value: float | None, low: float, high: float, lenient: bool) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not low <= value <= high:
        if lenient:
            return None
        raise CorruptFile(f"{field} {value!r} is outside {low:g}..{high:g}")
    return float(value)


def summary_from_fields(
    *,
    sport: Sport,
    start: datetime,
    elapsed_s: float,
    moving_s: float | None = None,
    distance_m: float | None = None,
    avg_hr: float | None = None,
    max_hr: float | None = None,
    avg_cadence_spm: float | None = None,
    elevation_gain_m: float | None = None,
    source_format: SourceFormat = "strava_csv",
    device: str | None = None,
    name: str | None = None,
    rpe: float | None = None,
    lenient: bool = False,
) -> ParsedActivity:
    """A summary-only activity (a Strava manual entry): no streams. Values are range-checked: out of range
    raises :class:`CorruptFile`, or with ``lenient=True`` (fallback values for a file) is dropped to None."""
    if start.tzinfo is None:
        raise CorruptFile("start time has no time zone")
    summary = ActivitySummary(
        sport=sport,
        start=start,
        elapsed_s=_check("elapsed time", elapsed_s, 0, MAX_DURATION_S, lenient) or 0.0,
        moving_s=_check("moving time", moving_s, 0, MAX_DURATION_S, lenient),
        distance_m=_check("distance", distance_m, 0, 1e7, lenient),
        avg_hr=_check("average heart rate", avg_hr, 0, 260, lenient),
        max_hr=_check("max heart rate", max_hr, 0, 260, lenient),
        avg_cadence_spm=_check("average cadence", avg_cadence_spm, 0, 400, lenient),
        elevation_gain_m=_check("elevation gain", elevation_gain_m, 0, 1e5, lenient),
        source_format=source_format,
        device=device,
        name=name,
        rpe=_check("perceived exertion", rpe, 0, 10, lenient),
    )
    return ParsedActivity(summary=summary, streams=None, record_count=0)


_FALLBACK_FIELDS = ("moving_s", "distance_m", "avg_hr", "max_hr", "avg_cadence_spm", "elevation_gain_m", "name", "rpe")


def with_fallbacks(parsed: ParsedActivity, fallback: ActivitySummary) -> ParsedActivity:
    """Fill the fields ``parsed`` lacks (None) from ``fallback`` (e.g. Strava's CSV row); the file wins."""
    current = parsed.summary
    updates: dict[str, Any] = {f: getattr(fallback, f) for f in _FALLBACK_FIELDS if getattr(current, f) is None}
    if fallback.name:  # the name the runner gave it on Strava, over the file's own title
        updates["name"] = fallback.name
    if (current.sport == "other" or current.sport_inferred is not None) and fallback.sport != "other":
        updates["sport"] = fallback.sport  # Strava's type is the runner's word: it beats an inference
        updates["sport_inferred"] = None
    return replace(parsed, summary=replace(current, **updates)) if updates else parsed
