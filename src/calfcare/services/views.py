"""Read-only use cases: today's plan and the history of an episode, plus the small queries the services share.

``today`` replays the episode's check-ins up to the asked day (so ``--date`` in the past shows that day's plan as it
was), then asks :func:`calfcare.clinical.today.build_today`. A stopped plan (a red flag) says where to go instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.analytics.runs import RunDay
from calfcare.analytics.warnings import (
    LATEST_RUN_DAYS,
    SPIKE_WINDOW_DAYS,
    LoadWarning,
    planned_run_km,
    recent_easy_pace,
    today_warnings,
)
from calfcare.clinical.findings import BEFORE_RUNNING, R_TOO_EARLY
from calfcare.clinical.progression import EpisodeFacts, PlanState
from calfcare.clinical.today import build_today
from calfcare.services.replay import Replay, Stop, episode_facts, replay, stored_replay
from calfcare.store import Database
from calfcare.store.models import Activity, Assessment, CheckIn, Episode, Runner

_STOPS = ("emergency", "urgent")
#: how far back ``today`` reads runs for its load warnings: the spike window before the latest recent run
WARNING_DAYS = SPIKE_WINDOW_DAYS + LATEST_RUN_DAYS + 1
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
    """The runner's imported runs since the onset of their latest episode (for adherence); [] when there are none.

    Reads in its own session, so call it before opening a unit of work."""
    onset, runs = _episode_runs(db=db, runner=runner)
    return [r for r in runs if onset is not None and r.day >= onset]


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
        onset = current.onset
        first = onset - timedelta(days=1)
        if day is not None:
            first = min(first, day - timedelta(days=WARNING_DAYS))
        since = datetime.combine(first, time.min, tzinfo=UTC)
        any_run = s.scalar(
            select(Activity.id).where(Activity.runner_id == runner_row.id, Activity.start_utc >= since).limit(1)
        )
    if any_run is None:
        return onset, []
    from calfcare.services.load import THRESHOLD_DAYS, load_history  # only when there are runs to match

    since_day = min(first, onset - timedelta(days=THRESHOLD_DAYS))
    return onset, load_history(db, runner, reference=onset, streams_from=onset, since=since_day).runs


def stops_assessment(disposition: str, result: object) -> bool:
    """Does an assessment of an open episode stop its plan? An urgent or emergency red flag always does; a
    see-a-clinician flag does when it points away from a strain (no strain plan), as the same flag at a check-in
    would."""
    if disposition in _STOPS:
        return True
    return disposition == "see_clinician" and _doc(result).get("opens_episode") is False


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


def _standing_flags(s: Session, episode_id: int, day: date) -> list[dict[str, Any]]:
    """The see-a-clinician red flags of the episode's latest assessment (on or before ``day``) that left the plan
    running (e.g. a possible large tear), each with ``date``: they stay at the top of today's plan."""
    latest = s.scalar(
        select(Assessment)
        .where(Assessment.episode_id == episode_id, Assessment.day <= day)
        .order_by(Assessment.day.desc(), Assessment.id.desc())
        .limit(1)
    )
    if latest is None or latest.disposition != "see_clinician" or stops_assessment(latest.disposition, latest.result):
        return []
    return [
        {**f, "date": latest.day.isoformat()} for f in _doc(latest.result).get("red_flags", []) if isinstance(f, dict)
    ]


def _doc(value: object) -> dict[str, Any]:
    """A stored JSON document as a dict (an empty one when missing or not an object)."""
    return dict(value) if isinstance(value, dict) else {}


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


def episode_dict(ep: Episode, day: date) -> dict[str, Any]:
    ctx = ep.context or {}
    return {
        "id": ep.id,
        "status": ep.status,
        "onset": ep.onset.isoformat(),
        "assessed_on": ep.assessed_on.isoformat(),
        "closed_on": ep.closed_on.isoformat() if ep.closed_on else None,
        "closed_reason": ep.closed_reason,
        "structure": ep.structure,
        "severity": ep.severity,
        "side": ep.side,
        "day": (day - ep.onset).days,
        "phase": (ep.plan_state or {}).get("phase"),
        "previous_calf_strains": ctx.get("previous_calf_strains"),
        "return_to_run_days": ctx.get("return_to_run_days"),
    }


