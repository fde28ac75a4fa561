"""Bounds on the dates and durations a runner can give: nothing in the future, an onset within the last
:data:`MAX_YEARS_BACK` years (calfcare plans for a recent strain, not one from 1990), an assessment not before the
onset of the episode it is about. Each refusal is an :class:`~calfcare.errors.InvalidInput` naming the field."""

from __future__ import annotations

import math
from datetime import date, timedelta

from calfcare.errors import FieldProblem, InvalidAnswers, InvalidInput

#: how far back an onset (and so an assessment or a check-in) may be
MAX_YEARS_BACK = 5


def earliest_day(today: date) -> date:
    """``today`` :data:`MAX_YEARS_BACK` years back (28 February for 29 February)."""
    try:
        return today.replace(year=today.year - MAX_YEARS_BACK)
    except ValueError:
        return today.replace(year=today.year - MAX_YEARS_BACK, day=28)


def check_day(day: date, *, today: date, field: str, recent: bool = False) -> date:
    """``day`` itself, if it is not after ``today`` (and with ``recent``, not more than 5 years before it)."""
    if day > today:
        raise InvalidInput(f"{field}: {day.isoformat()} is in the future (today is {today.isoformat()})")
    earliest = earliest_day(today)
    if recent and day < earliest:
        raise InvalidInput(
            f"{field}: {day.isoformat()} is more than {MAX_YEARS_BACK} years ago (the earliest is "
            f"{earliest.isoformat()}); calfcare plans for a recent calf strain"
        )
    return day


def onset_from(day: date, days_since_onset: float | None, *, today: date | None = None) -> date:
    """The onset ``days_since_onset`` days before ``day`` (the day itself when not given); an onset more than
    5 years before ``today`` (or any number too large for a date) is refused naming ``days_since_onset``."""
    if days_since_onset is None:
        return day
    earliest = earliest_day(today or date.today())
    limit = (day - earliest).days
    if not math.isfinite(days_since_onset) or days_since_onset > limit:
        problem = FieldProblem(
            "days_since_onset",
            f"expected at most {max(limit, 0)} days (an onset within the last {MAX_YEARS_BACK} years, not before "
            f"{earliest.isoformat()}), got {days_since_onset:g}",
        )
        raise InvalidAnswers("the assessment answers break the contract", [problem])
    return day - timedelta(days=math.floor(days_since_onset))


def check_not_before_onset(day: date, onset: date, *, field: str = "date") -> None:
    """An assessment or a check-in is about an episode that had started: not dated before its onset."""
    if day < onset:
        raise InvalidInput(
            f"{field}: {day.isoformat()} is before the onset of your open episode ({onset.isoformat()}); an "
            "assessment must be on or after that day. Nothing was stored."
        )
