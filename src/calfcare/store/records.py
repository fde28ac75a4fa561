"""Stored rows as plain frozen records (no SQLAlchemy): what a read-only use case needs of a row, with the same
Python values the ORM gives (dates as ``date``, JSON columns as parsed documents, ``at`` as SQLite returns it).

Both readers build them: the ORM one (:func:`calfcare.services.views.today_inputs`) and the ``sqlite3`` one
(:mod:`calfcare.store.sqlite_read`), so a test can compare what they read field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class EpisodeRecord:
    id: int
    runner_id: int
    status: str
    side: str | None
    structure: str | None
    severity: str | None
    onset: date
    assessed_on: date
    closed_on: date | None
    closed_reason: str | None
    plan_state: dict[str, Any] | None
    context: dict[str, Any] | None


@dataclass(frozen=True)
class CheckInRecord:
    day: date
    decision: str
    answers: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True)
class AssessmentRecord:
    id: int
    episode_id: int | None
    day: date
    disposition: str
    answers: dict[str, Any] | None
    result: dict[str, Any] | None


@dataclass(frozen=True)
class ClinicianEventRecord:
    id: int
    day: date
    kind: str
    clinician_name: str
    values: dict[str, Any] | None
    at: datetime


@dataclass(frozen=True)
class ActivityRecord:
    """The summary columns of an activity that runs are built from (:mod:`calfcare.services.run_days`)."""

    id: int
    sport: str
    start_utc: datetime  # naive, as SQLAlchemy reads a SQLite ``DateTime`` back
    utc_offset_s: int | None
    distance_m: float | None
    moving_s: float | None
    elapsed_s: float
    avg_hr: float | None
    max_hr: float | None
    rpe: float | None
    elevation_gain_m: float | None
    device: str | None


class EpisodeLike(Protocol):
    """What the replay reads of an episode: a stored :class:`~calfcare.store.models.Episode` or an
    :class:`EpisodeRecord`."""

    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def side(self) -> str | None: ...
    @property
    def structure(self) -> str | None: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def onset(self) -> date: ...
    @property
    def assessed_on(self) -> date: ...
    @property
    def plan_state(self) -> Mapping[str, Any] | None: ...
    @property
    def context(self) -> Mapping[str, Any] | None: ...


class CheckInLike(Protocol):
    """What the replay reads of a check-in: a stored :class:`~calfcare.store.models.CheckIn` or a
    :class:`CheckInRecord`."""

    @property
    def day(self) -> date: ...
    @property
    def answers(self) -> Mapping[str, Any]: ...
    @property
    def result(self) -> Mapping[str, Any]: ...


class ClinicianEventLike(Protocol):
    """A clinician's event row: a stored :class:`~calfcare.store.models.ClinicianEventRow` or a record."""

    @property
    def day(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def clinician_name(self) -> str: ...
    @property
    def values(self) -> Mapping[str, Any] | None: ...
    @property
    def at(self) -> datetime: ...
