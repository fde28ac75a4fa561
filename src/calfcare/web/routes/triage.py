"""The triage wizard: the clinical question plan the CLI asks (red-flag screen first, one step per screen: a question,
a "pick all that apply" list or a yes/no gate), answers kept server-side (a draft per runner) so a reload or going
back loses nothing; the result page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from calfcare.clinical.questions import SAFETY, public_answers
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
    step = wizard.step_at(number, answers)
    if step is None:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    ctx = {
        "title": f"Triage — {step.section}",
        "step": step,
        "number": number,
        "total": max(len(wizard.plan_for(answers)), number),
        "question": wizard.QUESTIONS.get(step.id),
        "items": list(zip(step.items, step.labels, strict=True)),
        "answers": answers,
        "errors": errors,
        "pain_words": wizard.PAIN_WORDS,
        "wizard": wizard,
        "safety_section": SAFETY,
        "safety_lead": wizard.SAFETY_LEAD,
    }
    return page(request, "triage_step.html", ctx, status)


@router.get("/triage")
def triage_start(db: DbDep, runner: RunnerDep) -> Response:
    answers = draft_answers(db=db, runner=runner, kind=KIND)
    step = answers.pop("__step", None)
    first = step if isinstance(step, int) and wizard.step_at(step, answers) else 1
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
    answers.pop("__step", None)
    return _screen_page(request, number, answers, {})


@router.post("/triage/{number}")
def triage_answer(
    request: Request, number: int, form: FormDep, db: DbDep, runner: RunnerDep, day: TodayDep
) -> Response:
    draft = draft_answers(db=db, runner=runner, kind=KIND)
    draft.pop("__step", None)
    step = wizard.step_at(number, draft)
    if step is None:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    reply, problems = wizard.parse_step(step, form, form.getlist)
    answers = wizard.apply(step, reply, draft) if not problems else draft
    if not problems:
        try:
            parsed = parse_assessment_answers(public_answers(answers))
        except InvalidAnswers as exc:
            problems = exc.problems
    if problems:
        shown_values = {**draft, **({step.id: form.get(step.id)} if form.get(step.id) else {})}
        return _screen_page(request, number, shown_values, _field_errors(problems), 422)
    going_back = form.get("action") == "back"
    steps = wizard.plan_for(answers)
    following = steps[number] if number < len(steps) else None
    emergency = (following is None or not following.follow_up) and any(
        f.urgency == "emergency" for f in red_flags(parsed)
    )  # as the CLI: a follow-up of this answer is asked before an emergency is called
    if (following is None and not going_back) or emergency:
        submit_triage(db=db, runner=runner, answers=public_answers(answers), day=day)
        return RedirectResponse("/triage/result", status_code=303)
    target = max(number - 1, 1) if going_back else number + 1
    save_draft(db=db, runner=runner, kind=KIND, answers={**answers, "__step": target})
    return RedirectResponse(f"/triage/{target}", status_code=303)
