"""Exports a runner owns, gathered from the store and handed to the pure builders in :mod:`calfcare.exports`:
the calendar feed (and its private subscription tokens), the FHIR Bundle and the clinician's PDF report.

Every function is keyword-only, takes the Database explicitly and returns bytes (or a plain value) that the CLI
writes to a file and a web route can serve as it is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from calfcare.contracts.dates import onset_from
from calfcare.errors import InvalidInput, NotFound
from calfcare.exports.ical import RUN_PHASES, CalendarPlan, Session, build_ical, schedule
from calfcare.store import Database
from calfcare.store.models import Assessment, CalendarToken, CheckIn, Episode, Runner

MAX_WEEKS = 26


def _runner_row(db: Database, runner: str) -> tuple[int, str]:
    with db.session() as s:
        row = s.scalar(select(Runner).where(Runner.name == runner))
        if row is None:
            raise NotFound(f"no runner called {runner!r}")
        return row.id, row.name


def _plan_today(db: Database, runner: str, day: date) -> dict[str, Any]:
    from calfcare.services import today

    plan = today(db=db, runner=runner, day=day)
    if plan is None:
        raise NotFound(f"{runner!r} has no rehab plan on {day.isoformat()}: `calfcare assess` opens one")
    return plan


def calendar_plan(*, db: Database, runner: str, weeks: int = 4, day: date | None = None) -> CalendarPlan:
    """The runner's plan laid out over ``weeks`` weeks from ``day`` (default today)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(f"--weeks: expected 1 to {MAX_WEEKS} weeks, got {weeks}")
    day = day or date.today()
    rid, name = _runner_row(db, runner)
    plan = _plan_today(db, runner, day)
    prescription = plan.get("prescription") or {}
    run, run_from = prescription.get("run"), 0
    if run is None and plan.get("phase") in RUN_PHASES:  # no run today (one yesterday): the next run day's dose
        for ahead in (1, 2):
            later = (_plan_today(db, runner, day + timedelta(days=ahead)).get("prescription") or {}).get("run")
            if later is not None:
                run, run_from = later, ahead
                break
    days = weeks * 7
    sessions = schedule(plan, first_day=day, days=days, run=run, run_from=run_from)
    referral = plan.get("referral")
    if isinstance(referral, dict):
        advice = "\n".join(str(a) for a in referral.get("where_to_go") or [])
        sessions = [Session(day, "note", "See a clinician before any more rehab", advice + "\n" + referral["resume"])]
    return CalendarPlan(
        runner_key=_runner_key(rid, name),
        title=f"calfcare — {name}",
        first_day=day,
        days=days,
        sessions=tuple(sessions),
    )


def ical_for_runner(*, db: Database, runner: str, weeks: int = 4, day: date | None = None) -> bytes:
    """The runner's plan as an iCalendar file (text/calendar)."""
    return build_ical(calendar_plan(db=db, runner=runner, weeks=weeks, day=day), stamp=datetime.now(UTC))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_calendar_token(*, db: Database, runner: str) -> str:
    """A new private calendar subscription token for ``runner`` (256 random bits, URL-safe). Only its SHA-256 is
    stored: show the token once (in the subscription URL); it cannot be read back."""
    rid, _ = _runner_row(db, runner)
    token = secrets.token_urlsafe(32)
    with db.session() as s:
        s.add(CalendarToken(runner_id=rid, token_sha256=_hash(token)))
    return token


def revoke_calendar_token(*, db: Database, runner: str, token: str | None = None) -> int:
    """Revoke ``token`` (or every live token of ``runner`` when None); how many were revoked."""
    rid, _ = _runner_row(db, runner)
    query = update(CalendarToken).where(CalendarToken.runner_id == rid, CalendarToken.revoked_at.is_(None))
    if token is not None:
        query = query.where(CalendarToken.token_sha256 == _hash(token))
    with db.session() as s:
        done = s.execute(query.values(revoked_at=datetime.now(UTC)))
        return int(getattr(done, "rowcount", 0) or 0)


def runner_for_token(*, db: Database, token: str) -> str:
    """The runner a live token belongs to; :class:`NotFound` (the same for unknown and revoked) otherwise."""
    with db.session() as s:
        name = s.scalar(
            select(Runner.name)
            .join(CalendarToken, CalendarToken.runner_id == Runner.id)
            .where(CalendarToken.token_sha256 == _hash(token), CalendarToken.revoked_at.is_(None))
        )
    if name is None:
        raise NotFound("this calendar link is unknown or was revoked")
    return str(name)


