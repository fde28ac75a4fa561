"""Who may reach the app: this computer without sign-in; the network only with --lan, a secret, and a one-time link
that gives a signed, HttpOnly session cookie. Foreign Host headers and cross-site form posts are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner
from webkit import Clock

from calfcare.cli import app as cli_app
from calfcare.errors import InvalidInput
from calfcare.services.web_state import issue_signin_token, redeem_signin_token
from calfcare.store import Database
from calfcare.web import create_app
from calfcare.web.config import WebSettings

SECRET = "x7Jq2v9LrT0pWm4sKc8eYb1hN5gZd3fA6uQo"
PHONE = ("192.168.1.23", 50123)


@pytest.fixture
def lan_app(web_db: Database, clock: Clock) -> Iterator[tuple[TestClient, Database]]:
    settings = WebSettings(
        database_url=web_db.url, runner="me", lan=True, secret_key=SECRET, extra_hosts=("192.168.1.10",)
    )
    app = create_app(settings, db=web_db, clock=clock)
    with TestClient(app, base_url="http://192.168.1.10:8000", client=PHONE) as c:
        yield c, web_db


def test_without_lan_the_network_is_refused(settings: WebSettings, web_db: Database, clock: Clock) -> None:
    app = create_app(settings, db=web_db, clock=clock)
    with TestClient(app, base_url="http://127.0.0.1:8000", client=PHONE) as c:
        r = c.get("/today")
    assert r.status_code == 403 and "only this computer" in r.text


def test_a_foreign_host_header_is_refused_dns_rebinding(client: TestClient) -> None:
    r = client.get("/today", headers={"host": "evil.example:8000"})
    assert r.status_code == 400 and "evil.example" in r.text and "<script" not in r.text


def test_a_cross_site_form_post_is_refused(client: TestClient) -> None:
    r = client.post("/settings", data={"emergency_number": "999"}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post("/settings", data={"emergency_number": "999"}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    assert client.get("/api/v1/settings").json()["emergency_number"] == "112"
    same = client.post("/settings", data={"emergency_number": "999"}, headers={"origin": "http://127.0.0.1:8000"})
    assert same.status_code == 200
    assert client.get("/api/v1/settings").json()["emergency_number"] == "999"


def test_lan_refuses_to_start_without_a_real_secret() -> None:
    with pytest.raises(InvalidInput, match="CALFCARE_SECRET_KEY is not set"):
        WebSettings(database_url="sqlite://", runner="me", lan=True)
    with pytest.raises(InvalidInput, match="too weak"):
        WebSettings(database_url="sqlite://", runner="me", lan=True, secret_key="changeme")


def test_serve_lan_without_a_secret_exits_with_a_clear_message(monkeypatch: pytest.MonkeyPatch, cli_env: str) -> None:
    monkeypatch.delenv("CALFCARE_SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--lan"])
    assert result.exit_code == 2
    assert "CALFCARE_SECRET_KEY is not set" in result.output
    assert "Traceback" not in result.output


def test_a_phone_needs_the_one_time_link_which_works_once(lan_app: tuple[TestClient, Database]) -> None:
    client, db = lan_app
    assert client.get("/today").status_code == 401
    assert client.get("/api/v1/today").json()["error"] == "Sign in first"
    token = issue_signin_token(db=db)
    r = client.get(f"/signin/{token}", follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "calfcare_session=" in cookie and "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert client.get("/today").status_code == 200, "signed in by the cookie"
    client.cookies.clear()
    assert client.get(f"/signin/{token}").status_code == 401, "a spent link does not work again"
    assert client.get("/today").status_code == 401


def test_a_forged_session_cookie_does_not_sign_in(lan_app: tuple[TestClient, Database]) -> None:
    client, _ = lan_app
    client.cookies.set("calfcare_session", "eyJzaWduZWRfaW4iOiB0cnVlfQ==.forged.sig")
    assert client.get("/today").status_code == 401


def test_sign_in_tokens_are_stored_hashed_and_expire(web_db: Database) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from calfcare.store.models import SigninToken

    token = issue_signin_token(db=web_db)
    with web_db.session() as s:
        stored = s.scalars(select(SigninToken.token_sha256)).all()
    assert token not in stored and len(stored[0]) == 64
    old = issue_signin_token(db=web_db, valid_for=timedelta(seconds=-1))
    assert redeem_signin_token(db=web_db, token=old) is False
    assert redeem_signin_token(db=web_db, token="nonsense") is False
