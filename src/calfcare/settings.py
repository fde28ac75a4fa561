"""Settings, declared once. Zero-config locally: a SQLite file in the user's data directory.

- ``CALFCARE_DATABASE_URL``: a SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``);
  default: a SQLite file in the user's data directory.
- ``CALFCARE_RUNNER``: the local runner the CLI acts for; default ``me``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_RUNNER = "me"


def default_database_url() -> str:
    data_dir = Path(user_data_dir("calfcare", appauthor=False))
    return f"sqlite:///{data_dir / 'calfcare.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    runner: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        url = env.get("CALFCARE_DATABASE_URL") or default_database_url()
        if url.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return cls(database_url=url, runner=env.get("CALFCARE_RUNNER") or DEFAULT_RUNNER)
