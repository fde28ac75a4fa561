"""``calfcare serve`` for real: the command starts uvicorn on the asked port, migrates the database and serves the
pages; with --lan and a secret it prints a QR code and a one-time sign-in link."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from browser import free_port

SECRET = "x7Jq2v9LrT0pWm4sKc8eYb1hN5gZd3fA6uQo"


def _start(
    tmp_path: Path, *args: str, secret: str | None = None, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "CALFCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "PYTHONUNBUFFERED": "1"}
    env.update(extra_env or {})
    env.pop("CALFCARE_SECRET_KEY", None)
    if secret:
        env["CALFCARE_SECRET_KEY"] = secret
    cmd = [sys.executable, "-c", "from calfcare.cli import main; main()", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/learn", timeout=2).status_code == 200:
                return proc, port
        except httpx.TransportError:
            time.sleep(0.2)
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("calfcare serve did not start: " + (proc.communicate()[0] or ""))


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    return out


def test_serve_answers_on_the_port_it_was_given(tmp_path: Path) -> None:
    proc, port = _start(tmp_path)
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert r.status_code == 200 and "Start: check my calf" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/today", timeout=10).json()["episode"] is None
    finally:
        out = _stop(proc)
    assert f"http://127.0.0.1:{port}/" in out
    assert (tmp_path / "serve.db").is_file(), "the database was created and migrated at start"


def test_serve_lan_prints_a_qr_code_and_a_one_time_link(tmp_path: Path) -> None:
    proc, port = _start(tmp_path, "--lan", secret=SECRET)
    out = _stop(proc)
    link = next(line for line in out.splitlines() if "/signin/" in line).strip()
    assert link.startswith("http://") and f":{port}/signin/" in link
    assert "█" in out or "▀" in out or "▄" in out, "a QR code drawn in the terminal"


def test_serve_open_opens_the_browser_on_the_app(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake_browser.py"
    fake.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\n", encoding="utf-8")
    proc, port = _start(tmp_path, "--open", extra_env={"BROWSER": f"{sys.executable} {fake} %s"})
    try:
        deadline = time.monotonic() + 20
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        _stop(proc)
    assert opened.read_text(encoding="utf-8") == f"http://127.0.0.1:{port}/"


def test_serve_acts_for_the_runner_given_with_runner_or_the_environment() -> None:
    from calfcare.web.config import WebSettings

    env = {"CALFCARE_DATABASE_URL": "sqlite:////tmp/x.db", "CALFCARE_RUNNER": "ana"}
    assert WebSettings.from_env(environ=env).runner == "ana"
    assert WebSettings.from_env(environ=env, runner="ben").runner == "ben"
