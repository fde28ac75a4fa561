"""What each web page (and its JSON twin under ``/api/v1``) shows, one read per page: the same contract shapes as the
CLI's ``--json`` (``today``, ``history``, ``load``, ``retro``, ``adherence``), plus a few added keys the pages need
(sets ticked off, the runner's emergency number). Added keys only; nothing of a contract is renamed or dropped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import func, select

from calfcare.clinical.protocol import protocol
from calfcare.clinical.return_to_run import prevention_routine
from calfcare.errors import NotFound
from calfcare.services.exercise_log import exercise_adherence
from calfcare.services.views import episode_status, find_runner, history, stopping_assessment, today
from calfcare.services.web_state import DEFAULT_EMERGENCY_NUMBER, preferences
from calfcare.store import Database
from calfcare.store.models import (
    Activity,
    ActivityOriginal,
    Assessment,
    Episode,
    ExerciseSets,
    OriginalFile,
    Runner,
    RunnerPrefs,
)

__all__ = [
    "assessment_page",
    "learn_page",
    "plan_context",
    "recovery_page",
    "today_page",
    "training_page",
]

ACTIVITIES_SHOWN = 50


def today_page(*, db: Database, runner: str, day: date) -> dict[str, Any]:
    """``calfcare today --json`` for ``day`` (the plan; where to go after a stopping assessment; or no episode), with
    ``sets_done`` (exercise id → sets ticked off) and ``emergency_number``."""
    prefs, done = _today_extras(db, runner, day)
    plan = today(db=db, runner=runner, day=day)
    if plan is not None:
        return {**plan, "sets_done": done, **prefs}
    stop = stopping_assessment(db=db, runner=runner, day=day)
    if stop is not None:
        message = f"No rehab plan: your assessment on {stop['date']} found signs that need a clinician first."
        return {"referral": stop, "date": day.isoformat(), "episode": None, "message": message, **prefs}
    out: dict[str, Any] = {
        "date": day.isoformat(),
        "episode": None,
        "message": f"No open episode on {day.isoformat()}: nothing to do for a calf injury. If your calf hurts, "
        "start with the triage.",
        **prefs,
    }
    if episode_status(db=db, runner=runner) == "closed":
        out["prevention"] = list(prevention_routine())
    return out


def _today_extras(db: Database, runner: str, day: date) -> tuple[dict[str, Any], dict[str, int]]:
    """The emergency number and the sets ticked off on ``day`` (latest episode), in one session of plain selects."""
    with db.session() as s:
        runner_id = s.scalar(select(Runner.id).where(Runner.name == runner))
        if runner_id is None:
            return {"emergency_number": DEFAULT_EMERGENCY_NUMBER}, {}
        number = s.scalar(select(RunnerPrefs.emergency_number).where(RunnerPrefs.runner_id == runner_id))
        episode_id = s.scalar(
            select(Episode.id).where(Episode.runner_id == runner_id).order_by(Episode.id.desc()).limit(1)
        )
        rows = (
            s.execute(
                select(ExerciseSets.exercise_id, ExerciseSets.sets_done).where(
                    ExerciseSets.episode_id == episode_id, ExerciseSets.day == day
                )
            ).all()
            if episode_id is not None
            else []
        )
    return {"emergency_number": number or DEFAULT_EMERGENCY_NUMBER}, {r[0]: int(r[1]) for r in rows}


def plan_context(*, db: Database, runner: str) -> dict[str, Any]:
    """The latest episode's phase and status, read from the stored plan state (one query): what the check-in form
    needs to know which questions to ask, without rebuilding today's plan."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        ep = (
            s.scalar(select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id.desc()).limit(1))
            if runner_row is not None
            else None
        )
        if ep is None:
            return {"phase": None, "status": None, "awaiting_clearance": False}
        state = ep.plan_state or {}
        waiting = ep.status == "open" and bool((ep.context or {}).get("needs_clearance"))
        return {
            "phase": state.get("phase"),
            "status": ep.status,
            "awaiting_clearance": waiting and not state.get("cleared_to_run_on"),  # as views.awaiting_clearance
        }


