"""``calfcare user``: the admin's account commands, run for real on a temporary database."""

from __future__ import annotations

import json

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
