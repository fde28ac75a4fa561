"""Episodes of injury: assess (open or re-grade an episode), record a daily check-in, today's plan, the history.

Each function is keyword-only, takes the :class:`~calfcare.store.Database` explicitly and does all its writing in
one unit of work, so bad input or a refused write leaves nothing behind.

An episode is ``open`` while its plan runs, ``referred`` while a red flag has stopped the plan (until a check-in
says a clinician has cleared the runner — ``cleared_by_clinician`` — or a new assessment starts a new episode), and
``closed`` once the plan reaches full training with its criteria met. The stored plan state is derived data, rebuilt
by replaying the episode's check-ins (:mod:`calfcare.services.replay`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.analytics.runs import RunDay
from calfcare.clinical.answers import RED_FLAG_KEYS, TriageAnswers
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import RunnerBaseline, TrainingEvidence
from calfcare.clinical.triage import Assessment as Triage
from calfcare.clinical.triage import triage
from calfcare.contracts.dates import check_not_before_onset, onset_from
from calfcare.errors import Conflict, InvalidInput, NotFound
from calfcare.services.replay import (
    REPLAYED,
    Replay,
    checkin_values,
    clinician_events_of,
    replay,
    replay_from,
    replayed_record,
    resume_point,
    story_of,
)
from calfcare.services.views import (
    active_episode,
    ask_about_run,
    current_episode,
    early_runs,
    episode_dict,
    episode_status,
    find_runner,
    history,
    runs_after_onset,
    stopping_assessment,
    stops_assessment,
    stops_of,
    today,
    where_to_go,
)
from calfcare.services.views import checkins_of as _checkins
from calfcare.store import Database
from calfcare.store.models import Activity, Assessment, CheckIn, Episode, Runner

__all__ = [
    "AssessOutcome",
    "CheckinOutcome",
    "DeleteOutcome",
    "assess",
    "assess_again",
    "delete_checkin",
    "episode_status",
    "history",
    "record_checkin",
    "runs_to_ask_about",
    "stopping_assessment",
    "today",
]

#: dispositions that stop everything: no plan, the runner is told where to go
STOPS = ("emergency", "urgent")
#: structures that count as an earlier calf strain
_CALF = frozenset({"gastrocnemius", "soleus", "unclear"})
#: a referred episode that started this close to a new onset is taken to be the same injury, not a previous one
_SAME_INJURY_DAYS = 42
#: a new assessment re-grades the same injury only within its first days; later it is kept, or a new injury
REGRADE_DAYS = 10
#: ``closed_reason`` of an episode whose plan reached full training with its criteria met
COMPLETED = "back to full training with the criteria met"


@dataclass(frozen=True)
class AssessOutcome:
    """What ``assess`` did: the triage result (contract), the episode it opened or re-graded, and notes."""

    result: dict[str, Any]
    episode: dict[str, Any] | None
    notes: tuple[str, ...]
    assessment_id: int
    #: what a re-grade changed, ``{field: [before, after]}`` (structure, severity, side, return_to_run_days, baseline)
    changes: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: the episode this assessment closed because it found a new injury (``episode_dict`` with ``closed_reason``)
    closed_episode: dict[str, Any] | None = None

    @property
    def disposition(self) -> str:
        return str(self.result["disposition"])

    def to_contract(self) -> dict[str, Any]:
        out = {**self.result, "episode": self.episode, "notes": list(self.notes), "changes": dict(self.changes)}
        if self.closed_episode is not None:
            out["closed_episode"] = self.closed_episode
        return out


@dataclass(frozen=True)
class CheckinOutcome:
    """What ``record_checkin`` did: that day's result (contract), whether it replaced one, the episode after it."""

    result: dict[str, Any]
    replaced: bool
    episode: dict[str, Any]
    notes: tuple[str, ...]
    #: runs imported for days before running was allowed that no check-in covers yet: what to ask about each
    #: (:func:`calfcare.services.views.ask_about_run`)
    ask_about_runs: tuple[dict[str, Any], ...] = ()

    @property
    def decision(self) -> str:
        return str(self.result["decision"])

    def to_contract(self) -> dict[str, Any]:
        return {
            **self.result,
            "replaced": self.replaced,
            "episode": self.episode,
            "notes": list(self.notes),
            "ask_about_runs": list(self.ask_about_runs),
        }


