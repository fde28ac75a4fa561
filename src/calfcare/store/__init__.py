"""Storage: SQLAlchemy 2 models, Alembic migrations, and the functions that open a database.

``Database`` and ``open_database`` load SQLAlchemy on first use (PEP 562), so a submodule that does not need it
(:mod:`calfcare.store.sqlite_read`, :mod:`calfcare.store.records`) can be imported without paying for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calfcare.store.db import Database, open_database

__all__ = ["Database", "open_database"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from calfcare.store import db

        return getattr(db, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
