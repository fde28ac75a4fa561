"""The dashboard path from the database: N runners × Y years of daily runs with their summaries and per-activity
figures already stored (as an import leaves them), on SQLite and on PostgreSQL.

    python benchmarks/load_db.py [--runners 1000] [--years 10] [--repeat 3] [--postgres URL] [--sqlite FILE]

Timed (the process is already started, the modules imported and the database opened; nothing is cached between
repeats except what the database itself caches):

* ``all runners``: :func:`calfcare.services.load.load_dashboard` — one query over the last 400 days of every runner's
  run summaries, the episodes, and every load metric for all runners at once (target < 3 s);
* ``one runner``: :func:`calfcare.services.load.load_report` for one runner with ten years of runs — the whole
  ``calfcare load`` report (12 weeks, spikes, warnings, threshold pace from the stored figures) minus process
  start-up and printing (target < 50 ms).

The data set is generated inside the database (one INSERT … SELECT over runners × days): one run a day, a third of
runners with one injury episode, figures JSON as the importer stores it, then ANALYZE (VACUUM ANALYZE on PostgreSQL,
as autovacuum would). PostgreSQL runs in its own schema, dropped
at the end. docs/benchmarks.md records the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text

from calfcare.services.load import load_dashboard, load_report
from calfcare.store import Database, open_database

START = date(2016, 1, 4)
COLUMNS = (
    "runner_id", "content_sha256", "source_format", "sport", "start_utc", "utc_offset_s", "elapsed_s", "moving_s",
    "distance_m", "avg_hr", "max_hr", "elevation_gain_m", "record_count", "extra", "figures", "trimp", "climb_per_km",
)  # fmt: skip


def _figures(rng: np.random.Generator, fast: bool) -> str:
    """A stored figures document like the importer's (profile lists stop at their last non-zero value)."""
    n = int(rng.integers(20, 45 if fast else 30))
    counts = np.sort(rng.integers(0, 3600, n))[::-1].tolist()
    surges = [int(x) for x in rng.integers(0, 8 if fast else 2, n)]
    return json.dumps(
        {"v": 1, "grid": [2.0, 0.05, 101], "fast_s": counts, "fast_s_raw": counts, "surges": surges,
         "best_30min_speed": round(float(rng.normal(3.3, 0.3)), 4), "walk_breaks": 0, "grade_adjusted": True},
        separators=(",", ":"),
    )  # fmt: skip