def assessment_page(*, db: Database, runner: str) -> dict[str, Any] | None:
    """The runner's latest assessment: the triage result as ``calfcare assess --json`` printed it (without the notes),
    with its date and ``emergency_number``; None when there is none."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return None
        row = s.scalar(
            select(Assessment)
            .where(Assessment.runner_id == runner_row.id)
            .order_by(Assessment.day.desc(), Assessment.id.desc())
            .limit(1)
        )
        if row is None:
            return None
        result = dict(row.result or {})
        day = row.day
    return {**result, "date": day.isoformat(), **preferences(db=db, runner=runner)}


def recovery_page(*, db: Database, runner: str) -> dict[str, Any]:
    """``calfcare history --json`` with the exercise sets ticked off per day and ``emergency_number``."""
    hist = history(db=db, runner=runner)
    return {**hist, "exercise_adherence": exercise_adherence(db=db, runner=runner), **preferences(db=db, runner=runner)}


def _activities(db: Database, runner: str) -> tuple[int, list[dict[str, Any]]]:
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return 0, []
        total = s.scalar(select(func.count(Activity.id)).where(Activity.runner_id == runner_row.id)) or 0
        rows = s.scalars(
            select(Activity)
            .where(Activity.runner_id == runner_row.id)
            .order_by(Activity.start_utc.desc())
            .limit(ACTIVITIES_SHOWN)
        )
        acts = list(rows)
        files: dict[int, list[dict[str, Any]]] = {}
        kept = (
            select(ActivityOriginal.activity_id, OriginalFile.id, OriginalFile.name)
            .join(OriginalFile, OriginalFile.id == ActivityOriginal.original_id)
            .where(ActivityOriginal.activity_id.in_([a.id for a in acts]))
            .order_by(OriginalFile.id)
        )
        for activity_id, file_id, name in s.execute(kept):
            files.setdefault(activity_id, []).append({"id": file_id, "name": name})
        out = []
        for a in acts:
            start = a.start_utc if a.start_utc.tzinfo else a.start_utc.replace(tzinfo=UTC)
            local = start + timedelta(seconds=a.utc_offset_s or 0)
            out.append(
                {
                    "id": a.id,
                    "date": local.date().isoformat(),
                    "start": start.isoformat(),
                    "sport": a.sport,
                    "name": a.name,
                    "distance_km": round(a.distance_m / 1000, 2) if a.distance_m else None,
                    "duration_min": round((a.moving_s or a.elapsed_s) / 60, 1),
                    "source_format": a.source_format,
                    "files": files.get(a.id, []),  # the original files it came from (calfcare.activities.originals)
                }
            )
        return int(total), out


def training_page(*, db: Database, runner: str, day: date, weeks: int = 12) -> dict[str, Any]:
    """The runner's activities (latest first), the weekly load report (``calfcare load --json``), the retrospective
    before the latest injury (``calfcare retro --json``) and comeback runs against the plan (``calfcare adherence
    --json``); a section is None when there is nothing for it yet (no runs, no episode)."""
    from calfcare.services.load import adherence_report, load_report, retro_report  # numpy: only this page

    total, acts = _activities(db, runner)
    out: dict[str, Any] = {"date": day.isoformat(), "activity_count": total, "activities": acts}
    calls: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
        ("load", lambda: load_report(db=db, runner=runner, today=day, weeks=weeks)),
        ("retro", lambda: retro_report(db=db, runner=runner)),
        ("adherence", lambda: adherence_report(db=db, runner=runner, today=day)),
    )
    for key, call in calls:
        try:
            out[key] = call() if total else None
        except NotFound:
            out[key] = None
    out["exercise_adherence"] = exercise_adherence(db=db, runner=runner)
    return out


#: advice the seed gives every runner (whole chain, prevention, mileage), as sentences tied to the protocol's data
_WHOLE_CHAIN = (
    "The calf does not work alone: the glutes, hamstrings and lower back share every stride. calfcare's plan keeps "
    "them working from the first days (the hip and trunk exercises below), so the calf does not have to make up "
    "for a weak link when you run again."
)
_SEE_A_PROFESSIONAL = (
    "calfcare informs; it does not diagnose. If you are unsure — the pain is not what you expect, it is not getting "
    "better, or something feels wrong — see a physiotherapist, sports doctor or your GP. Red flags (a swollen, hot "
    "or red calf, breathlessness or chest pain, a snap at the back of the ankle, a numb, cold or weak foot, pain "
    "that keeps rising at rest) need a clinician now: calfcare's safety questions ask about them at every check-in."
)


def learn_page() -> dict[str, Any]:
    """Education from the protocol data: the two muscles, each phase and why, the whole chain, prevention, and when
    to see a professional. One topic per screen."""
    proto = protocol()
    ex = proto.exercises

    def names(pred: Any) -> list[dict[str, str]]:
        return [{"id": e.id, "name": e.name, "target": e.target, "knee": e.knee} for e in ex.values() if pred(e)]

    running = proto.running
    topics: list[dict[str, Any]] = [
        {
            "id": "muscles",
            "title": "Your calf's two muscles",
            "text": [proto.education.get("calf_anatomy", "")],
            "exercises": {
                "gastrocnemius": names(lambda e: e.target == "gastrocnemius"),
                "soleus": names(lambda e: e.target == "soleus"),
            },
        },
        *(
            {
                "id": f"phase-{p.id}",
                "phase": p.id,
                "title": p.title,
                "text": [p.purpose],
                "gate": [c.name for c in p.exit],
            }
            for p in proto.phases
        ),
        {
            "id": "whole-chain",
            "title": "The whole chain: glutes, hamstrings, lower back",
            "text": [_WHOLE_CHAIN],
            "exercises": {"hip_and_trunk": names(lambda e: e.target == "hip_and_trunk")},
        },
        {
            "id": "prevention",
            "title": "Preventing the next one",
            "text": [
                *prevention_routine(),
                "Heel raises and slow heel drops (lowering on the sore leg) keep the calf and Achilles strong.",
                f"Build mileage up gradually: about {running.weekly_increase_pct:g} % a week, and no single run much "
                "longer than your recent longest.",
            ],
        },
        {"id": "see-a-professional", "title": "If unsure, see a professional", "text": [_SEE_A_PROFESSIONAL]},
        {
            "id": "pain-scale",
            "title": "The pain scale and the evidence",
            "text": [proto.education.get("pain_scale", ""), proto.education.get("weak_evidence", "")],
        },
    ]
    return {"topics": topics}
