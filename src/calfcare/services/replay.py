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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from typing import Any

from calfcare.analytics.adherence import match_day
from calfcare.analytics.load import RunDay
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.clinician import ClinicianEvent, apply_event, check_kind, held, pain_rules_with
from calfcare.clinical.context import RunnerBaseline
from calfcare.clinical.progression import EpisodeFacts, PlanState, decide, is_terminal
from calfcare.clinical.today import build_today
from calfcare.contracts.checkin import parse_checkin_answers
from calfcare.store.models import CheckIn, ClinicianEventRow, Episode


@dataclass(frozen=True)
class Stop:
    """A red flag found by an assessment of an open episode: the plan stops on ``day``."""

    day: date
    red_flags: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Replay:
    """The outcome of replaying an episode: the final plan state, each row's result, and how the episode stands."""

    state: PlanState
    rows: tuple[CheckIn, ...]  # every row, in date order
    results: tuple[dict[str, Any], ...]  # the contract result of each row
    referral: dict[str, Any] | None  # when the plan is stopped: {"date", "by", "red_flags", "reasons"}
    completed_on: date | None  # the day the plan reached its end (full training, criteria met), if it stays there
    last_checkin: CheckInAnswers | None  # the parsed answers of the last row (for today's gate)
    #: the plan in force from each day on: ``(from_day, phase, stopped)``, in date order (a check-in's decision holds
    #: from the next day; a stop from its own day)
    timeline: tuple[tuple[date, str, bool], ...] = ()
    #: the clinician's actions applied, in order (:meth:`ClinicianEvent.to_dict`: day, kind, by, at, values)
    clinician: tuple[dict[str, Any], ...] = ()

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
    parsed = answers if isinstance(answers, CheckInAnswers) else parse_checkin_answers(dict(answers))
    return {k: list(v) if isinstance(v, tuple) else v for k, v in parsed.to_dict().items()}


def episode_facts(ep: Episode) -> EpisodeFacts:
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


def clinician_events_of(ep: Episode) -> list[ClinicianEvent]:
    """The clinician's events of a stored episode, in date order (none for an episode not in a session yet)."""
    from sqlalchemy import inspect, select

    insp = inspect(ep)
    if insp.session is None or ep.id is None:
        return []
    rows = insp.session.scalars(
        select(ClinicianEventRow)
        .where(ClinicianEventRow.episode_id == ep.id)
        .order_by(ClinicianEventRow.day, ClinicianEventRow.id)
    )
    return [event_of(r) for r in rows]


def event_of(row: ClinicianEventRow) -> ClinicianEvent:
    kind = check_kind(row.kind)
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    return ClinicianEvent(row.day, kind, row.clinician_name, at.isoformat(), dict(row.values or {}))


def _days(value: object) -> tuple[int, int] | None:
    """The latest assessment's range of days to running (it paces the plan), when stored."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def replay(
    ep: Episode,
    rows: Sequence[CheckIn],
    stops: Sequence[Stop] = (),
    runs: Sequence[RunDay] = (),
    events: Sequence[ClinicianEvent] | None = None,
) -> Replay:
    """Decide every check-in of ``ep`` in date order from the episode's starting plan (pure: rows are not changed).

    A stop applies from the start of its day, before that day's check-in. ``runs`` are the runner's imported runs
    (any days); a check-in day with runs gets an adherence finding against that day's prescription. ``events`` are
    the clinician's (default: the episode's stored ones), each applied after its day's check-in.
    """
    by_day: dict[date, list[RunDay]] = {}
    for run in runs:
        by_day.setdefault(run.day, []).append(run)
    facts = episode_facts(ep)
    state = PlanState.start(facts, str((ep.context or {}).get("start_phase") or "protect"))
    ordered = sorted(rows, key=lambda r: r.day)
    # stops (from the start of their day) and clinician events (after their day's check-in), in the order they apply
    queue: list[tuple[date, int, Stop | ClinicianEvent]] = sorted(
        [
            *((st.day, 0, st) for st in stops),
            *((e.day, 1, e) for e in (clinician_events_of(ep) if events is None else events)),
        ],
        key=lambda t: (t[0], t[1]),
    )
    results: list[dict[str, Any]] = []
    referral: dict[str, Any] | None = None
    completed_on: date | None = None
    last: CheckInAnswers | None = None
    timeline: list[tuple[date, str, bool]] = [(state.started, state.phase, state.stopped)]
    applied: list[dict[str, Any]] = []
    hold: ClinicianEvent | None = None

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
        checkin = parse_checkin_answers(dict(row.answers))
        adherence = None
        if by_day.get(row.day) and not state.stopped:
            prescription = build_today(state, facts, day=row.day, last_checkin=last).to_contract()["prescription"]
            ran_before = bool(by_day.get(row.day - timedelta(days=1)))
            adherence = match_day(row.day, prescription, by_day[row.day], ran_day_before=ran_before)  # type: ignore[arg-type]
        decision = decide(state, checkin, day=row.day, facts=facts, adherence=adherence)
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
        state, last = decision.new_state, checkin
        timeline.append((row.day + timedelta(days=1), state.phase, state.stopped))
        if not state.stopped:
            referral = None
        terminal = not state.stopped and is_terminal(state.phase, state.stage, facts)
        completed_on = (completed_on or row.day) if terminal else None
    if state.stopped:
        completed_on = None
    return Replay(state, tuple(ordered), tuple(results), referral, completed_on, last, tuple(timeline), tuple(applied))


def _stop(state: PlanState, stop: Stop) -> tuple[PlanState, dict[str, Any]]:
    codes = tuple(str(f.get("code")) for f in stop.red_flags)
    referral = {
        "date": stop.day.isoformat(),
        "by": "assessment",
        "red_flags": list(stop.red_flags),
        "reasons": [str(f.get("advice")) for f in stop.red_flags if f.get("advice")],
    }
    return replace(state, stopped=True, stop_reasons=codes), referral
