"""The rehab protocol as reviewable data: ``data/protocol.toml`` (phases, criteria, advice, walk-run settings) and
``data/exercises.toml`` (the exercise library), loaded into frozen dataclasses and validated.

Public API::

    protocol() -> Protocol                       # the packaged protocol, loaded and validated once
    load_protocol(path=None, exercises_path=None) -> Protocol   # any pair of files (tests feed broken ones)
    PHASES               # ("protect", "mobility", "strength", "return_to_run", "full_training")
    ProtocolError                                 # a broken file: names the file, the entry and what is wrong

Criteria are machine-checkable (``CRITERIA`` lists the ids); they are evaluated by
:mod:`calfcare.clinical.progression`. Reading the packaged TOML is the only I/O here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from calfcare.clinical.rules import EVIDENCE_LEVELS, rule
from calfcare.clinical.sources import SOURCES
from calfcare.errors import CalfcareError

PhaseId = Literal["protect", "mobility", "strength", "return_to_run", "full_training"]
PHASES: tuple[PhaseId, ...] = ("protect", "mobility", "strength", "return_to_run", "full_training")
DATA = Path(__file__).parent / "data"

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
class Protocol:
    phases: tuple[Phase, ...]
    exercises: Mapping[str, Exercise]
    education: Mapping[str, str]
    emphasis_extra_sets: int
    emphasis: Mapping[str, str]  # structure -> knee position
    acute_advice: tuple[Advice, ...]
    cross_training: tuple[CrossTraining, ...]
    running: RunSettings

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(phase_id)

    def exercise(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def cross_training_for(self, phase_id: str) -> tuple[CrossTraining, ...]:
        return tuple(c for c in self.cross_training if phase_id in c.phases)


class _Entry:
    """Reads one table of a TOML file, naming the file and entry in every error; unknown keys are refused."""

    def __init__(self, file: Path, where: str, table: Any, allowed: tuple[str, ...]) -> None:
        self.file, self.where = file, where
        if not isinstance(table, dict):
            self.fail("expected a table")
        unknown = sorted(set(table) - set(allowed))
        if unknown:
            self.fail(f"unknown key(s) {unknown}; expected only {list(allowed)}")
        self.table: dict[str, Any] = table

    def fail(self, problem: str) -> Any:
        raise ProtocolError(f"{self.file}: {self.where}: {problem}")

    def get(self, key: str) -> Any:
        if key not in self.table:
            self.fail(f"missing field {key!r}")
        return self.table[key]

    def text(self, key: str, *, choices: tuple[str, ...] = (), empty: bool = False) -> str:
        value = self.get(key)
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.fail(f"{key!r} must be a non-empty string, not {value!r}")
        if choices and value not in choices:
            self.fail(f"{key!r} must be one of {list(choices)}, not {value!r}")
        return str(value)

    def number(self, key: str, *, low: float = 0, high: float | None = None, whole: bool = False) -> float:
        value = self.get(key)
        ok = isinstance(value, int) if whole else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or value < low or (high is not None and value > high):
            kind = "a whole number" if whole else "a number"
            bound = f" between {low} and {high}" if high is not None else f" ≥ {low}"
            self.fail(f"{key!r} must be {kind}{bound}, not {value!r}")
        return float(value)

    def whole(self, key: str, *, low: int = 0, high: int | None = None) -> int:
        return int(self.number(key, low=low, high=high, whole=True))

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{key!r} must be a list of non-empty strings, not {value!r}")
        return tuple(value)

    def tables(self, key: str) -> list[Any]:
        value = self.get(key)
        if not isinstance(value, list):
            self.fail(f"{key!r} must be a list of tables")
        return list(value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML ({exc})") from exc


_EXERCISE_KEYS = (
    "id",
    "name",
    "category",
    "target",
    "knee",
    "sets",
    "reps",
    "hold_s",
    "tempo",
    "load",
    "per_day",
    "per_week",
    "progression",
    "regression",
    "cues",
    "avoid",
    "evidence",
)


def _exercises(path: Path) -> dict[str, Exercise]:
    doc = _Entry(path, "top level", _read(path), ("exercise",))
    out: dict[str, Exercise] = {}
    for i, raw in enumerate(doc.tables("exercise")):
        e = _Entry(path, f"exercise #{i + 1}", raw, _EXERCISE_KEYS)
        ex_id = e.text("id")
        e.where = f"exercise {ex_id!r}"
        if ex_id in out:
            e.fail("duplicate exercise id")
        dosage = Dosage(
            e.whole("sets", low=1, high=10),
            e.whole("reps", low=1, high=200),
            e.whole("hold_s", high=600),
            e.text("tempo"),
            e.text("load"),
            e.whole("per_day", low=1, high=6),
            e.whole("per_week", low=1, high=7),
        )
        out[ex_id] = Exercise(
            id=ex_id,
            name=e.text("name"),
            category=e.text("category", choices=CATEGORIES),
            target=e.text("target", choices=TARGETS),
            knee=e.text("knee", choices=KNEES),
            dosage=dosage,
            progression=e.text("progression", empty=True) or None,
            regression=e.text("regression", empty=True) or None,
            cues=e.strings("cues"),
            avoid=e.strings("avoid"),
            evidence=e.text("evidence"),
        )
    for ex in out.values():
        for link in (ex.progression, ex.regression):
            if link is not None and link not in out:
                raise ProtocolError(
                    f"{path}: exercise {ex.id!r}: progression/regression {link!r} is not an exercise id"
                )
    return out


def _criteria(entry: _Entry, key: str) -> tuple[Criterion, ...]:
    out = []
    for j, raw in enumerate(entry.tables(key)):
        c = _Entry(entry.file, f"{entry.where}: {key} #{j + 1}", raw, ("id", "name", "value"))
        cid = c.text("id", choices=tuple(CRITERIA))
        if CRITERIA[cid]:
            high = 100.0 if cid == "heel_raise_asymmetry_max_pct" else None
            if cid.startswith(("pain", "hop", "morning")):
                high = 10.0
            value: float | None = c.number("value", high=high)
        elif "value" in raw:
            c.fail(f"criterion {cid!r} takes no value")
        else:
            value = None
        out.append(Criterion(cid, c.text("name"), value))
    return tuple(out)


def _stage(file: Path, where: str, raw: Any, exercises: Mapping[str, Exercise]) -> Stage:
    s = _Entry(file, where, raw, ("id", "name", "kind", "completions", "exercises"))
    stage = Stage(
        s.text("id"),
        s.text("name"),
        s.text("kind", choices=STAGE_KINDS),
        s.whole("completions", high=50),
        s.strings("exercises"),
    )
    _known(s, stage.exercises, exercises)
    return stage


def _known(entry: _Entry, ids: tuple[str, ...], exercises: Mapping[str, Exercise]) -> None:
    unknown = [x for x in ids if x not in exercises]
    if unknown:
        entry.fail(f"unknown exercise id(s) {unknown}")


def _phases(path: Path, doc: _Entry, exercises: Mapping[str, Exercise]) -> tuple[Phase, ...]:
    phases: list[Phase] = []
    raws = doc.tables("phase")
    ids = [r.get("id") if isinstance(r, dict) else None for r in raws]
    if ids != list(PHASES):
        doc.fail(f"phases must be exactly {list(PHASES)} in that order, found {ids}")
    for raw in raws:
        p = _Entry(path, f"phase {raw['id']!r}", raw, ("id", "title", "purpose", "entry", "exit", "stage", "exercises"))
        stages = tuple(
            _stage(path, f"{p.where}: stage #{k + 1}", s, exercises) for k, s in enumerate(raw.get("stage", []))
        )
        phase_ex = p.strings("exercises") if "exercises" in raw else ()
        _known(p, phase_ex, exercises)
        if raw["id"] == "return_to_run":
            if stages or not phase_ex:
                p.fail(
                    "return_to_run has no [[phase.stage]] (its stages are the walk-run programme) but needs exercises"
                )
        elif not stages:
            p.fail("needs at least one [[phase.stage]]")
        phases.append(
            Phase(
                raw["id"],
                p.text("title"),
                p.text("purpose"),
                _criteria(p, "entry"),
                _criteria(p, "exit"),
                stages,
                phase_ex,
            )
        )
    return tuple(phases)


_RUN_KEYS = (
    "warm_up_min",
    "effort",
    "rpe_max",
    "completions_to_advance",
    "min_rest_days_between_runs",
    "walk_run",
    "first_step_standard",
    "first_step_high",
    "repeats_conservative",
    "repeats_standard",
    "repeats_high",
    "low_mileage_km",
    "high_mileage_km",
    "target_min_unknown",
    "target_min_low",
    "target_min_max",
    "continuous_step_pct",
    "weekly_increase_pct",
    "weekly_increase_pct_max",
    "session_spike_pct",
    "reinjury_weeks",
    "prevention_sessions_per_week",
    "run_throughs",
)


def _running(path: Path, raw: Any) -> RunSettings:
    r = _Entry(path, "return_to_run", raw, _RUN_KEYS)
    steps = []
    for k, s in enumerate(r.tables("walk_run")):
        w = _Entry(path, f"return_to_run: walk_run #{k + 1}", s, ("walk_min", "run_min"))
        steps.append(WalkRunStep(w.whole("walk_min", low=1, high=10), w.whole("run_min", low=1, high=30)))
    if not steps:
        r.fail("walk_run needs at least one step")
    first_standard = r.whole("first_step_standard", low=1, high=len(steps))
    first_high = r.whole("first_step_high", low=first_standard, high=len(steps))
    conservative, standard, high_reps = (
        r.whole(k, low=1, high=12) for k in ("repeats_conservative", "repeats_standard", "repeats_high")
    )
    if not conservative <= standard <= high_reps:
        r.fail("repeats must rise: repeats_conservative ≤ repeats_standard ≤ repeats_high")
    low, high = r.number("low_mileage_km"), r.number("high_mileage_km")
    if low >= high:
        r.fail("low_mileage_km must be below high_mileage_km")
    return RunSettings(
        r.whole("warm_up_min", high=30),
        r.text("effort"),
        r.whole("rpe_max", low=1, high=10),
        r.whole("completions_to_advance", low=1, high=10),
        r.whole("min_rest_days_between_runs", high=3),
        tuple(steps),
        first_standard,
        first_high,
        conservative,
        standard,
        high_reps,
        low,
        high,
        r.whole("target_min_unknown", low=5, high=120),
        r.whole("target_min_low", low=5, high=120),
        r.whole("target_min_max", low=10, high=240),
        r.number("continuous_step_pct", low=1, high=50),
        r.number("weekly_increase_pct", low=1, high=100),
        r.number("weekly_increase_pct_max", low=1, high=100),
        r.number("session_spike_pct", low=100, high=300),
        r.whole("reinjury_weeks", low=1, high=104),
        r.whole("prevention_sessions_per_week", low=1, high=7),
        r.text("run_throughs"),
    )


def _advice(path: Path, doc: _Entry) -> tuple[Advice, ...]:
    out = []
    for k, raw in enumerate(doc.tables("acute_advice")):
        a = _Entry(path, f"acute_advice #{k + 1}", raw, ("id", "title", "text", "evidence", "note", "sources"))
        sources = a.strings("sources")
        unknown = [s for s in sources if s not in SOURCES]
        if unknown:
            a.fail(f"unknown source key(s) {unknown}")
        out.append(
            Advice(
                a.text("id"),
                a.text("title"),
                a.text("text"),
                a.text("evidence", choices=EVIDENCE_LEVELS),
                a.text("note"),
                sources,
            )
        )
    return tuple(out)


def _cross(path: Path, doc: _Entry) -> tuple[CrossTraining, ...]:
    out = []
    for k, raw in enumerate(doc.tables("cross_training")):
        c = _Entry(path, f"cross_training #{k + 1}", raw, ("id", "name", "phases", "notes"))
        phases = c.strings("phases")
        if bad := [p for p in phases if p not in PHASES]:
            c.fail(f"unknown phase(s) {bad}")
        out.append(CrossTraining(c.text("id"), c.text("name"), phases, c.text("notes")))
    return tuple(out)


def load_protocol(path: Path | None = None, exercises_path: Path | None = None) -> Protocol:
    """Load and validate a protocol file and its exercise library (defaults: the packaged files)."""
    path = Path(path) if path is not None else DATA / "protocol.toml"
    exercises = _exercises(Path(exercises_path) if exercises_path is not None else DATA / "exercises.toml")
    keys = ("education", "emphasis", "acute_advice", "cross_training", "phase", "return_to_run")
    doc = _Entry(path, "top level", _read(path), keys)
    education = doc.get("education")
    if not isinstance(education, dict) or not all(isinstance(v, str) and v.strip() for v in education.values()):
        doc.fail("[education] must map names to non-empty texts")
    emph = _Entry(path, "emphasis", doc.get("emphasis"), ("extra_sets", "soleus", "gastrocnemius"))
    emphasis = {m: emph.text(m, choices=("bent", "straight")) for m in ("soleus", "gastrocnemius")}
    return Protocol(
        phases=_phases(path, doc, exercises),
        exercises=exercises,
        education=dict(education),
        emphasis_extra_sets=emph.whole("extra_sets", high=3),
        emphasis=emphasis,
        acute_advice=_advice(path, doc),
        cross_training=_cross(path, doc),
        running=_running(path, doc.get("return_to_run")),
    )


@cache
def protocol() -> Protocol:
    """The packaged protocol, loaded and validated on first use."""
    return load_protocol()
