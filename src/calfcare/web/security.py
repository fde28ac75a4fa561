"""Who may reach the app: requests from this computer always; from the network only with ``serve --lan`` and a
signed session cookie, given by a one-time sign-in link. Also: Host headers (against DNS rebinding) and the origin
of every form post (against cross-site request forgery: a page on another site cannot post to this one).

A pure ASGI middleware (no response buffering, so uploads stream)."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from calfcare.web.config import LOOPBACK_HOSTS, WebSettings

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_LOOPBACK_CLIENTS = {"127.0.0.1", "::1", "localhost"}
#: the private calendar feed (web/routes/records.py): one URL-safe token, nothing else
_CALENDAR_FEED = re.compile(r"/calendar/[A-Za-z0-9_-]{16,128}\.ics")
#: path segments that carry a bearer secret (calendar feed, one-time sign-in link): masked wherever a path is logged
_SECRET_IN_PATH = re.compile(r"^/(calendar|signin)/[^/]+")


def safe_path(path: str) -> str:
    """``path`` as it may be logged: a calendar-feed or sign-in token in it is replaced by ``***``."""
    return _SECRET_IN_PATH.sub(lambda m: f"/{m.group(1)}/***", path)


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class AccessMiddleware:
    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        problem = self.refusal(conn, scope)
        if problem is not None:
            await problem(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, conn: HTTPConnection, scope: Scope) -> Response | None:
        host = _host_name(conn.headers.get("host", ""))
        if host not in self.settings.allowed_hosts and not self.settings.any_host:
            return _refuse(conn, 400, "Unknown host", f"This calfcare does not answer for the host {host!r}.")
        if scope["method"] not in _SAFE_METHODS and not _same_origin(conn):
            return _refuse(conn, 403, "Refused", "A form from another site cannot send data to calfcare.")
        if self.settings.multi_user:
            return None  # accounts: every route checks who is signed in (deps.CurrentPrincipal)
        client = conn.client.host if conn.client else ""
        if client in _LOOPBACK_CLIENTS and host in LOOPBACK_HOSTS:
            return None  # this computer: no sign-in
        if not self.settings.lan:
            return _refuse(conn, 403, "Only on this computer", "calfcare answers only this computer (no --lan).")
        path = scope["path"]
        if path.startswith("/signin/") or path.startswith("/static/") or path == "/signin":
            return None
        if scope["method"] in ("GET", "HEAD") and _CALENDAR_FEED.fullmatch(path):
            return None  # a calendar app polls the feed with its token alone (the route checks the token)
        session: dict[str, Any] = scope.get("session") or {}
        if session.get("signed_in") is True:
            return None
        return _refuse(
            conn,
            401,
            "Sign in first",
            "Scan the QR code that `calfcare serve --lan` printed on the computer to sign in on this device.",
        )


def _same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if origin is None:
        return conn.headers.get("sec-fetch-site") in (None, "same-origin", "none")
    if origin == "null":  # Referrer-Policy: no-referrer makes Chromium send "null" on same-site form posts too;
        # Sec-Fetch-Site is set by the browser alone (scripts cannot), so it tells a same-origin post apart
        return conn.headers.get("sec-fetch-site") == "same-origin"
    return urlsplit(origin).netloc == conn.headers.get("host", "")


def _refuse(conn: HTTPConnection, status: int, title: str, message: str) -> Response:
    if conn.url.path.startswith("/api/") or "application/json" in conn.headers.get("accept", ""):
        return JSONResponse({"error": title, "message": message, "problems": []}, status_code=status)
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
        f"<title>{html.escape(title)} — calfcare</title><main style='font-family:sans-serif;padding:1rem'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></main></html>"
    )
    return HTMLResponse(body, status_code=status)


# --- multi-user sessions (``serve --multi-user``) ------------------------------------------------------------------
#
# The session is a signed cookie and nothing else (no server memory, so any number of web processes can answer):
# ``{"n": nonce}`` for a visitor, ``{"u": user_id, "v": session_version, "n": nonce}`` once signed in. Raising the
# account's session_version (password change, reset, disable) ends every session of it. The CSRF token of a session
# is an HMAC of its nonce with the secret; every form carries it in a hidden field (or ``X-CSRF-Token`` header).

AUTH_COOKIE = "calfcare_auth"
SESSION_MAX_AGE = 30 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SCOPE_KEY = "calfcare.auth_session"
_DIRTY_KEY = "calfcare.auth_session_dirty"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class AuthSessionMiddleware:
    """Reads and verifies the session cookie into the request scope; writes it back when a route changed it
    (HttpOnly, SameSite=Lax, Secure when the request came over https — ``X-Forwarded-Proto`` counts only from the
    proxies uvicorn's ``--forwarded-allow-ips`` trusts). Cookie-authenticated writes to ``/api`` need the CSRF
    header."""

    def __init__(self, app: ASGIApp, secret_key: str) -> None:
        self.app = app
        self.signer = URLSafeTimedSerializer(secret_key, salt="calfcare-session")
        self.csrf_key = hashlib.sha256(("csrf:" + secret_key).encode()).digest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        data = self.load(conn.cookies.get(AUTH_COOKIE))
        scope[_SCOPE_KEY] = data if data is not None else {"n": new_nonce()}
        scope[_DIRTY_KEY] = data is None
        scope["calfcare.csrf_key"] = self.csrf_key
        if (
            scope["path"].startswith("/api/")
            and scope["method"] not in _SAFE_METHODS
            and "authorization" not in conn.headers
            and "u" in scope[_SCOPE_KEY]
            and not csrf_ok(scope, conn.headers.get(CSRF_HEADER))
        ):
            await _refuse(conn, 403, "Refused", "The CSRF token is missing or wrong: reload the page.")(
                scope, receive, send
            )
            return
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Any) -> None:
            if message["type"] == "http.response.start" and scope.get(_DIRTY_KEY):
                value = self.signer.dumps(scope[_SCOPE_KEY])
                cookie = f"{AUTH_COOKIE}={value}; Path=/; Max-Age={SESSION_MAX_AGE}; HttpOnly; SameSite=Lax"
                if secure:
                    cookie += "; Secure"
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def load(self, value: str | None) -> dict[str, Any] | None:
        if not value:
            return None
        try:
            data = self.signer.loads(value, max_age=SESSION_MAX_AGE)
        except (BadSignature, ValueError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) and isinstance(data.get("n"), str) else None


def auth_session(scope: Scope) -> dict[str, Any]:
    """The verified session of this request (``{}`` outside multi-user mode)."""
    data: dict[str, Any] = scope.get(_SCOPE_KEY) or {}
    return data


def start_session(scope: Scope, *, user_id: int | None = None, session_version: int | None = None) -> None:
    """A fresh session (a new nonce, so a new CSRF token): signed in as ``user_id``, or signed out."""
    data: dict[str, Any] = {"n": new_nonce()}
    if user_id is not None:
        data.update(u=user_id, v=session_version)
    scope[_SCOPE_KEY] = data
    scope[_DIRTY_KEY] = True


def csrf_token(scope: Scope) -> str:
    key: bytes | None = scope.get("calfcare.csrf_key")
    nonce = auth_session(scope).get("n")
    if key is None or not nonce:
        return ""
    return hmac.new(key, str(nonce).encode(), hashlib.sha256).hexdigest()


def csrf_ok(scope: Scope, supplied: object) -> bool:
    expected = csrf_token(scope)
    return bool(expected) and isinstance(supplied, str) and hmac.compare_digest(expected, supplied)
