"""Red flags: the signs that a calf problem is not (only) a strain and needs a clinician, or an ambulance.

Safety rules that hold for every function here (REFERENCE.md §3; Zaleski 2017):
* a red flag is never outvoted: no answer about a convincing strain story removes or softens a flag;
* a missing answer is "don't know", never "no", so it never counts as reassurance;
* every rule works on the red-flag screen keys alone (check-ins reuse it with nothing else filled in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from calfcare.clinical.answers import (
    CHILD_UNDER_AGE,
    CLOT_RISK_AGE,
    LOW_LOCATIONS,
    NOT_HEALING_AFTER_DAYS,
    RUNNING_ACTIVITIES,
    TriageAnswers,
    clear_running_moment,
    is_yes,
    known_sport_moment,
    takes,
    urine_matters,
)
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
    # second round (ASSESSMENT.md Additions)
    "rhabdomyolysis",
    "medicine_related",
    "not_healing",
    "child_or_adolescent",
)
#: red-flag codes the plan raises at a check-in (CHECKIN.md Additions), never by the triage screen: a new snap or pop,
#: or single-leg heel raises falling to a third of the last count or less (:mod:`calfcare.clinical.progression`)
RETEAR_CODE = "suspected_retear_or_rupture"
PLAN_CODES: tuple[str, ...] = (RETEAR_CODE,)
#: every code a stored result may carry (triage and check-in), for advice and where to go
ALL_CODES: tuple[str, ...] = (*CODES, *PLAN_CODES)
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
    "rhabdomyolysis": "urgent",
    "medicine_related": "see_clinician",
    "not_healing": "see_clinician",
    "child_or_adolescent": "see_clinician",
    RETEAR_CODE: "urgent",
}
#: red flags that, when present, explain the calf pain better than a strain does (a child's heel pain is handled in
#: :mod:`calfcare.clinical.structure`: a child with a clear calf strain keeps the plan)
NOT_A_STRAIN_CODES: frozenset[str] = frozenset(
    set(CODES) - {"achilles_rupture", "severe_muscle_tear", "medicine_related", "not_healing", "child_or_adolescent"}
)
#: the screen keys that must be answered (yes or no) for the red-flag screen to count as complete; the other screen
#: keys are follow-ups asked only after a yes (sciatica in both legs, foot symptoms only while running, …)
SCREEN_REQUIRED: tuple[str, ...] = (
    "breathless_or_chest_pain",
    "coughing_blood",
    "fainting_or_racing_heart",
    "whole_leg_swollen",
    "calf_bigger_than_other",
    "skin_warm_red_or_dark",
    "clot_risk_factors",
    "pain_escalating_out_of_proportion",
    "calf_rock_hard",
    "pain_moving_toes_passively",
    "foot_numb_or_tingling",
    "foot_weak_or_dropping",
    "foot_cold_pale_or_blue",
    "back_pain_or_sciatica",
    "saddle_numbness_or_bladder_bowel_change",
    "fever_or_unwell",
    "redness_spreading",
    "wound_bite_or_blister",
    "bone_point_tender",
    "night_or_rest_pain",
    "pain_at_fixed_point_of_run_eases_quickly",
    "both_legs_affected",
    "dark_urine",
    "calf_pain_after_fixed_walking_distance",
    "skin_dusky_or_blistering",
)

# --- the rules (registered at import; listed in docs/clinical.md) ---
R_RETEAR = rule(
    "progress.snap_or_heel_raise_fall",
    "A snap or pop, or single-leg heel raises falling to a third or less of the last count or of the highest count "
    "of the last 14 days (a fall over several check-ins), stops running at once and refers the runner the same day "
    "(re-tear or Achilles rupture), in every phase; a clinician's clearance resumes the plan and restarts the count.",
    ["maffulli1998", "bjgp2015", "green2022"],
    "expert_consensus",
    "Second-round contract rule (CHECKIN.md Additions); the one-third threshold is a convention.",
)
#: the rule behind each code the plan raises (its sources are the flag's sources)
PLAN_CODE_RULES: dict[str, Rule] = {RETEAR_CODE: R_RETEAR}
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
    "acute compartment syndrome: emergency — unless it comes with back pain or sciatica (nerve-root pain) or the "
    "numbness comes only while running.",
    ("statpearls_acs", "msd_radicular"),
    "research",
    "Numbness and weakness are also signs of a back problem; without back pain or sciatica the app errs towards the "
    "emergency.",
)
R_ARTERIAL = rule(
    "redflag.arterial_compromise",
    "A cold, pale or blue foot is an emergency (blood supply may be blocked), unless the runner says it happens only "
    "while running and the foot is normal at rest.",
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
R_DVT_AGE = rule(
    "redflag.dvt.age",
    "Age 65 or over counts as a clot risk factor on its own: with calf pain that had no clear running moment, or with "
    "swelling or a bigger calf, it means a same-day check for a blood clot.",
    ("le_gal2006", "nice_ng158", "zaleski2017"),
    "research",
    "The revised Geneva score counts age over 65; the Wells score does not. With a clear running moment and no "
    "swelling, age alone does not flag.",
)
R_ACHILLES_OR = rule(
    "redflag.achilles_rupture.not_ruled_out",
    "A snap or 'kicked' feeling low in the calf, at the Achilles or heel, over the whole calf (or where is not known) "
    "means a same-day clinician unless the squeeze test was done and the foot moved AND at least 5 single-leg heel "
    "raises were possible; a token lift (3 or fewer), a test not done or not being able to stand never rules it out. "
    "In the mid-calf a token lift or not being able to stand counts too. On a quinolone antibiotic or steroids, a "
    "sudden pain there counts even without a snap.",
    ("maffulli1998", "bjgp2015", "van_der_linden2003"),
    "research",
    "Every confirmed rupture in Maffulli 1998 had at least two positive tests; people with a rupture can often still "
    "walk and point the foot, so silence is never reassurance.",
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
R_NECROTISING = rule(
    "redflag.infection.necrotising",
    "Calf skin turning dusky, purple or blistering with a fever, feeling unwell, diabetes or weak immunity is an "
    "emergency (necrotising infection); dusky or blistering skin alone means a same-day clinician.",
    ("stevens_bryant2017", "infection_consumer"),
    "research",
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
R_STRESS_EARLY_TEAR = rule(
    "redflag.stress_fracture.not_early_tear_ache",
    "Night or rest pain in the first week after a clear running or sport moment is expected with a fresh muscle tear "
    "and is not by itself a stress-fracture sign; it still counts with a tender bone point, shin-bone pain, a "
    "previous stress fracture or low energy availability.",
    ("jarvinen2007", "statpearls_stress", "kahanov2015"),
    "expert_consensus",
    "A judgement: a fresh tear aches at rest for a few days; a stress fracture builds up with training.",
)
R_STRESS_HISTORY = rule(
    "redflag.stress_fracture.history",
    "A previous stress fracture, or eating far less than training needs or missing periods, makes pain on hopping or "
    "night pain a stress-fracture sign.",
    ("statpearls_stress", "visualdx_stress", "kahanov2015"),
    "research",
    "Hop pain as a screen is not validated (REFERENCE §3.6).",
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


R_EXERTIONAL_FOOT = rule(
    "redflag.exertional_leg_pain.foot_only_during_runs",
    "A foot that goes cold, pale, numb or tingly only while running and is normal at rest means a clinician in the "
    "next few days (popliteal artery entrapment or exertional compartment syndrome), not an ambulance.",
    ("joy2015", "fpnotebook_cecs"),
    "weak",
)
R_CLAUDICATION = rule(
    "redflag.exertional_leg_pain.walking_distance",
    "Calf pain that comes on after walking about the same distance each time and goes within minutes of standing "
    "still means a clinician to check the leg arteries (claudication).",
    ("joy2015",),
    "weak",
    "REFERENCE §3.8 cites secondary pages for screening older runners for peripheral arterial disease.",
)
R_RHABDO = rule(
    "redflag.rhabdomyolysis",
    "Urine the colour of tea or cola after hard exertion, with a statin, or with aching muscles means a doctor today "
    "(exertional rhabdomyolysis: the kidneys are at risk); an emergency when little or no urine is passed.",
    ("nye2021", "apeland2017", "stroes2015"),
    "guideline",
    "Dark urine alone is flagged: a runner with calf pain has aching muscles, and the exertion may not be known.",
)
R_STATIN = rule(
    "redflag.medicine_related.statin",
    "Muscle aching or weakness in both legs on a statin means a clinician (statin-associated muscle symptoms).",
    ("stroes2015",),
    "guideline",
)
R_TENDON_DRUG = rule(
    "redflag.medicine_related.tendon",
    "Tendon pain (Achilles, heel or low calf) on a quinolone antibiotic or steroids means a clinician: these "
    "medicines weaken tendons.",
    ("van_der_linden2003", "fda_fluoroquinolone2016"),
    "research",
)
R_BLEED = rule(
    "redflag.medicine_related.anticoagulant_swelling",
    "New calf swelling after a strain in a runner on a blood thinner means a same-day clinician: bleeding into the "
    "calf can raise the pressure in it.",
    ("acs_anticoagulation", "statpearls_acs"),
    "weak",
    "No calf-specific guideline was found; compartment-syndrome reviews list anticoagulation as a risk.",
)
R_NOT_HEALING = rule(
    "redflag.not_healing",
    "Still limping, unable to stand on the leg, or managing 3 or fewer single-leg heel raises more than 6 weeks "
    "after the injury means a clinician: it is not healing as a calf strain should.",
    ("tennis_leg_review", "prakash2018", "green2022"),
    "expert_consensus",
    "Most calf strains, even large ones, are back to normal walking and heel raises within about 6 weeks.",
)
R_CHILD = rule(
    "redflag.child_or_adolescent",
    "Under 16: heel pain is calcaneal apophysitis (Sever's) until shown otherwise, not a calf strain — see a "
    "clinician; with a clear calf strain the plan may go on with loads and targets for a child and a parent or "
    "coach involved.",
    ("severs_children",),
    "weak",
    "REFERENCE.md states the rule without a retrieved primary source.",
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
    "age": "age",
    "medicines": "the medicines named",
    "swelling": "swelling",
    "walks_normally": "still limping",
    "days_since_onset": "more than 6 weeks since the injury",
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
    back = is_yes(a.back_pain_or_sciatica)  # then numbness or weakness is nerve-root pain (see _radicular)
    runs_only = is_yes(a.foot_symptoms_only_during_runs)  # then numbness is exertional (see _exertional)
    nerve = [] if back else c.yes("foot_weak_or_dropping")
    if not back and not runs_only:
        nerve = c.yes("foot_numb_or_tingling") + nerve
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
    keys = c.yes("foot_cold_pale_or_blue")
    if not keys:
        return
    if is_yes(c.a.foot_symptoms_only_during_runs):
        c.add(
            "exertional_leg_pain",
            R_EXERTIONAL_FOOT,
            [*keys, "foot_symptoms_only_during_runs"],
            "A foot that goes cold, pale or blue only while running and is normal at rest: possible popliteal artery "
            "entrapment or exertional compartment syndrome",
        )
        return
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
    if a.age is not None and a.age >= CLOT_RISK_AGE:
        swollen = c.yes("swelling", "calf_bigger_than_other", "whole_leg_swollen")
        if swollen or not known_sport_moment(a):
            story = [k for k in ("onset", "activity_at_onset") if getattr(a, k) is not None]
            why = "with swelling" if swollen else "and no clear running or sport moment"
            c.add(
                "dvt",
                R_DVT_AGE,
                ["age", *swollen, *story],
                f"At {a.age}, age itself is a clot risk factor: calf pain {why} needs a check for a blood clot today",
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
    _achilles_not_ruled_out(c)


def _achilles_not_ruled_out(c: _Collector) -> None:
    """The second-round "or" rule: a snap or kick low in the calf is urgent unless BOTH tests were done and normal."""
    a = c.a
    if "achilles_rupture" in c.hits:  # already flagged on a positive sign: nothing to add
        return
    drugs = takes(a, "fluoroquinolone", "corticosteroid")
    story = c.yes("felt_snap", "felt_kicked")
    if not story and drugs and a.onset == "sudden" and a.pain_location in LOW_LOCATIONS:
        story = ["onset"]  # on a quinolone or steroids a sudden pain at the tendon is enough (van der Linden 2003)
    # the whole calf includes the low calf: as "where not known", a test not done does not rule a rupture out
    where = a.pain_location is None or a.pain_location in LOW_LOCATIONS or a.pain_location == "whole_calf"
    mid = a.pain_location == "mid_calf"
    if drugs and mid:
        where = True
    if not story or not (where or mid):
        return
    raises = a.single_leg_heel_raises_injured
    token = raises is not None and raises < 5
    squeeze_normal = a.squeeze_test_no_movement is False
    if squeeze_normal and raises is not None and raises >= 5 and a.can_bear_weight is not False:
        return
    if not where and not (token or a.can_bear_weight is False):
        return  # mid-calf: a token lift or a leg that cannot stand counts, silence alone does not
    location = ["pain_location"] if a.pain_location is not None else []
    because = story + location + (["medicines"] if drugs else [])
    missing: list[str] = []
    if a.can_bear_weight is False:
        because.append("can_bear_weight")
        missing.append("cannot stand on the leg")
    if raises is None:
        missing.append("heel raises not tested")
    elif raises < 5:
        because.append("single_leg_heel_raises_injured")
        missing.append(f"only {raises} single-leg heel raise{'s' if raises != 1 else ''}")
    if a.squeeze_test_no_movement is None:
        missing.append("squeeze test not done")
    elif a.squeeze_test_no_movement:
        because.append("squeeze_test_no_movement")
        missing.append("the foot did not move on the squeeze test")
    what = "A snap or kicked feeling" if story != ["onset"] else "A sudden pain at the tendon on these medicines"
    where_words = {None: "(where not known)", "mid_calf": "in the mid-calf", "whole_calf": "over the whole calf"}.get(
        a.pain_location, "low in the calf or at the Achilles"
    )
    c.add(
        "achilles_rupture",
        R_ACHILLES_OR,
        because,
        f"{what} {where_words}, and a torn Achilles is not ruled out ({'; '.join(missing)})",
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


def _necrotising(c: _Collector) -> None:
    dusky = c.yes("skin_dusky_or_blistering")
    if not dusky:
        return
    systemic = c.yes("fever_or_unwell", "diabetes_or_weak_immunity")
    if systemic:
        text = f"{_words(dusky + systemic).capitalize()}: possible necrotising infection"
        c.add("infection", R_NECROTISING, dusky + systemic, text, "emergency")
    else:
        c.add("infection", R_NECROTISING, dusky, "Dusky, purple or blistering calf skin: possible deep infection")


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
    risk = c.yes("previous_stress_fracture", "low_energy_or_missed_periods")
    bone = c.yes("bone_point_tender") or (["pain_location"] if a.pain_location == "shin_bone" else [])
    fresh_tear = (
        a.days_since_onset is not None and a.days_since_onset < 7 and known_sport_moment(a) and not bone and not risk
    )
    keys = c.yes("bone_point_tender") + ([] if fresh_tear else c.yes("night_or_rest_pain"))
    fired = R_STRESS
    if a.pain_location == "shin_bone" and is_yes(a.pain_on_hopping):
        keys += ["pain_location", "pain_on_hopping"]
    elif (keys or risk) and is_yes(a.pain_on_hopping):
        keys.append("pain_on_hopping")
    if keys and risk:
        keys += risk
        fired = R_STRESS_HISTORY
    if keys:
        c.add("stress_fracture", fired, keys, f"{_words(keys).capitalize()}: possible stress fracture")


def _radicular(c: _Collector) -> None:
    a = c.a
    back = c.yes("back_pain_or_sciatica")
    numb = c.yes("foot_numb_or_tingling")
    if back:
        c.add(
            "radicular_pain", R_RADICULAR, back + numb, "Back pain or sciatica with calf pain: possible nerve-root pain"
        )
    elif (
        numb
        and a.onset == "gradual"
        and not c.yes("direct_blow", "felt_snap", "felt_kicked", "foot_symptoms_only_during_runs")
    ):
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
    if (runs_only := c.yes("foot_symptoms_only_during_runs")) and not is_yes(a.foot_cold_pale_or_blue):
        c.add(
            "exertional_leg_pain",
            R_EXERTIONAL_FOOT,
            runs_only + c.yes("foot_numb_or_tingling"),
            "The foot goes cold, pale, numb or tingly only while running: possible artery entrapment or exertional "
            "compartment syndrome",
        )
    if walking := c.yes("calf_pain_after_fixed_walking_distance"):
        c.add(
            "exertional_leg_pain",
            R_CLAUDICATION,
            walking,
            "Calf pain after walking the same distance each time, easing within minutes: the leg arteries need "
            "checking",
        )


def _rhabdomyolysis(c: _Collector) -> None:
    a = c.a
    if not (urine := c.yes("dark_urine")):
        return
    hard = ["activity_at_onset"] if a.activity_at_onset in RUNNING_ACTIVITIES | {"jumping_or_lunging"} else []
    statin = ["medicines"] if takes(a, "statin") else []
    context = " after hard exertion" if hard else (" on a statin" if statin else "")
    c.add(
        "rhabdomyolysis",
        R_RHABDO,
        urine + hard + statin,
        f"Urine the colour of tea or cola{context} with sore muscles: possible rhabdomyolysis (muscle breakdown)",
    )


def _medicines(c: _Collector) -> None:
    a = c.a
    both = c.yes("both_legs_affected") + (["side"] if a.side == "both" else [])
    if takes(a, "statin") and both:
        c.add(
            "medicine_related", R_STATIN, ["medicines", *both], "Muscle symptoms in both legs on a statin: ask a doctor"
        )
    if (drugs := takes(a, "fluoroquinolone", "corticosteroid")) and a.pain_location in LOW_LOCATIONS:
        names = " or ".join("a quinolone antibiotic" if d == "fluoroquinolone" else "steroids" for d in drugs)
        c.add(
            "medicine_related",
            R_TENDON_DRUG,
            ["medicines", "pain_location"],
            f"Tendon pain on {names}: these medicines weaken tendons",
        )
    swollen = c.yes("swelling", "calf_bigger_than_other", "whole_leg_swollen")
    if takes(a, "anticoagulant") and swollen:
        c.add(
            "medicine_related",
            R_BLEED,
            ["medicines", *swollen],
            "Calf swelling on a blood thinner: bleeding into the calf must be ruled out today",
            "urgent",
        )


def _not_healing(c: _Collector) -> None:
    a = c.a
    if a.days_since_onset is None or a.days_since_onset <= NOT_HEALING_AFTER_DAYS:
        return
    keys: list[str] = []
    if a.walks_normally is False:
        keys.append("walks_normally")
    if a.can_bear_weight is False:
        keys.append("can_bear_weight")
    if a.single_leg_heel_raises_injured is not None and a.single_leg_heel_raises_injured <= 3:
        keys.append("single_leg_heel_raises_injured")
    if keys:
        weeks = int(a.days_since_onset // 7)
        c.add(
            "not_healing",
            R_NOT_HEALING,
            ["days_since_onset", *keys],
            f"{weeks} weeks after the injury: {_words(keys)}; it is not healing as a calf strain should",
        )


def _child(c: _Collector) -> None:
    a = c.a
    if a.age is None or a.age >= CHILD_UNDER_AGE:
        return
    if a.pain_location == "heel":
        text = f"Heel pain at {a.age}: Sever's disease (the heel's growth plate) comes first, not a calf strain"
        c.add("child_or_adolescent", R_CHILD, ["age", "pain_location"], text)
    else:
        text = f"At {a.age}: a child's plan, with a parent or coach involved, and a clinician to confirm"
        c.add("child_or_adolescent", R_CHILD, ["age"], text)


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
    _necrotising,
    _rhabdomyolysis,
    _medicines,
    _not_healing,
    _child,
)


#: triage keys a check-in screen may borrow from the episode's assessment (see :func:`screen_with_story`); age is not
#: among them, so the age rules (clots at 65+, children) are not raised again at every check-in
STORY_KEYS: tuple[str, ...] = (
    "onset",
    "activity_at_onset",
    "medicines",
    "diabetes_or_weak_immunity",
    "previous_stress_fracture",
    "low_energy_or_missed_periods",
)


def screen_with_story(screen: TriageAnswers, story: TriageAnswers, *, days_since_onset: float) -> TriageAnswers:
    """A check-in's red-flag screen with the episode's story (how it started, medicines, bone-stress history) and
    today's day since onset, so that the check-in reads the screen as the triage did: e.g. a night ache on day 1 of
    an interval-session tear is not a stress fracture, and calf swelling on a blood thinner is urgent. Screen
    answers are never overwritten."""
    borrowed = {k: getattr(story, k) for k in STORY_KEYS if getattr(screen, k) is None}
    return replace(screen, days_since_onset=days_since_onset, **borrowed)


def screen_missing(a: TriageAnswers) -> tuple[str, ...]:
    """The required red-flag screen keys left unanswered (``None``), in screen order. Dark urine is required only
    where it matters (after hard exertion, on a statin, or when the activity is not known)."""
    skip = set() if urine_matters(a) else {"dark_urine"}
    return tuple(k for k in SCREEN_REQUIRED if getattr(a, k) is None and k not in skip)


def screen_complete(a: TriageAnswers) -> bool:
    """Whether every required red-flag screen key was answered yes or no. Silence is never read as "no red flags"."""
    return not screen_missing(a)


def red_flags(a: TriageAnswers) -> list[RedFlag]:
    """Every red flag the answers raise, most urgent first. Nothing in the answers can remove a flag."""
    c = _Collector(a)
    for check in _CHECKS:
        check(c)
    return c.flags()
