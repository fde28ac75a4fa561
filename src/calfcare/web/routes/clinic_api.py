"""Sharing and the clinician's work in the JSON API (multi-user mode): ``/api/v1/sharing…`` for a runner (a one-time
code, the shares, revoke, the audit log) and ``/api/v1/clinician…`` for a clinician (the runners who share with
them, most urgent first; redeeming a code; each runner's record read-only; notes and the clinician actions).

The same services as the pages (:mod:`calfcare.services.sharing`, :mod:`calfcare.services.clinician`), so the same
rules: a runner who does not share with the clinician is *not found*, a read-scoped token changes nothing, and every
action is in the runner's audit log. The record views are the same page builders as the runner's own API
(``/api/v1/today``, ``/recovery``, ``/training``), so the shapes are the CLI's ``--json`` contract shapes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Path
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from calfcare.clinical.protocol import PHASES
from calfcare.errors import NotFound, PermissionDenied
from calfcare.services import clinician as actions
from calfcare.services import sharing
from calfcare.services.pages import assessment_page, recovery_page, today_page, training_page
from calfcare.services.record_access import runner_name_for
from calfcare.web.deps import CurrentPrincipal, DbDep, NowDep, TodayDep

Doc = dict[str, Any]
RunnerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
View = Literal["today", "triage", "recovery", "training", "audit", "events"]
_NO_STORE = {"Cache-Control": "no-store"}


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, description="The runner's one-time code (dashes optional).")


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=sharing.MAX_NOTE_LENGTH)


class ClearIn(BaseModel):
    date: dt.date | None = Field(None, description="The day the clinician cleared the runner (default today).")
    note: str = Field("", max_length=actions.MAX_TEXT)


class PhaseIn(BaseModel):
    phase: str = Field(min_length=1, max_length=40, description="One of " + ", ".join(PHASES) + ".")
    reason: str = Field(min_length=1, max_length=actions.MAX_TEXT, description="Shown to the runner.")
    date: dt.date | None = Field(None, description="From which day (default today).")


class HoldIn(BaseModel):
    until: dt.date = Field(description="No progress at check-ins before this day.")
    reason: str = Field(min_length=1, max_length=actions.MAX_TEXT, description="Shown to the runner.")


class CeilingsIn(BaseModel):
    """The pain ceilings to override for the runner's current episode (only those given change)."""

    early_ceiling: int | None = None
    later_ceiling: int | None = None
    early_weeks: int | None = None
    symptom_free_max: int | None = None


