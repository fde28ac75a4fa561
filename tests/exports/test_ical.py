"""The plan as a calendar: parsed back with icalendar, events, doses, alarms; private subscription tokens."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from exports_seed import DAY0, SOLEUS, good_day, seed_runner
from icalendar import Calendar
from sqlalchemy import select
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.errors import InvalidInput, NotFound
from calfcare.exports.ical import _spread, item_dose, run_dose
from calfcare.services import assess, record_checkin, today
from calfcare.services.exports import (
    create_calendar_token,
    ical_for_runner,
    ical_for_token,
    revoke_calendar_token,
)
from calfcare.store import Database
from calfcare.store.models import CalendarToken, Episode

DAY = DAY0 + timedelta(days=9)


def events(data: bytes) -> list[Any]:
    cal = Calendar.from_ical(data)
    return [c for c in cal.walk("VEVENT")]


def by_kind(data: bytes) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for ev in events(data):
        cats = [str(c) for c in ev.get("categories").cats]
        out.setdefault(cats[1], []).append(ev)
    return out


@pytest.mark.parametrize("per_week", range(8))
def test_things_done_n_times_a_week_fall_on_n_spread_days(per_week: int) -> None:
    days = _spread(per_week)
    assert len(days) == per_week
    if 2 <= per_week <= 3:  # never on two days running (4 in 7 cannot avoid it)
        assert all((d + 1) % 7 not in days for d in days)


def test_exercise_days_carry_todays_dose_and_a_daily_check_in_has_an_alarm(db: Database) -> None:
    seed_runner(db, "ana", checkins=8)
    plan = today(db=db, runner="ana", day=DAY)
    assert plan is not None
    items = plan["prescription"]["items"]
    data = ical_for_runner(db=db, runner="ana", weeks=2, day=DAY)
    kinds = by_kind(data)
    exercise_days = [ev.decoded("dtstart") for ev in kinds["exercises"]]
    assert exercise_days[0] == DAY and all(DAY <= d < DAY + timedelta(days=14) for d in exercise_days)
    per_week = max(int(i["per_week"]) for i in items)
    assert len(exercise_days) == 2 * per_week
    first = str(kinds["exercises"][0].get("description"))
    for item in items:  # every exercise with its sets × reps and how often
        assert item_dose(item) in first and f"{item['sets']} × {item['reps']}" in first
    assert "run" not in kinds, f"no runs in the {plan['phase']} phase"
    (checkin,) = kinds["checkin"]
    rule = checkin.get("rrule")
    assert rule["FREQ"] == ["DAILY"] and rule["COUNT"] == [14]
    assert checkin.decoded("dtstart").time().hour == 8 and checkin.decoded("dtstart").tzinfo is None
    (alarm,) = checkin.walk("VALARM")
    assert str(alarm.get("action")) == "DISPLAY" and alarm.decoded("trigger") == timedelta(0)
    again = ical_for_runner(db=db, runner="ana", weeks=2, day=DAY)
    assert [str(e.get("uid")) for e in events(again)] == [str(e.get("uid")) for e in events(data)], "stable UIDs"
    assert len({str(e.get("uid")) for e in events(data)}) == len(events(data))


def test_running_phase_puts_runs_on_alternate_days_with_their_dose(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    with db.session() as s:
        ep = s.scalars(select(Episode)).one()
        ep.context = {**ep.context, "start_phase": "return_to_run"}
    day = DAY0 + timedelta(days=1)
    plan = today(db=db, runner="ana", day=day)
    assert plan is not None and plan["phase"] == "return_to_run", plan["phase"]
    run = plan["prescription"].get("run") or (today(db=db, runner="ana", day=day + timedelta(days=1)) or {})[
        "prescription"
    ].get("run")
    assert run is not None
    runs = by_kind(ical_for_runner(db=db, runner="ana", weeks=2, day=day))["run"]
    days = sorted(ev.decoded("dtstart") for ev in runs)
    assert len(days) == 6
    assert all((b - a).days >= 2 for a, b in itertools.pairwise(days)), "never two days running"
    description = str(runs[0].get("description"))
    assert run_dose(run) in description and f"Total {run['total_min']} min" in description


def test_a_stopped_plan_shows_where_to_go_and_no_exercises(db: Database) -> None:
    seed_runner(db, "ana", checkins=3)
    flag = {**good_day(4), "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    record_checkin(db=db, runner="ana", answers=flag, day=DAY0 + timedelta(days=4))
    kinds = by_kind(ical_for_runner(db=db, runner="ana", weeks=1, day=DAY0 + timedelta(days=5)))
    assert "exercises" not in kinds and "run" not in kinds
    (note,) = kinds["note"]
    assert "clinician" in str(note.get("summary"))


def test_no_plan_no_calendar(db: Database) -> None:
    db.runner_id("ana")
    with pytest.raises(NotFound, match="no rehab plan"):
        ical_for_runner(db=db, runner="ana", day=DAY)
    with pytest.raises(InvalidInput, match="--weeks"):
        ical_for_runner(db=db, runner="ana", weeks=0, day=DAY)


def test_subscription_tokens_are_stored_hashed_and_revocable(db: Database) -> None:
    seed_runner(db, "ana", checkins=2)
    seed_runner(db, "ben", checkins=2)
    token = create_calendar_token(db=db, runner="ana")
    other = create_calendar_token(db=db, runner="ana")
    bens = create_calendar_token(db=db, runner="ben")
    assert len(token) >= 40 and token != other
    with db.session() as s:
        stored = [t.token_sha256 for t in s.scalars(select(CalendarToken))]
    assert token not in stored and all(len(h) == 64 for h in stored)
    feed = ical_for_token(db=db, token=token, weeks=1, day=DAY)
    assert "calfcare — ana" in Calendar.from_ical(feed).get("x-wr-calname")
    assert revoke_calendar_token(db=db, runner="ana", token=token) == 1
    with pytest.raises(NotFound, match="unknown or was revoked"):
        ical_for_token(db=db, token=token, day=DAY)
    with pytest.raises(NotFound, match="unknown or was revoked"):
        ical_for_token(db=db, token="guessed", day=DAY)
    assert ical_for_token(db=db, token=other, weeks=1, day=DAY)
    assert revoke_calendar_token(db=db, runner="ben", token=other) == 0, "not ben's to revoke"
    assert revoke_calendar_token(db=db, runner="ana") == 1
    with pytest.raises(NotFound):
        ical_for_token(db=db, token=other, day=DAY)
    assert "calfcare — ben" in Calendar.from_ical(ical_for_token(db=db, token=bens, day=DAY)).get("x-wr-calname")


def test_cli_exports_the_calendar(cli_env: str, tmp_path: Path) -> None:
    from calfcare.store import open_database

    db = open_database(cli_env)
    seed_runner(db, "ana", checkins=3)
    out = tmp_path / "plan.ics"
    args = ["export", "ical", "--runner", "ana", "--weeks", "3", "--date", DAY.isoformat()]
    result = CliRunner().invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    assert by_kind(out.read_bytes())["checkin"][0].get("rrule")["COUNT"] == [21]
    result = CliRunner().invoke(app, [*args, str(tmp_path / "plan.txt")])
    assert result.exit_code == 2 and "expected a file ending in .ics" in result.output
    result = CliRunner().invoke(app, ["export", "ical", "--runner", "nobody", str(out)])
    assert result.exit_code == 4 and "no runner called 'nobody'" in result.output
    db.dispose()


def test_the_feed_follows_the_plan_as_it_moves(db: Database) -> None:
    """A check-in that moves the plan to the next phase changes the same events (same UIDs), not new ones."""
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    for n in range(1, 15):  # good days until one moves the plan to the next phase (the grade sets the pace)
        day = DAY0 + timedelta(days=n)
        before = {
            str(e.get("uid")): str(e.get("description")) for e in events(ical_for_runner(db=db, runner="ana", day=day))
        }
        phase_before = (today(db=db, runner="ana", day=day) or {})["phase"]
        record_checkin(db=db, runner="ana", answers=good_day(n), day=day)
        plan = today(db=db, runner="ana", day=day)
        assert plan is not None
        if plan["phase"] != phase_before:
            break
    assert plan["phase"] != phase_before, "good days moved the plan within two weeks"
    after = {
        str(e.get("uid")): str(e.get("description")) for e in events(ical_for_runner(db=db, runner="ana", day=day))
    }
    first = next(uid for uid in after if uid.endswith(f"{day.isoformat()}-exercises@calfcare"))
    assert first in before and after[first] != before[first]
    assert all(item_dose(i) in after[first] for i in plan["prescription"]["items"])
