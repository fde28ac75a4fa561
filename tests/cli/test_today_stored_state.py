"""``today`` is served from the episode's stored outcome (plan state, results, referral, timeline) when it is current
for the day, and replays only when it is not: both paths give the same plan on every day of a course."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest import mock

import numpy as np
import pytest
from stored_runs import store_run

import calfcare.services.replay as replay_module
import calfcare.services.today_plan as today_plan
from calfcare.services import assess, record_checkin, today
from calfcare.services.replay import stored_replay
from calfcare.store import Database
from cases import SOLEUS

DAY0 = date(2025, 5, 10)


def good_day(i: int) -> dict[str, Any]:
    return {
        "morning_pain": max(0, 3 - i // 3),
        "pain_rest": 0,
        "pain_walking": max(0, 2 - i // 2),
        "limp": False,
        "single_leg_heel_raises_injured": min(32, 12 + 2 * i),
        "single_leg_heel_raises_other": 30,
        "session": "as_prescribed",
        "session_minutes": 25,
        "pain_during_session": 1,
        "pain_after_session": 0,
        "calf_bigger_than_other": False,
    }


def both_paths(db: Database, monkeypatch: pytest.MonkeyPatch, day: date) -> tuple[Any, Any, bool]:
    """today() as served, today() forced to replay, and whether the served one used the stored outcome."""
    used: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = stored_replay(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(today_plan, "stored_replay", spy)
    served = today(db=db, runner="ana", day=day)
    monkeypatch.setattr(today_plan, "stored_replay", lambda *args, **kwargs: None)
    replayed = today(db=db, runner="ana", day=day)
    monkeypatch.undo()
    return served, replayed, any(used)


def test_stored_path_equals_replay_on_every_day_of_a_course(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    rid = db.runner_id("ana")
    store_run(db, rid, DAY0 + timedelta(days=3), np.full(1200, 2.6, dtype=np.float32), key="early")  # not allowed yet
    served, replayed, stored = both_paths(db, monkeypatch, DAY0)
    assert served == replayed and stored, "a fresh episode is served from its stored state"
    hits = 0
    for i in range(28):
        day = DAY0 + timedelta(days=i)
        if i % 5 != 4:  # a few days without a check-in
            record_checkin(db=db, runner="ana", answers=good_day(i), day=day, today_is=day)
        for d in (day, day + timedelta(days=1), day + timedelta(days=3)):
            served, replayed, stored = both_paths(db, monkeypatch, d)
            assert served == replayed, d
            hits += stored
        if i >= 2:  # a day before the latest check-in replays (its plan was different then)
            served, replayed, stored = both_paths(db, monkeypatch, day - timedelta(days=2))
            assert served == replayed and not stored
    assert hits >= 60, "today is served from the stored state when it is current"
    phases = {today(db=db, runner="ana", day=DAY0 + timedelta(days=i))["phase"] for i in range(0, 28, 3)}  # type: ignore[index]
    assert len(phases) > 1, "the course moved the plan"


def test_a_referral_and_a_late_import_keep_both_paths_equal(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    for i in range(6):
        day = DAY0 + timedelta(days=i)
        record_checkin(db=db, runner="ana", answers=good_day(i), day=day, today_is=day)
    # a run imported later on a check-in day: the stored outcome no longer matches its inputs, so today replays
    store_run(db, db.runner_id("ana"), DAY0 + timedelta(days=5), np.full(2400, 2.8, dtype=np.float32), key="late")
    served, replayed, stored = both_paths(db, monkeypatch, DAY0 + timedelta(days=6))
    assert served == replayed and not stored
    clot = {**good_day(7), "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    day = DAY0 + timedelta(days=7)
    record_checkin(db=db, runner="ana", answers=clot, day=day, today_is=day)
    for d in (day, day + timedelta(days=1), day + timedelta(days=9)):
        served, replayed, stored = both_paths(db, monkeypatch, d)
        assert served == replayed and stored
        assert served is not None and served["status"] == "referred"


def _served_from_store(db: Database, day: date) -> tuple[Any, bool]:
    """today() and whether it used the stored outcome (a spy on stored_replay; other patches stay in place)."""
    used: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = stored_replay(*args, **kwargs)
        used.append(found is not None)
        return found

    with mock.patch.object(today_plan, "stored_replay", spy):
        return today(db=db, runner="ana", day=day), any(used)


def test_a_plan_stored_under_other_rules_is_replayed_not_served(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade that changed a rule, the stored outcome (computed under the old rules) is not served: today
    replays under the rules now installed, and the next write stores their outcome again."""
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0, today_is=DAY0)
    for i in range(4):
        day = DAY0 + timedelta(days=i)
        record_checkin(db=db, runner="ana", answers=good_day(i), day=day, today_is=day)
    after = DAY0 + timedelta(days=4)
    assert _served_from_store(db, after)[1], "served from the stored state under the same rules"
    monkeypatch.setattr(replay_module, "rules_digest", lambda: "the rules of a newer calfcare")
    served, stored = _served_from_store(db, after)
    assert not stored
    with mock.patch.object(today_plan, "stored_replay", lambda *args, **kwargs: None):
        assert served == today(db=db, runner="ana", day=after)
    record_checkin(db=db, runner="ana", answers=good_day(4), day=after, today_is=after)
    assert _served_from_store(db, after)[1], "the write stored the outcome under the rules now installed"


def test_the_rules_digest_covers_the_clinical_rules_and_data() -> None:
    replay_module.rules_digest.cache_clear()
    first = replay_module.rules_digest()
    assert len(first) == 64 and replay_module.rules_digest() == first