def ical_for_token(*, db: Database, token: str, weeks: int = 4, day: date | None = None) -> bytes:
    """The calendar feed a subscription URL serves: the plan as it is now, of the token's runner."""
    return ical_for_runner(db=db, runner=runner_for_token(db=db, token=token), weeks=weeks, day=day)


def _runner_key(rid: int, name: str) -> str:
    return hashlib.sha256(f"calfcare-runner:{rid}:{name}".encode()).hexdigest()[:16]


def gather_record(
    *, db: Database, runner: str, episode_id: int | None = None, day: date | None = None
) -> dict[str, Any]:
    """The runner's episodes (or the one ``episode_id``) with their assessments, check-ins, phase timeline and the
    plan as of ``day`` (default today) for the latest one: the plain values the FHIR and report builders take."""
    from calfcare.exports.record import phase_timeline

    day = day or date.today()
    rid, name = _runner_row(db, runner)
    with db.session() as s:
        query = select(Episode).where(Episode.runner_id == rid).order_by(Episode.id)
        episodes = list(s.scalars(query))
        if episode_id is not None:
            episodes = [e for e in episodes if e.id == episode_id]
            if not episodes:
                raise NotFound(f"{runner!r} has no episode {episode_id} (`calfcare history` lists them)")
        ep_ids = [e.id for e in episodes]
        assessments = list(
            s.scalars(select(Assessment).where(Assessment.runner_id == rid).order_by(Assessment.day, Assessment.id))
        )
        if episode_id is not None:
            assessments = [a for a in assessments if a.episode_id in ep_ids]
        checkins = list(
            s.scalars(select(CheckIn).where(CheckIn.episode_id.in_(ep_ids)).order_by(CheckIn.day, CheckIn.id))
        )
        latest = s.scalar(select(Episode.id).where(Episode.runner_id == rid).order_by(Episode.id.desc()).limit(1))
    plan = None
    if latest in ep_ids:
        from calfcare.services import today

        plan = today(db=db, runner=runner, day=day)
    out_eps = []
    for e in episodes:
        rows = [c for c in checkins if c.episode_id == e.id]
        last = e.closed_on or (rows[-1].day if rows else e.assessed_on)
        last = max(last, min(day, e.closed_on or day)) if e.id == latest else last
        timeline = phase_timeline(
            str((e.context or {}).get("start_phase") or "protect"),
            e.assessed_on,
            [(c.day, _phase_of(c.result)) for c in rows],
            last,
        )
        out_eps.append({
            "id": e.id, "status": e.status, "side": e.side, "structure": e.structure, "severity": e.severity,
            "onset": e.onset, "assessed_on": e.assessed_on, "closed_on": e.closed_on,
            "phase": (e.plan_state or {}).get("phase"), "context": dict(e.context or {}), "timeline": timeline,
            "plan": plan if e.id == latest else None,
        })  # fmt: skip
    return {
        "runner": name,
        "runner_key": _runner_key(rid, name),
        "day": day,
        "episodes": out_eps,
        "assessments": [
            {
                "id": a.id,
                "day": a.day,
                "episode_id": a.episode_id,
                "disposition": a.disposition,
                "answers": dict(a.answers or {}),
                "result": dict(a.result or {}),
            }
            for a in assessments
        ],
        "checkins": [
            {
                "id": c.id,
                "day": c.day,
                "episode_id": c.episode_id,
                "decision": c.decision,
                "answers": dict(c.answers or {}),
                "result": dict(c.result or {}),
            }
            for c in checkins
        ],
    }


def _phase_of(result: object) -> str | None:
    phase = result.get("phase") if isinstance(result, dict) else None
    return str(phase) if phase else None


def fhir_for_runner(*, db: Database, runner: str, day: date | None = None) -> bytes:
    """The runner's record as a FHIR R4 Bundle (JSON bytes, application/fhir+json)."""
    from calfcare.exports.fhir import bundle_json

    return bundle_json(gather_record(db=db, runner=runner, day=day), timestamp=datetime.now(UTC))


