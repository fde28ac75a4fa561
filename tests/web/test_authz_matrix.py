"""The authorisation matrix of ``serve --multi-user``, generated from the app's own route table.

Every route the app answers (pages, the JSON API mounted at /api/v1, static files) is requested by six principals —
anonymous, runner A, runner B, a clinician A shares with, a clinician A does not share with, and an admin — and the
status must be the one written in :data:`EXPECTED`. A route without an expectation fails the test, so a new route
cannot be added untested; an expectation for a route that is gone fails it too.

Path parameters point at runner A's things (A's runner id, A's check-in day, A's share, A's API token, A's upload),
and writes carry valid bodies, so a refusal is the authorisation's, not the validation's. Besides the statuses:

* nobody but A and the clinician A shares with reads A's record: no page or API answer to anyone else contains A's
  name or A's note, and
* nobody else writes it: every row of A's (all tables) is the same before and after everyone else's requests.

The principals use write-scoped API tokens (``Authorization: Bearer``), which the pages and the API both accept; CSRF
and sessions have their own tests (test_accounts_web.py). Runs on SQLite and, with ``CALFCARE_TEST_POSTGRES_URL``,
on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from accounts_kit import BASE, PASSWORD, multi_settings
from routes_kit import routes_of
from sqlalchemy import select
from starlette.testclient import TestClient
from test_import_fixtures import gpx_run
from webkit import START, Clock

from calfcare.accounts.access import Principal
from calfcare.jobs.queue import ensure_schema
from calfcare.services import accounts, assess, record_checkin, sharing
from calfcare.services.importing import import_paths
from calfcare.services.runners import gather_backup
from calfcare.services.uploads import store_upload
from calfcare.store import Database
from calfcare.store.models import ActivityOriginal
from calfcare.web import create_app
from cases import SOLEUS

NOW = datetime.now(UTC)
WHO = ("anonymous", "runner_b", "clinician_other", "admin", "clinician_shared", "runner_a")
SECRET_NOTE = "a-private-note-of-alice-7f3k"
CHECKIN: dict[str, Any] = {
    "morning_pain": 2,
    "pain_rest": 0,
    "pain_walking": 1,
    "limp": False,
    "single_leg_heel_raises_injured": 14,
    "single_leg_heel_raises_other": 30,
    "session": "as_prescribed",
    "session_kind": "rehab_exercises",
    "session_minutes": 25,
    "pain_during_session": 1,
    "pain_after_session": 0,
    "calf_bigger_than_other": False,
}

# (anonymous, runner B, clinician A does not share with, admin, clinician A shares with, runner A)
# Pages answer an anonymous visitor with 303 → /signin, a form post without a session with 403 (CSRF), the API
# with 401. Another role on a runner's page: 403. A runner that is not shared: 404 (the answer does not say it exists).
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int, int]] = {
    # the runner's records (issue #12): their own only; a calendar feed answers a valid token alone (none here: 404);
    # a delete without the typed name is refused (422) and deletes nothing
    ("DELETE", "/api/v1/records/calendar"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/records"): (401, 200, 403, 403, 403, 200),
    ("GET", "/calendar/{token}.ics"): (404, 404, 404, 404, 404, 404),
    ("GET", "/records"): (303, 200, 403, 403, 403, 200),
    ("GET", "/records/backup.zip"): (303, 200, 403, 403, 403, 200),
    ("GET", "/records/delete"): (303, 200, 403, 403, 403, 200),
    ("GET", "/records/deleted"): (200, 200, 200, 200, 200, 200),
    ("GET", "/records/fhir.json"): (303, 200, 403, 403, 403, 200),
    ("GET", "/records/report.pdf"): (303, 404, 403, 403, 403, 200),
    ("POST", "/api/v1/records/calendar"): (401, 200, 403, 403, 403, 200),
    ("POST", "/api/v1/records/delete"): (401, 422, 403, 403, 403, 422),
    ("POST", "/records/calendar"): (403, 200, 403, 403, 403, 200),
    ("POST", "/records/calendar/revoke"): (403, 303, 403, 403, 403, 303),
    ("POST", "/records/delete"): (403, 422, 403, 403, 403, 422),
    ("GET", "/"): (303, 200, 303, 303, 303, 303),
    ("GET", "/account"): (303, 200, 200, 200, 200, 200),
    ("POST", "/account/password"): (403, 303, 303, 303, 303, 303),
    ("GET", "/account/tokens"): (303, 200, 200, 200, 200, 200),
    ("POST", "/account/tokens"): (403, 200, 200, 200, 200, 200),
    ("POST", "/account/tokens/{token_id}/revoke"): (403, 404, 404, 404, 404, 303),
    ("GET", "/admin/accounts"): (303, 403, 403, 200, 403, 403),
    ("GET", "/admin/backup.zip"): (303, 403, 403, 200, 403, 403),
    # one original file of the runner's activity: another runner gets 404 (whether it exists is not said)
    ("GET", "/training/activities/{activity_id}/files/{file_id}"): (303, 404, 403, 403, 403, 200),
    ("POST", "/api/v1/assess"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/checkin"): (401, 200, 403, 403, 403, 200),
    ("POST", "/api/v1/checkin"): (401, 200, 403, 403, 403, 200),
    ("DELETE", "/api/v1/checkins/{day}"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/checkins/{day}"): (401, 404, 403, 403, 403, 200),
    ("PUT", "/api/v1/checkins/{day}"): (401, 200, 403, 403, 403, 200),
    ("POST", "/api/v1/import"): (401, 200, 403, 403, 403, 200),
    # sharing and the clinician's work in the API: the same rules as the pages (the API answers 401, not 303)
    ("GET", "/api/v1/sharing"): (401, 200, 403, 403, 403, 200),
    ("POST", "/api/v1/sharing/code"): (401, 200, 403, 403, 403, 200),
    ("DELETE", "/api/v1/sharing/{share_id}"): (401, 404, 404, 404, 404, 200),
    ("GET", "/api/v1/sharing/audit"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/clinician/runners"): (401, 403, 200, 403, 200, 403),
    ("POST", "/api/v1/clinician/redeem"): (401, 403, 422, 403, 422, 403),
    ("GET", "/api/v1/clinician/runners/{runner_id}/{view}"): (401, 404, 404, 404, 200, 200),
    ("POST", "/api/v1/clinician/runners/{runner_id}/notes"): (401, 404, 404, 404, 200, 403),
    ("POST", "/api/v1/clinician/runners/{runner_id}/clear-red-flag"): (401, 404, 404, 404, 409, 403),
    ("POST", "/api/v1/clinician/runners/{runner_id}/phase"): (401, 404, 404, 404, 200, 403),
    ("POST", "/api/v1/clinician/runners/{runner_id}/hold"): (401, 404, 404, 404, 200, 403),
    ("PUT", "/api/v1/clinician/runners/{runner_id}/pain-ceilings"): (401, 404, 404, 404, 200, 403),
    ("GET", "/api/v1/learn"): (200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/learn/{topic}"): (200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/openapi.json"): (200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/recovery"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/schemas/assessment-answers"): (200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/schemas/checkin-answers"): (200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/settings"): (401, 200, 403, 403, 403, 200),
    ("PUT", "/api/v1/settings"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/today"): (401, 200, 403, 403, 403, 200),
    ("POST", "/api/v1/today/sets"): (401, 422, 403, 403, 403, 422),
    ("GET", "/api/v1/training"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/training/load"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/triage/draft"): (401, 200, 403, 403, 403, 200),
    ("PUT", "/api/v1/triage/draft"): (401, 200, 403, 403, 403, 200),
    ("GET", "/api/v1/triage/questions"): (200, 200, 200, 200, 200, 200),
    ("POST", "/api/v1/triage/steps"): (422, 422, 422, 422, 422, 422),
    ("GET", "/api/v1/triage/result"): (401, 404, 403, 403, 403, 200),
    ("GET", "/api/v1/uploads/{upload_id}"): (401, 404, 403, 403, 403, 200),
    ("GET", "/checkin"): (303, 200, 403, 403, 403, 200),
    ("POST", "/checkin"): (403, 422, 403, 403, 403, 422),
    ("GET", "/checkin/result"): (303, 422, 403, 403, 403, 422),
    ("GET", "/clinician"): (303, 403, 200, 403, 200, 403),
    ("GET", "/clinician/redeem"): (303, 403, 200, 403, 200, 403),
    ("POST", "/clinician/redeem"): (403, 403, 422, 403, 422, 403),
    ("GET", "/clinician/runners/{runner_id}"): (303, 403, 404, 403, 200, 403),
    ("POST", "/clinician/runners/{runner_id}/actions/{action}"): (403, 404, 404, 404, 303, 403),
    ("POST", "/clinician/runners/{runner_id}/note"): (403, 404, 404, 404, 303, 403),
    ("GET", "/clinician/runners/{runner_id}/{view}"): (303, 403, 404, 403, 200, 403),
    ("GET", "/learn"): (200, 200, 200, 200, 200, 200),
    ("GET", "/learn/{topic}"): (200, 200, 200, 200, 200, 200),
    ("GET", "/recovery"): (303, 200, 403, 403, 403, 200),
    ("POST", "/recovery/{day}/delete"): (403, 404, 403, 403, 403, 404),
    ("GET", "/recovery/{day}/edit"): (303, 404, 403, 403, 403, 200),
    ("POST", "/recovery/{day}/edit"): (403, 422, 403, 403, 403, 422),
    ("GET", "/settings"): (303, 200, 403, 403, 403, 200),
    ("POST", "/settings"): (403, 303, 403, 403, 403, 303),
    ("GET", "/sharing"): (303, 200, 403, 403, 403, 200),
    ("GET", "/sharing/audit"): (303, 200, 403, 403, 403, 200),
    ("POST", "/sharing/code"): (403, 200, 403, 403, 403, 200),
    ("POST", "/sharing/{share_id}/revoke"): (403, 404, 404, 404, 404, 303),
    ("GET", "/signin"): (200, 303, 303, 303, 303, 303),
    ("POST", "/signin"): (403, 401, 401, 401, 401, 401),
    ("GET", "/signin/{token}"): (401, 401, 401, 401, 401, 401),
    ("POST", "/signout"): (403, 303, 303, 303, 303, 303),
    ("GET", "/signup"): (200, 200, 200, 200, 200, 200),
    ("POST", "/signup"): (403, 422, 422, 422, 422, 422),
    ("GET", "/static/{path}"): (200, 200, 200, 200, 200, 200),
    ("GET", "/today"): (303, 200, 403, 403, 403, 200),
    ("POST", "/today/sets"): (403, 422, 403, 403, 403, 422),
    ("GET", "/training"): (303, 200, 403, 403, 403, 200),
    ("POST", "/training/upload"): (403, 303, 403, 403, 403, 303),
    ("GET", "/training/uploads"): (303, 200, 403, 403, 403, 200),
    ("GET", "/triage"): (303, 303, 403, 403, 403, 303),
    ("POST", "/triage/restart"): (403, 303, 403, 403, 403, 303),
    ("GET", "/triage/result"): (303, 303, 403, 403, 403, 200),
    ("GET", "/triage/{number}"): (303, 200, 403, 403, 403, 200),
    ("POST", "/triage/{number}"): (403, 303, 403, 403, 403, 303),
}

#: the admin's list of accounts names every account (not their records); the schema names no one but is exempt
ACCOUNT_NAMES_SHOWN = {("GET", "/admin/accounts"), ("GET", "/api/v1/openapi.json")}
#: the admin's backup of every runner holds everyone's records, by design (`calfcare export all --all-runners`)
ADMIN_EXPORTS = {("GET", "/admin/backup.zip")}


class World:
    """Runner A with an episode, check-ins, a note and an upload; runner B; two clinicians (A shares with one); an
    admin. ``fill`` gives each path parameter A's value."""

    def __init__(self, db: Database) -> None:
        self.db = db
        if not db.is_sqlite:  # uploads are queued on PostgreSQL
            ensure_schema(db.url)
        self.people = {
            "runner_a": self._user("alice-runner", "runner"),
            "runner_b": self._user("bob-runner", "runner"),
            "clinician_shared": self._user("clin-shared", "clinician"),
            "clinician_other": self._user("clin-other", "clinician"),
            "admin": self._user("the-admin", "admin"),
        }
        a = self.people["runner_a"]
        assert a.runner_id is not None
        self.day = START - timedelta(days=2)
        assess(db=db, runner="alice-runner", answers=SOLEUS, day=self.day - timedelta(days=1), today_is=START)
        record_checkin(db=db, runner="alice-runner", answers=CHECKIN, day=self.day, today_is=START)
        code = sharing.create_share_code(db=db, principal=a, now=NOW)["code"]
        clinician = self.people["clinician_shared"]
        share = sharing.redeem_share_code(db=db, principal=clinician, code=code, now=NOW)
        sharing.add_note(db=db, principal=clinician, runner_id=a.runner_id, text=SECRET_NOTE, now=NOW)
        token, _ = accounts.create_token(db=db, user_id=a.user_id, name="watch", scope="read", now=NOW)
        upload = store_upload(db=db, runner_id=a.runner_id, filename="run.gpx", data=b"<gpx/>", now=NOW)
        with tempfile.TemporaryDirectory() as folder:  # an imported run, its file kept
            (Path(folder) / "morning.gpx").write_bytes(gpx_run())
            import_paths(db=db, runner="alice-runner", paths=[Path(folder) / "morning.gpx"], workers=1)
        with db.session() as s:
            activity_id, file_id = s.execute(select(ActivityOriginal.activity_id, ActivityOriginal.original_id)).one()
        self.values = {
            "runner_id": str(a.runner_id),
            "token_id": str(token["id"]),
            "share_id": str(share["share_id"]),
            "day": self.day.isoformat(),
            "topic": "muscles",
            "number": "1",
            "view": "recovery",
            "action": "set-phase",
            "upload_id": str(upload),
            "activity_id": str(activity_id),
            "file_id": str(file_id),
            "path": "css/app.css",
            "token": "not-a-sign-in-token",
        }

    def _user(self, name: str, role: str) -> Principal:
        accounts.add_user(db=self.db, username=name, password=PASSWORD, role=role)
        return accounts.sign_in(db=self.db, username=name, password=PASSWORD, address="10.0.0.9", now=NOW)

    def fill(self, path: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.values[m.group(1)], path)

    def headers(self, who: str) -> dict[str, str]:
        """A fresh write-scoped token for each request (a route may revoke the one it was given)."""
        if who == "anonymous":
            return {}
        _, secret = accounts.create_token(
            db=self.db, user_id=self.people[who].user_id, name="m", scope="write", now=NOW
        )
        return {"Authorization": f"Bearer {secret}"}


