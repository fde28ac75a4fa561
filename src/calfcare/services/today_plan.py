"""Today's plan from what is stored, in two steps: read its inputs (:class:`TodayInputs`, plain records), then build
the ``today`` contract from them with pure functions (:func:`plan_from`, :func:`stopping_from`, :func:`status_from`).

Two readers fill the same inputs: the ORM one (:func:`calfcare.services.views.today_inputs`, every database; what the
web app and the other services use) and :func:`read_sqlite`, which reads a SQLite file with the standard library's
``sqlite3`` (:mod:`calfcare.store.sqlite_read`) so that ``calfcare today`` does not import SQLAlchemy (≈ 0.3 s of its
≈ 0.8 s start on the development VM). ``tests/cli/test_today_readers.py`` checks that both read the same inputs
and give the same plan. This module imports no SQLAlchemy.

The plan itself (:func:`plan_from`) replays the episode's check-ins up to the asked day (so ``--date`` in the past
shows that day's plan as it was) unless the outcome stored by the latest write is current for the day
(:func:`calfcare.services.replay.stored_replay`), then asks :func:`calfcare.clinical.today.build_today`. A stopped
plan (a red flag) says where to go instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from calfcare.analytics.runs import RunDay, runs_in_rehab
from calfcare.analytics.warnings import (
    LATEST_RUN_DAYS,
    SPIKE_WINDOW_DAYS,
    LoadWarning,
    planned_run_km,
    recent_easy_pace,
    today_warnings,
)
from calfcare.clinical.clinician import ClinicianEvent
from calfcare.clinical.findings import BEFORE_RUNNING, R_TOO_EARLY
from calfcare.clinical.progression import EpisodeFacts, PlanState
from calfcare.clinical.today import build_today
from calfcare.services.replay import Replay, Stop, episode_facts, event_of, replay, stored_replay, story_from
from calfcare.store.records import AssessmentRecord, CheckInLike, CheckInRecord, EpisodeRecord

_STOPS = ("emergency", "urgent")
#: how far back ``today`` reads runs for its load warnings: the spike window before the latest recent run
WARNING_DAYS = SPIKE_WINDOW_DAYS + LATEST_RUN_DAYS + 1
#: the check-in keys that say how a run felt
RUN_QUESTION_KEYS = ("pain_during_session", "pain_after_session", "morning_pain")


@dataclass(frozen=True)
class TodayInputs:
    """Everything ``calfcare today`` reads for one runner and day, as plain records."""

    day: date
    runner_id: int | None  # None: nothing is stored for the runner
    episodes: tuple[EpisodeRecord, ...] = ()  # the runner's episodes, newest (highest id) first
    checkins: tuple[CheckInRecord, ...] = ()  # every check-in of :attr:`episode`, in date order
    assessments: tuple[AssessmentRecord, ...] = ()  # the runner's assessments, by day then id
    events: tuple[ClinicianEvent, ...] = ()  # the clinician's events of :attr:`episode`, by day then id
    runs: tuple[RunDay, ...] = ()  # the runner's runs from :func:`runs_from` on (see there), for :attr:`episode`

    @property
    def episode(self) -> EpisodeRecord | None:
        """The episode the day belongs to (:func:`current_of`)."""
        return current_of(self.episodes, self.day)


def active_of(episodes: Sequence[EpisodeRecord]) -> EpisodeRecord | None:
    """Of the runner's episodes (newest first), the one whose plan runs (``open``) or is stopped by a red flag
    (``referred``): the latest if it is one of those, else the latest ``open`` one; None when every one is closed."""
    if episodes and episodes[0].status in ("open", "referred"):
        return episodes[0]
    return next((e for e in episodes if e.status == "open"), None)


def current_of(episodes: Sequence[EpisodeRecord], day: date | None) -> EpisodeRecord | None:
    """The episode a day belongs to: the active one if it had begun by ``day``, else the latest one that had."""
    ep = active_of(episodes)
    if ep is not None and (day is None or ep.onset <= day):
        return ep
    return next((e for e in episodes if day is None or e.onset <= day), None)


def runs_from(onset: date, day: date | None) -> date:
    """The first day of runs ``today`` reads: the day before the onset and, with ``day``, the :data:`WARNING_DAYS`
    before it."""
    first = onset - timedelta(days=1)
    return min(first, day - timedelta(days=WARNING_DAYS)) if day is not None else first


def runs_since_utc(first: date) -> datetime:
    """The start time (UTC) from which an activity may fall on ``first`` or later."""
    return datetime.combine(first, time.min, tzinfo=UTC)


def stops_assessment(disposition: str, result: object) -> bool:
    """Does an assessment of an open episode stop its plan? An urgent or emergency red flag always does; a
    see-a-clinician flag does when it points away from a strain (no strain plan), as the same flag at a check-in
    would."""
    if disposition in _STOPS:
        return True
    return disposition == "see_clinician" and json_doc(result).get("opens_episode") is False


def stops_from(assessments: Sequence[AssessmentRecord], episode_id: int) -> list[Stop]:
    """The assessments of an episode that stop its plan (:func:`stops_assessment`), as stops for the replay."""
    return [
        Stop(a.day, red_flags_of(a.result))
        for a in assessments
        if a.episode_id == episode_id and stops_assessment(a.disposition, a.result)
    ]


def red_flags_of(result: object) -> tuple[dict[str, Any], ...]:
    return tuple(f for f in json_doc(result).get("red_flags", []) if isinstance(f, dict))


def json_doc(value: object) -> dict[str, Any]:
    """A stored JSON document as a dict (an empty one when missing or not an object)."""
    return dict(value) if isinstance(value, dict) else {}


def standing_flags(assessments: Sequence[AssessmentRecord], episode_id: int, day: date) -> list[dict[str, Any]]:
    """The see-a-clinician red flags of the episode's latest assessment (on or before ``day``) that left the plan
    running (e.g. a possible large tear), each with ``date``: they stay at the top of today's plan."""
    latest = next((a for a in reversed(assessments) if a.episode_id == episode_id and a.day <= day), None)
    if latest is None or latest.disposition != "see_clinician" or stops_assessment(latest.disposition, latest.result):
        return []
    return [{**f, "date": latest.day.isoformat()} for f in red_flags_of(latest.result)]


