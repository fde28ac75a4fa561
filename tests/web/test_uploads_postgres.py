"""A clinic's upload end to end on PostgreSQL: a runner signed in on the web page sends a Strava-style zip, the web
process only holds it in the database and queues it, a ``calfcare worker`` imports it, the status page and its
JSON twin report what was imported, and another runner cannot see it (issue #11)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from accounts_kit import add, browser_client, csrf_of, sign_in
from webkit import Clock, doc, strava_zip

from calfcare.jobs import queue
from calfcare.store import open_database

pytestmark = pytest.mark.postgres

DAYS = [date(2026, 10, 20), date(2026, 10, 22), date(2026, 10, 24)]


def test_an_upload_is_queued_by_the_web_imported_by_a_worker_and_shown_to_its_runner_only(
    pg_url: str, clock: Clock
) -> None:
    db = open_database(pg_url)
    try:
        queue.ensure_schema(pg_url)
        add(db, "ann")
        add(db, "bob")
        with browser_client(db, clock) as ann:
            sign_in(ann, "ann")
            archive = strava_zip(DAYS, [5.0, 6.0, 7.0])
            r = ann.post(
                "/training/upload",
                files=[("files", ("export_ann.zip", archive, "application/zip"))],
                data={"csrf_token": csrf_of(ann, "/training")},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text[:300]
            status_page = r.headers["location"]
            (upload_id,) = parse_qs(urlsplit(status_page).query)["id"]

            waiting = ann.get(status_page)
            assert "Importing" in waiting.text and 'http-equiv="refresh"' in waiting.text
            assert doc(waiting.text).xpath(f"//tr[@id='upload-{upload_id}']/td")[0].text == "queued"
            assert ann.get("/api/v1/training").json()["activity_count"] == 0  # nothing until a worker runs

            # also when the session's Playwright (browser tests) keeps an event loop running in this thread
            queue.run_worker(pg_url, concurrency=1, wait=False)

            done = ann.get(status_page)
            assert "All done" in done.text and 'http-equiv="refresh"' not in done.text
            row = doc(done.text).xpath(f"//tr[@id='upload-{upload_id}']/td")
            assert row[0].text == "done" and "3 imported" in row[1].text_content()
            status = ann.get(f"/api/v1/uploads/{upload_id}").json()
            assert status["status"] == "done" and status["report"]["counts"]["imported"] == 3
            training = ann.get("/api/v1/training").json()
            assert training["activity_count"] == 3
            assert sorted(round(a["distance_km"]) for a in training["activities"]) == [5, 6, 7]
        with browser_client(db, clock, address="10.1.2.4") as bob:
            sign_in(bob, "bob")
            assert bob.get(f"/api/v1/uploads/{upload_id}").status_code == 404
            assert bob.get("/api/v1/training").json()["activity_count"] == 0
            assert not doc(bob.get(status_page).text).xpath(f"//tr[@id='upload-{upload_id}']")
    finally:
        db.dispose()
