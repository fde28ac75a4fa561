"""What one run is to the load maths (:class:`RunDay`) and the long-run spike bands, without NumPy: the services and
``calfcare today`` read runs through this module, and only the array maths (:mod:`calfcare.analytics.load`) imports
NumPy. :mod:`calfcare.analytics.load` re-exports every name here."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Frandsen 2025: a run's distance against the longest run in the previous 30 days.
SPIKE_BANDS: tuple[float, float, float] = (0.10, 0.30, 1.00)
SPIKE_LABELS: tuple[str, ...] = ("≤10 %", ">10–30 %", ">30–100 %", ">100 %")
#: so that 11 km against 10 km (0.1000000000000001 in floating point) is "≤10 %"
SPIKE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RunDay:
    """One run, reduced to what the load maths needs. ``day`` is the runner's local calendar day."""

    day: date
    distance_km: float
    duration_min: float  # moving time when known, else elapsed
    avg_hr: float | None = None
    max_hr: float | None = None
    rpe: float | None = None  # CR-10
    climb_m: float | None = None
    fast_min: float | None = None  # minutes faster than threshold pace (from the 1 Hz streams)
    surges: int | None = None  # surges / intervals counted from the streams
    walk_breaks: int | None = None
    device: str | None = None
    gear: str | None = None
    activity_id: int | None = None
    downhill_fast_min: float | None = None  # raw-speed fast minutes the grade adjustment removed (downhill)


def runs_in_rehab(runs: Iterable[RunDay], onset: date) -> list[RunDay]:
    """The runs after the onset day. The onset day's run is the one the calf went in (or came before it): it is the
    injury, not a run of the rehab, so it never counts as running before it was allowed, as an overdone session, or
    in a check-in's session match."""
    return [r for r in runs if r.day > onset]


def spike_band_of(ratio: float) -> int:
    """The Frandsen 2025 band of one rise (0 ≤10 %, 1 >10–30 %, 2 >30–100 %, 3 >100 %; −1 for NaN), exactly as
    :func:`calfcare.analytics.load.spike_band` bands an array."""
    if math.isnan(ratio):
        return -1
    return sum(1 for edge in SPIKE_BANDS if ratio > edge + SPIKE_TOLERANCE)
