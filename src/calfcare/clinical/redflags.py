"""Red flags: the signs that a calf problem is not (only) a strain and needs a clinician, or an ambulance.

Safety rules that hold for every function here (REFERENCE.md §3; Zaleski 2017):
* a red flag is never outvoted: no answer about a convincing strain story removes or softens a flag;
* a missing answer is "don't know", never "no", so it never counts as reassurance;
* every rule works on the red-flag screen keys alone (check-ins reuse it with nothing else filled in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from calfcare.clinical.answers import LOW_LOCATIONS, TriageAnswers, clear_running_moment, is_yes
from calfcare.clinical.redflag_advice import EMERGENCY_ADVICE as EMERGENCY_ADVICE
from calfcare.clinical.redflag_advice import SEE_CLINICIAN_ADVICE as SEE_CLINICIAN_ADVICE
from calfcare.clinical.redflag_advice import URGENT_ADVICE as URGENT_ADVICE
from calfcare.clinical.redflag_advice import advice_for as advice_for
from calfcare.clinical.rules import Fired, Rule, rule
from calfcare.clinical.sources import labels

Urgency = Literal["emergency", "urgent", "see_clinician"]
Disposition = Literal["emergency", "urgent", "see_clinician", "self_care"]
#: from least to most urgent
DISPOSITION_ORDER: tuple[Disposition, ...] = ("self_care", "see_clinician", "urgent", "emergency")

#: red-flag codes in the order of the contract table
CODES: tuple[str, ...] = (
    "pulmonary_embolism",
    "acute_compartment_syndrome",
    "arterial_compromise",
    "cauda_equina",
    "dvt",
    "achilles_rupture",
    "infection",
    "bakers_cyst",
    "nerve_weakness",
    "severe_muscle_tear",
    "stress_fracture",
    "radicular_pain",
    "exertional_leg_pain",
)
#: the contract's minimum urgency per code
MIN_URGENCY: dict[str, Urgency] = {
    "pulmonary_embolism": "emergency",
    "acute_compartment_syndrome": "emergency",
    "arterial_compromise": "emergency",
    "cauda_equina": "emergency",
    "dvt": "urgent",
    "achilles_rupture": "urgent",
    "infection": "urgent",
    "bakers_cyst": "urgent",
    "nerve_weakness": "urgent",
    "severe_muscle_tear": "see_clinician",
    "stress_fracture": "see_clinician",
    "radicular_pain": "see_clinician",
    "exertional_leg_pain": "see_clinician",
}
#: red flags that, when present, explain the calf pain better than a strain does
NOT_A_STRAIN_CODES: frozenset[str] = frozenset(set(CODES) - {"achilles_rupture", "severe_muscle_tear"})

# --- the rules (registered at import; listed in docs/clinical.md) ---
R_PE = rule(
    "redflag.pulmonary_embolism",
    "Sudden breathlessness, chest pain worse on breathing in, coughing blood, fainting or a racing heart in someone "
    "with calf symptoms means an emergency: call an ambulance now.",
    ("nice_ng158", "zaleski2017"),
    "guideline",
    "The emergency wording comes from NHS/NICE patient pages seen via secondary sources.",
)
R_ACS = rule(
    "redflag.acute_compartment_syndrome",
    "Pain escalating out of proportion, a rock-hard calf or pain on gently moving the toes is an emergency "
    "(acute compartment syndrome); each one alone is enough.",
    ("statpearls_acs",),
    "research",
    "Mainly a clinical diagnosis; the early signs are the most useful, later ones (paralysis, no pulse) come too late.",
)
R_ACS_NERVE = rule(
    "redflag.acute_compartment_syndrome.nerve_after_injury",
    "A numb, tingling or weak foot after a calf injury (or when the way it started is unknown) is treated as possible "
    "acute compartment syndrome: emergency.",
    ("statpearls_acs",),
    "research",
    "Numbness and weakness are also signs of a back problem; the app errs towards the emergency.",
)
R_ARTERIAL = rule(
    "redflag.arterial_compromise",
    "A cold, pale or blue foot is an emergency (blood supply may be blocked).",
    ("joy2015",),
    "weak",
    "Source is a review of popliteal artery entrapment; acute loss of blood supply is standard emergency teaching.",
)
R_CES = rule(
    "redflag.cauda_equina",
    "Numbness around the genitals or bottom, new bladder or bowel trouble, or sciatica in both legs is an emergency "
    "(cauda equina syndrome).",
    ("ces_cards", "msd_radicular"),
    "expert_consensus",
)
R_DVT_SIGNS = rule(
    "redflag.dvt.signs",
    "A whole leg swollen, a calf visibly bigger than the other, or warm, red, dark or shiny calf skin means a "
    "same-day check for a blood clot; each sign alone is enough and a convincing strain story never cancels it.",
    ("nice_ng158", "zaleski2017"),
    "guideline",
    "The Wells score missed every clot in published athlete cases because 'muscle strain' was counted against it; "
    "the app never subtracts for a likely strain.",
)
R_DVT_RISK = rule(
    "redflag.dvt.risk_factors",
    "Any clot risk factor (long travel, surgery, cast or boot, bed rest, hormones, cancer, a previous clot, pregnancy) "
    "with calf pain means a same-day check for a blood clot, with or without a clear running moment.",
    ("nice_ng158", "zaleski2017"),
    "guideline",
    "Stricter than the contract's minimum (which asks for calf pain without a clear running moment): clots in "
    "athletes were missed when they were put down to a strain, so a running story never cancels a risk factor.",
)
R_ACHILLES = rule(
    "redflag.achilles_rupture",
    "A snap or 'kicked' feeling low in the calf, at the Achilles or heel (or pain located there) together with no "
    "single-leg heel raise, a gap, or a calf-squeeze test where the foot does not move means a same-day clinician "
    "for a possible Achilles tendon rupture.",
    ("maffulli1998", "bjgp2015"),
    "research",
    "People with a ruptured Achilles can often still walk and point the foot; about one in five is missed at first.",
)
R_ACHILLES_SQUEEZE = rule(
    "redflag.achilles_rupture.squeeze_test",
    "A calf-squeeze test where the foot does not point is enough on its own for a same-day clinician (sensitivity "
    "0.96, specificity 0.93 for Achilles rupture).",
    ("maffulli1998",),
    "research",
    "Done by a layperson the test is less reliable than in clinic; an intact plantaris can hide a rupture.",
)
R_INFECTION = rule(
    "redflag.infection",
    "Fever or feeling unwell with spreading redness or hot red skin, spreading redness on its own, or a wound, bite "
    "or blister with hot red skin means a same-day clinician for infection; with escalating pain or fainting, "
    "an emergency.",
    ("infection_consumer",),
    "weak",
    "Only consumer and urgent-care pages were found; a guideline source is still needed.",
)
R_BAKERS = rule(
    "redflag.bakers_cyst",
    "Bruising that tracks down around the ankle, or calf swelling in someone with knee swelling, arthritis or a lump "
    "behind the knee, means a same-day clinician: a burst Baker's cyst must be told apart from a clot.",
    ("postgrad_med_j_2002", "nice_ng158"),
    "research",
    "Bruising that tracks to the ankle also follows ordinary calf tears; it is still flagged because the two cannot "
    "be told apart without a scan.",
)
R_NERVE = rule(
    "redflag.nerve_weakness",
    "A weak or dropping foot means a same-day clinician (nerve not working).",
    ("msd_radicular", "statpearls_acs"),
    "expert_consensus",
)
R_SEVERE_TEAR = rule(
    "redflag.severe_muscle_tear",
    "A gap felt in the muscle, or being unable to stand on the leg and take four steps, means a clinician in the next "
    "day or two (possible large tear).",
    ("prakash2018", "green2022", "dixon2009"),
    "expert_consensus",
)
R_STRESS = rule(
    "redflag.stress_fracture",
    "One sharply tender point on the bone, night or rest pain, or shin-bone pain with pain on hopping means stop "
    "running and see a clinician (possible stress fracture).",
    ("statpearls_stress", "visualdx_stress", "kahanov2015"),
    "research",
    "Pain on hopping alone is expected with a calf strain and is not flagged; hop pain as a screen is not validated.",
)
R_RADICULAR = rule(
    "redflag.radicular_pain",
    "Back pain or sciatica with calf pain, or a numb or tingling foot that did not start with an injury, means a "
    "clinician to check for nerve-root (spine-related) pain.",
    ("msd_radicular", "mueller_wohlfahrt2013"),
    "research",
)
R_EXERTIONAL = rule(
    "redflag.exertional_leg_pain",
    "Pain that comes on at the same point of every run and eases within minutes, or symptoms in both legs, means a "
    "clinician for exertional compartment syndrome or artery entrapment instead of the strain plan.",
    ("fpnotebook_cecs", "joy2015"),
    "weak",
    "The pressure criteria used to confirm exertional compartment syndrome are debated.",
)


@dataclass(frozen=True)
class RedFlag:
    code: str
    urgency: Urgency
    because: tuple[str, ...]  # answer keys that raised it, in contract order
    advice: str  # plain words: what it may be, where to go and how soon
    sources: tuple[str, ...]  # source keys (see calfcare.clinical.sources); labels via source_labels
    fired: tuple[Fired, ...] = ()  # the rules behind it, for reasons

    @property
    def source_labels(self) -> list[str]:
        return labels(self.sources)

    def to_dict(self) -> dict[str, object]:
        """The contract shape: code, urgency, because, advice, sources (labels)."""
        return {
            "code": self.code,
            "urgency": self.urgency,
            "because": list(self.because),
            "advice": self.advice,
            "sources": self.source_labels,
        }


def more_urgent(a: Disposition, b: Disposition) -> Disposition:
    return a if DISPOSITION_ORDER.index(a) >= DISPOSITION_ORDER.index(b) else b


def disposition(flags: Iterable[RedFlag]) -> Disposition:
    """The most urgent urgency among the flags, or ``self_care`` when there are none."""
    result: Disposition = "self_care"
    for flag in flags:
        result = more_urgent(result, flag.urgency)
    return result


class _Collector:
    """Gathers the keys and rules behind each code, then builds one RedFlag per code."""

    def __init__(self, a: TriageAnswers) -> None:
        self.a = a
        self.hits: dict[str, tuple[list[str], list[Fired], list[Urgency]]] = {}

    def yes(self, *keys: str) -> list[str]:
        return [k for k in keys if getattr(self.a, k) is True]

    def add(self, code: str, r: Rule, because: Iterable[str], text: str, urgency: Urgency | None = None) -> None:
        keys, fired, urgencies = self.hits.setdefault(code, ([], [], []))
        keys.extend(k for k in because if k not in keys)
        fired.append(Fired(r, text))
        urgencies.append(urgency or MIN_URGENCY[code])

    def flags(self) -> list[RedFlag]:
        order = {key: i for i, key in enumerate(TriageAnswers.__dataclass_fields__)}
        out: list[RedFlag] = []
        for code in CODES:
            if code not in self.hits:
                continue
            keys, fired, urgencies = self.hits[code]
            urgency: Urgency = MIN_URGENCY[code]
            for u in urgencies:
                urgency = more_urgent(urgency, u)  # type: ignore[assignment]
            sources = tuple(dict.fromkeys(k for f in fired for k in f.rule.sources))
            because = tuple(sorted(keys, key=lambda k: order[k]))
            out.append(RedFlag(code, urgency, because, advice_for(code, urgency), sources, tuple(fired)))
        out.sort(key=lambda f: -DISPOSITION_ORDER.index(f.urgency))  # stable: contract order within one urgency
        return out


_PHRASES: dict[str, str] = {
    "single_leg_heel_raises_injured": "no single-leg heel raise",
    "gap_felt": "a gap felt",
    "squeeze_test_no_movement": "a squeeze test where the foot did not move",
    "calf_bigger_than_other": "calf bigger than the other",
    "skin_warm_red_or_dark": "warm, red or dark skin",
    "can_bear_weight": "cannot bear weight",
    "pain_location": "pain on the shin bone",
    "side": "both sides",
}


def _words(keys: list[str]) -> str:
    return ", ".join(_PHRASES.get(k, k.replace("_", " ")) for k in keys)


def _pulmonary_embolism(c: _Collector) -> None:
    if keys := c.yes("breathless_or_chest_pain", "coughing_blood", "fainting_or_racing_heart"):
        c.add("pulmonary_embolism", R_PE, keys, f"Calf symptoms with {_words(keys)}: possible clot in the lungs")


def _compartment(c: _Collector) -> None:
    a = c.a
    if keys := c.yes("pain_escalating_out_of_proportion", "calf_rock_hard", "pain_moving_toes_passively"):
        c.add("acute_compartment_syndrome", R_ACS, keys, f"{_words(keys).capitalize()}: possible compartment syndrome")
    nerve = c.yes("foot_numb_or_tingling", "foot_weak_or_dropping")
    injury = c.yes("direct_blow", "felt_snap", "felt_kicked")
    if nerve and (a.onset != "gradual" or injury):
        because = nerve + injury + (["onset"] if a.onset == "sudden" else [])
        c.add(
            "acute_compartment_syndrome",
            R_ACS_NERVE,
            because,
            f"{_words(nerve).capitalize()} after a calf injury (or an unknown start): possible compartment syndrome",
        )


def _arterial(c: _Collector) -> None:
    if keys := c.yes("foot_cold_pale_or_blue"):
        c.add("arterial_compromise", R_ARTERIAL, keys, "A cold, pale or blue foot: blood supply may be blocked")


def _cauda_equina(c: _Collector) -> None:
    if keys := c.yes("saddle_numbness_or_bladder_bowel_change", "sciatica_both_legs"):
        c.add("cauda_equina", R_CES, keys, f"{_words(keys).capitalize()}: possible cauda equina syndrome")


def _dvt(c: _Collector) -> None:
    a = c.a
    if keys := c.yes("whole_leg_swollen", "calf_bigger_than_other", "skin_warm_red_or_dark"):
        c.add("dvt", R_DVT_SIGNS, keys, f"{_words(keys).capitalize()}: a blood clot must be ruled out today")
    risks = a.clot_risk_factors or ()
    if risks:
        risk_words = ", ".join(r.replace("_", " ") for r in risks)
        moment = (
            "even though it started at a clear running moment"
            if clear_running_moment(a)
            else ("and no clear running moment")
        )
        story = [k for k in ("onset", "activity_at_onset") if getattr(a, k) is not None]
        c.add(
            "dvt",
            R_DVT_RISK,
            ["clot_risk_factors", *story],
            f"Clot risk factors ({risk_words}) with calf pain, {moment}",
        )


def _achilles(c: _Collector) -> None:
    a = c.a
    story = c.yes("felt_snap", "felt_kicked")
    low = a.pain_location in LOW_LOCATIONS
    upper = a.pain_location in ("upper_inner_calf", "upper_outer_calf", "behind_knee")
    no_raise = ["single_leg_heel_raises_injured"] if a.single_leg_heel_raises_injured == 0 else []
    gap = c.yes("gap_felt")
    squeeze = c.yes("squeeze_test_no_movement")
    location = ["pain_location"] if a.pain_location is not None else []
    if squeeze:
        c.add(
            "achilles_rupture",
            R_ACHILLES_SQUEEZE,
            squeeze + story + location,
            "The foot did not point when the calf was squeezed: possible Achilles tendon rupture",
        )
    signs = no_raise + ([] if upper else gap)
    if signs and (low or (story and not upper)):
        c.add(
            "achilles_rupture",
            R_ACHILLES,
            story + location + signs,
            f"{'A snap or kicked feeling' if story else 'Pain low in the calf or at the Achilles'} with "
            f"{_words(signs)}: possible Achilles tendon rupture",
        )


def _infection(c: _Collector) -> None:
    a = c.a
    fever = c.yes("fever_or_unwell")
    local = c.yes("redness_spreading", "skin_warm_red_or_dark")
    wound = c.yes("wound_bite_or_blister")
    because: list[str] = []
    if fever and local:
        because = fever + local + wound
    elif is_yes(a.redness_spreading):
        because = local + wound
    elif wound and is_yes(a.skin_warm_red_or_dark):
        because = wound + local
    if not because:
        return
    severe = fever and local and c.yes("pain_escalating_out_of_proportion", "fainting_or_racing_heart")
    c.add(
        "infection",
        R_INFECTION,
        because,
        f"{_words(because).capitalize()}: possible infection" + (" with signs of spreading illness" if severe else ""),
        "emergency" if severe else None,
    )


def _bakers(c: _Collector) -> None:
    knee = c.yes("knee_swelling_or_arthritis", "lump_behind_knee")
    swollen = c.yes("swelling", "calf_bigger_than_other", "whole_leg_swollen")
    ankle = c.yes("bruising_around_ankle")
    because = ankle + knee + swollen if ankle else knee + swollen if knee and swollen else []
    if because:
        c.add("bakers_cyst", R_BAKERS, because, f"{_words(because).capitalize()}: possible burst Baker's cyst")


def _nerve(c: _Collector) -> None:
    if keys := c.yes("foot_weak_or_dropping"):
        c.add("nerve_weakness", R_NERVE, keys, "A weak or dropping foot: a nerve is not working properly")


def _severe_tear(c: _Collector) -> None:
    a = c.a
    keys: list[str] = []
    if a.can_bear_weight is False:
        keys.append("can_bear_weight")
    if is_yes(a.gap_felt) and a.pain_location not in LOW_LOCATIONS:
        keys.append("gap_felt")
    if keys:
        c.add("severe_muscle_tear", R_SEVERE_TEAR, keys, f"{_words(keys).capitalize()}: possible large muscle tear")


def _stress_fracture(c: _Collector) -> None:
    a = c.a
    keys = c.yes("bone_point_tender", "night_or_rest_pain")
    if a.pain_location == "shin_bone" and is_yes(a.pain_on_hopping):
        keys += ["pain_location", "pain_on_hopping"]
    elif keys and is_yes(a.pain_on_hopping):
        keys.append("pain_on_hopping")
    if keys:
        c.add("stress_fracture", R_STRESS, keys, f"{_words(keys).capitalize()}: possible stress fracture")


def _radicular(c: _Collector) -> None:
    a = c.a
    back = c.yes("back_pain_or_sciatica")
    numb = c.yes("foot_numb_or_tingling")
    if back:
        c.add(
            "radicular_pain", R_RADICULAR, back + numb, "Back pain or sciatica with calf pain: possible nerve-root pain"
        )
    elif numb and a.onset == "gradual" and not c.yes("direct_blow", "felt_snap", "felt_kicked"):
        c.add("radicular_pain", R_RADICULAR, [*numb, "onset"], "A numb or tingling foot without an injury")


def _exertional(c: _Collector) -> None:
    a = c.a
    keys = c.yes("pain_at_fixed_point_of_run_eases_quickly", "both_legs_affected")
    if a.side == "both":
        keys.append("side")
    if keys and is_yes(a.foot_numb_or_tingling):
        keys.append("foot_numb_or_tingling")
    if keys:
        c.add("exertional_leg_pain", R_EXERTIONAL, keys, f"{_words(keys).capitalize()}: exercise-related leg pain")


_CHECKS: tuple[Callable[[_Collector], None], ...] = (
    _pulmonary_embolism,
    _compartment,
    _arterial,
    _cauda_equina,
    _dvt,
    _achilles,
    _infection,
    _bakers,
    _nerve,
    _severe_tear,
    _stress_fracture,
    _radicular,
    _exertional,
)


def red_flags(a: TriageAnswers) -> list[RedFlag]:
    """Every red flag the answers raise, most urgent first. Nothing in the answers can remove a flag."""
    c = _Collector(a)
    for check in _CHECKS:
        check(c)
    return c.flags()
