"""Sharing and the clinician's work through the JSON API with personal access tokens (``serve --multi-user``): a
runner makes a one-time code, a clinician's token redeems it, lists the runners (the red flag first), reads the record
in the runner's own API shapes, clears the red flag and adds a note; the runner reads both in the audit log and
revokes the share; the clinician then gets *not found*. A read-scoped token changes nothing, and bad input is a 422
naming the field. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from accounts_kit import add, browser_client
from starlette.testclient import TestClient
from webkit import SOLEUS, START, Clock

from calfcare.services import accounts
from calfcare.services.episodes import assess, record_checkin
from calfcare.store import Database

CLOT = {"calf_bigger_than_other": True, "skin_warm_red_or_dark": True}


def _token(db: Database, username: str, scope: str = "write") -> dict[str, str]:
    user = next(u for u in accounts.list_users(db=db) if u["username"] == username)
    _, secret = accounts.create_token(db=db, user_id=user["id"], name="api", scope=scope, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {secret}"}


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _red_flag(db: Database, runner: str) -> None:
    assess(db=db, runner=runner, answers=SOLEUS, day=START - timedelta(days=2))
    out = record_checkin(db=db, runner=runner, answers={"morning_pain": 2, **CLOT}, day=START - timedelta(days=1))
    assert out.episode["status"] == "referred"


def _share(client: TestClient, runner: dict[str, str], clinician: dict[str, str]) -> int:
    made = client.post("/api/v1/sharing/code", headers=runner)
    assert made.headers["cache-control"] == "no-store"  # the code is shown once
    code = _ok(made)["code"]
    shared = _ok(client.post("/api/v1/clinician/redeem", json={"code": code.lower()}, headers=clinician))
    again = client.post("/api/v1/clinician/redeem", json={"code": code}, headers=clinician)
    assert again.status_code == 422 and "already used" in again.json()["message"]  # one-time
    return int(shared["runner_id"])


def test_a_clinician_works_through_the_api_until_the_runner_revokes(db: Database, clock: Clock) -> None:
    for name in ("ann", "bob"):
        add(db, name)
    add(db, "dr", "clinician")
    _red_flag(db, "bob")
    ann, bob, dr = _token(db, "ann"), _token(db, "bob"), _token(db, "dr")
    with browser_client(db, clock) as client:
        ann_id = _share(client, ann, dr)
        bob_id = _share(client, bob, dr)
        listing = _ok(client.get("/api/v1/clinician/runners", headers=dr))["runners"]
        assert [r["runner_id"] for r in listing] == [bob_id, ann_id], "the red flag first"
        assert listing[0]["red_flag"] is True and listing[0]["status"] == "referred"

        # the record read-only, in the runner's own API shapes (the CLI's --json contract)
        for view, own_path in (("today", "today"), ("triage", "triage/result"), ("recovery", "recovery"),
                               ("training", "training")):  # fmt: skip
            theirs = _ok(client.get(f"/api/v1/clinician/runners/{bob_id}/{view}", headers=dr))
            own = _ok(client.get(f"/api/v1/{own_path}", headers=bob))
            assert theirs == own, view
        none_yet = client.get(f"/api/v1/clinician/runners/{ann_id}/triage", headers=dr)
        assert none_yet.status_code == 404 and "no assessment yet" in none_yet.json()["message"]
        assert client.get(f"/api/v1/clinician/runners/{bob_id}/nope", headers=dr).status_code == 422
        assert client.put("/api/v1/settings", json={"emergency_number": "1"}, headers=dr).status_code == 403

        cleared = _ok(
            client.post(
                f"/api/v1/clinician/runners/{bob_id}/clear-red-flag",
                json={"note": "Ultrasound: no clot."},
                headers=dr,
            )
        )
        assert cleared["status"] == "open" and cleared["event"]["kind"] == "clear_red_flag"
        assert _ok(client.get("/api/v1/today", headers=bob))["status"] == "open"
        assert not _ok(client.get("/api/v1/clinician/runners", headers=dr))["runners"][0]["red_flag"]
        note = _ok(
            client.post(f"/api/v1/clinician/runners/{bob_id}/notes", json={"text": "See you Friday"}, headers=dr)
        )
        assert note["by"] == "dr"
        events = _ok(client.get(f"/api/v1/clinician/runners/{bob_id}/events", headers=dr))["events"]
        assert [e["kind"] for e in events] == ["clear_red_flag"]

        audit = _ok(client.get("/api/v1/sharing/audit", headers=bob))["events"]
        actions = [e["action"] for e in audit]
        assert actions[-3:] == ["share_granted", "red_flag_cleared", "note"], actions
        assert audit[-1]["by"] == "dr" and audit[-1]["detail"] == {"text": "See you Friday"}
        assert _ok(client.get(f"/api/v1/clinician/runners/{bob_id}/audit", headers=dr))["events"] == audit

        shares = _ok(client.get("/api/v1/sharing", headers=bob))["shares"]
        assert [(s["clinician"], s["revoked_at"]) for s in shares] == [("dr", None)]
        after = _ok(client.delete(f"/api/v1/sharing/{shares[0]['id']}", headers=bob))["shares"]
        assert after[0]["revoked_at"] is not None
        for view in ("today", "recovery", "audit"):
            gone = client.get(f"/api/v1/clinician/runners/{bob_id}/{view}", headers=dr)
            assert gone.status_code == 404 and "bob" not in gone.text, view
        refused = client.post(f"/api/v1/clinician/runners/{bob_id}/notes", json={"text": "hello?"}, headers=dr)
        assert refused.status_code == 404
        assert [r["runner_id"] for r in _ok(client.get("/api/v1/clinician/runners", headers=dr))["runners"]] == [ann_id]
        assert _ok(client.get("/api/v1/sharing/audit", headers=bob))["events"][-1]["action"] == "share_revoked"


def test_a_read_token_reads_but_acts_on_nothing_and_bad_input_names_the_field(db: Database, clock: Clock) -> None:
    add(db, "ann")
    add(db, "dr", "clinician")
    assess(db=db, runner="ann", answers=SOLEUS, day=START - timedelta(days=2))
    ann, dr, dr_read = _token(db, "ann"), _token(db, "dr"), _token(db, "dr", "read")
    with browser_client(db, clock) as client:
        rid = _share(client, ann, dr)
        before = _ok(client.get("/api/v1/sharing/audit", headers=ann))["events"]
        assert _ok(client.get(f"/api/v1/clinician/runners/{rid}/today", headers=dr_read))["status"] == "open"
        writes = [
            ("post", "notes", {"text": "x"}),
            ("post", "phase", {"phase": "mobility", "reason": "x"}),
            ("post", "hold", {"until": (datetime.now(UTC).date() + timedelta(days=3)).isoformat(), "reason": "x"}),
            ("put", "pain-ceilings", {"early_ceiling": 2}),
            ("post", "clear-red-flag", {}),
        ]
        for method, path, body in writes:
            r = client.request(method, f"/api/v1/clinician/runners/{rid}/{path}", json=body, headers=dr_read)
            assert r.status_code == 403 and "read-only" in r.json()["message"], path
        assert client.post("/api/v1/sharing/code", headers=_token(db, "ann", "read")).status_code == 403

        bad = client.post(f"/api/v1/clinician/runners/{rid}/phase", json={"phase": "sprint", "reason": "x"}, headers=dr)
        assert bad.status_code == 422 and "phase" in bad.json()["message"] and "sprint" in bad.json()["message"]
        bad = client.put(f"/api/v1/clinician/runners/{rid}/pain-ceilings", json={"early_ceiling": 9}, headers=dr)
        assert bad.status_code == 422 and "early_ceiling" in bad.json()["message"]
        bad = client.post(f"/api/v1/clinician/runners/{rid}/hold", json={"until": "soon", "reason": "x"}, headers=dr)
        assert bad.status_code == 422 and [p["field"] for p in bad.json()["problems"]] == ["until"]
        bad = client.post(f"/api/v1/clinician/runners/{rid}/notes", json={"text": ""}, headers=dr)
        assert bad.status_code == 422 and [p["field"] for p in bad.json()["problems"]] == ["text"]
        bad = client.post(f"/api/v1/clinician/runners/{rid}/notes", json={"text": "ok\x00then"}, headers=dr)
        assert (
            bad.status_code == 422
            and bad.json()["message"] == "note: remove the control character U+0000 at position 3"
        )
        bad = client.post(
            f"/api/v1/clinician/runners/{rid}/phase", json={"phase": "mobility", "reason": "a\x07"}, headers=dr
        )
        assert bad.status_code == 422 and bad.json()["message"].startswith(
            "reason: remove the control character U+0007"
        )
        assert _ok(client.get("/api/v1/sharing/audit", headers=ann))["events"] == before  # nothing stored


def test_the_sharing_api_exists_only_with_accounts(client: TestClient) -> None:
    """The single-runner app has no accounts, so no sharing: the routes are not there."""
    assert client.get("/api/v1/sharing").status_code == 404
    assert client.get("/api/v1/clinician/runners").status_code == 404
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/sharing", "/clinician"))]
