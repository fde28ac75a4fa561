"""The triage wizard asks the CLI's question plan (``clinical.questions``): red-flag screen first, one step per screen,
"don't know" everywhere, answers kept across reloads and going back, field errors next to the field, an emergency
stops the questions at once."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient
from webkit import SOLEUS, doc

from calfcare.clinical.questions import Step, assessment_steps
from calfcare.contracts.assessment import questions
from calfcare.web import wizard

LIST_KEYS = ("clot_risk_factors", "medicines")


def _form_for(step: Step, answers: dict[str, Any]) -> dict[str, Any]:
    """What a browser posts for ``step`` when the runner answers as in ``answers`` (else don't know)."""
    out: dict[str, Any] = {"action": "next"}
    if step.kind == "question":
        q = wizard.QUESTIONS[step.id]
        v = answers.get(q.key)
        if q.kind == "bool":
            out[q.key] = {True: "yes", False: "no"}.get(v, "")
        elif q.kind == "choices":
            out[q.key] = list(v or [])
            out[f"{q.key}__none"] = "none" if v == [] else ""
        else:
            out[q.key] = "" if v is None else str(v)
    elif step.kind == "checklist":
        out.update({k: "yes" for k in step.items if answers.get(k) is True})
        if all(answers.get(k) is None for k in step.items):
            out[f"{step.id}__dontknow"] = "yes"
    else:
        values = [answers.get(k) for k in step.items]
        if any(v not in (None, False, []) for v in values):
            out[step.id] = "yes"
        elif values and all(v in (False, []) for v in values):
            out[step.id] = "no"
        else:
            out[step.id] = ""
    return out


def _getlist(form: dict[str, Any]) -> Any:
    return lambda key: v if isinstance(v := form.get(key), list) else ([] if v is None else [v])


def _walk(client: TestClient, answers: dict[str, Any]) -> list[int]:
    """Answer every screen the wizard shows; returns the screen numbers seen."""
    seen: list[int] = []
    url = client.get("/triage", follow_redirects=False).headers["location"]
    given: dict[str, Any] = {}
    while url.startswith("/triage/") and url != "/triage/result":
        number = int(url.rsplit("/", 1)[1])
        seen.append(number)
        step = wizard.step_at(number, given)
        assert step is not None
        form = _form_for(step, answers)
        r = client.post(url, data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        reply, problems = wizard.parse_step(step, form, _getlist(form))
        assert problems == []
        given = wizard.apply(step, reply, given)
        url = r.headers["location"]
    return seen


def test_the_wizard_asks_the_cli_question_plan_red_flags_first() -> None:
    assert wizard.plan_for({}) == assessment_steps({}), "every step the plan asks, in its order"
    first = wizard.plan_for({})[0]
    assert first.kind == "checklist" and "breathless_or_chest_pain" in first.items
    keys = {q.key for q in questions()}
    assert all(s.id in keys for s in wizard.plan_for({}) if s.kind == "question")


def test_the_first_screen_asks_safety_signs_with_dont_know_and_progress(client: TestClient) -> None:
    page = doc(client.get("/triage/1").text)
    assert page.xpath("//h1")[0].text_content() == "Safety questions first"
    assert page.xpath("//progress[@max and @value='1']")
    first = page.xpath("//fieldset[@id='q-_emergency_now']")[0]
    assert first.xpath(".//input[@type='checkbox' and @name='breathless_or_chest_pain' and @value='yes']")
    assert first.xpath(".//input[@name='_emergency_now__dontknow']"), "don't know is always possible"


def test_answers_are_kept_on_reload_and_when_going_back(client: TestClient) -> None:
    first = wizard.plan_for({})[0]
    assert client.post("/triage/1", data={"action": "next"}, follow_redirects=False).headers["location"] == (
        "/triage/2"
    )
    assert client.get("/triage", follow_redirects=False).headers["location"] == "/triage/2", "resumes where it was"
    back = {"action": "back", "_leg_now__dontknow": "yes"}
    assert client.post("/triage/2", data=back, follow_redirects=False).headers["location"] == "/triage/1"
    page = doc(client.get("/triage/1").text)
    assert not page.xpath("//fieldset[@id='q-_emergency_now']//input[@checked]"), "none of them, as answered"
    draft = client.get("/api/v1/triage/draft").json()["answers"]
    assert {k: draft[k] for k in first.items} == dict.fromkeys(first.items, False), "nothing ticked: none of these"
    assert not any(k.startswith("_") for k in draft), "the draft shows contract keys only"


def test_dont_know_removes_an_earlier_answer_never_reads_as_no(client: TestClient) -> None:
    client.post("/triage/1", data={"action": "next"})
    client.post("/triage/1", data={"action": "next", "_emergency_now__dontknow": "yes"})
    assert "coughing_blood" not in client.get("/api/v1/triage/draft").json()["answers"]


def test_a_bad_number_is_refused_next_to_its_field_and_nothing_is_kept(client: TestClient) -> None:
    number = next(i for i, s in enumerate(wizard.plan_for({}), 1) if s.id == "age")
    r = client.post(f"/triage/{number}", data={"action": "next", "age": "forty"})
    assert r.status_code == 422
    err = doc(r.text).xpath("//fieldset[@id='q-age']//p[@class='field-error']")
    assert err and "whole number" in err[0].text_content()
    r = client.post(f"/triage/{number}", data={"action": "next", "age": "7"})
    assert r.status_code == 422
    assert "10 to 100" in doc(r.text).xpath("//fieldset[@id='q-age']//p[@class='field-error']")[0].text_content()
    assert "age" not in client.get("/api/v1/triage/draft").json()["answers"]


def test_an_emergency_answer_stops_the_questions_and_shows_where_to_go(client: TestClient) -> None:
    form = {"action": "next", "breathless_or_chest_pain": "yes"}
    r = client.post("/triage/1", data=form, follow_redirects=False)
    assert r.headers["location"] == "/triage/result"
    page = doc(client.get("/triage/result").text)
    alert = page.xpath("//section[@role='alert']")[0]
    assert alert.get("data-flag") == "emergency" and "Call an ambulance now" in alert.text_content()
    assert alert.xpath(".//a[@href='tel:112']"), "the default emergency number"


def test_a_pale_foot_asks_its_follow_up_before_calling_an_emergency(client: TestClient) -> None:
    r = client.post("/triage/1", data={"action": "next", "foot_cold_pale_or_blue": "yes"}, follow_redirects=False)
    assert r.headers["location"] == "/triage/2", "only while running? is asked first, as in the CLI"
    assert doc(client.get("/triage/2").text).xpath("//fieldset[@id='q-foot_symptoms_only_during_runs']")


def test_walking_every_screen_assesses_and_opens_the_plan_in_at_most_25_steps(client: TestClient) -> None:
    seen = _walk(client, SOLEUS)
    assert seen == list(range(1, len(seen) + 1)) and 8 <= len(seen) <= 25
    result = client.get("/api/v1/triage/result").json()
    assert result["structure"]["likely"] == "soleus" and result["opens_episode"] is True
    assert client.get("/api/v1/triage/draft").json()["answers"] == {}, "the draft is spent"
    assert client.get("/api/v1/today").json()["phase"] == "protect"


def test_skip_logic_hides_follow_ups_that_do_not_apply() -> None:
    assert "sciatica_both_legs" not in [s.id for s in wizard.plan_for({"back_pain_or_sciatica": False})]
    assert "sciatica_both_legs" in [s.id for s in wizard.plan_for({"back_pain_or_sciatica": True})]


def test_the_leg_picture_screen_lists_every_region_as_a_choice(client: TestClient) -> None:
    number = next(i for i, s in enumerate(wizard.plan_for({}), 1) if s.id == "pain_location")
    page = doc(client.get(f"/triage/{number}").text)
    picker = page.xpath("//div[@data-legpicker]")[0]
    values = [i.get("value") for i in picker.xpath(".//input[@name='pain_location']")]
    pain_location = next(q for q in questions() if q.key == "pain_location")
    assert values == [*pain_location.choices, ""]


def test_restart_forgets_the_draft(client: TestClient) -> None:
    client.post("/triage/1", data={"action": "next"})
    client.post("/triage/restart")
    assert client.get("/api/v1/triage/draft").json()["answers"] == {}
