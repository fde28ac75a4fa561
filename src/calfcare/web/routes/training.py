"""My training: upload files, folders and zips (per-file progress and reasons), the activity list, the weekly load
chart with spikes and injured periods, what changed before the injury, and comeback runs against the plan."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from calfcare.errors import InvalidInput
from calfcare.services.pages import training_page
from calfcare.web.deps import DbDep, RunnerDep, SettingsDep, TodayDep, get_now, get_runner_id
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
            if settings.multi_user:  # held in the database, imported by a worker; the status page polls
                from calfcare.web.queued_uploads import queue_uploads

                runner_id = await run_in_threadpool(get_runner_id, request)
                queued = await queue_uploads(
                    db=db, runner_id=runner_id, files=form.getlist("files"), limits=limits, now=get_now()
                )
                query = [("id", str(u["id"])) for u in queued if "id" in u]
                query += [("refused", f"{u['filename']}: {u['error']}") for u in queued if "error" in u]
                return RedirectResponse(f"/training/uploads?{urlencode(query)}", status_code=303)
            result = await import_uploads(db=db, runner=runner, files=form.getlist("files"), limits=limits)
    except InvalidInput as exc:
        data = await run_in_threadpool(training_page, db=db, runner=runner, day=day)
        ctx = {"title": "My training", "data": data, "upload": None, "error": str(exc)}
        return page(request, "training.html", ctx, 422 if "at most" not in str(exc) else 413)
    data = await run_in_threadpool(training_page, db=db, runner=runner, day=day)
    return page(request, "training.html", {"title": "My training", "data": data, "upload": result, "error": None})


@router.get("/training/activities/{activity_id}/files/{file_id}")
def activity_file(activity_id: int, file_id: int, db: DbDep, runner: RunnerDep) -> Response:
    """One original file of one of the runner's activities, as it was imported (an attachment)."""
    from calfcare.services.activities import original_file

    name, data = original_file(db=db, runner=runner, activity_id=activity_id, file_id=file_id)
    quoted = quote(name, safe="")
    headers = {
        # the name as it was, for browsers that read RFC 6266's filename*; an ASCII stand-in for the others
        "Content-Disposition": f"attachment; filename=\"{_ascii_name(name)}\"; filename*=UTF-8''{quoted}",
        "Cache-Control": "no-store",
    }
    return Response(data, media_type="application/octet-stream", headers=headers)


def _ascii_name(name: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name) or "activity"


@router.get("/training/uploads")
def uploads(request: Request, db: DbDep, runner: RunnerDep, settings: SettingsDep) -> Response:
    """Multi-user mode: the status of the runner's queued uploads (the page reloads itself until all are done)."""
    from calfcare.services.uploads import upload_status

    runner_id = get_runner_id(request)
    ids = [int(v) for v in request.query_params.getlist("id") if v.isdigit()][:500]
    rows = [upload_status(db=db, runner_id=runner_id, upload_id=i) for i in ids]
    refused = request.query_params.getlist("refused")[:500]
    waiting = any(r["status"] in ("queued", "running") for r in rows)
    ctx = {"title": "My uploads", "uploads": rows, "refused": refused, "waiting": waiting}
    return page(request, "uploads.html", ctx)
