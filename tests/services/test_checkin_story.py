"""A check-in's red-flag screen is read with the episode's stored triage answers (its story), through the service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from calfcare.clinical.redflags import SCREEN_REQUIRED
from calfcare.services import assess, record_checkin
from calfcare.store import Database

CLEAR_SCREEN: dict[str, Any] = {k: ([] if k == "clot_risk_factors" else False) for k in SCREEN_REQUIRED}
DAY0 = date(2025, 6, 2)
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
CHECKIN_CLEAR: dict[str, Any] = {k: v for k, v in CLEAR_SCREEN.items() if k not in ("dark_urine",)}


def night_ache() -> dict[str, Any]:
    return {**CHECKIN_CLEAR, "night_or_rest_pain": True, "morning_pain": 2, "pain_rest": 2, "session": "none"}


def codes(result: dict[str, Any]) -> list[str]:
    return [str(f["code"]) for f in result.get("red_flags", [])]


def test_a_day_1_night_ache_after_a_clear_sport_moment_does_not_stop_the_plan(db: Database) -> None:
    out = assess(db=db, runner="ina", answers=INTERVALS, day=DAY0, today_is=DAY0)
    assert out.disposition == "self_care"
    first = record_checkin(db=db, runner="ina", answers=night_ache(), day=DAY0, today_is=DAY0)
    assert "stress_fracture" not in codes(first.result), "day 1 after intervals: the story explains the ache"
    assert first.result["decision"] != "refer"
    later = DAY0 + timedelta(days=11)
    twelfth = record_checkin(db=db, runner="ina", answers=night_ache(), day=later, today_is=later)
    assert "stress_fracture" in codes(twelfth.result), "twelve days on, a night ache is read as bone stress again"
    assert twelfth.result["decision"] == "refer"


def test_the_story_brings_the_medicines_to_every_check_in(db: Database) -> None:
    assess(db=db, runner="ola", answers={**INTERVALS, "medicines": ["anticoagulant"]}, day=DAY0, today_is=DAY0)
    day = DAY0 + timedelta(days=3)
    swollen = {**CHECKIN_CLEAR, "calf_bigger_than_other": True, "morning_pain": 1, "session": "none"}
    out = record_checkin(db=db, runner="ola", answers=swollen, day=day, today_is=day)
    assert "medicine_related" in codes(out.result), "on a blood thinner, a swollen calf at a check-in is urgent"
