"""Read-only use cases: today's plan and the history of an episode, plus the small queries the services share.

``today`` reads its inputs through the ORM (:func:`today_inputs`) and builds the plan with the pure functions of
:mod:`calfcare.services.today_plan` (replaying the episode's check-ins up to the asked day unless the stored outcome is
current, so ``--date`` in the past shows that day's plan as it was). A stopped plan (a red flag) says where to go.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.analytics.runs import RunDay, runs_in_rehab
from calfcare.services.replay import Stop
from calfcare.services.today_plan import (
    RUN_QUESTION_KEYS,
    WARNING_DAYS,
    TodayInputs,
    ask_about_run,
    current_of,
    early_runs,
    episode_dict,
    events_from,
    plan_from,
    runs_from,
    runs_since_utc,
    stops_assessment,
    where_to_go,
)
from calfcare.services.today_plan import json_doc as _doc
from calfcare.store import Database
from calfcare.store.models import Activity, Assessment, CheckIn, ClinicianEventRow, Episode, Runner
from calfcare.store.records import AssessmentRecord, CheckInRecord, EpisodeRecord

__all__ = [
    "RUN_QUESTION_KEYS",
    "WARNING_DAYS",
    "ask_about_run",
    "early_runs",
    "episode_dict",
    "stops_assessment",
    "where_to_go",
]

_STOPS = ("emergency", "urgent")
#: the answers drawn as trends in the history (pain 0-10 and heel-raise counts)
SERIES_KEYS = (
    "morning_pain",
    "morning_stiffness",
    "pain_walking",
    "pain_during_session",
    "pain_after_session",
    "single_leg_heel_raises_injured",
    "single_leg_heel_raises_other",
)


def find_runner(s: Session, name: str, *, create: bool) -> Runner | None:
    found = s.scalar(select(Runner).where(Runner.name == name))
    if found is None and create:
        found = Runner(name=name)
        s.add(found)
        s.flush()
    return found


def active_episode(s: Session, runner_id: int) -> Episode | None:
    """The runner's one episode whose plan runs (``open``) or is stopped by a red flag (``referred``): the latest
    episode if it is one of those, else the latest ``open`` one (reopened after a later one was closed); None when
    every episode is closed (or a referred one was followed by a new episode)."""
    episodes = list(s.scalars(select(Episode).where(Episode.runner_id == runner_id).order_by(Episode.id.desc())))
    if episodes and episodes[0].status in ("open", "referred"):
        return episodes[0]
    return next((e for e in episodes if e.status == "open"), None)


def current_episode(s: Session, runner_id: int, day: date | None = None) -> Episode | None:
    """The episode a day belongs to: the active one (:func:`active_episode`) if it had begun by ``day``, else the
    latest one that had."""
    ep = active_episode(s, runner_id)
    if ep is not None and (day is None or ep.onset <= day):
        return ep
    query = select(Episode).where(Episode.runner_id == runner_id)
    if day is not None:
        query = query.where(Episode.onset <= day)
    return s.scalar(query.order_by(Episode.id.desc()).limit(1))


def checkins_of(s: Session, episode_id: int) -> list[CheckIn]:
    return list(s.scalars(select(CheckIn).where(CheckIn.episode_id == episode_id).order_by(CheckIn.day)))


def runs_after_onset(*, db: Database, runner: str) -> list[RunDay]:
    """The runner's imported runs after the onset day of their latest episode (for adherence; the onset day's run is
    the injury: :func:`~calfcare.analytics.runs.runs_in_rehab`); [] when there are none.

    Reads in its own session, so call it before opening a unit of work."""
    onset, runs = _episode_runs(db=db, runner=runner)
    return runs_in_rehab(runs, onset) if onset is not None else []


def _episode_runs(*, db: Database, runner: str, day: date | None = None) -> tuple[date | None, list[RunDay]]:
    """The onset of the runner's latest episode and the runs one query reads for it: from the 180 days before the
    onset (the threshold pace that marks speed work) and, with ``day``, from :data:`WARNING_DAYS` before ``day``.
    Speed work (fast minutes, surges) is measured on the runs since the onset. ``[]`` when no run is that recent."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return None, []
        current = current_episode(s, runner_row.id, day)
        if current is None:
            return None, []
        runner_id, onset = runner_row.id, current.onset
    return onset, _runs_for(db, runner, runner_id, onset, day)


