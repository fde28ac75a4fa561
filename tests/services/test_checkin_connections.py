"""Check-in connections through the service: the red-flag screen is read with the episode's stored triage answers
(its story); the plan's own stop code (a new snap or pop, a heel-raise fall) is registered like the triage codes
(urgent, where to go, what it may be, what to do meanwhile, sources) and today, history and the check-in show it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from calfcare.clinical.redflags import (
    ALL_CODES,
    MIN_URGENCY,
    PLAN_CODE_RULES,
    RETEAR_CODE,
    URGENT_ADVICE,
    advice_for,
)
from calfcare.services import assess, history, record_checkin, today
from calfcare.store import Database
from cases import CLEAR_SCREEN, INTERVALS

DAY0 = date(2025, 6, 2)
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


# --- the plan's stop code for a re-tear or rupture ---


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_code_has_a_minimum_urgency_and_advice(code: str) -> None:
    urgency = MIN_URGENCY[code]
    assert advice_for(code, urgency).strip()


def test_the_retear_code_is_urgent_with_where_to_go_and_sources() -> None:
    assert MIN_URGENCY[RETEAR_CODE] == "urgent"
    text = advice_for(RETEAR_CODE, "urgent")
    assert text.startswith(URGENT_ADVICE) and "Achilles" in text
    assert PLAN_CODE_RULES[RETEAR_CODE].sources


def test_a_snap_at_a_check_in_gives_where_to_go_in_checkin_today_and_history(db: Database) -> None:
    assess(db=db, runner="rae", answers=INTERVALS, day=DAY0, today_is=DAY0)
    day = DAY0 + timedelta(days=3)
    snap = {**CHECKIN_CLEAR, "felt_snap_or_pop": True, "morning_pain": 2, "session": "none"}
    out = record_checkin(db=db, runner="rae", answers=snap, day=day, today_is=day)
    expected = advice_for(RETEAR_CODE, "urgent")
    (flag,) = out.result["red_flags"]
    assert flag["code"] == RETEAR_CODE and flag["urgency"] == "urgent" and flag["advice"] == expected
    assert flag["sources"], "the flag names its sources"
    assert out.result["referral"]["where_to_go"] == [expected]
    plan = today(db=db, runner="rae", day=day + timedelta(days=1))
    assert plan is not None and plan["status"] == "referred"
    assert plan["referral"]["where_to_go"] == [expected]
    hist = history(db=db, runner="rae")
    (row,) = [c for c in hist["checkins"] if c["date"] == day.isoformat()]
    assert row["decision"] == "refer"
    assert any(expected in str(r) for r in row["reasons"])
