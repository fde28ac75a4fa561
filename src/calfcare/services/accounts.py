"""Accounts: add, list, disable, reset (the admin's ``calfcare user`` commands), sign-up, sign-in with throttling,
password change, and personal access tokens for the API.

Every function is keyword-only, takes the :class:`~calfcare.store.Database` and the clock (``now``) explicitly,
and writes in one unit of work. Messages never say whether an account exists (no user enumeration), and no
password, token or hash is ever put in a message or returned after creation.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calfcare.accounts.access import ROLES, Principal, Role, Scope
from calfcare.accounts.credentials import (
    digest,
    hash_password,
    needs_rehash,
    new_secret,
    password_problems,
    same_digest,
    verify_password,
)
from calfcare.accounts.throttle import DEFAULT_POLICY, sign_in_wait
from calfcare.errors import Conflict, FieldProblem, InvalidInput, NotFound, NotSignedIn, TooManyAttempts
from calfcare.store import Database
from calfcare.store.models import ApiToken, AppSetting, Runner, SignInFailure, User

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}$")
TOKEN_PREFIX = "cc_pat_"
SIGNUP_MODES = ("closed", "invitation", "open")
_WRONG = "the username or password is wrong"


def _check_username(username: str) -> str:
    if not USERNAME.match(username):
        raise InvalidInput(
            "username: use 1–200 letters, digits or . _ @ + - (starting with a letter or digit)",
            [FieldProblem("username", f"not a valid username: {username[:40]!r}")],
        )
    return username


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise InvalidInput("password: " + "; ".join(problems), [FieldProblem("password", p) for p in problems])


def user_dict(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "runner_id": user.runner_id,
        "disabled": user.disabled,
        "created_at": user.created_at.isoformat() if user.created_at else None,
    }


def _user_named(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no account called {username!r}")
    return user


def add_user(*, db: Database, username: str, password: str, role: str, runner: str | None = None) -> dict[str, Any]:
    """Create an account. A runner account is linked to the runner record called ``runner`` (default: the
    username), created when missing; a runner record belongs to at most one account."""
    _check_username(username)
    if role not in ROLES:
        raise InvalidInput(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    _check_password(password, username)
    if runner is not None and role != "runner":
        raise InvalidInput("--runner: only a runner account is linked to a runner record")
    with db.session() as s:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"an account called {username!r} already exists")
        runner_id = None
        if role == "runner":
            name = runner or username
            record = s.scalar(select(Runner).where(Runner.name == name))
            if record is None:
                record = Runner(name=name)
                s.add(record)
                s.flush()
            elif s.scalar(select(User.id).where(User.runner_id == record.id)) is not None:
                raise Conflict(f"the runner record {name!r} already belongs to an account")
            runner_id = record.id
        user = User(username=username, role=role, password_hash=hash_password(password), runner_id=runner_id)
        s.add(user)
        try:
            s.flush()
        except IntegrityError:
            raise Conflict(f"an account called {username!r} already exists") from None
        return user_dict(user)


def list_users(*, db: Database) -> list[dict[str, Any]]:
    with db.session() as s:
        return [user_dict(u) for u in s.scalars(select(User).order_by(User.username))]


def reset_password(*, db: Database, username: str, password: str) -> dict[str, Any]:
    """Set a new password (the admin's reset; there is no mail server). Every existing session ends."""
    with db.session() as s:
        user = _user_named(s, username)
        _check_password(password, username)
        user.password_hash = hash_password(password)
        user.session_version += 1
        s.execute(delete(SignInFailure).where(SignInFailure.username == username))
        return user_dict(user)


def set_disabled(*, db: Database, username: str, disabled: bool = True) -> dict[str, Any]:
    """Disable (or re-enable) an account: no sign-in, no session, no token works while disabled."""
    with db.session() as s:
        user = _user_named(s, username)
        user.disabled = disabled
        user.session_version += 1
        return user_dict(user)


def _principal(user: User, scope: Scope = "write") -> Principal:
    return Principal(
        user_id=user.id, username=user.username, role=cast(Role, user.role), runner_id=user.runner_id, scope=scope
    )


def sign_in(*, db: Database, username: str, password: str, address: str, now: datetime) -> Principal:
    """Check a username and password. Throttled per account and per address; the same message for an unknown
    account, a wrong password and a disabled account."""
    with db.session() as s:
        _throttle(s, username, address, now)
        user = s.scalar(select(User).where(User.username == username))
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or user.disabled:
            s.add(SignInFailure(username=username[:200], address=address[:64], at=now))
            s.commit()
            raise NotSignedIn(_WRONG)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        s.execute(delete(SignInFailure).where(SignInFailure.username == username))
        return _principal(user)


def _throttle(s: Session, username: str, address: str, now: datetime) -> None:
    """:class:`TooManyAttempts` while the account or the address has failed too often lately."""
    since = now - DEFAULT_POLICY.window
    account_failures = list(
        s.scalars(select(SignInFailure.at).where(SignInFailure.username == username, SignInFailure.at > since))
    )
    address_failures = list(
        s.scalars(select(SignInFailure.at).where(SignInFailure.address == address, SignInFailure.at > since))
    )
    wait = sign_in_wait(
        account_failures=[_aware(t) for t in account_failures],
        address_failures=[_aware(t) for t in address_failures],
        now=now,
    )
    if wait > 0:
        minutes = max(1, round(wait / 60))
        raise TooManyAttempts(f"too many sign-in attempts; try again in about {minutes} min", wait)


def _aware(t: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; everything here is UTC."""
    from datetime import UTC

    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def principal_for_session(*, db: Database, user_id: int, session_version: int) -> Principal:
    """The signed-in user of a session cookie, if the account still exists, is enabled and the session is current."""
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None or user.disabled or user.session_version != session_version:
            raise NotSignedIn("your session has ended; please sign in again")
        return _principal(user)


def session_version(*, db: Database, user_id: int) -> int:
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotSignedIn("your session has ended; please sign in again")
        return user.session_version


def change_password(
    *, db: Database, user_id: int, current: str, new: str, address: str = "", now: datetime | None = None
) -> None:
    """Change one's own password (the current one is required). Other sessions end.

    A wrong current password counts as a failed sign-in of the account (and of ``address``), under the same
    throttle: a stolen session cannot use this form to guess the password without limit."""
    now = now or datetime.now(UTC)
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotSignedIn("your session has ended; please sign in again")
        _throttle(s, user.username, address, now)
        if not verify_password(user.password_hash, current):
            s.add(SignInFailure(username=user.username[:200], address=address[:64], at=now))
            s.commit()
            raise InvalidInput("current password: it is wrong", [FieldProblem("current_password", "it is wrong")])
        _check_password(new, user.username)
        user.password_hash = hash_password(new)
        user.session_version += 1


def set_signup(*, db: Database, mode: str, invitation_code: str | None = None) -> None:
    """Who may sign up: nobody (``closed``, the default), anyone with the invitation code, or anyone."""
    if mode not in SIGNUP_MODES:
        raise InvalidInput(f"sign-up mode: expected one of {', '.join(SIGNUP_MODES)}, got {mode!r}")
    if mode == "invitation" and (not invitation_code or len(invitation_code) < 8):
        raise InvalidInput("invitation code: use at least 8 characters")
    with db.session() as s:
        s.merge(AppSetting(key="signup_mode", value=mode))
        if invitation_code:
            s.merge(AppSetting(key="invitation_digest", value=digest(invitation_code)))


def sign_up(*, db: Database, username: str, password: str, invitation_code: str | None) -> dict[str, Any]:
    """A runner creates their own account, when the admin allows it."""
    with db.session() as s:
        mode = s.get(AppSetting, "signup_mode")
        stored = s.get(AppSetting, "invitation_digest")
        mode_value = mode.value if mode else "closed"
        stored_digest = stored.value if stored else ""
    if mode_value == "closed":
        raise InvalidInput("sign-up is closed here: ask the admin for an account")
    if mode_value == "invitation" and not (
        invitation_code and stored_digest and same_digest(digest(invitation_code), stored_digest)
    ):
        raise InvalidInput(
            "invitation code: it is wrong", [FieldProblem("invitation_code", "not the code the admin gave")]
        )
    return add_user(db=db, username=username, password=password, role="runner")


# --- personal access tokens ----------------------------------------------------------------------------------


def create_token(*, db: Database, user_id: int, name: str, scope: str, now: datetime) -> tuple[dict[str, Any], str]:
    """A new token; the secret is returned once, here, and only its digest is stored."""
    if scope not in ("read", "write"):
        raise InvalidInput(f"scope: expected read or write, got {scope!r}")
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name: give the token a name of 1–200 characters (where it is used)")
    secret = new_secret(TOKEN_PREFIX)
    with db.session() as s:
        token = ApiToken(user_id=user_id, name=name, digest=digest(secret), scope=scope, created_at=now)
        s.add(token)
        s.flush()
        return _token_dict(token), secret


def _token_dict(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "scope": token.scope,
        "created_at": _aware(token.created_at).isoformat(),
        "last_used_at": _aware(token.last_used_at).isoformat() if token.last_used_at else None,
        "revoked": token.revoked_at is not None,
    }


def list_tokens(*, db: Database, user_id: int) -> list[dict[str, Any]]:
    with db.session() as s:
        rows = s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
        return [_token_dict(t) for t in rows]


def revoke_token(*, db: Database, user_id: int, token_id: int, now: datetime) -> None:
    with db.session() as s:
        token = s.get(ApiToken, token_id)
        if token is None or token.user_id != user_id:
            raise NotFound(f"no token {token_id} of yours")
        token.revoked_at = token.revoked_at or now


def principal_for_token(*, db: Database, secret: str, now: datetime) -> Principal:
    """The principal an ``Authorization: Bearer`` token stands for, narrowed to the token's scope."""
    if not secret.startswith(TOKEN_PREFIX):
        raise NotSignedIn("the access token is not valid")
    with db.session() as s:
        token = s.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
        user = s.get(User, token.user_id) if token is not None else None
        if token is None or token.revoked_at is not None or user is None or user.disabled:
            raise NotSignedIn("the access token is not valid (revoked, or its account is disabled)")
        # one write a minute at most: a busy API client must not turn every read into a write
        if token.last_used_at is None or now - _aware(token.last_used_at) > timedelta(minutes=1):
            token.last_used_at = now
        return _principal(user, scope=cast(Scope, token.scope))
