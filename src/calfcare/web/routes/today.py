"""Today: the phase and day, warnings first, each exercise with its picture, dose and cues, sets to tick off, timers,
the walk-run interval list, and the gate to the next phase as a checklist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from calfcare.services.exercise_log import tick_sets
from calfcare.services.pages import today_page
from calfcare.web.deps import DbDep, RunnerDep, TodayDep
from calfcare.web.render import page

router = APIRouter()


@router.get("/today")
def today(request: Request, db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    data = today_page(db=db, runner=runner, day=day)
    return page(request, "today.html", {"title": "Today", "data": data})


@router.post("/today/sets")
def tick(
    request: Request,
    db: DbDep,
    runner: RunnerDep,
    day: TodayDep,
    exercise_id: Annotated[str, Form()],
    sets_done: Annotated[int, Form()],
    sets_planned: Annotated[int, Form()],
) -> Response:
    done = tick_sets(
        db=db, runner=runner, day=day, exercise_id=exercise_id, sets_done=sets_done, sets_planned=sets_planned
    )
    if request.headers.get("hx-request") == "true":
        return page(
            request, "_sets.html", {"item": {"id": exercise_id, "sets": sets_planned}, "done": done["sets_done"]}
        )
    return RedirectResponse(f"/today#ex-{exercise_id}", status_code=303)
