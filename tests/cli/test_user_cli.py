"""``calfcare user``: the admin's account commands, run for real on a temporary database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from calfcare.cli import app


def test_user_add_list_reset_disable(cli_env: str) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app, ["user", "add", "physio", "--role", "clinician", "--password-stdin", "--json"], input="a long password\n"
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["role"] == "clinician"
    again = runner.invoke(app, ["user", "add", "physio", "--password-stdin"], input="a long password\n")
    assert again.exit_code == 5 and "already exists" in again.output
    weak = runner.invoke(app, ["user", "add", "ann", "--password-stdin"], input="short\n")
    assert weak.exit_code == 2 and "at least 10 characters" in weak.output
    listed = runner.invoke(app, ["user", "list", "--json"])
    assert [u["username"] for u in json.loads(listed.stdout)] == ["physio"]
    assert "password" not in listed.stdout
    reset = runner.invoke(app, ["user", "reset-password", "physio", "--password-stdin"], input="a new long password\n")
    assert reset.exit_code == 0 and "sessions have ended" in reset.output
    gone = runner.invoke(app, ["user", "reset-password", "nobody", "--password-stdin"], input="a new long password\n")
    assert gone.exit_code == 4
    disabled = runner.invoke(app, ["user", "disable", "physio", "--json"])
    assert json.loads(disabled.stdout)["disabled"] is True


def test_interactive_password_must_be_typed_the_same_twice(cli_env: str) -> None:
    result = CliRunner().invoke(app, ["user", "add", "ann"], input="a long password\nanother long one\n")
    assert result.exit_code == 2 and "differ" in result.output


def test_the_admin_sets_who_may_sign_up(cli_env: str) -> None:
    from calfcare.errors import InvalidInput
    from calfcare.services.accounts import sign_up
    from calfcare.store import open_database

    runner = CliRunner()
    db = open_database(cli_env)
    try:
        made = runner.invoke(app, ["user", "signup", "invitation", "--code-stdin"], input="club-2026-spring\n")
        assert made.exit_code == 0 and "invitation" in made.output, made.output
        with pytest.raises(InvalidInput, match="invitation code"):
            sign_up(db=db, username="ann", password="a long password", invitation_code="club-2026-autumn")
        assert sign_up(db=db, username="ann", password="a long password", invitation_code="club-2026-spring")
        assert runner.invoke(app, ["user", "signup", "open"]).exit_code == 0
        assert sign_up(db=db, username="bob", password="a long password", invitation_code=None)["role"] == "runner"
        assert runner.invoke(app, ["user", "signup", "closed"]).exit_code == 0
        with pytest.raises(InvalidInput, match="closed"):
            sign_up(db=db, username="cat", password="a long password", invitation_code=None)
        wrong = runner.invoke(app, ["user", "signup", "sometimes"])
        assert wrong.exit_code == 2 and "expected one of closed, invitation, open" in wrong.output
        short = runner.invoke(app, ["user", "signup", "invitation", "--code-stdin"], input="abc\n")
        assert short.exit_code == 2 and "at least 8 characters" in short.output
        assert "abc" not in short.output
    finally:
        db.dispose()


def test_a_disabled_account_has_no_session_and_no_token_until_enabled(cli_env: str) -> None:
    from datetime import UTC, datetime

    from calfcare.errors import NotSignedIn
    from calfcare.services import accounts
    from calfcare.store import open_database

    runner = CliRunner()
    assert runner.invoke(app, ["user", "add", "ann", "--password-stdin"], input="a long password\n").exit_code == 0
    db = open_database(cli_env)
    try:
        now = datetime.now(UTC)
        ann = accounts.sign_in(db=db, username="ann", password="a long password", address="10.0.0.1", now=now)
        version = accounts.session_version(db=db, user_id=ann.user_id)
        _, token = accounts.create_token(db=db, user_id=ann.user_id, name="watch", scope="read", now=now)
        off = runner.invoke(app, ["user", "disable", "ann"])
        assert off.exit_code == 0 and "disabled" in off.output
        with pytest.raises(NotSignedIn):
            accounts.principal_for_session(db=db, user_id=ann.user_id, session_version=version)
        with pytest.raises(NotSignedIn):
            accounts.principal_for_token(db=db, secret=token, now=now)
        with pytest.raises(NotSignedIn):
            accounts.sign_in(db=db, username="ann", password="a long password", address="10.0.0.1", now=now)
        assert runner.invoke(app, ["user", "disable", "ann", "--enable"]).exit_code == 0
        assert accounts.principal_for_token(db=db, secret=token, now=now).username == "ann"
        assert accounts.sign_in(db=db, username="ann", password="a long password", address="10.0.0.2", now=now) == ann
    finally:
        db.dispose()
