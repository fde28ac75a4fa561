"""The shapes the exports share, built from plain values: an episode's phase timeline and readable labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

PHASES = ("protect", "mobility", "strength", "return_to_run", "full_training")
PAIN_KEYS = {
    "morning_pain": "Pain on getting up (0–10)",
    "pain_rest": "Pain at rest (0–10)",
    "pain_walking": "Pain walking (0–10)",
    "pain_during_session": "Pain during the session (0–10)",
    "pain_after_session": "Pain after the session (0–10)",
}
HEEL_RAISE_KEYS = {
    "single_leg_heel_raises_injured": "Single-leg heel raises, injured leg (count)",
    "single_leg_heel_raises_other": "Single-leg heel raises, other leg (count)",
}


def phase_label(phase: object) -> str:
    return str(phase or "–").replace("_", " ")


def phase_timeline(
    start_phase: str | None, first_day: date, checkins: Sequence[tuple[date, str | None]], last_day: date
) -> list[dict[str, Any]]:
    """The phases an episode went through, each with the day it began and the day it ended (``to`` is the day
    before the next began, or ``last_day``): from the starting phase, then each check-in's resulting phase."""
    spans: list[dict[str, Any]] = []
    current, since = start_phase or "protect", first_day
    for day, phase in sorted(checkins, key=lambda c: c[0]):
        if phase and phase != current:
            spans.append({"phase": current, "from": since, "to": max(since, day)})
            current, since = phase, day
    spans.append({"phase": current, "from": since, "to": max(since, last_day)})
    return spans


def likely_structure(result: Mapping[str, Any]) -> tuple[str | None, float | None]:
    """The likely muscle of an assessment result and its likelihood (0–1)."""
    structure = result.get("structure") or {}
    likely = structure.get("likely") if isinstance(structure, Mapping) else None
    chances = structure.get("likelihoods") if isinstance(structure, Mapping) else None
    chance = chances.get(likely) if isinstance(chances, Mapping) and likely else None
    return (str(likely) if likely else None), (float(chance) if isinstance(chance, int | float) else None)


def number(value: object) -> float | None:
    """A numeric answer (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
