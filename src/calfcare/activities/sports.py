"""The sports an activity can be, and which of them are running: NumPy-free, so code that only sorts stored
activities (``calfcare today`` building its runs) need not load the array code of
:mod:`calfcare.activities.activity`."""

from __future__ import annotations

from typing import Literal

Sport = Literal["run", "trail_run", "treadmill", "walk", "ride", "swim", "other"]
SPORTS: tuple[Sport, ...] = ("run", "trail_run", "treadmill", "walk", "ride", "swim", "other")
RUN_SPORTS: frozenset[str] = frozenset({"run", "trail_run", "treadmill"})
