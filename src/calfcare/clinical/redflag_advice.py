"""What a red flag tells the runner: what it may be, where to go and how soon, and what to do meanwhile.

Public API (also importable from :mod:`calfcare.clinical.redflags`)::

    advice_for(code, urgency) -> str      # plain words for one red-flag code at its urgency
    EMERGENCY_ADVICE, URGENT_ADVICE, SEE_CLINICIAN_ADVICE   # where to go, per urgency

Text only: when a flag is raised is decided in :mod:`calfcare.clinical.redflags`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calfcare.clinical.redflags import Urgency

__all__ = ["EMERGENCY_ADVICE", "SEE_CLINICIAN_ADVICE", "URGENT_ADVICE", "advice_for"]

EMERGENCY_ADVICE = "Call an ambulance (999/112/911) or go to an emergency department now."
URGENT_ADVICE = (
    "See a doctor today, within hours: an urgent same-day GP or urgent-care appointment, or an emergency department."
)
SEE_CLINICIAN_ADVICE = "Book a doctor or physiotherapist in the next few days."


_WHAT: dict[str, str] = {
    "pulmonary_embolism": "These can be signs of a blood clot that has travelled to the lungs (pulmonary embolism).",
    "acute_compartment_syndrome": "These can be signs of acute compartment syndrome: pressure building up inside the "
    "calf that can damage muscle and nerves within hours.",
    "arterial_compromise": "A cold, pale or blue foot can mean the blood supply to the leg is blocked.",
    "cauda_equina": "These can be signs of pressure on the nerves at the bottom of the spine (cauda equina "
    "syndrome), which needs treatment within hours.",
    "dvt": "These can be signs of a blood clot in a leg vein (deep vein thrombosis). A clot can look exactly like a "
    "calf strain, even in fit runners, so it has to be ruled out with a scan or blood test.",
    "achilles_rupture": "This can be a torn Achilles tendon. It is missed often because people can still walk; it "
    "heals best when treated within a day or two.",
    "infection": "This can be a skin or deeper infection of the leg, which needs treatment.",
    "bakers_cyst": "This can be a burst cyst behind the knee (Baker's cyst). It looks like a blood clot, so a scan "
    "is needed to tell the two apart.",
    "nerve_weakness": "A weak or dropping foot means a nerve is not working properly; it needs checking today.",
    "severe_muscle_tear": "This can be a large tear of the calf muscle. It needs a proper examination.",
    "stress_fracture": "This can be a stress fracture of the shin or fibula bone, not a muscle strain.",
    "radicular_pain": "The pain may come from an irritated nerve in the lower back rather than from the calf muscle.",
    "exertional_leg_pain": "This pattern fits exercise-related leg pain (chronic exertional compartment syndrome or "
    "an artery being squeezed) better than a strain.",
    "rhabdomyolysis": "Dark urine with sore muscles can mean muscle breakdown (rhabdomyolysis), which can harm the "
    "kidneys; a blood test settles it.",
    "medicine_related": "Some medicines change what calf symptoms mean: statins can cause muscle aching, quinolone "
    "antibiotics and steroids weaken tendons, and blood thinners let a tear bleed into the calf.",
    "not_healing": "More than six weeks after a calf strain you should walk without a limp and rise onto your toes; "
    "something may be slowing healing (a larger tear, the tendon, or another cause) and needs examining.",
    "suspected_retear_or_rupture": "A new snap or pop, or a sudden loss of calf strength, can mean the calf has torn "
    "again or the Achilles tendon has ruptured; both heal best when seen within a day or two.",
    "child_or_adolescent": "Under 16 the body is still growing: heel pain in an active child is usually Sever's "
    "disease (an irritated growth plate at the heel), not a calf strain, and adult plans do not fit a child.",
}
_MEANWHILE: dict[str, str] = {
    "pulmonary_embolism": "Do not drive yourself.",
    "acute_compartment_syndrome": "Do not wait to see if it settles, and do not put on a tight bandage.",
    "arterial_compromise": "Do not wait to see if it settles.",
    "cauda_equina": "Do not wait to see if it settles.",
    "dvt": "Until then, do not run, massage or stretch the calf. If you become breathless, have chest pain or cough "
    "blood, call an ambulance (999/112/911).",
    "achilles_rupture": "Until then, do not run or do calf exercises; keep weight off the foot as much as you can "
    "and keep the toes pointed down (no stretching).",
    "infection": "If you feel very unwell, the skin turns dark or blisters, or the pain becomes severe, call an "
    "ambulance (999/112/911).",
    "bakers_cyst": "Until then, do not run or massage the calf.",
    "nerve_weakness": "Do not run until it has been checked.",
    "severe_muscle_tear": "Meanwhile, protect the leg (crutches if you cannot walk), use compression and elevation, "
    "and do not run. If the calf becomes rock-hard or the pain keeps escalating, call an ambulance (999/112/911).",
    "stress_fracture": "Stop running and hopping until a clinician has checked the bone; walking and cycling are "
    "fine if they do not hurt.",
    "radicular_pain": "Meanwhile, avoid what brings the leg pain on. If you get numbness around the genitals or "
    "bottom, trouble with bladder or bowel, or weakness in both legs, call an ambulance (999/112/911).",
    "exertional_leg_pain": "Meanwhile, do not push runs through this pain. If the foot goes cold, pale or blue, or "
    "the pain does not ease after stopping, go to an emergency department.",
    "rhabdomyolysis": "Until then, no exercise; drink water steadily. If you pass little or no urine, go to an "
    "emergency department now.",
    "medicine_related": "Do not stop a prescribed medicine on your own: ask the doctor who prescribed it. If the calf "
    "becomes rock-hard or the pain keeps escalating, call an ambulance (999/112/911).",
    "not_healing": "Meanwhile keep to the exercises that do not hurt, and do not start running until a clinician has "
    "examined the leg.",
    "suspected_retear_or_rupture": "Until then, stop running and calf exercises, keep weight off the foot as much as "
    "you can and keep the toes pointed down (no stretching).",
    "child_or_adolescent": "Involve a parent or coach. With a clear calf strain the plan may go on with a child's "
    "loads (fewer repetitions, no added weight) while you wait; with heel pain, rest from running and jumping "
    "until a clinician has seen it.",
}
_GO: dict[Urgency, str] = {
    "emergency": EMERGENCY_ADVICE,
    "urgent": URGENT_ADVICE,
    "see_clinician": SEE_CLINICIAN_ADVICE,
}
_GO_SEE_CLINICIAN_EXTRA: dict[str, str] = {
    "severe_muscle_tear": "Book a doctor or physiotherapist in the next day or two.",
}


def advice_for(code: str, urgency: Urgency) -> str:
    """Where to go (and how soon), what it may be, and what to do meanwhile, for one red-flag code."""
    go = _GO_SEE_CLINICIAN_EXTRA.get(code, _GO[urgency]) if urgency == "see_clinician" else _GO[urgency]
    return f"{go} {_WHAT[code]} {_MEANWHILE[code]}"
