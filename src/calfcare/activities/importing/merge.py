"""Two files of the same run become one activity holding the best of each, whatever order they came in. Pure.

* **Figures** (start, elapsed and moving time, distance, heart rate, cadence, climb, device) come from the source
  that measured them: FIT (the device's own session) over TCX (laps) over GPX (points) over a Strava row; the other
  fills what it lacks.
* **Sport**: a sport the runner set (``calfcare activity set-sport``) is kept; else a sport a file states over
  one inferred from a name or a pace, and anything over ``other``.
* **Streams**: those of the preferred source, each channel it lacks (heart rate, cadence, altitude …) taken from
  the other, aligned on the 1 Hz grid by start time.
* **Name**: the first one known, the preferred source's first.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from calfcare.activities.activity import CHANNELS, ActivitySummary, Streams

PRIORITY = {"fit": 0, "tcx": 1, "gpx": 2, "strava_csv": 3}
_FIGURES = ("elapsed_s", "moving_s", "distance_m", "avg_hr", "max_hr", "avg_cadence_spm", "elevation_gain_m")


def _sport_rank(summary: ActivitySummary, set_by_runner: bool) -> int:
    if set_by_runner:
        return 0
    if summary.sport == "other":
        return 3
    return 2 if summary.sport_inferred else 1


def preferred_first(a: ActivitySummary, b: ActivitySummary) -> bool:
    """True when ``a``'s figures win over ``b``'s (ties: the one stored first, ``a``)."""
    return PRIORITY.get(a.source_format, 9) <= PRIORITY.get(b.source_format, 9)


def merge_summaries(
    stored: ActivitySummary, new: ActivitySummary, *, stored_set_by_runner: bool = False
) -> tuple[ActivitySummary, list[str]]:
    """The merged summary and what the new file brought (for the import report)."""
    first, second = (stored, new) if preferred_first(stored, new) else (new, stored)
    updates: dict[str, object] = {}
    brought: list[str] = []
    for name in _FIGURES:
        value = getattr(first, name)
        if value is None:
            value = getattr(second, name)
        updates[name] = value
        if value != getattr(stored, name) and value is not None:
            brought.append(name)
    updates["start"] = first.start
    updates["source_format"] = first.source_format
    updates["device"] = first.device or second.device
    updates["name"] = first.name or second.name
    updates["rpe"] = first.rpe if first.rpe is not None else second.rpe
    stored_rank = _sport_rank(stored, stored_set_by_runner)
    if _sport_rank(new, False) < stored_rank:
        updates["sport"], updates["sport_inferred"] = new.sport, new.sport_inferred
        brought.append(f"sport {new.sport}")
    else:
        updates["sport"], updates["sport_inferred"] = stored.sport, stored.sport_inferred
    merged = replace(stored, **updates)  # type: ignore[arg-type]
    return merged, brought


def merge_streams(first: Streams | None, second: Streams | None) -> tuple[Streams | None, list[str]]:
    """``first``'s channels, each one it lacks taken from ``second`` (aligned by start); the channels added."""
    if first is None or second is None:
        return (first or second), []
    n = first.length
    shift = round(second.start_epoch - first.start_epoch)
    channels = dict(first.channels)
    added = []
    for key in CHANNELS:
        if key in channels or key not in second.channels:
            continue
        src = second.channels[key]
        out = np.full(n, np.nan, dtype=src.dtype)
        lo, hi = max(0, shift), min(n, shift + len(src))
        if hi > lo:
            out[lo:hi] = src[lo - shift : hi - shift]
        if np.isfinite(out).any():
            channels[key] = out
            added.append(key)
    return Streams(first.start_epoch, {k: channels[k] for k in CHANNELS if k in channels}), added
