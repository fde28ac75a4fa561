"""Answers shared by tests in several folders (importable as ``cases``: tests/conftest.py puts this folder on the
path). One gradual soleus strain, found on a long run after a mileage increase: no red flag, a plan opens."""

from __future__ import annotations

from typing import Any

from calfcare.clinical.redflags import SCREEN_REQUIRED

SOLEUS: dict[str, Any] = {
    "age": 44,
    "side": "left",
    "days_since_onset": 2.5,
    "onset": "gradual",
    "activity_at_onset": "long_run",
    "recent_mileage_increase": True,
    "pain_location": "lower_calf",
    "pain_character": "tight_or_cramping",
    "pain_rest": 1,
    "pain_walking": 3,
    "walks_normally": True,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 10,
    "single_leg_heel_raises_other": 26,
    "pain_loading_knee_straight": 2,
    "pain_loading_knee_bent": 5,
    "calf_bigger_than_other": False,
    "skin_warm_red_or_dark": False,
    "clot_risk_factors": [],
}

#: every required safety question answered "no" (the clot list empty)
CLEAR_SCREEN: dict[str, Any] = {k: ([] if k == "clot_risk_factors" else False) for k in SCREEN_REQUIRED}

#: a plain interval-session gastrocnemius tear, a day old, safety screen answered
INTERVALS: dict[str, Any] = {
    **CLEAR_SCREEN,
    "age": 38,
    "sex": "male",
    "side": "left",
    "days_since_onset": 1,
    "onset": "sudden",
    "activity_at_onset": "sprint_or_intervals",
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_rest": 2,
    "pain_walking": 3,
    "walks_normally": True,
    "can_bear_weight": True,
    "single_leg_heel_raises_injured": 10,
    "single_leg_heel_raises_other": 25,
    "pain_loading_knee_straight": 5,
    "pain_loading_knee_bent": 2,
}