def add_api(api: FastAPI) -> None:
    """Add the sharing and clinician routes to the JSON API (multi-user mode only)."""

    @api.get("/sharing", summary="The runner's shares with clinicians, current and revoked")
    def api_shares(db: DbDep, principal: CurrentPrincipal) -> Doc:
        return {"shares": sharing.shares_of_runner(db=db, principal=principal)}

    @api.post("/sharing/code", summary="A one-time code for a clinician (valid 7 days, shown once)")
    def api_share_code(db: DbDep, principal: CurrentPrincipal, now: NowDep) -> JSONResponse:
        return JSONResponse(sharing.create_share_code(db=db, principal=principal, now=now), headers=_NO_STORE)

    @api.delete("/sharing/{share_id}", summary="Revoke a share: the clinician sees nothing of the runner from now on")
    def api_revoke_share(
        share_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: DbDep, principal: CurrentPrincipal, now: NowDep
    ) -> Doc:
        sharing.revoke_share(db=db, principal=principal, share_id=share_id, now=now)
        return {"shares": sharing.shares_of_runner(db=db, principal=principal)}

    @api.get("/sharing/audit", summary="Who did what to the runner's record and its sharing, oldest first")
    def api_own_audit(db: DbDep, principal: CurrentPrincipal) -> Doc:
        if principal.runner_id is None:
            raise PermissionDenied("only a runner has a record with an audit log")
        return {"events": sharing.audit_log(db=db, principal=principal, runner_id=principal.runner_id)}

    @api.get("/clinician/runners", summary="The runners who share with this clinician, the most urgent first")
    def api_clinician_runners(db: DbDep, principal: CurrentPrincipal) -> Doc:
        return {"runners": sharing.clinician_runners(db=db, principal=principal)}

    @api.post("/clinician/redeem", summary="Accept a runner's one-time code: from now on the clinician sees them")
    def api_redeem(body: CodeIn, db: DbDep, principal: CurrentPrincipal, now: NowDep) -> Doc:
        return sharing.redeem_share_code(db=db, principal=principal, code=body.code, now=now)

    @api.get("/clinician/runners/{runner_id}/{view}", summary="A runner's record, read-only (as their own API)")
    def api_record(runner_id: RunnerId, view: View, db: DbDep, principal: CurrentPrincipal, day: TodayDep) -> Doc:
        """``today``, ``triage``, ``recovery`` and ``training`` are the runner's own ``/api/v1/today``,
        ``/triage/result``, ``/recovery`` and ``/training``; ``audit`` the runner's audit log; ``events`` the
        clinician actions on their episodes."""
        name = runner_name_for(db=db, principal=principal, runner_id=runner_id)  # not shared with me: 404
        if view == "today":
            return today_page(db=db, runner=name, day=day)
        if view == "triage":
            found = assessment_page(db=db, runner=name)
            if found is None:
                raise NotFound(f"runner {runner_id} has no assessment yet")
            return found
        if view == "recovery":
            return recovery_page(db=db, runner=name)
        if view == "training":
            return training_page(db=db, runner=name, day=day)
        if view == "audit":
            return {"events": sharing.audit_log(db=db, principal=principal, runner_id=runner_id)}
        return {"events": actions.clinician_events(db=db, principal=principal, runner_id=runner_id)}

    @api.post("/clinician/runners/{runner_id}/notes", summary="A note on the runner's record (in their audit log)")
    def api_note(runner_id: RunnerId, body: NoteIn, db: DbDep, principal: CurrentPrincipal, now: NowDep) -> Doc:
        return sharing.add_note(db=db, principal=principal, runner_id=runner_id, text=body.text, now=now)

    @api.post("/clinician/runners/{runner_id}/clear-red-flag", summary="Clear the red flag that stopped the plan")
    def api_clear(runner_id: RunnerId, body: ClearIn, db: DbDep, principal: CurrentPrincipal, day: TodayDep) -> Doc:
        return actions.clear_red_flag(
            db=db, principal=principal, runner_id=runner_id, day=body.date or day, note=body.note
        )

    @api.post("/clinician/runners/{runner_id}/phase", summary="Set the plan's phase, with a reason for the runner")
    def api_phase(runner_id: RunnerId, body: PhaseIn, db: DbDep, principal: CurrentPrincipal, day: TodayDep) -> Doc:
        return actions.set_phase(
            db=db, principal=principal, runner_id=runner_id, phase=body.phase, reason=body.reason, day=body.date or day
        )

    @api.post("/clinician/runners/{runner_id}/hold", summary="Hold the plan at its stage until a day, with a reason")
    def api_hold(runner_id: RunnerId, body: HoldIn, db: DbDep, principal: CurrentPrincipal) -> Doc:
        return actions.hold_phase(db=db, principal=principal, runner_id=runner_id, until=body.until, reason=body.reason)

    @api.put("/clinician/runners/{runner_id}/pain-ceilings", summary="Adjust the runner's pain ceilings")
    def api_ceilings(runner_id: RunnerId, body: CeilingsIn, db: DbDep, principal: CurrentPrincipal) -> Doc:
        ceilings = body.model_dump(exclude_none=True)
        return actions.set_pain_ceilings(db=db, principal=principal, runner_id=runner_id, ceilings=ceilings)
