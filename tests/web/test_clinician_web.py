"""Sharing and the clinician's pages (``serve --multi-user``): a runner makes a one-time code, a clinician redeems
it and sees the runner in their list (most urgent first) and the record read-only, adds notes and takes clinician
actions; the runner reads all of it in the audit log and revokes; the clinician then sees nothing (404)."""

from __future__ import annotations

import importlib.util
import re
from datetime import date, timedelta

import pytest
from accounts_kit import add, browser_client, csrf_of, sign_in
from starlette.testclient import TestClient
from webkit import SOLEUS, START, Clock

from calfcare.services.episodes import assess, record_checkin
from calfcare.store import Database

CLOT = {"calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
HAS_ACTIONS = importlib.util.find_spec("calfcare.services.clinician") is not None


def _share(runner: TestClient, clinician: TestClient) -> int:
    r = runner.post("/sharing/code", data={"csrf_token": csrf_of(runner, "/sharing")})
    assert r.status_code == 200 and "shown only now" in r.text
    code = re.search(r'id="share-code">([A-Z0-9-]+)<', r.text)
    assert code is not None
    link = re.search(r'id="share-link" readonly value="([^"]+)"', r.text)
    assert link is not None and link.group(1).endswith(f"/clinician/redeem?code={code.group(1)}")
    form = clinician.get(link.group(1).replace("http://127.0.0.1:8000", ""))
    assert f'value="{code.group(1)}"' in form.text  # the link fills the form in
    r = clinician.post(
        "/clinician/redeem", data={"code": code.group(1), "csrf_token": csrf_of(clinician, "/clinician")},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def _red_flag(db: Database, runner: str) -> None:
    assess(db=db, runner=runner, answers=SOLEUS, day=START - timedelta(days=2))
    out = record_checkin(db=db, runner=runner, answers={"morning_pain": 2, **CLOT}, day=START - timedelta(days=1))
    assert out.episode["status"] == "referred"


def test_a_clinician_sees_who_shared_most_urgent_first_and_reads_the_record(web_db: Database, clock: Clock) -> None:
    for name in ("ann", "bob"):
        add(web_db, name)
    add(web_db, "dr", "clinician")
    _red_flag(web_db, "bob")
    with (
        browser_client(web_db, clock) as ann,
        browser_client(web_db, clock) as bob,
        browser_client(web_db, clock) as dr,
    ):
        sign_in(ann, "ann")
        sign_in(bob, "bob")
        sign_in(dr, "dr")
        ann_id = _share(ann, dr)
        bob_id = _share(bob, dr)
        listing = dr.get("/clinician").text
        assert listing.index(f"runner-{bob_id}") < listing.index(f"runner-{ann_id}"), "the red flag first"
        assert "Red flag — referred" in listing
        for view in ("", "/today", "/triage", "/recovery", "/training", "/audit"):
            r = dr.get(f"/clinician/runners/{bob_id}{view}")
            assert r.status_code == 200 and "bob" in r.text, view
        triage = dr.get(f"/clinician/runners/{bob_id}/triage").text
        assert "Latest assessment" in triage and "likely soleus" in triage and "moderate" in triage
        assert "No assessment yet." in dr.get(f"/clinician/runners/{ann_id}/triage").text
        assert "Red flag" in dr.get(f"/clinician/runners/{bob_id}").text
        assert "status: referred" in dr.get(f"/clinician/runners/{bob_id}/recovery").text
        assert dr.get(f"/clinician/runners/{bob_id}/nope").status_code == 404
        # the record is read-only: no runner page or runner API for a clinician
        assert (
            dr.post("/settings", data={"emergency_number": "1", "csrf_token": csrf_of(dr, "/clinician")}).status_code
            == 403
        )
        shares = ann.get("/sharing").text
        assert "dr" in shares and "Revoke" in shares


def test_a_wrong_code_says_so_and_a_runner_has_no_clinician_pages(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    add(web_db, "dr", "clinician")
    with browser_client(web_db, clock) as dr, browser_client(web_db, clock) as ann:
        sign_in(dr, "dr")
        r = dr.post("/clinician/redeem", data={"code": "AAAA-BBBB-CCCC", "csrf_token": csrf_of(dr, "/clinician")})
        assert r.status_code == 422 and "not valid" in r.text
        sign_in(ann, "ann")
        assert ann.get("/clinician").status_code == 403
        assert dr.get("/sharing").status_code == 403


def test_notes_reach_the_runners_audit_log_and_revoking_ends_access(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    add(web_db, "dr", "clinician")
    add(web_db, "other", "clinician")
    with (
        browser_client(web_db, clock) as ann,
        browser_client(web_db, clock) as dr,
        browser_client(web_db, clock) as other,
    ):
        sign_in(ann, "ann")
        sign_in(dr, "dr")
        sign_in(other, "other")
        rid = _share(ann, dr)
        assert other.get(f"/clinician/runners/{rid}").status_code == 404, "not shared: not found"
        r = dr.post(
            f"/clinician/runners/{rid}/note",
            data={"text": "Ice is fine; keep walking.", "csrf_token": csrf_of(dr, "/clinician")},
        )
        assert r.status_code == 200 and "Ice is fine" in r.text
        empty = dr.post(f"/clinician/runners/{rid}/note", data={"text": "  ", "csrf_token": csrf_of(dr, "/clinician")})
        assert empty.status_code == 422 and "write something" in empty.text
        log = ann.get("/sharing/audit").text
        assert "Ice is fine; keep walking." in log and "share granted" in log and "dr" in log
        share_id = int(re.search(r'action="/sharing/(\d+)/revoke"', ann.get("/sharing").text).group(1))  # type: ignore[union-attr]
        r = ann.post(f"/sharing/{share_id}/revoke", data={"csrf_token": csrf_of(ann, "/sharing")})
        assert r.status_code == 200 and "revoked" in r.text
        assert dr.get(f"/clinician/runners/{rid}").status_code == 404
        assert (
            dr.post(
                f"/clinician/runners/{rid}/note", data={"text": "hi", "csrf_token": csrf_of(dr, "/clinician")}
            ).status_code
            == 404
        )
        assert f"runner-{rid}" not in dr.get("/clinician").text
        assert "share revoked" in ann.get("/sharing/audit").text


@pytest.mark.skipif(not HAS_ACTIONS, reason="the clinician actions' service is not there yet")
def test_a_clinician_clears_a_red_flag_from_the_page(web_db: Database, clock: Clock) -> None:
    add(web_db, "ann")
    add(web_db, "dr", "clinician")
    _red_flag(web_db, "ann")
    with browser_client(web_db, clock) as ann, browser_client(web_db, clock) as dr:
        sign_in(ann, "ann")
        sign_in(dr, "dr")
        rid = _share(ann, dr)
        page = dr.get(f"/clinician/runners/{rid}").text
        assert "Clear red flag" in page
        token = csrf_of(dr, "/clinician")
        r = dr.post(
            f"/clinician/runners/{rid}/actions/clear-red-flag",
            data={"note": "Ultrasound: no clot.", "csrf_token": token},
        )
        assert r.status_code == 200 and "Done: clear red flag" in r.text
        assert "Red flag — referred" not in dr.get("/clinician").text
        assert "Warning:" not in dr.get("/clinician").text  # the cleared red flag's check-in warns no more
        assert "red flag cleared" in ann.get("/sharing/audit").text
        r = dr.post(
            f"/clinician/runners/{rid}/actions/hold-phase", data={"until": "soon", "reason": "x", "csrf_token": token}
        )
        assert r.status_code == 422 and "expected a date" in r.text


def test_sharing_on_both_databases(db: Database, clock: Clock) -> None:
    """The same flow on SQLite and PostgreSQL: sign-in, share, read, note, revoke."""
    add(db, "ann")
    add(db, "dr", "clinician")
    with browser_client(db, clock) as ann, browser_client(db, clock) as dr:
        sign_in(ann, "ann")
        sign_in(dr, "dr")
        rid = _share(ann, dr)
        assert dr.get(f"/clinician/runners/{rid}/recovery").status_code == 200
        token = csrf_of(dr, "/clinician")
        assert dr.post(f"/clinician/runners/{rid}/note", data={"text": "ok", "csrf_token": token}).status_code == 200
        share_id = int(re.search(r'action="/sharing/(\d+)/revoke"', ann.get("/sharing").text).group(1))  # type: ignore[union-attr]
        ann.post(f"/sharing/{share_id}/revoke", data={"csrf_token": csrf_of(ann, "/sharing")})
        assert dr.get(f"/clinician/runners/{rid}").status_code == 404


def test_a_warning_at_the_last_check_in_comes_after_a_red_flag_and_before_the_longest_silent(
    web_db: Database, clock: Clock
) -> None:
    """Open red flags and warnings first: a runner whose last check-in said to see a clinician (rest pain rising,
    the plan goes on) is listed after the red flag and before a runner who checked in longer ago without one."""
    for name in ("ann", "bob", "cat"):
        add(web_db, name)
    add(web_db, "dr", "clinician")
    _red_flag(web_db, "bob")
    for name in ("ann", "cat"):
        assess(db=web_db, runner=name, answers=SOLEUS, day=START - timedelta(days=6))
    record_checkin(db=web_db, runner="ann", answers={"morning_pain": 1, "pain_rest": 0}, day=START - timedelta(days=5))
    for back, rest in ((3, 0), (2, 1), (1, 2)):
        out = record_checkin(
            db=web_db, runner="cat", answers={"morning_pain": 3, "pain_rest": rest}, day=START - timedelta(days=back)
        )
    assert out.decision == "refer" and out.episode["status"] == "open"  # see a clinician; not a red flag
    with (
        browser_client(web_db, clock) as ann,
        browser_client(web_db, clock) as bob,
        browser_client(web_db, clock) as cat,
        browser_client(web_db, clock) as dr,
    ):
        for client, name in ((ann, "ann"), (bob, "bob"), (cat, "cat"), (dr, "dr")):
            sign_in(client, name)
        ids = {name: _share(client, dr) for client, name in ((ann, "ann"), (bob, "bob"), (cat, "cat"))}
        listing = dr.get("/clinician").text
        order = sorted(ids, key=lambda name: listing.index(f'id="runner-{ids[name]}"'))
        assert order == ["bob", "cat", "ann"]
        cat_card = listing[listing.index(f'id="runner-{ids["cat"]}"') : listing.index(f'id="runner-{ids["ann"]}"')]
        assert "Warning:" in cat_card and "Rest pain rising" in cat_card
        assert "Warning:" not in listing[listing.index(f'id="runner-{ids["ann"]}"') :]
        # once the clinician has acted on it (here: a hold), the warning is dealt with and the usual order returns
        until = (date.today() + timedelta(days=7)).isoformat()
        r = dr.post(
            f"/clinician/runners/{ids['cat']}/actions/hold-phase",
            data={"until": until, "reason": "Seen: hold until the scan", "csrf_token": csrf_of(dr, "/clinician")},
        )
        assert r.status_code == 200, r.text
        listing = dr.get("/clinician").text
        assert "Warning:" not in listing
        assert sorted(ids, key=lambda name: listing.index(f'id="runner-{ids[name]}"')) == ["bob", "ann", "cat"]


def test_the_urgency_ranks() -> None:
    from calfcare.services.sharing import urgency

    ranked = [
        ("referred", "refer"),
        ("open", "refer"),
        ("open", "step_back"),
        ("open", "hold"),
        ("open", None),
        ("closed", "refer"),
        (None, None),
    ]
    ranks = [urgency(status, decision) for status, decision in ranked]
    assert ranks == sorted(ranks) and ranks[0] < ranks[1] < ranks[2] < ranks[3] == ranks[4] < ranks[5] < ranks[6]
