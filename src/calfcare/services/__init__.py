"""Use cases: what the CLI, the web app and the API call. Each takes the store explicitly, keyword-only,
validates at the edge (contracts), runs the pure domain (clinical) and writes in one transaction.

The names below come from :mod:`calfcare.services.episodes` on first use (PEP 562), so importing a light service
module (:mod:`calfcare.services.today_plan`) does not load SQLAlchemy through this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calfcare.services.episodes import (
        AssessOutcome,
        CheckinOutcome,
        assess,
        assess_again,
        delete_checkin,
        episode_status,
        history,
        record_checkin,
        today,
    )

__all__ = [
    "AssessOutcome",
    "CheckinOutcome",
    "assess",
    "assess_again",
    "delete_checkin",
    "episode_status",
    "history",
    "record_checkin",
    "today",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from calfcare.services import episodes

        return getattr(episodes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
