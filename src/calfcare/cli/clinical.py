"""``calfcare assess | checkin | today | history``: the clinical loop. Each command parses its options, calls one
service in :mod:`calfcare.services.episodes`, and renders the result (readable, or ``--json``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from calfcare.cli.app import (
    DateOpt,
    JsonOpt,
    RunnerOpt,
    app,
    known_runner,
    open_store,
    parse_day,
    print_json,
    red_flag_exit,
    runner_name,
    settings,
    unknown_runner,
    want_json,
)
from calfcare.errors import InvalidInput

if TYPE_CHECKING:  # the questionnaire and the answers contracts (pydantic) load only in the commands that ask
    from rich.console import Console  # Rich loads when a view is printed (not for --json)

    from calfcare.cli import questionnaire as q
    from calfcare.clinical.answers import TriageAnswers
    from calfcare.clinical.checkin import CheckInAnswers
    from calfcare.clinical.questions import CheckinContext
    from calfcare.services.today_plan import TodayInputs


def _assessment_schema() -> dict[str, Any]:
    from calfcare.contracts.assessment import assessment_answers_schema

    return assessment_answers_schema()


def _checkin_schema() -> dict[str, Any]:
    from calfcare.contracts.checkin import checkin_answers_schema

    return checkin_answers_schema()


AnswersOpt = Annotated[
    Path | None,
    typer.Option(
        "--answers",
        metavar="FILE|-",
        help="A JSON file of answers (see --schema), or - to read them from stdin. Without it, you are asked.",
    ),
]
SchemaOpt = Annotated[bool, typer.Option("--schema", help="Print the JSON Schema of the answers file and exit.")]
AgainOpt = Annotated[
    bool,
    typer.Option(
        "--again",
        help="Run your open episode's latest assessment again with the answers you gave (nothing is asked), using "
        "the training files imported since: the structure evidence and the return-to-run sizing are updated.",
    ),
]
DeleteOpt = Annotated[
    str | None,
    typer.Option(
        "--delete",
        help="Delete the check-in of this day (YYYY-MM-DD) and replay the plan without it.",
        show_default=False,
        metavar="DATE",
    ),
]


def _emergency(answers: dict[str, Any]) -> bool:
    """Does any emergency red flag fire on the answers so far? (the questionnaire stops at once if so)"""
    from calfcare.clinical.answers import ANSWER_KEYS
    from calfcare.clinical.redflags import red_flags
    from calfcare.contracts.assessment import parse_assessment_answers

    screen = {k: v for k, v in answers.items() if k in ANSWER_KEYS}
    return any(f.urgency == "emergency" for f in red_flags(parse_assessment_answers(screen)))


def _ask(
    plan: q.Plan,
    schema: dict[str, Any],
    *,
    json_out: bool,
    title: str,
    context: CheckinContext | None = None,
) -> dict[str, Any]:
    from calfcare.cli import questionnaire as q
    from calfcare.cli.app import console, err_console

    out = err_console if json_out else console  # keep stdout pure JSON with --json
    answers, stopped = q.ask(plan, schema, out, is_emergency=_emergency, title=title, context=context)
    if stopped:
        out.print("[bold red]Stopping the questions: one of your answers needs emergency care.[/]")
    return answers


def _start(json_out: bool, schema: bool, schema_of: Callable[[], dict[str, Any]], date_: str | None) -> date | None:
    """The common start of ``assess`` and ``checkin``: with ``--schema`` print the answers' JSON Schema and return
    None (the command ends); else the day the answers are for."""
    want_json(json_out)
    if schema:
        print_json(schema_of())
        return None
    return parse_day(date_, recent=True)


def _show(data: dict[str, Any], json_out: bool, view: Callable[[Console, dict[str, Any]], None]) -> None:
    """A command's result: as JSON with ``--json``, else readable."""
    if json_out:
        print_json(data)
    else:
        from calfcare.cli.app import console

        view(console, data)