def today(*, db: Database, runner: str, day: date) -> dict[str, Any] | None:
    """Today's plan (the ``today`` contract) for the runner's episode, or where to go if a red flag stopped it.

    In the return_to_run and full_training phases, a runner with imported runs also gets prevention warnings (a
    planned or just-run spike, speed work too soon; :func:`_load_warnings`) at the top of ``warnings`` and, with
    their kind, level and sources, in ``load_warnings``. One extra read: the runs of :func:`_episode_runs`.
    ``None`` when the runner has no open or referred episode that had started by ``day``.
    """
    onset, all_runs = _episode_runs(db=db, runner=runner, day=day)
    runs = [r for r in all_runs if onset is not None and r.day >= onset]
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        if runner_row is None:
            return None
        ep = current_episode(s, runner_row.id, day)
        if ep is None or (ep.status == "closed" and ep.closed_on is not None and ep.closed_on < day):
            return None
        all_rows, all_stops = checkins_of(s, ep.id), stops_of(s, ep.id)
        rows = [r for r in all_rows if r.day <= day]
        # the stored outcome when it is current for the day (every write keeps it so); else replay up to the day
        done = stored_replay(ep, all_rows, all_stops, runs, day) or replay(
            ep, rows, [st for st in all_stops if st.day <= day], runs
        )
        plan: dict[str, Any] = build_today(
            done.state, episode_facts(ep), day=day, last_checkin=done.last_checkin
        ).to_contract()
        plan["episode"] = {**dict(plan.get("episode") or {}), **episode_dict(ep, day), "phase": plan["phase"]}
        plan["status"] = "referred" if done.referral is not None else ("closed" if done.completed_on else "open")
        if done.referral is not None:
            plan["referral"] = where_to_go(done.referral)
        if done.referral is None:  # prevention warnings from the runner's files, first
            load = _load_warnings(plan, done.state, episode_facts(ep), all_runs, day) if all_runs else []
            plan["warnings"] = [*(w.text for w in load), *(plan.get("warnings") or [])]
            plan["load_warnings"] = [asdict(w) for w in load]
            if standing := _standing_flags(s, ep.id, day):  # a red flag before all else
                texts = [
                    f"Your assessment on {f['date']} raised a red flag (possible "
                    f"{str(f.get('code')).replace('_', ' ')}): {f.get('advice')}"
                    for f in standing
                ]
                plan["warnings"] = [*texts, *plan["warnings"]]
                plan = {"red_flags": standing, **plan}
        early = early_runs(done, runs, rows, day)
        plan["runs_before_running_allowed"] = early
        plan["ask_about_runs"] = [ask_about_run(r) for r in early if not r["checked_in"]]
        if early:
            plan["warnings"] = [_early_runs_warning(early), *(plan.get("warnings") or [])]
        if rows:
            last = done.results[-1]
            plan["last_checkin"] = {"date": rows[-1].day.isoformat(), "decision": last.get("decision")}
            if last.get("decision") == "refer" and done.referral is None:
                warnings = list(plan.get("warnings") or [])
                plan["warnings"] = [*map(str, last.get("reasons") or []), *warnings]
        if done.referral is not None:  # where to go comes first, in its own words (never softened)
            where = plan["referral"]
            plan["warnings"] = [*where["where_to_go"], *(plan.get("warnings") or [])]
            plan = {"status": plan.pop("status"), "referral": plan.pop("referral"), **plan}
        return plan


