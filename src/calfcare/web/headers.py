"""Security headers on every response (pages, the JSON API, static files, errors).

A pure ASGI middleware (no buffering of the body, so streamed and file responses pass through untouched): it adds
each header unless the route already set its own (a route may narrow the policy, never lose it).

* ``Content-Security-Policy``: everything from this origin only, no inline scripts or handlers (no
  ``'unsafe-inline'``, no ``'unsafe-eval'``), no plugins, no ``<base>`` rewriting, forms post only here, and no
  framing by any other site (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for older browsers).
  Nothing is loaded from a CDN: the app works offline.
* ``Referrer-Policy: same-origin``: a runner's record URLs (``/clinician/runners/…``) never leak to other sites
  (``no-referrer`` would also make browsers send ``Origin: null`` on the app's own form posts).
* ``X-Content-Type-Options: nosniff``: an uploaded or served file is never run as a script by type sniffing.
* ``Permissions-Policy``: no camera, microphone, geolocation, payment, USB or interest cohorts.
* ``Cross-Origin-Opener-Policy: same-origin`` and ``Cross-Origin-Resource-Policy: same-origin``.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_ENCODED = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


class SecurityHeadersMiddleware:
    """Add :data:`SECURITY_HEADERS` to every HTTP response (``app.add_middleware(SecurityHeadersMiddleware)``, added
    last so that it wraps everything, error pages included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in _ENCODED if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
