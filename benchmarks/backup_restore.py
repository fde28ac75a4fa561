"""Measure a runner's backup, restore and deletion (services/runners.py) on a generated SQLite store.

    python benchmarks/backup_restore.py [--runs 500] [--checkins 60] [--pg URL]

One runner with ``--runs`` imported runs (summary + a packed 1 Hz speed stream of about an hour each), an
assessment and ``--checkins`` check-ins. Times: ``export all`` (bytes of the zip), ``import-backup`` into an
empty SQLite database (and into ``--pg`` when given, a PostgreSQL URL whose schema is empty), and
``runner delete`` of the restored copy. Each step is run once: they are seconds-long, I/O-bound steps.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from calfcare.activities.activity import Streams
from calfcare.activities.streams_codec import ENCODING, pack_streams
from calfcare.services import assess, record_checkin
from calfcare.services.runners import backup_bytes, delete_runner, restore_backup
from calfcare.store import Database, open_database
from calfcare.store.models import Activity, ActivityStreams

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "exports"))
from exports_seed import SOLEUS, good_day


def seed(db: Database, runs: int, checkins: int) -> None:
    rid = db.runner_id("ana")
    rng = np.random.default_rng(1)
    start = date(2024, 1, 1)
    with db.session() as s:
        for i in range(runs):
            seconds = int(rng.integers(1800, 5400))
            speed = (2.8 + 0.3 * rng.standard_normal(seconds)).astype(np.float32)
            day = start + timedelta(days=2 * i % 500)
            act = Activity(runner_id=rid, content_sha256=hashlib.sha256(f"run{i}".encode()).hexdigest(),
                           source_format="fit", sport="run", start_utc=datetime(day.year, day.month, day.day, 7,
                           tzinfo=UTC), elapsed_s=float(seconds), moving_s=float(seconds),
                           distance_m=float(speed.sum()), record_count=seconds, extra={})  # fmt: skip
            s.add(act)
            s.flush()
            blob = pack_streams(Streams(start_epoch=0.0, channels={"speed": speed}))
            s.add(ActivityStreams(activity_id=act.id, length=seconds, encoding=ENCODING, data=blob))
    day0 = start + timedelta(days=510)
    assess(db=db, runner="ana", answers=SOLEUS, day=day0)
    for i in range(1, checkins + 1):
        record_checkin(db=db, runner="ana", answers=good_day(min(i, 14)), day=day0 + timedelta(days=i))


def timed(label: str, fn: object) -> object:
    t0 = time.perf_counter()
    out = fn()  # type: ignore[operator]
    print(f"{label:<34} {time.perf_counter() - t0:7.2f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--checkins", type=int, default=60)
    parser.add_argument("--pg", help="a PostgreSQL URL with an empty schema to restore into as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = open_database(f"sqlite:///{Path(tmp) / 'source.db'}")
        timed(f"seed ({args.runs} runs, {args.checkins} check-ins)", lambda: seed(source, args.runs, args.checkins))
        data = timed("export all (backup_bytes)", lambda: backup_bytes(db=source, runner="ana"))
        assert isinstance(data, bytes)
        print(f"{'  backup size':<34} {len(data) / 1e6:7.2f} MB")
        target = open_database(f"sqlite:///{Path(tmp) / 'target.db'}")
        timed("import-backup into SQLite", lambda: restore_backup(db=target, data=data))
        if args.pg:
            pg = open_database(args.pg)
            timed("import-backup into PostgreSQL", lambda: restore_backup(db=pg, data=data))
            timed("runner delete (PostgreSQL)", lambda: delete_runner(db=pg, runner="ana"))
            pg.dispose()
        timed("runner delete (SQLite)", lambda: delete_runner(db=target, runner="ana"))
        source.dispose()
        target.dispose()


if __name__ == "__main__":
    main()
