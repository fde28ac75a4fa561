"""Import speed: a synthetic ten-year Strava bulk export imported end to end into a fresh SQLite file, and the
shared corpus's FIT files imported by calfcare vs merely decoded by fitdecode.

    python benchmarks/import_export.py [--runs 3000] [--years 10] [--workers 2] [--cli] [--no-corpus] [--no-backup]

(a) The export (``activities.csv`` with Strava's duplicated columns + ``activities/``) is built once and cached
    under ``benchmarks/out/`` (git-ignored): runs of 30-120 min at 1 Hz (a fifth with "smart recording", one
    point every 4 s) with varying pace, heart rate and altitude; 92 % ``.fit.gz`` (the repo's FIT encoder),
    5 % ``.gpx``, 3 % ``.tcx.gz``; plus 20 manual entries (rows without a file). Then ``import_paths`` (what
    ``calfcare import`` calls) runs on it into a new SQLite file: files/s, activities/s, wall time and the CPU
    used by this process and its worker processes (utilisation of both cores). ``--cli`` also times the real
    ``calfcare import`` command in a subprocess (start-up included).
(c) Unless ``--no-backup``: ``calfcare export all`` of (a)'s runner (every table and every original file in one
    zip) and ``calfcare import-backup`` of it into a new SQLite file.
(b) Every FIT file of ../shared/corpus (incl. the .fit.gz): ``import_paths`` on them vs ``fitdecode`` reading
    all their messages (one process, as a caller would), and our decoder alone on one core.

docs/benchmarks.md ("Import") records the figures.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
CORPUS = Path(os.environ.get("CALFCARE_SHARED", ROOT.parent / "shared")) / "corpus"
FIRST_DAY = datetime(2015, 1, 1, tzinfo=UTC)
MANUAL_ENTRIES = 20
CSV_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
    "Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,"
    "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain,Elevation Loss,"
    "Max Heart Rate,Average Heart Rate,Perceived Exertion,Relative Effort,Commute\n"
)


# ---------------------------------------------------------------- (a) the synthetic export


def _plan(runs: int, years: int, seed: int) -> list[dict[str, object]]:
    """One run per chosen day, early morning to evening, 30-120 min, formats mostly FIT."""
    rng = np.random.default_rng(seed)
    days = np.sort(rng.choice(years * 365, size=runs, replace=False))
    kinds = rng.choice(["fit", "gpx", "tcx"], size=runs, p=[0.92, 0.05, 0.03])
    plan = []
    for i, (day, kind) in enumerate(zip(days.tolist(), kinds.tolist(), strict=True)):
        start = FIRST_DAY + timedelta(days=day, hours=float(rng.uniform(5, 19)))
        plan.append(
            {
                "id": 1_000_000 + i,
                "start": start.replace(microsecond=0).isoformat(),
                "seconds": int(rng.uniform(30, 120) * 60),
                "kind": kind,
                "smart": bool(rng.random() < 0.2),
                "seed": int(rng.integers(1 << 31)),
            }
        )
    return plan


def _signals(seconds: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = seconds + 1
    base = rng.uniform(2.6, 3.6)
    speed = np.clip(base + 0.25 * np.sin(np.arange(n) / rng.uniform(120, 600)) + 0.1 * rng.standard_normal(n), 1, 6)
    hr = np.clip(np.round(120 + 12 * speed + np.cumsum(rng.standard_normal(n)) * 0.05), 90, 200)
    altitude = 200 + np.cumsum(rng.standard_normal(n)) * 0.15
    cadence = np.round(160 + 5 * speed + rng.standard_normal(n))
    return {"speed": speed, "hr": hr, "altitude": altitude, "cadence": cadence}


def _track(start: datetime, seconds: int, step: int, sig: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    idx = np.arange(0, seconds + 1, step)
    dist = np.concatenate(([0.0], np.cumsum(sig["speed"][1:])))[idx]
    heading = idx / 900
    lat = 48.1 + np.cumsum(np.concatenate(([0.0], np.diff(dist) * np.cos(heading[1:])))) / 111_195.0
    lon = 11.5 + np.cumsum(np.concatenate(([0.0], np.diff(dist) * np.sin(heading[1:])))) / (111_195.0 * 0.667)
    return {"t": start.timestamp() + idx, "dist": dist, "lat": lat, "lon": lon, "alt": sig["altitude"][idx],
            "hr": sig["hr"][idx], "cad": sig["cadence"][idx]}  # fmt: skip


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gpx(tr: dict[str, np.ndarray]) -> bytes:
    pts = "".join(
        f'<trkpt lat="{la:.7f}" lon="{lo:.7f}"><ele>{al:.1f}</ele><time>{_iso(t)}</time><extensions>'
        f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{hr:.0f}</gpxtpx:hr><gpxtpx:cad>{cad / 2:.0f}</gpxtpx:cad>"
        "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
        for t, la, lo, al, hr, cad in zip(tr["t"], tr["lat"], tr["lon"], tr["alt"], tr["hr"], tr["cad"], strict=True)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx creator="StravaGPX" version="1.1" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
        f"<trk><name>Run</name><type>running</type><trkseg>\n{pts}</trkseg></trk></gpx>\n"
    ).encode()


def _tcx(tr: dict[str, np.ndarray]) -> bytes:
    pts = "".join(
        f"<Trackpoint><Time>{_iso(t)}</Time><Position><LatitudeDegrees>{la:.7f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{lo:.7f}</LongitudeDegrees></Position><AltitudeMeters>{al:.1f}</AltitudeMeters>"
        f"<DistanceMeters>{d:.1f}</DistanceMeters><HeartRateBpm><Value>{hr:.0f}</Value></HeartRateBpm></Trackpoint>\n"
        for t, la, lo, al, d, hr in zip(tr["t"], tr["lat"], tr["lon"], tr["alt"], tr["dist"], tr["hr"], strict=True)
    )
    stamp = _iso(float(tr["t"][0]))
    total = float(tr["t"][-1] - tr["t"][0])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{stamp}</Id><Lap StartTime="{stamp}">'
        f"<TotalTimeSeconds>{total:.0f}</TotalTimeSeconds><DistanceMeters>{tr['dist'][-1]:.1f}</DistanceMeters>"
        f"<Track>\n{pts}</Track></Lap></Activity></Activities></TrainingCenterDatabase>\n"
    ).encode()


def _write_run(run: dict[str, object], folder: str) -> tuple[str, float, float, float]:
    """Write one activity file; returns (relative filename, elapsed s, distance m, average HR)."""
    from calfcare.activities.formats.fit_encode import encode_run

    start = datetime.fromisoformat(str(run["start"]))
    seconds, seed, kind = int(str(run["seconds"])), int(str(run["seed"])), str(run["kind"])
    sig = _signals(seconds, seed)
    step = 4 if run["smart"] else 1
    name = f"activities/{run['id']}." + {"fit": "fit.gz", "gpx": "gpx", "tcx": "tcx.gz"}[kind]
    if kind == "fit":
        data = gzip.compress(
            encode_run(start, seconds, speed_ms=sig["speed"], hr=sig["hr"], cadence_spm=sig["cadence"],
                       altitude=sig["altitude"], record_interval=float(step), utc_offset_s=3600),
            6,
        )  # fmt: skip
    else:
        tr = _track(start, seconds, step, sig)
        data = _gpx(tr) if kind == "gpx" else gzip.compress(_tcx(tr), 6)
    Path(folder, name).write_bytes(data)
    return name, float(seconds), float(np.sum(sig["speed"][1:])), float(np.mean(sig["hr"]))


def _csv_row(run: dict[str, object], name: str, elapsed: float, dist: float, hr: float) -> str:
    start = datetime.fromisoformat(str(run["start"]))
    date = start.strftime("%b %d, %Y, %I:%M:%S %p").replace(" 0", " ")
    ident = int(str(run["id"]))
    rpe = "" if ident % 3 else str(ident % 10 + 1)
    return (
        f'{run["id"]},"{date}",Morning Run,Run,,{elapsed:.0f},{dist / 1000:.2f},{hr + 20:.1f},40,false,,,{name},'
        f",,{elapsed:.1f},{elapsed - 30:.1f},{dist:.1f},5.1,{dist / elapsed:.3f},55,54,{hr + 20:.1f},{hr:.1f},"
        f"{rpe},40,false\n"
    )


def build_export(runs: int, years: int, seed: int = 11) -> Path:
    """The export folder, built once per (runs, years, seed) and reused."""
    folder = OUT / f"strava-export-{runs}-{years}y-{seed}"
    marker = OUT / f"{folder.name}.built.json"
    if marker.is_file():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "activities").mkdir(parents=True)
    plan = _plan(runs, years, seed)
    started = time.perf_counter()
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        written = list(pool.map(_write_run, plan, [str(folder)] * len(plan), chunksize=16))
    rows = [_csv_row(run, *w) for run, w in zip(plan, written, strict=True)]
    rng = np.random.default_rng(seed + 1)
    for i in range(MANUAL_ENTRIES):
        when = FIRST_DAY + timedelta(days=int(rng.integers(years * 365)), hours=21, minutes=i)
        run = {"id": 9_000_000 + i, "start": when.isoformat()}
        rows.append(_csv_row(run, "", 1800.0, 5000.0, 0.0).replace(",20.0,", ",,").replace(",0.0,", ",,"))
    (folder / "activities.csv").write_text(CSV_HEADER + "".join(rows))
    marker.write_text(json.dumps({"runs": runs, "years": years, "seed": seed}))
    print(f"built {folder} in {time.perf_counter() - started:.0f} s")
    return folder


# ---------------------------------------------------------------- timing helpers


def _stop_forkserver() -> None:
    """Stop the forkserver so the CPU time of the worker processes it forked is accounted to this process."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def _cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def time_import(paths: list[Path], workers: int, label: str, backup: bool = False) -> dict[str, float]:
    from calfcare.services.importing import import_paths
    from calfcare.store import open_database

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        _stop_forkserver()
        self0, kids0 = _cpu()
        wall0 = time.perf_counter()
        report = import_paths(db=db, runner="bench", paths=paths, workers=workers)
        wall = time.perf_counter() - wall0
        _stop_forkserver()
        self1, kids1 = _cpu()
        kept = _originals_size(db)
        if backup:
            time_backup(db, Path(tmp))
        db.dispose()
        size = (Path(tmp) / "bench.db").stat().st_size
    counts = report.counts
    files = len(report.outcomes)
    main_cpu, worker_cpu = self1 - self0, kids1 - kids0
    print(
        f"{label}: {files} inputs, {counts['imported']} imported, {counts['duplicate']} duplicates, "
        f"{counts['skipped']} skipped, {counts['error']} failed in {wall:.1f} s = {files / wall:.0f} files/s, "
        f"{counts['imported'] / wall:.0f} activities/s; CPU main {main_cpu:.1f} s + workers {worker_cpu:.1f} s "
        f"= {(main_cpu + worker_cpu) / (wall * (os.cpu_count() or 1)):.0%} of {os.cpu_count()} cores; "
        f"database {size / 1e6:.0f} MB, of which the original files {kept / 1e6:.0f} MB"
    )
    return {"wall": wall, "files": files, "imported": counts["imported"], "cpu": main_cpu + worker_cpu}


