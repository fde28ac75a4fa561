"""The triage wizard: the contract's questions, red-flag screen first, a few per screen, answers kept server-side
(a draft per runner) so a reload or going back loses nothing; the result page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from calfcare.clinical.redflags import red_flags
from calfcare.contracts.assessment import parse_assessment_answers
from calfcare.errors import FieldProblem, InvalidAnswers
from calfcare.services.pages import assessment_page
from calfcare.services.web_state import clear_draft, draft_answers, save_draft, submit_triage
from calfcare.web import wizard
from calfcare.web.deps import DbDep, FormDep, RunnerDep, TodayDep
from calfcare.web.render import page

router = APIRouter()
KIND = "triage"


def _field_errors(problems: list[FieldProblem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        key = p.where.split("[")[0].split(".")[0]
        out.setdefault(key, p.problem)
    return out


def _screen_page(
    request: Request, number: int, answers: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    current = wizard.screen(number)
    if current is None:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    shown = wizard.screens_for(answers)
    numbers = [s.number for s in shown]
    position = numbers.index(number) + 1 if number in numbers else 1
    ctx = {
        "title": f"Triage — {current.title}",
        "screen": current,
        "asked": current.asked(answers) or current.questions,
        "answers": answers,
        "errors": errors,
        "position": position,
        "total": max(len(numbers), position),
        "previous": wizard.previous_screen(number, answers),
        "pain_words": wizard.PAIN_WORDS,
        "wizard": wizard,
    }
    return page(request, "triage_screen.html", ctx, status)


@router.get("/triage")
def triage_start(db: DbDep, runner: RunnerDep) -> Response:
    answers = draft_answers(db=db, runner=runner, kind=KIND)
    step = answers.get("__step")
    first = step if isinstance(step, int) and wizard.screen(step) else wizard.screens_for({})[0].number
    return RedirectResponse(f"/triage/{first}", status_code=303)


@router.post("/triage/restart")
def triage_restart(db: DbDep, runner: RunnerDep) -> Response:
    clear_draft(db=db, runner=runner, kind=KIND)
    return RedirectResponse("/triage/1", status_code=303)


@router.get("/triage/result")
def triage_result(request: Request, db: DbDep, runner: RunnerDep) -> Response:
    data = assessment_page(db=db, runner=runner)
    if data is None:
        return RedirectResponse("/triage", status_code=303)
    return page(request, "triage_result.html", {"title": "Your triage", "data": data})


@router.get("/triage/{number}")
def triage_screen(request: Request, number: int, db: DbDep, runner: RunnerDep) -> Response:
    answers = draft_answers(db=db, runner=runner, kind=KIND)
    return _screen_page(request, number, answers, {})


@router.post("/triage/{number}")
def triage_answer(
    request: Request, number: int, form: FormDep, db: DbDep, runner: RunnerDep, day: TodayDep
) -> Response:
    current = wizard.screen(number)
    if current is None:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    draft = draft_answers(db=db, runner=runner, kind=KIND)
    draft.pop("__step", None)
    posted, problems = wizard.parse_screen(current.asked(draft) or current.questions, form, form.getlist)
    answers = wizard.merge(draft, posted)
    if not problems:
        try:
            parsed = parse_assessment_answers(answers)
        except InvalidAnswers as exc:
            problems = exc.problems
    if problems:
        shown_values = {**answers, **{k: form.get(k) for k in posted if form.get(k)}}
        return _screen_page(request, number, shown_values, _field_errors(problems), 422)
    going_back = form.get("action") == "back"
    target = wizard.previous_screen(number, answers) if going_back else wizard.next_screen(number, answers)
    emergency = any(f.urgency == "emergency" for f in red_flags(parsed))
    if (target is None and not going_back) or emergency:
        submit_triage(db=db, runner=runner, answers=answers, day=day)
        return RedirectResponse("/triage/result", status_code=303)
    save_draft(db=db, runner=runner, kind=KIND, answers={**answers, "__step": target or number})
    return RedirectResponse(f"/triage/{target or number}", status_code=303)
