"""The daily check-in: the questions that matter today as sliders and toggles, the safety screen as one question,
the decision at once with its reasons (a red flag takes over the screen). A form carries a one-time token, so a
double submit stores nothing twice, and a check-in saved meanwhile in another tab is not silently replaced."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from calfcare.errors import FieldProblem, InvalidInput
from calfcare.services.checkins import checkin_on, form_notes, submit_checkin
from calfcare.services.episodes import runs_to_ask_about
from calfcare.services.pages import plan_context, today_page
from calfcare.web import checkin_form as cf
from calfcare.web.deps import DbDep, FormDep, RunnerDep, TodayDep
from calfcare.web.render import new_token, page

router = APIRouter()


def form_context(
    *,
    plan: dict[str, Any],
    day: date,
    values: dict[str, Any],
    errors: dict[str, str],
    existing: dict[str, Any] | None,
    editing: bool,
    notice: str | None = None,
    awaiting: bool = False,
) -> dict[str, Any]:
    episode = plan.get("episode") or {}
    phase = plan.get("phase") or episode.get("phase")
    return {
        "title": f"Edit the check-in of {day.isoformat()}" if editing else "Check-in",
        "plan": plan,
        "day": day,
        "fields": cf.fields_for(_phase(phase, editing), plan.get("status"), awaiting_clearance=awaiting),
        "runs": [] if editing else cf.run_fields(list(plan.get("ask_about_runs") or []), day),
        "signs": cf.screen_signs(),
        "clot_choices": cf.CLOT_CHOICES,
        "sessions": cf.SESSIONS_WORDS,
        "session_kinds": cf.SESSION_KIND_WORDS,
        "values": values,
        "errors": errors,
        "token": new_token(),
        "replace": editing or existing is not None,
        "existing": existing,
        "editing": editing,
        "notice": notice,
        "action": f"/recovery/{day.isoformat()}/edit" if editing else "/checkin",
    }


def _phase(phase: str | None, editing: bool) -> str | None:
    """Editing an earlier day shows every question, so no answer of that day is lost to a later phase."""
    return "full_training" if editing else phase


def _errors(problems: list[FieldProblem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        out.setdefault(p.where.split("[")[0], p.problem)
    return out


def stored_values(existing: dict[str, Any] | None) -> dict[str, Any]:
    """A stored check-in's answers as the form shows them: whole numbers without ".0", and the safety question
    answered as it was (no when every sign was no, yes when one was yes)."""
    if not existing:
        return {}
    values = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in existing["answers"].items()}
    signs = [values.get(k) for k in cf.screen_keys() if k != "clot_risk_factors"]
    if any(s is True for s in signs) or values.get("clot_risk_factors"):
        values["screen"] = "yes"
    elif signs and all(s is False for s in signs):
        values["screen"] = "no"
    return values


@router.get("/checkin")
def checkin_form(request: Request, db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    plan = today_page(db=db, runner=runner, day=day)
    existing = checkin_on(db=db, runner=runner, day=day)
    awaiting = bool(plan_context(db=db, runner=runner).get("awaiting_clearance"))
    ctx = form_context(
        plan=plan,
        day=day,
        values=stored_values(existing),
        errors={},
        existing=existing,
        editing=False,
        awaiting=awaiting,
    )
    return page(request, "checkin.html", ctx)


def handle_post(
    request: Request, form: FormData, db: Any, runner: str, day: date, today: date, *, editing: bool
) -> Response:
    context = plan_context(db=db, runner=runner)  # one query: which questions the form asked
    awaiting = bool(context.get("awaiting_clearance"))
    fields = cf.fields_for(_phase(context.get("phase"), editing), context.get("status"), awaiting_clearance=awaiting)
    answers, problems = cf.parse_checkin_form(form, form.getlist, fields)
    token = str(form.get("form_token") or "")
    replace = form.get("replace") == "yes"
    values = {**answers, **{k: v for k, v in form.items() if isinstance(v, str)}}
    runs = {}
    if not editing and any(k.startswith("run-") for k in form):  # how runs before running was allowed felt
        runs = cf.parse_run_answers(form, runs_to_ask_about(db=db, runner=runner, day=day), day)
    if not problems:
        try:
            done = submit_checkin(
                db=db,
                runner=runner,
                answers=answers,
                day=day,
                form_token=token,
                replace=replace,
                today_is=today,
                runs=runs,
            )
        except InvalidInput as exc:
            problems = exc.problems or [FieldProblem("form", str(exc))]
        else:
            if done["status"] == "exists":
                plan = today_page(db=db, runner=runner, day=day)
                existing = checkin_on(db=db, runner=runner, day=day)
                notice = (
                    "A check-in for this day was saved meanwhile (in another tab?). It is shown below; nothing was "
                    "replaced. Send this form again to replace it."
                )
                ctx = form_context(plan=plan, day=day, values=values, errors={}, existing=existing, editing=editing,
                                   notice=notice, awaiting=awaiting)  # fmt: skip
                return page(request, "checkin.html", ctx, 409)
            return RedirectResponse(f"/checkin/result?date={done['date']}&form={token}", status_code=303)
    plan = today_page(db=db, runner=runner, day=day)
    ctx = form_context(
        plan=plan, day=day, values=values, errors=_errors(problems), existing=None, editing=editing, awaiting=awaiting
    )
    ctx["replace"] = replace
    return page(request, "checkin.html", ctx, 422)


@router.post("/checkin")
def checkin_post(request: Request, form: FormDep, db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    return handle_post(request, form, db, runner, day, day, editing=False)


@router.get("/checkin/result")
def checkin_result(
    request: Request, db: DbDep, runner: RunnerDep, day: TodayDep, date: dt.date, form: str = ""
) -> Response:
    found = checkin_on(db=db, runner=runner, day=date)
    if found is None:
        return RedirectResponse("/checkin", status_code=303)
    plan = today_page(db=db, runner=runner, day=day)
    ctx = {"title": "Your check-in", "data": found, "plan": plan, "notes": form_notes(db=db, form_token=form)}
    return page(request, "checkin_result.html", ctx)
