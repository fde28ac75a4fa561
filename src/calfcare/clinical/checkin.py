"""One daily check-in as plain values (/work/shared/spec/CHECKIN.md), validated at the edge by
:mod:`calfcare.contracts.checkin`.

``CheckInAnswers`` holds the check-in keys (``None`` = not answered) and ``screen``: the triage red-flag screen asked
again at every check-in, as a :class:`~calfcare.clinical.answers.TriageAnswers` with only the red-flag keys filled in.
:meth:`CheckInAnswers.red_flag_screen` adds what the check-in itself says (hop pain ≥ 3 → pain on hopping; today's
heel-raise counts), so red flags are re-checked at every check-in (REFERENCE rule 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Literal, get_args

from calfcare.clinical.answers import RED_FLAG_KEYS, TriageAnswers

Session = Literal["none", "as_prescribed", "less_than_prescribed", "more_than_prescribed", "different"]
SessionKind = Literal["rest", "rehab_exercises", "walk", "walk_run", "run", "cross_training"]
SESSIONS: tuple[str, ...] = get_args(Session)
SESSION_KINDS: tuple[str, ...] = get_args(SessionKind)
RUN_KINDS: frozenset[str] = frozenset({"walk_run", "run"})

#: hop pain at or above this is "pain on hopping" for the stress-fracture screen
HOP_PAIN_FLAG = 3


@dataclass(frozen=True)
class CheckInAnswers:
    morning_pain: int | None = None
    morning_stiffness: int | None = None
    pain_rest: int | None = None
    pain_walking: int | None = None
    limp: bool | None = None
    swelling_increased: bool | None = None
    single_leg_heel_raises_injured: int | None = None
    single_leg_heel_raises_other: int | None = None
    hop_pain: int | None = None
    session: Session | None = None
    session_kind: SessionKind | None = None
    session_minutes: float | None = None
    session_distance_km: float | None = None
    session_rpe: float | None = None
    pain_during_session: int | None = None
    pain_after_session: int | None = None
    cleared_by_clinician: bool | None = None  # added key: a clinician has seen the runner and cleared them to resume
    felt_snap_or_pop: bool | None = None  # since the last check-in (CHECKIN.md Additions): re-tear or Achilles rupture
    screen: TriageAnswers = field(default_factory=TriageAnswers)

    def __post_init__(self) -> None:
        extra = sorted(self.screen.given() - set(RED_FLAG_KEYS))
        if extra:
            raise ValueError(f"the check-in screen holds only red-flag keys, not {extra}")

    @property
    def did_session(self) -> bool:
        """Something was done today (not a rest day, not nothing)."""
        return self.session not in (None, "none") and self.session_kind not in (None, "rest")

    @property
    def ran(self) -> bool:
        return self.did_session and self.session_kind in RUN_KINDS

    @property
    def screen_complete(self) -> bool:
        """Every key of the red-flag screen was answered today (silence is never read as "no red flags")."""
        given = self.screen.given() | ({"pain_on_hopping"} if self.hop_pain is not None else set())
        return all(k in given for k in RED_FLAG_KEYS)

    def red_flag_screen(self) -> TriageAnswers:
        """The red-flag screen plus what today's answers add to it."""
        hop = None if self.hop_pain is None else self.hop_pain >= HOP_PAIN_FLAG
        said = self.screen.pain_on_hopping
        pain_on_hopping = True if True in (hop, said) else (False if False in (hop, said) else None)
        return replace(
            self.screen,
            pain_on_hopping=pain_on_hopping,
            single_leg_heel_raises_injured=self.single_leg_heel_raises_injured,
            single_leg_heel_raises_other=self.single_leg_heel_raises_other,
        )

    def to_dict(self) -> dict[str, object]:
        """The answered keys, flat, as in the contract (red-flag keys beside the check-in keys)."""
        out: dict[str, object] = {}
        for f in fields(self):
            if f.name == "screen":
                continue
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        out.update(self.screen.to_dict())
        return out


CHECKIN_KEYS: tuple[str, ...] = tuple(f.name for f in fields(CheckInAnswers) if f.name != "screen")


def checkin_from_values(values: dict[str, object]) -> CheckInAnswers:
    """Build from already-validated flat values (the edge validates types and ranges)."""
    screen = {k: v for k, v in values.items() if k in RED_FLAG_KEYS}
    if isinstance(screen.get("clot_risk_factors"), list):
        screen["clot_risk_factors"] = tuple(screen["clot_risk_factors"])  # type: ignore[arg-type]
    own = {k: v for k, v in values.items() if k in CHECKIN_KEYS}
    unknown = sorted(set(values) - set(screen) - set(own))
    if unknown:
        raise ValueError(f"unknown check-in keys {unknown}")
    return CheckInAnswers(**own, screen=TriageAnswers(**screen))  # type: ignore[arg-type]
