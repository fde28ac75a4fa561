"""The web side of issue #12, in process: the My records page and its downloads (PDF report, FHIR bundle, backup),
the private calendar subscription (a token shown once, only its hash stored, revocable; the feed reachable with the
token alone, also in --lan mode) and "delete my data" (a confirmation, one transaction, nothing of the runner left;
a GET or a cross-site post deletes nothing)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from sqlalchemy import MetaData, func, select
from starlette.testclient import TestClient
from test_import_fixtures import fit_run
from webkit import SOLEUS, START, Clock, doc, texts

from calfcare.errors import NotFound
from calfcare.services.episodes import assess
from calfcare.services.importing import import_paths
from calfcare.services.runners import DEPLOYMENT_TABLES, gather_backup, runner_rows
from calfcare.store import Database
from calfcare.store.models import CalendarToken
from calfcare.web import create_app
from calfcare.web.config import WebSettings

SECRET = "x7Jq2v9LrT0pWm4sKc8eYb1hN5gZd3fA6uQo"
PHONE = ("192.168.1.23", 50123)
FEED = re.compile(r"/calendar/[A-Za-z0-9_-]+\.ics")


def checkin_answers(i: int) -> dict[str, Any]:
    return {
        "morning_pain": max(0, 3 - i // 3),
        "pain_rest": 0,
        "pain_walking": max(0, 2 - i // 2),
        "limp": False,
        "single_leg_heel_raises_injured": min(32, 12 + 2 * i),
        "single_leg_heel_raises_other": 30,
        "calf_bigger_than_other": False,
    }


def seed(client: TestClient, clock: Clock, checkins: int = 3) -> None:
    """The runner of the app ("me"): a triage and a few check-ins, through the JSON API as a browser would."""
    assert client.post("/api/v1/assess", json={"answers": SOLEUS}).status_code == 200
    for i in range(1, checkins + 1):
        clock.day = START + timedelta(days=i)
        body = {"answers": checkin_answers(i), "date": clock.day.isoformat()}
        assert client.post("/api/v1/checkin", json=body).status_code == 200, f"check-in {i}"


def new_feed(client: TestClient) -> tuple[str, str]:
    """Make a calendar link on the page; (its path, its token)."""
    r = client.post("/records/calendar")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    path = FEED.findall(r.text)[0]
    return path, path.removeprefix("/calendar/").removesuffix(".ics")


def main_text(html: str) -> str:
    return " ".join(texts(html, "//main"))


def table_counts(db: Database) -> dict[str, int]:
    """Rows per table, read here independently of the service that deletes (deployment and queue tables left out)."""
    md = MetaData()
    with db.engine.connect() as conn:
        md.reflect(bind=conn)
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in md.sorted_tables
            if t.name != "alembic_version"
            and t.name not in DEPLOYMENT_TABLES
            and not t.name.startswith("procrastinate")
        }


# ---- the page and the downloads ----


def test_records_page_is_linked_from_settings_and_says_when_nothing_is_stored(client: TestClient) -> None:
    settings = client.get("/settings")
    assert "/records" in doc(settings.text).xpath("//main//a/@href")
    r = client.get("/records")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "stores nothing of you yet" in r.text
    assert "/records/report.pdf" not in r.text  # no download offered when there is nothing to download


def test_the_report_downloads_as_a_pdf_attachment(client: TestClient, clock: Clock) -> None:
    seed(client, clock)
    page = client.get("/records")
    hrefs = doc(page.text).xpath("//main//a/@href")
    assert {"/records/report.pdf", "/records/fhir.json", "/records/backup.zip", "/records/delete"} <= set(hrefs)
    r = client.get("/records/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    assert r.headers["content-disposition"] == f'attachment; filename="calfcare-report-{clock.day.isoformat()}.pdf"'


def test_the_fhir_bundle_and_the_backup_download(
    client: TestClient, clock: Clock, web_db: Database, tmp_path: Path
) -> None:
    seed(client, clock)
    (tmp_path / "morning.fit").write_bytes(fit_run())
    import_paths(db=web_db, runner="me", paths=[tmp_path / "morning.fit"], workers=1)
    fhir = client.get("/records/fhir.json")
    assert fhir.status_code == 200 and fhir.headers["content-type"] == "application/fhir+json; fhirVersion=4.0"
    assert fhir.headers["content-disposition"].startswith('attachment; filename="calfcare-fhir-')
    bundle = json.loads(fhir.content)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert bundle["resourceType"] == "Bundle" and {"Patient", "Condition", "Observation"} <= kinds
    backup = client.get("/records/backup.zip")
    assert backup.status_code == 200 and backup.headers["content-type"] == "application/zip"
    assert backup.headers["content-disposition"].startswith('attachment; filename="calfcare-backup-')
    with zipfile.ZipFile(io.BytesIO(backup.content)) as z:
        manifest = json.loads(z.read("manifest.json"))
        (original,) = manifest["files"]
        kept = z.read(original)
    assert manifest["runners"] == ["me"] and manifest["scope"] == "runner"
    rows = {name: t["rows"] for name, t in manifest["tables"].items()}
    assert rows["checkins"] == 3 and rows["runners"] == 1
    assert original.endswith("/morning.fit") and kept == fit_run(), "the runner's file, as imported"


def test_a_report_with_no_injury_is_a_clear_page_not_a_traceback(client: TestClient) -> None:
    r = client.get("/records/report.pdf")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no runner called 'me'" in main_text(r.text) and "Traceback" not in r.text


def test_a_runner_sent_to_a_clinician_at_triage_downloads_the_report_of_that_assessment(client: TestClient) -> None:
    answers = {**SOLEUS, "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}  # urgent: no plan opens
    r = client.post("/api/v1/assess", json={"answers": answers})
    assert r.status_code == 200 and r.json()["episode"] is None, r.text[:400]
    r = client.get("/records/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")


# ---- the calendar subscription ----


def test_a_calendar_link_is_shown_once_stored_only_as_a_hash_and_serves_the_plan(
    client: TestClient, clock: Clock, web_db: Database
) -> None:
    seed(client, clock)
    r = client.post("/records/calendar")
    values = doc(r.text).xpath("//input[@readonly]/@value")
    path = FEED.findall(r.text)[0]
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert values == [f"webcal://127.0.0.1:8000{path}", f"http://127.0.0.1:8000{path}"]
    with web_db.session() as s:
        stored = list(s.scalars(select(CalendarToken.token_sha256)))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in client.get("/records").text  # not shown again
    feed = client.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(feed.content)
    events = [c for c in cal.walk("VEVENT")]
    assert events and any("check-in" in str(e.get("SUMMARY")).lower() for e in events)
    assert any(e.walk("VALARM") for e in events), "the daily check-in has an alarm"


def test_a_revoked_or_unknown_calendar_link_is_a_bare_404(client: TestClient, clock: Clock) -> None:
    seed(client, clock, checkins=1)
    path, _ = new_feed(client)
    other, _ = new_feed(client)
    assert client.get(path).status_code == 200
    revoked = client.post("/records/calendar/revoke", follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/records?revoked=2"
    assert "Calendar links turned off: 2" in client.get(revoked.headers["location"]).text
    unknown = client.get("/calendar/" + "A" * 43 + ".ics")
    for r in (client.get(path), client.get(other), unknown):
        assert r.status_code == 404 and r.content == b""  # the same answer: whether a link existed is not told


def test_the_calendar_api_twin_makes_and_revokes_links(client: TestClient, clock: Clock) -> None:
    seed(client, clock, checkins=1)
    made = client.post("/api/v1/records/calendar")
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    urls = made.json()
    assert urls["webcal"].startswith("webcal://127.0.0.1:8000/calendar/") and urls["web"].endswith(".ics")
    assert client.get(urls["web"]).status_code == 200
    assert client.delete("/api/v1/records/calendar").json() == {"revoked": 1}
    assert client.get(urls["web"]).status_code == 404


@pytest.fixture
def lan_client(web_db: Database, clock: Clock) -> Iterator[TestClient]:
    settings = WebSettings(
        database_url=web_db.url, runner="me", lan=True, secret_key=SECRET, extra_hosts=("192.168.1.10",)
    )
    app = create_app(settings, db=web_db, clock=clock)
    with TestClient(app, base_url="http://192.168.1.10:8000", client=PHONE) as c:
        yield c


def test_in_lan_mode_a_calendar_app_reaches_the_feed_with_the_token_alone(
    client: TestClient, clock: Clock, lan_client: TestClient
) -> None:
    seed(client, clock, checkins=1)
    path, _ = new_feed(client)  # made on this computer; polled from the network with no session
    feed = lan_client.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert lan_client.head(path).status_code == 200
    assert lan_client.get("/calendar/" + "B" * 43 + ".ics").status_code == 404
    # the exception is only the feed, only to read: everything else still wants a sign-in
    for refused in ("/records", "/records/report.pdf", "/records/backup.zip", "/calendar/x/y.ics", "/calendar/"):
        assert lan_client.get(refused).status_code == 401, refused
    assert lan_client.post(path).status_code == 401
    assert lan_client.post("/records/calendar").status_code == 401


def test_without_lan_the_feed_is_not_served_to_the_network(
    client: TestClient, clock: Clock, settings: WebSettings, web_db: Database
) -> None:
    seed(client, clock, checkins=1)
    path, _ = new_feed(client)
    with TestClient(create_app(settings, db=web_db, clock=clock), base_url="http://127.0.0.1:8000", client=PHONE) as c:
        assert c.get(path).status_code == 403


# ---- delete my data ----


def test_delete_my_data_erases_every_row_of_the_runner_and_nothing_else(
    client: TestClient, clock: Clock, web_db: Database, tmp_path: Path
) -> None:
    assess(db=web_db, runner="someone-else", answers=SOLEUS, day=START)
    (tmp_path / "run.fit").write_bytes(fit_run())
    import_paths(db=web_db, runner="someone-else", paths=[tmp_path / "run.fit"], workers=1)
    others = gather_backup(db=web_db, runner="someone-else").tables
    seed(client, clock)
    import_paths(db=web_db, runner="me", paths=[tmp_path / "run.fit"], workers=1)  # the same file: their own copy
    path, _ = new_feed(client)
    client.post("/api/v1/today/sets", json={"exercise_id": "isometric_hold", "sets_done": 1, "sets_planned": 3})
    client.put("/api/v1/settings", json={"emergency_number": "999"})
    mine = runner_rows(db=web_db, runner="me")
    assert mine["checkins"] == 3 and mine["calendar_tokens"] == 1

    page = client.get("/records/delete")  # a GET shows what goes and deletes nothing
    assert page.status_code == 200 and f"{sum(mine.values())} records" in page.text
    assert "daily check-ins: 3" in texts(page.text, "//main//li")
    assert "your activity files, as you imported them: 1" in texts(page.text, "//main//li")
    assert runner_rows(db=web_db, runner="me") == mine

    wrong = client.post("/records/delete", data={"confirm": "Me"})
    assert wrong.status_code == 422 and "Type 'me' exactly" in main_text(wrong.text)
    assert "nothing was deleted" in main_text(wrong.text)
    assert doc(wrong.text).xpath("//input[@id='in-confirm']/@aria-invalid") == ["true"]
    assert runner_rows(db=web_db, runner="me") == mine

    done = client.post("/records/delete", data={"confirm": " me "}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/records/deleted?rows={sum(mine.values())}"
    assert "Your data was deleted" in client.get(done.headers["location"]).text
    with pytest.raises(NotFound):
        runner_rows(db=web_db, runner="me")
    left = {name: n for name, n in table_counts(web_db).items() if n}
    assert left == {k: v for k, v in runner_rows(db=web_db, runner="someone-else").items() if v}
    assert gather_backup(db=web_db, runner="someone-else").tables == others
    assert client.get(path).status_code == 404  # the calendar link went with the rest

    start = client.get("/", follow_redirects=False)  # the empty start page, as on the first day
    assert start.status_code == 200 and "Start: check my calf" in start.text
    assert "stores nothing of you yet" in client.get("/records").text


def test_a_cross_site_post_cannot_delete(client: TestClient, clock: Clock, web_db: Database) -> None:
    seed(client, clock, checkins=1)
    before = table_counts(web_db)
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}):
        r = client.post("/records/delete", data={"confirm": "me"}, headers=headers)
        assert r.status_code == 403, headers
        api = client.post("/api/v1/records/delete", json={"confirm": "me"}, headers=headers)
        assert api.status_code == 403, headers
    assert client.get("/records/delete?confirm=me").status_code == 200
    assert table_counts(web_db) == before


def test_the_delete_api_twin_wants_the_name_and_says_what_went(client: TestClient, clock: Clock) -> None:
    seed(client, clock, checkins=2)
    listed = client.get("/api/v1/records").json()
    assert listed["runner"] == "me" and listed["rows"]["checkins"] == 2
    wrong = client.post("/api/v1/records/delete", json={"confirm": "you"})
    assert wrong.status_code == 422
    assert wrong.json()["problems"] == [{"field": "confirm", "problem": "Type 'me' exactly to delete your data; "
                                         "nothing was deleted"}]  # fmt: skip
    assert client.get("/api/v1/records").json() == listed
    done = client.post("/api/v1/records/delete", json={"confirm": "me"}).json()
    assert done["deleted"] == "me" and done["rows"]["checkins"] == 2 and done["total"] == listed["total"]
    assert client.get("/api/v1/records").json() == {"runner": "me", "rows": {}, "total": 0}


def test_deleting_when_nothing_is_stored_says_so(client: TestClient) -> None:
    page = client.get("/records/delete")
    assert page.status_code == 200 and "nothing to delete" in page.text
    r = client.post("/records/delete", data={"confirm": "me"})
    assert r.status_code == 404 and "no runner called 'me'" in main_text(r.text)