def _runs_for(db: Database, runner: str, runner_id: int, onset: date, day: date | None) -> list[RunDay]:
    """The runs :func:`_episode_runs` reads for an episode that began on ``onset``."""
    first = runs_from(onset, day)
    with db.session() as s:
        any_run = s.scalar(
            select(Activity.id)
            .where(Activity.runner_id == runner_id, Activity.start_utc >= runs_since_utc(first))
            .limit(1)
        )
    if any_run is None:
        return []
    from calfcare.services.load import load_history  # only when there are runs to match (NumPy)
    from calfcare.services.run_days import THRESHOLD_DAYS

    since_day = min(first, onset - timedelta(days=THRESHOLD_DAYS))
    return load_history(db, runner, reference=onset, streams_from=onset, since=since_day).runs


def stops_of(s: Session, episode_id: int) -> list[Stop]:
    """The assessments of an episode that stop its plan (:func:`stops_assessment`), as stops for the replay."""
    rows = s.scalars(
        select(Assessment)
        .where(Assessment.episode_id == episode_id, Assessment.disposition.in_((*_STOPS, "see_clinician")))
        .order_by(Assessment.day, Assessment.id)
    )
    return [
        Stop(a.day, tuple(f for f in _doc(a.result).get("red_flags", []) if isinstance(f, dict)))
        for a in rows
        if stops_assessment(a.disposition, a.result)
    ]


def stopping_assessment(*, db: Database, runner: str, day: date | None = None) -> dict[str, Any] | None:
    """Where to go, when the runner's latest assessment (on or before ``day``) found a red flag and so opened no
    episode: ``where_to_go`` of it, with ``"by": "assessment"``; else None."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return None
        query = select(Assessment).where(Assessment.runner_id == runner_row.id)
        if day is not None:
            query = query.where(Assessment.day <= day)
        latest = s.scalar(query.order_by(Assessment.day.desc(), Assessment.id.desc()).limit(1))
        if latest is None or latest.disposition == "self_care" or latest.episode_id is not None:
            return None
        flags = [f for f in _doc(latest.result).get("red_flags", []) if isinstance(f, dict)]
        return where_to_go({"date": latest.day.isoformat(), "by": "assessment", "red_flags": flags})


def episode_status(*, db: Database, runner: str) -> str | None:
    """The status of the runner's latest episode (open, referred, closed), or None when there is none."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return None
        ep = current_episode(s, runner_row.id)
        return ep.status if ep is not None else None


def awaiting_clearance(*, db: Database, runner: str) -> bool:
    """The open episode needs a clinician's clearance to run (a severe tear) and has not had it yet."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return False
        ep = s.scalars(
            select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id.desc()).limit(1)
        ).first()
        if ep is None or ep.status != "open":
            return False
        return bool((ep.context or {}).get("needs_clearance")) and not (ep.plan_state or {}).get("cleared_to_run_on")


def today_inputs(*, db: Database, runner: str, day: date) -> TodayInputs:
    """What ``today`` reads (:class:`~calfcare.services.today_plan.TodayInputs`), through the ORM: the runner's
    episodes and assessments, and the check-ins, clinician events and runs of the episode the day belongs to."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return TodayInputs(day, None)
        rid = runner_row.id
        episodes = tuple(
            episode_record(e)
            for e in s.scalars(select(Episode).where(Episode.runner_id == rid).order_by(Episode.id.desc()))
        )
        assessments = tuple(
            assessment_record(a)
            for a in s.scalars(
                select(Assessment).where(Assessment.runner_id == rid).order_by(Assessment.day, Assessment.id)
            )
        )
        ep = current_of(episodes, day)
        if ep is None:
            return TodayInputs(day, rid, episodes, assessments=assessments)
        checkins = tuple(CheckInRecord(c.day, c.decision, c.answers, c.result) for c in checkins_of(s, ep.id))
        events = events_from(
            list(
                s.scalars(
                    select(ClinicianEventRow)
                    .where(ClinicianEventRow.episode_id == ep.id)
                    .order_by(ClinicianEventRow.day, ClinicianEventRow.id)
                )
            )
        )
    runs = tuple(_runs_for(db, runner, rid, ep.onset, day))
    return TodayInputs(day, rid, episodes, checkins, assessments, events, runs)


