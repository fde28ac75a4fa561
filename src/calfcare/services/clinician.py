"""A clinician's actions on the plan of a runner who shares with them: clear a red flag, set or hold the phase, and
change the pain ceilings.

Each function is keyword-only, takes the acting :class:`~calfcare.accounts.access.Principal`, is authorised with
:func:`calfcare.services.sharing.authorise` (``"clinician_action"``: only a clinician the runner shares with, with a
write-scoped session or token), and in one unit of work stores the action as a clinician event of the runner's
current episode, replays the episode's plan with it (:mod:`calfcare.services.replay`) and writes an
:class:`~calfcare.store.models.AuditEvent` the runner reads in their audit log. Bad input stores nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.accounts.access import Principal
from calfcare.clinical.clinician import CEILING_BOUNDS, EventKind, check_phase, pain_rules_with
from calfcare.clinical.progression import PainRules
from calfcare.errors import Conflict, InvalidInput
from calfcare.services.episodes import apply_replay
from calfcare.services.replay import event_of, replay
from calfcare.services.sharing import _audit, authorise, check_control_characters
from calfcare.services.views import active_episode, checkins_of, runs_after_onset, stops_of
from calfcare.store import Database
from calfcare.store.models import ClinicianEventRow, Episode, Runner

__all__ = ["clear_red_flag", "clinician_events", "hold_phase", "set_pain_ceilings", "set_phase"]

MAX_TEXT = 2000
#: how far ahead a hold may reach (a longer hold is a decision to review the runner, not to hold)
MAX_HOLD = timedelta(days=180)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _text(what: str, value: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{what}: say why (it is shown to the runner)")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what}: at most {MAX_TEXT} characters (it has {len(text)})")
    check_control_characters(what, text)
    return text


def _episode(s: Session, runner: Runner) -> Episode:
    ep = active_episode(s, runner.id)
    if ep is None:
        raise Conflict(f"runner {runner.name!r} has no open or referred episode: there is no plan to act on")
    return ep


def _check_day(day: date, ep: Episode, now: datetime, what: str = "day") -> None:
    if day > now.date():
        raise InvalidInput(f"{what}: {day.isoformat()} is in the future (today is {now.date().isoformat()})")
    if day < ep.onset:
        raise InvalidInput(f"{what}: {day.isoformat()} is before the episode's onset ({ep.onset.isoformat()})")


def _runner_name(db: Database, principal: Principal, runner_id: int) -> str:
    with db.session() as s:
        return authorise(s, principal, "clinician_action", runner_id).name


def _act(
    *,
    db: Database,
    principal: Principal,
    runner_id: int,
    kind: EventKind,
    day: date | None,
    values: dict[str, Any],
    now: datetime,
    check: Any = None,
) -> dict[str, Any]:
    """Authorise, store the event, replay the plan and audit, in one unit of work serialised with the runner's other
    writes (:meth:`~calfcare.store.Database.runner_session`, as a check-in): a check-in committed meanwhile is in
    this replay, and this event in the next; the outcome as a dict."""
    name = _runner_name(db, principal, runner_id)
    runs = runs_after_onset(db=db, runner=name)
    with db.runner_session(name, create=False) as (s, _):
        runner = authorise(s, principal, "clinician_action", runner_id)
        ep = _episode(s, runner)
        on = day if day is not None else now.date()
        _check_day(on, ep, now)
        if check is not None:
            check(s, ep, on)
        row = ClinicianEventRow(
            episode_id=ep.id,
            runner_id=runner_id,
            clinician_id=principal.user_id,
            clinician_name=principal.username,
            kind=kind,
            day=on,
            values=values,
            at=now,
        )
        s.add(row)
        s.flush()
        done = replay(ep, checkins_of(s, ep.id), stops_of(s, ep.id), runs)
        apply_replay(ep, done)
        detail = {"episode_id": ep.id, "day": on.isoformat(), **values}
        _audit(s, runner_id=runner_id, actor=principal, action=_AUDIT[kind], detail=detail, now=now)
        s.flush()
        state = ep.plan_state or {}
        return {
            "runner_id": runner_id,
            "episode_id": ep.id,
            "event": event_of(row).to_dict(),
            "status": ep.status,
            "phase": state.get("phase"),
            "stage": state.get("stage"),
        }


_AUDIT: dict[EventKind, str] = {
    "clear_red_flag": "red_flag_cleared",
    "set_phase": "phase_set",
    "hold_phase": "phase_held",
    "pain_ceilings": "pain_ceilings_set",
}


def clear_red_flag(
    *, db: Database, principal: Principal, runner_id: int, day: date, note: str, now: datetime | None = None
) -> dict[str, Any]:
    """The clinician has seen the runner and clears the red flag that stopped the plan: the referred episode resumes
    from ``day`` at the stage it stopped at, recorded as cleared by this clinician (who and when)."""
    at = _now(now)
    text = _text("note", note, required=False)

    def referred(s: Session, ep: Episode, on: date) -> None:
        if ep.status != "referred":
            raise Conflict(f"episode {ep.id} is {ep.status}: there is no red flag to clear")
        since = (ep.context or {}).get("referral")
        flagged = str(since.get("date")) if isinstance(since, dict) and since.get("date") else None
        if flagged is not None and on.isoformat() < flagged:
            raise InvalidInput(f"day: {on.isoformat()} is before the red flag of {flagged}")

    return _act(
        db=db,
        principal=principal,
        runner_id=runner_id,
        kind="clear_red_flag",
        day=day,
        values={"note": text} if text else {},
        now=at,
        check=referred,
    )


def set_phase(
    *,
    db: Database,
    principal: Principal,
    runner_id: int,
    phase: str,
    reason: str,
    day: date,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Put the runner's plan in ``phase`` (its first stage) from ``day`` on, with a reason the runner reads. A
    stopped plan stays stopped (clear the red flag for that)."""
    try:
        checked = check_phase(phase)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    why = _text("reason", reason, required=True)
    values = {"phase": checked, "reason": why}
    return _act(
        db=db, principal=principal, runner_id=runner_id, kind="set_phase", day=day, values=values, now=_now(now)
    )


