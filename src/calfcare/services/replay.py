"""Rebuilding an episode's plan from what is stored: the one place where stored rows meet the pure progression engine.

Every check-in of the episode is replayed in date order through :func:`calfcare.clinical.progression.decide`, so a
check-in typed in late gives the same plan as one entered on time. An urgent or emergency red flag found by a later
assessment of the same episode is replayed as a stop on its day (the plan stays stopped until a check-in reports that
a clinician has cleared the runner, exactly as after a red flag at a check-in).

When the runner has imported runs, each run day is matched against the prescription the plan gave for that day
(:func:`calfcare.analytics.adherence.match_day`) and the finding goes to ``decide`` (an overdone run holds the plan).

A clinician's actions on the episode (:mod:`calfcare.clinical.clinician`: clear a red flag, set or hold the phase,
pain ceilings) are replayed with the check-ins: an event of day D applies after that day's check-in, so a later
re-replay (a late check-in, a deleted one) keeps what the clinician decided. The pain ceilings hold for the episode.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from calfcare.analytics.adherence import match_day
from calfcare.analytics.runs import RunDay
from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.checkin import CheckInAnswers, checkin_from_values
from calfcare.clinical.clinician import ClinicianEvent, apply_event, check_kind, held, pain_rules_with
from calfcare.clinical.context import RunnerBaseline
from calfcare.clinical.progression import EpisodeFacts, PlanState, decide, is_terminal
from calfcare.clinical.redflags import STORY_KEYS
from calfcare.clinical.today import build_today
from calfcare.store.records import CheckInLike, ClinicianEventLike, EpisodeLike


@dataclass(frozen=True)
class Stop:
    """A red flag found by an assessment of an open episode: the plan stops on ``day``."""

    day: date
    red_flags: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Replay:
    """The outcome of replaying an episode: the final plan state, each row's result, and how the episode stands."""

    state: PlanState
    #: every row, in date order: the stored rows (``CheckIn``) or their records (:mod:`calfcare.store.records`)
    rows: tuple[Any, ...]
    results: tuple[dict[str, Any], ...]  # the contract result of each row
    referral: dict[str, Any] | None  # when the plan is stopped: {"date", "by", "red_flags", "reasons"}
    completed_on: date | None  # the day the plan reached its end (full training, criteria met), if it stays there
    last_checkin: CheckInAnswers | None  # the parsed answers of the last row (for today's gate)
    #: the plan in force from each day on: ``(from_day, phase, stopped)``, in date order (a check-in's decision holds
    #: from the next day; a stop from its own day)
    timeline: tuple[tuple[date, str, bool], ...] = ()
    #: what was replayed (:func:`replay_key`): stored with the outcome, so a read can tell whether it is current
    key: str = ""
    #: the clinician's actions applied, in order (:meth:`ClinicianEvent.to_dict`: day, kind, by, at, values)
    clinician: tuple[dict[str, Any], ...] = ()
    #: the replay just before the last check-in was decided: ``(its day, the plan state, completed_on)`` (what
    #: :func:`resume_point` needs to replace that check-in without replaying the others); None with no check-in
    before_last: tuple[date, PlanState, date | None] | None = None
    #: a digest of what decided the results besides the inputs of ``key``: the episode's story the check-ins were
    #: screened with and the rules (:func:`basis_key`)
    basis: str = ""

    @property
    def state_dict(self) -> dict[str, Any]:
        return dict(self.state.to_dict())

    def plan_on(self, day: date) -> tuple[str, bool]:
        """The phase in force on ``day`` and whether the plan was stopped then (the starting phase before any)."""
        phase, stopped = (self.timeline[0][1], self.timeline[0][2]) if self.timeline else (self.state.phase, False)
        for since, p, s in self.timeline:
            if since > day:
                break
            phase, stopped = p, s
        return phase, stopped


