"""Accounts, tokens, sharing and the audit log on real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from calfcare.errors import Conflict, InvalidInput, NotFound, NotSignedIn, PermissionDenied, TooManyAttempts
from calfcare.services import accounts, sharing
from calfcare.store import Database
from calfcare.store.models import ApiToken, User

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PW = "a long enough pass"


def _runner(db: Database, name: str) -> accounts.Principal:
    accounts.add_user(db=db, username=name, password=PW, role="runner")
    return accounts.sign_in(db=db, username=name, password=PW, address="10.0.0.1", now=NOW)


def _clinician(db: Database, name: str = "physio") -> accounts.Principal:
    accounts.add_user(db=db, username=name, password=PW, role="clinician")
    return accounts.sign_in(db=db, username=name, password=PW, address="10.0.0.2", now=NOW)


def test_an_account_is_created_once_and_a_runner_account_owns_its_record(db: Database) -> None:
    made = accounts.add_user(db=db, username="ann", password=PW, role="runner")
    assert made["role"] == "runner" and made["runner_id"] == db.runner_id("ann", create=False)
    with pytest.raises(Conflict, match="already exists"):
        accounts.add_user(db=db, username="ann", password=PW, role="clinician")
    with pytest.raises(Conflict, match="already belongs to an account"):
        accounts.add_user(db=db, username="ann2", password=PW, role="runner", runner="ann")
    with pytest.raises(InvalidInput, match="role"):
        accounts.add_user(db=db, username="bob", password=PW, role="superuser")
    with pytest.raises(InvalidInput, match="at least 10"):
        accounts.add_user(db=db, username="bob", password="short", role="runner")
    assert [u["username"] for u in accounts.list_users(db=db)] == ["ann"]
    assert "password_hash" not in accounts.list_users(db=db)[0]


def test_sign_in_gives_the_same_message_for_unknown_account_and_wrong_password(db: Database) -> None:
    accounts.add_user(db=db, username="ann", password=PW, role="runner")
    with pytest.raises(NotSignedIn) as wrong:
        accounts.sign_in(db=db, username="ann", password="nope nope nope", address="1.1.1.1", now=NOW)
    with pytest.raises(NotSignedIn) as unknown:
        accounts.sign_in(db=db, username="nobody", password="nope nope nope", address="1.1.1.1", now=NOW)
    assert str(wrong.value) == str(unknown.value)
    accounts.set_disabled(db=db, username="ann")
    with pytest.raises(NotSignedIn) as disabled:
        accounts.sign_in(db=db, username="ann", password=PW, address="1.1.1.1", now=NOW)
    assert str(disabled.value) == str(wrong.value)


def test_sign_in_is_throttled_per_account_then_allowed_again(db: Database) -> None:
    accounts.add_user(db=db, username="ann", password=PW, role="runner")
    for i in range(5):
        with pytest.raises(NotSignedIn):
            accounts.sign_in(db=db, username="ann", password="wrong wrong", address=f"10.0.0.{i}", now=NOW)
    with pytest.raises(TooManyAttempts, match="try again in about 15 min"):
        accounts.sign_in(db=db, username="ann", password=PW, address="10.9.9.9", now=NOW + timedelta(seconds=1))
    later = NOW + timedelta(minutes=16)
    assert accounts.sign_in(db=db, username="ann", password=PW, address="10.9.9.9", now=later).username == "ann"


def test_sign_in_is_throttled_per_address_across_accounts(db: Database) -> None:
    """20 failures from one address within 15 minutes, spread over many usernames (none reaching the per-account
    limit), stop that address, even for a right password; another address still signs in."""
    accounts.add_user(db=db, username="ann", password=PW, role="runner")
    for i in range(20):
        with pytest.raises(NotSignedIn):
            accounts.sign_in(db=db, username=f"guess{i % 5}", password="wrong wrong", address="203.0.113.7", now=NOW)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(db=db, username="ann", password=PW, address="203.0.113.7", now=NOW + timedelta(seconds=1))
    assert accounts.sign_in(db=db, username="ann", password=PW, address="198.51.100.1", now=NOW).username == "ann"


def test_a_password_reset_or_change_ends_older_sessions(db: Database) -> None:
    ann = _runner(db, "ann")
    version = accounts.session_version(db=db, user_id=ann.user_id)
    assert accounts.principal_for_session(db=db, user_id=ann.user_id, session_version=version) == ann
    accounts.reset_password(db=db, username="ann", password="another long one")
    with pytest.raises(NotSignedIn):
        accounts.principal_for_session(db=db, user_id=ann.user_id, session_version=version)
    with pytest.raises(InvalidInput, match="current password"):
        accounts.change_password(db=db, user_id=ann.user_id, current=PW, new="yet another one")
    accounts.change_password(db=db, user_id=ann.user_id, current="another long one", new="yet another one")
    assert accounts.sign_in(db=db, username="ann", password="yet another one", address="x", now=NOW) == ann


def test_guessing_the_current_password_is_throttled_like_a_sign_in(db: Database) -> None:
    """A stolen session cannot use the change-password form to guess the password without limit: a wrong current
    password is a failed sign-in of the account, and five within 15 minutes stop both forms."""
    ann = _runner(db, "ann")
    for i in range(5):
        with pytest.raises(InvalidInput, match="current password"):
            accounts.change_password(db=db, user_id=ann.user_id, current=f"guess {i}", new="yet another one",
                                     address="203.0.113.9", now=NOW + timedelta(seconds=i))  # fmt: skip
    later = NOW + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts):  # even the right password waits
        accounts.change_password(db=db, user_id=ann.user_id, current=PW, new="yet another one", address="x", now=later)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(db=db, username="ann", password=PW, address="198.51.100.1", now=later)
    after = NOW + timedelta(minutes=16)
    accounts.change_password(db=db, user_id=ann.user_id, current=PW, new="yet another one", address="x", now=after)
    assert accounts.sign_in(db=db, username="ann", password="yet another one", address="x", now=after) == ann


def test_sign_up_is_closed_by_default_then_needs_the_invitation_code(db: Database) -> None:
    with pytest.raises(InvalidInput, match="closed"):
        accounts.sign_up(db=db, username="ann", password=PW, invitation_code=None)
    accounts.set_signup(db=db, mode="invitation", invitation_code="club-2026-spring")
    with pytest.raises(InvalidInput, match="invitation code"):
        accounts.sign_up(db=db, username="ann", password=PW, invitation_code="guess")
    assert accounts.sign_up(db=db, username="ann", password=PW, invitation_code="club-2026-spring")["role"] == "runner"


def test_tokens_are_shown_once_stored_hashed_scoped_and_revocable(db: Database) -> None:
    ann = _runner(db, "ann")
    info, secret = accounts.create_token(db=db, user_id=ann.user_id, name="watch sync", scope="read", now=NOW)
    with db.session() as s:
        stored = s.scalar(select(ApiToken.digest))
        assert stored is not None and secret not in stored and len(stored) == 64
    principal = accounts.principal_for_token(db=db, secret=secret, now=NOW)
    assert principal.scope == "read" and principal.runner_id == ann.runner_id
    assert accounts.list_tokens(db=db, user_id=ann.user_id)[0]["last_used_at"] is not None
    accounts.revoke_token(db=db, user_id=ann.user_id, token_id=info["id"], now=NOW)
    with pytest.raises(NotSignedIn):
        accounts.principal_for_token(db=db, secret=secret, now=NOW)
    with pytest.raises(NotSignedIn):
        accounts.principal_for_token(db=db, secret="cc_pat_made-up", now=NOW)


def test_a_clinician_sees_a_runner_only_after_the_code_and_until_revoked(db: Database) -> None:
    ann, bob, physio = _runner(db, "ann"), _runner(db, "bob"), _clinician(db)
    assert ann.runner_id is not None and bob.runner_id is not None
    with pytest.raises(NotFound):
        sharing.audit_log(db=db, principal=physio, runner_id=ann.runner_id)
    code = sharing.create_share_code(db=db, principal=ann, now=NOW)["code"]
    sharing.redeem_share_code(db=db, principal=physio, code=code.lower(), now=NOW)
    with pytest.raises(InvalidInput, match="not valid"):
        sharing.redeem_share_code(db=db, principal=physio, code=code, now=NOW)  # one-time
    listed = sharing.clinician_runners(db=db, principal=physio)
    assert [r["runner"] for r in listed] == ["ann"]
    sharing.add_note(db=db, principal=physio, runner_id=ann.runner_id, text="Check the bent-knee raise.", now=NOW)
    with pytest.raises(NotFound):
        sharing.add_note(db=db, principal=physio, runner_id=bob.runner_id, text="no", now=NOW)
    with pytest.raises(PermissionDenied):
        sharing.add_note(db=db, principal=ann, runner_id=ann.runner_id, text="self note", now=NOW)
    share_id = sharing.shares_of_runner(db=db, principal=ann)[0]["id"]
    sharing.revoke_share(db=db, principal=ann, share_id=share_id, now=NOW + timedelta(hours=1))
    assert sharing.clinician_runners(db=db, principal=physio) == []
    with pytest.raises(NotFound):
        sharing.audit_log(db=db, principal=physio, runner_id=ann.runner_id)
    actions = [(e["by"], e["action"]) for e in sharing.audit_log(db=db, principal=ann, runner_id=ann.runner_id)]
    assert actions == [
        ("ann", "share_code_created"),
        ("physio", "share_granted"),
        ("physio", "note"),
        ("ann", "share_revoked"),
    ]


def test_an_expired_share_code_is_refused(db: Database) -> None:
    ann, physio = _runner(db, "ann"), _clinician(db)
    code = sharing.create_share_code(db=db, principal=ann, now=NOW)["code"]
    with pytest.raises(InvalidInput, match="older than 7 days"):
        sharing.redeem_share_code(db=db, principal=physio, code=code, now=NOW + timedelta(days=8))


def test_a_runner_cannot_redeem_codes_or_revoke_someone_elses_share(db: Database) -> None:
    ann, bob, physio = _runner(db, "ann"), _runner(db, "bob"), _clinician(db)
    code = sharing.create_share_code(db=db, principal=ann, now=NOW)["code"]
    with pytest.raises(PermissionDenied):
        sharing.redeem_share_code(db=db, principal=bob, code=code, now=NOW)
    sharing.redeem_share_code(db=db, principal=physio, code=code, now=NOW)
    share_id = sharing.shares_of_runner(db=db, principal=ann)[0]["id"]
    with pytest.raises(NotFound):
        sharing.revoke_share(db=db, principal=bob, share_id=share_id, now=NOW)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 3