def stopping_from(inputs: TodayInputs) -> dict[str, Any] | None:
    """Where to go, when the runner's latest assessment (on or before the day) found a red flag and so opened no
    episode: ``where_to_go`` of it, with ``"by": "assessment"``; else None."""
    latest = next((a for a in reversed(inputs.assessments) if a.day <= inputs.day), None)
    if latest is None or latest.disposition == "self_care" or latest.episode_id is not None:
        return None
    flags = list(red_flags_of(latest.result))
    return where_to_go({"date": latest.day.isoformat(), "by": "assessment", "red_flags": flags})


def status_from(inputs: TodayInputs) -> str | None:
    """The status of the runner's current episode whatever its onset (open, referred, closed), or None."""
    ep = current_of(inputs.episodes, None)
    return ep.status if ep is not None else None


def episode_dict(ep: Any, day: date) -> dict[str, Any]:
    """An episode (a stored ``Episode`` or an :class:`EpisodeRecord`) as the contracts show it on ``day``."""
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


def events_from(rows: Sequence[Any]) -> tuple[ClinicianEvent, ...]:
    """Clinician event rows (stored or records) as the replay's events, in the rows' order."""
    return tuple(event_of(r) for r in rows)


def plan_from(inputs: TodayInputs) -> dict[str, Any] | None:
    """Today's plan (the ``today`` contract) for the runner's episode, or where to go if a red flag stopped it.

    In the return_to_run and full_training phases, a runner with imported runs also gets prevention warnings (a
    planned or just-run spike, speed work too soon; :func:`_load_warnings`) at the top of ``warnings`` and, with
    their kind, level and sources, in ``load_warnings``. ``None`` when the runner has no open or referred episode that
    had started by the day.
    """
    day, ep = inputs.day, inputs.episode
    if inputs.runner_id is None or ep is None:
        return None
    if ep.status == "closed" and ep.closed_on is not None and ep.closed_on < day:
        return None
    all_runs = list(inputs.runs)
    runs = runs_in_rehab(all_runs, ep.onset)  # the onset day's run is the injury
    all_rows, all_stops = list(inputs.checkins), stops_from(inputs.assessments, ep.id)
    rows = [r for r in all_rows if r.day <= day]
    # the stored outcome when it is current for the day (every write keeps it so); else replay up to the day
    done = stored_replay(ep, all_rows, all_stops, runs, day, inputs.events) or replay(
        ep,
        rows,
        [st for st in all_stops if st.day <= day],
        runs,
        story=_story(inputs.assessments, ep.id) if rows else None,
        events=inputs.events,
    )
    facts = episode_facts(ep)
    plan: dict[str, Any] = build_today(done.state, facts, day=day, last_checkin=done.last_checkin).to_contract()
    plan["episode"] = {**dict(plan.get("episode") or {}), **episode_dict(ep, day), "phase": plan["phase"]}
    plan["status"] = "referred" if done.referral is not None else ("closed" if done.completed_on else "open")
    if done.referral is not None:
        plan["referral"] = where_to_go(done.referral)
    if done.referral is None:  # prevention warnings from the runner's files, first
        load = _load_warnings(plan, done.state, facts, all_runs, day) if all_runs else []
        plan["warnings"] = [*(w.text for w in load), *(plan.get("warnings") or [])]
        plan["load_warnings"] = [asdict(w) for w in load]
        if standing := standing_flags(inputs.assessments, ep.id, day):  # a red flag before all else
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