# ---------------------------------------------------------------------------------------------------------------
# assess


def assess(
    *,
    db: Database,
    runner: str,
    answers: Mapping[str, Any] | TriageAnswers,
    day: date,
    baseline: RunnerBaseline | None = None,
    evidence: Sequence[TrainingEvidence] | None = None,
    today_is: date | None = None,
) -> AssessOutcome:
    """Triage ``answers`` on ``day``, store the assessment, and open (or re-grade) the runner's episode.

    An urgent or emergency red flag opens no episode and stops the plan of an open one (it becomes "referred"): the
    result says where to go. Earlier episodes count as previous calf strains when the runner did not say.
    ``baseline`` and ``evidence`` default to what the runner's imported training files show before the onset.

    With an open episode, a new injury (:func:`new_injury_reason`: the other side, a fresh onset, another structure
    after the first :data:`REGRADE_DAYS` days, or a plan already at full training) closes it with that reason and
    opens a new one; the same injury within its first :data:`REGRADE_DAYS` days is re-graded (the outcome says what
    changed); later, the assessment is kept in the episode's history and the episode is left as it is.
    """
    _not_future(day, today_is)
    from calfcare.contracts.assessment import parse_assessment_answers  # pydantic: only when assessing

    parsed = answers if isinstance(answers, TriageAnswers) else parse_assessment_answers(dict(answers))
    notes: list[str] = []
    if baseline is None or evidence is None:
        found_baseline, found_evidence = _training_context(db, runner, _onset(day, parsed.days_since_onset))
        baseline = baseline if baseline is not None else found_baseline
        evidence = evidence if evidence is not None else found_evidence
    runs = runs_after_onset(db=db, runner=runner)
    with db.runner_session(runner, create=True) as (s, runner_row):
        assert runner_row is not None
        active = active_episode(s, runner_row.id)
        open_ep = active if active is not None and active.status == "open" else None
        if open_ep is not None:
            check_not_before_onset(day, open_ep.onset)
        onset = open_ep.onset if open_ep is not None else _onset(day, parsed.days_since_onset)
        merged = _merge_previous_strains(s, runner_row.id, parsed, open_ep, onset, notes)
        outcome = triage(merged, evidence=tuple(evidence))
        result = outcome.to_contract()
        closed: dict[str, Any] | None = None
        if open_ep is not None and outcome.opens_episode and not stops_assessment(outcome.disposition, result):
            reason = new_injury_reason(open_ep, parsed, outcome.structure.likely, day)
            if reason is not None:  # a new injury: the open episode is closed, the new one counts it as earlier
                closed = close_row(open_ep, day, reason)
                notes.clear()
                merged = _merge_previous_strains(
                    s, runner_row.id, parsed, None, _onset(day, parsed.days_since_onset), notes
                )
                outcome = triage(merged, evidence=tuple(evidence))
                result = outcome.to_contract()
                notes.append(
                    f"This is a new injury ({reason}): your episode {closed['id']} (since {closed['onset']}, "
                    f"{_describe(open_ep)}) was closed and a new episode opened. If it was the same injury after all: "
                    f"`calfcare episode close`, then `calfcare episode reopen {closed['id']}`."
                )
                active = open_ep = None
        row = Assessment(
            runner_id=runner_row.id, day=day, disposition=outcome.disposition, answers=merged.to_dict(), result=result
        )
        s.add(row)
        episode: Episode | None = None
        changes: dict[str, Any] = {}
        if outcome.disposition in STOPS:
            episode = _stop_episode(s, active, row, day, notes, runs)
        elif open_ep is not None and stops_assessment(outcome.disposition, result):  # as the flag at a check-in
            episode = _stop_episode(s, open_ep, row, day, notes, runs)
        elif not outcome.opens_episode:
            episode = open_ep
            row.episode_id = open_ep.id if open_ep is not None else None
            kept = f"; your open episode (since {open_ep.onset.isoformat()}) is unchanged" if open_ep else ""
            notes.append(f"No strain plan was started: these answers do not point to a calf strain{kept}.")
        elif open_ep is not None and (day - open_ep.onset).days > REGRADE_DAYS:
            episode = open_ep
            row.episode_id = open_ep.id
            n = (day - open_ep.onset).days
            notes.append(
                f"Your episode {open_ep.id} (since {open_ep.onset.isoformat()}) is on day {n}: "
                f"re-grading applies only within the first {REGRADE_DAYS} days of an injury, so it is unchanged "
                f"({_describe(open_ep)}) and this assessment is kept in its history. If this is a new injury, "
                "`calfcare episode close` and assess again; to use newly imported runs, `calfcare assess --again`."
            )
        else:
            if active is not None and active.status == "referred":
                notes.append(
                    f"Your episode from {active.onset.isoformat()} was referred to a clinician; this assessment starts "
                    "a new episode."
                )
            episode, changes = _open_or_regrade(s, runner_row.id, open_ep, merged, outcome, day, baseline, notes, runs)
            row.episode_id = episode.id
        s.flush()
        return AssessOutcome(
            result=result,
            episode=episode_dict(episode, day) if episode is not None else None,
            notes=tuple(notes),
            assessment_id=row.id,
            changes=changes,
            closed_episode=closed,
        )


