"""Accounts in multi-user mode (``serve --multi-user``): sign-in, sign-up, sign-out, change password, personal
access tokens, and the admin's read-only list of accounts (changes go through ``calfcare user``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from calfcare.accounts.access import may
from calfcare.errors import Conflict, InvalidInput, NotSignedIn, PermissionDenied, TooManyAttempts
from calfcare.services import accounts
from calfcare.web.deps import CurrentPrincipal, DbDep, NowDep, OptionalPrincipal, client_address
from calfcare.web.render import page
from calfcare.web.security import start_session

router = APIRouter()
HOMES = {"runner": "/", "clinician": "/clinician", "admin": "/admin/accounts"}


def home_of(request: Request) -> str:
    principal = request.scope.get("calfcare.principal")
    return HOMES.get(principal.role, "/") if principal is not None else "/signin"


def _errors(exc: InvalidInput) -> dict[str, str]:
    return {p.where: p.problem for p in exc.problems}


@router.get("/signin")
def signin_form(request: Request, principal: OptionalPrincipal) -> Response:
    if principal is not None:
        return RedirectResponse(HOMES[principal.role], status_code=303)
    return page(request, "signin.html", {"title": "Sign in", "message": None, "username": ""})


@router.post("/signin")
def signin(
    request: Request,
    db: DbDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        principal = accounts.sign_in(
            db=db, username=username.strip(), password=password, address=client_address(request), now=now
        )
    except (NotSignedIn, TooManyAttempts) as exc:  # one message for unknown user, wrong password, disabled
        ctx = {"title": "Sign in", "message": str(exc), "username": username}
        return page(request, "signin.html", ctx, exc.http_status)
    version = accounts.session_version(db=db, user_id=principal.user_id)
    start_session(request.scope, user_id=principal.user_id, session_version=version)
    return RedirectResponse(HOMES[principal.role], status_code=303)


@router.post("/signout")
def signout(request: Request) -> Response:
    start_session(request.scope)
    return RedirectResponse("/signin", status_code=303)


@router.get("/signup")
def signup_form(request: Request) -> Response:
    return page(request, "signup.html", {"title": "Create an account", "errors": {}, "message": None, "username": ""})


@router.post("/signup")
def signup(
    request: Request,
    db: DbDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    invitation_code: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        user = accounts.sign_up(
            db=db, username=username.strip(), password=password, invitation_code=invitation_code.strip() or None
        )
    except (InvalidInput, Conflict) as exc:
        errors = _errors(exc) if isinstance(exc, InvalidInput) else {}
        ctx = {"title": "Create an account", "errors": errors, "message": str(exc), "username": username}
        return page(request, "signup.html", ctx, exc.http_status)
    version = accounts.session_version(db=db, user_id=user["id"])
    start_session(request.scope, user_id=user["id"], session_version=version)
    return RedirectResponse("/", status_code=303)


@router.get("/account")
def account(request: Request, principal: CurrentPrincipal, changed: bool = False) -> Response:
    ctx: dict[str, object] = {"title": "Account", "errors": {}, "message": None, "changed": changed}
    return page(request, "account.html", ctx)


@router.post("/account/password")
def change_password(
    request: Request,
    db: DbDep,
    principal: CurrentPrincipal,
    now: NowDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        accounts.change_password(
            db=db,
            user_id=principal.user_id,
            current=current_password,
            new=new_password,
            address=client_address(request),
            now=now,
        )
    except TooManyAttempts as exc:
        ctx = {"title": "Account", "errors": {}, "message": str(exc), "changed": False}
        return page(request, "account.html", ctx, exc.http_status)
    except InvalidInput as exc:
        errors = _errors(exc)
        if "password" in errors:
            errors["new_password"] = errors.pop("password")
        ctx = {"title": "Account", "errors": errors, "message": str(exc), "changed": False}
        return page(request, "account.html", ctx, 422)
    # every other session of this account has ended; this one goes on with the new version
    version = accounts.session_version(db=db, user_id=principal.user_id)
    start_session(request.scope, user_id=principal.user_id, session_version=version)
    return RedirectResponse("/account?changed=1", status_code=303)


def _tokens_page(
    request: Request, db: DbDep, principal: CurrentPrincipal, *, secret: str | None = None, error: str | None = None
) -> Response:
    tokens = accounts.list_tokens(db=db, user_id=principal.user_id)
    ctx = {"title": "API tokens", "tokens": tokens, "secret": secret, "error": error}
    return page(request, "tokens.html", ctx, 422 if error else 200)


@router.get("/account/tokens")
def tokens(request: Request, db: DbDep, principal: CurrentPrincipal) -> Response:
    return _tokens_page(request, db, principal)


@router.post("/account/tokens")
def create_token(
    request: Request,
    db: DbDep,
    principal: CurrentPrincipal,
    now: NowDep,
    name: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form(max_length=10)] = "read",
) -> Response:
    try:
        _, secret = accounts.create_token(db=db, user_id=principal.user_id, name=name, scope=scope, now=now)
    except InvalidInput as exc:
        return _tokens_page(request, db, principal, error=str(exc))
    return _tokens_page(request, db, principal, secret=secret)  # shown once, never again


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: int, db: DbDep, principal: CurrentPrincipal, now: NowDep) -> Response:
    accounts.revoke_token(db=db, user_id=principal.user_id, token_id=token_id, now=now)
    return RedirectResponse("/account/tokens", status_code=303)


@router.get("/admin/accounts")
def admin_accounts(request: Request, db: DbDep, principal: CurrentPrincipal) -> Response:
    if not may(principal, "manage_accounts", runner_id=None):
        raise PermissionDenied("only an admin sees the accounts")
    return page(request, "admin_accounts.html", {"title": "Accounts", "users": accounts.list_users(db=db)})
