"""Settings, declared once. Zero-config locally: a SQLite file in the user's data directory.

- ``CALFCARE_DATABASE_URL``: a SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``);
  default: a SQLite file in the user's data directory.
- ``CALFCARE_RUNNER``: the local runner the CLI acts for; default ``me``.
- ``CALFCARE_LOCK_TIMEOUT``: seconds a command waits for another process's write lock (or a PostgreSQL
  connection) before saying so; default 30.

A malformed value is an :class:`~calfcare.errors.InvalidInput` naming the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from calfcare.errors import InvalidInput

DEFAULT_RUNNER = "me"
DEFAULT_LOCK_TIMEOUT_S = 30.0


def default_database_url() -> str:
    from platformdirs import user_data_dir

    data_dir = Path(user_data_dir("calfcare", appauthor=False))
    return f"sqlite:///{data_dir / 'calfcare.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    runner: str
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        url = env.get("CALFCARE_DATABASE_URL") or default_database_url()
        if url.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        raw = env.get("CALFCARE_LOCK_TIMEOUT") or ""
        try:
            timeout = float(raw) if raw else DEFAULT_LOCK_TIMEOUT_S
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 3600:
            raise InvalidInput(f"CALFCARE_LOCK_TIMEOUT: expected seconds between 0 and 3600, got {raw!r}")
        return cls(database_url=url, runner=env.get("CALFCARE_RUNNER") or DEFAULT_RUNNER, lock_timeout_s=timeout)
