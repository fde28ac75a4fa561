"""Episodes as the runner sees and manages them: list, show one, close, reopen (``calfcare episode …``).

A runner has at most one active episode (``open``, or ``referred`` while a red flag stops its plan). A new injury
closes the open one by itself (:func:`calfcare.services.episodes.assess`); these functions let the runner close an
episode by hand (with a reason) and reopen one closed by mistake. Each is keyword-only and writes in one
transaction, serialised with the runner's check-ins and assessments (:meth:`Database.runner_session`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calfcare.errors import Conflict, InvalidInput, NotFound
from calfcare.services.episodes import COMPLETED, apply_replay, close_row
from calfcare.services.replay import replay
from calfcare.services.views import (
    active_episode,
    assessment_row,
    checkins_of,
    current_episode,
    episode_dict,
    find_runner,
    runs_after_onset,
    stops_of,
)
from calfcare.store import Database
from calfcare.store.models import Assessment, CheckIn, Episode, Runner

#: ``closed_reason`` prefix of an episode the runner closed
CLOSED_BY_RUNNER = "closed by the runner"
_MAX_REASON = 500


def list_episodes(*, db: Database, runner: str, day: date) -> dict[str, Any]:
    """Every episode of the runner, oldest first, with its status, why it closed and how many check-ins it has;
    ``active`` is the id of the open (or referred) one, if any."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return {"runner": runner, "active": None, "episodes": []}
        per_episode = select(CheckIn.episode_id, func.count()).where(CheckIn.runner_id == runner_row.id)
        rows = s.execute(per_episode.group_by(CheckIn.episode_id))
        counts = {int(episode_id): int(n) for episode_id, n in rows}
        active = active_episode(s, runner_row.id)
        episodes = s.scalars(select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id))
        return {
            "runner": runner,
            "active": active.id if active is not None else None,
            "episodes": [
                {**episode_dict(e, min(day, e.closed_on or day)), "checkins": int(counts.get(e.id, 0))}
                for e in episodes
            ],
        }


def show_episode(*, db: Database, runner: str, episode_id: int | None, day: date) -> dict[str, Any]:
    """One episode (default: the current one) with its assessments and check-ins (date, decision, phase)."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        ep = _episode(s, runner_row, runner, episode_id)
        assessments = s.scalars(
            select(Assessment).where(Assessment.episode_id == ep.id).order_by(Assessment.day, Assessment.id)
        )
        return {
            "runner": runner,
            "episode": episode_dict(ep, min(day, ep.closed_on or day)),
            "plan_state": dict(ep.plan_state or {}),
            "assessments": [{"id": a.id, **assessment_row(a)} for a in assessments],
            "checkins": [
                {"date": r.day.isoformat(), "decision": r.decision, "phase": (r.result or {}).get("phase")}
                for r in checkins_of(s, ep.id)
            ],
        }


def close_episode(
    *, db: Database, runner: str, episode_id: int | None, reason: str | None, day: date
) -> dict[str, Any]:
    """Close the runner's active episode (or ``episode_id``, which must be the active one) on ``day`` with the
    runner's ``reason``. Its check-ins stay; `reopen_episode` undoes it."""
    reason = (reason or "").strip()
    if len(reason) > _MAX_REASON:
        raise InvalidInput(f"--reason: at most {_MAX_REASON} characters, got {len(reason)}")
    with db.runner_session(runner, create=False) as (s, runner_row):
        ep = _episode(s, runner_row, runner, episode_id)
        if ep.status == "closed":
            raise Conflict(f"episode {ep.id} is already closed ({ep.closed_reason or 'no reason given'}).")
        if day < ep.onset:
            raise InvalidInput(f"--date: {day.isoformat()} is before episode {ep.id} began ({ep.onset.isoformat()})")
        closed = close_row(ep, day, f"{CLOSED_BY_RUNNER}: {reason}" if reason else CLOSED_BY_RUNNER)
        return {
            "episode": closed,
            "notes": [
                f"Closed episode {ep.id} on {closed['closed_on']}. `calfcare episode reopen {ep.id}` opens it again; "
                "if the calf hurts, `calfcare assess` starts a new one."
            ],
        }


def reopen_episode(*, db: Database, runner: str, episode_id: int, day: date) -> dict[str, Any]:
    """Reopen a closed episode (closed by the runner or by a new injury) and replay its plan from its check-ins.
    Refused while another episode is active, and for an episode that reached full training (assess instead)."""
    runs = runs_after_onset(db=db, runner=runner)
    with db.runner_session(runner, create=False) as (s, runner_row):
        ep = _episode(s, runner_row, runner, episode_id)
        if ep.status != "closed":
            raise Conflict(f"episode {ep.id} is not closed (it is {ep.status}).")
        if ep.closed_reason in (None, COMPLETED):
            raise Conflict(
                f"episode {ep.id} reached full training with its criteria met on "
                f"{ep.closed_on.isoformat() if ep.closed_on else '-'}: if the calf hurts again, `calfcare assess` "
                "starts a new episode."
            )
        assert runner_row is not None
        other = active_episode(s, runner_row.id)
        if other is not None and other.id != ep.id:
            raise Conflict(
                f"episode {other.id} (since {other.onset.isoformat()}) is {other.status}: one episode at a time — "
                f"`calfcare episode close {other.id}` first."
            )
        was = ep.closed_reason
        ep.status, ep.closed_on, ep.closed_reason = "open", None, None
        s.flush()
        apply_replay(ep, replay(ep, checkins_of(s, ep.id), stops_of(s, ep.id), runs))
        s.flush()
        phase = str((ep.plan_state or {}).get("phase") or "-").replace("_", " ")
        return {
            "episode": episode_dict(ep, max(day, ep.onset)),
            "notes": [
                f"Reopened episode {ep.id} (it was {was}); its plan was replayed from its check-ins: "
                f"now {ep.status}, in the {phase} phase."
            ],
        }


def _episode(s: Session, runner_row: Runner | None, runner: str, episode_id: int | None) -> Episode:
    if runner_row is None:
        raise NotFound(f"no runner called {runner!r}: `calfcare assess` starts one")
    if episode_id is None:
        ep = current_episode(s, runner_row.id)
        if ep is None:
            raise NotFound(f"runner {runner!r} has no episode yet: `calfcare assess` opens one")
        return ep
    found = s.scalar(select(Episode).where(Episode.id == episode_id, Episode.runner_id == runner_row.id))
    if found is None:
        raise NotFound(f"episode {episode_id}: runner {runner!r} has no such episode (`calfcare episode list`)")
    return found
