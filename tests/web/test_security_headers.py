"""Security headers on every response of every GET route (single-runner and multi-user apps, pages, API, static
files, errors), and no page that needs an inline script or an on* handler (the CSP forbids them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from accounts_kit import BASE, PASSWORD, multi_settings
from routes_kit import routes_of
from starlette.testclient import TestClient
from webkit import START, Clock

from calfcare.services import accounts
from calfcare.store import Database
from calfcare.web import create_app
from calfcare.web.headers import SECURITY_HEADERS

VALUES = {"topic": "muscles", "number": "1", "day": "2025-05-10", "path": "css/app.css", "view": "today"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), "1"), path)


def _check(client: TestClient, headers: dict[str, str] | None = None) -> int:
    seen = 0
    for method, path in sorted(set(routes_of(client.app.routes))):  # type: ignore[attr-defined]
        if method != "GET":
            continue
        r = client.get(_fill(path), headers=headers or {}, follow_redirects=False)
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, f"GET {path} ({r.status_code}): {name} is {r.headers.get(name)!r}"
        if r.headers.get("content-type", "").startswith("text/html"):
            assert not INLINE_SCRIPT.search(r.text), f"GET {path}: an inline <script> (the CSP blocks it)"
            assert not HANDLER.search(r.text), f"GET {path}: an on* handler attribute (the CSP blocks it)"
        seen += 1
    return seen


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert SECURITY_HEADERS["Referrer-Policy"] == "same-origin"
    assert "camera=()" in SECURITY_HEADERS["Permissions-Policy"]


def test_every_get_route_of_the_single_runner_app_sends_the_headers(client: TestClient) -> None:
    assert _check(client) > 20
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.headers["X-Frame-Options"] == "DENY"


def test_every_get_route_of_the_multi_user_app_sends_the_headers(web_db: Database) -> None:
    accounts.add_user(db=web_db, username="ann", password=PASSWORD, role="runner")
    accounts.add_user(db=web_db, username="physio", password=PASSWORD, role="clinician")
    app = create_app(multi_settings(web_db), db=web_db, clock=Clock(START))
    with TestClient(app, base_url=BASE, client=("10.1.2.3", 40000)) as c:
        assert _check(c) > 20  # anonymous: redirects, 401s, public pages
        for name in ("ann", "physio"):
            user = accounts.list_users(db=web_db)
            uid = next(u["id"] for u in user if u["username"] == name)
            _, secret = accounts.create_token(db=web_db, user_id=uid, name="t", scope="read", now=datetime.now(UTC))
            _check(c, {"Authorization": f"Bearer {secret}"})


def test_a_route_may_not_lose_a_header_it_sets_itself() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from calfcare.web.headers import SecurityHeadersMiddleware

    def own(_: object) -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Referrer-Policy": "same-origin"})

    app = Starlette(routes=[Route("/", own)])
    app.add_middleware(SecurityHeadersMiddleware)
    with TestClient(app) as c:
        r = c.get("/")
    assert r.headers["Referrer-Policy"] == "same-origin" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers.get_list("Referrer-Policy") == ["same-origin"]
