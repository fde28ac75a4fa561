"""``serve --multi-user``, the web side of accounts: sign-in, sign-up, sign-out, password change, the session cookie
and its flags, CSRF on every form, throttling, tokens, the admin's list, and every runner page acting only for
the signed-in runner's own record."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from accounts_kit import BASE, PASSWORD, SECRET, add, browser_client, csrf_of, multi_settings, sign_in
from starlette.testclient import TestClient
from webkit import Clock

from calfcare.errors import InvalidInput
from calfcare.services import accounts
from calfcare.store import Database
from calfcare.web import create_app
from calfcare.web.config import WebSettings


def test_multi_user_needs_a_secret_and_a_database_url(web_db: Database) -> None:
    with pytest.raises(InvalidInput, match="CALFCARE_SECRET_KEY is not set: `calfcare serve --multi-user`"):
        WebSettings(database_url=web_db.url, runner="me", multi_user=True)
    with pytest.raises(InvalidInput, match="CALFCARE_DATABASE_URL is not set"):
        WebSettings.from_env(multi_user=True, environ={"CALFCARE_SECRET_KEY": SECRET})


def test_anonymous_pages_lead_to_sign_in_and_the_api_answers_401(web_db: Database, clock: Clock) -> None:
    with browser_client(web_db, clock) as c:
        r = c.get("/today", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/signin"
        api = c.get("/api/v1/today")
        assert api.status_code == 401 and api.json()["error"] == "NotSignedIn"
        assert c.get("/learn").status_code == 200  # the education pages are public


def test_sign_in_sets_a_signed_httponly_lax_cookie_and_signs_out(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        token = csrf_of(c)
        r = c.post(
            "/signin", data={"username": "ann", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("calfcare_auth=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http on this test's loopback
        assert c.get("/today").status_code == 200
        assert c.get("/api/v1/today").status_code == 200
        r = c.post("/signout", data={"csrf_token": csrf_of(c, "/account")}, follow_redirects=False)
        assert r.status_code == 303
        assert c.get("/today", follow_redirects=False).status_code == 303
        assert c.get("/api/v1/today").status_code == 401


def test_the_cookie_is_secure_over_https(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    app = create_app(multi_settings(web_db), db=web_db, clock=clock)
    with TestClient(app, base_url="https://127.0.0.1", client=("10.1.2.3", 4000)) as c:
        r = c.get("/signin")
        assert "Secure" in r.headers["set-cookie"]


def test_a_forged_cookie_is_no_session(web_db: Database, clock: Clock) -> None:
    user = add(web_db, "ann")
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-secret-another-secret-12345", salt="calfcare-session").dumps(
        {"u": user["id"], "v": 0, "n": "x"}
    )
    with browser_client(web_db, clock) as c:
        c.cookies.set("calfcare_auth", forged)
        assert c.get("/api/v1/today").status_code == 401


def test_wrong_password_and_unknown_user_give_the_same_message(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        wrong = c.post("/signin", data={"username": "ann", "password": "not it at all", "csrf_token": csrf_of(c)})
        unknown = c.post("/signin", data={"username": "bob", "password": "not it at all", "csrf_token": csrf_of(c)})
    assert wrong.status_code == unknown.status_code == 401
    assert "The username or password is wrong" in wrong.text and "The username or password is wrong" in unknown.text
    assert "bob" not in unknown.text.split("<main")[1].replace('value="bob"', "")


def test_sign_in_is_throttled_with_the_services_message(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        for _ in range(5):
            c.post("/signin", data={"username": "ann", "password": "wrong-wrong-wrong", "csrf_token": csrf_of(c)})
        r = c.post("/signin", data={"username": "ann", "password": PASSWORD, "csrf_token": csrf_of(c)})
    assert r.status_code == 429 and "Too many sign-in attempts" in r.text


def test_every_form_post_needs_the_csrf_token(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        r = c.post("/signin", data={"username": "ann", "password": PASSWORD})
        assert r.status_code == 403 and "security token" in r.text
        r = c.post("/signin", data={"username": "ann", "password": PASSWORD, "csrf_token": "0" * 64})
        assert r.status_code == 403
        sign_in(c, "ann")
        assert c.post("/settings", data={"emergency_number": "112"}).status_code == 403
        assert c.post("/sharing/code").status_code == 403
        ok = c.post("/settings", data={"emergency_number": "112", "csrf_token": csrf_of(c, "/settings")})
        assert ok.status_code == 200 and "112" in ok.text
        # the cookie-authenticated API needs the header too
        assert c.put("/api/v1/settings", json={"emergency_number": "999"}).status_code == 403
        h = {"X-CSRF-Token": csrf_of(c, "/settings")}
        assert c.put("/api/v1/settings", json={"emergency_number": "999"}, headers=h).status_code == 200


def test_sign_in_gives_a_new_csrf_token(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        before = csrf_of(c)
        sign_in(c, "ann")
        assert csrf_of(c, "/account") != before


def test_sign_up_with_the_invitation_code(web_db: Database, clock: Clock) -> None:
    accounts.set_signup(db=web_db, mode="invitation", invitation_code="club-2026-spring")
    with browser_client(web_db, clock) as c:
        form = {"username": "cara", "password": PASSWORD, "invitation_code": "nope-nope", "csrf_token": csrf_of(c)}
        r = c.post("/signup", data=form)
        assert r.status_code == 422 and "not the code the admin gave" in r.text
        form.update(invitation_code="club-2026-spring", csrf_token=csrf_of(c, "/signup"))
        r = c.post("/signup", data=form, follow_redirects=False)
        assert r.status_code == 303
        assert c.get("/api/v1/today").status_code == 200  # signed in at once, on their own new record
    assert [u["username"] for u in accounts.list_users(db=web_db)] == ["cara"]


def test_sign_up_closed_says_so(web_db: Database, clock: Clock) -> None:
    with browser_client(web_db, clock) as c:
        form = {"username": "cara", "password": PASSWORD, "csrf_token": csrf_of(c, "/signup")}
        r = c.post("/signup", data=form)
    assert r.status_code == 422 and "Sign-up is closed here" in r.text


def test_changing_the_password_ends_the_other_sessions_not_this_one(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as phone, browser_client(web_db, clock, "10.9.9.9") as laptop:
        sign_in(phone, "ann")
        sign_in(laptop, "ann")
        form = {
            "current_password": "wrong password",
            "new_password": "a brand new one",
            "csrf_token": csrf_of(phone, "/account"),
        }
        r = phone.post("/account/password", data=form)
        assert r.status_code == 422 and "it is wrong" in r.text
        form.update(current_password=PASSWORD, csrf_token=csrf_of(phone, "/account"))
        r = phone.post("/account/password", data=form)
        assert r.status_code == 200 and "Every other device was signed out" in r.text
        assert phone.get("/api/v1/today").status_code == 200
        assert laptop.get("/api/v1/today").status_code == 401
        assert laptop.get("/today", follow_redirects=False).headers["location"] == "/signin"
        sign_in(laptop, "ann", "a brand new one")


def test_guessing_the_current_password_on_the_account_page_is_throttled(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as phone:
        sign_in(phone, "ann")
        for i in range(5):
            form = {"current_password": f"guess {i}", "new_password": "a brand new one",
                    "csrf_token": csrf_of(phone, "/account")}  # fmt: skip
            assert phone.post("/account/password", data=form).status_code == 422
        form.update(current_password=PASSWORD, csrf_token=csrf_of(phone, "/account"))
        r = phone.post("/account/password", data=form)
        assert r.status_code == 429 and "Too many sign-in attempts; try again in about 15 min" in r.text
    assert accounts.sign_in(db=web_db, username="ann", password=PASSWORD, address="10.1.1.1",
                            now=datetime.now(UTC) + timedelta(minutes=16)).username == "ann"  # fmt: skip


def test_a_runner_acts_only_on_their_own_record(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    add(web_db, "bob")
    with browser_client(web_db, clock) as ann, browser_client(web_db, clock, "10.7.7.7") as bob:
        sign_in(ann, "ann")
        sign_in(bob, "bob")
        h = {"X-CSRF-Token": csrf_of(ann, "/settings")}
        assert ann.put("/api/v1/settings", json={"emergency_number": "999"}, headers=h).status_code == 200
        assert ann.get("/api/v1/settings").json()["emergency_number"] == "999"
        assert bob.get("/api/v1/settings").json()["emergency_number"] != "999"
        # a query parameter never picks the runner
        assert bob.get("/api/v1/settings?runner=ann").json()["emergency_number"] != "999"
        assert "999" not in bob.get("/settings?runner=ann").text.split('name="emergency_number_other"')[0][-400:]


def test_a_clinician_or_admin_has_no_runner_pages(web_db: Database, clock: Clock) -> None:
    add(web_db, "dr", "clinician")
    add(web_db, "root", "admin")
    with browser_client(web_db, clock) as c:
        sign_in(c, "dr")
        assert c.get("/", follow_redirects=False).headers["location"] == "/clinician"
        assert c.get("/today").status_code == 403
        assert c.get("/api/v1/today").status_code == 403
    with browser_client(web_db, clock) as c:
        sign_in(c, "root")
        assert c.get("/", follow_redirects=False).headers["location"] == "/admin/accounts"
        r = c.get("/admin/accounts")
        assert r.status_code == 200 and "dr" in r.text and "calfcare user" in r.text


def test_the_admin_downloads_the_backup_of_every_runner_and_nobody_else_does(
    web_db: Database, clock: Clock, tmp_path: Path
) -> None:
    from test_import_fixtures import fit_run

    from calfcare.services.importing import import_paths

    add(web_db, "ann")
    add(web_db, "root", "admin")
    (tmp_path / "ann.fit").write_bytes(fit_run())
    import_paths(db=web_db, runner="ann", paths=[tmp_path / "ann.fit"], workers=1)
    with browser_client(web_db, clock) as c:
        sign_in(c, "ann")
        assert c.get("/admin/backup.zip").status_code == 403
    with browser_client(web_db, clock) as c:
        sign_in(c, "root")
        assert "/admin/backup.zip" in c.get("/admin/accounts").text
        r = c.get("/admin/backup.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="calfcare-backup-all-runners-')
    assert r.headers["content-length"] == str(len(r.content)) and r.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        manifest = json.loads(z.read("manifest.json"))
        (original,) = manifest["files"]
        assert z.read(original) == fit_run()
    assert manifest["scope"] == "all" and "ann" in manifest["runners"] and "users" in manifest["tables"]


def test_only_an_admin_lists_accounts(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        sign_in(c, "ann")
        assert c.get("/admin/accounts").status_code == 403


def test_tokens_are_shown_once_listed_revoked_and_a_read_token_cannot_write(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        sign_in(c, "ann")
        r = c.post(
            "/account/tokens", data={"name": "watch", "scope": "read", "csrf_token": csrf_of(c, "/account/tokens")}
        )
        assert r.status_code == 200 and "copy it now" in r.text
        secret = r.text.split('id="secret" readonly value="')[1].split('"')[0]
        assert secret.startswith("cc_pat_")
        listing = c.get("/account/tokens").text
        assert "watch" in listing and secret not in listing
        token_id = accounts.list_tokens(db=web_db, user_id=1)[0]["id"]
    app = create_app(multi_settings(web_db), db=web_db, clock=clock)
    with TestClient(app, base_url=BASE, client=("10.3.3.3", 1)) as api:
        h = {"Authorization": f"Bearer {secret}"}
        assert api.get("/api/v1/settings", headers=h).status_code == 200
        r = api.put("/api/v1/settings", json={"emergency_number": "999"}, headers=h)
        assert r.status_code == 403 and "read-only" in r.json()["message"]
        assert (
            api.post(
                "/api/v1/today/sets", json={"exercise_id": "x", "sets_done": 1, "sets_planned": 2}, headers=h
            ).status_code
            == 403
        )
        assert api.get("/api/v1/settings", headers={"Authorization": "Bearer cc_pat_nope"}).status_code == 401
    with browser_client(web_db, clock) as c:
        sign_in(c, "ann")
        r = c.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(c, "/account/tokens")})
        assert r.status_code == 200 and "revoked" in r.text
    with TestClient(app, base_url=BASE, client=("10.3.3.3", 1)) as api:
        assert api.get("/api/v1/settings", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_write_token_writes_without_csrf(web_db: Database, clock: Clock) -> None:
    user = add(web_db, "ann")
    _, secret = accounts.create_token(
        db=web_db, user_id=int(str(user["id"])), name="sync", scope="write", now=datetime.now(UTC)
    )
    app = create_app(multi_settings(web_db), db=web_db, clock=clock)
    with TestClient(app, base_url=BASE, client=("10.3.3.3", 1)) as api:
        h = {"Authorization": f"Bearer {secret}"}
        assert api.put("/api/v1/settings", json={"emergency_number": "999"}, headers=h).status_code == 200


def test_single_runner_serve_has_no_sign_in(client: TestClient) -> None:
    assert client.get("/today").status_code == 200
    assert 'name="csrf_token"' not in client.get("/settings").text
    assert client.get("/signin").status_code == 404


def test_uploads_are_held_in_the_database_and_the_page_shows_their_status(web_db: Database, clock: Clock) -> None:
    from datetime import timedelta

    from webkit import START, gpx_run

    from calfcare.store.models import Upload

    add(web_db, "ann")
    run = gpx_run(datetime(START.year, START.month, START.day, 7, tzinfo=UTC) - timedelta(days=3), 30, 5.0)
    with browser_client(web_db, clock) as c:
        sign_in(c, "ann")
        files = [("files", ("morning.gpx", run, "application/gpx+xml")), ("files", ("empty.gpx", b"", "text/plain"))]
        r = c.post(
            "/training/upload", files=files, data={"csrf_token": csrf_of(c, "/training")}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"].startswith("/training/uploads?id=")
        status = c.get(r.headers["location"])
        assert status.status_code == 200
        assert "morning.gpx" in status.text and "1 imported" in status.text  # SQLite: imported at once
        assert "Refused — empty.gpx" in status.text and "All done" in status.text
        assert c.get("/api/v1/training").json()["activity_count"] == 1
        upload_id = int(r.headers["location"].split("id=")[1].split("&")[0])
        assert c.get(f"/api/v1/uploads/{upload_id}").json()["status"] == "done"
    with web_db.session() as s:
        assert [u.runner_id for u in s.query(Upload)] == [1]
    add(web_db, "bob")
    with browser_client(web_db, clock) as bob:
        sign_in(bob, "bob")
        assert bob.get(f"/api/v1/uploads/{upload_id}").status_code == 404, "another runner's upload is not found"
        assert bob.get(f"/training/uploads?id={upload_id}").status_code == 404


def test_a_null_origin_is_same_site_only_when_the_browser_says_so(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        form = {"username": "ann", "password": PASSWORD, "csrf_token": csrf_of(c)}
        cross = c.post("/signin", data=form, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403 and "another site" in cross.text
        same = c.post(
            "/signin", data=form, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}, follow_redirects=False
        )
        assert same.status_code == 303
