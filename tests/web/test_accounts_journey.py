"""The clinic journey in real Chromium (issue #11): a runner signs up with the invitation code, assesses and hits a
red flag at a check-in, shares with a clinician by a one-time code; the clinician signs in, sees that runner first
in the list, clears the red flag and adds a note; the runner reads both in the audit log and revokes the share; the
clinician then gets *not found*. axe runs on every new page; screenshots go to ``screenshots/``."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from accounts_kit import PASSWORD, multi_settings
from browser import DESKTOP, PHONE, Served, check_axe, shot
from webkit import SOLEUS, START, Clock

from calfcare.services import accounts, sharing
from calfcare.store import Database, open_database
from calfcare.web import create_app

pytestmark = pytest.mark.browser
INVITATION = "club-2026-spring"


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[tuple[Served, Clock, Database]]:
    clock = Clock(START)
    db = open_database(f"sqlite:///{tmp_path / 'clinic.db'}")
    accounts.set_signup(db=db, mode="invitation", invitation_code=INVITATION)
    accounts.add_user(db=db, username="dr.lee", password=PASSWORD, role="clinician")
    accounts.add_user(db=db, username="zoe", password=PASSWORD, role="runner")  # shares too, no red flag
    accounts.add_user(db=db, username="root", password=PASSWORD, role="admin")
    now = datetime.now(UTC)
    zoe = accounts.sign_in(db=db, username="zoe", password=PASSWORD, address="10.0.0.9", now=now)
    lee = accounts.sign_in(db=db, username="dr.lee", password=PASSWORD, address="10.0.0.8", now=now)
    sharing.redeem_share_code(
        db=db, principal=lee, code=sharing.create_share_code(db=db, principal=zoe, now=now)["code"], now=now
    )
    app = create_app(multi_settings(db), db=db, clock=clock)
    with Served(app) as server:
        yield server, clock, db
    db.dispose()


def _visit(page: Any, url: str, name: str) -> Any:
    response = page.goto(url)
    check_axe(page, name)
    shot(page, name)
    return response


def test_share_clear_a_red_flag_note_audit_and_revoke(browser: Any, clinic: tuple[Served, Clock, Database]) -> None:
    server, clock, _ = clinic
    base = server.url
    runner = browser.new_context(viewport=PHONE, locale="en-GB", bypass_csp=True).new_page()
    _visit(runner, base + "/signup", "20-signup-phone")
    runner.fill("#username", "ann")
    runner.fill("#password", PASSWORD)
    runner.fill("#invitation_code", INVITATION)
    runner.get_by_role("button", name="Create my account").click()
    runner.wait_for_url(base + "/")
    token = runner.locator("input[name=csrf_token]").first.get_attribute("value")
    assert runner.request.post(base + "/api/v1/assess", data={"answers": SOLEUS}, headers={"X-CSRF-Token": token}).ok
    clock.day += timedelta(days=1)
    flagged = {"morning_pain": 2, "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    r = runner.request.post(base + "/api/v1/checkin", data={"answers": flagged}, headers={"X-CSRF-Token": token})
    assert r.ok and r.json()["episode"]["status"] == "referred"
    _visit(runner, base + "/today", "20b-today-red-flag-phone")
    assert runner.locator("[role=alert]").count() >= 1, "the red flag takes over the screen"

    _visit(runner, base + "/sharing", "21-sharing-phone")
    runner.get_by_role("button", name="Make a code for my clinician").click()
    code = runner.locator("#share-code").inner_text()
    check_axe(runner, "sharing with a code")
    shot(runner, "22-share-code-phone")

    clinician = browser.new_context(viewport=DESKTOP, locale="en-GB", bypass_csp=True).new_page()
    _visit(clinician, base + "/signin", "23-signin-desktop")
    clinician.fill("#username", "dr.lee")
    clinician.fill("#password", PASSWORD)
    clinician.get_by_role("button", name="Sign in").click()
    clinician.wait_for_url(base + "/clinician")
    clinician.fill("#code", code)
    clinician.get_by_role("button", name="Add").click()
    clinician.wait_for_url("**/clinician/runners/*")
    record_url = clinician.url
    _visit(clinician, base + "/clinician", "24-clinician-list-desktop")
    first = clinician.locator("ol.runner-list > li").first
    assert "ann" in first.inner_text() and "Red flag" in first.inner_text(), "the red flag first"
    first.get_by_role("link", name="ann").click()
    check_axe(clinician, "runner record")
    shot(clinician, "25-clinician-record-desktop")
    clinician.fill("#clear-note", "Seen today: ultrasound shows no clot.")
    clinician.get_by_role("button", name="Clear red flag").click()
    clinician.wait_for_url("**/audit?done=clear-red-flag")
    clinician.fill("#note-text", "Walk daily; heel raises from Monday.")
    clinician.get_by_role("button", name="Add note").click()
    clinician.wait_for_url("**/audit?done=note")
    check_axe(clinician, "audit after actions")
    shot(clinician, "26-clinician-audit-desktop")
    clinician.goto(base + "/clinician")
    assert "Red flag" not in clinician.locator("ol.runner-list").inner_text(), "cleared: no longer flagged"

    _visit(runner, base + "/sharing/audit", "27-runner-audit-phone")
    log = runner.locator("ol.audit").inner_text()
    assert "Walk daily; heel raises from Monday." in log and "red flag cleared" in log and "dr.lee" in log
    runner.goto(base + "/sharing")
    runner.get_by_role("button", name="Revoke dr.lee's access").click()
    runner.wait_for_url(base + "/sharing")
    assert "revoked" in runner.locator("ul.shares").inner_text()
    shot(runner, "28-revoked-phone")

    response = clinician.goto(record_url)
    assert response is not None and response.status == 404
    shot(clinician, "29-clinician-after-revoke-desktop")
    clinician.goto(base + "/clinician")
    assert "ann" not in clinician.locator("main").inner_text()

    admin = browser.new_context(viewport=DESKTOP, locale="en-GB", bypass_csp=True, accept_downloads=True).new_page()
    admin.goto(base + "/signin")
    admin.fill("#username", "root")
    admin.fill("#password", PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    admin.wait_for_url(base + "/admin/accounts")
    check_axe(admin, "admin accounts")
    shot(admin, "29b-admin-accounts-desktop")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Backup of every runner (zip)").click()
    zipped = Path(download.value.path())
    with zipfile.ZipFile(zipped) as z:
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["scope"] == "all" and {"ann", "zoe"} <= set(manifest["runners"])
