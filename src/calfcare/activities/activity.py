"""The shapes every format parser produces, and the import/store/load layers consume.

A parser turns one file into a :class:`RawTrack` (samples as they were recorded, irregular times, pauses,
2 Hz or "smart recording" all allowed). :func:`calfcare.activities.streams.build_activity` puts the track on a
regular 1 Hz base and computes the summary, so every format is summarised the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

from calfcare.activities.sports import RUN_SPORTS as RUN_SPORTS
from calfcare.activities.sports import SPORTS as SPORTS
from calfcare.activities.sports import Sport as Sport

SourceFormat = Literal["fit", "gpx", "tcx", "strava_csv"]

FloatArray = npt.NDArray[np.float64]

# Channels a stream may carry, in this order when stored. Units: s, m, m/s, bpm, steps/min (both feet), m, deg.
CHANNELS: tuple[str, ...] = ("distance", "speed", "heart_rate", "cadence", "altitude", "lat", "lon")


@dataclass
class RawTrack:
    """Samples exactly as a file holds them. ``time`` is seconds since the Unix epoch (UTC), float64,
    non-decreasing after the parser's clean-up; every channel array has the same length as ``time`` and
    uses NaN where the file had no value. Channels the file never has are simply absent from ``channels``.
    Cadence is in steps per minute (both feet): a FIT ``cadence`` of 85 rpm for a run is 170 spm.
    """

    source_format: SourceFormat
    time: FloatArray
    channels: dict[str, FloatArray]
    sport: Sport = "other"
    sub_sport: str | None = None
    device: str | None = None
    utc_offset_s: int | None = None  # local time minus UTC, when the file says so
    # Totals the file itself reports (FIT session, TCX laps); preferred over stream-derived ones when present.
    reported: dict[str, float] = field(default_factory=dict)
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (start, end) epoch s, timer stopped
    record_count: int = 0
    warnings: list[str] = field(default_factory=list)
    # The file's own words about the activity (GPX <name>/<desc>, TCX <Notes>): the name shown, and the clues
    # the sport of an untyped file is inferred from (calfcare.activities.infer).
    title: str | None = None
    description: str | None = None
    mixed_sports: bool = False  # parts of several sports (a triathlon): no sport is inferred, no leg is cut


@dataclass(frozen=True)
class Streams:
    """A regular 1 Hz time base: sample i is at ``start + i`` seconds. NaN where nothing was recorded
    (pauses, gaps). Arrays are float32 except lat/lon (float64)."""

    start_epoch: float
    channels: dict[str, npt.NDArray[np.floating]]

    @property
    def length(self) -> int:
        return len(next(iter(self.channels.values()))) if self.channels else 0


@dataclass(frozen=True)
class ActivitySummary:
    """What the import report and the load maths need, without the streams."""

    sport: Sport
    start: datetime  # timezone-aware; carries the local offset when known, else UTC
    elapsed_s: float
    moving_s: float | None
    distance_m: float | None
    avg_hr: float | None
    max_hr: float | None
    avg_cadence_spm: float | None
    elevation_gain_m: float | None
    source_format: SourceFormat
    device: str | None
    name: str | None = None
    rpe: float | None = None
    # How the sport was decided when the file did not say: "from the name 'Afternoon Run' (confidence 0.9)".
    sport_inferred: str | None = None


@dataclass(frozen=True)
class ParsedActivity:
    summary: ActivitySummary
    streams: Streams | None
    record_count: int
    warnings: tuple[str, ...] = ()
