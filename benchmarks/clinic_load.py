"""Clinic load: 200 runners checking in daily and 20 uploading exports at once, against 2 web processes and 2
import workers on one local PostgreSQL — loopback only, bounded in time.

    PYTHONPATH=src python3 benchmarks/clinic_load.py [--runners 200] [--uploaders 20] [--days 5] [--files 6]

Needs ``CALFCARE_TEST_POSTGRES_URL`` (or ``--postgres URL``): a server where it may create and drop a database
``calfcare_load_<pid>``. It runs the deployment's own commands (docs/deploy.md): ``calfcare db upgrade``, two
``calfcare serve --multi-user --host 127.0.0.1 --port …`` and two ``calfcare worker``; accounts and their assessments
are set up through the services (not timed). Then, at once (asyncio + httpx, requests spread over both web processes
as a round-robin load balancer would):

* each of the runners posts ``--days`` daily check-ins (``POST /api/v1/checkin``), one after the other;
* each of the uploaders posts one export (a zip of ``--files`` GPX runs, ``POST /api/v1/import``), then polls
  ``GET /api/v1/uploads/{id}`` until a worker has imported it; half of them upload the same export a second time.

It prints p50/p95/max latency per kind of request, the errors (must be 0), and then checks in the database that every
check-in is there exactly once and every activity exactly once (a second upload of the same export adds nothing).
Everything stops after ``--timeout`` seconds whatever happens; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from calfcare.services import accounts, assess
from calfcare.store import open_database
from calfcare.store.models import Activity, CheckIn

FRESH = httpx.Limits(max_keepalive_connections=0)
SECRET = "bench-secret-key-0123456789abcdefghij"
PASSWORD = "a long enough pass"
SOLEUS: dict[str, Any] = {
    "age": 40,
    "side": "left",
    "days_since_onset": 1,
    "onset": "gradual",
    "activity_at_onset": "long_run",
    "recent_mileage_increase": True,
    "pain_location": "lower_calf",
    "pain_character": "tight_or_cramping",
    "pain_rest": 1,
    "pain_walking": 3,
    "walks_normally": True,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 10,
    "single_leg_heel_raises_other": 26,
    "pain_loading_knee_straight": 2,
    "pain_loading_knee_bent": 5,
    "calf_bigger_than_other": False,
    "skin_warm_red_or_dark": False,
    "clot_risk_factors": [],
}


def checkin(i: int) -> dict[str, Any]:
    return {
        "morning_pain": max(0, 3 - i // 2),
        "pain_rest": 0,
        "pain_walking": max(0, 2 - i // 2),
        "limp": False,
        "single_leg_heel_raises_injured": 12 + 2 * i,
        "single_leg_heel_raises_other": 30,
        "session": "as_prescribed",
        "session_kind": "rehab_exercises",
        "session_minutes": 25,
        "pain_during_session": 1,
        "pain_after_session": 0,
        "calf_bigger_than_other": False,
    }


def gpx(start: datetime, minutes: int, seed: int) -> bytes:
    """A plausible easy run: one point every 10 s along a straight line (≈ 3 m/s)."""
    points = []
    for k in range(minutes * 6):
        t = (start + timedelta(seconds=10 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lat, lon = 51.5 + seed * 0.01 + k * 0.00027, -0.1
        points.append(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>20</ele><time>{t}</time></trkpt>')
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="bench" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><type>running</type><trkseg>{''.join(points)}</trkseg></trk></gpx>"
    ).encode()


def export_zip(runner: int, files: int, before: date) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for j in range(files):
            day = before - timedelta(days=60 - 3 * j)
            start = datetime(day.year, day.month, day.day, 7, runner % 50, tzinfo=UTC)
            z.writestr(f"export/activities/run_{j}.gpx", gpx(start, 30 + j, runner * 10 + j))
    return out.getvalue()


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def timed(client: httpx.AsyncClient, stats: Stats, kind: str, method: str, url: str, **kw: Any) -> httpx.Response:
    t0 = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:  # a connection refused or cut counts as an error, and the benchmark goes on
        stats.errors.append(f"{kind} {url}: {type(exc).__name__} {exc}")
        return httpx.Response(599, text=str(exc))
    stats.add(kind, time.perf_counter() - t0)
    if r.status_code >= 400:
        stats.errors.append(f"{kind} {url}: {r.status_code} {r.text[:200]}")
    return r


async def runner_task(bases: list[str], n: int, token: str, days: list[date], stats: Stats, ramp: float) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(ramp * random.random())  # runners open the app over a few seconds, not in one instant
    # a new connection per request, as phones checking in once a day make (a kept-alive connection that the server
    # closes after its idle timeout while the next request is on its way is a client-side race, not the app's)
    async with httpx.AsyncClient(headers=headers, timeout=60, limits=FRESH) as client:
        for i, day in enumerate(days):
            base = bases[(n + i) % len(bases)]
            body = {"answers": checkin(i), "date": day.isoformat()}
            await timed(client, stats, "checkin", "POST", f"{base}/api/v1/checkin", json=body)


async def uploader_task(bases: list[str], n: int, token: str, data: bytes, twice: bool, stats: Stats) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=120, limits=FRESH) as client:
        for attempt in range(2 if twice else 1):
            base = bases[(n + attempt) % len(bases)]
            files = {"files": ("export.zip", data, "application/zip")}
            r = await timed(client, stats, "upload", "POST", f"{base}/api/v1/import", files=files)
            if r.status_code >= 400:
                return
            ids = [u["id"] for u in r.json()["uploads"]]
            t0 = time.perf_counter()
            for upload_id in ids:
                while True:
                    s = await timed(client, stats, "poll", "GET", f"{base}/api/v1/uploads/{upload_id}")
                    status = s.json().get("status") if s.status_code == 200 else "error"
                    if status not in ("queued", "running"):
                        if status != "done":
                            stats.errors.append(f"upload {upload_id}: {status} {s.text[:200]}")
                        break
                    await asyncio.sleep(0.25)
            stats.add("upload→imported", time.perf_counter() - t0)


def wait_ready(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{base} did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postgres", default=os.environ.get("CALFCARE_TEST_POSTGRES_URL"))
    ap.add_argument("--runners", type=int, default=200)
    ap.add_argument("--uploaders", type=int, default=20)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--files", type=int, default=6)
    ap.add_argument("--port", type=int, default=18610)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--ramp", type=float, default=2.0, help="seconds over which the runners start")
    args = ap.parse_args()
    if not args.postgres:
        raise SystemExit("set CALFCARE_TEST_POSTGRES_URL (or --postgres) to a PostgreSQL server")
    started = time.monotonic()
    deadline = started + args.timeout
    name = f"calfcare_load_{os.getpid()}"
    server = make_url(args.postgres)
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "CALFCARE_DATABASE_URL": url, "CALFCARE_SECRET_KEY": SECRET}
    cli = [sys.executable, "-m", "calfcare"]
    procs: list[subprocess.Popen[bytes]] = []
    logfiles: list[Any] = []
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / name
    logs.mkdir(exist_ok=True)
    try:
        subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        bases = [f"http://127.0.0.1:{args.port + i}" for i in range(2)]
        commands = [
            [*cli, "serve", "--multi-user", "--host", "127.0.0.1", "--port", str(args.port + i)] for i in range(2)
        ]
        commands += [[*cli, "worker"], [*cli, "worker"]]
        for i, cmd in enumerate(commands):
            log = (logs / f"process{i}.log").open("wb")
            logfiles.append(log)
            procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
        db = open_database(url)
        today = date.today()
        onset_day = today - timedelta(days=args.days + 3)
        t0 = time.perf_counter()

        def account(n: int) -> str:
            username = f"runner{n:04d}"
            made = accounts.add_user(db=db, username=username, password=PASSWORD, role="runner")
            _, secret = accounts.create_token(
                db=db, user_id=int(made["id"]), name="bench", scope="write", now=datetime.now(UTC)
            )
            if n < args.runners:
                assess(db=db, runner=username, answers=SOLEUS, day=onset_day)
            return secret

        with ThreadPoolExecutor(max_workers=4) as pool:  # argon2 hashing releases the GIL
            tokens = list(pool.map(account, range(args.runners + args.uploaders)))
        setup_s = time.perf_counter() - t0
        for base in bases:
            wait_ready(base, deadline)
        days = [onset_day + timedelta(days=1 + i) for i in range(args.days)]
        exports = [export_zip(n, args.files, onset_day) for n in range(args.uploaders)]
        stats = Stats()

        async def everyone() -> None:
            tasks = [runner_task(bases, n, tokens[n], days, stats, args.ramp) for n in range(args.runners)]
            tasks += [
                uploader_task(bases, n, tokens[args.runners + n], exports[n], n % 2 == 0, stats)
                for n in range(args.uploaders)
            ]
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=max(1.0, deadline - time.monotonic()))

        t0 = time.perf_counter()
        asyncio.run(everyone())
        wall = time.perf_counter() - t0
        with db.session() as s:
            checkins = int(s.scalar(select(func.count()).select_from(CheckIn)) or 0)
            per_day = s.execute(
                select(CheckIn.runner_id, CheckIn.day, func.count()).group_by(CheckIn.runner_id, CheckIn.day)
            ).all()
            activities = int(s.scalar(select(func.count()).select_from(Activity)) or 0)
            runs_per_runner = dict(
                s.execute(select(Activity.runner_id, func.count()).group_by(Activity.runner_id)).all()
            )
        db.dispose()
        print(f"setup (accounts, tokens, {args.runners} assessments, not timed below): {setup_s:.1f} s")
        print(f"load: {args.runners} runners × {args.days} check-ins (starting over {args.ramp:.0f} s), "
              f"{args.uploaders} uploaders × {args.files} files at once (half twice), 2 web + 2 workers, "
              f"wall {wall:.1f} s")  # fmt: skip
        for kind, values in sorted(stats.times.items()):
            print(
                f"  {kind:16} n={len(values):5}  p50 {1000 * statistics.median(values):7.1f} ms  "
                f"p95 {1000 * pct(values, 0.95):7.1f} ms  max {1000 * max(values):7.1f} ms"
            )
        print(f"errors: {len(stats.errors)}")
        for e in stats.errors[:10]:
            print("  ", e)
        want_checkins = args.runners * args.days
        want_acts = args.uploaders * args.files
        once = all(c == 1 for _, _, c in per_day)
        print(f"check-ins stored: {checkins} (expected {want_checkins}), each (runner, day) once: {once}")
        every_once = len(runs_per_runner) == args.uploaders and all(c == args.files for c in runs_per_runner.values())
        print(f"activities stored: {activities} (expected {want_acts}), every runner's exactly once: {every_once}")
        ok = not stats.errors and checkins == want_checkins and once and activities == want_acts and every_once
        print("OK" if ok else "FAILED")
        if not ok:
            sys.exit(1)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logfiles:
            log.close()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
