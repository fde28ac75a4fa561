"""The services behind the web pages, on SQLite and PostgreSQL (migration 0004): sets ticked off, drafts, settings,
one-time form tokens, deleting a check-in with the plan replayed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from webkit import SOLEUS

from calfcare.errors import Conflict, InvalidInput, NotFound
from calfcare.services.checkins import checkin_on, submit_checkin
from calfcare.services.episodes import assess, delete_checkin, record_checkin
from calfcare.services.exercise_log import exercise_adherence, sets_done, tick_sets
from calfcare.services.views import history
from calfcare.services.web_state import (
    claim_form,
    draft_answers,
    preferences,
    release_form,
    save_draft,
    set_preferences,
)
from calfcare.store import Database

DAY = date(2026, 11, 2)


def _episode(db: Database) -> None:
    assess(db=db, runner="me", answers=SOLEUS, day=DAY, today_is=DAY)


def test_ticks_are_kept_per_day_and_exercise_and_sum_to_adherence(db: Database) -> None:
    with pytest.raises(Conflict):
        tick_sets(db=db, runner="me", day=DAY, exercise_id="glute_bridge", sets_done=1, sets_planned=3)
    _episode(db)
    tick_sets(db=db, runner="me", day=DAY, exercise_id="glute_bridge", sets_done=1, sets_planned=3)
    tick_sets(db=db, runner="me", day=DAY, exercise_id="glute_bridge", sets_done=3, sets_planned=3)
    tick_sets(db=db, runner="me", day=DAY, exercise_id="cat_camel", sets_done=3, sets_planned=2)
    assert sets_done(db=db, runner="me", day=DAY) == {"glute_bridge": 3, "cat_camel": 3}
    assert exercise_adherence(db=db, runner="me") == [
        {"date": "2026-11-02", "sets_done": 5, "sets_planned": 5, "share": 1.0}
    ], "extra sets beyond the plan do not count twice"
    with pytest.raises(InvalidInput):
        tick_sets(db=db, runner="me", day=DAY, exercise_id="glute_bridge", sets_done=-1, sets_planned=3)


def test_drafts_and_settings_round_trip(db: Database) -> None:
    assert draft_answers(db=db, runner="me", kind="triage") == {}
    save_draft(db=db, runner="me", kind="triage", answers={"age": 40})
    save_draft(db=db, runner="me", kind="triage", answers={"age": 41, "side": "left"})
    assert draft_answers(db=db, runner="me", kind="triage") == {"age": 41, "side": "left"}
    assert preferences(db=db, runner="me") == {"emergency_number": "112"}
    set_preferences(db=db, runner="me", emergency_number=" 000 ")
    assert preferences(db=db, runner="me") == {"emergency_number": "000"}
    with pytest.raises(InvalidInput) as err:
        set_preferences(db=db, runner="me", emergency_number="+44 999")
    assert err.value.problems[0].where == "emergency_number"


def test_a_form_token_is_claimed_once_and_can_be_given_back(db: Database) -> None:
    assert claim_form(db=db, runner="me", token="t1", kind="checkin") is None
    assert claim_form(db=db, runner="me", token="t1", kind="checkin") == {}
    release_form(db=db, token="t1")
    assert claim_form(db=db, runner="me", token="t1", kind="checkin") is None


def test_submit_checkin_stores_once_and_a_refused_one_releases_its_token(db: Database) -> None:
    _episode(db)
    day = DAY + timedelta(days=1)
    with pytest.raises(InvalidInput):
        submit_checkin(db=db, runner="me", answers={"morning_pain": 40}, day=day, form_token="f1", replace=False,
                       today_is=day)  # fmt: skip
    first = submit_checkin(db=db, runner="me", answers={"morning_pain": 1}, day=day, form_token="f1", replace=False,
                           today_is=day)  # fmt: skip
    assert first["status"] == "recorded"
    again = submit_checkin(db=db, runner="me", answers={"morning_pain": 5}, day=day, form_token="f1", replace=False,
                           today_is=day)  # fmt: skip
    assert again["status"] == "duplicate"
    other_tab = submit_checkin(db=db, runner="me", answers={"morning_pain": 5}, day=day, form_token="f2",
                               replace=False, today_is=day)  # fmt: skip
    assert other_tab["status"] == "exists"
    found = checkin_on(db=db, runner="me", day=day)
    assert found is not None and found["answers"]["morning_pain"] == 1


def test_a_form_is_finished_in_the_check_ins_transaction(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The form's result (what a double submit is told) is stored with the check-in, or neither is."""
    import calfcare.services.web_state as web_state

    _episode(db)
    day = DAY + timedelta(days=1)
    answers = {"morning_pain": 1, "pain_rest": 0, "pain_walking": 1}

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(web_state, "finish_form_in", broken)
    with pytest.raises(RuntimeError):
        submit_checkin(db=db, runner="me", answers=answers, day=day, form_token="f1", replace=False, today_is=day)
    assert checkin_on(db=db, runner="me", day=day) is None, "the check-in was rolled back with the form's result"
    monkeypatch.undo()
    first = submit_checkin(db=db, runner="me", answers=answers, day=day, form_token="f1", replace=False, today_is=day)
    assert first["status"] == "recorded", "the token was given back"
    again = submit_checkin(db=db, runner="me", answers=answers, day=day, form_token="f1", replace=True, today_is=day)
    assert again == {"status": "duplicate", "date": day.isoformat(), "notes": first["notes"]} and first["notes"]


def test_deleting_a_check_in_replays_later_ones(db: Database) -> None:
    _episode(db)
    for n in range(1, 4):
        day = DAY + timedelta(days=n)
        record_checkin(db=db, runner="me", answers={"morning_pain": 0, "pain_rest": 0, "pain_walking": 0},
                       day=day, today_is=day)  # fmt: skip
    before = [c["phase"] for c in history(db=db, runner="me")["checkins"]]
    out = delete_checkin(db=db, runner="me", day=DAY + timedelta(days=1)).to_contract()
    after = history(db=db, runner="me")["checkins"]
    assert [c["date"] for c in after] == ["2026-11-04", "2026-11-05"]
    assert out["deleted"] == "2026-11-03"
    assert before != [c["phase"] for c in after] or not any("changed later" in n for n in out["notes"])
    with pytest.raises(NotFound):
        delete_checkin(db=db, runner="me", day=DAY + timedelta(days=1))
