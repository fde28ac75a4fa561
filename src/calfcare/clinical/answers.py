"""The triage answers as plain values: one attribute per key of the contract (/work/shared/spec/ASSESSMENT.md).

``None`` always means "not asked / don't know", never "no". The same class carries the red-flag screen at check-ins,
where only the :data:`RED_FLAG_KEYS` are filled in; every red-flag rule therefore works on the screen keys alone.
Validation of raw input happens at the edge (:mod:`calfcare.contracts.assessment`); this module trusts its values.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, get_args

Sex = Literal["female", "male", "other"]
Side = Literal["left", "right", "both"]
Onset = Literal["sudden", "gradual"]
Activity = Literal[
    "sprint_or_intervals",
    "hills",
    "jumping_or_lunging",
    "steady_run",
    "long_run",
    "walking_or_daily_life",
    "other_sport",
    "none",
]
PainLocation = Literal[
    "upper_inner_calf",
    "upper_outer_calf",
    "mid_calf",
    "lower_calf",
    "achilles",
    "heel",
    "behind_knee",
    "shin_bone",
    "whole_calf",
]
PainCharacter = Literal["sharp", "tight_or_cramping", "aching", "burning"]
ClotRisk = Literal[
    "long_travel",
    "surgery",
    "cast_or_boot",
    "bed_rest",
    "hormones",
    "cancer",
    "previous_clot",
    "pregnancy",
    # second round (ASSESSMENT.md Additions)
    "hospital_stay",
    "postpartum",
    "clotting_disorder",
]
Medicine = Literal["statin", "anticoagulant", "fluoroquinolone", "corticosteroid"]

SEXES: tuple[str, ...] = get_args(Sex)
SIDES: tuple[str, ...] = get_args(Side)
ONSETS: tuple[str, ...] = get_args(Onset)
ACTIVITIES: tuple[str, ...] = get_args(Activity)
PAIN_LOCATIONS: tuple[str, ...] = get_args(PainLocation)
PAIN_CHARACTERS: tuple[str, ...] = get_args(PainCharacter)
CLOT_RISKS: tuple[str, ...] = get_args(ClotRisk)
MEDICINES: tuple[str, ...] = get_args(Medicine)

#: activities that count as running (a "running-related mechanism", Green 2020)
RUNNING_ACTIVITIES: frozenset[str] = frozenset({"sprint_or_intervals", "hills", "steady_run", "long_run"})
#: activities with no running or sport moment at all
NO_SPORT_ACTIVITIES: frozenset[str] = frozenset({"walking_or_daily_life", "none"})
#: hard exertion at onset: the runs and moves after which dark urine means rhabdomyolysis (Nye 2021, Apeland 2017)
HARD_EXERTION: frozenset[str] = frozenset({"sprint_or_intervals", "hills", "long_run", "jumping_or_lunging"})
#: where an Achilles rupture is felt: low in the calf, at the tendon or the heel
LOW_LOCATIONS: frozenset[str] = frozenset({"lower_calf", "achilles", "heel"})
#: age at or above which age alone counts as a clot risk factor (revised Geneva score, Le Gal 2006)
CLOT_RISK_AGE = 65
#: under this age the runner is a child or adolescent (heel pain: Sever's first; child loads and targets)
CHILD_UNDER_AGE = 16
#: more than this many days after the injury, a limp or no heel raise means it is not healing (six weeks)
NOT_HEALING_AFTER_DAYS = 42


@dataclass(frozen=True)
class TriageAnswers:
    # --- about the runner and the moment it happened ---
    age: int | None = None
    sex: Sex | None = None
    side: Side | None = None
    days_since_onset: float | None = None
    onset: Onset | None = None
    activity_at_onset: Activity | None = None
    direct_blow: bool | None = None
    felt_snap: bool | None = None
    felt_kicked: bool | None = None
    forefoot_runner: bool | None = None
    recent_mileage_increase: bool | None = None
    recent_speedwork_increase: bool | None = None
    previous_calf_strains: int | None = None
    knee_swelling_or_arthritis: bool | None = None
    # second round: medicines and history that change the red flags (ASSESSMENT.md Additions)
    medicines: tuple[Medicine, ...] | None = None
    diabetes_or_weak_immunity: bool | None = None
    previous_stress_fracture: bool | None = None
    low_energy_or_missed_periods: bool | None = None
    # --- what it feels like now (self-tests) ---
    pain_location: PainLocation | None = None
    pain_character: PainCharacter | None = None
    pain_rest: int | None = None
    pain_walking: int | None = None
    walks_normally: bool | None = None
    can_bear_weight: bool | None = None
    single_leg_heel_raises_injured: int | None = None
    single_leg_heel_raises_other: int | None = None
    pain_loading_knee_straight: int | None = None
    pain_loading_knee_bent: int | None = None
    swelling: bool | None = None
    bruising: bool | None = None
    bruising_around_ankle: bool | None = None
    gap_felt: bool | None = None
    squeeze_test_no_movement: bool | None = None
    # --- red-flag screen (triage and every check-in) ---
    breathless_or_chest_pain: bool | None = None
    coughing_blood: bool | None = None
    fainting_or_racing_heart: bool | None = None
    whole_leg_swollen: bool | None = None
    calf_bigger_than_other: bool | None = None
    skin_warm_red_or_dark: bool | None = None
    clot_risk_factors: tuple[ClotRisk, ...] | None = None
    pain_escalating_out_of_proportion: bool | None = None
    calf_rock_hard: bool | None = None
    pain_moving_toes_passively: bool | None = None
    foot_numb_or_tingling: bool | None = None
    foot_weak_or_dropping: bool | None = None
    foot_cold_pale_or_blue: bool | None = None
    back_pain_or_sciatica: bool | None = None
    saddle_numbness_or_bladder_bowel_change: bool | None = None
    sciatica_both_legs: bool | None = None
    fever_or_unwell: bool | None = None
    redness_spreading: bool | None = None
    wound_bite_or_blister: bool | None = None
    bone_point_tender: bool | None = None
    pain_on_hopping: bool | None = None
    night_or_rest_pain: bool | None = None
    pain_at_fixed_point_of_run_eases_quickly: bool | None = None
    both_legs_affected: bool | None = None
    lump_behind_knee: bool | None = None
    # second round: screen signs (ASSESSMENT.md Additions), asked at check-ins too
    dark_urine: bool | None = None
    foot_symptoms_only_during_runs: bool | None = None
    calf_pain_after_fixed_walking_distance: bool | None = None
    skin_dusky_or_blistering: bool | None = None

    def given(self) -> frozenset[str]:
        """The keys that were answered (not None)."""
        return frozenset(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def to_dict(self) -> dict[str, object]:
        """The answered keys as JSON-ready values (lists for tuples), in contract order."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


