"""The return-to-run programme: walk-run stages on non-consecutive days, sized from the runner's pre-injury running,
then continuous running built up in capped steps, then return to full training and a standing prevention routine.

Public API::

    walk_run_programme(baseline, settings=None, pacing: GradePacing | None = None) -> RunProgramme
    RunProgramme.stages: tuple[RunStage, ...]; RunProgramme.stage(i); RunStage.to_contract() -> the "run" dict of
        the CHECKIN.md "today" contract: {warm_up_min, intervals[{walk_min, run_min, repeats}], total_min, effort}
    session_cap_km(longest_run_30d_km) -> float        # no run > 110 % of the longest run of the last 30 days
    weekly_cap_km(last_week_km, pre_injury_weekly_km) -> float | None    # ≤ 20 % a week, never above pre-injury
    reinjury_window_end(returned_on) -> date            # re-injury caution for ~15 weeks (Orchard 2020)
    prevention_routine() -> tuple[str, ...]             # calf strength twice a week, for good

Sizing: an unknown baseline or a low weekly distance gets the lower end (all walk-run steps from 4:1, fewer repeats,
a shorter end target); a runner with a known moderate or high weekly distance starts further up the walk-run table
with more repeats. Volume (running minutes) and intensity never rise in the same step: running is
easy throughout, and run-throughs are added only in the last stage, once volume has stopped rising.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from calfcare.clinical.context import RunnerBaseline
from calfcare.clinical.protocol import GradePacing, RunSettings, protocol
from calfcare.clinical.rules import rule

Profile = Literal["conservative", "standard", "high"]
#: easy pace assumed when the runner's own is unknown (6:30 min/km), only to turn distances into minutes
DEFAULT_EASY_PACE_S_PER_KM = 390.0
SESSIONS_PER_WEEK = 3  # every other day

RULE_WALK_RUN = rule(
    "run.walk_run_programme",
    "Return to running with walk-run intervals every other day, sized to the runner's usual running, advancing a stage "
    "only after two symptom-free completions.",
    ["army_walkrun2023", "green2022", "ohio_state2019"],
    "expert_consensus",
    "Walk-run tables are clinical conventions, not trial-tested for calf strains.",
)
RULE_SESSION_SPIKE = rule(
    "run.session_spike",
    "No run longer than 110 % of the longest run of the previous 30 days.",
    ["frandsen2025"],
    "research",
    "A large but observational, self-reported, mostly male cohort; needs replication.",
)
RULE_WEEKLY = rule(
    "run.weekly_increase",
    "Weekly distance rises by at most 20–30 % and never above the pre-injury week.",
    ["damsted2019", "nielsen2014"],
    "weak",
    "The '10 % rule' is not supported; weekly-change studies are mixed.",
)
RULE_REINJURY = rule(
    "run.reinjury_window",
    "Keep re-injury caution for about 15 weeks after returning to full training.",
    ["orchard2020"],
    "research",
    "Elite Australian football data; recreational runners may differ.",
)
RULE_PREVENTION = rule(
    "run.prevention",
    "Keep calf strengthening twice a week for good, especially for older runners and after a previous calf strain.",
    ["lauersen2014", "green_pizzari2017", "green2020_ajsm"],
    "research",
)


@dataclass(frozen=True)
class RunStage:
    index: int
    kind: Literal["walk_run", "continuous", "run_throughs"]
    walk_min: int
    run_min: int
    repeats: int
    warm_up_min: int
    effort: str
    intensity: int  # 1 easy running only; 2 easy running plus run-throughs
    approx_km: float | None  # running distance at easy pace, when the pace is known
    extra: str | None = None

    @property
    def running_minutes(self) -> int:
        return self.run_min * self.repeats

    @property
    def total_min(self) -> int:
        return self.warm_up_min + (self.walk_min + self.run_min) * self.repeats

    @property
    def label(self) -> str:
        n = self.index + 1
        if self.kind == "walk_run":
            return f"walk-run stage {n}: {self.walk_min} min walk / {self.run_min} min run × {self.repeats}"
        text = f"run stage {n}: {self.run_min} min continuous easy running"
        return f"{text}, then run-throughs" if self.kind == "run_throughs" else text

    def to_contract(self) -> dict[str, object]:
        out: dict[str, object] = {
            "warm_up_min": self.warm_up_min,
            "intervals": [{"walk_min": self.walk_min, "run_min": self.run_min, "repeats": self.repeats}],
            "total_min": self.total_min,
            "effort": self.effort,
        }
        if self.approx_km is not None:
            out["approx_km"] = self.approx_km
        if self.extra:
            out["then"] = self.extra
        return out


@dataclass(frozen=True)
class RunProgramme:
    stages: tuple[RunStage, ...]
    profile: Profile
    target_min: int  # continuous minutes at the end ≈ the usual run
    basis: str  # how it was sized, in plain words
    weekly_km_cap: float | None  # pre-injury weekly distance (never exceeded)
    sessions_per_week: int = SESSIONS_PER_WEEK
    step_pct: float = 10.0  # each continuous step ≤ this % above the run before it (Frandsen 2025)
    pace_s_per_km: float | None = None

    def stage(self, index: int) -> RunStage:
        return self.stages[max(0, min(index, len(self.stages) - 1))]

    def full_training_run(self, runs_done: int | None) -> RunStage:
        """The run in full training: the last stage's minutes grown by ≤ ``step_pct`` % per run done since return,
        up to the target (``None``: the plan started in full training, so the target itself)."""
        last = self.stages[-1]
        minutes = last.run_min
        steps = None if runs_done is None else runs_done
        while minutes < self.target_min and (steps is None or steps > 0):
            minutes = min(self.target_min, max(math.floor(minutes * (1 + self.step_pct / 100)), minutes + 1))
            steps = None if steps is None else steps - 1
        km = None if self.pace_s_per_km is None else round(minutes * 60 / self.pace_s_per_km, 1)
        return replace(last, index=len(self.stages), run_min=minutes, approx_km=km)


def _profile(baseline: RunnerBaseline | None, s: RunSettings) -> Profile:
    weekly = baseline.weekly_km if baseline else None
    if weekly is None or weekly < s.low_mileage_km:
        return "conservative"
    return "high" if weekly >= s.high_mileage_km else "standard"


def _usual_minutes(b: RunnerBaseline | None) -> float | None:
    if b is None:
        return None
    if b.usual_run_min:
        return b.usual_run_min
    pace = b.easy_pace_s_per_km or DEFAULT_EASY_PACE_S_PER_KM
    if b.usual_run_km:
        return b.usual_run_km * pace / 60
    if b.weekly_km and b.runs_per_week:
        return b.weekly_km / b.runs_per_week * pace / 60
    return None


def _target(b: RunnerBaseline | None, profile: Profile, s: RunSettings) -> tuple[int, str]:
    usual = _usual_minutes(b)
    if usual is None:
        return s.target_min_unknown, f"usual run unknown: lower-end target of {s.target_min_unknown} min"
    target, basis = usual, f"usual run about {round(usual)} min"
    if b is not None and b.weekly_km:  # three runs a week must not exceed the pre-injury week
        pace = b.easy_pace_s_per_km or DEFAULT_EASY_PACE_S_PER_KM
        weekly_limit = b.weekly_km / SESSIONS_PER_WEEK * pace / 60
        if weekly_limit < target:
            target, basis = weekly_limit, f"{basis}, held to a third of your pre-injury week"
    if profile == "conservative" and target > s.target_min_low:
        target, basis = s.target_min_low, f"{basis}, capped at {s.target_min_low} min (low weekly mileage)"
    if target > s.target_min_max:
        target, basis = s.target_min_max, f"{basis}, capped at {s.target_min_max} min (the rest comes in full training)"
    return max(5, math.floor(target)), basis


def _km(minutes: int, b: RunnerBaseline | None) -> float | None:
    if b is None or not b.easy_pace_s_per_km:
        return None
    return round(minutes * 60 / b.easy_pace_s_per_km, 1)


def walk_run_programme(
    baseline: RunnerBaseline | None, settings: RunSettings | None = None, pacing: GradePacing | None = None
) -> RunProgramme:
    """The stages from the first walk-run session to continuous running at the usual run, then run-throughs.

    ``pacing`` (the grade's, from ``[pacing]``) moves the first walk-run step up for a milder strain and caps the
    continuous stages; what is left of the build-up to the usual run happens in full training under the weekly cap.
    """
    s = settings or protocol().running
    profile = _profile(baseline, s)
    repeats = {"conservative": s.repeats_conservative, "standard": s.repeats_standard, "high": s.repeats_high}[profile]
    target, basis = _target(baseline, profile, s)

    def stage(kind: Literal["walk_run", "continuous", "run_throughs"], walk: int, run: int, reps: int) -> RunStage:
        extra = s.run_throughs if kind == "run_throughs" else None
        return RunStage(len(stages), kind, walk, run, reps, s.warm_up_min, s.effort,
                        2 if kind == "run_throughs" else 1, _km(run * reps, baseline), extra)  # fmt: skip

    stages: list[RunStage] = []
    first = {"conservative": 1, "standard": s.first_step_standard, "high": s.first_step_high}[profile]
    if pacing is not None:
        first = max(first, pacing.first_walk_run_step)
    max_continuous = pacing.continuous_stages if pacing is not None else len(s.walk_run) * 10
    for step in s.walk_run[first - 1 :]:
        stages.append(stage("walk_run", step.walk_min, step.run_min, repeats))
    minutes = min(stages[-1].running_minutes, target)
    stages.append(stage("continuous", 0, minutes, 1))
    while minutes < target and len(stages) - (len(s.walk_run) - first + 1) < max_continuous:
        # each step ≤ 110 % of the longest run before it (Frandsen 2025)
        step_up = math.floor(minutes * (1 + s.continuous_step_pct / 100))
        minutes = min(target, max(step_up, minutes + 1))
        stages.append(stage("continuous", 0, minutes, 1))
    stages.append(stage("run_throughs", 0, minutes, 1))
    weekly = baseline.weekly_km if baseline else None
    pace = baseline.easy_pace_s_per_km if baseline else None
    return RunProgramme(
        tuple(stages),
        profile,
        target,
        f"{profile} programme; {basis}",
        weekly,
        SESSIONS_PER_WEEK,
        s.continuous_step_pct,
        pace,
    )


def session_cap_km(longest_run_30d_km: float, settings: RunSettings | None = None) -> float:
    """The longest run allowed today: 110 % of the longest run of the last 30 days (Frandsen 2025)."""
    s = settings or protocol().running
    return round(longest_run_30d_km * s.session_spike_pct / 100, 2)


def weekly_cap_km(
    last_week_km: float | None, pre_injury_weekly_km: float | None, settings: RunSettings | None = None
) -> float | None:
    """Next week's distance ceiling: last week + 20 %, never above the pre-injury week (None when nothing known)."""
    s = settings or protocol().running
    caps = []
    if last_week_km:
        caps.append(round(last_week_km * (1 + s.weekly_increase_pct / 100), 1))
    if pre_injury_weekly_km:
        caps.append(round(pre_injury_weekly_km, 1))
    return min(caps) if caps else None


def reinjury_window_end(returned_on: date, settings: RunSettings | None = None) -> date:
    s = settings or protocol().running
    return returned_on + timedelta(weeks=s.reinjury_weeks)


def prevention_routine(settings: RunSettings | None = None) -> tuple[str, ...]:
    s = settings or protocol().running
    return (
        f"Calf strength {s.prevention_sessions_per_week} times a week for good: single-leg heel raises and heel "
        "drops with the knee straight and bent, and loaded raises, as part of your regular training.",
        f"Raise your weekly distance gradually (at most about {s.weekly_increase_pct:g} % a week) and avoid spikes in "
        f"a single run (no run longer than {s.session_spike_pct - 100:g} % beyond your longest of the last 30 days); "
        "keep changes of shoes and surfaces gradual.",
    )
