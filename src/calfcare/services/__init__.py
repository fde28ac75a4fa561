"""Use cases: what the CLI, the web app and the API call. Each takes the store explicitly, keyword-only,
validates at the edge (contracts), runs the pure domain (clinical) and writes in one transaction."""

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
