"""The app factory: ``create_app(settings)`` wires the store (migrated at start), the pages, the JSON API at
``/api/v1`` (its OpenAPI schema at ``/api/v1/openapi.json``), static files, access control and error pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response

from calfcare.errors import CalfcareError, NotSignedIn
from calfcare.store import Database, open_database
from calfcare.web import api
from calfcare.web.config import WebSettings
from calfcare.web.deps import NotARunner, check_csrf
from calfcare.web.headers import SecurityHeadersMiddleware
from calfcare.web.render import STATIC, page
from calfcare.web.routes import accounts, checkin, clinician, pages, recovery, sharing, today, training, triage
from calfcare.web.routes import records as records_routes
from calfcare.web.security import AccessMiddleware, AuthSessionMiddleware, safe_path

log = logging.getLogger("calfcare.web")
SESSION_COOKIE = "calfcare_session"


def create_app(settings: WebSettings, *, db: Database | None = None, clock: Callable[[], date] = date.today) -> FastAPI:
    """The whole web app for ``settings``. The database is migrated here (``serve`` start)."""
    app = FastAPI(title="calfcare", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.db = db if db is not None else open_database(settings.database_url)
    app.state.clock = clock
    for module in (pages, triage, today, checkin, recovery, training):
        app.include_router(module.router, dependencies=[Depends(check_csrf)])
    if settings.multi_user:
        for module in (accounts, sharing, clinician):
            app.include_router(module.router, dependencies=[Depends(check_csrf)])
    app.include_router(records_routes.router, dependencies=[Depends(check_csrf)])  # issue #12: records
    app.mount("/api/v1", api.create_api(app.state))
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _error_pages(app)
    app.add_middleware(AccessMiddleware, settings=settings)
    if settings.multi_user and settings.secret_key:
        app.add_middleware(AuthSessionMiddleware, secret_key=settings.secret_key)
    elif settings.secret_key:  # signed, HttpOnly session cookie (only --lan needs it)
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=SESSION_COOKIE,
            same_site="strict",
            max_age=30 * 24 * 3600,
        )
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: every response, error pages included
    return app


def _error_pages(app: FastAPI) -> None:
    """Every error gets a page in the runner's words; no stack trace ever reaches one."""

    @app.exception_handler(CalfcareError)
    async def calfcare_error(request: Request, exc: CalfcareError) -> Response:
        if request.method in ("GET", "HEAD") and isinstance(exc, NotSignedIn):
            return RedirectResponse("/signin", status_code=303)  # multi-user: a page needs an account
        if request.method in ("GET", "HEAD") and isinstance(exc, NotARunner) and request.url.path == "/":
            return RedirectResponse(accounts.home_of(request), status_code=303)
        return page(request, "error.html", {"title": "That did not work", "message": str(exc)}, exc.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return page(request, "404.html", {"title": "Page not found"}, 404)
        title = "That did not work"
        return page(request, "error.html", {"title": title, "message": str(exc.detail)}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}" for e in exc.errors()]
        message = "Some of what was sent could not be read: " + "; ".join(problems)
        return page(request, "error.html", {"title": "That did not work", "message": message}, 422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, safe_path(request.url.path), exc_info=exc)
        return page(request, "500.html", {"title": "Something went wrong"}, 500)
