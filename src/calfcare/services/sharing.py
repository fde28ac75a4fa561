"""Sharing a runner's record with a clinician, the clinician's list of runners, notes, and the audit log.

A runner makes a one-time code (valid 7 days), reads it to their clinician, and can revoke the share at any time;
a clinician who redeems the code sees that runner until then. Every change of sharing and every clinician action
is an :class:`~calfcare.store.models.AuditEvent` the runner can read. A clinician asking for a runner who has not
shared with them gets *not found*, not *forbidden*: the answer must not reveal who else uses the service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.accounts.access import Action, Principal, may
from calfcare.accounts.credentials import digest, new_short_code, normalise_code
from calfcare.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from calfcare.store import Database
from calfcare.store.models import AuditEvent, CheckIn, ClinicianEventRow, Episode, Runner, Share, ShareCode, User

SHARE_CODE_VALID = timedelta(days=7)
MAX_NOTE_LENGTH = 5000
#: the last check-in's decisions that warn the clinician while the plan goes on: "see a clinician" (no progress for
#: 14 days, rest pain rising, a limp after day 14) and a step back
WARNING_DECISIONS = ("refer", "step_back")


def urgency(status: str | None, last_decision: str | None) -> int:
    """Rank of a runner in the clinician's list (lower first): an open red flag (a referred episode), then a plan
    whose last check-in said to see a clinician, then one that stepped back, then other open plans, then closed
    episodes, then runners without an episode."""
    if status == "referred":
        return 0
    if status == "open":
        return 1 + WARNING_DECISIONS.index(last_decision) if last_decision in WARNING_DECISIONS else 3
    return 4 if status == "closed" else 5


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _clinicians_of(s: Session, runner_id: int) -> set[int]:
    return set(s.scalars(select(Share.clinician_id).where(Share.runner_id == runner_id, Share.revoked_at.is_(None))))


def authorise(s: Session, principal: Principal, action: Action, runner_id: int) -> Runner:
    """The runner record, when ``principal`` may take ``action`` on it; NotFound or PermissionDenied otherwise."""
    runner = s.get(Runner, runner_id)
    shared = _clinicians_of(s, runner_id) if runner is not None and principal.role == "clinician" else set()
    if runner is None or not may(principal, "read", runner_id=runner_id, shared_with=shared):
        raise NotFound(f"no runner {runner_id} that you can see")
    if not may(principal, action, runner_id=runner_id, shared_with=shared):
        raise PermissionDenied(f"you may not {action.replace('_', ' ')} for this runner")
    return runner


def _audit(s: Session, *, runner_id: int, actor: Principal, action: str, detail: dict[str, Any], now: datetime) -> None:
    s.add(
        AuditEvent(
            runner_id=runner_id, actor_id=actor.user_id, actor_name=actor.username, action=action, detail=detail, at=now
        )
    )


def create_share_code(*, db: Database, principal: Principal, now: datetime) -> dict[str, Any]:
    """A one-time code for the runner's own record (shown once; stored as a digest)."""
    if principal.role != "runner" or principal.runner_id is None:
        raise PermissionDenied("only a runner can share their own record")
    code = new_short_code()
    with db.session() as s:
        authorise(s, principal, "write", principal.runner_id)
        s.add(
            ShareCode(
                runner_id=principal.runner_id,
                digest=digest(normalise_code(code)),
                created_at=now,
                expires_at=now + SHARE_CODE_VALID,
            )
        )
        _audit(s, runner_id=principal.runner_id, actor=principal, action="share_code_created", detail={}, now=now)
    return {"code": code, "expires_at": (now + SHARE_CODE_VALID).isoformat()}


def redeem_share_code(*, db: Database, principal: Principal, code: str, now: datetime) -> dict[str, Any]:
    """A clinician redeems a runner's code: from now on they see that runner."""
    if principal.role != "clinician" or principal.scope != "write":
        raise PermissionDenied("only a clinician can accept a runner's share code")
    with db.session() as s:
        row = s.scalar(select(ShareCode).where(ShareCode.digest == digest(normalise_code(code))).with_for_update())
        if row is None or row.used_at is not None or _aware(row.expires_at) <= now:
            raise InvalidInput("share code: not valid (mistyped, already used, or older than 7 days)")
        row.used_at = now
        if principal.user_id in _clinicians_of(s, row.runner_id):
            raise Conflict("this runner already shares their record with you")
        share = Share(runner_id=row.runner_id, clinician_id=principal.user_id, created_at=now)
        s.add(share)
        _audit(
            s,
            runner_id=row.runner_id,
            actor=principal,
            action="share_granted",
            detail={"clinician": principal.username},
            now=now,
        )
        s.flush()
        return {"share_id": share.id, "runner_id": row.runner_id}


def shares_of_runner(*, db: Database, principal: Principal) -> list[dict[str, Any]]:
    """The runner's shares, current and revoked, with the clinician's name."""
    if principal.runner_id is None:
        raise PermissionDenied("only a runner has shares")
    with db.session() as s:
        authorise(s, principal, "read", principal.runner_id)
        rows = s.execute(
            select(Share, User.username)
            .join(User, User.id == Share.clinician_id)
            .where(Share.runner_id == principal.runner_id)
            .order_by(Share.id)
        ).all()
        return [
            {
                "id": share.id,
                "clinician": name,
                "since": _aware(share.created_at).isoformat(),
                "revoked_at": _aware(share.revoked_at).isoformat() if share.revoked_at else None,
            }
            for share, name in rows
        ]


