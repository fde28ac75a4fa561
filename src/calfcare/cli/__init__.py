"""The ``calfcare`` command. Each sibling module registers its commands on :data:`app`."""

from __future__ import annotations

from calfcare.cli import accounts as _accounts  # noqa: F401
from calfcare.cli import clinical as _clinical  # noqa: F401
from calfcare.cli import db as _db  # noqa: F401  (registers commands)
from calfcare.cli import importing as _importing  # noqa: F401
from calfcare.cli import load as _load  # noqa: F401
from calfcare.cli import worker as _worker  # noqa: F401
from calfcare.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
