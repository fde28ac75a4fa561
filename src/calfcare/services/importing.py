"""Import activity files (files, folders, zip archives, Strava and Garmin exports) into the store.

Each activity is written in its own transaction (the activity row and its packed streams together), so an
import killed at any moment leaves only whole activities behind; running it again skips every file whose
content is already stored (before parsing it) and completes the rest without duplicates. A file holding several
activities gives one activity (and one report line, ``path#2`` … after the first) per activity, each stored under
its own hash (see :mod:`calfcare.activities.importing.worker`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Connection, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from calfcare.activities.activity import ActivitySummary, SourceFormat, Sport
from calfcare.activities.importing import ImportReport, Limits, Outcome, Parsed, Refusal, StoredRun, run_import, walk
from calfcare.activities.importing.merge import merge_streams, merge_summaries, preferred_first
from calfcare.activities.importing.pipeline import ProgressFn
from calfcare.activities.originals import OriginalFile as ReceivedFile
from calfcare.activities.streams_codec import ENCODING, pack_streams, unpack_streams
from calfcare.analytics.figures import activity_figures, banister_trimp_one
from calfcare.errors import NotFound, StorageError
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityOriginal, ActivityStreams, OriginalFile

__all__ = ["ImportReport", "Limits", "activity_json", "import_paths", "outcome_json"]


#: the warning of an earlier calfcare import that kept only the first of several activities in a file
CUT_SHORT = "only the first activity ("

#: the measured numbers of an activity, named alike in ActivitySummary, the activity table and the JSON output
_METRICS = ("elapsed_s", "moving_s", "distance_m", "avg_hr", "max_hr", "avg_cadence_spm", "elevation_gain_m")


def _metrics(source: Any) -> dict[str, Any]:
    """The :data:`_METRICS` of a summary or a stored row, by name."""
    return {name: getattr(source, name) for name in _METRICS}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class DatabaseSink:
    """Writes one activity (row + streams) per transaction for one runner."""

    def __init__(self, db: Database, runner_id: int) -> None:
        self.db, self.runner_id = db, runner_id

    def stored(self) -> list[StoredRun]:
        cols = Activity.__table__.c
        kept = exists().where(ActivityOriginal.activity_id == cols.id).label("has_original")
        query = select(
            cols.id, cols.content_sha256, cols.source_path, cols.sport, cols.start_utc, cols.utc_offset_s,
            *(cols[name] for name in _METRICS), cols.source_format, cols.device, cols.name, cols.rpe, cols.extra, kept,
        ).where(cols.runner_id == self.runner_id)  # fmt: skip
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            StoredRun(
                r.id, r.content_sha256, r.source_path, _summary(r), _cut_short(r.extra),
                # a Strava manual entry has no file to keep
                has_original=bool(r.has_original) or r.source_format == "strava_csv",
            )
            for r in rows
        ]  # fmt: skip

    def kept_files(self) -> dict[str, int]:
        """The runner's original files already kept: content hash → the (first) activity that came from it."""
        files, links = OriginalFile.__table__.c, ActivityOriginal.__table__.c
        query = (
            select(files.content_sha256, func.min(links.activity_id))
            .join(ActivityOriginal, links.original_id == files.id)
            .where(files.runner_id == self.runner_id)
            .group_by(files.content_sha256)
        )
        with self.db.engine.connect() as conn:
            return {str(sha): int(activity) for sha, activity in conn.execute(query)}

    def write(self, parsed: Parsed, *, source_path: str, replaces: int | None = None) -> int | None:
        summary = parsed.summary
        if summary is None or parsed.content_sha256 is None:
            raise ValueError("only parsed activities can be written")
        offset = summary.start.utcoffset()
        values: dict[str, Any] = {
            "runner_id": self.runner_id,
            "content_sha256": parsed.content_sha256,
            "source_format": summary.source_format,
            "source_path": _text(source_path),
            "sport": summary.sport,
            "start_utc": summary.start.astimezone(UTC),
            "utc_offset_s": int(offset.total_seconds()) if offset is not None else None,
            **_metrics(summary),
            "device": _text(summary.device[:200]) if summary.device else None,
            "name": _text(summary.name),
            "rpe": summary.rpe,
            "record_count": parsed.record_count,
            "extra": _extra(parsed),
            **derived_figures(summary, parsed.figures),
        }
        try:
            with self.db.engine.begin() as conn:
                if replaces is not None:  # streams go with it (ON DELETE CASCADE; a manual entry has none)
                    cols = Activity.__table__.c
                    conn.execute(delete(ActivityStreams).where(ActivityStreams.activity_id == replaces))
                    conn.execute(delete(Activity).where(cols.id == replaces, cols.runner_id == self.runner_id))
                key = conn.execute(insert(Activity), values).inserted_primary_key
                if key is None:
                    raise StorageError(f"the database returned no id for {source_path}")
                new_id = int(key[0])
                if parsed.streams is not None:
                    streams = {"length": parsed.streams_length, "encoding": ENCODING, "data": parsed.streams}
                    conn.execute(insert(ActivityStreams), {"activity_id": new_id, **streams})
                if parsed.original is not None:
                    _store_original(conn, self.runner_id, new_id, parsed.original)
        except IntegrityError:
            # the same content was stored meanwhile by another import; or, for two activities of one file imported at
            # once by two imports, that file was kept by the other: a several-activity file is parsed on every
            # import, so the part lost here is added by the next one
            return None
        except SQLAlchemyError as exc:  # the driver's own message, without the SQL statement and its parameters
            raise StorageError(f"the database refused it: {getattr(exc, 'orig', None) or exc}") from exc
        return new_id

    def merge(self, into: int, parsed: Parsed) -> tuple[ActivitySummary, list[str]] | None:
        new = parsed.summary
        if new is None:
            return None
        cols = Activity.__table__.c
        try:
            with self.db.engine.begin() as conn:
                row = conn.execute(
                    select(Activity.__table__).where(cols.id == into, cols.runner_id == self.runner_id)
                ).first()
                if row is None:
                    return None
                extra = dict(row.extra or {})
                stored = replace(_summary(row), sport_inferred=extra.get("sport_inferred"))
                by_runner = bool(extra.get("sport_set_by_runner"))
                merged, brought = merge_summaries(stored, new, stored_set_by_runner=by_runner)
                blob = conn.execute(
                    select(ActivityStreams.data).where(ActivityStreams.activity_id == into)
                ).scalar_one_or_none()
                old_streams = unpack_streams(blob) if blob is not None else None
                new_streams = unpack_streams(parsed.streams) if parsed.streams is not None else None
                pair = (old_streams, new_streams) if preferred_first(stored, new) else (new_streams, old_streams)
                streams, added = merge_streams(*pair)
                brought += [f"{c.replace('_', ' ')} stream" for c in added]
                if streams is not None and streams is not old_streams:
                    packed = pack_streams(streams)
                    conn.execute(delete(ActivityStreams).where(ActivityStreams.activity_id == into))
                    conn.execute(
                        insert(ActivityStreams).values(
                            activity_id=into, length=streams.length, encoding=ENCODING, data=packed
                        )
                    )
                figures = activity_figures(streams.channels) if streams is not None else row.figures
                if merged.sport_inferred:
                    extra["sport_inferred"] = merged.sport_inferred
                else:
                    extra.pop("sport_inferred", None)
                merged_from = [str(m) for m in extra.get("merged_from", [])]
                if parsed.label not in merged_from:  # the same file merged again (imported before it was kept)
                    merged_from.append(_text(parsed.label) or "")
                extra["merged_from"] = merged_from
                if parsed.original is not None:  # this file fed the activity: it is kept with it
                    _store_original(conn, self.runner_id, into, parsed.original)
                offset = merged.start.utcoffset()
                conn.execute(
                    update(Activity)
                    .where(cols.id == into)
                    .values(
                        sport=merged.sport,
                        start_utc=merged.start.astimezone(UTC),
                        utc_offset_s=int(offset.total_seconds()) if offset is not None else None,
                        source_format=merged.source_format,
                        **_metrics(merged),
                        device=_text(merged.device[:200]) if merged.device else None,
                        name=_text(merged.name),
                        rpe=merged.rpe,
                        extra=extra,
                        **derived_figures(merged, figures),
                    )
                )
        except SQLAlchemyError as exc:
            raise StorageError(f"the database refused it: {getattr(exc, 'orig', None) or exc}") from exc
        return merged, brought

    def keep_original(self, activity_id: int, parsed: Parsed) -> bool:
        if parsed.original is None:
            return False
        cols = Activity.__table__.c
        try:
            with self.db.engine.begin() as conn:
                mine = conn.scalar(select(cols.id).where(cols.id == activity_id, cols.runner_id == self.runner_id))
                if mine is None:
                    return False
                _store_original(conn, self.runner_id, activity_id, parsed.original)
        except SQLAlchemyError as exc:
            raise StorageError(f"the database refused it: {getattr(exc, 'orig', None) or exc}") from exc
        return True