def body(method: str, path: str, world: World) -> dict[str, Any]:
    """A valid body for each write, so that only the authorisation can refuse it."""
    day = world.day.isoformat()
    forms: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/account/password"): {"current_password": PASSWORD, "new_password": PASSWORD + " again"},
        ("POST", "/account/tokens"): {"name": "matrix", "scope": "read"},
        ("POST", "/clinician/redeem"): {"code": "WRONG-CODE"},
        ("POST", "/clinician/runners/{runner_id}/actions/{action}"): {"phase": "mobility", "reason": "matrix"},
        ("POST", "/clinician/runners/{runner_id}/note"): {"text": "a note from the matrix"},
        ("POST", "/signin"): {"username": "nobody-here", "password": "not the password"},
        ("POST", "/signup"): {"username": "", "password": ""},
        ("POST", "/settings"): {"emergency_number": "112"},
        ("POST", "/triage/{number}"): {"age": "44"},
        ("POST", "/recovery/{day}/edit"): {k: str(v).lower() for k, v in CHECKIN.items()},
        ("POST", "/checkin"): {k: str(v).lower() for k, v in CHECKIN.items()},
    }
    jsons: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/assess"): {"answers": SOLEUS, "date": (world.day - timedelta(days=1)).isoformat()},
        ("POST", "/api/v1/checkin"): {"answers": CHECKIN, "date": day},
        ("PUT", "/api/v1/checkins/{day}"): {"answers": CHECKIN},
        ("PUT", "/api/v1/settings"): {"emergency_number": "112"},
        ("PUT", "/api/v1/triage/draft"): {"answers": {"age": 44}},
        ("POST", "/api/v1/today/sets"): {"exercise_id": "isometric_hold", "sets_done": 1},
        ("POST", "/api/v1/clinician/redeem"): {"code": "WRONG-CODE"},
        ("POST", "/api/v1/clinician/runners/{runner_id}/notes"): {"text": "a note from the matrix"},
        ("POST", "/api/v1/clinician/runners/{runner_id}/clear-red-flag"): {"note": "matrix"},
        ("POST", "/api/v1/clinician/runners/{runner_id}/phase"): {"phase": "mobility", "reason": "matrix"},
        ("POST", "/api/v1/clinician/runners/{runner_id}/hold"): {
            "until": (NOW.date() + timedelta(days=7)).isoformat(),
            "reason": "matrix",
        },
        ("PUT", "/api/v1/clinician/runners/{runner_id}/pain-ceilings"): {"early_ceiling": 3},
    }
    if (method, path) in jsons:
        return {"json": jsons[(method, path)]}
    if (method, path) == ("POST", "/api/v1/import") or (method, path) == ("POST", "/training/upload"):
        return {"files": {"files": ("run.gpx", b"<gpx/>", "application/gpx+xml")}}
    return {"data": forms.get((method, path), {})}


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    app = create_app(multi_settings(world.db), db=world.db, clock=Clock(START))
    with TestClient(app, base_url=BASE, client=("10.1.2.3", 40000)) as c:
        yield c


