"""The runner's imported activities: list them, correct a sport, delete one (``calfcare activity …``).

A sport the runner sets is kept for good: the row says so (``extra.sport_set_by_runner``), re-importing the same file
is a duplicate that leaves the row alone, and another file of the same run merged into it never overrides it
(:mod:`calfcare.activities.importing.merge`). A change that alters which runs count (a sport, a delete) replays the
plan of the runner's latest episode, so stored check-in results follow the runs as they now are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, select

from calfcare.activities import originals
from calfcare.activities.activity import RUN_SPORTS, SPORTS
from calfcare.errors import InvalidInput, NotFound, StorageError
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityOriginal, Episode, OriginalFile, Runner


def _runner_id(db: Database, runner: str) -> int:
    with db.session() as s:
        found = s.scalar(select(Runner.id).where(Runner.name == runner))
    if found is None:
        raise NotFound(f"no runner called {runner!r}: import some activities first (calfcare import)")
    return int(found)


def activity_row(a: Activity) -> dict[str, Any]:
    extra = a.extra or {}
    return {
        "id": a.id,
        "start": a.start_utc.isoformat(),
        "sport": a.sport,
        "counted_as_run": a.sport in RUN_SPORTS,
        "sport_inferred": extra.get("sport_inferred"),
        "sport_set_by_runner": bool(extra.get("sport_set_by_runner")),
        # the sport an earlier calfcare inferred, corrected at an upgrade (migration 0009); None when not
        "sport_reinferred_from": _reinferred_from(extra),
        "name": a.name,
        "distance_km": round((a.distance_m or 0.0) / 1000.0, 2),
        "duration_min": round((a.moving_s or a.elapsed_s or 0.0) / 60.0, 1),
        "avg_hr": a.avg_hr,
        "source_format": a.source_format,
        "source_path": a.source_path,
        "merged_from": [str(m) for m in merged] if isinstance(merged := extra.get("merged_from"), list) else [],
    }


def _reinferred_from(extra: Any) -> str | None:
    found = extra.get("sport_reinferred") if isinstance(extra, dict) else None
    return str(found["from"]) if isinstance(found, dict) and found.get("from") else None


def list_activities(*, db: Database, runner: str) -> list[dict[str, Any]]:
    """Every activity of ``runner``, oldest first, with the names of the original files kept for it."""
    rid = _runner_id(db, runner)
    with db.session() as s:
        rows = s.scalars(select(Activity).where(Activity.runner_id == rid).order_by(Activity.start_utc, Activity.id))
        kept: dict[int, list[str]] = {}
        names = (
            select(ActivityOriginal.activity_id, OriginalFile.name)
            .join(OriginalFile, OriginalFile.id == ActivityOriginal.original_id)
            .where(OriginalFile.runner_id == rid)
            .order_by(ActivityOriginal.activity_id, OriginalFile.id)
        )
        for activity_id, name in s.execute(names):
            kept.setdefault(activity_id, []).append(name)
        return [activity_row(a) | {"originals": kept.get(a.id, [])} for a in rows]


def _kept_files(s: Any, rid: int, activity_id: int, file_id: int | None = None) -> list[tuple[str, bytes]]:
    """The runner's files of one activity (or that one file of it), as received, in the order they were kept."""
    query = (
        select(OriginalFile.name, OriginalFile.encoding, OriginalFile.data)
        .join(ActivityOriginal, ActivityOriginal.original_id == OriginalFile.id)
        .where(ActivityOriginal.activity_id == activity_id, OriginalFile.runner_id == rid)
        .order_by(OriginalFile.id)
    )
    if file_id is not None:
        query = query.where(OriginalFile.id == file_id)
    out = []
    for name, encoding, data in s.execute(query):
        try:
            out.append((name, originals.decode(encoding, data)))
        except ValueError as exc:
            raise StorageError(f"activity {activity_id}: its stored file {name} cannot be read: {exc}") from exc
    return out


def original_file(*, db: Database, runner: str, activity_id: int, file_id: int) -> tuple[str, bytes]:
    """One of the files an activity came from, as received (name, bytes); :class:`NotFound` when that file is not
    one of this runner's activity's (the same answer whether it exists for someone else or not at all)."""
    rid = _runner_id(db, runner)
    with db.session() as s:
        found = _kept_files(s, rid, activity_id, file_id)
    if not found:
        raise NotFound(f"activity {activity_id} has no file {file_id} of yours")
    return found[0]


def original_files(*, db: Database, runner: str, activity_id: int) -> list[tuple[str, bytes]]:
    """The files an activity came from, as received (name, bytes): one, or two for a run recorded twice and merged;
    none for a Strava manual entry or an activity imported before calfcare kept files."""
    rid = _runner_id(db, runner)
    with db.session() as s:
        _get(s, rid, activity_id)
        return _kept_files(s, rid, activity_id)


def _get(s: Any, rid: int, activity_id: int) -> Activity:
    act = s.scalar(select(Activity).where(Activity.id == activity_id, Activity.runner_id == rid))
    if act is None:
        raise NotFound(f"no activity {activity_id} for this runner (calfcare activity list shows them)")
    return act  # type: ignore[no-any-return]


def set_sport(*, db: Database, runner: str, activity_id: int, sport: str) -> dict[str, Any]:
    """Correct the sport of one activity; kept over any later import of the same run."""
    value = sport.strip().lower().replace("-", "_").replace(" ", "_")
    if value not in SPORTS:
        raise InvalidInput(f"SPORT: {sport!r} is not one of {', '.join(SPORTS)}")
    rid = _runner_id(db, runner)
    with db.runner_session(runner, create=False) as (s, _):
        act = _get(s, rid, activity_id)
        extra = {k: v for k, v in (act.extra or {}).items() if k != "sport_inferred"}
        act.sport, act.extra = value, {**extra, "sport_set_by_runner": True}
        s.flush()
        row = activity_row(act)
    _replay_latest(db, runner)
    return row


def delete_activity(*, db: Database, runner: str, activity_id: int) -> dict[str, Any]:
    """Delete one activity (its streams, and its original file unless another activity came from it too) and replay
    the plan without it."""
    rid = _runner_id(db, runner)
    with db.runner_session(runner, create=False) as (s, _):
        act = _get(s, rid, activity_id)
        row = activity_row(act)
        s.delete(act)
        s.flush()  # the activity's links to its files go with it (ON DELETE CASCADE)
        used = exists().where(ActivityOriginal.original_id == OriginalFile.id)
        s.execute(delete(OriginalFile).where(OriginalFile.runner_id == rid, ~used))
    _replay_latest(db, runner)
    return row


def _replay_latest(db: Database, runner: str) -> None:
    """Rebuild the stored plan of the runner's latest episode from its check-ins and the runs as they now are, in the
    runner's unit of work (:meth:`Database.runner_session`): serialised with concurrent check-ins and assessments,
    the check-ins read inside the same transaction that writes the replay."""
    from calfcare.services.episodes import apply_replay  # the one writer of a replay's outcome
    from calfcare.services.replay import replay
    from calfcare.services.views import checkins_of, runs_after_onset, stops_of

    runs = runs_after_onset(db=db, runner=runner)  # reads in its own session, before the unit of work
    with db.runner_session(runner, create=False) as (s, runner_row):
        if runner_row is None:
            return
        ep = s.scalar(select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id.desc()).limit(1))
        if ep is None:
            return
        rows = checkins_of(s, ep.id)
        if rows:
            apply_replay(ep, replay(ep, rows, stops_of(s, ep.id), runs))
