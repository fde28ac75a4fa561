"""Who may reach the app: requests from this computer always; from the network only with ``serve --lan`` and a
signed session cookie, given by a one-time sign-in link. Also: Host headers (against DNS rebinding) and the origin
of every form post (against cross-site request forgery: a page on another site cannot post to this one).

A pure ASGI middleware (no response buffering, so uploads stream)."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from calfcare.web.config import LOOPBACK_HOSTS, WebSettings

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_LOOPBACK_CLIENTS = {"127.0.0.1", "::1", "localhost"}
#: the private calendar feed (web/routes/records.py): one URL-safe token, nothing else
_CALENDAR_FEED = re.compile(r"/calendar/[A-Za-z0-9_-]{16,128}\.ics")


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
        if host not in self.settings.allowed_hosts:
            return _refuse(conn, 400, "Unknown host", f"This calfcare does not answer for the host {host!r}.")
        if scope["method"] not in _SAFE_METHODS and not _same_origin(conn):
            return _refuse(conn, 403, "Refused", "A form from another site cannot send data to calfcare.")
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
    if origin == "null":
        return False
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
