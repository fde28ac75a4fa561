"""schemathesis fuzzes the JSON API (/api/v1) from its own OpenAPI schema, signed in as a runner with a write token,
and its clinician operations once more as a clinician the runner shares with (the runner id pinned to that runner,
so the requests reach the actions rather than *not found*): no request, however odd, gets a 5xx. Bounded: a few
examples per operation, no shrinking, no example database, so it stays within seconds in CI (SQLite always;
PostgreSQL too with ``CALFCARE_TEST_POSTGRES_URL``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from accounts_kit import PASSWORD, multi_settings
from hypothesis import HealthCheck, Phase, given, settings
from webkit import SOLEUS, START, Clock

from calfcare.jobs.queue import ensure_schema
from calfcare.services import accounts, sharing
from calfcare.services.episodes import assess
from calfcare.store import Database
from calfcare.web import create_app

EXAMPLES = 8


@pytest.fixture
def api(db: Database) -> Iterator[tuple[Any, dict[str, str]]]:
    if not db.is_sqlite:
        ensure_schema(db.url)
    accounts.add_user(db=db, username="fuzzy", password=PASSWORD, role="runner")
    user = next(u for u in accounts.list_users(db=db) if u["username"] == "fuzzy")
    _, secret = accounts.create_token(db=db, user_id=user["id"], name="fuzz", scope="write", now=datetime.now(UTC))
    app = create_app(multi_settings(db), db=db, clock=Clock(START))
    yield app, {"Authorization": f"Bearer {secret}", "Host": "127.0.0.1:8000"}


def test_no_operation_of_the_api_answers_5xx(api: tuple[Any, dict[str, str]]) -> None:
    app, headers = api
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, headers={"Host": "127.0.0.1:8000"})
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 10
    failures = _fuzz(operations, headers)
    assert not failures, failures


def test_no_clinician_operation_answers_5xx_to_a_clinician_of_the_runner(api: tuple[Any, dict[str, str]]) -> None:
    app, runner_headers = api
    db: Database = app.state.db
    accounts.add_user(db=db, username="dr-fuzz", password=PASSWORD, role="clinician")
    now = datetime.now(UTC)
    runner = accounts.principal_for_token(db=db, secret=runner_headers["Authorization"].split()[1], now=now)
    clinician = accounts.sign_in(db=db, username="dr-fuzz", password=PASSWORD, address="10.0.0.1", now=now)
    code = sharing.create_share_code(db=db, principal=runner, now=now)["code"]
    shared = sharing.redeem_share_code(db=db, principal=clinician, code=code, now=now)
    assess(db=db, runner="fuzzy", answers=SOLEUS, day=START - timedelta(days=3), today_is=START)  # a plan to act on
    _, secret = accounts.create_token(db=db, user_id=clinician.user_id, name="fuzz", scope="write", now=now)
    headers = {"Authorization": f"Bearer {secret}", "Host": "127.0.0.1:8000"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, headers={"Host": "127.0.0.1:8000"})
    operations = [op.ok() for op in schema.get_all_operations() if op.ok().path.startswith("/clinician/runners/")]
    assert len(operations) >= 6
    failures = _fuzz(operations, headers, runner_id=shared["runner_id"])
    assert not failures, failures


def _fuzz(operations: list[Any], headers: dict[str, str], runner_id: int | None = None) -> list[str]:
    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            phases=[Phase.explicit, Phase.generate],
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            if runner_id is not None and "runner_id" in (case.path_parameters or {}):
                case.path_parameters["runner_id"] = runner_id
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {case.body!r:.200}")

        fuzz()
    return failures
