"""My training: upload files, folders and zips (per-file progress and reasons), the activity list, the weekly load
chart with spikes and injured periods, what changed before the injury, and comeback runs against the plan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from calfcare.errors import InvalidInput
from calfcare.services.pages import training_page
from calfcare.web.deps import DbDep, RunnerDep, SettingsDep, TodayDep
from calfcare.web.render import page
from calfcare.web.uploads import Limits, check_request_size, import_uploads

router = APIRouter()


@router.get("/training")
def training(request: Request, db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    data = training_page(db=db, runner=runner, day=day)
    return page(request, "training.html", {"title": "My training", "data": data, "upload": None, "error": None})


@router.post("/training/upload")
async def upload(request: Request, db: DbDep, runner: RunnerDep, day: TodayDep, settings: SettingsDep) -> Response:
    limits = Limits(settings.max_upload_bytes, settings.max_upload_files)
    try:
        check_request_size(request.headers.get("content-length"), limits)
        async with request.form(max_files=limits.max_files + 1) as form:  # closes the spooled files
            result = await import_uploads(db=db, runner=runner, files=form.getlist("files"), limits=limits)
    except InvalidInput as exc:
        data = await run_in_threadpool(training_page, db=db, runner=runner, day=day)
        ctx = {"title": "My training", "data": data, "upload": None, "error": str(exc)}
        return page(request, "training.html", ctx, 422 if "at most" not in str(exc) else 413)
    data = await run_in_threadpool(training_page, db=db, runner=runner, day=day)
    return page(request, "training.html", {"title": "My training", "data": data, "upload": result, "error": None})
