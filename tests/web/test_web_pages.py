"""Every page answers, in-process: status, the key parts a runner needs, and no stack trace ever."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from webkit import SOLEUS, doc, texts

from calfcare.web import create_app
from calfcare.web.config import WebSettings

PAGES = ["/", "/triage/1", "/today", "/checkin", "/recovery", "/training", "/learn", "/learn/muscles", "/settings"]


def _assess(client: TestClient, answers: dict[str, Any] = SOLEUS) -> dict[str, Any]:
    r = client.post("/api/v1/assess", json={"answers": answers})
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_for_a_fresh_runner(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    page = doc(r.text)
    assert page.xpath("//main[@id='main']"), "every page has its main landmark"
    assert page.xpath("//title")[0].text_content().endswith("— calfcare")


@pytest.mark.parametrize("path", [*PAGES, "/triage/result"])
def test_every_page_answers_for_a_runner_with_a_plan(client: TestClient, path: str) -> None:
    _assess(client)
    r = client.get(path)
    assert r.status_code == 200
    assert "Traceback" not in r.text


def test_home_sends_a_fresh_runner_to_the_triage_and_a_runner_with_a_plan_to_today(client: TestClient) -> None:
    r = client.get("/")
    assert doc(r.text).xpath("//a[@href='/triage' and contains(@class, 'btn-primary')]")
    _assess(client)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/today"


def test_today_shows_phase_day_warnings_first_exercises_and_the_gate(client: TestClient) -> None:
    _assess(client)
    page = doc(client.get("/today").text)
    assert "Protect" in page.xpath("//h1")[0].text_content()
    assert "day 2" in page.xpath("//h1")[0].text_content()
    sections = [s.get("id") or s.get("class") for s in page.xpath("//main/section | //main/article")]
    assert sections.index("card warning") < sections.index("ex-ankle_range_of_motion"), "warnings come first"
    assert page.xpath("//article[@id='ex-isometric_bent_knee']//div[@data-timer-seconds='30']")
    assert page.xpath("//ul[contains(@class,'gate')]/li"), "the gate is a checklist"
    assert page.xpath("//form[@action='/today/sets']//button[@name='sets_done']")


def test_today_puts_the_check_in_before_the_exercises_and_each_warnings_source_in_small_print(
    client: TestClient,
) -> None:
    _assess(client)
    html = client.get("/today").text
    page = doc(html)
    head = page.xpath("//header[@class='today-head']")[0]
    assert head.xpath(".//a[@href='/checkin' and contains(@class,'btn-primary')]"), "the day's action comes first"
    assert head.xpath(".//a[@href='#ex-ankle_range_of_motion']"), "a jump to the first exercise"
    items = texts(html, "//ul[@class='warnings']/li")
    cites = texts(html, "//ul[@class='warnings']/li/span[@class='cite']")
    assert cites and all(" · rule " in c for c in cites)
    assert not any("(rule:" in t for t in items), "the citation is not left inside the advice"
    cited_item = next(t for t in items if t.endswith(cites[0]))
    assert cited_item[: -len(cites[0])].rstrip().endswith("."), "the advice reads as a sentence before its source"


def test_a_warning_is_split_into_its_advice_and_its_rule_and_source() -> None:
    from calfcare.web.render import cited

    text = "No running before day 16 (rule: pace.by_grade; source: Prakash 2018, Green 2020 (AJSM))"
    assert cited(text) == ("No running before day 16.", "pace.by_grade", "Prakash 2018, Green 2020 (AJSM)")
    assert cited("Older age (rule: run.prevention; source: Lauersen 2014).") == (
        "Older age.",
        "run.prevention",
        "Lauersen 2014",
    )
    plain = "Keep pain at or below 3/10 (pain-monitoring model, a guide, not a promise)."
    assert cited(plain) == (plain, None, None)


def test_ticking_a_set_is_stored_and_counts_toward_adherence(client: TestClient) -> None:
    _assess(client)
    form = {"exercise_id": "glute_bridge", "sets_done": "1", "sets_planned": "3"}
    r = client.post("/today/sets", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/today#ex-glute_bridge"
    assert client.get("/api/v1/today").json()["sets_done"] == {"glute_bridge": 1}
    page = doc(client.get("/today").text)
    assert page.xpath("//article[@id='ex-glute_bridge']//span[@class='sets-done']")[0].text == "1"
    recovery = client.get("/api/v1/recovery").json()
    assert recovery["exercise_adherence"] == [{"date": "2026-11-02", "sets_done": 1, "sets_planned": 3, "share": 0.33}]


def test_ticking_with_htmx_returns_only_the_sets_part(client: TestClient) -> None:
    _assess(client)
    form = {"exercise_id": "cat_camel", "sets_done": "2", "sets_planned": "2"}
    r = client.post("/today/sets", data=form, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith("<form")
    assert "2 of 2 sets done today" in " ".join(doc(r.text).text_content().split())


def test_a_walk_run_session_becomes_the_step_list_the_timer_walks() -> None:
    from calfcare.web.render import interval_steps

    run = {"warm_up_min": 5, "intervals": [{"walk_min": 2, "run_min": 1, "repeats": 2}]}
    assert interval_steps(run) == [
        {"kind": "walk", "seconds": 300, "label": "warm-up walk"},
        {"kind": "run", "seconds": 60},
        {"kind": "walk", "seconds": 120},
        {"kind": "run", "seconds": 60},
        {"kind": "walk", "seconds": 120},
    ]


def test_the_result_page_shows_the_likely_muscle_severity_reasons_and_start_my_plan(client: TestClient) -> None:
    _assess(client)
    r = client.get("/triage/result")
    page = doc(r.text)
    assert "soleus" in page.xpath("//p[@class='likely']")[0].text_content()
    assert "90 %" in page.xpath("//p[@class='likely']")[0].text_content()
    assert "32–59 days" in r.text
    assert page.xpath("//details/summary[contains(., 'sources')]")
    assert page.xpath("//a[@href='/today' and contains(., 'Start my plan')]")


def test_an_urgent_flag_fills_the_result_with_where_to_go_and_the_chosen_number(client: TestClient) -> None:
    client.post("/settings", data={"emergency_number": "999"})
    clot = {"calf_bigger_than_other": True, "skin_warm_red_or_dark": True, "clot_risk_factors": ["long_travel"]}
    _assess(client, clot)
    page = doc(client.get("/triage/result").text)
    alert = page.xpath("//section[@role='alert']")[0]
    assert alert.get("data-flag") == "urgent"
    assert "See a doctor today" in alert.text_content()
    assert alert.xpath(".//a[@href='tel:999']")
    assert not page.xpath("//a[contains(., 'Start my plan')]")
    today = doc(client.get("/today").text)
    assert today.xpath("//section[@role='alert']//a[@href='tel:999']"), "today repeats where to go"


def test_settings_refuse_a_bad_number_with_the_message_next_to_the_field(client: TestClient) -> None:
    r = client.post("/settings", data={"emergency_number": "112", "emergency_number_other": "call me"})
    assert r.status_code == 422
    err = doc(r.text).xpath("//fieldset[@id='f-emergency_number']//p[@class='field-error']")
    assert err and "2 to 6 digits" in err[0].text_content()
    assert client.get("/api/v1/settings").json() == {"emergency_number": "112"}
    r = client.post("/settings", data={"emergency_number": "000"})
    assert client.get("/api/v1/settings").json() == {"emergency_number": "000"}


def test_learn_has_the_two_muscles_every_phase_the_whole_chain_and_see_a_professional(client: TestClient) -> None:
    links = texts(client.get("/learn").text, "//ul[@class='topics']//a")
    assert links[0] == "Your calf's two muscles"
    for phrase in ("Protect", "Mobility", "whole chain", "Preventing the next one", "If unsure, see a professional"):
        assert any(phrase.lower() in t.lower() for t in links), phrase
    muscles = client.get("/learn/muscles").text
    assert "soleus" in muscles and "gastrocnemius" in muscles
    assert client.get("/learn/whole-chain").status_code == 200
    assert client.get("/learn/no-such-topic").status_code == 404


def test_unknown_pages_get_the_custom_404(client: TestClient) -> None:
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "Page not found" in r.text and "<main" in r.text


def test_an_unexpected_error_gets_the_500_page_without_a_stack_trace(settings: WebSettings, web_db: Any) -> None:
    def broken_clock() -> Any:
        raise RuntimeError("secret internals")

    app = create_app(settings, db=web_db, clock=broken_clock)
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 1), raise_server_exceptions=False) as c:
        r = c.get("/today")
    assert r.status_code == 500
    assert "Something went wrong" in r.text
    assert "secret internals" not in r.text and "Traceback" not in r.text


def test_a_bad_date_in_the_address_gets_a_page_not_a_trace(client: TestClient) -> None:
    r = client.get("/recovery/not-a-date/edit")
    assert r.status_code == 422
    assert "could not be read" in r.text and "Traceback" not in r.text
