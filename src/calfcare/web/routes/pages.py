"""Home, learn, settings, sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from calfcare.errors import InvalidInput
from calfcare.services.pages import learn_page, today_page
from calfcare.services.web_state import preferences, redeem_signin_token, set_preferences
from calfcare.web.deps import DbDep, RunnerDep, SettingsDep, TodayDep
from calfcare.web.render import page

router = APIRouter()
EMERGENCY_CHOICES = (
    ("112", "112 — Europe and many other countries"),
    ("911", "911 — North America"),
    ("999", "999 — UK"),
    ("000", "000 — Australia"),
    ("111", "111 — New Zealand"),
    ("119", "119 — Japan"),
)


@router.get("/")
def home(request: Request, db: DbDep, runner: RunnerDep, day: TodayDep) -> Response:
    data = today_page(db=db, runner=runner, day=day)
    if data.get("episode") is not None or data.get("referral") is not None:
        return RedirectResponse("/today", status_code=303)
    return page(request, "home.html", {"title": "calfcare", "data": data})


@router.get("/learn")
def learn(request: Request) -> Response:
    return page(request, "learn.html", {"title": "Learn", "data": learn_page()})


@router.get("/learn/{topic}")
def learn_topic(request: Request, topic: str) -> Response:
    data = learn_page()
    found = next((t for t in data["topics"] if t["id"] == topic), None)
    if found is None:
        return page(request, "404.html", {"title": "Page not found"}, 404)
    ids = [t["id"] for t in data["topics"]]
    i = ids.index(topic)
    nxt = data["topics"][i + 1] if i + 1 < len(ids) else None
    return page(request, "learn_topic.html", {"title": found["title"], "topic": found, "next": nxt})


@router.get("/settings")
def settings_page(request: Request, db: DbDep, runner: RunnerDep, saved: bool = False) -> Response:
    data = preferences(db=db, runner=runner)
    ctx = {"title": "Settings", "data": data, "choices": EMERGENCY_CHOICES, "saved": saved, "errors": {}}
    return page(request, "settings.html", ctx)


@router.post("/settings")
def save_settings(
    request: Request,
    db: DbDep,
    runner: RunnerDep,
    emergency_number: Annotated[str, Form()] = "",
    emergency_number_other: Annotated[str, Form()] = "",
) -> Response:
    emergency_number = emergency_number_other.strip() or emergency_number
    try:
        set_preferences(db=db, runner=runner, emergency_number=emergency_number)
    except InvalidInput as exc:
        errors = {p.where: p.problem for p in exc.problems}
        ctx = {"title": "Settings", "data": {"emergency_number": emergency_number}, "choices": EMERGENCY_CHOICES,
               "saved": False, "errors": errors}  # fmt: skip
        return page(request, "settings.html", ctx, 422)
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.get("/signin/{token}")
def signin(request: Request, token: str, db: DbDep, settings: SettingsDep) -> Response:
    """The one-time link of ``serve --lan``: spent on first use; the device then holds a signed session cookie."""
    if not settings.lan or not redeem_signin_token(db=db, token=token):
        message = (
            "This sign-in link is not valid: it was used already, or it expired. Start calfcare again for a new one."
        )
        return page(request, "error.html", {"title": "Sign-in link not valid", "message": message}, 401)
    request.session["signed_in"] = True
    return RedirectResponse("/", status_code=303)