def checkin_values(answers: Mapping[str, Any] | CheckInAnswers) -> dict[str, Any]:
    """Validate check-in answers (raises InvalidAnswers) and return them JSON-ready, as they are stored."""
    from calfcare.contracts.checkin import parse_checkin_answers  # pydantic: only when answers come in

    parsed = answers if isinstance(answers, CheckInAnswers) else parse_checkin_answers(dict(answers))
    return {k: list(v) if isinstance(v, tuple) else v for k, v in parsed.to_dict().items()}


def stored_checkin(values: Mapping[str, Any]) -> CheckInAnswers:
    """A stored check-in's answers (validated when stored, :func:`checkin_values`) back as the domain object, without
    the contract's validation on every read; anything that does not fit (an old or hand-edited row) is validated."""
    try:
        return checkin_from_values({k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
    except (TypeError, ValueError):
        from calfcare.contracts.checkin import parse_checkin_answers

        return parse_checkin_answers(dict(values))


def episode_facts(ep: EpisodeLike) -> EpisodeFacts:
    """The runner facts that size the plan, from the episode row and its context (with a clinician's pain ceilings,
    ``context["pain_ceilings"]``, over the protocol's)."""
    ctx: Mapping[str, Any] = ep.context or {}
    raw_baseline = ctx.get("baseline")
    baseline = RunnerBaseline(**raw_baseline) if isinstance(raw_baseline, dict) else None
    facts = EpisodeFacts(
        onset=ep.onset,
        structure=ep.structure or "unclear",
        severity=ep.severity,
        side=ep.side,
        age=ctx.get("age"),
        previous_calf_strains=ctx.get("previous_calf_strains"),
        baseline=baseline,
        sex=ctx.get("sex"),
        return_to_run_days=_days(ctx.get("return_to_run_days")),
        needs_clearance=bool(ctx.get("needs_clearance")),
        graded_on=ep.assessed_on,
    )
    ceilings = ctx.get("pain_ceilings")
    if isinstance(ceilings, dict) and ceilings:
        facts = replace(facts, pain_rules=pain_rules_with(facts.pain_rules, ceilings))
    return facts


def clinician_events_of(ep: EpisodeLike) -> list[ClinicianEvent]:
    """The clinician's events of a stored episode, in date order (none for an episode not in a session yet)."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from calfcare.store.models import ClinicianEventRow

    s = object_session(ep)
    if s is None or ep.id is None:
        return []
    rows = s.scalars(
        select(ClinicianEventRow)
        .where(ClinicianEventRow.episode_id == ep.id)
        .order_by(ClinicianEventRow.day, ClinicianEventRow.id)
    )
    return [event_of(r) for r in rows]


def event_of(row: ClinicianEventLike) -> ClinicianEvent:
    kind = check_kind(row.kind)
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    return ClinicianEvent(row.day, kind, row.clinician_name, at.isoformat(), dict(row.values or {}))


def _days(value: object) -> tuple[int, int] | None:
    """The latest assessment's range of days to running (it paces the plan), when stored."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def story_from(assessments: Sequence[Mapping[str, Any]]) -> TriageAnswers | None:
    """The episode's story for the check-in screen (:data:`calfcare.clinical.redflags.STORY_KEYS`) from its stored
    triage answers, oldest first: for each key the latest answer given. ``None`` when no assessment says any."""
    story: dict[str, Any] = {}
    for answers in assessments:
        for key in STORY_KEYS:
            value = answers.get(key)
            if value is not None:
                story[key] = tuple(value) if isinstance(value, list) else value
    return TriageAnswers(**story) if story else None


def story_of(ep: EpisodeLike) -> TriageAnswers | None:
    """The story of ``ep`` read from its stored assessments (in the episode's own session; None when detached)."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from calfcare.store.models import Assessment

    s = object_session(ep)
    if s is None or ep.id is None:
        return None
    rows = s.scalars(
        select(Assessment.answers).where(Assessment.episode_id == ep.id).order_by(Assessment.day, Assessment.id)
    )
    return story_from([r for r in rows if isinstance(r, Mapping)])


_FROM_EPISODE: Any = object()


def replay(
    ep: EpisodeLike,
    rows: Sequence[CheckInLike],
    stops: Sequence[Stop] = (),
    runs: Sequence[RunDay] = (),
    story: TriageAnswers | None = _FROM_EPISODE,
    events: Sequence[ClinicianEvent] | None = None,
) -> Replay:
    """Decide every check-in of ``ep`` in date order from the episode's starting plan (pure: rows are not changed).

    A stop applies from the start of its day, before that day's check-in. ``runs`` are the runner's imported runs
    (any days); a check-in day with runs gets an adherence finding against that day's prescription. Each check-in's
    red-flag screen is read with the episode's story (``story``; by default its stored triage answers,
    :func:`story_of`), so a check-in reads the screen as the triage did. ``events`` are the clinician's (default: the
    episode's stored ones, :func:`clinician_events_of`), each applied after its day's check-in.
    """
    if story is _FROM_EPISODE:
        story = story_of(ep) if rows else None
    by_day: dict[date, list[RunDay]] = {}
    for run in runs:
        by_day.setdefault(run.day, []).append(run)
    facts = episode_facts(ep)
    state = PlanState.start(facts, str((ep.context or {}).get("start_phase") or "protect"))
    ordered = sorted(rows, key=lambda r: r.day)
    events = clinician_events_of(ep) if events is None else list(events)
    # stops (from the start of their day) and clinician events (after their day's check-in), in the order they apply
    queue: list[tuple[date, int, Stop | ClinicianEvent]] = sorted(
        [*((st.day, 0, st) for st in stops), *((e.day, 1, e) for e in events)], key=lambda t: (t[0], t[1])
    )
    results: list[dict[str, Any]] = []
    referral: dict[str, Any] | None = None
    completed_on: date | None = None
    last: CheckInAnswers | None = None
    timeline: list[tuple[date, str, bool]] = [(state.started, state.phase, state.stopped)]
    applied: list[dict[str, Any]] = []
    hold: ClinicianEvent | None = None
    before_last: tuple[date, PlanState, date | None] | None = None

    def due(day: date | None) -> list[Stop | ClinicianEvent]:
        """The queued items that apply before the check-in of ``day`` (all of them for ``None``)."""
        n = 0
        while n < len(queue) and (day is None or queue[n][0] < day or (queue[n][0] == day and queue[n][1] == 0)):
            n += 1
        out = [item for _, _, item in queue[:n]]
        del queue[:n]
        return out

    for row in [*ordered, None]:
        for item in due(row.day if row is not None else None):
            if isinstance(item, Stop):
                state, referral = _stop(state, item)
                timeline.append((item.day, state.phase, True))
                continue
            before, state = state, apply_event(state, item)
            applied.append(item.to_dict())
            if item.kind == "hold_phase":
                hold = item
            elif item.kind == "set_phase":
                hold, completed_on = None, None
            if before.stopped and not state.stopped:
                referral = None
            if (before.phase, before.stage, before.stopped) != (state.phase, state.stage, state.stopped):
                timeline.append((max(item.day, timeline[-1][0]), state.phase, state.stopped))
        if row is None:
            break
        before_last = (row.day, state, completed_on)
        state, last, referral, completed_on = _check_in(
            state, row, facts, by_day, last, hold, story, referral, completed_on, results, timeline
        )
    if state.stopped:
        completed_on = None
    key = replay_key(ep, ordered, stops, runs, events)
    done = (state, tuple(ordered), tuple(results), referral, completed_on, last, tuple(timeline), key, tuple(applied))
    return Replay(*done, before_last=before_last, basis=basis_key(story))


def _check_in(
    state: PlanState,
    row: CheckInLike,
    facts: EpisodeFacts,
    by_day: Mapping[date, Sequence[RunDay]],
    last: CheckInAnswers | None,
    hold: ClinicianEvent | None,
    story: TriageAnswers | None,
    referral: dict[str, Any] | None,
    completed_on: date | None,
    results: list[dict[str, Any]],
    timeline: list[tuple[date, str, bool]],
) -> tuple[PlanState, CheckInAnswers, dict[str, Any] | None, date | None]:
    """Decide one check-in (the replay's step, also :func:`replay_from`'s): appends its result and the plan from the
    next day on; returns the new state, its parsed answers, the referral and the day the plan completed."""
    checkin = stored_checkin(row.answers)
    adherence = None
    if by_day.get(row.day) and not state.stopped:
        prescription = build_today(state, facts, day=row.day, last_checkin=last).to_contract()["prescription"]
        ran_before = bool(by_day.get(row.day - timedelta(days=1)))
        adherence = match_day(row.day, prescription, by_day[row.day], ran_day_before=ran_before)  # type: ignore[arg-type]
    decision = decide(state, checkin, day=row.day, facts=facts, adherence=adherence, story=story)
    if hold is not None:
        until = date.fromisoformat(str(hold.values["until"]))
        decision = held(
            state, decision, until=until, why=str(hold.values.get("reason") or ""), day=row.day, facts=facts
        )
    results.append(dict(decision.to_contract(row.day)))
    if decision.new_state.stopped and not state.stopped:
        referral = {
            "date": row.day.isoformat(),
            "by": "checkin",
            "red_flags": [f.to_dict() for f in decision.red_flags],
            "reasons": list(decision.reasons),
        }
    state = decision.new_state
    timeline.append((row.day + timedelta(days=1), state.phase, state.stopped))
    if not state.stopped:
        referral = None
    terminal = not state.stopped and is_terminal(state.phase, state.stage, facts)
    completed_on = (completed_on or row.day) if terminal else None
    return state, checkin, referral, completed_on


#: the episode context key under which the latest replay's key and timeline are stored (:func:`stored_replay`)
REPLAYED = "replayed"


@functools.cache
def rules_digest() -> str:
    """A digest of the rules a replay runs: every module and data file of :mod:`calfcare.clinical` (the progression
    engine, the red flags, the protocol's phases and ceilings), the adherence matching and this module. Part of
    :func:`replay_key`, so a plan state stored by an earlier calfcare is not served after an upgrade that changed a
    rule: ``today`` replays under the new rules until the next write stores their outcome. Read once per process
    (≈ 40 files, ≈ 400 KB: about 2 ms)."""
    package = Path(__file__).resolve().parents[1]
    clinical = package / "clinical"
    rules = (*clinical.rglob("*.py"), *clinical.rglob("*.toml"), package / "analytics" / "adherence.py")
    files = sorted((*rules, Path(__file__).resolve()))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def replay_key(
    ep: EpisodeLike,
    rows: Sequence[CheckInLike],
    stops: Sequence[Stop],
    runs: Sequence[RunDay],
    events: Sequence[ClinicianEvent] | None = None,
) -> str:
    """A digest of everything a replay reads: the episode's facts and context, every check-in (day and answers),
    every stop, the clinician's events, and the runs on check-in days and the days before them (the only runs a
    replay matches) — and the rules it runs (:func:`rules_digest`)."""
    events = clinician_events_of(ep) if events is None else events
    days = {r.day for r in rows}
    matched = sorted(
        (dataclasses.astuple(r) for r in runs if r.day in days or r.day + timedelta(days=1) in days), key=repr
    )
    context = {k: v for k, v in (ep.context or {}).items() if k not in ("referral", REPLAYED)}
    doc = [
        rules_digest(),
        [ep.onset, ep.assessed_on, ep.structure, ep.severity, ep.side, context],
        [[r.day, r.answers] for r in sorted(rows, key=lambda r: r.day)],
        [[st.day, list(st.red_flags)] for st in sorted(stops, key=lambda st: st.day)],
        matched,
        [e.to_dict() for e in events],
    ]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def replayed_record(done: Replay) -> dict[str, Any]:
    """What :func:`calfcare.services.episodes.apply_replay` stores beside the plan state (context[REPLAYED]); with
    its basis (:func:`basis_key`) and the state before the last check-in, what :func:`resume_point` reads."""
    out: dict[str, Any] = {
        "key": done.key,
        "timeline": [[d.isoformat(), phase, stopped] for d, phase, stopped in done.timeline],
    }
    if done.basis:
        out["basis"] = done.basis
    if done.before_last is not None:
        day, state, completed_on = done.before_last
        iso = completed_on.isoformat() if completed_on is not None else None
        out["before_last"] = {"day": day.isoformat(), "state": state.to_dict(), "completed_on": iso}
    return out


def basis_key(story: TriageAnswers | None) -> str:
    """A digest of what a replay decided with besides its inputs (:func:`replay_key`): the story it screened the
    check-ins with (:func:`story_of`) and the rules (:func:`rules_digest`), so a stored outcome is not continued after
    either changed (:func:`resume_point`)."""
    doc = [story.to_dict() if story is not None else None, rules_digest()]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def stored_replay(
    ep: EpisodeLike,
    rows: Sequence[CheckInLike],
    stops: Sequence[Stop],
    runs: Sequence[RunDay],
    day: date,
    events: Sequence[ClinicianEvent] | None = None,
) -> Replay | None:
    """The episode's stored outcome (plan state, results, referral, timeline) as a :class:`Replay`, when it is current
    for ``day``: the episode is open or referred, no check-in or stop is dated after ``day``, and the stored key
    matches these inputs (:func:`replay_key`). None otherwise: the caller replays. Every write that changes an input
    stores a new outcome in the same transaction (:func:`calfcare.services.episodes.apply_replay`)."""
    saved = (ep.context or {}).get(REPLAYED)
    if not isinstance(saved, dict) or ep.status not in ("open", "referred"):
        return None
    events = clinician_events_of(ep) if events is None else events
    if any(r.day > day for r in rows) or any(st.day > day for st in stops) or any(e.day > day for e in events):
        return None
    referral = (ep.context or {}).get("referral") if ep.status == "referred" else None
    if ep.status == "referred" and not isinstance(referral, dict):
        return None
    if saved.get("key") != replay_key(ep, rows, stops, runs, events):
        return None
    ordered = sorted(rows, key=lambda r: r.day)
    try:
        state = PlanState.from_dict(ep.plan_state or {})
        timeline = tuple((date.fromisoformat(d), str(p), bool(s)) for d, p, s in saved.get("timeline") or ())
        last = stored_checkin(ordered[-1].answers) if ordered else None
    except (TypeError, ValueError):
        return None
    results = tuple(dict(r.result) for r in ordered)
    kept = referral if isinstance(referral, dict) else None
    applied = tuple(e.to_dict() for e in events)
    return Replay(state, tuple(ordered), results, kept, None, last, timeline, str(saved["key"]), applied)


@dataclass(frozen=True)
class Resume:
    """Where a replay stands just before the check-in of ``day`` (:func:`resume_point`), from the stored outcome."""

    day: date
    state: PlanState
    completed_on: date | None
    last: CheckInAnswers | None  # the check-in before ``day``
    timeline: tuple[tuple[date, str, bool], ...]
    results: tuple[dict[str, Any], ...]  # the stored results of the check-ins before ``day``
    hold: ClinicianEvent | None
    applied: tuple[dict[str, Any], ...]


def resume_point(
    ep: EpisodeLike,
    rows: Sequence[CheckInLike],
    stops: Sequence[Stop],
    runs: Sequence[RunDay],
    events: Sequence[ClinicianEvent],
    story: TriageAnswers | None,
    day: date,
) -> Resume | None:
    """The stored replay's state just before a check-in of ``day`` is decided, when a check-in of ``day`` can be
    decided from it alone: ``rows`` (as stored, before the write) are those the stored outcome was replayed from
    (:func:`replay_key`, and :func:`basis_key`), ``day`` is after every one of them (the state after the
    last) or is the last one's day (the state stored before it), the episode is open and its plan not stopped, and
    no stop or clinician event is dated on or after ``day``. Then :func:`replay_from` gives what :func:`replay` would.
    None otherwise (a late entry, a deletion, a referred episode, anything changed since): the caller replays."""
    saved = (ep.context or {}).get(REPLAYED)
    if not isinstance(saved, dict) or ep.status != "open" or saved.get("basis") != basis_key(story):
        return None
    if any(st.day >= day for st in stops) or any(e.day >= day for e in events):
        return None
    ordered = sorted(rows, key=lambda r: r.day)
    latest = ordered[-1].day if ordered else None
    if latest is not None and day < latest:
        return None
    if saved.get("key") != replay_key(ep, ordered, stops, runs, events):
        return None
    try:
        timeline = tuple((date.fromisoformat(d), str(p), bool(s)) for d, p, s in saved.get("timeline") or ())
        if day == latest:  # the last check-in is replaced: from the state stored before it
            before = saved.get("before_last")
            if not isinstance(before, dict) or before.get("day") != day.isoformat():
                return None
            state = PlanState.from_dict(before["state"])
            done_on = before.get("completed_on")
            completed_on = date.fromisoformat(done_on) if done_on is not None else None
            timeline, earlier = timeline[:-1], ordered[:-1]
        else:  # a check-in after the last one: from the stored final state (open, so nothing completed)
            state, completed_on, earlier = PlanState.from_dict(ep.plan_state or {}), None, ordered
        last = stored_checkin(earlier[-1].answers) if earlier else None
    except (TypeError, ValueError, KeyError):
        return None
    if state.stopped or not timeline:
        return None
    hold: ClinicianEvent | None = None
    for event in sorted(events, key=lambda e: e.day):  # as the replay applies them: all of them before ``day``
        if event.kind == "hold_phase":
            hold = event
        elif event.kind == "set_phase":
            hold = None
    results = tuple(dict(r.result) for r in earlier)
    applied = tuple(e.to_dict() for e in sorted(events, key=lambda e: e.day))
    return Resume(day, state, completed_on, last, timeline, results, hold, applied)


def replay_from(
    at: Resume,
    ep: EpisodeLike,
    rows: Sequence[CheckInLike],
    stops: Sequence[Stop],
    runs: Sequence[RunDay],
    events: Sequence[ClinicianEvent],
    story: TriageAnswers | None,
) -> Replay:
    """What :func:`replay` gives for ``rows`` (as they are now: the check-ins before ``at.day`` and the one of
    ``at.day``), deciding only the check-in of ``at.day`` from the state :func:`resume_point` read."""
    ordered = sorted(rows, key=lambda r: r.day)
    row = ordered[-1]
    if row.day != at.day or len(ordered) != len(at.results) + 1:
        raise ValueError(f"replay_from: the rows do not continue the stored replay at {at.day.isoformat()}")
    by_day: dict[date, list[RunDay]] = {}
    for run in runs:
        by_day.setdefault(run.day, []).append(run)
    facts = episode_facts(ep)
    results, timeline = list(at.results), list(at.timeline)
    state, last, referral, completed_on = _check_in(
        at.state, row, facts, by_day, at.last, at.hold, story, None, at.completed_on, results, timeline
    )
    if state.stopped:
        completed_on = None
    key = replay_key(ep, ordered, stops, runs, events)
    done = (state, tuple(ordered), tuple(results), referral, completed_on, last, tuple(timeline), key, at.applied)
    return Replay(*done, before_last=(at.day, at.state, at.completed_on), basis=basis_key(story))


def _stop(state: PlanState, stop: Stop) -> tuple[PlanState, dict[str, Any]]:
    codes = tuple(str(f.get("code")) for f in stop.red_flags)
    referral = {
        "date": stop.day.isoformat(),
        "by": "assessment",
        "red_flags": list(stop.red_flags),
        "reasons": [str(f.get("advice")) for f in stop.red_flags if f.get("advice")],
    }
    return replace(state, stopped=True, stop_reasons=codes), referral
