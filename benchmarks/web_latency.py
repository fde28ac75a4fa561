"""Web speed: p50/p95 latency of GET /today and POST /checkin with 50 concurrent clients on loopback, against a bare
FastAPI route served by the same server in the same run (target: within 2×), and every page's own JS + CSS,
gzip-compressed (target < 100 KB).

    python benchmarks/web_latency.py [--clients 50] [--requests 20] [--workers 1]

The server runs in its own process (uvicorn, the app of ``calfcare serve`` on a temporary SQLite database holding a
runner with an open episode and a week of check-ins); the clients are asyncio httpx clients in this process.
docs/benchmarks.md ("Web") records the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "calfcare" / "web" / "static"
TODAY = date(2026, 11, 12)
PAGES = ["/", "/triage/1", "/today", "/checkin", "/recovery", "/training", "/learn", "/settings"]


def _serve(port: int, url: str) -> None:
    """The server process: the real app plus one bare route, today fixed so every run sees the same plan."""
    import uvicorn

    from calfcare.web import create_app
    from calfcare.web.config import WebSettings

    app = create_app(WebSettings(database_url=url, runner="me"), clock=lambda: TODAY)

    @app.get("/bench/bare")
    def bare() -> dict[str, bool]:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, timeout_keep_alive=120)


def _seed(url: str) -> None:
    import json

    from calfcare.services.episodes import assess, record_checkin
    from calfcare.store import open_database

    db = open_database(url)
    answers = json.loads((ROOT / "examples" / "soleus-build-up.json").read_text(encoding="utf-8"))
    start = TODAY - timedelta(days=8)
    assess(db=db, runner="me", answers=answers, day=start, today_is=TODAY)
    for n in range(1, 8):
        day = start + timedelta(days=n)
        good = {"morning_pain": 1, "pain_rest": 0, "pain_walking": 1, "session": "as_prescribed"}
        record_checkin(db=db, runner="me", answers=good, day=day, today_is=TODAY)
    db.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _load(base: str, method: str, path: str, clients: int, per_client: int) -> list[float]:
    times: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def one_client(c: int) -> None:
            for i in range(per_client):
                t0 = time.perf_counter()
                if method == "GET":
                    r = await client.get(path)
                else:
                    form = {
                        "form_token": f"bench-{c}-{i}-{time.monotonic_ns()}",
                        "replace": "yes",
                        "screen": "no",
                        "morning_pain": "1",
                        "pain_rest": "0",
                        "pain_walking": "1",
                        "session": "as_prescribed",
                        "session_kind": "rehab_exercises",
                    }
                    r = await client.post(path, data=form)
                times.append(time.perf_counter() - t0)
                if r.status_code >= 400:
                    raise RuntimeError(f"{method} {path}: HTTP {r.status_code}")

        await asyncio.gather(*(one_client(c) for c in range(clients)))
    return times


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def page_weights(base: str) -> list[tuple[str, int, int]]:
    """(page, own JS+CSS gzip bytes, with vendored htmx) per page: linked files under /static plus inline scripts."""
    out = []
    with httpx.Client(base_url=base, follow_redirects=True) as client:
        for path in PAGES:
            html = client.get(path).text
            own = vendor = 0
            for ref in sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))):
                size = len(gzip.compress((STATIC / ref.removeprefix("/static/")).read_bytes(), 9))
                if "/vendor/" in ref:
                    vendor += size
                else:
                    own += size
            inline = "".join(re.findall(r"<script>(.*?)</script>", html, flags=re.S))
            own += len(gzip.compress(inline.encode(), 9)) if inline else 0
            out.append((path, own, own + vendor))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client and endpoint")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(int(args.serve[0]), args.serve[1])
        return
    folder = tempfile.mkdtemp(prefix="calfcare-bench-")
    url = f"sqlite:///{folder}/bench.db"
    _seed(url)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), url], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/bench/bare").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"{args.clients} concurrent clients × {args.requests} requests each, loopback, one uvicorn process")
        results = {}
        for label, method, path in (
            ("bare FastAPI route", "GET", "/bench/bare"),
            ("GET /today", "GET", "/today"),
            ("POST /checkin", "POST", "/checkin"),
            ("bare FastAPI route (again)", "GET", "/bench/bare"),
        ):
            asyncio.run(_load(base, method, path, args.clients, 2))  # warm-up
            cpu = _cpu_s(server.pid)
            times = asyncio.run(_load(base, method, path, args.clients, args.requests))
            per_request = (_cpu_s(server.pid) - cpu) / len(times) * 1000  # the server's CPU, not the waiting
            results[label] = (_pct(times, 50), _pct(times, 95))
            print(f"  {label:28s} p50 {results[label][0]:8.1f} ms   p95 {results[label][1]:8.1f} ms   "
                  f"server CPU {per_request:5.2f} ms/request")  # fmt: skip
        print("One client at a time (the work of one request, without queueing), p50:")
        for label, method, path in (("bare", "GET", "/bench/bare"), ("GET /today", "GET", "/today"),
                                    ("POST /checkin", "POST", "/checkin")):  # fmt: skip
            times = asyncio.run(_load(base, method, path, 1, 30))
            print(f"  {label:28s} p50 {_pct(times, 50):8.1f} ms")
        bare95 = min(results["bare FastAPI route"][1], results["bare FastAPI route (again)"][1])
        for label in ("GET /today", "POST /checkin"):
            print(f"  {label}: p95 is {results[label][1] / bare95:.1f}× the bare route's (target ≤ 2×)")
        print("Own JS + CSS per page, gzip -9 (target < 100 KB); with vendored htmx:")
        for path, own, total in page_weights(base):
            print(f"  {path:12s} {own / 1024:6.1f} KB   ({total / 1024:.1f} KB with htmx)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
