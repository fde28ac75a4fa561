"""Whole courses through the plan, day by day: a simulated runner reads ``today``, does it, and checks in.

Public API::

    simulate(grade, structure, runner, *, age=35, sex="male", max_days=200) -> Course
    Course.first_run_day / full_training_day / timeline / referred / days_of(decision)
    COURSES: the grade × muscle × runner combinations the tests and ``docs/clinical.md`` use
    table() -> list[str]          # the Markdown table of simulated days beside the published ranges

Runners: ``perfect`` answers 0/10 everything and full heel raises from the first day (the pace is then the plan's
alone); ``flaring`` has a pain flare on its first run and on its fourth, settling over the next days; ``silent``
checks in like ``perfect`` but says nothing for 10 days after its first run. The triage's own ``return_to_run_days``
for the case come from :func:`calfcare.clinical.severity.estimate_severity`, so the table shows what a runner sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.pacing import Timeline
from calfcare.clinical.progression import Decision, EpisodeFacts, PlanState, decide
from calfcare.clinical.severity import estimate_severity
from calfcare.clinical.today import build_today

Runner = Literal["perfect", "flaring", "silent"]
GRADES: tuple[str, ...] = ("mild", "moderate", "severe")
MUSCLES: tuple[str, ...] = ("gastrocnemius", "soleus")
RUNNERS: tuple[Runner, ...] = ("perfect", "flaring", "silent")
COURSES: tuple[tuple[str, str, Runner], ...] = tuple((g, m, r) for g in GRADES for m in MUSCLES for r in RUNNERS)
ONSET = date(2026, 1, 5)
SILENCE = 10
PUBLISHED = {  # REFERENCE §1 anchors, in words, beside the simulated days
    "mild": "functional injury median 4 days; muscle-only tear ~1–2.5 weeks (Ekstrand 2020; Prakash 2018)",
    "moderate": "partial connective-tissue / aponeurosis involvement ~3–4.5 weeks (Prakash 2018; Green 2020)",
    "severe": "connective-tissue failure ~6–7 weeks or more; tennis leg ~6 weeks (Prakash 2018; tennis-leg review)",
}


def _triage(grade: str, structure: str, age: int, sex: str) -> TriageAnswers:
    activity = "sprint_or_intervals" if structure == "gastrocnemius" else "steady_run"
    common = dict(age=age, sex=sex, days_since_onset=0, onset="sudden", activity_at_onset=activity)
    if grade == "mild":
        signs = dict(walks_normally=True, pain_walking=1, pain_rest=0, single_leg_heel_raises_injured=22,
                     single_leg_heel_raises_other=30)  # fmt: skip
    elif grade == "moderate":
        signs = dict(walks_normally=False, pain_walking=5, pain_rest=2, single_leg_heel_raises_injured=8,
                     single_leg_heel_raises_other=30, swelling=True, bruising=True)  # fmt: skip
    else:
        signs = dict(can_bear_weight=False, walks_normally=False, pain_walking=8, pain_rest=5)
    return TriageAnswers(**common, **signs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Course:
    grade: str
    structure: str
    runner: Runner
    timeline: Timeline
    facts: EpisodeFacts
    decisions: tuple[tuple[int, Decision], ...]  # (day since onset, decision)
    first_run_day: int | None
    full_training_day: int | None

    @property
    def referred(self) -> bool:
        return any(d.decision == "refer" for _, d in self.decisions)

    def days_of(self, kind: str) -> list[int]:
        return [n for n, d in self.decisions if d.decision == kind]


def _checkin(
    runner: Runner, n: int, plan: dict[str, object], ran_on: list[int], flare_until: int | None
) -> CheckInAnswers:
    prescription = plan["prescription"]
    assert isinstance(prescription, dict)
    kind = prescription["kind"]
    gate = plan["gate"]
    assert isinstance(gate, dict)
    clearance = any(c["name"].startswith("a clinician has cleared") and not c["met"] for c in gate["criteria"])
    sore = flare_until is not None and n <= flare_until
    values: dict[str, object] = dict(
        morning_pain=3 if sore else 0,
        morning_stiffness=1 if sore else 0,
        pain_rest=1 if sore else 0,
        pain_walking=1 if sore else 0,
        limp=False,
        single_leg_heel_raises_injured=30,
        single_leg_heel_raises_other=30,
        hop_pain=0,
    )
    if clearance:
        values["cleared_by_clinician"] = True  # the simulated runner sees a clinician as soon as the plan asks
    if kind == "rest":
        values.update(session="none", session_kind="rest")
    elif kind in ("walk_run", "run"):
        run = prescription["run"]
        assert isinstance(run, dict)
        flare = runner == "flaring" and len(ran_on) in (0, 3)
        pain = 4 if flare else 0
        values.update(session="as_prescribed", session_kind=kind, session_minutes=run["total_min"], session_rpe=3,
                      pain_during_session=pain, pain_after_session=pain)  # fmt: skip
    else:
        values.update(session="as_prescribed", session_kind="rehab_exercises", pain_during_session=0,
                      pain_after_session=0)  # fmt: skip
    return CheckInAnswers(**values)  # type: ignore[arg-type]


def simulate(
    grade: str, structure: str, runner: Runner, *, age: int = 35, sex: str = "male", max_days: int = 200
) -> Course:
    """One course from the day after the onset until full training (or ``max_days``)."""
    estimate = estimate_severity(_triage(grade, structure, age, sex), likely=structure)
    if estimate.estimate != grade:
        raise ValueError(f"the simulated {grade} case was graded {estimate.estimate}")
    facts = EpisodeFacts(onset=ONSET, structure=structure, severity=grade, age=age, sex=sex,
                         return_to_run_days=estimate.return_to_run_days, needs_clearance=grade == "severe")  # fmt: skip
    state = PlanState.start(facts, "protect")
    last: CheckInAnswers | None = None
    decisions: list[tuple[int, Decision]] = []
    ran_on: list[int] = []
    flare_until: int | None = None
    silent_until: int | None = None
    first_run = full = None
    for n in range(1, max_days + 1):
        day = ONSET + timedelta(days=n)
        if silent_until is not None and n <= silent_until:
            continue
        plan = build_today(state, facts, day=day, last_checkin=last).to_contract()
        c = _checkin(runner, n, plan, ran_on, flare_until)
        if c.ran:
            if runner == "flaring" and len(ran_on) in (0, 3):
                flare_until = n + 2
            ran_on.append(n)
            first_run = first_run if first_run is not None else n
            if runner == "silent" and len(ran_on) == 1:
                silent_until = n + SILENCE
        d = decide(state, c, day=day, facts=facts)
        decisions.append((n, d))
        state, last = d.new_state, c
        if state.returned_on is not None:
            full = facts.day_of(state.returned_on)
            break
    timeline = facts.with_grade(state.grade).timeline()
    return Course(grade, structure, runner, timeline, facts, tuple(decisions), first_run, full)


def table() -> list[str]:
    """Simulated days to the first run and to full training, per grade and muscle, beside the published ranges."""
    out = [
        "| grade | muscle | triage's days to running | first run allowed from day | perfect: first run / full "
        "training | flaring | silent (10 days) | full training expected by day | published |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for g in GRADES:
        for m in MUSCLES:
            runs = {r: simulate(g, m, r) for r in RUNNERS}
            t = runs["perfect"].timeline
            cells = [f"{runs[r].first_run_day} / {runs[r].full_training_day}" for r in RUNNERS]
            out.append(
                f"| {g} | {m} | {t.days[0]}–{t.days[1]} | {t.first_run_day}"
                f"{' (after a clinician clears it)' if t.clearance else ''} | {' | '.join(cells)} | {t.full_by_day} "
                f"| {PUBLISHED[g]} |"
            )
    return out
