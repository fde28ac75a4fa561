"""Every spooled upload file is closed when its request ends, whether the request was served or refused before the
route ran (a multipart post without its CSRF token parses the form to look for the token, then is refused): an
unclosed ``SpooledTemporaryFile`` leaks a file descriptor per request on a long-running server."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable

import pytest
from accounts_kit import add, browser_client, sign_in
from starlette.testclient import TestClient
from webkit import Clock

from calfcare.store import Database

FILES = [("files", ("run.gpx", b"<gpx></gpx>" * 20, "application/gpx+xml"))]


def _leaks(request: Callable[[], object]) -> list[str]:
    """The ResourceWarnings about unclosed files raised while ``request`` runs and its garbage is collected."""
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        request()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize(
    "path", ["/training/upload", "/checkin", "/recovery/2026-03-02/edit", "/triage/1", "/records/delete", "/settings"]
)
def test_a_multipart_post_refused_for_its_missing_csrf_token_closes_its_files(
    web_db: Database, clock: Clock, path: str
) -> None:
    add(web_db, "ann")
    with browser_client(web_db, clock) as c:
        sign_in(c, "ann")

        def post() -> None:
            r = c.post(path, files=FILES, data={"note": "x"})
            assert r.status_code == 403, (path, r.status_code, r.text[:200])

        assert _leaks(post) == []


def test_a_form_read_by_a_route_closes_its_files(client: TestClient) -> None:
    def post() -> None:
        r = client.post("/checkin", files=FILES, data={"rest_pain": "2"}, follow_redirects=False)
        assert r.status_code < 500, r.text[:200]

    assert _leaks(post) == []
