"""The docs cannot drift from the code: every command is documented, and the README's set-up lines are the
ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from calfcare.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(t: typer.Typer, prefix: str = "") -> list[str]:
    names = [prefix + (c.name or c.callback.__name__) for c in t.registered_commands if c.callback]
    for group in t.registered_groups:
        assert group.typer_instance is not None and group.name
        names += _commands(group.typer_instance, prefix + group.name + " ")
    return names


def test_every_command_appears_in_the_readme() -> None:
    commands = _commands(app)
    assert {"assess", "checkin", "today", "history", "import", "load", "retro", "db upgrade"} <= set(commands)
    missing = [c for c in commands if f"calfcare {c}" not in README]
    assert missing == []


def test_every_command_has_help_text() -> None:
    undocumented = [c.name for c in app.registered_commands if not (c.help or (c.callback and c.callback.__doc__))]
    assert undocumented == []


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line.strip() for line in README.splitlines() if "pytest" in line and "pip install" in line)
    assert test_line in ci


def test_the_readme_links_only_to_docs_that_exist() -> None:
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).is_file(), link
