"""Sign-in throttling, decided from the recent failures the store keeps (so every web process agrees).

Per account: after 5 failures within 15 minutes, the account refuses sign-in until 15 minutes after the
5th-newest failure. Per address: 20 failures within 15 minutes, likewise. OWASP's Authentication Cheat Sheet
recommends exactly this kind of per-account and per-source limit instead of permanent lock-outs, which would let
anyone lock a runner out of their own record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20


DEFAULT_POLICY = ThrottlePolicy()


def wait_seconds(failures: Sequence[datetime], *, limit: int, now: datetime, policy: ThrottlePolicy) -> float:
    """Seconds until another attempt is allowed (0 when allowed now), given the failure times."""
    recent = sorted((t for t in failures if now - t < policy.window), reverse=True)
    if len(recent) < limit:
        return 0.0
    oldest_counted = recent[limit - 1]
    return max(0.0, (oldest_counted + policy.window - now).total_seconds())


def sign_in_wait(
    *,
    account_failures: Sequence[datetime],
    address_failures: Sequence[datetime],
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> float:
    return max(
        wait_seconds(account_failures, limit=policy.per_account, now=now, policy=policy),
        wait_seconds(address_failures, limit=policy.per_address, now=now, policy=policy),
    )