def _store_original(conn: Connection, runner_id: int, activity_id: int, original: ReceivedFile) -> None:
    """Store ``original`` (once per runner and content) and link it to the activity, in the caller's transaction.

    Statements take their values as parameters, not ``.values()``, so SQLAlchemy compiles each once: with
    ``.values()`` the 3,000-run import benchmark spent ≈ 4 ms of the writer's time per activity building them."""
    files, links = OriginalFile.__table__.c, ActivityOriginal.__table__.c
    file_id = conn.scalar(
        select(files.id).where(files.runner_id == runner_id, files.content_sha256 == original.content_sha256)
    )
    if file_id is not None:  # kept before (another activity of the file, or this one): link it unless it is
        linked = select(links.activity_id).where(links.activity_id == activity_id, links.original_id == file_id)
        if conn.scalar(linked) is not None:
            return
    else:
        values = {
            "runner_id": runner_id,
            "content_sha256": original.content_sha256,
            "name": _text(original.name) or "activity",
            "size": original.size,
            "encoding": original.encoding,
            "data": original.data,
            "created_at": datetime.now(UTC),
        }
        key = conn.execute(insert(OriginalFile), values).inserted_primary_key
        if key is None:
            raise StorageError(f"the database returned no id for the original file {original.name}")
        file_id = int(key[0])
    conn.execute(insert(ActivityOriginal), {"activity_id": activity_id, "original_id": file_id})


