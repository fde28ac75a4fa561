"""re-infer the sport of stored activities whose file named none, with the current rules (data only)

An earlier calfcare inferred untyped cycling files (a GPX without ``<type>``, a TCX with ``Sport="Other"``) as
runs: a bike's 76 rpm read as one foot's 152 steps/min at 19 km/h. The rule was fixed (a cadence that would make a
running step over 1.9 m is pedalling: :mod:`calfcare.activities.infer`), but the activities stored with the old rule
kept "run", and counted in the running load, the pre-injury baseline and the spike warnings. This revision runs the
current inference again on each of them, from what the import gave it, and corrects the sport where it differs.

Which rows: every activity whose sport was inferred (``extra.sport_inferred``) and not set by the runner
(``extra.sport_set_by_runner``). Left alone, because the import's inputs are not stored:

* rows merged from several files (``extra.merged_from``): their streams and sport may come from either file;
* rows whose sport came from words in the file's description (``from the description …``): the description is
  not stored. Those words decided the sport, and the words rule has not changed, so their sport would not either.

The inputs, as the import gave them to :func:`~calfcare.activities.infer.infer_sport`: the title is the stored name
(the importer stores the file's title as the name, and only a merge changes it); no description (not stored: see
above); the speed and cadence streams as stored, the cadence divided back by the factor the import applied after
inferring (``cadence doubled …`` in the stored warnings: a "run" at 76 rpm was stored at 152). The stored streams
are quantised (speed to 1 mm/s, cadence to 0.1): only a median within half a quantum of a rule's bound could fall
the other side.

Where the sport changes, the row is rewritten as the import would now write it: ``sport``, ``extra.sport_inferred``
(removed when the current rules find no sport: "other"), the import's warnings, and the cadence (stream and
average) when the new sport scales it differently (a ride's cadence is not doubled). ``extra.sport_reinferred``
records the change (``{"from": old sport, "reason": old reason, "at": "0009"}``); ``calfcare activity list`` shows
it. A row whose sport is unchanged is left as it is, reason included.

Plans: the runs of check-in days are part of a stored plan state's key (:func:`calfcare.services.replay.replay_key`),
so a check-in day whose "run" was a ride replays by itself. The pre-injury baseline the plan is sized from is stored
in the episode (``context.baseline``, from the files at the assessment): for each open or referred episode sized from
files, with a changed activity before its onset, it is computed again from the files as they now are (as
``calfcare assess --again`` would, :func:`calfcare.services.load.baseline_on`); when it differs it is replaced (and
removed when too few runs remain) and ``context.baseline_corrected`` keeps the old one. The context is part of the
replay key, so the stored plan state is no longer served: the next read replays with the corrected baseline.

Downgrade keeps the corrected sports (the 0008 schema holds them as well).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 200
LIVE = ("open", "referred")


def upgrade() -> None:
    conn = op.get_bind()
    changed = reinfer(conn)
    resize_baselines(conn, changed)


def reinfer(conn: sa.Connection) -> dict[int, date]:
    """Infer again the sport of every stored activity the module docstring says, and rewrite those whose sport
    differs. Batched (memory stays flat for a long history). Returns, per runner with a changed activity, the
    earliest local day of one."""
    from calfcare.activities.infer import cadence_factor, infer_sport
    from calfcare.activities.streams import (
        CADENCE_DOUBLED,
        CADENCE_HALVED,
        INFERRED_WARNING,
        cadence_warning,
        inferred_warning,
        stored_cadence_factor,
    )
    from calfcare.activities.streams_codec import pack_streams, unpack_streams
    from calfcare.services.run_days import local_day

    meta = sa.MetaData()
    acts = sa.Table("activities", meta, autoload_with=conn)
    streams = sa.Table("activity_streams", meta, autoload_with=conn)
    last = 0
    changed: dict[int, date] = {}
    while True:
        rows = conn.execute(
            sa.select(
                acts.c.id, acts.c.runner_id, acts.c.sport, acts.c.name, acts.c.start_utc, acts.c.utc_offset_s,
                acts.c.avg_cadence_spm, acts.c.extra,
            )
            .where(acts.c.id > last)
            .order_by(acts.c.id)
            .limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            return changed
        last = rows[-1].id
        wanted = [r for r in rows if _reinferable(r.extra)]
        if not wanted:
            continue
        blobs = dict(
            conn.execute(
                sa.select(streams.c.activity_id, streams.c.data).where(
                    streams.c.activity_id.in_([r.id for r in wanted])
                )
            ).all()
        )
        for r in wanted:
            extra = dict(r.extra)
            stored = unpack_streams(blobs[r.id]) if blobs.get(r.id) is not None else None
            channels = dict(stored.channels) if stored is not None else {}
            applied = stored_cadence_factor(extra.get("warnings"))
            speed = channels.get("speed")
            cadence = channels.get("cadence")
            file_cadence = np.asarray(cadence, dtype=np.float64) / applied if cadence is not None else None
            guess = infer_sport(
                title=r.name,
                description=None,  # not stored; a description with a sport word decided the row: left alone
                speed=np.asarray(speed, dtype=np.float64) if speed is not None else None,
                cadence=file_cadence,
            )
            sport = guess.sport if guess is not None else "other"
            if sport == r.sport:
                continue
            # the cadence as the import now scales it for the new sport (from the file's median, else its average)
            file_avg = r.avg_cadence_spm / applied if r.avg_cadence_spm is not None else None
            factor = cadence_factor(_median_positive(file_cadence) or file_avg, sport)
            has_cadence = file_cadence is not None or file_avg is not None
            kept = extra.get("warnings")
            warnings = [
                w
                for w in (kept if isinstance(kept, list) else [])
                if not (isinstance(w, str) and w.startswith((INFERRED_WARNING, CADENCE_DOUBLED, CADENCE_HALVED)))
            ]
            if guess is not None:
                warnings.append(inferred_warning(sport, guess.describe()))
                extra["sport_inferred"] = guess.describe()
            else:
                extra.pop("sport_inferred", None)
            if factor != 1.0 and has_cadence:
                warnings.append(cadence_warning(factor, sport))
            if warnings:
                extra["warnings"] = warnings
            else:  # as the import writes a file without warnings
                extra.pop("warnings", None)
            extra["sport_reinferred"] = {"from": r.sport, "reason": r.extra.get("sport_inferred"), "at": revision}
            values: dict[str, Any] = {"sport": sport, "extra": extra}
            if factor != applied:
                values["avg_cadence_spm"] = file_avg * factor if file_avg is not None else None
                if stored is not None and file_cadence is not None:
                    channels["cadence"] = (file_cadence * factor).astype(np.float32)
                    packed = pack_streams(dataclasses.replace(stored, channels=channels))
                    conn.execute(streams.update().where(streams.c.activity_id == r.id).values(data=packed))
            conn.execute(acts.update().where(acts.c.id == r.id).values(**values))
            day = local_day(r.start_utc, r.utc_offset_s)
            changed[r.runner_id] = min(day, changed.get(r.runner_id, day))


def _reinferable(extra: Any) -> bool:
    """Inferred at import, not set by the runner, and the import's inputs stored (the module docstring)."""
    if not isinstance(extra, dict) or extra.get("sport_set_by_runner") or extra.get("merged_from"):
        return False
    reason = extra.get("sport_inferred")
    return isinstance(reason, str) and not reason.startswith("from the description")


