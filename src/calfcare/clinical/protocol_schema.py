"""Reading and validating the protocol files (``data/protocol.toml`` and ``data/exercises.toml``) into the
frozen dataclasses of :mod:`calfcare.clinical.protocol`.

Public API (called by :func:`calfcare.clinical.protocol.load_protocol`, which is where other modules get it)::

    read_protocol(path=None, exercises_path=None) -> Protocol   # any pair of files; raises ProtocolError

Every problem names the file, the entry and what is wrong; unknown keys are refused. Reading the TOML files is the
only I/O here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from calfcare.clinical.protocol import (
    CATEGORIES,
    CRITERIA,
    DATA,
    GRADES,
    HISTORY_DAYS,
    KNEES,
    PHASES,
    STAGE_KINDS,
    TARGETS,
    Advice,
    ChildSettings,
    Criterion,
    CrossTraining,
    Dosage,
    Exercise,
    GradePacing,
    HeelRaiseNorm,
    HeelRaiseSettings,
    PacingSettings,
    PainSettings,
    Phase,
    Protocol,
    ProtocolError,
    RunSettings,
    Stage,
    WalkRunStep,
)
from calfcare.clinical.rules import EVIDENCE_LEVELS
from calfcare.clinical.sources import SOURCES

__all__ = ["read_protocol"]


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
    "minutes",
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
            e.whole("minutes", low=1, high=180) if "minutes" in raw else None,
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
            if cid == "heel_raise_lsi_min_pct":
                high = 100.0
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


_PAIN_KEYS = ("early_weeks", "early_ceiling", "later_ceiling", "early_no_limp", "symptom_free_max")


def _pain(path: Path, raw: Any) -> PainSettings:
    p = _Entry(path, "pain_monitoring", raw, _PAIN_KEYS)
    early, later = p.whole("early_ceiling", high=10), p.whole("later_ceiling", high=10)
    if early > later:
        p.fail("early_ceiling must not be above later_ceiling (the first weeks are the stricter ones)")
    symptom_free = p.whole("symptom_free_max", high=10)
    if symptom_free > early:
        p.fail("symptom_free_max must not be above early_ceiling")
    no_limp = p.get("early_no_limp")
    if not isinstance(no_limp, bool):
        p.fail(f"'early_no_limp' must be true or false, not {no_limp!r}")
    return PainSettings(p.whole("early_weeks", high=12), early, later, no_limp, symptom_free)


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


_GRADE_KEYS = (
    "days",
    "completions",
    "run_completions",
    "first_walk_run_step",
    "continuous_stages",
    "min_days",
    "clearance_to_run",
)


def _flag(entry: _Entry, key: str) -> bool:
    value = entry.get(key)
    if not isinstance(value, bool):
        entry.fail(f"{key!r} must be true or false, not {value!r}")
    return bool(value)


def _grade(path: Path, grade: str, raw: Any, walk_run_steps: int) -> GradePacing:
    g = _Entry(path, f"pacing.{grade}", raw, _GRADE_KEYS)
    days = g.get("days")
    if (
        not isinstance(days, list)
        or len(days) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in days)
        or days[0] > days[1]
    ):
        g.fail(f"'days' must be [low, high] whole numbers with low ≤ high, not {days!r}")
    min_days = g.get("min_days")
    if not isinstance(min_days, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 120 for v in min_days.values()
    ):
        g.fail(f"'min_days' must map phases to whole numbers of days from 0 to 120, not {min_days!r}")
    if bad := [k for k in min_days if k not in PHASES]:
        g.fail(f"'min_days': unknown phase(s) {bad}")
    return GradePacing(
        grade,
        (int(days[0]), int(days[1])),
        g.whole("completions", low=1, high=10),
        g.whole("run_completions", low=1, high=10),
        g.whole("first_walk_run_step", low=1, high=walk_run_steps),
        g.whole("continuous_stages", low=1, high=20),
        {k: int(v) for k, v in min_days.items()},
        _flag(g, "clearance_to_run"),
    )


def _pacing(path: Path, raw: Any, walk_run_steps: int) -> PacingSettings:
    keys = (
        "first_run_fraction",
        "full_training_fraction",
        "full_by_fraction",
        "regrade_from_day",
        "regrade_to_day",
        "unknown_grade",
        *GRADES,
    )
    p = _Entry(path, "pacing", raw, keys)
    grades = {g: _grade(path, g, p.get(g), walk_run_steps) for g in GRADES}
    low, high = p.whole("regrade_from_day", high=28), p.whole("regrade_to_day", high=28)
    if low > high:
        p.fail("regrade_from_day must not be after regrade_to_day")
    return PacingSettings(
        p.number("first_run_fraction", high=1),
        p.number("full_training_fraction", high=2),
        p.number("full_by_fraction", low=1, high=5),
        low,
        high,
        p.text("unknown_grade", choices=GRADES),
        grades,
    )


def _heel_raises(path: Path, raw: Any) -> HeelRaiseSettings:
    h = _Entry(path, "heel_raises", raw, ("lsi_min_pct", "fall_divisor", "fall_window_days", "norms"))
    norms: list[HeelRaiseNorm] = []
    for k, row in enumerate(h.tables("norms")):
        n = _Entry(path, f"heel_raises: norms #{k + 1}", row, ("age_from", "age_to", "male", "female"))
        norm = HeelRaiseNorm(
            n.whole("age_from", high=120),
            n.whole("age_to", high=120),
            n.whole("male", low=1, high=200),
            n.whole("female", low=1, high=200),
        )
        if norm.age_from > norm.age_to or (norms and norm.age_from <= norms[-1].age_to):
            n.fail("age bands must be in order and must not overlap")
        norms.append(norm)
    if not norms:
        h.fail("norms needs at least one age band")
    return HeelRaiseSettings(
        h.number("lsi_min_pct", low=1, high=100),
        h.whole("fall_divisor", low=2, high=10),
        h.whole("fall_window_days", low=1, high=HISTORY_DAYS),
        tuple(norms),
    )


def _children(path: Path, raw: Any, exercises: Mapping[str, Exercise]) -> ChildSettings:
    c = _Entry(path, "children", raw, ("max_age", "heel_raise_floor", "substitutes", "load", "message"))
    subs = c.get("substitutes")
    if not isinstance(subs, dict) or not all(isinstance(v, str) for v in subs.values()):
        c.fail(f"'substitutes' must map exercise ids to exercise ids, not {subs!r}")
    _known(c, (*subs, *subs.values()), exercises)
    return ChildSettings(
        c.whole("max_age", low=1, high=17),
        c.whole("heel_raise_floor", low=1, high=100),
        dict(subs),
        c.text("load"),
        c.text("message"),
    )


def read_protocol(path: Path | None = None, exercises_path: Path | None = None) -> Protocol:
    """Load and validate a protocol file and its exercise library (defaults: the packaged files)."""
    path = Path(path) if path is not None else DATA / "protocol.toml"
    exercises = _exercises(Path(exercises_path) if exercises_path is not None else DATA / "exercises.toml")
    keys = (
        "education",
        "emphasis",
        "acute_advice",
        "cross_training",
        "phase",
        "return_to_run",
        "pain_monitoring",
        "pacing",
        "heel_raises",
        "children",
    )
    doc = _Entry(path, "top level", _read(path), keys)
    education = doc.get("education")
    if not isinstance(education, dict) or not all(isinstance(v, str) and v.strip() for v in education.values()):
        doc.fail("[education] must map names to non-empty texts")
    emph = _Entry(path, "emphasis", doc.get("emphasis"), ("extra_sets", "soleus", "gastrocnemius"))
    emphasis = {m: emph.text(m, choices=("bent", "straight")) for m in ("soleus", "gastrocnemius")}
    running = _running(path, doc.get("return_to_run"))
    return Protocol(
        phases=_phases(path, doc, exercises),
        exercises=exercises,
        education=dict(education),
        emphasis_extra_sets=emph.whole("extra_sets", high=3),
        emphasis=emphasis,
        acute_advice=_advice(path, doc),
        cross_training=_cross(path, doc),
        running=running,
        pain=_pain(path, doc.get("pain_monitoring")),
        pacing=_pacing(path, doc.get("pacing"), len(running.walk_run)),
        heel_raises=_heel_raises(path, doc.get("heel_raises")),
        children=_children(path, doc.get("children"), exercises),
    )