def hold_phase(
    *, db: Database, principal: Principal, runner_id: int, until: date, reason: str, now: datetime | None = None
) -> dict[str, Any]:
    """Hold the plan at the stage it is at: no progress at check-ins before ``until`` (a later day, at most
    :data:`MAX_HOLD` ahead). Step-backs and referrals still happen; a later set_phase ends the hold."""
    at = _now(now)
    why = _text("reason", reason, required=True)
    if until <= at.date():
        raise InvalidInput(f"until: {until.isoformat()} must be after today ({at.date().isoformat()})")
    if until > at.date() + MAX_HOLD:
        raise InvalidInput(f"until: at most {MAX_HOLD.days} days ahead ({(at.date() + MAX_HOLD).isoformat()})")
    values = {"until": until.isoformat(), "reason": why}
    return _act(db=db, principal=principal, runner_id=runner_id, kind="hold_phase", day=None, values=values, now=at)


def set_pain_ceilings(
    *,
    db: Database,
    principal: Principal,
    runner_id: int,
    ceilings: Mapping[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Override the protocol's pain ceilings for the runner's current episode (keys of
    :data:`~calfcare.clinical.clinician.CEILING_BOUNDS`, each a whole number within its bounds); the plan is
    replayed with them (they hold for the whole episode)."""
    at = _now(now)
    given = dict(ceilings)

    def merge(s: Session, ep: Episode, on: date) -> None:
        context = dict(ep.context or {})
        old = context.get("pain_ceilings")
        merged = {**(old if isinstance(old, dict) else {}), **given}
        try:
            pain_rules_with(PainRules.from_protocol(), merged)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        context["pain_ceilings"] = merged
        ep.context = context

    if not given or set(given) - set(CEILING_BOUNDS):
        try:
            pain_rules_with(PainRules.from_protocol(), given)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    return _act(
        db=db,
        principal=principal,
        runner_id=runner_id,
        kind="pain_ceilings",
        day=None,
        values=given,
        now=at,
        check=merge,
    )


def clinician_events(*, db: Database, principal: Principal, runner_id: int) -> list[dict[str, Any]]:
    """The clinician actions on the runner's episodes, oldest first (the runner and the clinicians they share with)."""
    with db.session() as s:
        authorise(s, principal, "read", runner_id)
        rows = s.scalars(
            select(ClinicianEventRow)
            .where(ClinicianEventRow.runner_id == runner_id)
            .order_by(ClinicianEventRow.day, ClinicianEventRow.id)
        )
        return [{"episode_id": r.episode_id, **event_of(r).to_dict()} for r in rows]
