"""A clinician's actions on a runner's plan (services/clinician.py) on real storage (SQLite and PostgreSQL): clearing a
red flag, setting and holding the phase, pain ceilings — authorised by the share, audited, and part of the replay
(a check-in typed in late, which replays the episode, keeps what the clinician decided)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from test_episodes import CLOT, DAY0, SOLEUS, good_day

from calfcare.accounts.access import Principal
from calfcare.clinical.clinician import ClinicianEvent, apply_event, pain_rules_with
from calfcare.clinical.progression import PainRules, PlanState
from calfcare.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from calfcare.services import accounts, assess, record_checkin, sharing
from calfcare.services import clinician as actions
from calfcare.services.episodes import delete_checkin
from calfcare.store import Database
from calfcare.store.models import ClinicianEventRow, Episode

PW = "a long enough pass"
NOW = datetime(2025, 5, 12, 18, 0, tzinfo=UTC)  # DAY0 + 2, in the evening


def _people(db: Database) -> tuple[Principal, Principal, Principal, int]:
    """Runner ana (an account), a clinician she shares with, one she does not; her runner id."""
    accounts.add_user(db=db, username="ana", password=PW, role="runner")
    accounts.add_user(db=db, username="physio", password=PW, role="clinician")
    accounts.add_user(db=db, username="other", password=PW, role="clinician")
    ana = accounts.sign_in(db=db, username="ana", password=PW, address="10.0.0.1", now=NOW)
    physio = accounts.sign_in(db=db, username="physio", password=PW, address="10.0.0.2", now=NOW)
    other = accounts.sign_in(db=db, username="other", password=PW, address="10.0.0.3", now=NOW)
    code = sharing.create_share_code(db=db, principal=ana, now=NOW)["code"]
    sharing.redeem_share_code(db=db, principal=physio, code=code, now=NOW)
    assert ana.runner_id is not None
    return ana, physio, other, ana.runner_id


def _episode(db: Database) -> Episode:
    with db.session() as s:
        return s.scalars(select(Episode)).one()


def _events(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(ClinicianEventRow)) or 0)


def _referred(db: Database) -> None:
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    out = record_checkin(db=db, runner="ana", answers={**good_day(1), **CLOT}, day=DAY0 + timedelta(days=1))
    assert out.episode["status"] == "referred"


def test_a_clinician_clears_a_red_flag_the_plan_resumes_and_a_later_replay_keeps_it(db: Database) -> None:
    ana, physio, _, rid = _people(db)
    _referred(db)
    cleared_on = DAY0 + timedelta(days=2)
    out = actions.clear_red_flag(db=db, principal=physio, runner_id=rid, day=cleared_on, note="scan clear", now=NOW)
    assert out["status"] == "open" and out["event"]["by"] == "physio" and out["event"]["at"] == NOW.isoformat()
    ep = _episode(db)
    assert ep.status == "open" and ep.plan_state["stopped"] is False and "referral" not in ep.context
    # a check-in afterwards (without cleared_by_clinician) is decided on a running plan, not "refer"
    after = record_checkin(db=db, runner="ana", answers=good_day(3), day=DAY0 + timedelta(days=3))
    assert after.decision != "refer" and after.episode["status"] == "open"
    # deleting and re-typing the check-in of the red-flag day replays everything: the clearance stays
    delete_checkin(db=db, runner="ana", day=DAY0 + timedelta(days=1))
    record_checkin(db=db, runner="ana", answers={**good_day(1), **CLOT}, day=DAY0 + timedelta(days=1))
    assert _episode(db).status == "open"
    log = sharing.audit_log(db=db, principal=ana, runner_id=rid)
    (entry,) = [e for e in log if e["action"] == "red_flag_cleared"]
    assert entry["by"] == "physio" and entry["detail"]["note"] == "scan clear"
    assert entry["detail"]["day"] == cleared_on.isoformat()
    seen = actions.clinician_events(db=db, principal=ana, runner_id=rid)
    assert [(e["kind"], e["by"], e["day"]) for e in seen] == [("clear_red_flag", "physio", cleared_on.isoformat())]


def test_without_the_clearance_the_plan_stays_stopped(db: Database) -> None:
    _people(db)
    _referred(db)
    after = record_checkin(db=db, runner="ana", answers=good_day(3), day=DAY0 + timedelta(days=3))
    assert after.decision == "refer" and after.episode["status"] == "referred"


def test_only_a_clinician_the_runner_shares_with_may_act_and_refusals_store_nothing(db: Database) -> None:
    ana, physio, other, rid = _people(db)
    _referred(db)
    day = DAY0 + timedelta(days=2)
    with pytest.raises(NotFound):
        actions.clear_red_flag(db=db, principal=other, runner_id=rid, day=day, note="", now=NOW)
    with pytest.raises(PermissionDenied):
        actions.clear_red_flag(db=db, principal=ana, runner_id=rid, day=day, note="", now=NOW)
    reader = Principal(physio.user_id, physio.username, "clinician", None, "read")
    with pytest.raises(PermissionDenied):
        actions.clear_red_flag(db=db, principal=reader, runner_id=rid, day=day, note="", now=NOW)
    with pytest.raises(InvalidInput, match="before the red flag"):
        actions.clear_red_flag(db=db, principal=physio, runner_id=rid, day=DAY0, note="", now=NOW)
    with pytest.raises(InvalidInput, match="future"):
        actions.clear_red_flag(db=db, principal=physio, runner_id=rid, day=day + timedelta(days=1), note="", now=NOW)
    assert _events(db) == 0 and _episode(db).status == "referred"
    actions.clear_red_flag(db=db, principal=physio, runner_id=rid, day=day, note="", now=NOW)
    with pytest.raises(Conflict, match="no red flag"):
        actions.clear_red_flag(db=db, principal=physio, runner_id=rid, day=day, note="", now=NOW)
    share = sharing.shares_of_runner(db=db, principal=ana)[0]
    sharing.revoke_share(db=db, principal=ana, share_id=share["id"], now=NOW)
    with pytest.raises(NotFound):
        actions.set_phase(db=db, principal=physio, runner_id=rid, phase="strength", reason="x", day=day, now=NOW)


def test_set_phase_moves_the_plan_and_later_check_ins_carry_on_from_it(db: Database) -> None:
    ana, physio, _, rid = _people(db)
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    record_checkin(db=db, runner="ana", answers=good_day(0), day=DAY0)
    assert _episode(db).plan_state["phase"] != "strength"
    with pytest.raises(InvalidInput, match="phase: must be one of"):
        actions.set_phase(db=db, principal=physio, runner_id=rid, phase="flying", reason="x", day=DAY0, now=NOW)
    with pytest.raises(InvalidInput, match="reason"):
        actions.set_phase(db=db, principal=physio, runner_id=rid, phase="strength", reason=" ", day=DAY0, now=NOW)
    out = actions.set_phase(
        db=db, principal=physio, runner_id=rid, phase="strength", reason="seen in clinic", day=DAY0, now=NOW
    )
    assert out["phase"] == "strength" and out["stage"] == 0
    # a check-in typed in later replays the episode: the phase the clinician set stays
    record_checkin(db=db, runner="ana", answers=good_day(1), day=DAY0 + timedelta(days=1))
    assert _episode(db).plan_state["phase"] in ("strength", "return_to_run")
    assert [e["action"] for e in sharing.audit_log(db=db, principal=ana, runner_id=rid)][-1] == "phase_set"


def _progress_days(db: Database, first: int, last: int) -> list[str]:
    return [
        record_checkin(db=db, runner="ana", answers=good_day(i), day=DAY0 + timedelta(days=i)).decision
        for i in range(first, last)
    ]


def test_a_hold_stops_progress_until_its_day(db: Database) -> None:
    _, physio, _, rid = _people(db)
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    now = datetime.combine(DAY0, datetime.min.time(), tzinfo=UTC) + timedelta(hours=20)
    until = DAY0 + timedelta(days=10)
    with pytest.raises(InvalidInput, match="after today"):
        actions.hold_phase(db=db, principal=physio, runner_id=rid, until=DAY0, reason="x", now=now)
    actions.hold_phase(db=db, principal=physio, runner_id=rid, until=until, reason="wait for the scan", now=now)
    before = dict(_episode(db).plan_state)
    decisions = _progress_days(db, 1, 10)
    state = _episode(db).plan_state
    assert "progress" not in decisions and (state["phase"], state["stage"]) == (before["phase"], before["stage"])
    with db.session() as s:
        assert any("wait for the scan" in r for r in s.scalars(select(Episode)).one().checkins[-1].result["reasons"])
    assert "progress" in _progress_days(db, 10, 16), "from `until` on the plan moves again"


def test_without_a_hold_the_same_check_ins_progress(db: Database) -> None:
    _people(db)
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    assert "progress" in _progress_days(db, 1, 10)


def test_pain_ceilings_are_checked_against_bounds_and_used_by_the_decision(db: Database) -> None:
    ana, physio, _, rid = _people(db)
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    for bad, match in (
        ({"later_ceiling": 9}, "later_ceiling must be a whole number from 1 to 7"),
        ({"early_ceiling": 6, "later_ceiling": 5}, "must not be above later_ceiling"),
        ({"ceiling": 3}, "unknown keys"),
        ({"early_ceiling": "2"}, "whole number"),
        ({}, "at least one"),
    ):
        with pytest.raises(InvalidInput, match=match):
            actions.set_pain_ceilings(db=db, principal=physio, runner_id=rid, ceilings=bad, now=NOW)
    assert _events(db) == 0 and "pain_ceilings" not in _episode(db).context
    sore = {**good_day(1), "pain_during_session": 3}
    first = record_checkin(db=db, runner="ana", answers=sore, day=DAY0 + timedelta(days=1)).result
    assert not any("above the ceiling" in r for r in first["reasons"]), "3/10 is within the protocol's ceiling"
    out = actions.set_pain_ceilings(
        db=db, principal=physio, runner_id=rid, ceilings={"early_ceiling": 2, "symptom_free_max": 1}, now=NOW
    )
    assert out["event"]["kind"] == "pain_ceilings" and _episode(db).context["pain_ceilings"] == {
        "early_ceiling": 2,
        "symptom_free_max": 1,
    }
    with db.session() as s:  # the stored check-in was replayed under the clinician's ceiling
        result = s.scalars(select(Episode)).one().checkins[-1].result
    assert any("above the ceiling of 2/10" in r for r in result["reasons"])
    assert [e["action"] for e in sharing.audit_log(db=db, principal=ana, runner_id=rid)][-1] == "pain_ceilings_set"


def test_the_pure_steps() -> None:
    rules = pain_rules_with(PainRules(), {"later_ceiling": 4})
    assert (rules.early_ceiling, rules.later_ceiling) == (3, 4)
    with pytest.raises(ValueError, match="symptom_free_max"):
        pain_rules_with(PainRules(), {"symptom_free_max": 3})
    stopped = PlanState("strength", 1, DAY0, DAY0, DAY0, completions=1, stopped=True, stop_reasons=("dvt",))
    day = DAY0 + timedelta(days=3)
    cleared = apply_event(stopped, ClinicianEvent(day, "clear_red_flag", "physio", NOW.isoformat()))
    assert not cleared.stopped and cleared.stop_reasons == () and cleared.last_progress_day == day
    assert (cleared.phase, cleared.stage, cleared.completions) == ("strength", 1, 0)
    moved = apply_event(cleared, ClinicianEvent(day, "set_phase", "physio", NOW.isoformat(), {"phase": "mobility"}))
    assert (moved.phase, moved.stage, moved.phase_since) == ("mobility", 0, day)


def test_two_clinician_actions_at_once_while_the_runner_writes_lose_nothing(db: Database) -> None:
    """A clinician action takes the runner's write lock before it reads, like a check-in. Two pain-ceiling changes
    sent while the runner's writer holds the lock both wait; each then reads what the other committed, so the
    episode keeps both ceilings (an action that read first would overwrite the other's with what it had read)."""
    import threading

    from calfcare.store.models import AuditEvent

    _, physio, _, rid = _people(db)
    assess(db=db, runner="ana", answers=SOLEUS, day=DAY0)
    errors: list[str] = []

    def ceilings(values: dict[str, int]) -> None:
        try:
            actions.set_pain_ceilings(db=db, principal=physio, runner_id=rid, ceilings=values, now=NOW)
        except Exception as exc:
            errors.append(repr(exc))

    workers = [
        threading.Thread(target=ceilings, args=(values,)) for values in ({"early_ceiling": 4}, {"later_ceiling": 6})
    ]
    with db.runner_session("ana", create=False) as (s, runner):  # the runner's writer holds the lock
        assert runner is not None
        s.add(AuditEvent(runner_id=rid, actor_id=None, actor_name="ana", action="test", detail={}, at=NOW))
        s.flush()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=2.0)
        assert all(worker.is_alive() for worker in workers), "an action did not wait for the runner's lock"
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert _events(db) == 2
    assert _episode(db).context["pain_ceilings"] == {"early_ceiling": 4, "later_ceiling": 6}
