"""The JSON twin of every page, under ``/api/v1`` (OpenAPI schema at ``/api/v1/openapi.json``). Bodies and results
are the CLI's ``--json`` contract shapes; errors are ``{"error", "message", "problems": [{"field", "problem"}]}`` as
with ``--json``, with the HTTP status of the error (:mod:`calfcare.errors`)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from calfcare.contracts.assessment import assessment_answers_schema, questions
from calfcare.contracts.checkin import checkin_answers_schema
from calfcare.errors import CalfcareError, NotFound
from calfcare.services.checkins import checkin_on, submit_checkin
from calfcare.services.episodes import assess, delete_checkin, record_checkin
from calfcare.services.exercise_log import tick_sets
from calfcare.services.pages import assessment_page, learn_page, recovery_page, today_page, training_page
from calfcare.services.web_state import draft_answers, preferences, save_draft, set_preferences
from calfcare.web import checkin_form, wizard
from calfcare.web.deps import DbDep, RunnerDep, RunnerIdDep, SettingsDep, TodayDep
from calfcare.web.routes import records as records_routes
from calfcare.web.security import safe_path
from calfcare.web.uploads import Limits, check_request_size, import_uploads

log = logging.getLogger("calfcare.web")
Doc = dict[str, Any]


class AnswersIn(BaseModel):
    """Answers as in the answers file (the contract), and the day they are for (default today)."""

    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="The answers object: its JSON Schema is at /api/v1/schemas/assessment-answers (triage) or "
        "/api/v1/schemas/checkin-answers (check-in).",
    )
    date: dt.date | None = None


class SetsIn(BaseModel):
    exercise_id: str = Field(min_length=1, max_length=80)
    sets_done: int = Field(ge=0, le=50)
    sets_planned: int = Field(ge=0, le=50)


class SettingsIn(BaseModel):
    emergency_number: str


class DraftIn(BaseModel):
    answers: dict[str, Any] = Field(default_factory=dict)


def _error(status: int, name: str, message: str, problems: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse({"error": name, "message": message, "problems": problems or []}, status_code=status)


def create_api(state: State) -> FastAPI:
    api = FastAPI(
        title="calfcare API",
        version="1",
        description="The JSON twin of every calfcare page: the same contract shapes as the CLI's --json.",
        openapi_url="/openapi.json",
        docs_url=None,  # the interactive docs load from a CDN: none here (no network at run time)
        redoc_url=None,
    )
    api.state.settings, api.state.db, api.state.clock = state.settings, state.db, state.clock

    @api.exception_handler(CalfcareError)
    async def calfcare_error(request: Request, exc: CalfcareError) -> Response:
        problems = [{"field": p.where, "problem": p.problem} for p in getattr(exc, "problems", [])]
        return _error(exc.http_status, type(exc).__name__, str(exc).split("\n")[0], problems)

    @api.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": str(e.get("msg"))}
            for e in exc.errors()
        ]
        return _error(422, "InvalidInput", "the request could not be read", problems)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, "NotFound" if exc.status_code == 404 else "HTTPError", str(exc.detail))

    @api.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, safe_path(request.url.path), exc_info=exc)
        return _error(500, "ServerError", "something went wrong on the server; nothing was half-written")

    @api.get("/today", summary="Today's plan (calfcare today --json)")
    def get_today(db: DbDep, runner: RunnerDep, day: TodayDep, date: dt.date | None = None) -> Doc:
        return today_page(db=db, runner=runner, day=_past(date, day))

    @api.post("/today/sets", summary="Tick off sets of one of today's exercises")
    def post_sets(body: SetsIn, db: DbDep, runner: RunnerDep, day: TodayDep) -> Doc:
        return tick_sets(db=db, runner=runner, day=day, **body.model_dump())

    @api.get("/triage/questions", summary="The wizard's opening screens (safety first) and every triage question")
    def get_questions() -> Doc:
        """``steps``: the screens the wizard (and ``calfcare assess``) asks before any answer, in order; which later
        screens appear depends on the answers (``POST /triage/steps``). ``questions``: every contract question."""
        return {"steps": wizard.steps_json({}), "questions": [wizard.question_json(q) for q in questions()]}

    @api.post("/triage/steps", summary="The wizard's screens for the answers given so far (the question plan)")
    def post_steps(body: DraftIn) -> Doc:
        """The same plan the pages and ``calfcare assess`` follow: follow-up questions appear when an answer calls
        for them (a snap low in the calf asks about the squeeze test), answered checklists are not asked again."""
        return {"steps": wizard.steps_json(body.answers)}

    @api.get("/schemas/assessment-answers", summary="JSON Schema of the triage answers (calfcare assess --schema)")
    def get_assessment_schema() -> Doc:
        return assessment_answers_schema()

    @api.get("/schemas/checkin-answers", summary="JSON Schema of the check-in answers (calfcare checkin --schema)")
    def get_checkin_schema() -> Doc:
        return checkin_answers_schema()

    @api.get("/triage/draft", summary="The answers given so far in the wizard")
    def get_draft(db: DbDep, runner: RunnerDep) -> Doc:
        answers = draft_answers(db=db, runner=runner, kind="triage")
        return {"answers": {k: v for k, v in answers.items() if not k.startswith("_")}}  # contract keys only

    @api.put("/triage/draft", summary="Keep the wizard's answers so far")
    def put_draft(body: DraftIn, db: DbDep, runner: RunnerDep) -> Doc:
        from calfcare.contracts.assessment import parse_assessment_answers

        parse_assessment_answers(body.answers)  # refuse what breaks the contract
        save_draft(db=db, runner=runner, kind="triage", answers=body.answers)
        return {"answers": body.answers}

    @api.post("/assess", summary="Triage answers (calfcare assess --json)")
    def post_assess(body: AnswersIn, db: DbDep, runner: RunnerDep, day: TodayDep) -> Doc:
        return assess(db=db, runner=runner, answers=body.answers, day=body.date or day, today_is=day).to_contract()

    @api.get("/triage/result", summary="The latest assessment")
    def get_result(db: DbDep, runner: RunnerDep) -> Doc:
        found = assessment_page(db=db, runner=runner)
        if found is None:
            raise NotFound("no assessment yet: POST /api/v1/assess")
        return found

    @api.get("/checkin", summary="Today's check-in questions (only those that matter today)")
    def get_checkin(db: DbDep, runner: RunnerDep, day: TodayDep) -> Doc:
        plan = today_page(db=db, runner=runner, day=day)
        fields = checkin_form.fields_for(plan.get("phase"), plan.get("status"))
        return {
            "date": day.isoformat(),
            "fields": {part: [f.__dict__ for f in items] for part, items in fields.items()},
            "safety_screen": [k for k, _ in checkin_form.screen_signs()] + ["clot_risk_factors"],
            "existing": checkin_on(db=db, runner=runner, day=day),
        }

    @api.post("/checkin", summary="Record a check-in (calfcare checkin --json)")
    def post_checkin(
        body: AnswersIn,
        db: DbDep,
        runner: RunnerDep,
        day: TodayDep,
        idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
    ) -> Doc:
        when = body.date or day
        if idempotency_key is None:
            return record_checkin(db=db, runner=runner, answers=body.answers, day=when, today_is=day).to_contract()
        return submit_checkin(
            db=db, runner=runner, answers=body.answers, day=when, form_token=idempotency_key, replace=True, today_is=day
        )

    @api.get("/recovery", summary="History (calfcare history --json) with exercise adherence")
    def get_recovery(db: DbDep, runner: RunnerDep) -> Doc:
        return recovery_page(db=db, runner=runner)

    @api.get("/checkins/{day}", summary="One check-in")
    def get_one(day: dt.date, db: DbDep, runner: RunnerDep) -> Doc:
        found = checkin_on(db=db, runner=runner, day=day)
        if found is None:
            raise NotFound(f"date: there is no check-in on {day.isoformat()}")
        return found

    @api.put("/checkins/{day}", summary="Replace a check-in (the plan is replayed)")
    def put_one(day: dt.date, body: AnswersIn, db: DbDep, runner: RunnerDep, today: TodayDep) -> Doc:
        if checkin_on(db=db, runner=runner, day=day) is None:
            raise NotFound(f"date: there is no check-in on {day.isoformat()}")
        return record_checkin(db=db, runner=runner, answers=body.answers, day=day, today_is=today).to_contract()

    @api.delete("/checkins/{day}", summary="Delete a check-in (the plan is replayed)")
    def delete_one(day: dt.date, db: DbDep, runner: RunnerDep) -> Doc:
        return delete_checkin(db=db, runner=runner, day=day).to_contract()

    @api.get("/training", summary="Activities, weekly load, retrospective and adherence")
    def get_training(db: DbDep, runner: RunnerDep, day: TodayDep, weeks: int = 12) -> Doc:
        return training_page(db=db, runner=runner, day=day, weeks=max(1, min(weeks, 520)))

    @api.get("/training/load", summary="Weekly load for the chart (calfcare load --json)")
    def get_load(db: DbDep, runner: RunnerDep, day: TodayDep, weeks: int = 12) -> Doc:
        from calfcare.services.load import load_report

        try:
            return load_report(db=db, runner=runner, today=day, weeks=max(1, min(weeks, 520)))
        except NotFound as exc:
            return {"runner": runner, "date": day.isoformat(), "weeks": [], "spikes": [], "injured_periods": [],
                    "message": str(exc)}  # fmt: skip

    @api.post("/import", summary="Upload activity files, folders' files or zips (multipart field 'files')")
    async def post_import(request: Request, db: DbDep, runner: RunnerDep, settings: SettingsDep) -> Doc:
        limits = Limits(settings.max_upload_bytes, settings.max_upload_files)
        check_request_size(request.headers.get("content-length"), limits)
        async with request.form(max_files=limits.max_files + 1) as form:  # closes the spooled files
            if settings.multi_user:  # held in the database, imported by a worker: poll /api/v1/uploads/{id}
                from starlette.concurrency import run_in_threadpool

                from calfcare.web.deps import get_now, get_runner_id
                from calfcare.web.queued_uploads import queue_uploads

                runner_id = await run_in_threadpool(get_runner_id, request)
                files = form.getlist("files")
                return {
                    "uploads": await queue_uploads(
                        db=db, runner_id=runner_id, files=files, limits=limits, now=get_now()
                    )
                }
            return await import_uploads(db=db, runner=runner, files=form.getlist("files"), limits=limits)

    @api.get("/uploads/{upload_id}", summary="Multi-user mode: the status of a queued upload (and its import report)")
    def get_upload(upload_id: Annotated[int, Path(ge=1, le=2**31 - 1)], runner_id: RunnerIdDep) -> Doc:
        from calfcare.services.uploads import upload_status

        return upload_status(db=api.state.db, runner_id=runner_id, upload_id=upload_id)

    @api.get("/learn", summary="Education topics from the protocol data")
    def get_learn() -> Doc:
        return learn_page()

    @api.get("/learn/{topic}", summary="One education topic")
    def get_topic(topic: str) -> Doc:
        found = next((t for t in learn_page()["topics"] if t["id"] == topic), None)
        if found is None:
            raise NotFound(f"topic: no education topic called {topic!r}")
        return dict(found)

    @api.get("/settings", summary="The runner's settings")
    def get_settings(db: DbDep, runner: RunnerDep) -> Doc:
        return preferences(db=db, runner=runner)

    @api.put("/settings", summary="Change the runner's settings")
    def put_settings(body: SettingsIn, db: DbDep, runner: RunnerDep) -> Doc:
        return set_preferences(db=db, runner=runner, emergency_number=body.emergency_number)

    records_routes.add_api(api)  # issue #12: /api/v1/records...
    if state.settings.multi_user:  # issue #11: /api/v1/sharing..., /api/v1/clinician...
        from calfcare.web.routes import clinic_api

        clinic_api.add_api(api)
    return api


def _past(asked: dt.date | None, today: dt.date) -> dt.date:
    from calfcare.errors import InvalidInput

    if asked is not None and asked > today:
        raise InvalidInput(f"date: {asked.isoformat()} is in the future (today is {today.isoformat()})")
    return asked or today
