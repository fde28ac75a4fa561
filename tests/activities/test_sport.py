"""Every format's sport names land in calfcare's small vocabulary."""

from __future__ import annotations

import pytest

from calfcare.activities.activity import SPORTS
from calfcare.activities.formats.sport import combine_sports, sport_from_fit, sport_from_name


@pytest.mark.parametrize(
    ("sport", "sub_sport", "expected"),
    [
        ("running", None, "run"),
        ("running", "street", "run"),
        ("running", "trail", "trail_run"),
        ("running", "treadmill", "treadmill"),
        ("running", "indoor_running", "treadmill"),
        ("running", "virtual_activity", "treadmill"),
        (1, 3, "trail_run"),
        (1, 1, "treadmill"),
        ("1", "0", "run"),
        ("cycling", "indoor_cycling", "ride"),
        (21, None, "ride"),
        ("walking", None, "walk"),
        ("hiking", None, "walk"),
        ("swimming", "lap_swimming", "swim"),
        ("fitness_equipment", "treadmill", "treadmill"),
        ("fitness_equipment", "indoor_cycling", "ride"),
        ("fitness_equipment", "elliptical", "other"),
        ("generic", None, "other"),
        ("training", "strength_training", "other"),
        (None, None, "other"),
        (250, 200, "other"),
    ],
)
def test_fit_sport_and_sub_sport_map_to_the_vocabulary(
    sport: int | str | None, sub_sport: int | str | None, expected: str
) -> None:
    assert sport_from_fit(sport, sub_sport) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Run", "run"),
        ("Running", "run"),
        ("running", "run"),
        ("Trail Run", "trail_run"),
        ("TrailRun", "trail_run"),
        ("Virtual Run", "treadmill"),
        ("Treadmill", "treadmill"),
        ("Walk", "walk"),
        ("Hike", "walk"),
        ("Ride", "ride"),
        ("Virtual Ride", "ride"),
        ("E-Bike Ride", "ride"),
        ("Mountain Bike Ride", "ride"),
        ("Biking", "ride"),
        ("road_biking", "ride"),
        ("Swim", "swim"),
        ("Other", "other"),
        ("Weight Training", "other"),
        ("Workout", "other"),
        ("", "other"),
        (None, "other"),
        ("9", "run"),  # Strava GPX type codes
        ("1", "ride"),
        ("16", "swim"),
    ],
)
def test_gpx_tcx_and_strava_names_map_to_the_vocabulary(name: str | None, expected: str) -> None:
    assert sport_from_name(name) == expected
    assert expected in SPORTS


def test_several_parts_share_a_sport_or_become_other() -> None:
    assert combine_sports(["run", "run"]) == "run"
    assert combine_sports(["ride", "run"]) == "other"
    assert combine_sports([]) == "other"
