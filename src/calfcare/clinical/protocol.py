"""The rehab protocol as reviewable data: ``data/protocol.toml`` (phases, criteria, advice, walk-run settings) and
``data/exercises.toml`` (the exercise library), loaded into frozen dataclasses and validated.

Public API::

    protocol() -> Protocol                       # the packaged protocol, loaded and validated once
    load_protocol(path=None, exercises_path=None) -> Protocol   # any pair of files (tests feed broken ones)
    PHASES               # ("protect", "mobility", "strength", "return_to_run", "full_training")
    ProtocolError                                 # a broken file: names the file, the entry and what is wrong

Criteria are machine-checkable (``CRITERIA`` lists the ids); they are evaluated by
:mod:`calfcare.clinical.progression`. The files are read and validated in :mod:`calfcare.clinical.protocol_schema`
(their only I/O).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from calfcare.clinical.rules import rule
from calfcare.errors import CalfcareError

PhaseId = Literal["protect", "mobility", "strength", "return_to_run", "full_training"]
PHASES: tuple[PhaseId, ...] = ("protect", "mobility", "strength", "return_to_run", "full_training")
DATA = Path(__file__).parent / "data"
#: days of check-in history a plan keeps (pain trends, the heel-raise fall): protocol windows may not be longer
HISTORY_DAYS = 14

# criterion id -> whether it takes a value
CRITERIA: dict[str, bool] = {
    "days_since_onset_min": True,
    "pain_rest_max": True,
    "pain_walking_max": True,
    "no_limp": False,
    "heel_raises_min": True,
    "heel_raise_asymmetry_max_pct": True,
    "hop_pain_max": True,
    "morning_pain_max": True,
    "walk_run_complete": False,
    # second round: the heel-raise gate by symmetry and an age- and sex-normed floor (calfcare.clinical.pacing)
    "heel_raise_floor": True,  # value: the count for a young adult; the age/sex norm lowers it
    "heel_raise_lsi_min_pct": True,  # sore leg ≥ value % of the other leg
}
CATEGORIES = (
    "isometric",
    "strength",
    "eccentric",
    "stretch",
    "soft_tissue",
    "mobility",
    "balance",
    "plyometric",
    "running_drill",
    "walking",
)
TARGETS = ("soleus", "gastrocnemius", "both", "hip_and_trunk", "whole_leg")
KNEES = ("bent", "straight", "both", "none")
STAGE_KINDS = ("rehab_exercises", "run", "rest")

RULE_BOTH_KNEES = rule(
    "rehab.both_knee_positions",
    "Always train the calf with the knee straight (gastrocnemius) and bent (soleus), with extra sets for the likely "
    "injured muscle.",
    ["green2022", "alfredson1998"],
    "expert_consensus",
    "Telling gastrocnemius from soleus without imaging is uncertain, so both are always trained.",
)
RULE_ORDER = rule(
    "rehab.progression_order",
    "Progress isometric/band → double-leg raises → single-leg raises → loaded raises → hops → running.",
    ["green2022"],
    "expert_consensus",
    "Order and doses come from a qualitative study of 20 expert clinicians, not from trials.",
)
RULE_ACUTE = rule(
    "acute.peace_and_love",
    "Days 0–3: protect, elevate, compress, no routine anti-inflammatories, ice only for pain relief, then load early.",
    ["dubois2020", "bleakley2004", "kwak2006", "jarvinen2007", "jones2020_cochrane"],
    "weak",
    "Ice and compression rest on small, low-quality trials; harm from anti-inflammatories is mostly from laboratory "
    "work.",
)
RULE_ECCENTRIC = rule(
    "rehab.eccentric_dosage",
    "Eccentric heel drops use the Alfredson dosage (3 × 15, twice daily) with the knee straight and bent.",
    ["alfredson1998", "beyer2015"],
    "weak",
    "The dosage was developed for chronic Achilles tendinopathy, not calf strains.",
)
RULE_STRETCH = rule(
    "rehab.stretch_and_roll",
    "Stretching aims at left-right symmetry, not prevention; foam rolling is optional with small, short-lived effects.",
    ["lauersen2014", "green2022", "wiewelhove2019", "konrad2022"],
    "research",
    "No evidence that stretching or foam rolling speeds calf-strain recovery.",
)


class ProtocolError(CalfcareError):
    """A protocol or exercise file that cannot be used; the message names the file and the entry."""

    exit_code = 8
    http_status = 500


@dataclass(frozen=True)
class Dosage:
    sets: int
    reps: int
    hold_s: int
    tempo: str
    load: str
    per_day: int
    per_week: int
    minutes: int | None = None  # a timed exercise (a walk): its duration; sets × reps do not apply


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    category: str
    target: str
    knee: str
    dosage: Dosage
    progression: str | None
    regression: str | None
    cues: tuple[str, ...]
    avoid: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    value: float | None = None


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    kind: str
    completions: int  # symptom-free completions before the next stage; 0 = stay (gate only)
    exercises: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    id: PhaseId
    title: str
    purpose: str
    entry: tuple[Criterion, ...]
    exit: tuple[Criterion, ...]
    stages: tuple[Stage, ...]  # empty for return_to_run: its stages are the walk-run programme
    exercises: tuple[str, ...]  # phase-wide exercises (return_to_run), else ()


@dataclass(frozen=True)
class Advice:
    id: str
    title: str
    text: str
    evidence: str
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CrossTraining:
    id: str
    name: str
    phases: tuple[str, ...]
    notes: str


@dataclass(frozen=True)
class WalkRunStep:
    walk_min: int
    run_min: int


@dataclass(frozen=True)
class RunSettings:
    warm_up_min: int
    effort: str
    rpe_max: int
    completions_to_advance: int
    min_rest_days_between_runs: int
    walk_run: tuple[WalkRunStep, ...]
    first_step_standard: int  # 1-based step of walk_run where a standard-mileage runner starts
    first_step_high: int
    repeats_conservative: int
    repeats_standard: int
    repeats_high: int
    low_mileage_km: float
    high_mileage_km: float
    target_min_unknown: int
    target_min_low: int
    target_min_max: int
    continuous_step_pct: float
    weekly_increase_pct: float
    weekly_increase_pct_max: float
    session_spike_pct: float
    reinjury_weeks: int
    prevention_sessions_per_week: int
    run_throughs: str


@dataclass(frozen=True)
class PainSettings:
    """The pain-monitoring limits (REFERENCE §6.4), clinician-configurable in ``[pain_monitoring]``: a stricter
    ceiling in the first weeks after an acute tear (a recommendation, not evidence), then Silbernagel 2007's 5/10."""

    early_weeks: int
    early_ceiling: int
    later_ceiling: int
    early_no_limp: bool
    symptom_free_max: int