def new_injury_reason(ep: Episode, answers: TriageAnswers, likely: str | None, day: date) -> str | None:
    """Why these answers describe a new injury rather than the open episode ``ep`` (None: the same injury).

    The other side; an onset more than :data:`REGRADE_DAYS` days after the episode's; another structure once the
    episode is past its first :data:`REGRADE_DAYS` days; or any strain once its plan has reached full training.
    """
    if answers.side and ep.side and answers.side != ep.side:
        return f"the {answers.side} calf, and episode {ep.id} is for the {ep.side} one"
    if (ep.plan_state or {}).get("phase") == "full_training":
        return f"episode {ep.id} had already reached full training"
    if answers.days_since_onset is not None:
        onset = _onset(day, answers.days_since_onset)
        if (onset - ep.onset).days > REGRADE_DAYS:
            return f"it began on {onset.isoformat()}, more than {REGRADE_DAYS} days after episode {ep.id} began"
    known = {"gastrocnemius", "soleus"}
    if (day - ep.onset).days > REGRADE_DAYS and likely in known and ep.structure in known and likely != ep.structure:
        return f"{likely}, and episode {ep.id} is a {ep.structure} strain past its first {REGRADE_DAYS} days"
    return None


def assess_again(*, db: Database, runner: str, day: date, today_is: date | None = None) -> AssessOutcome:
    """Re-run the open episode's latest assessment with the training files as they are now (after an import).

    The stored answers are reused as they were given (nothing is asked again) and the result is stored as a new
    assessment of the same day; the structure likelihood uses the changes before the onset that the files now show,
    and the return-to-run plan is sized from the pre-injury running. The episode keeps its onset, side and starting
    phase; the outcome says what changed.
    """
    _not_future(day, today_is)
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        ep = active_episode(s, runner_row.id) if runner_row is not None else None
        if ep is None or ep.status != "open":
            state = "its plan is stopped (referred)" if ep is not None else "there is none"
            raise Conflict(
                f"runner {runner!r} has no open episode to assess again ({state}): `calfcare assess` answers the "
                "questions afresh. Nothing was stored."
            )
        episode_id, onset = ep.id, ep.onset
    baseline, evidence = _training_context(db, runner, onset)
    runs = runs_after_onset(db=db, runner=runner)
    with db.runner_session(runner, create=False) as (s, runner_row):
        ep = active_episode(s, runner_row.id) if runner_row is not None else None
        if ep is None or ep.id != episode_id or runner_row is None:
            raise Conflict(f"runner {runner!r}: the open episode changed meanwhile; try again. Nothing was stored.")
        last = s.scalar(  # the latest assessment that graded the episode (not one kept after its first days)
            select(Assessment)
            .where(
                Assessment.episode_id == ep.id,
                Assessment.disposition.notin_(STOPS),
                Assessment.day <= ep.assessed_on,
            )
            .order_by(Assessment.day.desc(), Assessment.id.desc())
            .limit(1)
        )
        if last is None:
            raise Conflict(f"episode {ep.id} has no stored assessment to run again. Nothing was stored.")
        from calfcare.contracts.assessment import parse_assessment_answers

        parsed = parse_assessment_answers(dict(last.answers))
        outcome = triage(parsed, evidence=tuple(evidence))
        result = {**outcome.to_contract(), "again": {"of": last.id, "on": day.isoformat()}}
        row = Assessment(
            runner_id=runner_row.id,
            episode_id=ep.id,
            day=last.day,
            disposition=outcome.disposition,
            answers=parsed.to_dict(),
            result=result,
        )
        s.add(row)
        notes = [
            f"Ran your assessment of {last.day.isoformat()} again with your answers as they were and your training "
            f"files as they are now ({len(evidence)} finding{'s' if len(evidence) != 1 else ''} before the onset)."
        ]
        changes: dict[str, Any] = {}
        if not outcome.opens_episode or stops_assessment(outcome.disposition, result):
            notes.append("These answers no longer give a strain plan: the episode is unchanged; see a clinician.")
        else:
            before = _grading(ep)
            ep.structure, ep.severity = outcome.structure.likely, outcome.severity.estimate
            context = dict(ep.context or {})
            context["return_to_run_days"] = outcome.to_contract()["severity"].get("return_to_run_days")
            if baseline is not None:
                context["baseline"] = dataclasses.asdict(baseline)
            ep.context = context
            changes = _changes(before, _grading(ep))
            if baseline is not None and before["baseline"] != context.get("baseline"):
                changes["baseline"] = [before["baseline"], context["baseline"]]
            apply_replay(ep, replay(ep, _checkins(s, ep.id), stops_of(s, ep.id), runs))
            notes.append(_changes_text(changes, ep))
            if baseline is None:
                notes.append("Your files have no running before the onset to size the return to running from.")
        s.flush()
        return AssessOutcome(
            result=result, episode=episode_dict(ep, day), notes=tuple(notes), assessment_id=row.id, changes=changes
        )


