"""The docs cannot drift from the code: README's command table lists exactly the commands the CLI registers, its
exit-code table is :data:`calfcare.errors.EXIT_MEANINGS`, and the README's set-up lines are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
from typer import _click as click

from calfcare.cli import COMMANDS, app
from calfcare.errors import EXIT_MEANINGS, CalfcareError, ExitCode
from commands import leaf_commands

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start : end if end != -1 else None]


def _documented() -> set[str]:
    """The commands named in the first cell of each row of README's command table."""
    names: set[str] = set()
    for row in _section("## Commands").splitlines():
        if not row.startswith("| `calfcare"):
            continue
        first_cell = row.split(" | ")[0]
        for span in re.findall(r"`calfcare ([^`]+)`", first_cell):
            words = []
            for word in span.split():
                if not re.fullmatch(r"[a-z][a-z-]*", word):
                    break
                words.append(word)
            names.add(" ".join(words))
    return names


def test_the_command_table_lists_exactly_the_registered_commands() -> None:
    registered = set(leaf_commands())
    assert {"assess", "checkin", "today", "history", "import", "load", "retro", "db upgrade", "db where"} <= registered
    assert sorted(registered - _documented()) == [], "commands missing from README's command table"
    assert sorted(_documented() - registered) == [], "README documents commands the CLI does not have"


def test_every_entry_of_the_lazy_table_registers_its_command() -> None:
    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="calfcare")
    for name in COMMANDS:
        assert root.get_command(ctx, name) is not None, name


def test_every_command_has_help_text() -> None:
    undocumented = [name for name, cmd in leaf_commands().items() if not (cmd.help or "").strip()]
    assert undocumented == []


def test_the_exit_code_table_is_the_one_in_errors_py() -> None:
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", _section("### Exit codes"), flags=re.M)
    assert [(int(code), text) for code, text in rows] == [(int(c), t) for c, t in EXIT_MEANINGS.items()]
    assert set(EXIT_MEANINGS) == set(ExitCode)


def test_every_error_class_exits_with_a_documented_code() -> None:
    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    for cls in subclasses(CalfcareError):
        assert cls.exit_code in EXIT_MEANINGS, cls


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line.strip() for line in README.splitlines() if "pytest" in line and "pip install" in line)
    assert test_line in ci


def test_the_readme_links_only_to_docs_that_exist() -> None:
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).is_file(), link
