"""The JSON twin under /api/v1: the CLI's contract shapes, an OpenAPI schema, and errors as with --json."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from pytest import MonkeyPatch
from starlette.testclient import TestClient
from typer.testing import CliRunner
from webkit import ROOT, SOLEUS, Clock

from calfcare.cli import app as cli_app
from calfcare.store import open_database
from calfcare.web import create_app
from calfcare.web.config import WebSettings


def test_openapi_schema_lists_every_twin(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/today", "/assess", "/checkin", "/recovery", "/checkins/{day}", "/training", "/training/load",
                 "/import", "/learn", "/settings", "/triage/questions", "/triage/draft", "/triage/result"):  # fmt: skip
        assert path in paths, path
    assert client.get("/api/v1/docs").status_code == 404, "no interactive docs: they would load from a CDN"


def test_assess_and_today_give_the_contract_with_added_keys(client: TestClient) -> None:
    web = client.post("/api/v1/assess", json={"answers": SOLEUS, "date": "2026-11-02"}).json()
    assert web["disposition"] == "self_care" and web["episode"]["phase"] == "protect"
    today = client.get("/api/v1/today").json()
    for key in ("date", "phase", "stage", "prescription", "gate", "warnings", "episode"):
        assert key in today, key
    assert today["sets_done"] == {} and today["emergency_number"] == "112"


def test_the_api_answers_the_same_as_the_cli_on_the_same_database(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'same.db'}"
    monkeypatch.setenv("CALFCARE_DATABASE_URL", url)
    monkeypatch.delenv("CALFCARE_RUNNER", raising=False)
    answers = ROOT / "examples" / "soleus-build-up.json"
    runner = CliRunner()
    day = date.today().isoformat()
    cli = runner.invoke(cli_app, ["assess", "--answers", str(answers), "--json", "--date", day])
    assert cli.exit_code == 0, cli.output
    cli_today = json.loads(runner.invoke(cli_app, ["today", "--json"]).output)
    db = open_database(url)
    app = create_app(WebSettings(database_url=url, runner="me"), db=db, clock=date.today)
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 1)) as c:
        web_today = c.get("/api/v1/today").json()
    db.dispose()
    extra = {"sets_done", "emergency_number"}
    assert {k: v for k, v in web_today.items() if k not in extra} == cli_today


def test_checkin_twin_records_and_an_idempotency_key_stores_it_once(client: TestClient, clock: Clock) -> None:
    client.post("/api/v1/assess", json={"answers": SOLEUS})
    clock.day += timedelta(days=1)
    body = {"answers": {"morning_pain": 1, "pain_rest": 0, "pain_walking": 1}}
    one = client.post("/api/v1/checkin", json=body, headers={"Idempotency-Key": "abc123"}).json()
    assert one["status"] == "recorded" and one["decision"] in ("progress", "hold", "step_back", "refer")
    two = client.post("/api/v1/checkin", json=body, headers={"Idempotency-Key": "abc123"}).json()
    assert two["status"] == "duplicate"
    plain = client.post("/api/v1/checkin", json=body).json()
    assert plain["replaced"] is True and "notes" in plain, "the CLI's check-in contract"
    form = client.get("/api/v1/checkin").json()
    assert form["existing"]["date"] == "2026-11-03"
    assert "morning_pain" in [f["key"] for f in form["fields"]["body"]]


def test_errors_are_json_with_the_field_named(client: TestClient, clock: Clock) -> None:
    r = client.post("/api/v1/assess", json={"answers": {"age": 7, "colour": "red"}})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "InvalidAnswers"
    assert {p["field"] for p in body["problems"]} >= {"age", "colour"}
    r = client.post("/api/v1/checkin", json={"answers": {}})
    assert r.status_code == 409 and r.json()["error"] == "Conflict"
    r = client.get("/api/v1/today", params={"date": "2999-01-01"})
    assert r.status_code == 422 and "future" in r.json()["message"]
    r = client.post("/api/v1/checkin", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "InvalidInput"
    assert client.get("/api/v1/nothing").json()["error"] == "NotFound"


def test_edit_and_delete_twins_replay_the_plan(client: TestClient, clock: Clock) -> None:
    client.post("/api/v1/assess", json={"answers": SOLEUS})
    clock.day += timedelta(days=1)
    client.post("/api/v1/checkin", json={"answers": {"morning_pain": 1}})
    assert client.get("/api/v1/checkins/2026-11-03").json()["answers"] == {"morning_pain": 1}
    r = client.put("/api/v1/checkins/2026-11-03", json={"answers": {"morning_pain": 2}})
    assert r.json()["replaced"] is True
    assert client.put("/api/v1/checkins/2026-11-01", json={"answers": {}}).status_code == 404
    gone = client.delete("/api/v1/checkins/2026-11-03").json()
    assert gone["deleted"] == "2026-11-03"
    assert client.get("/api/v1/checkins/2026-11-03").status_code == 404


def test_questions_twin_gives_the_plan_the_pages_ask_and_every_question(client: TestClient) -> None:
    q = client.get("/api/v1/triage/questions").json()
    steps = q["steps"]
    assert steps[0]["section"] == "Safety questions first" and steps[0]["kind"] == "checklist"
    assert [s["number"] for s in steps] == list(range(1, len(steps) + 1))
    # the page for screen n asks step n
    for step in (steps[0], steps[3], steps[-1]):
        page = client.get(f"/triage/{step['number']}").text
        assert (step["text"] or "")[:40] in page.replace("&#39;", "'").replace("&quot;", '"'), step
    keys = {x["key"] for x in q["questions"]}
    asked = {s["id"] for s in steps if s["kind"] == "question"} | {i["key"] for s in steps for i in s["items"]}
    assert asked <= keys
    loc = next(x for x in q["questions"] if x["key"] == "pain_location")
    assert loc["illustration"] == "leg_back" and "achilles" in loc["choices"]


def test_steps_twin_follows_the_answers_like_the_pages(client: TestClient) -> None:
    plain = [s["id"] for s in client.post("/api/v1/triage/steps", json={"answers": {}}).json()["steps"]]
    assert "squeeze_test_no_movement" not in plain
    snap = {"felt_snap_or_pop": True, "pain_location": "achilles"}
    after_snap = [s["id"] for s in client.post("/api/v1/triage/steps", json={"answers": snap}).json()["steps"]]
    assert after_snap[-1] == "squeeze_test_no_movement"  # a snap low in the calf: the squeeze test is asked
    bad = client.post("/api/v1/triage/steps", json={"answers": "all of them"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "answers"


def test_draft_twin_refuses_answers_that_break_the_contract(client: TestClient) -> None:
    assert client.put("/api/v1/triage/draft", json={"answers": {"age": 300}}).status_code == 422
    assert client.put("/api/v1/triage/draft", json={"answers": {"age": 30}}).json() == {"answers": {"age": 30}}
    assert client.get("/api/v1/triage/draft").json() == {"answers": {"age": 30}}


def test_settings_and_learn_twins(client: TestClient) -> None:
    assert client.put("/api/v1/settings", json={"emergency_number": "911"}).json() == {"emergency_number": "911"}
    assert client.put("/api/v1/settings", json={"emergency_number": "dial"}).status_code == 422
    topics = client.get("/api/v1/learn").json()["topics"]
    assert [t["id"] for t in topics][:2] == ["muscles", "phase-protect"]


def test_every_page_has_its_json_twin(client: TestClient, clock: Clock) -> None:
    """Each page's data is one GET away as JSON (the pages' charts read them too)."""
    client.post("/api/v1/assess", json={"answers": SOLEUS})
    clock.day += timedelta(days=1)
    client.post("/api/v1/checkin", json={"answers": {"morning_pain": 1}})
    twins = {
        "/today": "/api/v1/today",
        "/triage/1": "/api/v1/triage/questions",
        "/triage/result": "/api/v1/triage/result",
        "/checkin": "/api/v1/checkin",
        "/checkin/result?date=2026-11-03": "/api/v1/checkins/2026-11-03",
        "/recovery": "/api/v1/recovery",
        "/recovery/2026-11-03/edit": "/api/v1/checkins/2026-11-03",
        "/training": "/api/v1/training",
        "/learn": "/api/v1/learn",
        "/learn/muscles": "/api/v1/learn/muscles",
        "/settings": "/api/v1/settings",
    }
    for page, twin in twins.items():
        assert client.get(page).status_code == 200, page
        r = client.get(twin)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json", twin
    assert client.get("/api/v1/learn/nothing").status_code == 404


def test_the_answers_schemas_are_the_cli_ones(client: TestClient) -> None:
    from calfcare.contracts.assessment import assessment_answers_schema
    from calfcare.contracts.checkin import checkin_answers_schema

    assert client.get("/api/v1/schemas/assessment-answers").json() == assessment_answers_schema()
    assert client.get("/api/v1/schemas/checkin-answers").json() == checkin_answers_schema()