def _training_context(db: Database, runner: str, onset: date) -> tuple[RunnerBaseline | None, list[TrainingEvidence]]:
    """The pre-injury baseline and training findings from the runner's imported files (nothing without files)."""
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        has_runs = runner_row is not None and s.scalar(
            select(Activity.id).where(Activity.runner_id == runner_row.id).limit(1)
        )
    if not has_runs:
        return None, []
    from calfcare.services.load import baseline_for_onset, evidence_for_onset  # only when there are files

    base = baseline_for_onset(db=db, runner=runner, onset=onset)
    return (base if base.source != "none" else None), evidence_for_onset(db=db, runner=runner, onset=onset)


def _stop_episode(
    s: Session, active: Episode | None, row: Assessment, day: date, notes: list[str], runs: Sequence[RunDay]
) -> Episode | None:
    """An urgent or emergency flag: no new episode; the active one (if any) is stopped from ``day``."""
    if active is None:
        notes.append("No rehab episode was opened: see a clinician first (where to go is above).")
        return None
    row.episode_id = active.id
    s.flush()
    if active.onset > day:
        return active
    apply_replay(active, replay(active, _checkins(s, active.id), stops_of(s, active.id), runs))
    notes.append(
        f"Your episode (since {active.onset.isoformat()}) is now marked 'referred': the plan stops until a clinician "
        "has seen you. After that, answer cleared_by_clinician at a check-in, or assess again."
    )
    return active


def _earlier_strains(s: Session, runner_id: int, open_ep: Episode | None, onset: date) -> list[Episode]:
    out = []
    for e in s.scalars(select(Episode).where(Episode.runner_id == runner_id).order_by(Episode.id)):
        if (open_ep is not None and e.id == open_ep.id) or e.structure not in _CALF or e.onset > onset:
            continue
        if e.status == "referred" and (onset - e.onset).days < _SAME_INJURY_DAYS:
            continue  # most likely the same injury, handed to a clinician
        out.append(e)
    return out


