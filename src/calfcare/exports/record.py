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


#: a short name for every red-flag code a stored result may carry (triage and check-in: redflags.ALL_CODES)
FLAG_LABELS = {
    "pulmonary_embolism": "possible pulmonary embolism",
    "acute_compartment_syndrome": "possible acute compartment syndrome",
    "arterial_compromise": "possible arterial compromise (cold, pale or blue foot)",
    "cauda_equina": "possible cauda equina syndrome",
    "dvt": "possible blood clot (DVT)",
    "achilles_rupture": "possible Achilles rupture",
    "infection": "possible infection",
    "bakers_cyst": "possible ruptured Baker's cyst",
    "nerve_weakness": "nerve signs (weak or dropping foot)",
    "severe_muscle_tear": "possible large muscle tear",
    "stress_fracture": "possible stress fracture",
    "radicular_pain": "possible nerve root pain from the lower back",
    "exertional_leg_pain": "exertional leg pain (chronic compartment syndrome or artery entrapment)",
    "rhabdomyolysis": "possible rhabdomyolysis",
    "medicine_related": "a medicine that changes what the symptoms mean",
    "not_healing": "not healing as expected (over six weeks)",
    "child_or_adolescent": "under 16: adult plans do not fit",
    "suspected_retear_or_rupture": "possible re-tear or Achilles rupture (snap, pop or loss of strength)",
}


def raised_red_flags(assessments: Sequence[Mapping[str, Any]], checkins: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Every red flag raised at an assessment or a check-in, oldest first: ``day``, ``by`` (``assessment`` /
    ``check-in``), ``row_id``, ``code``, ``label``, ``urgency``, and the first later check-in at which the runner
    reported a clinician had cleared them (``cleared_on``, ``cleared_by``; None when not cleared). A check-in
    answer ``cleared_by_<something>`` that holds a name names the clinician."""
    raised: list[dict[str, Any]] = []
    for by, rows in (("assessment", assessments), ("check-in", checkins)):
        for row in rows:
            for f in (row.get("result") or {}).get("red_flags") or []:
                if isinstance(f, Mapping):
                    code = str(f.get("code"))
                    raised.append({"day": row["day"], "by": by, "row_id": row.get("id"), "code": code,
                                   "label": FLAG_LABELS.get(code, code.replace("_", " ")),
                                   "urgency": str(f.get("urgency") or f.get("level") or "–")})  # fmt: skip
    clearances = []
    for c in checkins:
        answers = c.get("answers") or {}
        if answers.get("cleared_by_clinician") is True:
            who = next((str(v) for k, v in answers.items() if k.startswith("cleared_by_") and isinstance(v, str)), "")
            clearances.append((c["day"], f"by {who}" if who else "a clinician (reported by the runner)"))
    for f in raised:
        after = [(day, by) for day, by in clearances if day >= f["day"]]
        f["cleared_on"], f["cleared_by"] = after[0] if after else (None, None)
    return raised


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
