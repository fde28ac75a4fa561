"""Stored activity summaries into the runs the load and the plan read (:class:`~calfcare.analytics.runs.RunDay`):
which activities count as runs, the runner's local day of each, the threshold pace from the 180 days before a
reference day, and the speed work of each run from its stored figures. Pure (rows in, runs out) and free of
SQLAlchemy and NumPy, so both
:func:`calfcare.services.load.load_history` (the ORM) and ``calfcare today``'s ``sqlite3`` reader
(:func:`calfcare.services.today_plan.read_sqlite`) build runs with the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from calfcare.activities.sports import RUN_SPORTS
from calfcare.analytics.runs import RunDay
from calfcare.analytics.threshold import fast_at, median, threshold_speed

THRESHOLD_DAYS = 180
MIN_UNMEASURED_S = 5 * 60  # a run without a distance counts from 5 minutes (shorter: a watch started by mistake)


class ActivityRow(Protocol):
    """The summary columns of a stored activity that runs are built from (a SQLAlchemy row or a record)."""

    @property
    def id(self) -> int: ...
    @property
    def sport(self) -> str: ...
    @property
    def start_utc(self) -> datetime: ...
    @property
    def utc_offset_s(self) -> int | None: ...
    @property
    def distance_m(self) -> float | None: ...
    @property
    def moving_s(self) -> float | None: ...
    @property
    def elapsed_s(self) -> float: ...
    @property
    def avg_hr(self) -> float | None: ...
    @property
    def max_hr(self) -> float | None: ...
    @property
    def rpe(self) -> float | None: ...
    @property
    def elevation_gain_m(self) -> float | None: ...
    @property
    def device(self) -> str | None: ...


def local_day(start_utc: datetime, offset_s: int | None) -> date:
    aware = start_utc if start_utc.tzinfo else start_utc.replace(tzinfo=UTC)
    return (aware + timedelta(seconds=offset_s or 0)).date()


def counts_as_run(a: Any) -> bool:
    """A run with a distance, or one without (a treadmill or a watch without GPS) of at least MIN_UNMEASURED_S: it
    still has minutes and session-RPE (rule 26: Foster's metrics for athletes without GPS), and it is a run for
    adherence; it adds no distance and is never a spike."""
    return (a.distance_m or 0) > 0 or (a.moving_s or a.elapsed_s or 0) >= MIN_UNMEASURED_S


def is_run(a: Any) -> bool:
    return a.sport in RUN_SPORTS and counts_as_run(a)


def counted(acts: Iterable[ActivityRow], since: date | None) -> tuple[list[ActivityRow], dict[int, date]]:
    """The runs among ``acts`` (:func:`is_run`) on or after the local day ``since`` (any day for None), with the local
    day of each by id."""
    runs = [a for a in acts if is_run(a)]
    days = {a.id: local_day(a.start_utc, a.utc_offset_s) for a in runs}
    return [a for a in runs if since is None or days[a.id] >= since], days


def stored_figures(
    rows: Iterable[Any], wanted: set[int]
) -> tuple[dict[int, Mapping[str, Any]], dict[int, Mapping[str, Any]]]:
    """The figures stored at import and the extra fields of the ``wanted`` activities, from ``(id, figures, extra)``
    rows (an activity stored without figures is left out: its figures are computed from its streams)."""
    figures: dict[int, Mapping[str, Any]] = {}
    extras: dict[int, Mapping[str, Any]] = {}
    for aid, found, extra in rows:
        if aid in wanted and found:
            figures[aid] = found
        if aid in wanted and extra:
            extras[aid] = extra
    return figures, extras


def streams_window(reference: date, streams_from: date) -> date:
    """The first day whose runs need their figures: the threshold window before ``reference``, or ``streams_from``."""
    return min(reference - timedelta(days=THRESHOLD_DAYS), streams_from)


def run_days(
    acts: Sequence[ActivityRow],
    days: Mapping[int, date],
    figures: Mapping[int, Mapping[str, Any]],
    extras: Mapping[int, Mapping[str, Any]],
    *,
    reference: date,
    streams_from: date,
) -> tuple[float | None, list[RunDay]]:
    """The threshold speed (m/s, from the runs of the :data:`THRESHOLD_DAYS` before ``reference``) and each of
    ``acts`` (runs, on the local ``days``) as a :class:`RunDay`, with its speed work from ``figures`` when it is on or
    after ``streams_from``. ``extras``: the activities' extra fields (the gear)."""
    lo = reference - timedelta(days=THRESHOLD_DAYS)
    before = [a for a in acts if lo <= days[a.id] < reference]
    best = [_float(figures[a.id].get("best_30min_speed")) for a in before if a.id in figures]
    averages = [
        (a.distance_m or 0) / (a.moving_s or a.elapsed_s) for a in before if (a.moving_s or a.elapsed_s) >= 20 * 60
    ]
    speeds_all = [
        (a.distance_m or 0) / (a.moving_s or a.elapsed_s)
        for a in before
        if (a.distance_m or 0) > 0 and (a.moving_s or a.elapsed_s)
    ]
    typical = median(speeds_all) if speeds_all else None
    threshold = threshold_speed(best, averages, median_run_speed=typical)
    runs = []
    for a in acts:
        stored = figures.get(a.id) if days[a.id] >= streams_from else None
        fast = fast_at(stored, threshold) if stored is not None and threshold is not None else None
        walk_breaks = stored.get("walk_breaks") if stored is not None else None
        runs.append(
            RunDay(
                day=days[a.id],
                distance_km=(a.distance_m or 0.0) / 1000.0,
                duration_min=(a.moving_s or a.elapsed_s) / 60.0,
                avg_hr=a.avg_hr,
                max_hr=a.max_hr,
                rpe=a.rpe,
                climb_m=a.elevation_gain_m,
                fast_min=fast[0] if fast else None,
                surges=fast[1] if fast else None,
                walk_breaks=int(walk_breaks) if isinstance(walk_breaks, int | float) else None,
                downhill_fast_min=fast[2] if fast else None,
                device=a.device,
                gear=str(extras[a.id]["gear"]) if extras.get(a.id, {}).get("gear") else None,
                activity_id=a.id,
            )
        )
    return threshold, runs


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