def _merge_previous_strains(
    s: Session, runner_id: int, answers: TriageAnswers, open_ep: Episode | None, onset: date, notes: list[str]
) -> TriageAnswers:
    earlier = _earlier_strains(s, runner_id, open_ep, onset)
    if not earlier:
        return answers
    n = len(earlier)
    if answers.previous_calf_strains is None:
        notes.append(
            f"Counted {n} earlier calf strain{'s' if n > 1 else ''} from your calfcare history as previous calf "
            "strains: a previous strain raises the risk of another and lengthens the estimate."
        )
        return dataclasses.replace(answers, previous_calf_strains=n)
    if answers.previous_calf_strains < n:
        notes.append(
            f"You said {answers.previous_calf_strains} previous calf strains; calfcare has {n} earlier episodes on "
            "record. Your answer was used."
        )
    return answers


def _open_or_regrade(
    s: Session,
    runner_id: int,
    open_ep: Episode | None,
    answers: TriageAnswers,
    outcome: Triage,
    day: date,
    baseline: RunnerBaseline | None,
    notes: list[str],
    runs: Sequence[RunDay],
) -> tuple[Episode, dict[str, Any]]:
    structure, severity = outcome.structure.likely, outcome.severity.estimate
    context: dict[str, Any] = {
        "age": answers.age,
        "sex": answers.sex,
        "previous_calf_strains": answers.previous_calf_strains,
        "start_phase": outcome.start_phase,
        "return_to_run_days": outcome.to_contract()["severity"].get("return_to_run_days"),
    }
    # a severe grade, a gap or a leg that could not bear weight at any assessment: a clinician clears running
    context["needs_clearance"] = bool(
        severity == "severe"
        or answers.gap_felt
        or answers.can_bear_weight is False
        or (open_ep is not None and (open_ep.context or {}).get("needs_clearance"))
    )
    if baseline is not None:
        context["baseline"] = dataclasses.asdict(baseline)
    if open_ep is None:
        onset = _onset(day, answers.days_since_onset)
        ep = Episode(
            runner_id=runner_id,
            status="open",
            side=answers.side,
            structure=structure,
            severity=severity,
            onset=onset,
            assessed_on=day,
            context=context,
            plan_state={},
        )
        s.add(ep)
        s.flush()
        apply_replay(ep, replay(ep, []))
        notes.append(f"Opened episode {ep.id}: onset {onset.isoformat()}, starting in the {outcome.start_phase} phase.")
        return ep, {}
    # The same injury within its first days: re-graded (severity is best judged at day 5-7, Järvinen 2007).
    before = _grading(open_ep)
    old = dict(open_ep.context or {})
    if baseline is None and "baseline" in old:
        context["baseline"] = old["baseline"]
    context["start_phase"] = old.get("start_phase") or outcome.start_phase
    open_ep.structure, open_ep.severity = structure, severity
    open_ep.side = answers.side or open_ep.side
    open_ep.assessed_on = max(open_ep.assessed_on, day)
    open_ep.context = context
    changes = _changes(before, _grading(open_ep))
    apply_replay(open_ep, replay(open_ep, _checkins(s, open_ep.id), stops_of(s, open_ep.id), runs))
    notes.append(
        f"You already have an open episode (since {open_ep.onset.isoformat()}, day {(day - open_ep.onset).days}): "
        f"this assessment re-graded it instead of opening a second one. {_changes_text(changes, open_ep)}"
    )
    return open_ep, changes


def _grading(ep: Episode) -> dict[str, Any]:
    ctx = ep.context or {}
    return {
        "structure": ep.structure,
        "severity": ep.severity,
        "side": ep.side,
        "return_to_run_days": ctx.get("return_to_run_days"),
        "baseline": ctx.get("baseline"),
    }


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """``{field: [before, after]}`` for each graded field that changed (the baseline is reported separately)."""
    keys = ("structure", "severity", "side", "return_to_run_days")
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _changes_text(changes: Mapping[str, Any], ep: Episode) -> str:
    """What a re-grade changed, in words (or that nothing did), and that the plan was rebuilt."""
    words = {"structure": "structure", "severity": "severity", "side": "side", "return_to_run_days": "back to running"}
    parts = []
    for key, (old, new) in changes.items():
        if key == "baseline":
            km = (new or {}).get("weekly_km")
            parts.append(f"the return to running is now sized from your files ({km} km/week before the injury)")
        elif key == "return_to_run_days":
            parts.append(f"back to running in about {_span(old)} → {_span(new)} days")
        else:
            parts.append(f"{words[key]} {_word(old)} → {_word(new)}")
    if not parts:
        return f"Nothing changed ({_describe(ep)}); the plan was rebuilt from its check-ins."
    return "What changed: " + "; ".join(parts) + ". The plan was rebuilt from its check-ins."