def revoke_share(*, db: Database, principal: Principal, share_id: int, now: datetime) -> None:
    """The runner ends a share; the clinician sees nothing of them from the next request on."""
    with db.session() as s:
        share = s.get(Share, share_id)
        if share is None or principal.runner_id != share.runner_id:
            raise NotFound(f"no share {share_id} of yours")
        authorise(s, principal, "write", share.runner_id)
        if share.revoked_at is None:
            share.revoked_at = now
            clinician = s.get(User, share.clinician_id)
            _audit(
                s,
                runner_id=share.runner_id,
                actor=principal,
                action="share_revoked",
                detail={"clinician": clinician.username if clinician else None},
                now=now,
            )


def clinician_runners(*, db: Database, principal: Principal) -> list[dict[str, Any]]:
    """The runners who share with this clinician, the most urgent first (:func:`urgency`: an open red flag, then the
    warnings of the last check-in), then the longest without a check-in; ``warning`` is the last check-in's first
    reason when it warned."""
    if principal.role != "clinician":
        raise PermissionDenied("only a clinician has a list of runners")
    with db.session() as s:
        runner_ids = list(
            s.scalars(
                select(Share.runner_id).where(Share.clinician_id == principal.user_id, Share.revoked_at.is_(None))
            )
        )
        out = []
        for runner_id in sorted(set(runner_ids)):
            runner = s.get(Runner, runner_id)
            if runner is None:
                continue
            episode = s.scalar(
                select(Episode).where(Episode.runner_id == runner_id).order_by(Episode.id.desc()).limit(1)
            )
            last = (
                s.scalar(select(CheckIn).where(CheckIn.episode_id == episode.id).order_by(CheckIn.day.desc()).limit(1))
                if episode
                else None
            )
            state = dict(episode.plan_state or {}) if episode else {}
            status, decision = (episode.status if episode else None), (last.decision if last else None)
            warning = _warning(s, last) if episode is not None and status == "open" else None
            out.append(
                {
                    "runner_id": runner_id,
                    "runner": runner.name,
                    "episode_id": episode.id if episode else None,
                    "status": episode.status if episode else None,
                    "red_flag": bool(episode and episode.status == "referred"),
                    "phase": state.get("phase"),
                    "last_checkin": last.day.isoformat() if last else None,
                    "last_decision": decision,
                    "warning": warning,
                }
            )
    # most urgent first; within a rank, the longest without a check-in (never checked in: first)
    return sorted(
        out,
        key=lambda row: (
            urgency(row["status"], row["last_decision"] if row["warning"] else None),
            row["last_checkin"] or "",
        ),
    )


def _warning(s: Session, last: CheckIn | None) -> str | None:
    """The last check-in's first reason, when it warned (see a clinician, a step back) and no clinician has acted on
    the episode since. A red flag is not a warning here: it stops the plan (a referred episode), and once a clinician
    cleared it the check-in that raised it warns no more."""
    if last is None or last.decision not in WARNING_DECISIONS:
        return None
    result = last.result or {}
    reasons, flags = result.get("reasons"), result.get("red_flags")
    if not isinstance(reasons, list) or not reasons or flags:
        return None
    acted = s.scalar(
        select(ClinicianEventRow.id)
        .where(ClinicianEventRow.episode_id == last.episode_id, ClinicianEventRow.day >= last.day)
        .limit(1)
    )
    return None if acted is not None else str(reasons[0])


def check_control_characters(what: str, text: str) -> None:
    """Refuse control characters other than line breaks and tabs in a text the runner will read (a NUL cannot even
    be stored in PostgreSQL's text), naming the first one and where it is."""
    for at, ch in enumerate(text):
        if (ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127:
            raise InvalidInput(f"{what}: remove the control character U+{ord(ch):04X} at position {at + 1}")


def add_note(*, db: Database, principal: Principal, runner_id: int, text: str, now: datetime) -> dict[str, Any]:
    """A clinician's note on a runner's record (audited; the runner reads it in the audit log)."""
    text = text.strip()
    if not text:
        raise InvalidInput("note: write something")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"note: at most {MAX_NOTE_LENGTH} characters (it has {len(text)})")
    check_control_characters("note", text)
    with db.session() as s:
        authorise(s, principal, "clinician_action", runner_id)
        _audit(s, runner_id=runner_id, actor=principal, action="note", detail={"text": text}, now=now)
    return {"runner_id": runner_id, "note": text, "by": principal.username, "at": now.isoformat()}


def audit_log(*, db: Database, principal: Principal, runner_id: int) -> list[dict[str, Any]]:
    """Everything done to the runner's record and its sharing, oldest first. The runner and the clinicians they
    share with may read it."""
    with db.session() as s:
        authorise(s, principal, "read", runner_id)
        rows = s.scalars(select(AuditEvent).where(AuditEvent.runner_id == runner_id).order_by(AuditEvent.id))
        return [
            {"at": _aware(e.at).isoformat(), "by": e.actor_name, "action": e.action, "detail": e.detail} for e in rows
        ]