def early_runs(done: Replay, runs: Sequence[RunDay], rows: Sequence[CheckIn], day: date) -> list[dict[str, Any]]:
    """The imported runs (up to ``day``) on days when the plan did not allow running yet (a phase before return to
    run, or the plan stopped by a red flag), one entry per day: date, km, minutes, the phase then, and whether a
    check-in was entered for that day (``checked_in``: the runner has told how it went)."""
    checked = {r.day for r in rows}
    by_day: dict[date, list[RunDay]] = {}
    for run in runs:
        if run.day <= day:
            by_day.setdefault(run.day, []).append(run)
    out = []
    for d in sorted(by_day):
        phase, stopped = done.plan_on(d)
        if phase not in BEFORE_RUNNING and not stopped:
            continue
        out.append(
            {
                "date": d.isoformat(),
                "distance_km": round(sum(r.distance_km for r in by_day[d]), 2),
                "minutes": round(sum(r.duration_min for r in by_day[d]), 1),
                "phase": phase,
                "stopped": stopped,
                "checked_in": d in checked,
            }
        )
    return out


#: the check-in keys that say how a run felt
RUN_QUESTION_KEYS = ("pain_during_session", "pain_after_session", "morning_pain")


def ask_about_run(run: dict[str, Any]) -> dict[str, Any]:
    """The questions to ask about one run done before running was allowed (a hook for the questionnaire: ``keys``
    are the check-in answers, for the check-in of ``date``, ``session_kind`` ``run``)."""
    d = str(run["date"])
    return {
        "date": d,
        "distance_km": run.get("distance_km"),
        "minutes": run.get("minutes"),
        "keys": list(RUN_QUESTION_KEYS),
        "session_kind": "run",
        "questions": [
            f"How much did the calf hurt during your run on {d} (0–10)?",
            "And after it, that evening (0–10)?",
            "How was it on getting up the next morning (0–10)?",
        ],
        "how": f"answer them in the check-in for that day: `calfcare checkin --date {d}`",
    }


def _early_runs_warning(early: Sequence[dict[str, Any]]) -> str:
    n = len(early)
    days = ", ".join(str(r["date"]) for r in early[-5:]) + (" …" if n > 5 else "")
    ask = [r for r in early if not r["checked_in"]]
    tell = (
        f" Tell us how {'they' if len(ask) > 1 else 'it'} felt: `calfcare checkin --date DAY` for "
        + ", ".join(str(r["date"]) for r in ask[-3:])
        + "."
        if ask
        else ""
    )
    return (
        f"You ran on {n} day{'s' if n > 1 else ''} when running was not allowed yet ({days}): running before the "
        "start-running criteria are met risks a re-injury and does not count towards the plan (rule: "
        f"{R_TOO_EARLY.id}).{tell}"
    )


def _load_warnings(
    plan: dict[str, Any], state: PlanState, facts: EpisodeFacts, runs: list[RunDay], day: date
) -> list[LoadWarning]:
    """Prevention warnings for today's plan (:func:`calfcare.analytics.warnings.today_warnings`): the planned run in
    km (its minutes at the baseline's easy pace, else at the median pace of the last 30 days' easy runs)."""
    run = (plan.get("prescription") or {}).get("run")
    planned = None
    if isinstance(run, dict):
        baseline_pace = facts.baseline.easy_pace_s_per_km if facts.baseline else None
        planned = planned_run_km(run, baseline_pace or recent_easy_pace(runs, day))
    return today_warnings(
        runs,
        day,
        phase=state.phase,
        planned_km=planned,
        returned_on=state.returned_on,
        running_since=state.phase_since if state.phase == "return_to_run" else None,
    )


def where_to_go(referral: dict[str, Any]) -> dict[str, Any]:
    flags = [f for f in referral.get("red_flags") or [] if isinstance(f, dict)]
    advice = list(dict.fromkeys(str(f["advice"]) for f in flags if f.get("advice")))
    return {
        "date": referral.get("date"),
        "by": referral.get("by"),
        "red_flags": flags,
        "where_to_go": advice or [str(r) for r in referral.get("reasons") or []],
        "resume": "After a clinician has seen you: answer cleared_by_clinician at a check-in, or assess again.",
    }


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
