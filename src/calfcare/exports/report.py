"""The clinician's report: plain values → HTML (a Jinja2 template in this package) → PDF (WeasyPrint).

WeasyPrint is chosen because the report is a document with tables and text flowing over one to three A4 pages:
HTML and CSS paged media give page size, margins, running footers and page breaks, and the same HTML can be
shown on screen by the web app. The charts are inline SVG (:mod:`calfcare.exports.chart`), drawn for black and
white printing. Nothing is fetched: no external fonts, images or style sheets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from calfcare.exports.chart import Series, trend_chart, week_bars
from calfcare.exports.record import likely_structure, number, phase_label, raised_red_flags

TEMPLATES = Path(__file__).parent / "templates"
MAX_ADHERENCE_ROWS = 6
MAX_FLAG_ROWS = 8  # the latest; with the other caps, the report stays within three A4 pages
MAX_TIMELINE_ROWS = 10


def _d(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value or "–")


def _injury(ep: Mapping[str, Any], result: Mapping[str, Any], answers: Mapping[str, Any], day: date) -> dict[str, Any]:
    likely, chance = likely_structure(result)
    chances = (result.get("structure") or {}).get("likelihoods") or {}
    muscle = likely or ep.get("structure")
    text = str(muscle or "not estimated").replace("_", " ")
    if chance is not None:
        others = ", ".join(f"{k} {float(v):.0%}" for k, v in chances.items() if k != likely)
        text += f" — likelihood {chance:.0%}" + (f" ({others})" if others else "")
    days = (result.get("severity") or {}).get("return_to_run_days")
    severity = str(ep.get("severity") or (result.get("severity") or {}).get("estimate") or "not estimated")
    if isinstance(days, list) and len(days) == 2:
        severity += f"; back to running in about {days[0]}–{days[1]} days (typical ranges, not a promise)"
    raises = (answers.get("single_leg_heel_raises_injured"), answers.get("single_leg_heel_raises_other"))
    if all(number(r) is not None for r in raises):
        severity += f"; heel raises at assessment {raises[0]} vs {raises[1]} on the other leg"
    how = [str(answers[k]).replace("_", " ") for k in ("onset", "activity_at_onset") if answers.get(k)]
    plan = ep.get("plan") or {}
    status = str(ep.get("status") or "open")
    now = f"{status}; day {(day - ep['onset']).days} after onset; phase {phase_label(ep.get('phase'))}"
    if plan.get("stage"):
        now += f" — {plan['stage']}"
    if ep.get("closed_on"):
        now += f"; closed {_d(ep['closed_on'])}"
    referred = ep.get("referred")
    if isinstance(referred, Mapping):
        now = (f"referred to a clinician ({str(referred.get('disposition')).replace('_', ' ')}) at the assessment on "
               f"{_d(referred.get('day'))}; no rehab plan was opened")  # fmt: skip
    return {
        "side": ep.get("side"),
        "likely_text": text,
        "severity_text": severity,
        "onset": _d(ep.get("onset")),
        "assessed_on": _d(ep.get("assessed_on")),
        "mechanism": ", ".join(how) or "mechanism not given",
        "now": now,
    }


def _red_flags(assessments: Sequence[Mapping[str, Any]], checkins: Sequence[Mapping[str, Any]]) -> list[Any]:
    rows = []
    for f in raised_red_flags(assessments, checkins):
        cleared = f"{_d(f['cleared_on'])}: {f['cleared_by']}" if f["cleared_on"] else "not cleared"
        rows.append({**f, "date": _d(f["day"]), "cleared": cleared})
    return rows


def _screens(assessments: Sequence[Mapping[str, Any]], checkins: Sequence[Mapping[str, Any]]) -> str:
    """Whether the red-flag questions were answered in full at the assessment and each check-in, in a sentence: an
    unanswered question is never read as "no", so a clinician must know where the screen has gaps."""
    rows = [*assessments, *checkins]
    gaps = [r for r in rows if (r.get("result") or {}).get("screen_complete") is not True]
    if not rows:
        return ""
    if not gaps:
        return f"Every red-flag question was answered at all {len(rows)} safety screens (assessment and check-ins)."
    where = []
    for a in assessments:
        missing = (a.get("result") or {}).get("screen_missing")
        if a in gaps and isinstance(missing, list) and missing:
            where.append(f"the assessment on {_d(a['day'])}: {len(missing)} unanswered")
    detail = f" ({'; '.join(where)})" if where else ""
    return (
        f"Red-flag questions were left unanswered at {len(gaps)} of {len(rows)} safety screens{detail}. calfcare never "
        "reads a missing answer as 'no': at those screens these conditions were not ruled out."
    )


def _trend(ep: Mapping[str, Any], checkins: Sequence[Mapping[str, Any]], day: date) -> tuple[str | None, str]:
    if not checkins:
        return None, ""

    def points(key: str) -> list[tuple[date, float]]:
        out = []
        for c in checkins:
            v = number((c.get("answers") or {}).get(key))
            if v is not None:
                out.append((c["day"], v))
        return out

    series = [
        Series("morning pain", points("morning_pain"), "left", "", "circle"),
        Series("pain walking", points("pain_walking"), "left", "2 2", "triangle"),
        Series("heel raises, injured", points("single_leg_heel_raises_injured"), "right", "6 3", "square"),
        Series("heel raises, other", points("single_leg_heel_raises_other"), "right", "1 3", "diamond"),
    ]
    series = [s for s in series if s.points]
    first = min([ep["assessed_on"], *(c["day"] for c in checkins)])
    last = max(c["day"] for c in checkins)
    bands = [(p["from"], p["to"], phase_label(p["phase"])) for p in ep.get("timeline") or []]
    svg = trend_chart(series, first=first, last=max(last, first), bands=bands)
    latest = checkins[-1].get("answers") or {}
    bits = [f"{s.label} {s.points[-1][1]:g}" for s in series if s.points and s.points[-1][0] == checkins[-1]["day"]]
    return svg, f"{_d(checkins[-1]['day'])} — " + ", ".join(bits) if bits else str(latest and "")


def report_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """The template's values from the gathered report data (see :func:`calfcare.services.exports.report_data`)."""
    ep = data["episode"]
    day: date = data["day"]
    assessments = list(data.get("assessments") or [])
    checkins = list(data.get("checkins") or [])
    first = assessments[0] if assessments else {}
    svg, latest = _trend(ep, checkins, day)
    timeline = [
        {"label": phase_label(p["phase"]), "from": _d(p["from"]), "to": _d(p["to"]), "days": (p["to"] - p["from"]).days}
        for p in ep.get("timeline") or []
    ]
    flags = _red_flags(assessments, checkins)
    decisions = Counter(str(c.get("decision")) for c in checkins)
    decisions_text = ", ".join(f"{n} {k}" for k, n in decisions.most_common()) or "none yet"
    adherence = data.get("adherence")
    adherence_view = None
    if adherence and adherence.get("days"):
        verdicts = Counter(str(d.get("verdict")).replace("_", " ") for d in adherence["days"])
        rows = [
            {"date": d["date"], "verdict": str(d.get("verdict")).replace("_", " "),
             "reason": "; ".join(map(str, d.get("reasons") or []))[:160]}
            for d in adherence["days"][-MAX_ADHERENCE_ROWS:]
        ]  # fmt: skip
        adherence_view = {
            "summary": f"{len(adherence['days'])} day{'s' if len(adherence['days']) != 1 else ''} with a planned "
            "or recorded run: " + ", ".join(f"{n} {k}" for k, n in verdicts.most_common()),
            "rows": rows,
        }
    load = data.get("load")
    load_svg = None
    if load and load.get("weeks"):
        load_svg = week_bars([(w, km) for w, km in load["weeks"]], mark=load.get("onset"))
    retro = data.get("retro")
    retro_view = None
    if retro:
        base = retro.get("baseline") or {}
        parts = []
        if number(base.get("weekly_km")) is not None:
            parts.append(f"{base['weekly_km']:.0f} km a week")
        if number(base.get("runs_per_week")) is not None:
            parts.append(f"{base['runs_per_week']:g} runs a week")
        if number(base.get("usual_run_km")) is not None:
            parts.append(f"usual run {base['usual_run_km']:g} km")
        if number(base.get("long_run_km")) is not None:
            parts.append(f"long run {base['long_run_km']:g} km")
        retro_view = {"lines": list(retro.get("lines") or []), "enough_data": retro.get("enough_data", True),
                      "baseline_text": ", ".join(parts)}  # fmt: skip
    return {
        "runner": data["runner"],
        "referral": isinstance(ep.get("referred"), Mapping),
        "generated_on": _d(data.get("generated_on") or day),
        "injury": _injury(ep, first.get("result") or {}, first.get("answers") or {}, day),
        "red_flags": flags[-MAX_FLAG_ROWS:],
        "earlier_flags": max(0, len(flags) - MAX_FLAG_ROWS),
        "screens_text": _screens(assessments, checkins),
        "trend_svg": svg,
        "latest_text": latest,
        "timeline": timeline[-MAX_TIMELINE_ROWS:],
        "earlier_phases": max(0, len(timeline) - MAX_TIMELINE_ROWS),
        "decisions_text": decisions_text,
        "adherence": adherence_view,
        "load_svg": load_svg,
        "retro": retro_view,
        "sources": list(data.get("sources") or []),
    }


def report_html(data: Mapping[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
    )
    return env.get_template("report.html").render(**report_context(data))


def html_to_pdf(html: str) -> bytes:
    """The HTML as a PDF (WeasyPrint; nothing is fetched from the network: the HTML has no outside resources)."""
    from weasyprint import HTML

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"the report does not load outside resources ({url})")

    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def report_pdf_bytes(data: Mapping[str, Any]) -> bytes:
    return html_to_pdf(report_html(data))
