"""The triage wizard: red-flag screen first, short screens, "don't know" everywhere, answers kept across reloads and
going back, field errors next to the field, an emergency stops the questions at once."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient
from webkit import SOLEUS, doc

from calfcare.contracts.assessment import RED_FLAG_KEYS, questions
from calfcare.web import wizard


def _form_for(number: int, answers: dict[str, Any], asked_answers: dict[str, Any]) -> dict[str, Any]:
    """What a browser posts for screen ``number`` when the runner answers as in ``answers`` (else don't know)."""
    screen = wizard.screen(number)
    assert screen is not None
    out: dict[str, Any] = {"action": "next"}
    for q in screen.asked(asked_answers) or screen.questions:
        v = answers.get(q.key)
        if q.kind == "bool":
            out[q.key] = {True: "yes", False: "no"}.get(v, "")
        elif q.kind == "choices":
            out[q.key] = list(v or [])
            out[f"{q.key}__none"] = "none" if v == [] else ""
        else:
            out[q.key] = "" if v is None else str(v)
    return out


def _walk(client: TestClient, answers: dict[str, Any]) -> list[int]:
    """Answer every screen the wizard shows; returns the screen numbers seen."""
    seen: list[int] = []
    r = client.get("/triage", follow_redirects=False)
    url = r.headers["location"]
    given: dict[str, Any] = {}
    while url.startswith("/triage/") and url != "/triage/result":
        number = int(url.rsplit("/", 1)[1])
        seen.append(number)
        r = client.post(url, data=_form_for(number, answers, given), follow_redirects=False)
        assert r.status_code == 303, r.text
        screen = wizard.screen(number)
        assert screen is not None
        given.update({q.key: answers.get(q.key) for q in screen.questions if q.key in answers})
        url = r.headers["location"]
    return seen


def test_screens_come_from_the_contract_red_flags_first_and_stay_short() -> None:
    keys = [q.key for s in wizard.SCREENS for q in s.questions]
    assert sorted(keys) == sorted(q.key for q in questions()), "every contract question is on a screen, once"
    assert keys[: len(RED_FLAG_KEYS)] == list(RED_FLAG_KEYS), "the red-flag screen comes first"
    assert all(len(s.questions) <= wizard.SCREEN_SIZE for s in wizard.SCREENS)
    assert [s.questions[0].key for s in wizard.SCREENS if len(s.questions) == 1 and s.questions[0].key in
            ("pain_location", "single_leg_heel_raises_injured", "squeeze_test_no_movement")]  # fmt: skip


def test_the_first_screen_asks_safety_questions_with_dont_know_and_progress(client: TestClient) -> None:
    page = doc(client.get("/triage/1").text)
    assert page.xpath("//h1")[0].text_content() == "Safety questions first"
    assert page.xpath("//progress[@max and @value='1']")
    first = page.xpath("//fieldset[@id='q-breathless_or_chest_pain']")[0]
    values = [i.get("value") for i in first.xpath(".//input[@type='radio']")]
    assert values == ["yes", "no", ""], "yes, no and don't know"
    assert first.xpath(".//input[@value='' and @checked]"), "nothing answered yet means don't know"


def test_answers_are_kept_on_reload_and_when_going_back(client: TestClient) -> None:
    form = _form_for(1, {"breathless_or_chest_pain": False, "coughing_blood": False}, {})
    assert client.post("/triage/1", data=form, follow_redirects=False).headers["location"] == "/triage/2"
    assert client.get("/triage", follow_redirects=False).headers["location"] == "/triage/2", "resumes where it was"
    back = {**_form_for(2, {}, {}), "action": "back"}
    assert client.post("/triage/2", data=back, follow_redirects=False).headers["location"] == "/triage/1"
    page = doc(client.get("/triage/1").text)
    assert page.xpath("//fieldset[@id='q-breathless_or_chest_pain']//input[@value='no' and @checked]")
    assert client.get("/api/v1/triage/draft").json()["answers"] == {
        "breathless_or_chest_pain": False,
        "coughing_blood": False,
    }


def test_dont_know_removes_an_earlier_answer_never_reads_as_no(client: TestClient) -> None:
    client.post("/triage/1", data=_form_for(1, {"coughing_blood": False}, {}))
    client.post("/triage/1", data=_form_for(1, {}, {}))
    assert "coughing_blood" not in client.get("/api/v1/triage/draft").json()["answers"]


def test_a_bad_number_is_refused_next_to_its_field_and_nothing_is_kept(client: TestClient) -> None:
    number = next(s.number for s in wizard.SCREENS if any(q.key == "age" for q in s.questions))
    form = {**_form_for(number, {}, {}), "age": "forty"}
    r = client.post(f"/triage/{number}", data=form)
    assert r.status_code == 422
    err = doc(r.text).xpath("//fieldset[@id='q-age']//p[@class='field-error']")
    assert err and "whole number" in err[0].text_content()
    r = client.post(f"/triage/{number}", data={**form, "age": "7"})
    assert r.status_code == 422
    assert "10 to 100" in doc(r.text).xpath("//fieldset[@id='q-age']//p[@class='field-error']")[0].text_content()
    assert "age" not in client.get("/api/v1/triage/draft").json()["answers"]


def test_an_emergency_answer_stops_the_questions_and_shows_where_to_go(client: TestClient) -> None:
    r = client.post("/triage/1", data=_form_for(1, {"breathless_or_chest_pain": True}, {}), follow_redirects=False)
    assert r.headers["location"] == "/triage/result"
    page = doc(client.get("/triage/result").text)
    alert = page.xpath("//section[@role='alert']")[0]
    assert alert.get("data-flag") == "emergency" and "Call an ambulance now" in alert.text_content()
    assert alert.xpath(".//a[@href='tel:112']"), "the default emergency number"


def test_walking_every_screen_assesses_and_opens_the_plan(client: TestClient) -> None:
    seen = _walk(client, SOLEUS)
    assert seen == sorted(seen) and len(seen) >= 8
    result = client.get("/api/v1/triage/result").json()
    assert result["structure"]["likely"] == "soleus" and result["opens_episode"] is True
    assert client.get("/api/v1/triage/draft").json()["answers"] == {}, "the draft is spent"
    assert client.get("/api/v1/today").json()["phase"] == "protect"


def test_skip_logic_hides_follow_ups_that_do_not_apply(client: TestClient) -> None:
    no_back = {"back_pain_or_sciatica": False}
    screen = next(s for s in wizard.SCREENS if any(q.key == "sciatica_both_legs" for q in s.questions))
    assert "sciatica_both_legs" not in [q.key for q in screen.asked(no_back)]
    assert "sciatica_both_legs" in [q.key for q in screen.asked({"back_pain_or_sciatica": True})]


def test_the_leg_picture_screen_lists_every_region_as_a_choice(client: TestClient) -> None:
    number = next(s.number for s in wizard.SCREENS if s.questions[0].key == "pain_location")
    page = doc(client.get(f"/triage/{number}").text)
    picker = page.xpath("//div[@data-legpicker]")[0]
    values = [i.get("value") for i in picker.xpath(".//input[@name='pain_location']")]
    pain_location = next(q for q in questions() if q.key == "pain_location")
    assert values == [*pain_location.choices, ""]


def test_restart_forgets_the_draft(client: TestClient) -> None:
    client.post("/triage/1", data=_form_for(1, {"coughing_blood": False}, {}))
    client.post("/triage/restart")
    assert client.get("/api/v1/triage/draft").json()["answers"] == {}