def _span(days: object) -> str:
    return f"{days[0]}–{days[1]}" if isinstance(days, list | tuple) and len(days) == 2 else "not known"


def _word(value: object) -> str:
    return "not clear" if value is None else str(value).replace("_", " ")


def _describe(ep: Episode) -> str:
    side = f"{ep.side} " if ep.side else ""
    phase = str((ep.plan_state or {}).get("phase") or "-").replace("_", " ")
    return f"{side}{_word(ep.structure)}, {ep.severity or 'severity not clear'}, phase {phase}"


def _onset(day: date, days_since_onset: float | None) -> date:
    return onset_from(day, days_since_onset)  # bounded: within the last 5 years, never an OverflowError


# ---------------------------------------------------------------------------------------------------------------
# check-ins


def record_checkin(
    *,
    db: Database,
    runner: str,
    answers: Mapping[str, Any] | CheckInAnswers,
    day: date,
    today_is: date | None = None,
    also: Callable[[Session, CheckinOutcome], None] | None = None,
) -> CheckinOutcome:
    """Store the runner's check-in for ``day`` (replacing one already there) and rebuild the plan from all check-ins.

    Needs an open (or referred) episode whose onset is on or before ``day``. A red flag refers the episode and stops
    the plan; reaching full training with its criteria met closes it. ``also`` writes what goes with the check-in
    (a form's one-time token) in the same unit of work: both are stored, or neither.
    """
    _not_future(day, today_is)
    values = checkin_values(answers)  # raises InvalidAnswers before anything is touched
    screened = any(k in RED_FLAG_KEYS for k in values)
    runs = runs_after_onset(db=db, runner=runner)
    with db.runner_session(runner, create=False) as (s, runner_row):
        ep = active_episode(s, runner_row.id) if runner_row is not None else None
        if ep is None or runner_row is None:
            raise Conflict(_no_episode_message(s, runner_row, runner))
        if day < ep.onset:
            raise Conflict(
                f"date: {day.isoformat()} is before your episode started ({ep.onset.isoformat()}); a check-in must be "
                "on or after that day. Nothing was stored."
            )
        rows = _checkins(s, ep.id)
        stops, events, story = stops_of(s, ep.id), clinician_events_of(ep), story_of(ep)
        # the latest day (the usual check-in) is decided from the stored state; anything else replays the episode
        resume = resume_point(ep, rows, stops, runs, events, story, day)
        before = {r.day: r.decision for r in rows}
        row = next((r for r in rows if r.day == day), None)
        old_flags = _flag_codes(row.result) if row is not None else []
        if row is None:
            row = CheckIn(runner_id=runner_row.id, episode_id=ep.id, day=day, answers=values, decision="", result={})
            s.add(row)
            rows.append(row)
        else:
            row.answers = values
        if resume is not None:
            done = replay_from(resume, ep, rows, stops, runs, events, story)
        else:
            done = replay(ep, rows, stops, runs, story, events)
        apply_replay(ep, done)
        s.flush()
        notes = _checkin_notes(day, before, done)
        if not screened:  # REFERENCE rule 9: red flags are re-checked at every check-in; say when they could not be
            notes.append(
                "The safety questions (red-flag screen) were not answered, so they could not be re-checked today: "
                "answer them at every check-in (`calfcare checkin --schema` lists them, marked red_flag_screen)."
            )
        if (gone := [c for c in old_flags if c not in _flag_codes(row.result)]) and done.referral is None:
            notes.insert(
                1,
                f"The check-in you replaced raised a red flag ({', '.join(gone)}) and this one does not, so the plan "
                "is no longer stopped. If that sign was real, see a clinician before going on.",
            )
        result = dict(row.result)
        if done.referral is not None:  # the plan is stopped: the flags that stopped it, even on a quiet day
            result["referral"] = where_to_go(done.referral)
        ask = tuple(ask_about_run(r) for r in early_runs(done, runs, done.rows, day) if not r["checked_in"])
        if ask:
            notes.append(
                f"You ran on {len(ask)} other day{'s' if len(ask) > 1 else ''} before running was allowed "
                f"({', '.join(a['date'] for a in ask)}) with no check-in: how did the calf feel? "
                "`calfcare checkin --date DAY` for each."
            )
        outcome = CheckinOutcome(
            result=result, replaced=day in before, episode=episode_dict(ep, day), notes=tuple(notes), ask_about_runs=ask
        )
        if also is not None:
            also(s, outcome)
        return outcome


