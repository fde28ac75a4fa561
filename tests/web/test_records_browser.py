"""My records in real Chromium at phone size: from Settings to My records, download the clinician's report, make a
calendar link, then delete everything and land on the empty start page. axe-core on every page; screenshots to
``screenshots/`` (git-ignored). Skipped when Chromium is absent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser import PHONE, Served, check_axe, shot
from webkit import SOLEUS, START, Clock

from calfcare.errors import NotFound
from calfcare.services.runners import runner_rows
from calfcare.store import Database, open_database
from calfcare.web import create_app
from calfcare.web.config import WebSettings

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Database]]:
    db = open_database(f"sqlite:///{tmp_path / 'records.db'}")
    app = create_app(WebSettings(database_url=db.url, runner="me"), db=db, clock=Clock(START + timedelta(days=2)))
    with Served(app) as server:
        yield server, db
    db.dispose()


def test_a_runner_downloads_the_report_and_deletes_their_data(
    browser: Any, served: tuple[Served, Database], tmp_path: Path
) -> None:
    server, db = served
    # bypass_csp: axe is injected as a script, which the app's CSP (no inline scripts) would refuse
    context = browser.new_context(viewport=PHONE, locale="en-GB", accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    body = {"answers": SOLEUS, "date": START.isoformat()}
    assert page.request.post(server.url + "/api/v1/assess", data=body).ok

    page.goto(server.url + "/settings")
    page.get_by_role("link", name="My records").click()
    page.wait_for_url("**/records")
    check_axe(page, "my records")
    shot(page, "20-records-phone")

    with page.expect_download() as info:
        page.get_by_role("link", name="Report for your clinician (PDF)").click()
    download = info.value
    assert download.suggested_filename == f"calfcare-report-{(START + timedelta(days=2)).isoformat()}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")

    page.get_by_role("button", name="Make a calendar link").click()
    page.wait_for_url("**/records/calendar")
    check_axe(page, "calendar link")
    shot(page, "21-records-calendar-link-phone")
    feed = page.locator("#in-web").input_value()
    assert page.request.get(feed).headers["content-type"].startswith("text/calendar")

    page.goto(server.url + "/records")
    page.get_by_role("link", name="Delete my data…").click()
    page.wait_for_url("**/records/delete")
    check_axe(page, "delete my data")
    shot(page, "22-records-delete-phone")
    page.get_by_label("To confirm, type your calfcare name").fill("not me")
    page.get_by_role("button", name="Delete everything of mine").click()
    page.wait_for_load_state()
    check_axe(page, "delete refused")
    shot(page, "23-records-delete-wrong-name-phone")
    assert runner_rows(db=db, runner="me")["runners"] == 1, "a wrong name deletes nothing"

    page.get_by_label("To confirm, type your calfcare name").fill("me")
    page.get_by_role("button", name="Delete everything of mine").click()
    page.wait_for_url("**/records/deleted*")
    check_axe(page, "deleted")
    shot(page, "24-records-deleted-phone")
    with pytest.raises(NotFound):
        runner_rows(db=db, runner="me")
    assert page.request.get(feed).status == 404

    page.get_by_role("link", name="Back to the start").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/") == server.url
    assert page.get_by_role("link", name="Start: check my calf").is_visible()
    shot(page, "25-records-start-after-delete-phone")
    context.close()