@app.command("assess")
def assess(
    answers: AnswersOpt = None,
    json_out: JsonOpt = False,
    date_: DateOpt = None,
    runner: RunnerOpt = None,
    schema: SchemaOpt = False,
    again: AgainOpt = False,
) -> None:
    """Triage a calf problem (red flags first), estimate structure and severity, and start a rehab episode."""
    from calfcare.cli import clinical_views as views
    from calfcare.services import episodes

    day = _start(json_out, schema, _assessment_schema, date_)
    if day is None:
        return
    if again:
        if answers is not None:
            raise InvalidInput("--again reuses your stored answers: leave out --answers (or drop --again)")
        outcome = episodes.assess_again(db=open_store(), runner=runner_name(runner), day=day)
        _show(outcome.to_contract(), json_out, views.show_assessment)
        return
    from calfcare.cli import questionnaire as q
    from calfcare.contracts.assessment import load_answers_file

    data: TriageAnswers | dict[str, Any]
    if answers is not None:
        data = load_answers_file(answers)
    else:
        data = _ask(q.assessment_plan(), _assessment_schema(), json_out=json_out, title="Calf assessment")
    outcome = episodes.assess(db=open_store(), runner=runner_name(runner), answers=data, day=day)
    _show(outcome.to_contract(), json_out, views.show_assessment)
    if code := red_flag_exit(outcome.result):  # urgent 8, emergency 9: the result above is printed in full
        raise typer.Exit(code)


def _ask_about_runs(db: Any, name: str, day: date, plan: dict[str, Any] | None, *, json_out: bool) -> int:
    """Ask how each run logged while running was not allowed yet felt (``today``'s ``ask_about_runs``, before
    ``day``) and store the answers as the check-in of the run's day; the number stored."""
    from calfcare.cli import questionnaire as q
    from calfcare.clinical.questions import run_checkin
    from calfcare.services import episodes

    stored = 0
    for run in (plan or {}).get("ask_about_runs") or ():
        run_day = date.fromisoformat(str(run["date"]))
        if run_day >= day:
            continue  # today's own run is the day's session
        km = run.get("distance_km")
        title = f"You ran on {run_day.isoformat()}{f' ({km} km)' if km else ''} before running was allowed"
        replies = _ask(q.run_plan(run_day.isoformat()), _checkin_schema(), json_out=json_out, title=title)
        answers = run_checkin(run, replies)
        if answers is not None:
            episodes.record_checkin(db=db, runner=name, answers=answers, day=run_day)
            stored += 1
    return stored


@app.command("checkin")
def checkin(
    answers: AnswersOpt = None,
    json_out: JsonOpt = False,
    date_: DateOpt = None,
    runner: RunnerOpt = None,
    schema: SchemaOpt = False,
    delete: DeleteOpt = None,
) -> None:
    """Record today's check-in (how the calf feels, what you did); the plan progresses, holds, steps back or stops."""
    from calfcare.cli import clinical_views as views
    from calfcare.services import episodes
    from calfcare.services.views import awaiting_clearance

    day = _start(json_out, schema, _checkin_schema, date_)
    if day is None:
        return
    db = open_store()
    name = known_runner(db, runner)  # an unknown runner: 4, before any question is asked
    if delete is not None:
        if answers is not None or date_ is not None:
            raise InvalidInput("--delete DATE deletes that day's check-in: leave out --answers and --date")
        gone = episodes.delete_checkin(db=db, runner=name, day=parse_day(delete, field="--delete"))
        _show(gone.to_contract(), json_out, views.show_episode_change)
        return
    from calfcare.cli import questionnaire as q
    from calfcare.contracts.checkin import load_checkin_file

    data: CheckInAnswers | dict[str, Any]
    if answers is not None:
        data = load_checkin_file(answers)
    else:  # an open (or referred) episode is checked BEFORE asking anything; its phase picks the questions
        plan = episodes.today(db=db, runner=name, day=day)
        q.checkin_context(plan, runner=name, day=day)  # no open episode: Conflict before any question
        if _ask_about_runs(db, name, day, plan, json_out=json_out):  # their check-ins may have moved the plan
            plan = episodes.today(db=db, runner=name, day=day)
        context = q.checkin_context(
            plan,
            runner=name,
            day=day,
            awaiting_clearance=awaiting_clearance(db=db, runner=name),
        )
        data = _ask(
            q.checkin_plan(context),
            _checkin_schema(),
            json_out=json_out,
            title="Daily check-in",
            context=context,
        )
    outcome = episodes.record_checkin(db=db, runner=name, answers=data, day=day)
    _show(outcome.to_contract(), json_out, views.show_checkin)
    if code := red_flag_exit(outcome.result):
        raise typer.Exit(code)


