"""CLI start-up: the whole ``calfcare`` process timed over repeated runs (what a runner waits for).

    python benchmarks/cli_startup.py [--runs 10] [--hyperfine]

Times ``calfcare --help``, ``calfcare --version`` and ``calfcare today`` (on a fresh SQLite file holding one
assessment, so ``today`` has a plan to show; and again with 60 runs imported before and after the onset, so it also
builds the runs for its load warnings) as separate processes (``python -m calfcare``, the same code the
installed script runs). For each: the minimum and median wall time, and the minimum CPU time (user + system of
the child, from ``getrusage``): on a shared machine the CPU figure is the fairer one. With ``--hyperfine`` (when
installed) hyperfine does the timing instead. Targets (issue #8): --help and --version < 0.25 s, today < 0.5 s.

docs/benchmarks.md ("CLI start-up") records the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"--help": 0.25, "--version": 0.25, "today": 0.5, "today (60 runs)": 0.5}


def _env(db: Path) -> dict[str, str]:
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "CALFCARE_DATABASE_URL": f"sqlite:///{db}",
        "CALFCARE_RUNNER": "bench",
        "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else src,
    }


def _store_runs(url: str, runner: str, n: int) -> None:
    """``n`` runs every other day up to yesterday, stored as an import stores them (summary and figures)."""
    from datetime import UTC, datetime, time

    import numpy as np

    sys.path.insert(0, str(ROOT / "src"))  # this checkout's calfcare, as the timed processes use
    from calfcare.analytics.figures import activity_figures
    from calfcare.store import open_database
    from calfcare.store.models import Activity

    db = open_database(url)
    rid = db.runner_id(runner)
    with db.session() as s:
        for i in range(n):
            day = date.today() - timedelta(days=2 * i + 1)
            speed = np.full(2400, 2.8 + 0.1 * (i % 5), dtype=np.float32)
            s.add(Activity(runner_id=rid, content_sha256=f"{i:064}", source_format="fit", sport="run",
                           start_utc=datetime.combine(day, time(7), tzinfo=UTC), utc_offset_s=3600,
                           elapsed_s=2400.0, moving_s=2400.0, distance_m=float(speed.sum()), record_count=2400,
                           extra={}, figures=activity_figures({"speed": speed})))  # fmt: skip
    db.dispose()


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--hyperfine", action="store_true", help="time with hyperfine (if installed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "calfcare.db"
        env = _env(db)
        base = [sys.executable, "-m", "calfcare"]
        day = (date.today() - timedelta(days=2)).isoformat()
        answers = str(ROOT / "examples" / "soleus-build-up.json")
        subprocess.run([*base, "assess", "--answers", answers, "--date", day], env=env, stdout=subprocess.DEVNULL,
                       check=True)  # fmt: skip
        commands = {"--help": [*base, "--help"], "--version": [*base, "--version"], "today": [*base, "today"]}
        runs_env = _env(Path(tmp) / "with-runs.db")
        subprocess.run([*base, "assess", "--answers", answers, "--date", day], env=runs_env, stdout=subprocess.DEVNULL,
                       check=True)  # fmt: skip
        _store_runs(runs_env["CALFCARE_DATABASE_URL"], "bench", 60)
        envs = {name: env for name in commands} | {"today (60 runs)": runs_env}
        commands["today (60 runs)"] = [*base, "today"]
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPU, Python "
              f"{platform.python_version()}, load average {load:.1f}, {args.runs} runs each")  # fmt: skip
        if args.hyperfine and shutil.which("hyperfine"):
            quoted = [" ".join(argv) for name, argv in commands.items() if name != "today (60 runs)"]
            subprocess.run(["hyperfine", "--warmup", "2", "--runs", str(args.runs), *quoted], env=env, check=True)
            return
        print("| command | wall min | wall median | CPU min | target | met (CPU) |")
        print("|---|---:|---:|---:|---:|---|")
        for name, argv in commands.items():
            _once(argv, envs[name])  # warm the file cache and .pyc files
            runs = [_once(argv, envs[name]) for _ in range(args.runs)]
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            target = TARGETS[name]
            print(f"| calfcare {name} | {min(walls):.3f} s | {statistics.median(walls):.3f} s | {min(cpus):.3f} s "
                  f"| < {target} s | {'yes' if min(cpus) < target else 'no'} |")  # fmt: skip


if __name__ == "__main__":
    main()