def _sources(assessments: list[dict[str, Any]], checkins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The full citations behind the rules the episode's assessment and check-ins applied, in first-cited order."""
    from calfcare.clinical.rules import RULES
    from calfcare.clinical.sources import SOURCES

    by_label = {s.label: s for s in SOURCES.values()}
    keys: list[str] = []
    for a in assessments:
        for label in a["result"].get("sources") or []:
            if str(label) in by_label:
                keys.append(by_label[str(label)].key)
    for row in [*assessments, *checkins]:
        for r in row["result"].get("rules") or []:
            rule_id = r.get("id") if isinstance(r, dict) else r
            found = RULES.get(str(rule_id))
            if found is not None:
                keys.extend(found.sources)
    out = []
    for key in dict.fromkeys(keys):
        s = SOURCES.get(key)
        if s is not None:
            out.append(
                {
                    "label": s.label,
                    "citation": s.citation,
                    "url": s.url or (f"https://doi.org/{s.doi}" if s.doi else None),
                }
            )
    return out


def report_data(*, db: Database, runner: str, episode_id: int | None = None, day: date | None = None) -> dict[str, Any]:
    """Everything the clinician's report shows, as plain values (for :mod:`calfcare.exports.report`)."""
    from calfcare.services.load import adherence_report, load_report, retro_report

    day = day or date.today()
    record = gather_record(db=db, runner=runner, episode_id=episode_id, day=day)
    referral = _referral(record["assessments"]) if episode_id is None else None
    if referral is not None:  # the latest assessment sent the runner to a clinician and opened no plan
        ep, assessments, checkins = _referral_episode(referral), [referral], []
    elif not record["episodes"]:
        raise NotFound(f"{runner!r} has no injury episode to report on: `calfcare assess` opens one")
    else:
        ep = record["episodes"][-1]
        assessments = [a for a in record["assessments"] if a["episode_id"] == ep["id"]]
        checkins = [c for c in record["checkins"] if c["episode_id"] == ep["id"]]
    latest = referral is None and (ep["plan"] is not None or episode_id is None)
    end = min(day, ep["closed_on"] or day)
    adherence = None
    if latest:
        try:
            adherence = adherence_report(db=db, runner=runner, today=end)
        except NotFound:
            adherence = None
    load = None
    first_week = ep["onset"] - timedelta(weeks=6)
    weeks = min(MAX_WEEKS, max(8, (end - first_week).days // 7 + 1))
    try:
        rows = load_report(db=db, runner=runner, today=end, weeks=weeks)["weeks"]
        load = {"weeks": [(date.fromisoformat(w["week_start"]), float(w["distance_km"])) for w in rows],
                "onset": ep["onset"]}  # fmt: skip
    except NotFound:
        load = None
    try:
        retro = retro_report(db=db, runner=runner, onset=ep["onset"])
    except NotFound:
        retro = None
    if retro is not None and not any(r.get("distance_km") for r in retro.get("weeks") or []) and not load:
        retro = None
    return {
        "runner": record["runner"],
        "day": day,
        "generated_on": date.today(),
        "episode": ep,
        "assessments": assessments,
        "checkins": checkins,
        "adherence": adherence,
        "load": load,
        "retro": retro,
        "sources": _sources(assessments, checkins),
    }


#: dispositions of an assessment that opens no plan (ASSESSMENT.md: any emergency or urgent red flag)
REFERRALS = ("emergency", "urgent")


def _referral(assessments: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The runner's latest assessment when it referred them to a clinician without opening an episode."""
    last = assessments[-1] if assessments else None
    if last is not None and last["episode_id"] is None and last["disposition"] in REFERRALS:
        return last
    return None


def _referral_episode(assessment: dict[str, Any]) -> dict[str, Any]:
    """What the report shows of a referral at triage, in the shape of an episode: the runner's own story (side,
    onset), no grade, no phases, no plan."""
    answers = assessment["answers"]
    days = answers.get("days_since_onset")
    try:
        onset = onset_from(assessment["day"], float(days) if isinstance(days, int | float) else None)
    except InvalidInput:
        onset = assessment["day"]
    return {
        "id": None, "status": "referred", "side": answers.get("side"), "structure": None, "severity": None,
        "onset": onset, "assessed_on": assessment["day"], "closed_on": None, "phase": None, "context": {},
        "timeline": [], "plan": None, "referred": {"day": assessment["day"], "disposition": assessment["disposition"]},
    }  # fmt: skip


def report_html_for(*, db: Database, runner: str, episode_id: int | None = None, day: date | None = None) -> str:
    """The report as HTML (what the PDF is printed from; a web page can show it as it is)."""
    from calfcare.exports.report import report_html

    return report_html(report_data(db=db, runner=runner, episode_id=episode_id, day=day))


def report_pdf(*, db: Database, runner: str, episode_id: int | None = None, day: date | None = None) -> bytes:
    """The clinician's report as PDF bytes (application/pdf), one to three A4 pages."""
    from calfcare.exports.report import html_to_pdf

    return html_to_pdf(report_html_for(db=db, runner=runner, episode_id=episode_id, day=day))
