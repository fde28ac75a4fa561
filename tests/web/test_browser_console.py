"""Every page in real Chromium *with* the Content-Security-Policy enforced (the journeys bypass it to inject axe):
no console error, no CSP violation, no request that fails or 404s (the favicon included). A vendored library that
injects an inline style, or a template that links a missing file, fails here. Skipped when Chromium is absent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import PHONE, Served
from starlette.testclient import TestClient
from webkit import SOLEUS, START, Clock, strava_zip

from calfcare.store import open_database
from calfcare.web import create_app
from calfcare.web.config import WebSettings

pytestmark = pytest.mark.browser

PAGES = ("/today", "/checkin", "/triage/1", "/triage/5", "/recovery", "/training", "/learn", "/settings", "/records")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    clock = Clock(START)
    db = open_database(f"sqlite:///{tmp_path / 'console.db'}")
    app = create_app(WebSettings(database_url=db.url, runner="me"), db=db, clock=clock)
    with TestClient(
        app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)
    ) as c:  # a plan, a check-in and some runs, so every page has its charts and lists
        assert c.post("/api/v1/assess", json={"answers": SOLEUS}).status_code == 200
        assert c.post("/api/v1/checkin", json={"answers": {"morning_pain": 2}}).status_code == 200
        files = [("files", ("export.zip", strava_zip([START.replace(day=d) for d in (1, 2)], [5.0, 6.0]), "x"))]
        assert c.post("/api/v1/import", files=files).status_code == 200
    with Served(app) as server:
        yield server
    db.dispose()


def test_no_page_logs_an_error_or_breaks_the_content_security_policy(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB")  # the CSP as a runner's browser enforces it
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"{r.status} for {r.url}") if r.status >= 400 else None)
    try:
        for path in PAGES:
            page.goto(served.url + path)
            page.wait_for_load_state("networkidle")
            icon = page.locator("link[rel=icon]").get_attribute("href")
            assert icon and page.request.get(served.url + icon).ok, f"{path}: no favicon"
        assert problems == []
    finally:
        context.close()
