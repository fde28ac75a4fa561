"""The check-in page: today's questions, the decision at once, field errors, a red flag taking over, one check-in per
form (double submit, a second tab), editing and deleting a check-in with the plan replayed."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient
from webkit import SOLEUS, Clock, doc, texts

NO_FLAGS = {"screen": "no"}


def _start(client: TestClient) -> None:
    assert client.post("/api/v1/assess", json={"answers": SOLEUS}).status_code == 200


def _token(client: TestClient, url: str = "/checkin") -> dict[str, str]:
    page = doc(client.get(url).text)
    out = {"form_token": page.xpath("//input[@name='form_token']")[0].get("value")}
    if page.xpath("//input[@name='replace']"):
        out["replace"] = "yes"
    return out


def _good(**extra: Any) -> dict[str, Any]:
    return {
        **NO_FLAGS,
        "morning_pain": "1",
        "morning_stiffness": "1",
        "pain_rest": "0",
        "pain_walking": "1",
        "session": "as_prescribed",
        "session_kind": "rehab_exercises",
        "session_minutes": "20",
        "session_rpe": "3",
        "pain_during_session": "1",
        "pain_after_session": "1",
        **extra,
    }


def test_the_form_asks_what_matters_today_with_words_at_the_ends(client: TestClient) -> None:
    _start(client)
    page = doc(client.get("/checkin").text)
    slider = page.xpath("//input[@name='morning_pain' and @type='range' and @min='0' and @max='10']")
    assert slider, "pain as a 0-10 slider"
    ends = [e.text_content() for e in page.xpath("//div[@id='f-morning_pain']//span[@class='slider-end']")]
    assert ends == ["0 none", "10 worst imaginable"]
    assert page.xpath("//input[@name='limp' and @type='checkbox' and @role='switch']")
    assert not page.xpath("//input[@name='single_leg_heel_raises_injured']"), "no heel-raise test in the protect phase"
    assert not page.xpath("//input[@name='hop_pain']")
    assert not page.xpath("//input[@name='cleared_by_clinician']")
    safety = page.xpath("//fieldset[@id='f-screen']")[0]
    assert [i.get("value") for i in safety.xpath("./div//input[@name='screen']")] == ["no", "yes"]
    assert len(safety.xpath(".//details//input[@name='flag']")) >= 20, "details on yes: every sign"


def test_a_check_in_shows_its_decision_and_reasons_at_once(client: TestClient, clock: Clock) -> None:
    _start(client)
    clock.day += timedelta(days=1)
    r = client.post("/checkin", data={**_token(client), **_good()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/checkin/result?date=2026-11-03")
    page = doc(client.get(r.headers["location"]).text)
    assert page.xpath("//section[contains(@class,'decision')]//h1")
    assert page.xpath("//ul[@class='reasons']/li")
    stored = client.get("/api/v1/checkins/2026-11-03").json()
    assert stored["answers"]["morning_pain"] == 1 and stored["answers"]["breathless_or_chest_pain"] is False
    assert stored["answers"]["clot_risk_factors"] == []


def test_bad_input_gets_its_message_next_to_the_field_and_nothing_is_stored(client: TestClient) -> None:
    _start(client)
    r = client.post("/checkin", data={**_token(client), **_good(session_minutes="an hour")})
    assert r.status_code == 422
    err = doc(r.text).xpath("//div[@id='f-session_minutes']//p[@class='field-error']")
    assert err and "expected a number" in err[0].text_content()
    r = client.post("/checkin", data={**_token(client), **_good(morning_pain="11")})
    assert r.status_code == 422
    assert doc(r.text).xpath("//div[@id='f-morning_pain']//p[@class='field-error']")
    r = client.post("/checkin", data={**_token(client), "screen": "yes"})
    assert r.status_code == 422
    assert "tick the signs" in doc(r.text).xpath("//fieldset[@id='f-screen']//p[@class='field-error']")[0].text
    assert client.get("/api/v1/recovery").json()["checkins"] == []


def test_a_double_submit_stores_one_check_in(client: TestClient) -> None:
    _start(client)
    form = {**_token(client), **_good()}
    first = client.post("/checkin", data=form, follow_redirects=False)
    second = client.post("/checkin", data={**form, "morning_pain": "7"}, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"].startswith("/checkin/result?date=2026-11-02")
    assert len(client.get("/api/v1/recovery").json()["checkins"]) == 1
    assert client.get("/api/v1/checkins/2026-11-02").json()["answers"]["morning_pain"] == 1, "the second is ignored"


def test_a_second_tab_does_not_silently_replace_the_first_check_in(client: TestClient) -> None:
    _start(client)
    tab1, tab2 = _token(client), _token(client)
    assert client.post("/checkin", data={**tab1, **_good()}, follow_redirects=False).status_code == 303
    r = client.post("/checkin", data={**tab2, **_good(morning_pain="6")})
    assert r.status_code == 409
    assert "saved meanwhile" in r.text
    assert client.get("/api/v1/checkins/2026-11-02").json()["answers"]["morning_pain"] == 1
    again = doc(r.text).xpath("//input[@name='replace']")
    assert again, "sending it again replaces, on purpose"
    token = doc(r.text).xpath("//input[@name='form_token']")[0].get("value")
    r = client.post("/checkin", data={"form_token": token, "replace": "yes", **_good(morning_pain="6")})
    assert r.status_code == 200
    assert client.get("/api/v1/checkins/2026-11-02").json()["answers"]["morning_pain"] == 6
    assert len(client.get("/api/v1/recovery").json()["checkins"]) == 1


def test_a_red_flag_at_a_check_in_takes_over_the_screen(client: TestClient, clock: Clock) -> None:
    _start(client)
    clock.day += timedelta(days=1)
    form = {**_token(client), **_good(screen="yes"), "flag": ["calf_bigger_than_other", "skin_warm_red_or_dark"]}
    r = client.post("/checkin", data=form)
    page = doc(r.text)
    alert = page.xpath("//section[@role='alert']")[0]
    assert alert.get("data-flag") == "urgent"
    assert alert.xpath(".//a[@href='tel:112']")
    assert page.xpath("//section[contains(@class,'decision-refer')]")
    today = doc(client.get("/today").text)
    assert today.xpath("//section[@role='alert']"), "the plan stays stopped"
    assert doc(client.get("/checkin").text).xpath("//input[@name='cleared_by_clinician']"), "asked once referred"


def test_editing_a_check_in_replays_the_plan(client: TestClient, clock: Clock) -> None:
    _start(client)
    for _ in range(3):
        clock.day += timedelta(days=1)
        client.post("/checkin", data={**_token(client), **_good(morning_pain="0", pain_walking="0")})
    before = client.get("/api/v1/recovery").json()["checkins"]
    edit = doc(client.get("/recovery/2026-11-03/edit").text)
    assert edit.xpath("//form[@action='/recovery/2026-11-03/edit']")
    assert edit.xpath("//input[@name='morning_pain' and @value='0']"), "the form shows the stored answers"
    assert edit.xpath("//input[@name='screen' and @value='no' and @checked]"), "and the safety answer"
    assert edit.xpath("//input[@name='session_minutes' and @value='20']"), "whole numbers without .0"
    form = {**_token(client, "/recovery/2026-11-03/edit"), **_good(morning_pain="6", pain_rest="6", pain_walking="7")}
    r = client.post("/recovery/2026-11-03/edit", data=form)
    assert r.status_code == 200
    after = client.get("/api/v1/recovery").json()["checkins"]
    assert len(after) == len(before) == 3
    assert client.get("/api/v1/checkins/2026-11-03").json()["answers"]["pain_rest"] == 6
    assert [c["decision"] for c in after] != [c["decision"] for c in before]


def test_deleting_a_check_in_replays_the_plan(client: TestClient, clock: Clock) -> None:
    _start(client)
    clock.day += timedelta(days=1)
    client.post("/checkin", data={**_token(client), **_good()})
    r = client.post("/recovery/2026-11-03/delete", follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert re.search(r"check-in of 2026-11-03 was deleted", page)
    assert client.get("/api/v1/recovery").json()["checkins"] == []
    assert client.post("/recovery/2026-11-03/delete").status_code == 404


def test_the_recovery_page_lists_check_ins_with_edit_and_delete_and_a_chart(client: TestClient, clock: Clock) -> None:
    _start(client)
    clock.day += timedelta(days=1)
    client.post("/checkin", data={**_token(client), **_good()})
    page = doc(client.get("/recovery").text)
    assert page.xpath("//*[@data-chart-src='/api/v1/recovery' and @data-chart-kind='recovery']")
    assert page.xpath("//table[@class='data']//th[@scope='row' and text()='2026-11-03']"), "the table fallback"
    row = page.xpath("//li[@id='c-2026-11-03']")[0]
    assert row.xpath(".//a[@href='/recovery/2026-11-03/edit']")
    assert row.xpath(".//form[@action='/recovery/2026-11-03/delete']")


def test_the_form_asks_the_cli_question_plan(client: TestClient) -> None:
    """The page shows exactly the plan's steps for the day (as the CLI asks them), with the snap-or-pop sign."""
    from calfcare.clinical.questions import SNAP_KEY, checkin_steps
    from calfcare.web import checkin_form as cf

    _start(client)
    page = doc(client.get("/checkin").text)
    signs = {i.get("value") for i in page.xpath("//fieldset[@id='f-screen']//input[@name='flag']")}
    assert SNAP_KEY in signs, "a new snap or pop is one of the signs"
    context = cf.context_for("protect", "open")
    asked = {s.id for s in cf.plan_steps(context) if s.kind == "question"} - {"session", "session_kind"}
    asked |= {k for s in checkin_steps({}, context) if s.kind == "checklist" for k in s.items}
    shown = {f.key for section in cf.fields_for("protect", "open").values() for f in section}
    assert shown == asked - set(signs) - {"clot_risk_factors"}
    for key in shown:
        assert page.xpath(f"//*[@name='{key}']"), key
    waiting = {f.key for f in cf.fields_for("protect", "open", awaiting_clearance=True)["extra"]}
    assert waiting == {"cleared_by_clinician"}, "a severe tear waiting for clearance is asked about it"
    first = cf.fields_for("protect", "open")  # worked out once per context: each caller gets its own lists
    first["body"].clear()
    assert {f.key for section in cf.fields_for("protect", "open").values() for f in section} == shown