def runs_to_ask_about(*, db: Database, runner: str, day: date) -> list[dict[str, Any]]:
    """The questions to ask before a check-in about runs done while running was not allowed yet and not told about in
    a check-in (for the questionnaire: each with ``date``, ``keys``, ``questions``); [] when there are none."""
    plan = today(db=db, runner=runner, day=day)
    return list(plan.get("ask_about_runs") or []) if plan is not None else []


@dataclass(frozen=True)
class DeleteOutcome:
    """What ``delete_checkin`` did: the day and decision removed, the episode after the replay, and notes."""

    deleted: date
    decision: str
    episode: dict[str, Any]
    notes: tuple[str, ...]

    def to_contract(self) -> dict[str, Any]:
        return {
            "deleted": self.deleted.isoformat(),
            "decision": self.decision,
            "episode": self.episode,
            "notes": list(self.notes),
        }


def delete_checkin(*, db: Database, runner: str, day: date) -> DeleteOutcome:
    """Delete the runner's check-in of ``day`` from their current episode and replay the plan without it, in one
    transaction. Later decisions that change are named. An episode closed by the runner or by a new injury must be
    reopened first; one that the deleted check-in had closed (full training reached) opens again."""
    runs = runs_after_onset(db=db, runner=runner)
    with db.runner_session(runner, create=False) as (s, runner_row):
        ep = current_episode(s, runner_row.id) if runner_row is not None else None
        if ep is None:
            raise NotFound(f"runner {runner!r} has no episode, so no check-in to delete. Nothing was changed.")
        if ep.status == "closed" and ep.closed_reason not in (None, COMPLETED):
            raise Conflict(
                f"episode {ep.id} is closed ({ep.closed_reason}): `calfcare episode reopen {ep.id}` first to change "
                "its check-ins. Nothing was changed."
            )
        rows = _checkins(s, ep.id)
        row = next((r for r in rows if r.day == day), None)
        if row is None:
            days = ", ".join(r.day.isoformat() for r in rows[-5:]) or "none yet"
            raise NotFound(
                f"date: no check-in on {day.isoformat()} in episode {ep.id} (since {ep.onset.isoformat()}; latest "
                f"check-ins: {days}). Nothing was changed."
            )
        before = {r.day: r.decision for r in rows}
        rows.remove(row)
        s.delete(row)
        s.flush()
        done = replay(ep, rows, stops_of(s, ep.id), runs)
        apply_replay(ep, done)
        s.flush()
        notes = [f"Deleted the check-in of {day.isoformat()} ({before[day]}); the plan was replayed without it."]
        changed = [
            f"{r.day.isoformat()}: {before[r.day]} → {r.decision}"
            for r in done.rows
            if r.day > day and before.get(r.day) != r.decision
        ]
        if changed:
            notes.append("Replaying changed later decisions: " + "; ".join(changed) + ".")
        phase = str(done.state.phase).replace("_", " ")
        notes.append(f"Episode {ep.id} is now {ep.status}, in the {phase} phase.")
        return DeleteOutcome(deleted=day, decision=before[day], episode=episode_dict(ep, day), notes=tuple(notes))


