"""Storage: SQLAlchemy 2 models, Alembic migrations, and the functions that open a database."""

from calfcare.store.db import Database, open_database

__all__ = ["Database", "open_database"]
