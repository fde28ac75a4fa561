"""What the web app keeps between requests, in the database (web processes keep nothing in memory, so several can
run behind one PostgreSQL): answer drafts of the triage wizard, the runner's emergency number, one-time sign-in
links for ``serve --lan`` and the one-time tokens that stop a form being submitted twice."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calfcare.errors import FieldProblem, InvalidInput, StorageError
from calfcare.services.views import find_runner
from calfcare.store import Database
from calfcare.store.models import AnswersDraft, FormSubmission, RunnerPrefs, SigninToken

__all__ = [
    "DEFAULT_EMERGENCY_NUMBER",
    "claim_form",
    "clear_draft",
    "draft_answers",
    "finish_form",
    "finish_form_in",
    "issue_signin_token",
    "preferences",
    "redeem_signin_token",
    "release_form",
    "save_draft",
    "set_preferences",
    "submit_triage",
]

DEFAULT_EMERGENCY_NUMBER = "112"
_NUMBER = re.compile(r"^[0-9]{2,6}$")


# --- drafts -------------------------------------------------------------------------------------------------------


def draft_answers(*, db: Database, runner: str, kind: str) -> dict[str, Any]:
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return {}
        row = s.scalar(select(AnswersDraft).where(AnswersDraft.runner_id == runner_row.id, AnswersDraft.kind == kind))
        return dict(row.answers or {}) if row is not None else {}


def save_draft(*, db: Database, runner: str, kind: str, answers: dict[str, Any]) -> None:
    with db.session() as s:
        runner_row = find_runner(s, runner, create=True)
        assert runner_row is not None
        row = s.scalar(select(AnswersDraft).where(AnswersDraft.runner_id == runner_row.id, AnswersDraft.kind == kind))
        if row is None:
            s.add(AnswersDraft(runner_id=runner_row.id, kind=kind, answers=dict(answers), updated_at=_now()))
        else:
            row.answers, row.updated_at = dict(answers), _now()


def clear_draft(*, db: Database, runner: str, kind: str) -> None:
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is not None:
            s.execute(delete(AnswersDraft).where(AnswersDraft.runner_id == runner_row.id, AnswersDraft.kind == kind))


# --- preferences --------------------------------------------------------------------------------------------------


def preferences(*, db: Database, runner: str) -> dict[str, Any]:
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        row = s.get(RunnerPrefs, runner_row.id) if runner_row is not None else None
        return {"emergency_number": row.emergency_number if row is not None else DEFAULT_EMERGENCY_NUMBER}


def set_preferences(*, db: Database, runner: str, emergency_number: str) -> dict[str, Any]:
    number = emergency_number.strip()
    if not _NUMBER.match(number):
        raise InvalidInput(
            "the settings were not saved",
            [FieldProblem("emergency_number", f"expected 2 to 6 digits, such as 112, 911, 999 or 000; got {number!r}")],
        )
    with db.session() as s:
        runner_row = find_runner(s, runner, create=True)
        assert runner_row is not None
        row = s.get(RunnerPrefs, runner_row.id)
        if row is None:
            s.add(RunnerPrefs(runner_id=runner_row.id, emergency_number=number))
        else:
            row.emergency_number = number
    return {"emergency_number": number}


# --- one-time sign-in links ---------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def issue_signin_token(*, db: Database, valid_for: timedelta = timedelta(minutes=15)) -> str:
    """A new one-time sign-in token (only its hash is stored)."""
    token = secrets.token_urlsafe(24)
    with db.session() as s:
        s.add(SigninToken(token_sha256=_hash(token), expires_at=_now() + valid_for))
    return token


def redeem_signin_token(*, db: Database, token: str) -> bool:
    """Spend a sign-in token: True once for a valid, unexpired token; False for anything else."""
    if not token or len(token) > 200:
        return False
    with db.session() as s:
        row = s.scalar(select(SigninToken).where(SigninToken.token_sha256 == _hash(token)).with_for_update())
        if row is None or row.used_at is not None:
            return False
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires < _now():
            return False
        row.used_at = _now()
        return True


# --- form tokens (no double submit) -------------------------------------------------------------------------------


def claim_form(*, db: Database, runner: str, token: str, kind: str) -> dict[str, Any] | None:
    """Claim a form's one-time token. None when this is the first submission (go ahead); else what the first
    submission stored (``{}`` while it is still being handled)."""
    if not token or len(token) > 64:
        raise InvalidInput("the form is missing its one-time token: reload the page and submit again")
    try:
        with db.session() as s:
            runner_row = find_runner(s, runner, create=True)
            assert runner_row is not None
            s.add(FormSubmission(token=token, runner_id=runner_row.id, kind=kind, result={}))
        return None
    except StorageError as exc:
        if not isinstance(exc.original or exc.__cause__, IntegrityError):
            raise
        with db.session() as s:  # the token is taken: a double submit
            row = s.get(FormSubmission, token)
            if row is None:  # pragma: no cover - the first one failed and released it meanwhile
                raise
            return dict(row.result or {})


def finish_form(*, db: Database, token: str, result: dict[str, Any]) -> None:
    with db.session() as s:
        finish_form_in(s, token=token, result=result)


def finish_form_in(s: Session, *, token: str, result: dict[str, Any]) -> None:
    """:func:`finish_form` in the caller's unit of work (stored with what the form wrote, or not at all)."""
    row = s.get(FormSubmission, token)
    if row is not None:
        row.result = result


def release_form(*, db: Database, token: str) -> None:
    """Give the token back (the submission was refused, so the runner may correct the form and send it again)."""
    with db.session() as s:
        s.execute(delete(FormSubmission).where(FormSubmission.token == token))


def submit_triage(*, db: Database, runner: str, answers: dict[str, Any], day: Any) -> dict[str, Any]:
    """The wizard's last step: assess the answers (``calfcare assess``), then drop the draft. Returns the contract."""
    from calfcare.services.episodes import assess

    outcome = assess(db=db, runner=runner, answers=answers, day=day)
    clear_draft(db=db, runner=runner, kind="triage")
    return outcome.to_contract()
