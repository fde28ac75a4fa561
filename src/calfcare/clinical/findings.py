"""What one check-in says about the load, as findings for :func:`calfcare.clinical.progression.decide`: the
pain-monitoring model (Silbernagel 2007) with the soreness rules (Adams 2012) for the size of a step back, the
running rules (Green 2022; Army walk-run programme) and adherence.

Soreness rules as used here (Adams 2012, mapped onto the check-in):

* pain during the session above the ceiling ("sore and it persists") → stop, 2 days off, drop one level;
* pain after the session above the ceiling, or morning pain not back to the usual ("sore > 1 h after / next day")
  → 1 day off, repeat the last session;
* pain within the ceiling but above the symptom-free level ("sore at warm-up but settles") → repeat the session (hold);
* no soreness → counts towards progression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean
from typing import TYPE_CHECKING, Literal

from calfcare.clinical.checkin import CheckInAnswers
from calfcare.clinical.context import AdherenceFinding
from calfcare.clinical.return_to_run import RunProgramme
from calfcare.clinical.rules import Rule, reason, rule

if TYPE_CHECKING:
    from calfcare.clinical.progression import DayRecord, PainRules, PlanState

Drop = Literal["repeat", "level", "phase"]
LOADING_PHASES = frozenset({"strength", "return_to_run", "full_training"})
BEFORE_RUNNING = frozenset({"protect", "mobility", "strength"})
_PM = ["silbernagel2007", "thomee1997"]
_PM_CAVEAT = (
    "The pain-monitoring model was built for Achilles tendinopathy and patellofemoral pain, not acute calf strains; "
    "the stricter early ceiling is a recommendation, configurable by a clinician ([pain_monitoring] in protocol.toml)."
)

R_CEILING = rule(
    "progress.pain_ceiling",
    "Pain during a session above the ceiling (≤ 3/10 in the first 3 weeks, then "
    "≤ 5/10): stop, 2 days off, drop one level.",
    [*_PM, "adams2012"],
    "weak",
    _PM_CAVEAT,
)
R_EARLY_LIMP = rule(
    "progress.early_limp",
    "In the first 3 weeks a loading session must not leave a limp; if it does, drop one level.",
    ["green2022", "silbernagel2007"],
    "weak",
    _PM_CAVEAT,
)
R_SORE_AFTER = rule(
    "progress.sore_after",
    "Pain after a session above the ceiling: 1 day off, then repeat the last session.",
    ["adams2012", "silbernagel2007"],
    "weak",
    _PM_CAVEAT,
)
R_MORNING = rule(
    "progress.morning_settle",
    "Morning pain more than 1 point above the usual (lowest of the last week): "
    "1 day off, then repeat the last session.",
    ["silbernagel2007", "adams2012"],
    "weak",
    _PM_CAVEAT,
)
R_STIFF = rule(
    "progress.morning_stiffness",
    "Morning stiffness above the usual, or more swelling: do not progress; repeat.",
    ["silbernagel2007", "army_walkrun2023"],
    "weak",
    _PM_CAVEAT,
)
R_WEEKLY = rule(
    "progress.weekly_rise",
    "Morning pain or stiffness rising week on week: drop one level (hold if a step back was made in the last week).",
    ["silbernagel2007"],
    "weak",
    _PM_CAVEAT,
)
R_ACCEPTABLE = rule(
    "progress.acceptable_pain",
    "Pain within the ceiling but above 2/10: repeat the session rather than progress.",
    ["adams2012", "silbernagel2007"],
    "weak",
    _PM_CAVEAT,
)
R_REST = rule(
    "progress.rest_day", "A rest day after a step back is kept; a session on it does not count.", ["adams2012"], "weak"
)
R_TOO_EARLY = rule(
    "progress.running_too_early",
    "Running before the start-running criteria are met does not count and holds the plan.",
    ["clinic_rtr_criteria", "green2022"],
    "expert_consensus",
)
R_CONSECUTIVE = rule(
    "progress.no_consecutive_runs",
    "No running on consecutive days early on: a run the day after a run holds the plan.",
    ["green2022", "army_walkrun2023"],
    "expert_consensus",
)
R_VOL_INT = rule(
    "progress.volume_or_intensity",
    "Never raise running volume and intensity together.",
    ["green2022"],
    "expert_consensus",
    "Clinic summaries of expert practice; no trial.",
)
R_OVERDONE = rule(
    "progress.overdone",
    "Doing more than prescribed holds the plan, even when it felt fine.",
    ["green2022", "frandsen2025"],
    "expert_consensus",
)


@dataclass(frozen=True)
class Finding:
    kind: Literal["hold", "step_back"]
    rule: Rule
    text: str  # already a reason (names the rule and its sources)
    drop: Drop = "repeat"
    rest_days: int = 0

    @classmethod
    def hold(cls, r: Rule, text: str) -> Finding:
        return cls("hold", r, reason(r, text))

    @classmethod
    def step_back(cls, r: Rule, text: str, *, drop: Drop, rest_days: int = 0) -> Finding:
        return cls("step_back", r, reason(r, text), drop, rest_days)


def _week_means(history: tuple[DayRecord, ...], day: date, key: str) -> tuple[float, float] | None:
    def values(lo: int, hi: int) -> list[int]:
        rows = [r for r in history if day - timedelta(days=hi) < r.day <= day - timedelta(days=lo)]
        return [v for r in rows if (v := getattr(r, key)) is not None]

    this, last = values(0, 7), values(7, 14)
    if len(this) < 3 or len(last) < 3:
        return None
    return mean(last), mean(this)


def pain_findings(
    state: PlanState,
    c: CheckInAnswers,
    history: tuple[DayRecord, ...],
    *,
    baseline: int | None,
    day: date,
    onset_day: int,
    rules: PainRules,
) -> list[Finding]:
    out: list[Finding] = []
    ceiling, early = rules.ceiling(onset_day), rules.early(onset_day)
    when = f" (day {onset_day}: the first {rules.early_weeks} weeks use the stricter ceiling)" if early else ""
    during, after = c.pain_during_session, c.pain_after_session
    if during is not None and during > ceiling:
        text = f"Pain during the session {during}/10 was above the ceiling of {ceiling}/10{when}"
        out.append(
            Finding.step_back(
                R_CEILING, f"{text}: stop, take 2 days off, then drop one level", drop="level", rest_days=2
            )
        )
    if early and rules.early_no_limp and c.limp and state.phase in LOADING_PHASES:
        text = f"A limp on day {onset_day} while loading: in the first {rules.early_weeks} weeks there should be none"
        out.append(Finding.step_back(R_EARLY_LIMP, f"{text}; drop one level", drop="level"))
    if after is not None and after > ceiling:
        text = f"Pain after the session {after}/10 was above the ceiling of {ceiling}/10"
        out.append(
            Finding.step_back(
                R_SORE_AFTER, f"{text}: 1 day off, then repeat the last session", drop="repeat", rest_days=1
            )
        )
    if baseline is not None and c.morning_pain is not None and c.morning_pain > baseline + rules.morning_margin:
        text = f"Morning pain {c.morning_pain}/10 has not settled back to your usual {baseline}/10"
        out.append(
            Finding.step_back(R_MORNING, f"{text}: 1 day off, then repeat the last session", drop="repeat", rest_days=1)
        )
    out += _weekly(state, history, day, rules)
    stiff = [r.morning_stiffness for r in history if day - timedelta(days=7) <= r.day < day]
    stiff_base = min((s for s in stiff if s is not None), default=None)
    if stiff_base is not None and c.morning_stiffness is not None and c.morning_stiffness > stiff_base + 1:
        out.append(
            Finding.hold(
                R_STIFF,
                f"Morning stiffness {c.morning_stiffness}/10 is above your usual "
                f"{stiff_base}/10: repeat, do not progress",
            )
        )
    if c.swelling_increased:
        out.append(Finding.hold(R_STIFF, "More swelling than yesterday: repeat, do not progress"))
    sf = rules.symptom_free_max
    acceptable = [p for p in (during, after) if p is not None and sf < p <= ceiling]
    if acceptable:
        out.append(
            Finding.hold(
                R_ACCEPTABLE,
                f"Pain {max(acceptable)}/10 is within the ceiling of {ceiling}/10 but "
                f"above {sf}/10: repeat the session before progressing",
            )
        )
    return out


def _weekly(state: PlanState, history: tuple[DayRecord, ...], day: date, rules: PainRules) -> list[Finding]:
    for key, word in (("morning_pain", "pain"), ("morning_stiffness", "stiffness")):
        means = _week_means(history, day, key)
        if means is None or means[1] <= means[0] + rules.weekly_rise_margin:
            continue
        text = f"Morning {word} rose from {means[0]:.1f} to {means[1]:.1f}/10 on average compared with last week"
        recent = state.last_step_back_day is not None and (day - state.last_step_back_day).days < 7
        if recent:
            return [Finding.hold(R_WEEKLY, f"{text}; already stepped back on {state.last_step_back_day}: hold")]
        return [Finding.step_back(R_WEEKLY, f"{text}: drop one level", drop="level")]
    return []


def running_findings(
    state: PlanState,
    c: CheckInAnswers,
    *,
    day: date,
    adherence: AdherenceFinding | None,
    programme: RunProgramme,
    rpe_max: int,
) -> list[Finding]:
    out: list[Finding] = []
    if state.rest_until is not None and day <= state.rest_until and c.did_session:
        out.append(Finding.hold(R_REST, f"Today was a rest day (until {state.rest_until}): the session does not count"))
    if c.ran:
        out += _run_rules(state, c, day=day, programme=programme, rpe_max=rpe_max)
    if c.session == "more_than_prescribed":
        out.append(Finding.hold(R_OVERDONE, "You did more than prescribed: hold at this stage, even if it felt fine"))
    if adherence is not None and adherence.verdict == "overdone":
        detail = "; ".join(adherence.reasons) or "more than prescribed"
        out.append(
            Finding.hold(R_OVERDONE, f"Your recorded run on {adherence.day} was more than prescribed ({detail})")
        )
    return out


def _run_rules(
    state: PlanState, c: CheckInAnswers, *, day: date, programme: RunProgramme, rpe_max: int
) -> list[Finding]:
    out: list[Finding] = []
    if state.phase in BEFORE_RUNNING:
        out.append(Finding.hold(R_TOO_EARLY, "You ran before the start-running criteria were met: it does not count"))
    if state.phase == "return_to_run" and state.last_run_day == day - timedelta(days=1):
        out.append(Finding.hold(R_CONSECUTIVE, "You ran yesterday too: keep a non-running day between runs"))
    minutes, rpe = c.session_minutes, c.session_rpe
    up_vs_last = (
        None not in (minutes, rpe, state.last_run_minutes, state.last_run_rpe)
        and minutes > state.last_run_minutes * 1.1  # type: ignore[operator]
        and rpe >= state.last_run_rpe + 1  # type: ignore[operator]
    )
    over = None
    if state.phase == "return_to_run" and minutes is not None and rpe is not None:
        stage = programme.stage(state.stage)
        over = minutes > stage.total_min * 1.1 and rpe > rpe_max
    if up_vs_last or over:
        out.append(
            Finding.hold(
                R_VOL_INT,
                f"This run was longer ({minutes:g} min) and harder (RPE {rpe:g}) than "
                "the last or the prescription: raise one or the other, never both",
            )
        )
    return out
