"""Whole journeys in real Chromium at phone size (390×844) and desktop size: a fresh runner from triage to day 1 and a
first check-in; ten days of check-ins moving the plan; a red flag at triage and at a check-in; uploading a small
Strava-style zip and seeing the load chart; editing a check-in. axe-core runs on every page; screenshots go to
``screenshots/`` (git-ignored). Skipped when Chromium is absent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser import DESKTOP, PHONE, Served, check_axe, shot
from webkit import SOLEUS, START, Clock, strava_zip

from calfcare.store import open_database
from calfcare.web import create_app
from calfcare.web.config import WebSettings

pytestmark = pytest.mark.browser
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Clock]]:
    clock = Clock(START)
    db = open_database(f"sqlite:///{tmp_path / 'journey.db'}")
    app = create_app(WebSettings(database_url=db.url, runner="me"), db=db, clock=clock)
    with Served(app) as server:
        yield server, clock
    db.dispose()


def _page(browser: Any, size: str) -> Any:
    context = browser.new_context(viewport=SIZES[size], locale="en-GB", bypass_csp=True)  # axe is injected as a script
    return context.new_page()


def _visit(page: Any, url: str, name: str) -> None:
    page.goto(url)
    check_axe(page, name)
    shot(page, name)


def _answer_screen(page: Any, answers: dict[str, Any]) -> None:
    for fieldset in page.locator("fieldset[id^='q-']").all():
        key = (fieldset.get_attribute("id") or "")[2:]
        items = (fieldset.get_attribute("data-items") or "").split()
        if key.startswith("_"):  # a step of the question plan over several keys: a checklist or a yes/no gate
            values = [answers.get(k) for k in items]
            if fieldset.locator("input[type=checkbox][value=yes]").count() > 1:  # pick all that apply
                for k in items:
                    if answers.get(k) is True:
                        fieldset.locator(f"input[name='{k}']").check()
            elif any(v not in (None, False, []) for v in values):
                fieldset.locator(f"input[name='{key}'][value='yes']").check()
            elif values and all(v in (False, []) for v in values):
                fieldset.locator(f"input[name='{key}'][value='no']").check()
            continue
        value = answers.get(key)
        if value is None:
            continue
        if isinstance(value, bool):
            fieldset.locator(f"input[name='{key}'][value='{'yes' if value else 'no'}']").check()
        elif isinstance(value, list):
            for v in value:
                fieldset.locator(f"input[name='{key}'][value='{v}']").check()
            if not value:
                fieldset.locator(f"input[name='{key}__none'][value='none']").check()
        elif fieldset.locator(f"input[type=radio][name='{key}'][value='{value}']").count():
            fieldset.locator(f"input[type=radio][name='{key}'][value='{value}']").check()
        else:
            fieldset.locator(f"input[name='{key}']").fill(str(value))


def _check_in(
    page: Any, base: str, *, pain: int = 0, flag: str | None = None, name: str | None = None, heel: int | None = None
) -> None:
    page.goto(f"{base}/checkin")
    if name:
        check_axe(page, name)
    if flag:
        page.locator("input[name=screen][value=yes]").check()
        page.locator(f"input[name=flag][value='{flag}']").check()
    else:
        page.locator("input[name=screen][value=no]").check()
    for slider in page.locator("input[type=range]").all():
        slider.focus()
        page.keyboard.press("Home")
        for _ in range(pain):
            page.keyboard.press("ArrowRight")
    if heel is not None:  # asked from the mobility phase on
        for key, count in (("single_leg_heel_raises_injured", heel), ("single_leg_heel_raises_other", 30)):
            if page.locator(f"input[name={key}]").count():
                page.locator(f"input[name={key}]").fill(str(count))
    page.locator("input[name=session][value=as_prescribed]").check()
    page.select_option("select[name=session_kind]", "rehab_exercises")
    page.locator("input[name=session_minutes]").fill("20")
    page.get_by_role("button", name="Check in").click()
    page.wait_for_url("**/checkin/result**")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_fresh_runner_gets_from_triage_to_day_one_and_a_first_check_in(
    browser: Any, served: tuple[Served, Clock], size: str
) -> None:
    server, clock = served
    page = _page(browser, size)
    _visit(page, server.url + "/", f"01-home-{size}")
    page.get_by_role("link", name="Start: check my calf").click()
    step = 0
    while "/triage/result" not in page.url:
        step += 1
        assert step < 30, "the wizard ends"
        if step in (1, 7, 9):
            check_axe(page, f"triage step {step}")
            shot(page, f"02-triage-{step:02d}-{size}")
        _answer_screen(page, SOLEUS)
        page.get_by_role("button", name="Next").click()
        page.wait_for_load_state()
    check_axe(page, "result")
    shot(page, f"03-result-{size}")
    assert "soleus" in page.locator("p.likely").inner_text()
    page.get_by_role("link", name="Start my plan").click()
    page.wait_for_url("**/today")
    check_axe(page, "today")
    shot(page, f"04-today-day1-{size}")
    assert "day 2" in page.locator("h1").first.inner_text()
    page.locator("#ex-glute_bridge").get_by_role("button", name="Tick a set").click()
    page.wait_for_function("document.querySelector('#ex-glute_bridge .sets-done').textContent.trim() === '1'")
    clock.day += timedelta(days=1)
    _check_in(page, server.url, pain=1, name=f"checkin-{size}")
    check_axe(page, "decision")
    shot(page, f"05-checkin-decision-{size}")
    assert page.locator("section.decision h1").inner_text()


def test_ten_days_of_check_ins_move_the_plan(browser: Any, served: tuple[Served, Clock]) -> None:
    server, clock = served
    page = _page(browser, "phone")
    assert page.request.post(server.url + "/api/v1/assess", data={"answers": SOLEUS}).ok
    for n in range(10):
        clock.day += timedelta(days=1)
        _check_in(page, server.url, pain=0, heel=8 + 3 * n)
    _visit(page, server.url + "/recovery", "06-recovery-ten-days-phone")
    page.wait_for_selector("[data-chart-kind=recovery] svg", timeout=10_000)
    shot(page, "06-recovery-ten-days-phone")
    phases = page.request.get(server.url + "/api/v1/recovery").json()["checkins"]
    assert len(phases) == 10
    assert [c["phase"] for c in phases][-1] not in ("protect", "mobility"), "ten good days move the plan on"
    _visit(page, server.url + "/today", "07-today-after-ten-days-phone")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_red_flag_at_triage_and_at_a_check_in_takes_over(
    browser: Any, served: tuple[Served, Clock], size: str
) -> None:
    server, clock = served
    page = _page(browser, size)
    page.goto(server.url + "/triage/1")
    page.locator("input[name=breathless_or_chest_pain][value=yes]").check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/triage/result")
    check_axe(page, "emergency result")
    shot(page, f"08-redflag-triage-{size}")
    call = page.get_by_role("link", name="Call 112")
    assert call.get_attribute("href") == "tel:112"
    box = call.bounding_box()
    assert box is not None and box["height"] >= 40, "a big call button"
    assert page.request.post(server.url + "/api/v1/assess", data={"answers": SOLEUS}).ok
    clock.day += timedelta(days=1)
    _check_in(page, server.url, pain=2, flag="calf_bigger_than_other")
    check_axe(page, "check-in red flag")
    shot(page, f"09-redflag-checkin-{size}")
    assert page.locator("section[role=alert]").get_attribute("data-flag") == "urgent"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_uploading_a_strava_zip_shows_the_load_chart(
    browser: Any, served: tuple[Served, Clock], size: str, tmp_path: Path
) -> None:
    server, _ = served
    days = [START - timedelta(days=d) for d in (40, 33, 26, 20, 13, 9, 6, 2)]
    archive = tmp_path / "export_42.zip"
    archive.write_bytes(strava_zip(days, [5, 6, 6, 7, 6, 8, 7, 15]))
    page = _page(browser, size)
    _visit(page, server.url + "/training", f"10-training-empty-{size}")
    page.set_input_files("#files", str(archive))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("link", name="Show the new load chart").wait_for(timeout=30_000)
    assert "imported" in page.locator("#upload-progress").inner_text()
    assert "error" in page.locator("#upload-progress").inner_text(), "the broken file's reason is shown"
    shot(page, f"11-training-upload-{size}")
    page.get_by_role("link", name="Show the new load chart").click()
    page.wait_for_selector("[data-chart-kind=load] svg", timeout=10_000)
    check_axe(page, "training with load")
    shot(page, f"12-training-load-{size}")


def test_editing_a_check_in_replays_the_plan(browser: Any, served: tuple[Served, Clock]) -> None:
    server, clock = served
    page = _page(browser, "phone")
    assert page.request.post(server.url + "/api/v1/assess", data={"answers": SOLEUS}).ok
    for _ in range(2):
        clock.day += timedelta(days=1)
        _check_in(page, server.url, pain=0)
    page.goto(server.url + "/recovery")
    page.get_by_role("link", name="Edit the check-in of 2026-11-03").click()
    page.wait_for_url("**/recovery/2026-11-03/edit")
    check_axe(page, "edit check-in")
    shot(page, "13-edit-checkin-phone")
    page.locator("input[name=screen][value=no]").check()
    slider = page.locator("input[name=pain_rest]")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_url("**/checkin/result**")
    shot(page, "14-edit-result-phone")
    stored = page.request.get(server.url + "/api/v1/checkins/2026-11-03").json()
    assert stored["answers"]["pain_rest"] == 5


def test_the_keyboard_alone_is_enough(browser: Any, served: tuple[Served, Clock]) -> None:
    server, _ = served
    page = _page(browser, "desktop")
    page.goto(server.url + "/settings")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("input[name=emergency_number][value='112']").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/settings?saved=1")
    assert page.request.get(server.url + "/api/v1/settings").json() == {"emergency_number": "999"}
    for path in ("/learn", "/learn/muscles", "/settings", "/no-such-page"):
        _visit(page, server.url + path, f"15-{path.strip('/').replace('/', '-') or 'home'}-desktop")