def test_no_to_the_safety_question_answers_the_snap_no_and_yes_to_it_refers(
    client: TestClient, web_db: Any, clock: Clock
) -> None:
    from calfcare.clinical.questions import SNAP_KEY
    from calfcare.services.checkins import checkin_on

    _start(client)
    assert client.post("/checkin", data={**_good(), **_token(client)}, follow_redirects=False).status_code == 303
    found = checkin_on(db=web_db, runner="me", day=clock())
    assert found is not None and found["answers"][SNAP_KEY] is False, "no = no new snap or pop either"
    posted = {**_good(), "screen": "yes", "flag": SNAP_KEY, **_token(client)}
    assert client.post("/checkin", data=posted, follow_redirects=False).status_code == 303
    found = checkin_on(db=web_db, runner="me", day=clock())
    assert found is not None and found["result"]["decision"] == "refer"
    assert [f["code"] for f in found["result"]["red_flags"]] == ["suspected_retear_or_rupture"]


def test_the_check_in_asks_how_a_run_before_running_was_allowed_felt(
    client: TestClient, web_db: Any, clock: Clock
) -> None:
    """A run logged while running was not allowed yet is asked about on the form; the answers become that day's
    check-in (before today's), and it is not asked again."""
    from datetime import UTC, datetime

    import numpy as np

    from calfcare.activities.streams import Streams
    from calfcare.activities.streams_codec import ENCODING, pack_streams
    from calfcare.services.checkins import checkin_on
    from calfcare.store.models import Activity, ActivityStreams

    _start(client)
    run_day = clock()
    speed = np.full(1500, 2.5, dtype=np.float32)
    with web_db.session() as s:
        act = Activity(
            runner_id=web_db.runner_id("me"),
            content_sha256="early".ljust(64, "0"),
            source_format="fit",
            sport="run",
            start_utc=datetime(run_day.year, run_day.month, run_day.day, 7, 0, tzinfo=UTC),
            utc_offset_s=3600,
            elapsed_s=1500.0,
            moving_s=1500.0,
            distance_m=float(speed.sum()),
            record_count=1500,
            extra={},
        )
        s.add(act)
        s.flush()
        blob = pack_streams(Streams(start_epoch=0.0, channels={"speed": speed}))
        s.add(ActivityStreams(activity_id=act.id, length=1500, encoding=ENCODING, data=blob))
    clock.day += timedelta(days=1)
    page = doc(client.get("/checkin").text)
    asked = page.xpath(f"//fieldset[@id='f-run-{run_day.isoformat()}']")
    assert asked and "before running was allowed" in asked[0].text_content()
    form = {**_good(), **_token(client)}
    form.update({f"run-{run_day.isoformat()}-{k}": v for k, v in
                 (("pain_during_session", "4"), ("pain_after_session", "3"), ("morning_pain", "2"))})  # fmt: skip
    assert client.post("/checkin", data=form, follow_redirects=False).status_code == 303
    told = checkin_on(db=web_db, runner="me", day=run_day)
    assert told is not None
    a = told["answers"]
    assert (a["session"], a["session_kind"], a["pain_during_session"], a["morning_pain"]) == ("different", "run", 4, 2)
    assert checkin_on(db=web_db, runner="me", day=clock()) is not None, "and today's own check-in"
    assert not doc(client.get("/checkin").text).xpath(f"//fieldset[@id='f-run-{run_day.isoformat()}']")


def test_a_decisions_reasons_read_first_with_their_source_in_small_print(client: TestClient, clock: Clock) -> None:
    client.post("/api/v1/assess", json={"answers": SOLEUS})
    clock.day += timedelta(days=1)
    for _ in range(3):  # pain-free days: the plan moves on, citing its gate
        client.post("/api/v1/checkin", json={"answers": {"morning_pain": 0, "pain_rest": 0, "pain_walking": 0}})
        clock.day += timedelta(days=1)
    html = client.get(f"/checkin/result?date={(clock.day - timedelta(days=1)).isoformat()}").text
    reasons = texts(html, "//ul[@class='reasons']/li")
    assert reasons and not any("(rule:" in r for r in reasons)
    assert texts(html, "//ul[@class='reasons']/li/span[@class='cite']")
