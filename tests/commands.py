"""The CLI's runnable commands as click builds them (importable as ``commands``: tests/conftest.py puts this folder
on the path), shared by the CLI convention tests and the README's command-table test."""

from __future__ import annotations

from typing import Any

import typer.main
from typer import _click as click

from calfcare.cli import app


def leaf_commands() -> dict[str, Any]:
    """Every runnable command by its full name ("today", "db where"), loaded through the lazy table."""
    root = typer.main.get_command(app)
    ctx = click.Context(root, info_name="calfcare")
    found: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            if hasattr(cmd, "list_commands"):
                walk(cmd, f"{prefix}{name} ")
            else:
                found[prefix + name] = cmd

    walk(root, "")
    return found