GRADES: tuple[str, ...] = ("mild", "moderate", "severe")


@dataclass(frozen=True)
class GradePacing:
    """How one grade paces the plan (``[pacing.<grade>]``)."""

    grade: str
    days: tuple[int, int]  # typical days to running, used when triage gave no range
    completions: int  # symptom-free completions per rehab stage
    run_completions: int  # per walk-run stage
    first_walk_run_step: int  # 1-based step of [return_to_run].walk_run
    continuous_stages: int  # continuous-running stages after the walk-run ladder, before the run-throughs
    min_days: Mapping[str, int]  # minimum days in each phase
    clearance_to_run: bool


@dataclass(frozen=True)
class PacingSettings:
    first_run_fraction: float
    full_training_fraction: float
    full_by_fraction: float
    regrade_from_day: int
    regrade_to_day: int
    unknown_grade: str
    grades: Mapping[str, GradePacing]

    def for_grade(self, grade: str | None) -> GradePacing:
        return self.grades[grade if grade is not None and grade in self.grades else self.unknown_grade]


@dataclass(frozen=True)
class HeelRaiseNorm:
    age_from: int
    age_to: int
    male: int
    female: int


@dataclass(frozen=True)
class HeelRaiseSettings:
    lsi_min_pct: float
    fall_divisor: int
    fall_window_days: int  # the fall is measured from the highest count of these last days (and the last count)
    norms: tuple[HeelRaiseNorm, ...]


@dataclass(frozen=True)
class ChildSettings:
    max_age: int
    heel_raise_floor: int
    substitutes: Mapping[str, str]
    load: str
    message: str


@dataclass(frozen=True)
class Protocol:
    phases: tuple[Phase, ...]
    exercises: Mapping[str, Exercise]
    education: Mapping[str, str]
    emphasis_extra_sets: int
    emphasis: Mapping[str, str]  # structure -> knee position
    acute_advice: tuple[Advice, ...]
    cross_training: tuple[CrossTraining, ...]
    running: RunSettings
    pain: PainSettings
    pacing: PacingSettings
    heel_raises: HeelRaiseSettings
    children: ChildSettings

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(phase_id)

    def exercise(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def cross_training_for(self, phase_id: str) -> tuple[CrossTraining, ...]:
        return tuple(c for c in self.cross_training if phase_id in c.phases)


def load_protocol(path: Path | None = None, exercises_path: Path | None = None) -> Protocol:
    """Load and validate a protocol file and its exercise library (defaults: the packaged files); the reading and
    validation are in :mod:`calfcare.clinical.protocol_schema`."""
    from calfcare.clinical.protocol_schema import read_protocol  # imported here: that module needs the types above

    return read_protocol(path, exercises_path)


@cache
def protocol() -> Protocol:
    """The packaged protocol, loaded and validated on first use."""
    return load_protocol()
