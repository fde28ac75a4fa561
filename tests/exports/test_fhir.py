"""`calfcare export fhir`: a FHIR R4 Bundle, validated with the fhir.resources R4B models (the same shapes as R4 for
these resources), every reference resolving inside the Bundle, and the values read back matching the store."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from exports_seed import DAY0, seed_runner
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.services import history, today
from calfcare.services.exports import fhir_for_runner
from calfcare.store import Database, open_database

DAY = DAY0 + timedelta(days=9)


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


def test_bundle_validates_and_holds_the_runners_record(db: Database) -> None:
    seed_runner(db, "ana", checkins=8)
    doc = json.loads(fhir_for_runner(db=db, runner="ana", day=DAY))
    Bundle.model_validate(doc)
    resources = [e["resource"] for e in doc["entry"]]
    for resource in resources:  # each one against its own model, not only as a Bundle entry
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    urls = {e["fullUrl"] for e in doc["entry"]}
    assert len(urls) == len(doc["entry"]) and set(_references(resources)) <= urls

    kinds = Counter(r["resourceType"] for r in resources)
    past = history(db=db, runner="ana")
    assert kinds["Patient"] == 1 and kinds["Condition"] == 1 and kinds["CarePlan"] == 1
    assert kinds["Encounter"] == len(past["assessments"]) == 1
    assert kinds["QuestionnaireResponse"] == len(past["assessments"]) + len(past["checkins"])

    (condition,) = [r for r in resources if r["resourceType"] == "Condition"]
    episode = past["episode"]
    assert condition["onsetDateTime"] == episode["onset"]
    assert condition["bodySite"][0]["coding"][0] == {"system": "http://snomed.info/sct", "code": "7771000",
                                                     "display": "Left"}  # fmt: skip
    assert condition["severity"]["coding"][0]["code"] == "6736007" and episode["severity"] == "moderate"
    assert episode["structure"] in condition["code"]["text"] and "90%" in condition["code"]["text"]

    pains = [r for r in resources if r["resourceType"] == "Observation" and r["code"].get("coding")]
    assert {p["code"]["coding"][0]["code"] for p in pains} == {"72514-3"}
    series = past["pain_series"]
    morning = sorted((p["effectiveDateTime"], p["valueInteger"]) for p in pains if "getting up" in p["code"]["text"])
    assert morning == [(s["date"], s["morning_pain"]) for s in series]
    raises = [r for r in resources if r["resourceType"] == "Observation" and "injured leg" in r["code"]["text"]]
    assert sorted((r["effectiveDateTime"], r["valueInteger"]) for r in raises) == [
        (s["date"], s["single_leg_heel_raises_injured"]) for s in series
    ]

    (plan,) = [r for r in resources if r["resourceType"] == "CarePlan"]
    current = today(db=db, runner="ana", day=DAY)
    assert current is not None
    texts = [a["detail"]["code"]["text"] for a in plan["activity"]]
    assert [i["name"] for i in current["prescription"]["items"]] == [t for t in texts if not t.startswith("Phase")]
    phase_status = {a["detail"]["code"]["text"]: a["detail"]["status"] for a in plan["activity"]}
    assert phase_status[f"Phase: {current['phase'].replace('_', ' ')}"] == "in-progress"
    assert phase_status["Phase: protect"] == "completed" and phase_status["Phase: full training"] == "not-started"

    triage = [r for r in resources if r["resourceType"] == "QuestionnaireResponse" and "triage" in r["questionnaire"]]
    answers = {i["linkId"]: i.get("answer") for i in triage[0]["item"]}
    assert answers["side"] == [{"valueString": "left"}] and answers["single_leg_heel_raises_injured"] == [
        {"valueInteger": 10}
    ]


def test_cli_writes_the_bundle(cli_env: str, tmp_path: Path) -> None:
    db = open_database(cli_env)
    seed_runner(db, "ana", checkins=2)
    out = tmp_path / "ana.json"
    result = CliRunner().invoke(app, ["export", "fhir", "--runner", "ana", "--date", DAY.isoformat(), str(out)])
    assert result.exit_code == 0, result.output
    Bundle.model_validate(json.loads(out.read_text(encoding="utf-8")))
    result = CliRunner().invoke(app, ["export", "fhir", "--runner", "ana", str(tmp_path / "missing" / "a.json")])
    assert result.exit_code == 2 and "does not exist" in result.output
    db.dispose()
