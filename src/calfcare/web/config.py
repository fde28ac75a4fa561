"""The web app's settings, declared once (``calfcare serve`` and the tests build them).

- ``CALFCARE_SECRET_KEY``: signs the session cookie of ``serve --lan``. Required for ``--lan`` (at least 32
  characters, not a placeholder); without ``--lan`` nothing is signed and no sign-in is needed, because the app only
  answers requests from this computer.
- ``CALFCARE_DATABASE_URL``, ``CALFCARE_RUNNER``: as for the CLI (:mod:`calfcare.settings`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from calfcare.errors import InvalidInput
from calfcare.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_PLACEHOLDERS = ("changeme", "change-me", "secret", "calfcare", "password", "xxxxxxxx")
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class WebSettings:
    database_url: str
    runner: str
    lan: bool = False
    secret_key: str | None = None
    #: Host headers answered besides the loopback names (the LAN address of this machine with ``--lan``)
    extra_hosts: tuple[str, ...] = ()
    #: upload caps: bytes per request and files per request
    max_upload_bytes: int = 200 * 1024 * 1024
    max_upload_files: int = 500
    #: ``serve --multi-user``: accounts, sign-in, sharing with clinicians (needs a secret)
    multi_user: bool = False
    #: with ``--host`` other than loopback: answer any Host header (behind a proxy that sets it)
    any_host: bool = False
    allowed_hosts: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_hosts", (*LOOPBACK_HOSTS, *self.extra_hosts))
        if self.lan and self.multi_user:
            raise InvalidInput("--lan and --multi-user: choose one (--multi-user --host 0.0.0.0 serves the network)")
        if self.lan or self.multi_user:
            check_secret(self.secret_key, "--multi-user" if self.multi_user else "--lan")

    @classmethod
    def from_env(
        cls,
        *,
        lan: bool = False,
        extra_hosts: tuple[str, ...] = (),
        environ: dict[str, str] | None = None,
        runner: str | None = None,
        multi_user: bool = False,
        any_host: bool = False,
    ) -> WebSettings:
        env = dict(os.environ if environ is None else environ)
        if multi_user and not env.get("CALFCARE_DATABASE_URL"):
            raise InvalidInput(
                "CALFCARE_DATABASE_URL is not set: `calfcare serve --multi-user` needs the shared database "
                "(PostgreSQL recommended, e.g. postgresql+psycopg://calfcare@db/calfcare)"
            )
        base = Settings.from_env(env)
        return cls(
            database_url=base.database_url,
            runner=runner or base.runner,
            lan=lan,
            secret_key=env.get("CALFCARE_SECRET_KEY") or None,
            extra_hosts=extra_hosts,
            multi_user=multi_user,
            any_host=any_host,
        )


def check_secret(secret: str | None, mode: str = "--lan") -> None:
    """Refuse to serve the network (or accounts) without a real secret."""
    if not secret:
        raise InvalidInput(
            f"CALFCARE_SECRET_KEY is not set: `calfcare serve {mode}` refuses to start without a secret, so nothing is "
            "served to the network unsigned. Set one, e.g. export CALFCARE_SECRET_KEY=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if len(secret) < MIN_SECRET_LENGTH or secret.lower().strip() in _PLACEHOLDERS:
        raise InvalidInput(
            f"CALFCARE_SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
