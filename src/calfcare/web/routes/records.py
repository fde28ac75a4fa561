"""The records a runner owns (issue #12, web side): the clinician's PDF report, the FHIR bundle and the full backup
as downloads; a private calendar subscription (a token shown once, only its hash stored, revocable) whose feed
``/calendar/{token}.ics`` calendar apps poll without a sign-in; and "delete my data" after typing the runner's name.

Every route is thin: parse, one service call (:mod:`calfcare.services.exports`, :mod:`calfcare.services.runners`),
render. Cross-site posts are refused by :mod:`calfcare.web.security` before they reach a route here."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from calfcare.accounts.access import may
from calfcare.errors import FieldProblem, InvalidInput, NotFound, PermissionDenied
from calfcare.services.exports import (
    create_calendar_token,
    fhir_for_runner,
    ical_for_token,
    report_pdf,
    revoke_calendar_token,
)
from calfcare.services.runners import delete_runner, runner_rows, write_backup_file
from calfcare.web.deps import CurrentPrincipal, DbDep, RunnerDep, TodayDep
from calfcare.web.render import page

router = APIRouter()
#: the feed's path; web/security.py lets a GET of exactly this shape through in --lan mode without a session
FEED_PATH = "/calendar/{token}.ics"
#: what the downloads are called and served as
DOWNLOADS = {
    "report": ("application/pdf", "calfcare-report-{day}.pdf"),
    "fhir": ("application/fhir+json; fhirVersion=4.0", "calfcare-fhir-{day}.json"),  # FHIR R4 http.html
    "backup": ("application/zip", "calfcare-backup-{day}.zip"),
}
#: the tables in the runner's words (a table not named here is shown by its name)
TABLE_WORDS = {
    "runners": "your name in calfcare",
    "episodes": "injury episodes",
    "assessments": "assessments (triage answers)",
    "checkins": "daily check-ins",
    "plans": "plans",
    "activities": "imported runs and walks",
    "activity_streams": "the recorded tracks of those runs",
    "original_files": "your activity files, as you imported them",
    "activity_originals": "which run came from which file",
    "exercise_sets": "ticked exercise sets",
    "calendar_tokens": "calendar links",
}


def _download(kind: str, data: bytes, day: date) -> Response:
    media, name = DOWNLOADS[kind]
    headers = {
        "Content-Disposition": f'attachment; filename="{name.format(day=day.isoformat())}"',
        "Cache-Control": "no-store",
    }
    return Response(data, media_type=media, headers=headers)


def stored_rows(db: Any, runner: str) -> dict[str, int]:
    """How many rows of ``runner`` each table holds; nothing when the runner has not been stored yet."""
    try:
        return {name: n for name, n in runner_rows(db=db, runner=runner).items() if n}
    except NotFound:
        return {}


def _listing(rows: dict[str, int]) -> list[tuple[str, int]]:
    return [(TABLE_WORDS.get(name, name.replace("_", " ")), n) for name, n in rows.items()]


def feed_urls(request: Request, token: str) -> dict[str, str]:
    """The subscription URL in its two forms: ``webcal://`` (opens a calendar app) and the web address itself
    (``https://`` when the app is served over HTTPS, as behind a proxy; otherwise as it is served)."""
    web = str(request.url_for("calendar_feed", token=token))
    return {"webcal": "webcal://" + web.split("://", 1)[1], "web": web}


@router.get("/records")
def records_page(request: Request, db: DbDep, runner: RunnerDep, revoked: int | None = None) -> Response:
    rows = stored_rows(db, runner)
    ctx = {"title": "My records", "rows": _listing(rows), "has_data": bool(rows), "revoked": revoked}
    return page(request, "records.html", ctx)


@router.get("/records/report.pdf")
def report_download(db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    return _download("report", report_pdf(db=db, runner=runner, day=day), day)


@router.get("/records/fhir.json")
def fhir_download(db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    return _download("fhir", fhir_for_runner(db=db, runner=runner, day=day), day)


def _backup_download(db: Any, runner: str | None, day: date, name: str) -> Response:
    """The backup zip, written into an anonymous temporary file (years of activity files are never held in memory;
    nothing is left on disk, even when the download is cut short) and streamed from it."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by the response's iterator when it is sent
    try:
        write_backup_file(db=db, runner=runner, out=spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 20):
                yield block

    headers = {
        "Content-Disposition": f'attachment; filename="{name.format(day=day.isoformat())}"',
        "Content-Length": str(size),
        "Cache-Control": "no-store",
    }
    return StreamingResponse(chunks(), media_type=DOWNLOADS["backup"][0], headers=headers)


@router.get("/records/backup.zip")
def backup_download(db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    return _backup_download(db, runner, day, DOWNLOADS["backup"][1])


@router.get("/admin/backup.zip")
def admin_backup_download(db: DbDep, principal: CurrentPrincipal, day: TodayDep) -> Response:
    """Every runner's backup in one zip (``calfcare export all --all-runners``), for an admin only."""
    if not may(principal, "manage_accounts", runner_id=None):
        raise PermissionDenied("only an admin downloads the backup of every runner")
    return _backup_download(db, None, day, "calfcare-backup-all-runners-{day}.zip")


@router.post("/records/calendar")
def calendar_create(request: Request, db: DbDep, runner: RunnerDep) -> Response:
    """A new subscription link, shown on this page only (not in a URL or a redirect: it cannot be shown again)."""
    token = create_calendar_token(db=db, runner=runner)
    ctx = {"title": "Your calendar link", "urls": feed_urls(request, token)}
    response = page(request, "records_calendar.html", ctx)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/records/calendar/revoke")
def calendar_revoke(db: DbDep, runner: RunnerDep) -> Response:
    revoked = revoke_calendar_token(db=db, runner=runner)
    return RedirectResponse(f"/records?revoked={revoked}", status_code=303)


@router.api_route(FEED_PATH, methods=["GET", "HEAD"], name="calendar_feed")
def calendar_feed(token: str, db: DbDep, day: TodayDep) -> Response:
    """The feed calendar apps poll: no sign-in, the token is the key. Unknown and revoked tokens get the same bare
    404 (no page, no detail), so whether a link ever existed is not disclosed."""
    try:
        data = ical_for_token(db=db, token=token, day=day)
    except NotFound:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    headers = {"Content-Disposition": 'inline; filename="calfcare.ics"', "Cache-Control": "private, no-cache"}
    return Response(data, media_type="text/calendar", headers=headers)


def _delete_ctx(rows: dict[str, int], runner: str, error: str | None) -> dict[str, Any]:
    return {"title": "Delete my data", "rows": _listing(rows), "has_data": bool(rows), "runner": runner,
            "error": error, "total": sum(rows.values())}  # fmt: skip


@router.get("/records/delete")
def delete_page(request: Request, db: DbDep, runner: RunnerDep) -> Response:
    """What would be erased, and the form that erases it. A GET never deletes."""
    return page(request, "records_delete.html", _delete_ctx(stored_rows(db, runner), runner, None))


def check_confirmation(typed: str, runner: str) -> None:
    """The runner typed their own name (spaces around it do not matter; anything else does)."""
    if typed.strip() != runner:
        problem = f"Type {runner!r} exactly to delete your data; nothing was deleted"
        raise InvalidInput(f"confirm: {problem}", [FieldProblem("confirm", problem)])


@router.post("/records/delete")
def delete_data(request: Request, db: DbDep, runner: RunnerDep, confirm: Annotated[str, Form()] = "") -> Response:
    try:
        check_confirmation(confirm, runner)
    except InvalidInput as exc:
        error = exc.problems[0].problem
        return page(request, "records_delete.html", _delete_ctx(stored_rows(db, runner), runner, error), 422)
    erased = delete_runner(db=db, runner=runner)
    return RedirectResponse(f"/records/deleted?rows={sum(erased.values())}", status_code=303)


@router.get("/records/deleted")
def deleted_page(request: Request, rows: int = 0) -> Response:
    return page(request, "records_deleted.html", {"title": "Your data was deleted", "erased": rows})


# ---- the JSON twins under /api/v1 (the downloads themselves are files: the routes above serve any client) ----


class DeleteIn(BaseModel):
    confirm: str = Field(description="The runner's name, typed again: nothing is deleted unless it matches.")


def add_api(api: FastAPI) -> None:
    """Add the records routes to the JSON API (``/api/v1/records...``)."""

    @api.get("/records", summary="What calfcare stores of the runner, per table (what a deletion would erase)")
    def api_records(db: DbDep, runner: RunnerDep) -> dict[str, Any]:
        rows = stored_rows(db, runner)
        return {"runner": runner, "rows": rows, "total": sum(rows.values())}

    @api.post("/records/calendar", summary="A new private calendar subscription link (shown once)")
    def api_calendar_create(request: Request, db: DbDep, runner: RunnerDep) -> JSONResponse:
        urls = feed_urls(request, create_calendar_token(db=db, runner=runner))
        return JSONResponse(urls, headers={"Cache-Control": "no-store"})

    @api.delete("/records/calendar", summary="Revoke every calendar link of the runner")
    def api_calendar_revoke(db: DbDep, runner: RunnerDep) -> dict[str, int]:
        return {"revoked": revoke_calendar_token(db=db, runner=runner)}

    @api.post("/records/delete", summary="Delete every record of the runner (confirm with the runner's name)")
    def api_delete(body: DeleteIn, db: DbDep, runner: RunnerDep) -> dict[str, Any]:
        check_confirmation(body.confirm, runner)
        erased = delete_runner(db=db, runner=runner)
        return {"deleted": runner, "rows": erased, "total": sum(erased.values())}
