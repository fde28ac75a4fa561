"""Templates: one Jinja2 environment for every page; ``page()`` renders one with the context a view built."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import Response

from calfcare.web import wizard

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
NAV = (
    ("/today", "Today"),
    ("/checkin", "Check-in"),
    ("/recovery", "My recovery"),
    ("/training", "My training"),
    ("/learn", "Learn"),
    ("/settings", "Settings"),
)
#: multi-user mode: the runner's pages plus sharing and the account; the clinician's and the admin's own
RUNNER_NAV_EXTRA = (("/sharing", "Sharing"), ("/account", "Account"))
ROLE_NAV = {
    "clinician": (("/clinician", "My runners"), ("/learn", "Learn"), ("/account", "Account")),
    "admin": (("/admin/accounts", "Accounts"), ("/account", "Account")),
}
PHASES = ("protect", "mobility", "strength", "return_to_run", "full_training")
#: the front end's own files, linked only when web-art's build has them (pages still work without)
ASSETS = {
    "css": "css/app.css",
    "htmx": "vendor/htmx.min.js",
    "timer": "js/timer.js",
    "legpicker": "js/legpicker.js",
    "charts": "js/charts.js",
    "forms": "js/forms.js",
}


def _words(value: object) -> str:
    return wizard.words(str(value)) if value is not None else ""


def _phase(value: object) -> str:
    return str(value or "").replace("_", " ")


_CITED = re.compile(r"^(?P<text>.*?)\s*\(rule: (?P<rule>[^;()]+); source: (?P<source>.+)\)\s*(?P<after>[.]?)$", re.S)


def cited(value: object) -> tuple[str, str | None, str | None]:
    """A warning split into its advice and the rule and source it ends with (``"… (rule: R; source: S)"``), so a
    page can show the advice first and the citation in small print; ``(text, None, None)`` when it names none."""
    text = str(value or "")
    found = _CITED.match(text)
    if found is None:
        return text, None, None
    advice = found["text"].rstrip()
    return advice if advice.endswith((".", "!", "?")) else advice + ".", found["rule"].strip(), found["source"].strip()


def _tojson_attr(value: object) -> Markup:
    return Markup.escape(json.dumps(value, ensure_ascii=False))


templates.env.filters["words"] = _words
templates.env.filters["phase"] = _phase
templates.env.filters["jsonattr"] = _tojson_attr
templates.env.filters["cited"] = cited
templates.env.globals["NAV"] = NAV
templates.env.globals["PHASES"] = PHASES


def interval_steps(run: dict[str, Any]) -> list[dict[str, Any]]:
    """A walk-run session as the flat list timer.js walks: warm-up walk, then each repeat's run and walk."""
    steps: list[dict[str, Any]] = []
    if run.get("warm_up_min"):
        steps.append({"kind": "walk", "seconds": int(float(run["warm_up_min"]) * 60), "label": "warm-up walk"})
    for iv in run.get("intervals") or []:
        for _ in range(int(iv.get("repeats") or 1)):
            if iv.get("run_min"):
                steps.append({"kind": "run", "seconds": int(float(iv["run_min"]) * 60)})
            if iv.get("walk_min"):
                steps.append({"kind": "walk", "seconds": int(float(iv["walk_min"]) * 60)})
    return steps


templates.env.globals["interval_steps"] = interval_steps


def illustration(name: str | None) -> str | None:
    """The template of an illustration if web-art has drawn it."""
    if not name:
        return None
    path = f"illustrations/{name}.svg.j2"
    return path if (HERE / "templates" / path).is_file() else None


def exercise_illustration(exercise_id: str) -> str | None:
    try:
        from calfcare.web.illustrations import for_exercise  # web-art's map: exercise id -> template
    except ImportError:
        return None
    found = for_exercise(exercise_id)
    if not found:
        return None
    return found if (HERE / "templates" / found).is_file() else illustration(found)


templates.env.globals["illustration"] = illustration
templates.env.globals["exercise_illustration"] = exercise_illustration


def assets() -> dict[str, str]:
    return {k: f"/static/{v}" for k, v in ASSETS.items() if (STATIC / v).is_file()}


def new_token() -> str:
    """A one-time form token (a double submit of the same form is recognised by it)."""
    return secrets.token_hex(16)


@pass_context
def csrf_input(ctx: Context) -> Markup:
    """The hidden CSRF field of every form (empty outside multi-user mode)."""
    from calfcare.web.security import CSRF_FIELD, csrf_token

    token = csrf_token(ctx["request"].scope)
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


templates.env.globals["csrf_input"] = csrf_input


def _nav(principal: Any) -> tuple[tuple[str, str], ...]:
    if principal is None:
        return NAV
    if principal.role == "runner":
        return (*NAV, *RUNNER_NAV_EXTRA)
    return ROLE_NAV.get(principal.role, ())


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    principal = request.scope.get("calfcare.principal")
    multi = bool(getattr(request.app.state.settings, "multi_user", False))
    base = {
        "request": request,
        "assets": assets(),
        "path": request.url.path,
        "principal": principal,
        "multi_user": multi,
        "nav": _nav(principal) if (principal is not None or not multi) else (),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
