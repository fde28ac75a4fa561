"""What routes receive: the store, the runner they act for, today's date (a clock the tests can set), and in
multi-user mode who is asking (:data:`CurrentPrincipal`: the session cookie's account, or an API token's)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from calfcare.accounts.access import Action, Principal
from calfcare.errors import NotSignedIn, PermissionDenied
from calfcare.store import Database
from calfcare.web.config import WebSettings
from calfcare.web.security import CSRF_FIELD, CSRF_HEADER, auth_session, csrf_ok, start_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PRINCIPAL = "calfcare.principal"


class NotARunner(PermissionDenied):
    """A clinician's or admin's account asked for a runner's own page: they have none."""


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_now() -> datetime:
    return datetime.now(UTC)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def optional_principal(request: Request) -> Principal | None:
    """Who is asking, or None (anonymous, or single-runner mode). A bearer token that is not valid is a 401, never
    anonymous; a session whose account changed its password or was disabled ends here (the cookie is reset)."""
    if not get_settings(request).multi_user:
        return None
    if _PRINCIPAL in request.scope:
        cached: Principal | None = request.scope[_PRINCIPAL]
        return cached
    from calfcare.services.accounts import principal_for_session, principal_for_token

    principal: Principal | None = None
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotSignedIn("Authorization: expected 'Bearer cc_pat_…'")
        principal = principal_for_token(db=get_db(request), secret=secret.strip(), now=get_now())
    else:
        session = auth_session(request.scope)
        if isinstance(session.get("u"), int) and isinstance(session.get("v"), int):
            try:
                principal = principal_for_session(
                    db=get_db(request), user_id=session["u"], session_version=session["v"]
                )
            except NotSignedIn:
                start_session(request.scope)
    request.scope[_PRINCIPAL] = principal
    request.state.principal = principal
    return principal


def current_principal(request: Request) -> Principal:
    """The signed-in account (multi-user mode): 401 when nobody is."""
    principal = optional_principal(request)
    if principal is None:
        raise NotSignedIn("sign in first")
    if request.method not in SAFE_METHODS and principal.scope == "read":
        raise PermissionDenied("this access token is read-only: it cannot change anything")
    return principal


def get_runner(request: Request) -> str:
    """The runner this app serves: one runner on their own machine (``CALFCARE_RUNNER``, default ``me``); in
    multi-user mode always the signed-in runner's own record (never a query parameter)."""
    settings = get_settings(request)
    if not settings.multi_user:
        return settings.runner
    principal = current_principal(request)
    if principal.role != "runner":
        raise NotARunner(f"a {principal.role}'s account has no runner pages")
    from calfcare.services.record_access import runner_name_for

    action: Action = "read" if request.method in SAFE_METHODS else "write"
    return runner_name_for(db=get_db(request), principal=principal, runner_id=principal.runner_id, action=action)


def get_runner_id(request: Request) -> int:
    """Multi-user mode: the signed-in runner's own runner id (after :func:`get_runner` authorised the request)."""
    get_runner(request)
    principal = current_principal(request)
    if principal.runner_id is None:  # pragma: no cover - get_runner refused already
        raise NotARunner("this account has no runner record")
    return principal.runner_id


async def check_csrf(request: Request) -> AsyncIterator[None]:
    """Every form post of multi-user mode carries the session's CSRF token (hidden field or header); bearer-token
    requests carry no cookie and need none. A multipart form read here to find the token has its spooled files
    closed when the request ends, served or refused (:func:`_closing_form`)."""
    async with _closing_form(request):
        if get_settings(request).multi_user and request.method not in SAFE_METHODS and not _bearer(request):
            supplied: object = request.headers.get(CSRF_HEADER)
            if supplied is None:
                content_type = request.headers.get("content-type", "")
                if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                    form = await request.form()
                    supplied = form.get(CSRF_FIELD)
            if not csrf_ok(request.scope, supplied):
                raise PermissionDenied(
                    "the form's security token is missing or out of date: reload the page and try again"
                )
        yield


def _bearer(request: Request) -> bool:
    return "authorization" in request.headers


@asynccontextmanager
async def _closing_form(request: Request) -> AsyncIterator[None]:
    """Close whatever form the request parsed (its uploads are spooled to temporary files) when the request ends.
    Starlette caches the parsed form on the request, so this closes it whoever read it: the CSRF check, a route's
    :data:`FormDep`, an upload route (closing twice is harmless)."""
    try:
        yield
    finally:
        await request.close()  # Starlette's: closes the cached form's files, if a form was parsed


def get_today(request: Request) -> date:
    day: date = request.app.state.clock()
    return day


async def posted_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form, read on the event loop, so the route itself can be a plain function run in the threadpool
    (the services block on the database; an ``async`` route calling them would stall every other request). Its
    spooled upload files are closed when the request ends."""
    async with _closing_form(request):
        yield await request.form()


DbDep = Annotated[Database, Depends(get_db)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
NowDep = Annotated[datetime, Depends(get_now)]
RunnerIdDep = Annotated[int, Depends(get_runner_id)]
RunnerDep = Annotated[str, Depends(get_runner)]
TodayDep = Annotated[date, Depends(get_today)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]
FormDep = Annotated[FormData, Depends(posted_form)]
