"""Passwords and tokens never reach a log: everything calfcare and its libraries log while a runner signs in (right
and wrong), uses an API token, a calendar feed and hits errors is searched for the secrets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from accounts_kit import PASSWORD, add, browser_client, csrf_of, sign_in
from webkit import Clock

from calfcare.services import accounts
from calfcare.services.exports import create_calendar_token
from calfcare.store import Database
from calfcare.web.security import safe_path

WRONG = "Wrong-Horse-Battery-42"


def test_a_logged_path_never_shows_a_feed_or_sign_in_token() -> None:
    assert safe_path("/calendar/AbCdEf0123456789xyz.ics") == "/calendar/***"
    assert safe_path("/signin/AbCdEf0123456789xyz") == "/signin/***"
    assert safe_path("/today") == "/today"


def test_no_password_or_token_in_any_log_record(
    web_db: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: calfcare, starlette, sqlalchemy, httpx, argon2 …
    add(web_db, "ann")
    feed = create_calendar_token(db=web_db, runner="ann")
    with browser_client(web_db, clock) as client:
        wrong = client.post(
            "/signin",
            data={"username": "ann", "password": WRONG, "csrf_token": csrf_of(client)},
            follow_redirects=False,
        )
        assert wrong.status_code in (401, 422, 200) and WRONG not in wrong.text
        sign_in(client, "ann")
        made = client.post(
            "/account/tokens", data={"name": "watch", "scope": "read", "csrf_token": csrf_of(client, "/account/tokens")}
        )
        assert made.status_code == 200
    user = next(u for u in accounts.list_users(db=web_db) if u["username"] == "ann")
    now = datetime.now(UTC)
    _, token = accounts.create_token(db=web_db, user_id=user["id"], name="api", scope="read", now=now)
    with browser_client(web_db, clock) as api:
        assert api.get("/api/v1/today", headers={"Authorization": f"Bearer {token}"}).status_code in (200, 404)
        assert api.get("/api/v1/today", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
        api.get(f"/calendar/{feed}.ics")
        api.get(f"/calendar/{feed}x.ics")
    # the test's own HTTP client (httpx) logs the URLs it asks for: that is the caller, not the server
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert server, "the server logged nothing at all: the capture is not working"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server)
    for secret in (PASSWORD, WRONG, token, feed):
        assert secret not in logged
