"""A runner's record as a FHIR R4 Bundle (type ``collection``), built from plain values; no database.

Resources: Patient (the runner); per episode a Condition (calf muscle strain: side, likely muscle with its
likelihood, severity, onset) and a CarePlan (the phases, the current exercises and run with their dose); per
assessment an Encounter and a QuestionnaireResponse (the triage answers); per check-in a QuestionnaireResponse;
and for both, Observations for each pain score (LOINC 72514-3) and heel-raise count; a Flag per red flag raised.

Codes: SNOMED CT for the severity (mild 255604002, moderate 6736007, severe 24484000) and the side (left 7771000,
right 24028007); the HL7 code systems for statuses and categories; LOINC 72514-3 for a 0–10 pain score. The
strain itself, the muscles and the heel-raise count are given as text: no code for them was confirmed here, and
a wrong code is worse than text (docs/exports.md lists this for a terminologist to review). The shapes follow R4
(4.0.1); the tests validate them against R4's structure definitions (FHIR.js) and with the ``fhir.resources`` R4B
models.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from calfcare.exports.ical import item_dose, run_dose
from calfcare.exports.record import (
    HEEL_RAISE_KEYS,
    PAIN_KEYS,
    PHASES,
    likely_structure,
    number,
    phase_label,
    raised_red_flags,
)

SNOMED = "http://snomed.info/sct"
HL7 = "http://terminology.hl7.org/CodeSystem"
LOINC = "http://loinc.org"
SEVERITY = {"mild": ("255604002", "Mild"), "moderate": ("6736007", "Moderate"), "severe": ("24484000", "Severe")}
SIDE = {"left": ("7771000", "Left"), "right": ("24028007", "Right")}
NAMESPACE = uuid.UUID("6f1c3f4e-8d1a-4b7e-9a51-3c0de5ca1fca")


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"system": system, "code": code, "display": display}


def _concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [_coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


class _Ids:
    """Stable ``urn:uuid`` full URLs per (runner key, kind, id): the same record gives the same Bundle ids."""

    def __init__(self, runner_key: str) -> None:
        self.key = runner_key

    def url(self, kind: str, ident: object) -> str:
        return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{self.key}/{kind}/{ident}')}"

    def ref(self, kind: str, ident: object) -> dict[str, str]:
        return {"reference": self.url(kind, ident)}


def _answer(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    if isinstance(value, float):
        return [{"valueDecimal": value}]
    if isinstance(value, str):
        return [{"valueString": value}] if value else []
    if isinstance(value, list):
        return [a for v in value for a in _answer(v if isinstance(v, str | int | float | bool) else json.dumps(v))]
    return [{"valueString": json.dumps(value, ensure_ascii=False, default=str)}]


def _questionnaire_response(
    ids: _Ids, kind: str, row: Mapping[str, Any], encounter: dict[str, str] | None
) -> dict[str, Any]:
    items = []
    for key, value in (row.get("answers") or {}).items():
        item: dict[str, Any] = {"linkId": str(key), "text": str(key).replace("_", " ")}
        if answers := _answer(value):
            item["answer"] = answers
        items.append(item)
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": f"urn:calfcare:{kind}", "value": str(row["id"])},
        "questionnaire": f"urn:calfcare:questionnaire:{kind}",
        "status": "completed",
        "subject": ids.ref("patient", 0),
        "authored": row["day"].isoformat(),
        "item": items,
    }
    if encounter:
        out["encounter"] = encounter
    return out


def _observations(
    ids: _Ids,
    row: Mapping[str, Any],
    side: str | None,
    condition: dict[str, str] | None,
    *,
    source: str = "checkin",
    encounter: dict[str, str] | None = None,
) -> list[Any]:
    """The pain scores and heel-raise counts of one check-in (``source="checkin"``) or assessment
    (``"assessment"``), each ``derivedFrom`` that QuestionnaireResponse."""
    out = []
    answers = row.get("answers") or {}
    for key, label in {**PAIN_KEYS, **HEEL_RAISE_KEYS}.items():
        value = number(answers.get(key))
        if value is None:
            continue
        pain = key in PAIN_KEYS
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [
                _concept(
                    "http://terminology.hl7.org/CodeSystem/observation-category",
                    "survey" if pain else "exam",
                    "Survey" if pain else "Exam",
                )
            ],
            "code": (
                _concept(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", label)
                if pain
                else {"text": label}
            ),
            "subject": ids.ref("patient", 0),
            "effectiveDateTime": row["day"].isoformat(),
            "derivedFrom": [ids.ref(source, row["id"])],
        }
        if condition is not None:
            obs["focus"] = [condition]
        if encounter is not None:
            obs["encounter"] = encounter
        if value.is_integer():
            obs["valueInteger"] = int(value)
        else:
            obs["valueQuantity"] = {"value": value, "unit": "score" if pain else "count"}
        other_leg = key.endswith("_other")
        if side in SIDE and key in HEEL_RAISE_KEYS:
            leg = {"left": "right", "right": "left"}[side] if other_leg else side
            obs["bodySite"] = _concept(SNOMED, *SIDE[leg], text=f"{leg} calf")
        out.append((f"obs-{row['id']}-{key}" if source == "checkin" else f"obs-{source}-{row['id']}-{key}", obs))
    return out


def _condition(ids: _Ids, ep: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    likely, chance = likely_structure(result)
    muscle = likely or ep.get("structure")
    text = "Calf muscle strain" + (f", {muscle} likely" if muscle else "")
    if chance is not None:
        text += f" ({chance:.0%} likelihood from self-reported answers, not imaging)"
    closed = ep.get("status") == "closed"
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "identifier": [{"system": "urn:calfcare:episode", "value": str(ep["id"])}],
        "clinicalStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "resolved" if closed else "active",
            "Resolved" if closed else "Active",
        ),
        "verificationStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", "provisional", "Provisional"
        ),
        "category": [
            _concept(
                "http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item"
            )
        ],
        "code": {"text": text},
        "subject": ids.ref("patient", 0),
        "onsetDateTime": ep["onset"].isoformat(),
        "recordedDate": ep["assessed_on"].isoformat(),
        "note": [{"text": "From the runner's own answers in calfcare; it informs and does not diagnose."}],
    }
    side = ep.get("side")
    if side in SIDE:
        out["bodySite"] = [_concept(SNOMED, *SIDE[side], text=f"{side} calf ({muscle or 'calf muscle'})")]
    severity = ep.get("severity")
    if severity in SEVERITY:
        out["severity"] = _concept(SNOMED, *SEVERITY[severity], text=str(severity))
    days = (result.get("severity") or {}).get("return_to_run_days") if isinstance(result, Mapping) else None
    if isinstance(days, list) and len(days) == 2:
        out["stage"] = [{"summary": {"text": f"{severity or 'unknown'} strain; back to running in about "
                                             f"{days[0]}–{days[1]} days (an estimate)"}}]  # fmt: skip
    if closed and ep.get("closed_on"):
        out["abatementDateTime"] = ep["closed_on"].isoformat()
    return out


def _care_plan(ids: _Ids, ep: Mapping[str, Any], condition: dict[str, str]) -> dict[str, Any]:
    status = {"open": "active", "closed": "completed", "referred": "on-hold"}.get(str(ep.get("status")), "unknown")
    current = ep.get("phase")
    reached = {str(span["phase"]) for span in ep.get("timeline") or []}
    activities: list[dict[str, Any]] = []
    for phase in PHASES:
        if phase == current and status == "active":
            st = "in-progress"
        elif phase in reached or (current in PHASES and PHASES.index(phase) < PHASES.index(str(current))):
            st = "completed"
        else:
            st = "not-started"
        activities.append({"detail": {"code": {"text": f"Phase: {phase_label(phase)}"}, "status": st}})
    plan = ep.get("plan") or {}
    prescription = plan.get("prescription") or {}
    for item in prescription.get("items") or []:
        if isinstance(item, Mapping):
            detail = {"code": {"text": str(item.get("name"))}, "status": "in-progress",
                      "description": item_dose(item).removeprefix("• ")}  # fmt: skip
            activities.append({"detail": detail})
    if isinstance(prescription.get("run"), Mapping):
        activities.append(
            {
                "detail": {
                    "code": {"text": "Run session"},
                    "status": "in-progress",
                    "description": run_dose(prescription["run"]),
                }
            }
        )
    out: dict[str, Any] = {
        "resourceType": "CarePlan",
        "identifier": [{"system": "urn:calfcare:episode", "value": str(ep["id"])}],
        "status": status,
        "intent": "plan",
        "title": "Calf strain rehabilitation: protect → mobility → strength → return to run → full training",
        "description": f"Current phase: {phase_label(current)}" + (f" — {plan['stage']}" if plan.get("stage") else ""),
        "subject": ids.ref("patient", 0),
        "period": {"start": ep["assessed_on"].isoformat()},
        "addresses": [condition],
        "activity": activities,
    }
    if ep.get("closed_on"):
        out["period"]["end"] = ep["closed_on"].isoformat()
    return out


def _flag(ids: _Ids, f: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A red flag as a Flag (a warning for whoever cares for the runner): active until the runner reports that a
    clinician cleared them (then inactive, the period ending that day)."""
    source = "assessment" if f["by"] == "assessment" else "checkin"
    key = f"{source}-{f['row_id']}-{f['code']}"
    flag: dict[str, Any] = {
        "resourceType": "Flag",
        "identifier": [{"system": "urn:calfcare:red-flag", "value": key}],
        "status": "inactive" if f["cleared_on"] else "active",
        "category": [_concept(f"{HL7}/flag-category", "clinical", "Clinical")],
        "code": {"text": f"Red flag at the {f['by']}: {f['label']} ({f['urgency']}); from the runner's answers"},
        "subject": ids.ref("patient", 0),
        "period": {"start": f["day"].isoformat()},
    }
    if f["cleared_on"]:
        flag["period"]["end"] = f["cleared_on"].isoformat()
    if source == "assessment":
        flag["encounter"] = ids.ref("encounter", f["row_id"])
    return ids.url("flag", key), flag


