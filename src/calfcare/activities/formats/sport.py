"""Map every format's idea of a sport onto calfcare's small vocabulary (:data:`calfcare.activities.activity.SPORTS`).

The vocabulary only distinguishes what matters for a calf: running (road, trail, treadmill), walking
(walks and hikes), riding, swimming, and everything else. Unknown or empty values map to ``"other"``.

* FIT: ``sport`` / ``sub_sport`` as profile names (``"running"``, ``"trail"``) or raw integers.
* GPX ``<type>``: free text (``"running"``, ``"road_biking"``) or Strava's numeric codes (``9`` = run).
* TCX: the ``Sport`` attribute (``Running``, ``Biking``, ``Other``).
* Strava ``activities.csv``: the "Activity Type" column (``Run``, ``Trail Run``, ``Virtual Ride`` …).
"""

from __future__ import annotations

import re

from calfcare.activities.activity import Sport

# FIT profile enums (subset we care about; the rest map to "other").
FIT_SPORTS: dict[int, str] = {
    0: "generic",
    1: "running",
    2: "cycling",
    3: "transition",
    4: "fitness_equipment",
    5: "swimming",
    10: "training",
    11: "walking",
    16: "mountaineering",
    17: "hiking",
    18: "multisport",
    21: "e_biking",
    65: "wheelchair_push_walk",
    66: "wheelchair_push_run",
}
FIT_SUB_SPORTS: dict[int, str] = {
    0: "generic",
    1: "treadmill",
    2: "street",
    3: "trail",
    4: "track",
    5: "spin",
    6: "indoor_cycling",
    7: "road",
    8: "mountain",
    11: "cyclocross",
    17: "lap_swimming",
    18: "open_water",
    27: "indoor_walking",
    28: "e_bike_fitness",
    30: "casual_walking",
    31: "speed_walking",
    45: "indoor_running",
    46: "gravel_cycling",
    47: "e_bike_mountain",
    58: "virtual_activity",
}

# Strava's numeric <type> codes in its GPX exports.
_STRAVA_GPX_CODES: dict[str, Sport] = {
    "1": "ride",
    "4": "walk",
    "9": "run",
    "10": "walk",
    "16": "swim",
    "17": "ride",
    "18": "ride",
    "19": "ride",
    "51": "ride",
    "53": "treadmill",
}

# Free-text names, normalised to lowercase words joined by "_" (see _norm).
_NAMES: dict[str, Sport] = {
    # running
    "run": "run",
    "running": "run",
    "road_run": "run",
    "road_running": "run",
    "street_running": "run",
    "track_running": "run",
    "trail_run": "trail_run",
    "trail_running": "trail_run",
    "trailrun": "trail_run",
    "treadmill": "treadmill",
    "treadmill_running": "treadmill",
    "treadmill_run": "treadmill",
    "virtual_run": "treadmill",
    "virtualrun": "treadmill",
    "indoor_run": "treadmill",
    "indoor_running": "treadmill",
    # walking
    "walk": "walk",
    "walking": "walk",
    "hike": "walk",
    "hiking": "walk",
    "casual_walking": "walk",
    "speed_walking": "walk",
    "indoor_walking": "walk",
    "mountaineering": "walk",
    # riding
    "ride": "ride",
    "riding": "ride",
    "bike": "ride",
    "biking": "ride",
    "cycling": "ride",
    "road_biking": "ride",
    "road_cycling": "ride",
    "mountain_biking": "ride",
    "mountain_bike_ride": "ride",
    "gravel_ride": "ride",
    "gravel_cycling": "ride",
    "virtual_ride": "ride",
    "virtualride": "ride",
    "indoor_cycling": "ride",
    "e_bike_ride": "ride",
    "ebikeride": "ride",
    "e_mountain_bike_ride": "ride",
    "e_biking": "ride",
    "velomobile": "ride",
    "handcycle": "ride",
    "spin": "ride",
    # swimming
    "swim": "swim",
    "swimming": "swim",
    "open_water_swimming": "swim",
    "lap_swimming": "swim",
}


def _norm(value: str) -> str:
    return "_".join(re.findall(r"[a-z0-9]+", value.lower()))


def sport_from_name(value: str | None) -> Sport:
    """GPX ``<type>``, TCX ``Sport`` or Strava "Activity Type" text → vocabulary (``"other"`` if unknown)."""
    if value is None:
        return "other"
    text = value.strip()
    if text in _STRAVA_GPX_CODES:
        return _STRAVA_GPX_CODES[text]
    key = _norm(text)
    if key in _NAMES:
        return _NAMES[key]
    return _NAMES.get(key.replace("_", ""), "other")


def _fit_name(value: int | str | None, table: dict[int, str]) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return table.get(value, "")
    text = value.strip()
    if text.isdigit():
        return table.get(int(text), "")
    return _norm(text)


def sport_from_fit(sport: int | str | None, sub_sport: int | str | None = None) -> Sport:
    """FIT ``sport`` / ``sub_sport`` (profile names or raw enum integers) → vocabulary."""
    main = _fit_name(sport, FIT_SPORTS)
    sub = _fit_name(sub_sport, FIT_SUB_SPORTS)
    indoor_run = sub in {"treadmill", "indoor_running", "virtual_activity"}
    if main == "running":
        if indoor_run:
            return "treadmill"
        return "trail_run" if sub == "trail" else "run"
    if main in {"cycling", "e_biking"}:
        return "ride"
    if main in {"walking", "hiking", "mountaineering"}:
        return "walk"
    if main == "swimming":
        return "swim"
    if main in {"fitness_equipment", "generic", "training", ""}:
        if sub in {"treadmill", "indoor_running"}:
            return "treadmill"
        if sub in {"indoor_cycling", "spin", "e_bike_fitness"}:
            return "ride"
        if sub == "indoor_walking":
            return "walk"
        if sub in {"lap_swimming", "open_water"}:
            return "swim"
    return "other"


def combine_sports(sports: list[Sport]) -> Sport:
    """One sport for a file made of several parts: the shared sport, else ``"other"``."""
    distinct = set(sports)
    return distinct.pop() if len(distinct) == 1 else "other"