def _checkin_notes(day: date, before: dict[date, str], done: Replay) -> list[str]:
    notes: list[str] = []
    if day in before:
        notes.append(f"This replaced your earlier check-in for {day.isoformat()}.")
    later = [r for r in done.rows if r.day > day]
    if later:
        notes.append(
            f"This check-in is dated before {len(later)} already entered: the plan was replayed in date order."
        )
    changed = [f"{r.day.isoformat()}: {before[r.day]} → {r.decision}" for r in later if before.get(r.day) != r.decision]
    if changed:
        notes.append("Replaying changed later decisions: " + "; ".join(changed) + ".")
    if done.completed_on is not None:
        notes.append(
            f"Back to full training with the criteria met on {done.completed_on.isoformat()}: this episode is closed. "
            "Keep the prevention routine going."
        )
    return notes


def _flag_codes(result: object) -> list[str]:
    """The red-flag codes of a stored check-in result."""
    flags = result.get("red_flags") if isinstance(result, dict) else None
    return [str(f.get("code")) for f in flags or () if isinstance(f, dict)]


def apply_replay(ep: Episode, done: Replay) -> None:
    """Write a replay's outcome onto the episode and its check-ins."""
    for row, result in zip(done.rows, done.results, strict=True):
        row.result = result
        row.decision = str(result["decision"])
    ep.plan_state = done.state_dict
    context = {k: v for k, v in (ep.context or {}).items() if k != "referral"}
    context[REPLAYED] = replayed_record(done)  # what today's read checks to serve this outcome without replaying
    if ep.status == "closed" and ep.closed_reason not in (None, COMPLETED):
        pass  # closed by the runner or by a new injury: a replay does not reopen it (`calfcare episode reopen` does)
    elif done.referral is not None:
        ep.status, ep.closed_on, ep.closed_reason = "referred", None, None
        context["referral"] = done.referral
    elif done.completed_on is not None:
        ep.status, ep.closed_on, ep.closed_reason = "closed", done.completed_on, COMPLETED
    else:
        ep.status, ep.closed_on, ep.closed_reason = "open", None, None
    ep.context = context


def close_row(ep: Episode, day: date, reason: str) -> dict[str, Any]:
    """Close ``ep`` on ``day`` (not before its onset) with ``reason``; the closed episode as a dict."""
    ep.status, ep.closed_on, ep.closed_reason = "closed", max(day, ep.onset), reason
    return {**episode_dict(ep, ep.closed_on), "closed_reason": reason}


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _not_future(day: date, today_is: date | None) -> None:
    now = today_is or date.today()
    if day > now:
        raise InvalidInput(f"date: {day.isoformat()} is in the future (today is {now.isoformat()})")


def _no_episode_message(s: Session, runner_row: Runner | None, name: str) -> str:
    latest = None
    if runner_row is not None:
        latest = s.scalar(
            select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id.desc()).limit(1)
        )
    if latest is not None and latest.status == "closed" and latest.closed_reason not in (None, COMPLETED):
        return (
            f"runner {name!r} has no open episode: episode {latest.id} was closed on {latest.closed_on} "
            f"({latest.closed_reason}). `calfcare episode reopen {latest.id}` carries on with it; for a new injury, "
            "`calfcare assess`. Nothing was stored."
        )
    if latest is not None and latest.status == "closed" and latest.closed_on is not None:
        return (
            f"runner {name!r} has no open episode: the last one closed on {latest.closed_on.isoformat()}. If the calf "
            "hurts again, start with `calfcare assess`. Nothing was stored."
        )
    last = (
        s.scalar(
            select(Assessment)
            .where(Assessment.runner_id == runner_row.id)
            .order_by(Assessment.day.desc(), Assessment.id.desc())
            .limit(1)
        )
        if runner_row is not None
        else None
    )
    if last is not None and last.episode_id is None and last.disposition != "self_care":
        codes = _flag_codes(last.result)
        return (
            f"runner {name!r} has no open episode: the assessment on {last.day.isoformat()} found red flags "
            f"({', '.join(codes)}) that need a clinician first (`calfcare today` says where to go). Nothing was stored."
        )
    return f"runner {name!r} has no open episode: run `calfcare assess` first. Nothing was stored."