def build_bundle(record: Mapping[str, Any], *, timestamp: datetime) -> dict[str, Any]:
    """The Bundle as a JSON-ready dict. ``record`` is what :func:`calfcare.services.exports.gather_record` returns:
    ``runner``, ``runner_key``, ``episodes`` (with ``timeline`` and the current ``plan``), ``assessments``,
    ``checkins``."""
    ids = _Ids(str(record["runner_key"]))
    entries: list[tuple[str, dict[str, Any]]] = []
    name = str(record["runner"])
    entries.append((ids.url("patient", 0), {
        "resourceType": "Patient", "identifier": [{"system": "urn:calfcare:runner", "value": name}],
        "active": True, "name": [{"text": name}],
    }))  # fmt: skip
    episodes: Sequence[Mapping[str, Any]] = record.get("episodes") or []
    side_of = {ep["id"]: ep.get("side") for ep in episodes}
    results = {a.get("episode_id"): a.get("result") or {} for a in record.get("assessments") or []}
    for ep in episodes:
        entries.append((ids.url("condition", ep["id"]), _condition(ids, ep, results.get(ep["id"]) or {})))
        entries.append((ids.url("careplan", ep["id"]), _care_plan(ids, ep, ids.ref("condition", ep["id"]))))
    for a in record.get("assessments") or []:
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "status": "finished",
            "class": _coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "VR", "virtual"),
            "type": [{"text": "calfcare self-assessment (triage questionnaire)"}],
            "subject": ids.ref("patient", 0),
            "period": {"start": a["day"].isoformat(), "end": a["day"].isoformat()},
        }
        if a.get("episode_id") in side_of:
            encounter["diagnosis"] = [{"condition": ids.ref("condition", a["episode_id"])}]
        entries.append((ids.url("encounter", a["id"]), encounter))
        entries.append(
            (ids.url("assessment", a["id"]), _questionnaire_response(ids, "triage", a, ids.ref("encounter", a["id"])))
        )
        side = side_of.get(a.get("episode_id")) or (a.get("answers") or {}).get("side")
        condition = ids.ref("condition", a["episode_id"]) if a.get("episode_id") in side_of else None
        triage = _observations(ids, a, side, condition, source="assessment", encounter=ids.ref("encounter", a["id"]))
        entries.extend((ids.url("observation", key), obs) for key, obs in triage)
    for c in record.get("checkins") or []:
        entries.append((ids.url("checkin", c["id"]), _questionnaire_response(ids, "checkin", c, None)))
        condition = ids.ref("condition", c["episode_id"])
        for key, obs in _observations(ids, c, side_of.get(c["episode_id"]), condition):
            entries.append((ids.url("observation", key), obs))
    for f in raised_red_flags(record.get("assessments") or [], record.get("checkins") or []):
        entries.append(_flag(ids, f))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp.isoformat(),
        "meta": {"tag": [{"system": "urn:calfcare", "code": "fhir-r4", "display": "FHIR R4 (4.0.1)"}]},
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def bundle_json(record: Mapping[str, Any], *, timestamp: datetime) -> bytes:
    return (json.dumps(build_bundle(record, timestamp=timestamp), ensure_ascii=False, indent=2) + "\n").encode()


__all__ = ["build_bundle", "bundle_json"]
