"""Triage: answers in, one :class:`Assessment` out — red flags first, then which muscle, how bad, where to start.

``triage(answers, evidence=...)`` is pure. ``Assessment.to_contract()`` gives exactly the result keys of
/work/shared/spec/ASSESSMENT.md plus a few extra keys (``rules``, ``advice``, ``where_to_go``, ``reassess_on_day``,
``opens_episode``, ``estimate_label``, ``disclaimer``). With any emergency or urgent flag there is no plan: the
result says where to go first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from calfcare.clinical.answers import TriageAnswers
from calfcare.clinical.context import TrainingEvidence
from calfcare.clinical.redflags import SCREEN_REQUIRED, Disposition, RedFlag, disposition, red_flags, screen_missing
from calfcare.clinical.rules import Fired, rule
from calfcare.clinical.severity import LABEL, SeverityEstimate, estimate_severity
from calfcare.clinical.sources import labels
from calfcare.clinical.structure import StructureLikelihood, structure_likelihood

StartPhase = Literal["protect", "mobility", "strength", "return_to_run", "full_training"]

DISCLAIMER = (
    "calfcare gives general information drawn from published studies; it is not a diagnosis and does not replace "
    "a clinician. Which muscle is hurt and how long it takes are likelihoods and typical ranges, not certainties."
)

R_NO_PLAN = rule(
    "triage.no_plan_with_red_flag",
    "With an emergency or urgent red flag there is no rehab plan: the runner is told where to go first.",
    ("nice_ng158", "maffulli1998", "statpearls_acs"),
    "guideline",
)
R_NOT_STRAIN_NO_PLAN = rule(
    "triage.no_strain_plan_when_not_a_strain",
    "When the story points away from a calf strain (a blow, nerve, bone or vessel problem) the strain plan is not "
    "started.",
    ("fpnotebook_cecs", "joy2015", "statpearls_stress", "msd_radicular"),
    "expert_consensus",
)
R_START = rule(
    "triage.start_phase",
    "Start in the protect phase (days 0–3); start at mobility after day 3 when walking normally, and at strength from "
    "day 7 when walking is pain-free and at least five single-leg heel raises are possible.",
    ("dubois2020", "jarvinen2007", "green2022"),
    "expert_consensus",
    "The day limits are a working definition from PEACE & LOVE and expert practice, not trial results.",
)
R_ACUTE = rule(
    "triage.acute_care",
    "Acute care follows PEACE & LOVE: short protection, elevation, compression, no routine anti-inflammatories, ice "
    "only for pain relief, then early pain-free loading and cardio.",
    ("dubois2020", "bleakley2004", "kwak2006", "jones2020_cochrane", "green2022"),
    "weak",
    "Ice and compression rest on small, low-quality trials; the anti-inflammatory concern is mostly from laboratory "
    "studies.",
)
R_WATCH = rule(
    "triage.keep_screening",
    "The red-flag screen is asked again at every check-in: clots and compartment syndrome can develop later.",
    ("nice_ng158", "statpearls_acs"),
    "expert_consensus",
)

R_SCREEN = rule(
    "triage.screen_incomplete",
    "When the red-flag screen was not answered (or only in part), the result says so first and asks for it: silence "
    "is never read as 'no red flags'.",
    ("zaleski2017", "nice_ng158", "statpearls_acs"),
    "expert_consensus",
)
R_NOT_ACUTE = rule(
    "triage.not_acute",
    "First-days advice (protect for 1–3 days) is given only while the injury is acute (the first week); later the "
    "advice is to keep loading within comfort.",
    ("dubois2020", "jarvinen2007", "green2022"),
    "expert_consensus",
)
#: up to this many days after onset the injury counts as acute (first-days advice); unknown counts as acute
ACUTE_UNTIL_DAY = 7

ACUTE_ADVICE: tuple[str, ...] = (
    "Protect: for the first 1–3 days, ease off — no running; walk short distances only as far as it is comfortable "
    "(crutches only if you cannot walk).",
    "Elevate the leg above the heart when resting, and use a compression sleeve or bandage to limit swelling "
    "(it should never feel tight, tingle or go numb).",
    "Avoid routine anti-inflammatory tablets or gels for now — they may slow muscle healing; ask a pharmacist or "
    "doctor about pain relief.",
    "Ice is optional and only for pain relief (the evidence is weak); do not massage hard or stretch hard in the "
    "first days.",
    "Load early: gentle pain-free movement and calf exercises from about day 2–3, as far as pain allows; keep fit "
    "with pain-free cycling or swimming.",
    "Most calf strains heal well; staying active within comfort helps.",
)
LATER_ADVICE: tuple[str, ...] = (
    "This is no longer a fresh injury, so the first-days advice (rest, elevate, compress) no longer applies: keep "
    "moving and loading the calf within comfort, as the plan sets out.",
    "Avoid routine anti-inflammatory tablets or gels; ask a pharmacist or doctor about pain relief.",
    "Keep fit with pain-free cycling or swimming until running is cleared by the plan.",
    "Most calf strains heal well; staying active within comfort helps.",
)
CONTUSION_ADVICE: tuple[str, ...] = (
    "A knock to the calf is a bruise of the muscle, not a strain: protect it for 1–3 days, elevate, and move it "
    "gently as pain allows.",
    "If the calf becomes rock-hard, the pain keeps getting worse or the foot goes numb, call an ambulance "
    "(999/112/911): bleeding after a blow can cause compartment syndrome.",
    "See a clinician if it is not clearly better within two weeks.",
)


@dataclass(frozen=True)
class Assessment:
    disposition: Disposition
    red_flags: tuple[RedFlag, ...]
    structure: StructureLikelihood
    severity: SeverityEstimate
    start_phase: StartPhase | None
    fired: tuple[Fired, ...]  # every rule that fired, in the order it was applied
    advice: tuple[str, ...]  # what to do now, in plain words
    where_to_go: str | None  # for emergency / urgent: the first thing to do
    screen_missing: tuple[str, ...] = ()  # required red-flag screen keys left unanswered

    @property
    def screen_complete(self) -> bool:
        """Whether the red-flag screen was answered in full (ASSESSMENT.md Additions)."""
        return not self.screen_missing

    @property
    def warnings(self) -> list[str]:
        """What the runner must know before anything else: today, that the safety screen was not completed."""
        if not self.screen_missing:
            return []
        return [screen_warning(self.screen_missing)]

    @property
    def opens_episode(self) -> bool:
        """Whether this assessment starts a rehab episode (a plan). Never with an urgent or emergency flag."""
        return self.start_phase is not None

    @property
    def reasons(self) -> list[str]:
        return [f.reason for f in self.fired]

    @property
    def source_keys(self) -> list[str]:
        keys = [k for flag in self.red_flags for k in flag.sources]
        keys += [k for f in self.fired for k in f.rule.sources]
        return list(dict.fromkeys(keys))

    @property
    def sources(self) -> list[str]:
        return labels(self.source_keys)

    def to_contract(self) -> dict[str, Any]:
        """The contract result (ASSESSMENT.md) plus extra keys; JSON-ready."""
        return {
            "disposition": self.disposition,
            "screen_complete": self.screen_complete,
            "warnings": self.warnings,
            "red_flags": [f.to_dict() for f in self.red_flags],
            "structure": self.structure.to_dict(),
            "severity": self.severity.to_dict(),
            "start_phase": self.start_phase,
            "reasons": self.reasons,
            "sources": self.sources,
            "opens_episode": self.opens_episode,
            "where_to_go": self.where_to_go,
            "advice": list(self.advice),
            "screen_missing": list(self.screen_missing),
            "reassess_on_day": self.severity.reassess_on_day if self.opens_episode else None,
            "estimate_label": LABEL,
            "rules": [f.to_dict() for f in self.fired],
            "disclaimer": DISCLAIMER,
        }


def screen_warning(missing: Sequence[str]) -> str:
    """Plain words: the safety screen was not completed, so this result cannot rule out the serious causes."""
    if len(missing) == len(SCREEN_REQUIRED):
        what = "The safety questions were not answered"
    else:
        what = f"{len(missing)} of the {len(SCREEN_REQUIRED)} safety questions were not answered"
    return (
        f"{what}, so this result cannot rule out a blood clot, compartment syndrome or the other serious causes "
        "of calf pain. Answer them (run `calfcare assess` without a file, or add the keys to the answers file) — "
        "a missing answer is never read as 'no'."
    )


def start_phase(a: TriageAnswers) -> tuple[StartPhase, str]:
    """Where the plan starts (protect unless the runner is already further on), with the reason."""
    days = a.days_since_onset
    walking = a.walks_normally is True
    if (
        days is not None
        and days >= 7
        and walking
        and a.pain_walking is not None
        and a.pain_walking <= 1
        and a.pain_rest == 0
        and (a.single_leg_heel_raises_injured or 0) >= 5
    ):
        return "strength", "Day 7 or later, walking without pain and at least five heel raises: start at strength"
    if days is not None and days > 3 and walking and (a.pain_rest is None or a.pain_rest <= 3):
        return "mobility", "Past day 3 and walking normally: start at mobility"
    return "protect", "Start in the protect phase (the first days after a strain)"


def _plan(a: TriageAnswers, disp: Disposition, structure: StructureLikelihood) -> tuple[StartPhase | None, list[Fired]]:
    if disp in ("emergency", "urgent"):
        return None, [Fired(R_NO_PLAN, "An emergency or urgent red flag: no plan until a clinician has seen you")]
    if structure.likely == "not_a_calf_strain":
        return None, [
            Fired(R_NOT_STRAIN_NO_PLAN, "This does not look like a calf strain, so no strain plan is started")
        ]
    phase, why = start_phase(a)
    if is_acute(a):
        return phase, [Fired(R_START, why), Fired(R_ACUTE, "Acute care in PEACE & LOVE terms")]
    later = f"Day {a.days_since_onset:g}: past the first week, so no first-days advice"
    return phase, [Fired(R_START, why), Fired(R_NOT_ACUTE, later)]


def is_acute(a: TriageAnswers) -> bool:
    """Within the first week after onset (or the onset is not known)."""
    return a.days_since_onset is None or a.days_since_onset <= ACUTE_UNTIL_DAY


def triage(answers: TriageAnswers, *, evidence: Sequence[TrainingEvidence] = ()) -> Assessment:
    """Red flags (never outvoted), structure likelihood, severity estimate and the starting phase."""
    flags = red_flags(answers)
    disp = disposition(flags)
    structure = structure_likelihood(answers, flags, evidence)
    no_plan = disp in ("emergency", "urgent")
    severity = SeverityEstimate(None, None) if no_plan else estimate_severity(answers, likely=structure.likely)
    phase, plan_fired = _plan(answers, disp, structure)
    fired: list[Fired] = [f for flag in flags for f in flag.fired]
    fired += structure.fired
    fired += severity.fired
    fired += plan_fired
    fired.append(Fired(R_WATCH, "Answer the red-flag questions again at every check-in"))
    missing = screen_missing(answers)
    if missing:
        fired.insert(0, Fired(R_SCREEN, screen_warning(missing)))
    where = flags[0].advice if no_plan else None
    advice: tuple[str, ...]
    if where is not None:
        advice = tuple(dict.fromkeys(f.advice for f in flags))
    elif phase is not None:
        advice = tuple(f.advice for f in flags) + (ACUTE_ADVICE if is_acute(answers) else LATER_ADVICE)
    elif structure.likely == "not_a_calf_strain" and not flags:
        advice = CONTUSION_ADVICE
    else:
        advice = tuple(f.advice for f in flags)
    if missing:
        advice = (screen_warning(missing), *advice)
    return Assessment(disp, tuple(flags), structure, severity, phase, tuple(fired), advice, where, missing)
