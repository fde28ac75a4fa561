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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calfcare.analytics.load import RunDay
from calfcare.clinical.answers import RED_FLAG_KEYS, TriageAnswers
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import RunnerBaseline, TrainingEvidence
from calfcare.clinical.triage import Assessment as Triage
from calfcare.clinical.triage import triage
from calfcare.contracts.assessment import parse_assessment_answers
from calfcare.contracts.dates import check_not_before_onset, onset_from
from calfcare.errors import Conflict, InvalidInput
from calfcare.services.replay import Replay, checkin_values, replay
from calfcare.services.views import checkins_of as _checkins
from calfcare.services.views import (
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
from calfcare.store import Database
from calfcare.store.models import Activity, Assessment, CheckIn, Episode, Runner

__all__ = [
    "AssessOutcome",
    "CheckinOutcome",
    "assess",
    "episode_status",
    "history",
    "record_checkin",
    "stopping_assessment",
    "today",
]

#: dispositions that stop everything: no plan, the runner is told where to go
STOPS = ("emergency", "urgent")
#: structures that count as an earlier calf strain
_CALF = frozenset({"gastrocnemius", "soleus", "unclear"})
#: a referred episode that started this close to a new onset is taken to be the same injury, not a previous one
_SAME_INJURY_DAYS = 42


@dataclass(frozen=True)
class AssessOutcome:
    """What ``assess`` did: the triage result (contract), the episode it opened or re-graded, and notes."""

    result: dict[str, Any]
    episode: dict[str, Any] | None
    notes: tuple[str, ...]
    assessment_id: int

    @property
    def disposition(self) -> str:
        return str(self.result["disposition"])

    def to_contract(self) -> dict[str, Any]:
        return {**self.result, "episode": self.episode, "notes": list(self.notes)}


@dataclass(frozen=True)
class CheckinOutcome:
    """What ``record_checkin`` did: that day's result (contract), whether it replaced one, the episode after it."""

    result: dict[str, Any]
    replaced: bool
    episode: dict[str, Any]
    notes: tuple[str, ...]

    @property
    def decision(self) -> str:
        return str(self.result["decision"])

    def to_contract(self) -> dict[str, Any]:
        return {**self.result, "replaced": self.replaced, "episode": self.episode, "notes": list(self.notes)}


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
    """
    _not_future(day, today_is)
    parsed = answers if isinstance(answers, TriageAnswers) else parse_assessment_answers(dict(answers))
    notes: list[str] = []
    if baseline is None or evidence is None:
        found_baseline, found_evidence = _training_context(db, runner, _onset(day, parsed.days_since_onset))
        baseline = baseline if baseline is not None else found_baseline
        evidence = evidence if evidence is not None else found_evidence
    runs = runs_after_onset(db=db, runner=runner)
    with db.session() as s:
        runner_row = find_runner(s, runner, create=True)
        assert runner_row is not None
        active = _active_episode(s, runner_row.id)
        open_ep = active if active is not None and active.status == "open" else None
        if open_ep is not None:
            check_not_before_onset(day, open_ep.onset)
        onset = open_ep.onset if open_ep is not None else _onset(day, parsed.days_since_onset)
        parsed = _merge_previous_strains(s, runner_row.id, parsed, open_ep, onset, notes)
        outcome = triage(parsed, evidence=tuple(evidence))
        result = outcome.to_contract()
        row = Assessment(
            runner_id=runner_row.id, day=day, disposition=outcome.disposition, answers=parsed.to_dict(), result=result
        )
        s.add(row)
        episode: Episode | None = None
        if outcome.disposition in STOPS:
            episode = _stop_episode(s, active, row, day, notes, runs)
        elif open_ep is not None and stops_assessment(outcome.disposition, result):  # as the flag at a check-in
            episode = _stop_episode(s, open_ep, row, day, notes, runs)
        elif not outcome.opens_episode:
            episode = open_ep
            row.episode_id = open_ep.id if open_ep is not None else None
            kept = f"; your open episode (since {open_ep.onset.isoformat()}) is unchanged" if open_ep else ""
            notes.append(f"No strain plan was started: these answers do not point to a calf strain{kept}.")
        else:
            if active is not None and active.status == "referred":
                notes.append(
                    f"Your episode from {active.onset.isoformat()} was referred to a clinician; this assessment starts "
                    "a new episode."
                )
            episode = _open_or_regrade(s, runner_row.id, open_ep, parsed, outcome, day, baseline, notes, runs)
            row.episode_id = episode.id
        s.flush()
        return AssessOutcome(
            result=result,
            episode=episode_dict(episode, day) if episode is not None else None,
            notes=tuple(notes),
            assessment_id=row.id,
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
    _apply(active, replay(active, _checkins(s, active.id), stops_of(s, active.id), runs))
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
) -> Episode:
    structure, severity = outcome.structure.likely, outcome.severity.estimate
    context: dict[str, Any] = {
        "age": answers.age,
        "sex": answers.sex,
        "previous_calf_strains": answers.previous_calf_strains,
        "start_phase": outcome.start_phase,
        "return_to_run_days": outcome.to_contract()["severity"].get("return_to_run_days"),
    }
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
        _apply(ep, replay(ep, []))
        notes.append(f"Opened an episode: onset {onset.isoformat()}, starting in the {outcome.start_phase} phase.")
        return ep
    # One injury, one episode: a new assessment re-grades it (severity is best judged at day 5-7, Järvinen 2007).
    old = dict(open_ep.context or {})
    if baseline is None and "baseline" in old:
        context["baseline"] = old["baseline"]
    context["start_phase"] = old.get("start_phase") or outcome.start_phase
    open_ep.structure, open_ep.severity = structure, severity
    open_ep.side = answers.side or open_ep.side
    open_ep.assessed_on = max(open_ep.assessed_on, day)
    open_ep.context = context
    _apply(open_ep, replay(open_ep, _checkins(s, open_ep.id), stops_of(s, open_ep.id), runs))
    notes.append(
        f"You already have an open episode (since {open_ep.onset.isoformat()}): this assessment re-graded it "
        f"({structure}, {severity or 'severity not clear yet'}) instead of opening a second one, and the plan was "
        "rebuilt from its check-ins."
    )
    return open_ep


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
) -> CheckinOutcome:
    """Store the runner's check-in for ``day`` (replacing one already there) and rebuild the plan from all check-ins.

    Needs an open (or referred) episode whose onset is on or before ``day``. A red flag refers the episode and stops
    the plan; reaching full training with its criteria met closes it.
    """
    _not_future(day, today_is)
    values = checkin_values(answers)  # raises InvalidAnswers before anything is touched
    screened = any(k in RED_FLAG_KEYS for k in values)
    runs = runs_after_onset(db=db, runner=runner)
    with db.session() as s:
        runner_row = find_runner(s, runner, create=False)
        ep = _active_episode(s, runner_row.id) if runner_row is not None else None
        if ep is None or runner_row is None:
            raise Conflict(_no_episode_message(s, runner_row, runner))
        if day < ep.onset:
            raise Conflict(
                f"date: {day.isoformat()} is before your episode started ({ep.onset.isoformat()}); a check-in must be "
                "on or after that day. Nothing was stored."
            )
        rows = _checkins(s, ep.id)
        before = {r.day: r.decision for r in rows}
        row = next((r for r in rows if r.day == day), None)
        old_flags = _flag_codes(row.result) if row is not None else []
        if row is None:
            row = CheckIn(runner_id=runner_row.id, episode_id=ep.id, day=day, answers=values, decision="", result={})
            s.add(row)
            rows.append(row)
        else:
            row.answers = values
        done = replay(ep, rows, stops_of(s, ep.id), runs)
        _apply(ep, done)
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
        return CheckinOutcome(result=result, replaced=day in before, episode=episode_dict(ep, day), notes=tuple(notes))


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


def _apply(ep: Episode, done: Replay) -> None:
    """Write a replay's outcome onto the episode and its check-ins."""
    for row, result in zip(done.rows, done.results, strict=True):
        row.result = result
        row.decision = str(result["decision"])
    ep.plan_state = done.state_dict
    context = {k: v for k, v in (ep.context or {}).items() if k != "referral"}
    if done.referral is not None:
        ep.status, ep.closed_on = "referred", None
        context["referral"] = done.referral
    elif done.completed_on is not None:
        ep.status, ep.closed_on = "closed", done.completed_on
    else:
        ep.status, ep.closed_on = "open", None
    ep.context = context


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _not_future(day: date, today_is: date | None) -> None:
    now = today_is or date.today()
    if day > now:
        raise InvalidInput(f"date: {day.isoformat()} is in the future (today is {now.isoformat()})")


def _active_episode(s: Session, runner_id: int) -> Episode | None:
    """The runner's latest episode if its plan is running or stopped by a referral (never a closed one)."""
    latest = s.scalar(select(Episode).where(Episode.runner_id == runner_id).order_by(Episode.id.desc()).limit(1))
    return latest if latest is not None and latest.status in ("open", "referred") else None


def _no_episode_message(s: Session, runner_row: Runner | None, name: str) -> str:
    latest = None
    if runner_row is not None:
        latest = s.scalar(
            select(Episode).where(Episode.runner_id == runner_row.id).order_by(Episode.id.desc()).limit(1)
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
