"""The pure access rules: who may read, write and act on a runner's record; credentials; throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calfcare.accounts.access import Principal, may
from calfcare.accounts.credentials import (
    digest,
    hash_password,
    new_secret,
    new_short_code,
    normalise_code,
    password_problems,
    verify_password,
)
from calfcare.accounts.throttle import ThrottlePolicy, sign_in_wait

RUNNER_A = Principal(user_id=1, username="ann", role="runner", runner_id=10)
CLINICIAN = Principal(user_id=2, username="dr", role="clinician")
ADMIN = Principal(user_id=3, username="root", role="admin")


def test_a_runner_reads_and_writes_only_their_own_record() -> None:
    assert may(RUNNER_A, "read", runner_id=10)
    assert may(RUNNER_A, "write", runner_id=10)
    assert not may(RUNNER_A, "read", runner_id=11)
    assert not may(RUNNER_A, "write", runner_id=11)
    assert not may(RUNNER_A, "clinician_action", runner_id=10)
    assert not may(RUNNER_A, "manage_accounts", runner_id=None)


def test_a_clinician_sees_a_runner_only_while_shared_and_never_writes_their_data() -> None:
    assert not may(CLINICIAN, "read", runner_id=10, shared_with=())
    assert may(CLINICIAN, "read", runner_id=10, shared_with={2})
    assert may(CLINICIAN, "clinician_action", runner_id=10, shared_with={2})
    assert not may(CLINICIAN, "write", runner_id=10, shared_with={2})
    assert not may(CLINICIAN, "read", runner_id=10, shared_with={99})


def test_an_admin_manages_accounts_but_reads_no_health_record_without_a_share() -> None:
    assert may(ADMIN, "manage_accounts", runner_id=None)
    assert not may(ADMIN, "read", runner_id=10)


def test_a_read_token_narrows_but_never_widens() -> None:
    read_only = Principal(user_id=1, username="ann", role="runner", runner_id=10, scope="read")
    assert may(read_only, "read", runner_id=10)
    assert not may(read_only, "write", runner_id=10)
    assert not may(Principal(user_id=3, username="root", role="admin", scope="read"), "manage_accounts", runner_id=None)


def test_passwords_are_argon2id_and_verify_only_the_right_one(production_password_hashing: None) -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")
    assert not verify_password(None, "anything at all")  # unknown account: same work, False
    assert not verify_password("not-a-hash", "anything at all")


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "at least 10"), ("annann1234", ""), ("aaaaaaaaaaaa", "repeat"), ("Ann-Runner", "username")],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    problems = password_problems(password, username="ann-runner")
    if problem:
        assert any(problem in p for p in problems), problems
    else:
        assert problems == []


def test_secrets_are_random_and_stored_as_digests() -> None:
    a, b = new_secret("cc_pat_"), new_secret("cc_pat_")
    assert a != b and a.startswith("cc_pat_") and len(a) > 40
    assert len(digest(a)) == 64 and digest(a) != digest(b)
    code = new_short_code()
    assert len(code) == 14 and code.count("-") == 2
    assert normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")


def test_throttling_waits_after_five_failures_per_account_and_twenty_per_address() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    policy = ThrottlePolicy()
    four = [now - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert sign_in_wait(account_failures=four, address_failures=four, now=now, policy=policy) == 0
    five = [*four, now - timedelta(minutes=5)]
    # the 5th-newest failure was 5 min ago: wait until 15 min after it
    assert sign_in_wait(account_failures=five, address_failures=[], now=now, policy=policy) == pytest.approx(600)
    old = [now - timedelta(minutes=20 + m) for m in range(10)]
    assert sign_in_wait(account_failures=old, address_failures=[], now=now, policy=policy) == 0
    many = [now - timedelta(seconds=10 * i) for i in range(20)]
    assert sign_in_wait(account_failures=[], address_failures=many, now=now, policy=policy) > 0
    assert sign_in_wait(account_failures=[], address_failures=many[:19], now=now, policy=policy) == 0
