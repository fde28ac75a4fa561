"""What the training history tells the clinical core. Produced by :mod:`calfcare.analytics` (load analytics),
consumed by triage (structure likelihood), the return-to-run programme (sizing) and progression (adherence).
Plain values only, so the clinical core never needs to know where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Muscle = Literal["gastrocnemius", "soleus"]


@dataclass(frozen=True)
class TrainingEvidence:
    """One finding from the weeks before onset, e.g. "weekly distance rose 45 % in week -2"."""

    kind: Literal["mileage_spike", "long_run_spike", "speedwork_increase", "hills_increase", "shoe_or_device_change"]
    favours: Muscle | None  # the muscle this kind of load stresses most (None: neither in particular)
    strength: float  # 0..1, how marked the change was
    text: str  # plain words, shown to the runner as a reason
    sources: tuple[str, ...] = ()  # keys of calfcare.clinical.sources.SOURCES


@dataclass(frozen=True)
class RunnerBaseline:
    """Pre-injury running, from the runner's files (or typed in). Any field may be unknown."""

    weekly_km: float | None = None  # chronic weekly distance before onset
    usual_run_km: float | None = None
    usual_run_min: float | None = None
    long_run_km: float | None = None
    easy_pace_s_per_km: float | None = None
    runs_per_week: float | None = None
    source: Literal["files", "typed", "none"] = "none"


@dataclass(frozen=True)
class AdherenceFinding:
    """How a day's imported run compared with that day's prescription."""

    day: date
    verdict: Literal["as_prescribed", "overdone", "underdone", "skipped", "different"]
    reasons: tuple[str, ...] = field(default_factory=tuple)
