"""`calfcare export fhir`: a FHIR R4 Bundle, validated against the FHIR R4 structure definitions (FHIR.js, pinned in
tests/exports/fhir_r4) and with the fhir.resources R4B models, every reference resolving inside the Bundle, and the
values read back matching the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from exports_seed import DAY0, SOLEUS, good_day, seed_runner
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.services import assess, history, record_checkin, today
from calfcare.services.episode_admin import close_episode
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
    by_url = {e["fullUrl"]: e["resource"] for e in doc["entry"]}
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    for o in observations:  # each from its check-in's or the triage's answers
        assert by_url[o["derivedFrom"][0]["reference"]]["resourceType"] == "QuestionnaireResponse"
    at_triage = [o for o in observations if "triage" in by_url[o["derivedFrom"][0]["reference"]]["questionnaire"]]
    found = {(o["code"]["text"], o["valueInteger"]) for o in at_triage}
    assert found == {("Pain at rest (0–10)", 1), ("Pain walking (0–10)", 3),
                     ("Single-leg heel raises, injured leg (count)", 10),
                     ("Single-leg heel raises, other leg (count)", 26)}, "the triage's scores and counts"  # fmt: skip
    encounter = next(e["fullUrl"] for e in doc["entry"] if e["resource"]["resourceType"] == "Encounter")
    assert all(o["encounter"]["reference"] == encounter and o["effectiveDateTime"] == DAY0.isoformat()
               for o in at_triage)  # fmt: skip
    raises = [o for o in observations if "injured leg" in o["code"]["text"] and o not in at_triage]
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


R4_CHECK = Path(__file__).parent / "fhir_r4"
#: code systems FHIR.js holds no value sets for (it works offline): their codes can only draw a warning
EXTERNAL_SYSTEMS = ("http://snomed.info/sct", "http://loinc.org", "urn:calfcare")


@pytest.fixture
def validate_r4() -> Callable[[dict[str, Any]], list[dict[str, str]]]:
    """FHIR.js's validator on a document (R4 structure definitions): every message; unexpected elements are
    errors. Skips without node or the pinned package, except in CI (where .ci/run installs both)."""
    node = shutil.which("node")
    if node is None or not (R4_CHECK / "node_modules" / "fhir").is_dir():
        why = "the FHIR R4 check needs node and `npm ci --prefix tests/exports/fhir_r4` (.ci/run does both)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)

    def validate(doc: dict[str, Any]) -> list[dict[str, str]]:
        script = str(R4_CHECK / "validate.js")
        done = subprocess.run([str(node), script], input=json.dumps(doc), capture_output=True, text=True, check=True)
        messages: list[dict[str, str]] = json.loads(done.stdout)["messages"]
        return messages

    return validate


def _two_episodes(sqlite_url: str) -> dict[str, Any]:
    """A closed episode with check-ins, then a second one stopped by a red flag: every status the Bundle maps."""
    db = open_database(sqlite_url)
    seed_runner(db, "ana", checkins=4)
    close_episode(db=db, runner="ana", episode_id=None, reason="healed", day=DAY0 + timedelta(days=5))
    later = DAY0 + timedelta(days=40)
    assess(db=db, runner="ana", answers=SOLEUS, day=later)
    flag = {**good_day(2), "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    record_checkin(db=db, runner="ana", answers=flag, day=later + timedelta(days=1))
    doc: dict[str, Any] = json.loads(fhir_for_runner(db=db, runner="ana", day=later + timedelta(days=2)))
    db.dispose()
    return doc


def test_the_bundle_is_valid_fhir_r4(sqlite_url: str, validate_r4: Callable[[dict[str, Any]], Any]) -> None:
    """Validated against R4's own definitions (not R4B's or R5's): no error, and the only warnings are codes of
    SNOMED CT / LOINC, whose value sets an offline validator cannot expand."""
    doc = _two_episodes(sqlite_url)
    kinds = Counter(e["resource"]["resourceType"] for e in doc["entry"])
    assert kinds["Condition"] == kinds["CarePlan"] == kinds["Encounter"] == 2 and kinds["Observation"] > 0
    statuses = {e["resource"].get("status") for e in doc["entry"] if e["resource"]["resourceType"] == "CarePlan"}
    assert statuses == {"completed", "on-hold"}
    (flag,) = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert flag["status"] == "active" and "possible blood clot (DVT) (urgent)" in flag["code"]["text"]
    messages = validate_r4(doc)
    errors = [m for m in messages if m["severity"] == "error"]
    assert errors == []
    warnings = [m for m in messages if m["severity"] == "warning"]
    assert all(any(f"({system})" in m["message"] for system in EXTERNAL_SYSTEMS) for m in warnings), warnings


def test_the_r4_check_catches_what_r4_does_not_allow(
    sqlite_url: str, validate_r4: Callable[[dict[str, Any]], Any]
) -> None:
    """The check above can fail: R5 shapes, a code outside a required value set, a missing required element."""
    doc = _two_episodes(sqlite_url)
    first: dict[str, dict[str, Any]] = {}
    for entry in doc["entry"]:
        first.setdefault(entry["resource"]["resourceType"], entry["resource"])
    first["QuestionnaireResponse"]["identifier"] = [first["QuestionnaireResponse"]["identifier"]]  # R5: a list
    first["Encounter"]["class"] = [{"coding": [first["Encounter"]["class"]]}]  # R5: CodeableConcepts
    first["Condition"]["clinicalStatus"]["coding"][0]["code"] = "healed"  # not in condition-clinical
    del first["Observation"]["status"]  # required
    errors = {m["location"] for m in validate_r4(doc) if m["severity"] == "error"}
    assert {"QuestionnaireResponse.identifier.0", "Encounter.class.0", "Condition.clinicalStatus"} <= errors
    assert any(e.startswith("Observation") for e in errors), errors


def test_red_flags_are_flags_active_until_the_runner_reports_a_clinician_cleared_them(db: Database) -> None:
    seed_runner(db, "ana", checkins=2, runs=0)
    flagged = {**good_day(3), "calf_bigger_than_other": True, "skin_warm_red_or_dark": True}
    record_checkin(db=db, runner="ana", answers=flagged, day=DAY0 + timedelta(days=3))
    doc = json.loads(fhir_for_runner(db=db, runner="ana", day=DAY0 + timedelta(days=3)))
    (flag,) = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert flag["status"] == "active" and flag["period"] == {"start": (DAY0 + timedelta(days=3)).isoformat()}
    assert flag["code"]["text"].startswith("Red flag at the check-in: possible blood clot (DVT) (urgent)")
    record_checkin(db=db, runner="ana", answers={**good_day(4), "cleared_by_clinician": True},
                   day=DAY0 + timedelta(days=4))  # fmt: skip
    doc = json.loads(fhir_for_runner(db=db, runner="ana", day=DAY0 + timedelta(days=4)))
    (again,) = [e for e in doc["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert again["resource"]["status"] == "inactive"
    assert again["resource"]["period"]["end"] == (DAY0 + timedelta(days=4)).isoformat()
    get_fhir_model_class("Flag").model_validate(again["resource"])