@app.command("today")
def today(date_: DateOpt = None, json_out: JsonOpt = False, runner: RunnerOpt = None) -> None:
    """What to do today: exercises, the run if any, how close you are to the next phase, and warnings."""
    from calfcare.services import today_plan

    want_json(json_out)
    day = parse_day(date_)
    inputs = _today_inputs(runner, day)
    plan = today_plan.plan_from(inputs)
    if plan is None and (stop := today_plan.stopping_from(inputs)) is not None:
        # the latest assessment found a red flag and opened no episode: no plan, and where to go comes first
        message = f"No rehab plan: your assessment on {stop['date']} found signs that need a clinician first."
        _show({"referral": stop, "date": day.isoformat(), "episode": None, "message": message}, json_out, _stop_view)
        return
    if plan is None:
        from calfcare.clinical.return_to_run import prevention_routine

        message = _no_episode_message(day)
        # after a closed episode the standing prevention routine goes on (calf strength twice a week, for good)
        keep = prevention_routine() if today_plan.status_from(inputs) == "closed" else ()
        extra = {"prevention": list(keep)} if keep else {}
        _show({"date": day.isoformat(), "episode": None, "message": message, **extra}, json_out, _no_plan_view)
        return
    if json_out:  # no Rich to import
        print_json(plan)
        return
    from calfcare.cli import clinical_views as views

    _show(plan, json_out, views.show_today)


def _today_inputs(runner: str | None, day: date) -> TodayInputs:
    """What ``today`` reads: from a SQLite file with the standard library's ``sqlite3`` when that reader applies (no
    SQLAlchemy to import: half the command's start-up), else through the ORM, which also migrates the database and
    words every storage error as the other commands do. Both give the same inputs
    (``tests/cli/test_today_readers.py``)."""
    from calfcare.services import today_plan

    config = settings()
    name = runner_name(runner)
    inputs = today_plan.read_sqlite(config.database_url, name, day, timeout_s=config.lock_timeout_s)
    if inputs is None:
        from calfcare.services.views import today_inputs

        db = open_store()
        inputs = today_inputs(db=db, runner=known_runner(db, runner), day=day)
    if inputs.runner_id is None:
        raise unknown_runner(name)
    return inputs


@app.command("history")
def history(json_out: JsonOpt = False, runner: RunnerOpt = None) -> None:
    """Your episode so far: assessments, every check-in with its decision and reasons, and the pain trend."""
    from calfcare.cli import clinical_views as views
    from calfcare.services import episodes

    want_json(json_out)
    db = open_store()
    hist = episodes.history(db=db, runner=known_runner(db, runner))
    _show(hist, json_out, views.show_history)


def _stop_view(out: Console, data: dict[str, Any]) -> None:
    from calfcare.cli import clinical_views as views

    stop = data["referral"]
    flags = list(stop.get("red_flags") or [])
    worst = views.worst_urgency(flags)
    footer = (
        "No strain plan: follow the advice above until a clinician has seen you."
        if worst == "see_clinician"
        else "No exercises or running until a clinician has seen you."
    )
    out.print(views.red_flag_panel(worst, flags, footer=footer))
    out.print(str(data["message"]))


def _no_plan_view(out: Console, data: dict[str, Any]) -> None:
    out.print(str(data["message"]))
    if keep := list(data.get("prevention") or ()):
        out.print("Your standing prevention routine:")
        for item in keep:
            out.print(f"  • {item}")


def _no_episode_message(day: date) -> str:
    return (
        f"No open episode on {day.isoformat()}: nothing to do for a calf injury. "
        "If your calf hurts, start with `calfcare assess`."
    )
