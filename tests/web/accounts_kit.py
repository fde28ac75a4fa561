"""Helpers of the multi-user web tests: an app with accounts on a temporary SQLite database, clients that are
*not* on this computer's loopback shortcut, and sign-in through the real pages (CSRF token included)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.testclient import TestClient
from webkit import Clock

from calfcare.services import accounts
from calfcare.store import Database
from calfcare.web import create_app
from calfcare.web.config import WebSettings

SECRET = "mU8q3Zr1Vx6Kp0Lw4Nc9Ty2Hb7Gd5Fs_Ae"
PASSWORD = "correct horse battery"
BASE = "http://127.0.0.1:8000"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def multi_settings(db: Database) -> WebSettings:
    return WebSettings(database_url=db.url, runner="me", multi_user=True, secret_key=SECRET)


def csrf_of(client: TestClient, path: str = "/signin") -> str:
    r = client.get(path)
    found = _CSRF.search(r.text)
    assert found, f"no CSRF field on {path} ({r.status_code})"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    r = client.post(
        "/signin",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@contextmanager
def browser_client(db: Database, clock: Clock, address: str = "10.1.2.3") -> Iterator[TestClient]:
    app = create_app(multi_settings(db), db=db, clock=clock)
    with TestClient(app, base_url=BASE, client=(address, 40000)) as c:
        yield c


def add(db: Database, username: str, role: str = "runner") -> dict[str, object]:
    return accounts.add_user(db=db, username=username, password=PASSWORD, role=role)
