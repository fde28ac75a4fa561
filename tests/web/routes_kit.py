"""The app's own route table, flattened: every (method, path) it answers, mounted sub-apps (the JSON API) and included
routers included, so that tests over "every route" follow the app as routes are added."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from starlette.routing import Mount


def routes_of(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(METHOD, path template)`` of every route under ``routes`` (HEAD, implied by GET, is left out)."""
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:  # FastAPI ≥ 0.16x wraps included routers
            context = getattr(route, "include_context", None)
            yield from routes_of(original.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif isinstance(route, Mount):
            sub = getattr(route.app, "routes", None)
            if sub is None:  # static files: one GET under the mount
                yield "GET", prefix + route.path + "/{path}"
            else:
                yield from routes_of(sub, prefix + route.path)
        else:
            path = getattr(route, "path", None)
            for method in sorted(getattr(route, "methods", None) or ()):
                if path is not None and method != "HEAD":
                    yield method, prefix + path
