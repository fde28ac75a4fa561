"""The clinician's pages (multi-user mode): the runners who shared with me, most urgent first; redeeming a runner's
one-time code; each runner's record read-only (today, the latest triage, recovery, training, audit log) built by the
same page builders as the runner's own pages; notes; and the clinician actions (clear a red flag, set or hold the phase,
pain ceilings) of :mod:`calfcare.services.clinician` — offered only when that module is installed."""

from __future__ import annotations

import importlib
import importlib.util
from datetime import date
from types import ModuleType
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from calfcare.errors import Conflict, InvalidInput, PermissionDenied
from calfcare.services import sharing
from calfcare.services.pages import assessment_page, recovery_page, today_page, training_page
from calfcare.services.record_access import runner_name_for
from calfcare.web.deps import CurrentPrincipal, DbDep, FormDep, NowDep, TodayDep
from calfcare.web.render import PHASES, page

router = APIRouter()
VIEWS = ("today", "triage", "recovery", "training", "audit")
CEILING_KEYS = ("early_ceiling", "later_ceiling", "early_weeks", "symptom_free_max")


def clinician_actions() -> ModuleType | None:
    """The clinician actions' service, when it is installed (built in parallel; the pages work without it)."""
    if importlib.util.find_spec("calfcare.services.clinician") is None:
        return None
    return importlib.import_module("calfcare.services.clinician")


def _only_clinician(principal: CurrentPrincipal) -> None:
    if principal.role != "clinician":
        raise PermissionDenied("only a clinician has a list of runners")


@router.get("/clinician")
def runners(request: Request, db: DbDep, principal: CurrentPrincipal, error: str | None = None) -> Response:
    _only_clinician(principal)
    rows = sharing.clinician_runners(db=db, principal=principal)
    return page(request, "clinician.html", {"title": "My runners", "runners": rows, "error": error, "code": ""})


@router.get("/clinician/redeem", name="redeem_form")
def redeem_form(request: Request, db: DbDep, principal: CurrentPrincipal, code: str = "") -> Response:
    _only_clinician(principal)
    rows = sharing.clinician_runners(db=db, principal=principal)
    return page(request, "clinician.html", {"title": "My runners", "runners": rows, "error": None, "code": code[:40]})


@router.post("/clinician/redeem")
def redeem(
    request: Request,
    db: DbDep,
    principal: CurrentPrincipal,
    now: NowDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        shared = sharing.redeem_share_code(db=db, principal=principal, code=code, now=now)
    except (InvalidInput, Conflict) as exc:
        rows = sharing.clinician_runners(db=db, principal=principal) if principal.role == "clinician" else []
        ctx = {"title": "My runners", "runners": rows, "error": str(exc), "code": code}
        return page(request, "clinician.html", ctx, exc.http_status)
    return RedirectResponse(f"/clinician/runners/{shared['runner_id']}", status_code=303)


def _record(db: DbDep, principal: CurrentPrincipal, runner_id: int, view: str, day: date) -> dict[str, Any]:
    name = runner_name_for(db=db, principal=principal, runner_id=runner_id)  # not shared with me: 404
    if view == "today":
        return {"name": name, "data": today_page(db=db, runner=name, day=day)}
    if view == "triage":
        return {"name": name, "data": assessment_page(db=db, runner=name) or {}}
    if view == "recovery":
        return {"name": name, "data": recovery_page(db=db, runner=name)}
    if view == "training":
        return {"name": name, "data": training_page(db=db, runner=name, day=day)}
    return {"name": name, "data": {"events": sharing.audit_log(db=db, principal=principal, runner_id=runner_id)}}


@router.get("/clinician/runners/{runner_id}")
@router.get("/clinician/runners/{runner_id}/{view}")
def record(
    request: Request,
    runner_id: int,
    db: DbDep,
    principal: CurrentPrincipal,
    day: TodayDep,
    view: str = "today",
    done: str = "",
) -> Response:
    _only_clinician(principal)
    if view not in VIEWS:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    found = _record(db, principal, runner_id, view, day)
    ctx = {
        "title": f"{found['name']} — {view}",
        "runner_id": runner_id,
        "runner": found["name"],
        "view": view,
        "views": VIEWS,
        "data": found["data"],
        "actions": clinician_actions() is not None,
        "phases": PHASES,
        "day": day.isoformat(),
        "done": done,
        "errors": {},
        "error": None,
    }
    return page(request, "clinician_runner.html", ctx)


@router.post("/clinician/runners/{runner_id}/note")
def note(
    runner_id: int,
    db: DbDep,
    principal: CurrentPrincipal,
    now: NowDep,
    text: Annotated[str, Form(max_length=6000)] = "",
) -> Response:
    sharing.add_note(db=db, principal=principal, runner_id=runner_id, text=text, now=now)
    return RedirectResponse(f"/clinician/runners/{runner_id}/audit?done=note", status_code=303)


@router.post("/clinician/runners/{runner_id}/actions/{action}")
def act(
    request: Request, runner_id: int, action: str, form: FormDep, db: DbDep, principal: CurrentPrincipal, day: TodayDep
) -> Response:
    """One clinician action (each is audited by the service): ``clear-red-flag``, ``set-phase``, ``hold-phase``,
    ``pain-ceilings``."""
    service = clinician_actions()
    if service is None:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    common: dict[str, Any] = {"db": db, "principal": principal, "runner_id": runner_id}
    try:
        if action == "clear-red-flag":
            service.clear_red_flag(**common, day=day, note=values.get("note", ""))
        elif action == "set-phase":
            service.set_phase(**common, phase=values.get("phase", ""), reason=values.get("reason", ""), day=day)
        elif action == "hold-phase":
            service.hold_phase(**common, until=_date(values.get("until", ""), "until"), reason=values.get("reason", ""))
        elif action == "pain-ceilings":
            ceilings = {k: _int(values[k], k) for k in CEILING_KEYS if values.get(k)}
            service.set_pain_ceilings(**common, ceilings=ceilings)
        else:
            return page(request, "404.html", {"title": "Page not found"}, 404)
    except (InvalidInput, Conflict) as exc:
        found = _record(db, principal, runner_id, "today", day)
        problems = {p.where: p.problem for p in getattr(exc, "problems", [])}
        ctx = {"title": f"{found['name']} — today", "runner_id": runner_id, "runner": found["name"], "view": "today",
               "views": VIEWS, "data": found["data"], "actions": True, "phases": PHASES, "day": day.isoformat(),
               "done": "", "errors": problems, "error": str(exc)}  # fmt: skip
        return page(request, "clinician_runner.html", ctx, exc.http_status)
    return RedirectResponse(f"/clinician/runners/{runner_id}/audit?done={action}", status_code=303)


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected a date (YYYY-MM-DD), got {value[:20]!r}") from None


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field}: expected a whole number, got {value[:20]!r}") from None