def _story(assessments: Sequence[AssessmentRecord], episode_id: int) -> Any:
    """The episode's story for the replay's red-flag screen, from its assessments' answers (oldest first)."""
    return story_from([a.answers for a in assessments if a.episode_id == episode_id and isinstance(a.answers, Mapping)])


def early_runs(done: Replay, runs: Sequence[RunDay], rows: Sequence[CheckInLike], day: date) -> list[dict[str, Any]]:
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


def read_sqlite(url: str, runner: str, day: date, *, timeout_s: float) -> TodayInputs | None:
    """The inputs of ``today`` read with ``sqlite3`` (read-only, one snapshot; :mod:`calfcare.store.sqlite_read`), or
    None when that reader does not apply and the caller must use the ORM reader: not a plain SQLite file URL, a
    missing file, a schema not at the head migration, any ``sqlite3`` error (a missing table or column), or a run
    stored without its figures (:func:`_sqlite_runs`)."""
    import sqlite3

    from calfcare.store import sqlite_read as read

    try:
        with read.connect(url, timeout_s=timeout_s) as conn:
            if conn is None:
                return None
            rid = read.runner_id(conn, runner)
            if rid is None:
                return TodayInputs(day, None)
            episodes = tuple(read.episodes(conn, rid))
            ep = current_of(episodes, day)
            runs: tuple[RunDay, ...] | None = ()
            if ep is not None and read.has_activity_since(conn, rid, runs_since_utc(runs_from(ep.onset, day))):
                runs = _sqlite_runs(conn, rid, ep.onset, day)
            if runs is None:
                return None
            return TodayInputs(
                day,
                rid,
                episodes,
                tuple(read.checkins(conn, ep.id)) if ep is not None else (),
                tuple(read.assessments(conn, rid)),
                events_from(read.clinician_events(conn, ep.id)) if ep is not None else (),
                runs,
            )
    except (sqlite3.Error, ValueError, TypeError):  # an unexpected table shape or stored value: the ORM reader
        return None


def _sqlite_runs(conn: Any, runner_id: int, onset: date, day: date) -> tuple[RunDay, ...] | None:
    """The runs the ORM reader gets from :func:`calfcare.services.load.load_history` (the reference and the streams
    from the onset, the threshold window before it), read with ``sqlite3``; None when a run in the streams window has
    no stored figures (they would be computed from its streams: the ORM path does that)."""
    from calfcare.services import run_days as rd  # NumPy: only when there are runs
    from calfcare.store import sqlite_read as read

    first = runs_from(onset, day)
    since = min(first, onset - timedelta(days=rd.THRESHOLD_DAYS))
    acts, days = rd.counted(read.activities(conn, runner_id, runs_since_utc(since - timedelta(days=1))), since)
    window = rd.streams_window(onset, onset)
    wanted = {a.id for a in acts if days[a.id] >= window}
    found = read.activity_figures(conn, runner_id, runs_since_utc(window - timedelta(days=1))) if wanted else []
    figures, extras = rd.stored_figures(found, wanted)
    if any(i not in figures for i in wanted):
        return None
    return tuple(rd.run_days(acts, days, figures, extras, reference=onset, streams_from=onset)[1])
