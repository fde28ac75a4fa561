"""My training: uploading files and a Strava-style zip (made here), a reason for every file not imported, limits on
size and count, the activity list and the weekly load chart's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient
from webkit import START, Clock, doc, gpx_run, strava_zip

from calfcare.store import Database
from calfcare.web import create_app
from calfcare.web.config import WebSettings

DAYS = [START - timedelta(days=d) for d in (20, 17, 13, 10, 6, 3)]


def test_a_strava_zip_imports_every_run_and_names_the_refused_file(client: TestClient, clock: Clock) -> None:
    data = strava_zip(DAYS, [5.0, 6.0, 5.5, 8.0, 6.0, 12.0])
    r = client.post("/training/upload", files=[("files", ("export_123.zip", data, "application/zip"))])
    assert r.status_code == 200
    page = doc(r.text)
    rows = {row.xpath("./th")[0].text_content(): row.xpath("./td")[0].text_content() for row in page.xpath(
        "//div[@class='upload-result']//tbody/tr")}  # fmt: skip
    assert sum(1 for v in rows.values() if v == "imported") == 6
    refused = [k for k, v in rows.items() if v == "error"]
    assert refused and all(k.startswith("export_123.zip") for k in refused), "named as the runner knows it"
    assert page.xpath("//div[@class='upload-result']//tr[@class='status-error']/td[2][normalize-space()]")
    assert "tmp" not in r.text.split("upload-result")[1].split("</table>")[0], "no server paths shown"
    load = client.get("/api/v1/training/load").json()
    assert sum(w["distance_km"] for w in load["weeks"]) > 40
    assert page.xpath("//*[@data-chart-src='/api/v1/training/load' and @data-chart-kind='load']")
    training = client.get("/api/v1/training").json()
    assert training["activity_count"] == 6 and training["activities"][0]["date"] == DAYS[-1].isoformat()


def test_one_bad_file_never_stops_the_others_and_duplicates_are_reported(client: TestClient) -> None:
    run = gpx_run(datetime(2026, 10, 20, 7, tzinfo=UTC), 30, 5.0)
    files = [
        ("files", ("monday.gpx", run, "application/gpx+xml")),
        ("files", ("notes.txt", b"hello", "text/plain")),
        ("files", ("copy-of-monday.gpx", run, "application/gpx+xml")),
    ]
    body = client.post("/api/v1/import", files=files).json()
    by_name = {f["path"]: f for f in body["files"]}
    assert by_name["monday.gpx"]["status"] == "imported"
    assert by_name["notes.txt"]["status"] in ("skipped", "error") and by_name["notes.txt"]["error"]
    assert by_name["copy-of-monday.gpx"]["status"] == "duplicate"


def test_upload_limits_are_clear_and_import_nothing(web_db: Database, clock: Clock) -> None:
    settings = WebSettings(database_url=web_db.url, runner="me", max_upload_files=2, max_upload_bytes=50_000)
    app = create_app(settings, db=web_db, clock=clock)
    run = gpx_run(datetime(2026, 10, 20, 7, tzinfo=UTC), 20, 4.0)
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 1)) as c:
        three = [("files", (f"r{i}.gpx", run, "application/gpx+xml")) for i in range(3)]
        r = c.post("/training/upload", files=three)
        assert r.status_code == 413
        assert "at most 2" in doc(r.text).xpath("//p[@id='upload-error']")[0].text_content()
        big = [("files", ("big.gpx", b"x" * 60_000, "application/gpx+xml"))]
        r = c.post("/api/v1/import", files=big)
        assert r.status_code == 422 and "MB" in r.json()["message"]
        r = c.post("/training/upload", data={"nothing": "1"})
        assert r.status_code == 422 and "choose at least one file" in r.text
        assert c.get("/api/v1/training").json()["activity_count"] == 0


def test_a_file_name_is_shown_as_text_never_as_markup(client: TestClient) -> None:
    r = client.post("/training/upload", files=[("files", ("<script>alert(1)</script>.gpx", b"<gpx/>", "text/xml"))])
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.gpx" in r.text


def test_each_activity_links_the_files_it_came_from_and_serves_them_as_they_were(
    client: TestClient, web_db: Database
) -> None:
    run = gpx_run(datetime(2026, 10, 20, 7, tzinfo=UTC), 30, 5.0)
    again = run.replace(b"<ele>10</ele>", b"<ele>11</ele>")  # the same run from another device: merged into one
    files = [("files", ("Morning Run.gpx", run, "application/gpx+xml")),
             ("files", ("phone run.gpx", again, "application/gpx+xml"))]  # fmt: skip
    assert client.post("/training/upload", files=files).status_code == 200
    page = doc(client.get("/training").text)
    links = page.xpath("//table[caption='Latest first']//td/a[@download]")
    assert [a.text_content() for a in links] == ["Morning Run.gpx", "phone run.gpx"], "both files of the one run"
    first = client.get(links[0].get("href"))
    assert first.status_code == 200 and first.content == run, "the file exactly as uploaded"
    assert first.headers["content-disposition"] == (
        "attachment; filename=\"Morning Run.gpx\"; filename*=UTF-8''Morning%20Run.gpx"
    )
    assert client.get(links[1].get("href")).content == again
    activity, file_id = links[0].get("href").split("/")[3], links[1].get("href").split("/")[5]
    assert client.get(f"/training/activities/{activity}/files/{int(file_id) + 1}").status_code == 404
    assert client.get(f"/training/activities/{int(activity) + 1}/files/{file_id}").status_code == 404


def test_an_upload_is_spooled_under_the_runners_own_file_name_and_never_outside_its_folder() -> None:
    from calfcare.web.uploads import _safe_name

    assert _safe_name("C:\\Users\\ana\\Läufchen am Morgen.gpx", 3) == "0003/Läufchen am Morgen.gpx"
    assert _safe_name("../../etc/passwd", 0) == "0000/passwd"
    assert _safe_name("..", 1) == "0001/file" and _safe_name("", 2) == "0002/activity"
    long = _safe_name("ü" * 300 + ".fit.gz", 4)
    assert long.endswith(".fit.gz") and len(long.split("/")[1].encode()) <= 200, "the extension decides the format"