def generate(db: Database, runners: int, years: int, seed: int = 7) -> int:
    """Generate the data set inside the database (one INSERT … SELECT over runners × days, so it is bounded in time:
    no row crosses from Python); returns the number of activities."""
    rng = np.random.default_rng(seed)
    n_days = (START.replace(year=START.year + years) - START).days
    templates = [_figures(rng, k % 4 == 0) for k in range(16)]
    sqlite = db.is_sqlite
    rand = "(abs(random()) % 1000000) / 1000000.0" if sqlite else "random()"
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE bench_fig (k INTEGER PRIMARY KEY, doc TEXT)"))
        conn.execute(text("INSERT INTO bench_fig (k, doc) VALUES (:k, :d)"),
                     [{"k": k, "d": doc} for k, doc in enumerate(templates)])  # fmt: skip
        if sqlite:
            seq = "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < :top) "
            runners_sql, days_sql = "SELECT i + 1 AS r FROM seq WHERE i < :runners", "SELECT i AS d FROM seq"
            start_sql = (
                "strftime('%Y-%m-%d %H:%M:%S.000000', :base, '+' || d || ' days', '+' || (r % 90) || ' minutes')"
            )
            sha = "printf('%08d%056d', r, d)"
        else:
            seq = ""
            runners_sql, days_sql = "SELECT generate_series(1, :runners) AS r", "SELECT generate_series(0, :top) AS d"
            start_sql = "CAST(:base AS timestamptz) + d * interval '1 day' + (r % 90) * interval '1 minute'"
            sha = "lpad(r::text, 8, '0') || lpad(d::text, 56, '0')"
        name = "printf('runner%04d', r)" if sqlite else "'runner' || lpad(r::text, 4, '0')"
        conn.execute(
            text(f"{seq}INSERT INTO runners (id, name) SELECT r, {name} FROM ({runners_sql}) AS rs"),
            {"runners": runners, "top": max(runners, n_days)},
        )
        doc = "f.doc" if sqlite else "CAST(f.doc AS json)"
        # km 2–26, 5:30–6:50 min/km, heart rate 125–165, climb 0–20 m/km; figures from the templates
        conn.execute(text(
            f"{seq}INSERT INTO activities ({', '.join(COLUMNS)}) "
            f"SELECT r, {sha}, 'fit', 'run', {start_sql}, 3600, km * pace, km * pace, km * 1000, hr, hr + 25, "
            f"km * climb, CAST(km * pace AS INTEGER), '{{}}', {doc}, km * pace / 60 * 0.6, climb "
            f"FROM (SELECT r, d, 2 + 24 * {rand} AS km, 330 + 80 * {rand} AS pace, 125 + 40 * {rand} AS hr, "
            f"20 * {rand} AS climb, (r * 7 + d) % 16 AS k FROM ({runners_sql}) AS rs CROSS JOIN "
            f"(SELECT * FROM ({days_sql}) AS ds WHERE d < :days) AS dd) AS g JOIN bench_fig f ON f.k = g.k"
        ), {"runners": runners, "top": max(runners, n_days), "days": n_days, "base": f"{START} 06:00:00"})  # fmt: skip
        episodes = []
        for r in range(1, runners + 1, 3):
            onset = START + timedelta(days=int(rng.integers(60, n_days - 60)))
            episodes.append({"r": r, "o": onset, "c": onset + timedelta(days=42)})
        conn.execute(text("INSERT INTO episodes (runner_id, status, onset, assessed_on, closed_on, plan_state, "
                          "context) VALUES (:r, 'closed', :o, :o, :c, '{}', '{}')"), episodes)  # fmt: skip
        total = int(conn.execute(text("SELECT count(*) FROM activities")).scalar_one())
    with db.engine.connect() as conn:  # statistics (and PostgreSQL's visibility map, for index-only scans)
        if sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE activities")
    return total


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(best wall, best CPU, median wall) seconds over ``repeat`` runs after one warm-up run."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu), float(np.median(wall))


def run(label: str, db: Database, args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    n = generate(db, args.runners, args.years)
    print(f"[{label}] generated {n:,} activities for {args.runners} runners in {time.perf_counter() - t0:.1f} s")
    today = START.replace(year=START.year + args.years) - timedelta(days=1)
    board = load_dashboard(db=db, today=today)
    assert len(board) == args.runners
    results = {
        "all runners (load_dashboard)": best_of(args.repeat, lambda: load_dashboard(db=db, today=today)),
        "one runner (load_report, 12 weeks)": best_of(
            args.repeat, lambda: load_report(db=db, runner="runner0002", today=today, weeks=12)
        ),
    }
    for what, (wall, cpu, median) in results.items():
        print(f"[{label}] {what:<36}: best wall {wall * 1000:8.1f} ms, median {median * 1000:8.1f} ms, "
              f"CPU {cpu * 1000:8.1f} ms")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runners", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sqlite", type=Path, default=None, help="SQLite file to create (default: a temporary one)")
    pg_help = "PostgreSQL URL (default: $CALFCARE_TEST_POSTGRES_URL); a schema is used, then dropped"
    ap.add_argument("--postgres", default=os.environ.get("CALFCARE_TEST_POSTGRES_URL"), help=pg_help)
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    # a SIGTERM (a time limit, kill) unwinds like Ctrl-C, so the temporary file and the PostgreSQL schema (3.6 M rows)
    # are removed by the finally blocks below instead of being left behind
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    print(f"machine: {platform.machine()} python {platform.python_version()} numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.sqlite or Path(tmp) / "bench.db"
            db = open_database(f"sqlite:///{path}")
            try:
                run("sqlite", db, args)
            finally:
                db.dispose()
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            sep = "&" if "?" in args.postgres else "?"
            db = open_database(f"{args.postgres}{sep}options=-csearch_path%3D{schema}")
            try:
                run("postgresql", db, args)
            finally:
                db.dispose()
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