def _originals_size(db: Any) -> int:
    """Bytes of the original files as stored (compressed), from the table itself."""
    from sqlalchemy import func, select

    from calfcare.store.models import OriginalFile

    with db.session() as s:
        return int(s.scalar(select(func.coalesce(func.sum(func.length(OriginalFile.data)), 0))) or 0)


def time_backup(db: Any, folder: Path) -> None:
    """`calfcare export all` of the imported runner (every table and every original file into one zip), then
    `calfcare import-backup` of that zip into a new SQLite file."""
    from calfcare.services.runners import backup_bytes, restore_backup
    from calfcare.store import open_database

    started = time.perf_counter()
    data = backup_bytes(db=db, runner="bench")
    made = time.perf_counter() - started
    target = open_database(f"sqlite:///{folder / 'restored.db'}")
    started = time.perf_counter()
    outcome = restore_backup(db=target, data=data)
    restored = time.perf_counter() - started
    target.dispose()
    print(
        f"(c) export all: {made:.1f} s, zip {len(data) / 1e6:.0f} MB with {outcome.rows.get('original_files', 0)} "
        f"original files; import-backup into a new SQLite file: {restored:.1f} s ({sum(outcome.rows.values()):,} rows)"
    )


def time_cli(folder: Path) -> float:
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        env = {**os.environ, "CALFCARE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'cli.db'}"}
        cmd = [shutil.which("calfcare") or sys.executable, "import", str(folder), "--json"]
        if cmd[0] == sys.executable:
            cmd[1:1] = ["-c", "from calfcare.cli import main; main()"]
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - started
    lines = done.stdout.decode().splitlines()
    imported = sum(json.loads(line)["status"] == "imported" for line in lines)
    print(f"`calfcare import {folder.name} --json` (subprocess, start-up included): {wall:.1f} s, {imported} imported")
    return wall