def _median_positive(x: np.ndarray | None) -> float | None:
    if x is None:
        return None
    x = x[np.isfinite(x) & (x > 0)]
    return float(np.median(x)) if len(x) else None


def resize_baselines(conn: sa.Connection, changed: dict[int, date]) -> list[int]:
    """Compute again the files baseline of each open or referred episode of a runner in ``changed`` whose onset
    follows a changed activity; store it where it differs (the module docstring). Returns the episodes changed."""
    if not changed:
        return []
    from calfcare.services.load import baseline_on

    meta = sa.MetaData()
    eps = sa.Table("episodes", meta, autoload_with=conn)
    done: list[int] = []
    for runner_id, first in sorted(changed.items()):
        rows = conn.execute(
            sa.select(eps.c.id, eps.c.onset, eps.c.context)
            .where(eps.c.runner_id == runner_id, eps.c.status.in_(LIVE), eps.c.onset > first)
            .order_by(eps.c.id)
        ).all()
        for ep in rows:
            context = dict(ep.context or {})
            old = context.get("baseline")
            if not isinstance(old, dict) or old.get("source") != "files":
                continue  # typed in, or none: not from the files
            base = baseline_on(conn, runner_id, ep.onset)
            new = dataclasses.asdict(base) if base.source != "none" else None
            if new == old:
                continue
            if new is None:
                context.pop("baseline")
            else:
                context["baseline"] = new
            context["baseline_corrected"] = {"from": old, "at": revision, "why": "activities' sport inferred again"}
            conn.execute(eps.update().where(eps.c.id == ep.id).values(context=context))
            done.append(ep.id)
    return done


def downgrade() -> None:
    """Nothing to undo: the corrected sports are valid in the 0008 schema (the old rule was the defect)."""