def _extra(parsed: Parsed) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if parsed.warnings:
        extra["warnings"] = [_text(w) for w in parsed.warnings]
    if parsed.summary is not None and parsed.summary.sport_inferred:
        extra["sport_inferred"] = _text(parsed.summary.sport_inferred)
    return extra


def derived_figures(summary: ActivitySummary, figures: dict[str, Any] | None) -> dict[str, Any]:
    """The per-activity figures stored with the row (migration 0005): the stream profile, TRIMP, climb per km."""
    km = (summary.distance_m or 0.0) / 1000.0
    gain = summary.elevation_gain_m
    minutes = (summary.moving_s or summary.elapsed_s or 0.0) / 60.0
    return {
        "figures": figures,
        "trimp": banister_trimp_one(minutes, summary.avg_hr, summary.max_hr),
        "climb_per_km": round(gain / km, 2) if gain is not None and km > 0 else None,
    }


def _cut_short(extra: Any) -> bool:
    """Stored by an importer that kept only the first activity of a file holding several (its warning says so)."""
    warnings = extra.get("warnings") if isinstance(extra, dict) else None
    return isinstance(warnings, list) and any(isinstance(w, str) and CUT_SHORT in w for w in warnings)


def _text(value: str | None) -> str | None:
    """Text as every supported database stores it: PostgreSQL refuses NUL characters (a CSV cell may hold one)."""
    return value.replace("\x00", "") if value else value


def _summary(row: Any) -> ActivitySummary:
    start = _aware(row.start_utc)
    if row.utc_offset_s:
        start = start.astimezone(timezone(timedelta(seconds=row.utc_offset_s)))
    return ActivitySummary(
        sport=cast(Sport, row.sport),
        start=start,
        **_metrics(row),
        source_format=cast(SourceFormat, row.source_format),
        device=row.device,
        name=row.name,
        rpe=row.rpe,
    )


def import_paths(
    *,
    db: Database,
    runner: str,
    paths: Sequence[str | os.PathLike[str]],
    progress: ProgressFn | None = None,
    limits: Limits | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import every activity under ``paths`` for ``runner`` (created on first use).

    Raises :class:`NotFound` when none of ``paths`` exists; any single file that cannot be imported is
    reported in the returned :class:`ImportReport`, never raised.
    """
    items = walk(paths, limits=limits)
    missing = [i for i in items if isinstance(i, Refusal) and i.reason == "no such file or folder"]
    if paths and len(missing) == len(paths) == len(items):
        raise NotFound("nothing to import: no such file or folder: " + ", ".join(m.label for m in missing))
    sink = DatabaseSink(db, db.runner_id(runner))
    return run_import(
        items,
        sink=sink,
        stored=sink.stored(),
        kept_files=sink.kept_files(),
        limits=limits,
        workers=workers,
        progress=progress,
    )


def activity_json(summary: ActivitySummary | None, activity_id: int | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "id": activity_id,
        "sport": summary.sport,
        "start": summary.start.isoformat(),
        **_metrics(summary),
        "source_format": summary.source_format,
        "device": summary.device,
    }


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One line of ``calfcare import --json``."""
    return {
        "path": outcome.path,
        "status": outcome.status,
        "error": outcome.error,
        "activity": activity_json(outcome.activity, outcome.activity_id),
    }
