"""One stored check-in: read it back (to edit it) and delete it, the plan replayed without it.

Editing is :func:`calfcare.services.episodes.record_checkin` for the same day (a check-in for a day replaces the one
there); deleting is :func:`calfcare.services.episodes.delete_checkin` (the CLI's ``checkin --delete``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calfcare.errors import StorageError
from calfcare.services.views import find_runner
from calfcare.store import Database
from calfcare.store.models import CheckIn, Episode

__all__ = ["checkin_on", "form_notes", "submit_checkin"]


def _latest_episode(s: Session, runner_id: int) -> Episode | None:
    return s.scalar(select(Episode).where(Episode.runner_id == runner_id).order_by(Episode.id.desc()).limit(1))


def checkin_on(*, db: Database, runner: str, day: date) -> dict[str, Any] | None:
    """The check-in of the runner's latest episode on ``day`` (answers and result), or None."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        ep = _latest_episode(s, runner_row.id) if runner_row is not None else None
        if ep is None:
            return None
        row = s.scalar(select(CheckIn).where(CheckIn.episode_id == ep.id, CheckIn.day == day))
        if row is None:
            return None
        return {"date": day.isoformat(), "answers": dict(row.answers or {}), "result": dict(row.result or {})}


def submit_checkin(
    *,
    db: Database,
    runner: str,
    answers: Any,
    day: date,
    form_token: str,
    replace: bool,
    today_is: date | None = None,
    runs: Mapping[date, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A check-in sent from a form, at most once per form: ``status`` is ``recorded`` (with the check-in contract),
    ``duplicate`` (this form was sent before: nothing new is stored) or ``exists`` (a check-in for ``day`` was stored
    after this form was opened — another tab — and ``replace`` was not asked: nothing is stored).

    ``runs``: the check-ins of earlier days told with this form (how a run logged before running was allowed felt,
    ``today``'s ``ask_about_runs``); every answer is validated before anything is stored, and they are stored
    before the day's own check-in (whose decision then reads them)."""
    from calfcare.services.episodes import record_checkin
    from calfcare.services.replay import checkin_values

    checkin_values(answers)  # raises InvalidAnswers before anything is stored
    for run_answers in (runs or {}).values():
        checkin_values(run_answers)
    from calfcare.services.episodes import CheckinOutcome
    from calfcare.services.web_state import claim_form, finish_form_in, release_form

    earlier = claim_form(db=db, runner=runner, token=form_token, kind="checkin")
    if earlier is not None:
        return {"status": "duplicate", "date": earlier.get("date", day.isoformat()), "notes": earlier.get("notes", [])}

    def finish(s: Session, outcome: CheckinOutcome) -> None:  # stored with the check-in, in its transaction
        finish_form_in(s, token=form_token, result={"date": day.isoformat(), "notes": list(outcome.notes)})

    try:
        if not replace and checkin_on(db=db, runner=runner, day=day) is not None:
            release_form(db=db, token=form_token)
            return {"status": "exists", "date": day.isoformat()}
        for run_day, run_answers in sorted((runs or {}).items()):
            if run_day < day and checkin_on(db=db, runner=runner, day=run_day) is None:
                record_checkin(db=db, runner=runner, answers=run_answers, day=run_day, today_is=today_is)
        try:
            outcome = record_checkin(db=db, runner=runner, answers=answers, day=day, today_is=today_is, also=finish)
        except StorageError as exc:  # another request stored this day's check-in between our read and our write
            if not isinstance(exc.original or exc.__cause__, IntegrityError):
                raise
            if not replace:
                release_form(db=db, token=form_token)
                return {"status": "exists", "date": day.isoformat()}
            outcome = record_checkin(db=db, runner=runner, answers=answers, day=day, today_is=today_is, also=finish)
    except BaseException:
        release_form(db=db, token=form_token)
        raise
    return {"status": "recorded", **outcome.to_contract()}


def form_notes(*, db: Database, form_token: str) -> list[str]:
    """The notes stored with a submitted form (what the check-in changed), for the page shown after it."""
    from calfcare.store.models import FormSubmission

    with db.session() as s:
        row = s.get(FormSubmission, form_token) if form_token and len(form_token) <= 64 else None
        notes = (row.result or {}).get("notes") if row is not None else None
        return [str(n) for n in notes] if isinstance(notes, list) else []
