"""Sets of exercises ticked off on the today page: stored per episode, day and exercise, and summed per day as the
exercise side of adherence (how much of each day's prescribed sets was done)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.errors import Conflict, InvalidInput
from calfcare.services.views import find_runner
from calfcare.store import Database
from calfcare.store.models import Episode, ExerciseSets

__all__ = ["exercise_adherence", "sets_done", "tick_sets"]

MAX_SETS = 50


def _episode(s: Session, runner: str) -> Episode | None:
    runner_row = find_runner(s, runner, create=False)
    if runner_row is None:
        return None
    return s.scalar(select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id.desc()).limit(1))


def tick_sets(
    *, db: Database, runner: str, day: date, exercise_id: str, sets_done: int, sets_planned: int
) -> dict[str, Any]:
    """Record that ``sets_done`` sets of ``exercise_id`` were done on ``day`` (replacing the count stored)."""
    if not exercise_id or len(exercise_id) > 80:
        raise InvalidInput("exercise: expected an exercise id from today's plan")
    if not 0 <= sets_done <= MAX_SETS or not 0 <= sets_planned <= MAX_SETS:
        raise InvalidInput(f"sets: expected a whole number from 0 to {MAX_SETS}, got {sets_done}")
    with db.session() as s:
        ep = _episode(s, runner)
        if ep is None or ep.status != "open" or day < ep.onset:
            raise Conflict("there is no running plan to tick exercises off for that day")
        row = s.scalar(
            select(ExerciseSets).where(
                ExerciseSets.episode_id == ep.id, ExerciseSets.day == day, ExerciseSets.exercise_id == exercise_id
            )
        )
        if row is None:
            row = ExerciseSets(runner_id=ep.runner_id, episode_id=ep.id, day=day, exercise_id=exercise_id)
            s.add(row)
        row.sets_done, row.sets_planned = sets_done, sets_planned
        return {"date": day.isoformat(), "exercise": exercise_id, "sets_done": sets_done, "sets_planned": sets_planned}


def sets_done(*, db: Database, runner: str, day: date) -> dict[str, int]:
    """Sets ticked off on ``day`` per exercise id (latest episode)."""
    with db.session() as s:
        ep = _episode(s, runner)
        if ep is None:
            return {}
        rows = s.scalars(select(ExerciseSets).where(ExerciseSets.episode_id == ep.id, ExerciseSets.day == day))
        return {r.exercise_id: r.sets_done for r in rows}


def exercise_adherence(*, db: Database, runner: str) -> list[dict[str, Any]]:
    """Per day of the latest episode with ticks: sets done, sets planned and the share done (0–1)."""
    with db.session() as s:
        ep = _episode(s, runner)
        if ep is None:
            return []
        rows = list(s.scalars(select(ExerciseSets).where(ExerciseSets.episode_id == ep.id)))
    days: dict[date, list[int]] = {}
    for r in rows:
        done_planned = days.setdefault(r.day, [0, 0])
        done_planned[0] += min(r.sets_done, r.sets_planned) if r.sets_planned else r.sets_done
        done_planned[1] += r.sets_planned
    return [
        {
            "date": d.isoformat(),
            "sets_done": v[0],
            "sets_planned": v[1],
            "share": round(v[0] / v[1], 2) if v[1] else None,
        }
        for d, v in sorted(days.items())
    ]
