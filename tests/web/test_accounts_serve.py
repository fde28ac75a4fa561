"""``calfcare serve --multi-user`` for real: it refuses to start without a secret, warns on SQLite, and serves
nothing but the sign-in page to someone not signed in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from test_web_serve import _start, _stop

SECRET = "mU8q3Zr1Vx6Kp0Lw4Nc9Ty2Hb7Gd5Fs_Ae"


def test_multi_user_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CALFCARE_SECRET_KEY"}
    env["CALFCARE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'm.db'}"
    cmd = [sys.executable, "-c", "from calfcare.cli import main; main()", "serve", "--multi-user", "--port", "1"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "CALFCARE_SECRET_KEY is not set" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_host_needs_multi_user(tmp_path: Path) -> None:
    env = {**os.environ, "CALFCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    cmd = [sys.executable, "-c", "from calfcare.cli import main; main()", "serve", "--host", "0.0.0.0", "--port", "1"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "--host: only with --multi-user" in out.stdout + out.stderr


def test_multi_user_serves_sign_in_and_warns_on_sqlite(tmp_path: Path) -> None:
    proc, port = _start(tmp_path, "--multi-user", secret=SECRET)
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/today", timeout=10, follow_redirects=True)
        assert r.status_code == 200 and "Sign in" in r.text and str(r.url).endswith("/signin")
        assert "HttpOnly" in r.history[0].headers["set-cookie"]
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/today", timeout=10).status_code == 401
    finally:
        out = _stop(proc)
    assert "--multi-user on SQLite" in out
