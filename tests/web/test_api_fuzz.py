"""schemathesis fuzzes the JSON API (/api/v1) from its own OpenAPI schema, signed in as a runner with a write token:
no request, however odd, gets a 5xx. Bounded: a few examples per operation, no shrinking, no example database, so
it stays within seconds in CI (SQLite always; PostgreSQL too with ``CALFCARE_TEST_POSTGRES_URL``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from accounts_kit import PASSWORD, multi_settings
from hypothesis import HealthCheck, Phase, given, settings
from webkit import START, Clock

from calfcare.jobs.queue import ensure_schema
from calfcare.services import accounts
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
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {case.body!r:.200}")

        fuzz()
    assert not failures, failures