def episode_record(ep: Episode) -> EpisodeRecord:
    return EpisodeRecord(
        id=ep.id,
        runner_id=ep.runner_id,
        status=ep.status,
        side=ep.side,
        structure=ep.structure,
        severity=ep.severity,
        onset=ep.onset,
        assessed_on=ep.assessed_on,
        closed_on=ep.closed_on,
        closed_reason=ep.closed_reason,
        plan_state=ep.plan_state,
        context=ep.context,
    )


def assessment_record(a: Assessment) -> AssessmentRecord:
    return AssessmentRecord(a.id, a.episode_id, a.day, a.disposition, a.answers, a.result)


def today(*, db: Database, runner: str, day: date) -> dict[str, Any] | None:
    """Today's plan (the ``today`` contract) for the runner's episode, or where to go if a red flag stopped it; None
    when the runner has no open or referred episode that had started by ``day``
    (:func:`calfcare.services.today_plan.plan_from` on :func:`today_inputs`)."""
    return plan_from(today_inputs(db=db, runner=runner, day=day))


def history(*, db: Database, runner: str) -> dict[str, Any]:
    """The runner's latest episode with its assessments, check-ins (decisions and reasons) and pain series."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        empty: dict[str, Any] = {
            "runner": runner,
            "episode": None,
            "assessments": [],
            "checkins": [],
            "pain_series": [],
            "earlier_episodes": [],
        }
        if runner_row is None:
            return empty
        episodes = list(s.scalars(select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id)))
        assessments = list(
            s.scalars(
                select(Assessment).where(Assessment.runner_id == runner_row.id).order_by(Assessment.day, Assessment.id)
            )
        )
        ep = current_episode(s, runner_row.id)
        rows = checkins_of(s, ep.id) if ep is not None else []
        out = {**empty, "assessments": [assessment_row(a) for a in assessments]}
        last = assessments[-1] if assessments else None
        if last is not None and last.disposition != "self_care" and last.episode_id is None:
            flags = [f for f in _doc(last.result).get("red_flags", []) if isinstance(f, dict)]
            stop = {"date": last.day.isoformat(), "by": "assessment", "red_flags": flags}
            out = {"referral": where_to_go(stop), **out}  # the latest assessment said where to go: that first
        if ep is None:
            return out
        last_day = ep.closed_on or (rows[-1].day if rows else ep.assessed_on)
        referral = (ep.context or {}).get("referral") if ep.status == "referred" else None
        referral = referral if isinstance(referral, dict) else None
        out["episode"] = {**episode_dict(ep, last_day), "referral": (ep.context or {}).get("referral")}
        if referral and "referral" not in out:  # a stopped plan: where to go comes first
            out = {"referral": where_to_go(referral), **out}
        out["checkins"] = [_checkin_row(r) for r in rows]
        out["pain_series"] = [
            {"date": r.day.isoformat(), **{k: (r.answers or {}).get(k) for k in SERIES_KEYS}} for r in rows
        ]
        out["earlier_episodes"] = [episode_dict(e, e.closed_on or e.assessed_on) for e in episodes if e.id != ep.id]
        return out


def assessment_row(a: Assessment) -> dict[str, Any]:
    res = _doc(a.result)
    return {
        "date": a.day.isoformat(),
        "episode_id": a.episode_id,
        "disposition": a.disposition,
        "structure": (res.get("structure") or {}).get("likely"),
        "severity": (res.get("severity") or {}).get("estimate"),
        "return_to_run_days": (res.get("severity") or {}).get("return_to_run_days"),
        "red_flags": [f.get("code") for f in res.get("red_flags", []) if isinstance(f, dict)],
        # ``calfcare assess --again``: the answers of an earlier assessment re-run on this day with the files then
        "again_on": _doc(res.get("again")).get("on"),
    }


def _checkin_row(r: CheckIn) -> dict[str, Any]:
    res = _doc(r.result)
    return {
        "date": r.day.isoformat(),
        "decision": r.decision,
        "phase": res.get("phase"),
        "stage": res.get("stage"),
        "reasons": list(res.get("reasons", [])),
        "red_flags": [f.get("code") for f in res.get("red_flags", []) if isinstance(f, dict)],
    }