def _ends(route: tuple[str, str]) -> bool:
    """Routes that end or spend something (a check-in deleted, a share or token revoked, signed out): each principal
    requests them after all the others."""
    method, path = route
    return method == "DELETE" or path.endswith(("/delete", "/revoke", "/signout", "/password"))


def _routes(client: TestClient) -> list[tuple[str, str]]:
    found = set(routes_of(client.app.routes))  # type: ignore[attr-defined]
    return sorted(found, key=lambda r: (_ends(r), r[0] != "GET", r[1], r[0]))


def test_every_route_has_an_expectation(client: TestClient) -> None:
    routes = set(_routes(client))
    untested = sorted(routes - set(EXPECTED))
    gone = sorted(set(EXPECTED) - routes)
    assert not untested, f"routes without an expected status per principal in EXPECTED: {untested}"
    assert not gone, f"expectations for routes the app no longer has: {gone}"


def _a_rows(world: World) -> dict[str, list[tuple[object, ...]]]:
    return {t.name: sorted(map(repr, t.rows)) for t in gather_backup(db=world.db, runner="alice-runner").tables}  # type: ignore[misc]


# a refused multipart upload can leave Starlette's spooled file to the garbage collector (not a leak of data)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_every_route_by_every_principal_gives_the_expected_status(client: TestClient, world: World) -> None:
    routes = [r for r in _routes(client) if r in EXPECTED]
    got: dict[tuple[str, str], list[int]] = {r: [] for r in routes}
    leaks: list[str] = []
    before = _a_rows(world)
    for who in WHO:
        if who == "clinician_shared":  # everyone else has had their go: A's record is as it was
            assert _a_rows(world) == before, "someone who is neither A nor A's clinician changed A's record"
        for method, path in routes:
            r = client.request(
                method,
                world.fill(path),
                headers=world.headers(who),
                follow_redirects=False,
                **body(method, path, world),
            )
            got[(method, path)].append(r.status_code)
            assert r.status_code < 500, f"{method} {path} as {who}: {r.status_code}"
            outsider = who not in ("runner_a", "clinician_shared") and not (
                who == "admin" and (method, path) in ADMIN_EXPORTS
            )
            named = "alice-runner" in r.text and (method, path) not in ACCOUNT_NAMES_SHOWN
            if outsider and (named or SECRET_NOTE in r.text):
                leaks.append(f"{method} {path} as {who} ({r.status_code})")
    wrong = {
        f"{m} {p}": {
            w: f"{g} (expected {e})" for w, g, e in zip(WHO, got[(m, p)], EXPECTED[(m, p)], strict=True) if g != e
        }
        for m, p in routes
        if tuple(got[(m, p)]) != EXPECTED[(m, p)]
    }
    if os.environ.get("CALFCARE_MATRIX_PRINT"):  # to review a new route's row: print what the app answers
        print("\n".join(f"    {r!r}: {tuple(got[r])}," for r in sorted(got, key=lambda r: (r[1], r[0]))))
    assert not wrong and not leaks, f"unexpected statuses: {wrong}; A's record in answers to others: {leaks}"


def test_revoking_the_share_closes_every_clinician_route(client: TestClient, world: World) -> None:
    a = world.people["runner_a"]
    share = sharing.shares_of_runner(db=world.db, principal=a)[0]
    sharing.revoke_share(db=world.db, principal=a, share_id=share["id"], now=NOW)
    for method, path in _routes(client):
        if "{runner_id}" not in path:
            continue
        r = client.request(
            method,
            world.fill(path),
            headers=world.headers("clinician_shared"),
            follow_redirects=False,
            **body(method, path, world),
        )
        assert r.status_code == 404, f"{method} {path} after the share was revoked: {r.status_code}"
        assert "alice-runner" not in r.text and SECRET_NOTE not in r.text