ANSWER_KEYS: tuple[str, ...] = tuple(f.name for f in fields(TriageAnswers))
RED_FLAG_KEYS: tuple[str, ...] = ANSWER_KEYS[ANSWER_KEYS.index("breathless_or_chest_pain") :]
RUNNER_KEYS: tuple[str, ...] = ANSWER_KEYS[: ANSWER_KEYS.index("pain_location")]
SELF_TEST_KEYS: tuple[str, ...] = ANSWER_KEYS[ANSWER_KEYS.index("pain_location") : ANSWER_KEYS.index(RED_FLAG_KEYS[0])]


def is_yes(value: bool | None) -> bool:
    """True only for an explicit yes (None = not asked, which is never a yes nor a no)."""
    return value is True


def takes(a: TriageAnswers, *medicines: str) -> list[str]:
    """The named medicines the runner said they take (an unanswered list takes none)."""
    return [m for m in medicines if m in (a.medicines or ())]


def known_sport_moment(a: TriageAnswers) -> bool:
    """A clear moment during running or sport that the runner actually named (sudden, at a named running or sport
    activity). Stricter than :func:`clear_running_moment`: an unknown activity does not count."""
    return a.onset == "sudden" and a.activity_at_onset is not None and a.activity_at_onset not in NO_SPORT_ACTIVITIES


def urine_matters(a: TriageAnswers) -> bool:
    """Whether the dark-urine question matters: after hard exertion, on a statin, or when the activity is unknown."""
    return a.activity_at_onset is None or a.activity_at_onset in HARD_EXERTION or bool(takes(a, "statin"))


def clear_running_moment(a: TriageAnswers) -> bool:
    """A clear moment during running or sport: sudden onset and not while walking / at rest.

    Unknown onset is *not* a clear moment (a missing answer never counts as reassurance)."""
    return a.onset == "sudden" and a.activity_at_onset not in NO_SPORT_ACTIVITIES
