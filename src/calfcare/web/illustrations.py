"""Which drawing goes with which exercise: exercise ids (clinical/data/exercises.toml), cross-training ids and the
walk-run session mapped to the Jinja partials in ``templates/illustrations/``.

Each partial is inline SVG line art in ``currentColor`` (it follows the theme), ``role="img"`` with a ``<title>``;
the working calf and the direction of movement are drawn in ``class="accent"``. An exercise added to the library
later still gets a fitting picture: :func:`for_exercise` falls back on its category and knee position.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from calfcare.clinical.protocol import protocol

#: where the partials live, relative to the templates folder
FOLDER = "illustrations"
TEMPLATES = Path(__file__).resolve().parent / "templates"

#: every exercise of the library (and the cross-training and the walk-run) with the drawing that shows it
EXERCISE_DRAWINGS: Mapping[str, str] = MappingProxyType(
    {
        "isometric_bent_knee": "exercise_isometric_bent",
        "isometric_straight_knee": "exercise_isometric_straight",
        "band_plantarflexion_bent": "exercise_band_bent",
        "band_plantarflexion_straight": "exercise_band_straight",
        "double_leg_raise_bent": "exercise_heel_raise_bent",
        "double_leg_raise_straight": "exercise_heel_raise_straight",
        "single_leg_raise_bent": "exercise_single_heel_raise_bent",
        "single_leg_raise_straight": "exercise_single_heel_raise_straight",
        "seated_loaded_soleus_raise": "exercise_seated_raise",
        "standing_loaded_raise": "exercise_loaded_heel_raise",
        "eccentric_heel_drop_straight": "exercise_heel_drop_straight",
        "eccentric_heel_drop_bent": "exercise_heel_drop_bent",
        "ankle_range_of_motion": "exercise_ankle_circles",
        "knee_to_wall_stretch": "exercise_calf_stretch_bent",
        "straight_leg_calf_stretch": "exercise_calf_stretch_straight",
        "foam_rolling_calf": "exercise_foam_roll",
        "glute_bridge": "exercise_bridge",
        "single_leg_bridge": "exercise_single_leg_bridge",
        "bird_dog": "exercise_bird_dog",
        "cat_camel": "exercise_cat_camel",
        "split_squat": "exercise_split_squat",
        "step_up": "exercise_step_up",
        "single_leg_balance": "exercise_balance",
        "brisk_walk": "exercise_walk",
        "double_leg_pogo": "exercise_hops",
        "single_leg_pogo": "exercise_hop_single",
        "hop_in_line": "exercise_hops_forward",
        "run_throughs": "exercise_run",
        # cross-training (protocol.toml) and the sessions of the return-to-run phase
        "swimming": "exercise_swimming",
        "cycling": "exercise_cycling",
        "pool_running": "exercise_pool_running",
        "elliptical": "exercise_elliptical",
        "walk": "exercise_walk",
        "walk_run": "exercise_walk_run",
        "run": "exercise_run",
    }
)

#: the fallback for an exercise id not listed above: (category, knee) first, then the category alone
CATEGORY_DRAWINGS: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("isometric", "bent"): "exercise_isometric_bent",
        ("isometric", ""): "exercise_isometric_straight",
        ("strength", "bent"): "exercise_heel_raise_bent",
        ("strength", ""): "exercise_heel_raise_straight",
        ("eccentric", "bent"): "exercise_heel_drop_bent",
        ("eccentric", ""): "exercise_heel_drop_straight",
        ("stretch", "bent"): "exercise_calf_stretch_bent",
        ("stretch", ""): "exercise_calf_stretch_straight",
        ("soft_tissue", ""): "exercise_foam_roll",
        ("mobility", ""): "exercise_ankle_circles",
        ("balance", ""): "exercise_balance",
        ("plyometric", ""): "exercise_hops",
        ("running_drill", ""): "exercise_run",
        ("walking", ""): "exercise_walk",
    }
)
#: strength work that is not a calf raise
TARGET_DRAWINGS: Mapping[str, str] = MappingProxyType(
    {"hip_and_trunk": "exercise_bridge", "whole_leg": "exercise_split_squat"}
)


def partial(name: str) -> str:
    """The template path of a drawing by its name ("heel_raise" -> "illustrations/heel_raise.svg.j2")."""
    return f"{FOLDER}/{name}.svg.j2"


def by_category(category: str, knee: str = "", target: str = "") -> str | None:
    """The drawing for an exercise known only by its library fields (category, knee, target), or None."""
    if category == "strength" and target in TARGET_DRAWINGS:
        return TARGET_DRAWINGS[target]
    return CATEGORY_DRAWINGS.get((category, knee)) or CATEGORY_DRAWINGS.get((category, ""))


def for_exercise(exercise_id: str) -> str | None:
    """The partial (``"illustrations/<name>.svg.j2"``) that shows the exercise, or None when nothing fits."""
    name = EXERCISE_DRAWINGS.get(exercise_id)
    if name is None:
        exercise = protocol().exercises.get(exercise_id)
        if exercise is not None:
            name = by_category(exercise.category, exercise.knee, exercise.target)
    return partial(name) if name else None


def drawings() -> list[str]:
    """The names of every drawing shipped (the files in templates/illustrations)."""
    return sorted(p.name.removesuffix(".svg.j2") for p in (TEMPLATES / FOLDER).glob("*.svg.j2"))