# ---------------------------------------------------------------- (b) corpus FIT files vs fitdecode


def corpus_fit_files() -> list[Path]:
    return sorted(
        p for p in (CORPUS / "fit").rglob("*") if p.is_file() and p.name.lower().endswith((".fit", ".fit.gz"))
    )


def _expanded(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.lower().endswith(".gz") else data


def time_fitdecode(files: list[Path]) -> float:
    import fitdecode

    blobs = [_expanded(p) for p in files]
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for blob in blobs:
            try:
                with fitdecode.FitReader(io.BytesIO(blob)) as reader:
                    for _frame in reader:
                        pass
            except Exception:  # broken corpus files: fitdecode stops there, as a caller would
                continue
    return time.perf_counter() - started


def time_our_decoder(files: list[Path]) -> float:
    from calfcare.activities.formats.fit import decode_fit
    from calfcare.errors import TrainingFileError

    blobs = [_expanded(p) for p in files]
    started = time.perf_counter()
    for blob in blobs:
        try:
            decode_fit(blob)
        except TrainingFileError:
            continue
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cli", action="store_true", help="also time the calfcare command in a subprocess")
    parser.add_argument("--no-corpus", action="store_true", help="skip (b)")
    parser.add_argument("--no-backup", action="store_true", help="skip (c): export all + import-backup of (a)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")  # fmt: skip

    folder = build_export(args.runs, args.years)
    n_files = sum(1 for _ in (folder / "activities").iterdir())
    size = sum(p.stat().st_size for p in (folder / "activities").iterdir())
    print(f"(a) export: {n_files} activity files ({size / 1e6:.0f} MB) + activities.csv with {MANUAL_ENTRIES} manual")
    result = time_import([folder], args.workers, "(a) import", backup=not args.no_backup)
    target = "met" if result["wall"] < 30 else f"MISSED by {result['wall'] - 30:.1f} s"
    print(f"(a) target < 30 s: {target}")
    if args.cli:
        time_cli(folder)

    if not args.no_corpus and CORPUS.is_dir():
        files = corpus_fit_files()
        size = sum(p.stat().st_size for p in files)
        print(f"(b) corpus: {len(files)} FIT files, {size / 1e6:.1f} MB")
        ours = time_import(files, args.workers, "(b) calfcare import")["wall"]
        decoder = time_our_decoder(files)
        reference = time_fitdecode(files)
        print(f"(b) our decoder alone, one core: {decoder:.2f} s")
        print(f"(b) fitdecode decoding only, one core: {reference:.1f} s")
        ratio = reference / ours
        print(f"(b) import is {ratio:.1f}x faster than fitdecode decoding (target >= 10x: "
              f"{'met' if ratio >= 10 else 'MISSED'}); our decoder alone {reference / decoder:.0f}x")  # fmt: skip
    elif not args.no_corpus:
        print(f"(b) skipped: no corpus at {CORPUS}")


if __name__ == "__main__":
    main()
