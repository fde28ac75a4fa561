"""My recovery: the pain and heel-raise trends with phases shaded, every check-in with its decision, and editing or
deleting one (the plan is replayed)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from calfcare.services.checkins import checkin_on
from calfcare.services.episodes import delete_checkin
from calfcare.services.pages import recovery_page, today_page
from calfcare.web.deps import DbDep, FormDep, RunnerDep, TodayDep
from calfcare.web.render import page
from calfcare.web.routes.checkin import form_context, handle_post, stored_values

router = APIRouter()


@router.get("/recovery")
def recovery(request: Request, db: DbDep, runner: RunnerDep, deleted: str = "") -> Response:
    data = recovery_page(db=db, runner=runner)
    return page(request, "recovery.html", {"title": "My recovery", "data": data, "deleted": deleted})


@router.get("/recovery/{day}/edit")
def edit_form(request: Request, day: date, db: DbDep, runner: RunnerDep, today: TodayDep) -> Response:
    existing = checkin_on(db=db, runner=runner, day=day)
    if existing is None:
        return page(request, "404.html", {"title": "No such check-in"}, 404)
    plan = today_page(db=db, runner=runner, day=day)
    ctx = form_context(plan=plan, day=day, values=stored_values(existing), errors={}, existing=existing, editing=True)
    return page(request, "checkin.html", ctx)


@router.post("/recovery/{day}/edit")
def edit_post(request: Request, day: date, form: FormDep, db: DbDep, runner: RunnerDep, today: TodayDep) -> Response:
    return handle_post(request, form, db, runner, day, today, editing=True)


@router.post("/recovery/{day}/delete")
def delete(day: date, db: DbDep, runner: RunnerDep) -> Response:
    delete_checkin(db=db, runner=runner, day=day)
    return RedirectResponse(f"/recovery?deleted={day.isoformat()}", status_code=303)
