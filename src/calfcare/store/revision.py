"""The schema version the code expects: the head of the migration chain, read from the migration files.

Kept apart from :mod:`calfcare.store.db` so a reader that does not load SQLAlchemy (:mod:`calfcare.store.sqlite_read`)
can check that a database is migrated before trusting its tables.
"""

from __future__ import annotations

import re
from pathlib import Path

from calfcare.errors import StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_)?revision\s*=\s*['\"]?([\w]+)['\"]?", re.M)


def head_revision() -> str:
    """The newest migration id, read from the migration files (a linear chain: the one nobody revises)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for down, rev in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(rev)
    heads = revisions - parents
    if len(heads) != 1:
        raise StorageError(f"the migrations in {MIGRATIONS_DIR} have {len(heads)} heads; expected exactly one")
    return heads.pop()
