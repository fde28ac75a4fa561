"""The front end's own JavaScript in real Chromium, on small pages made here (no app server): the hold/rest and
walk-run timers (with Playwright's fake clock, so no test waits in real time), the leg picker and both charts.
Static files are served from the package through request routing. Skips when Chromium or Playwright is absent."""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src/calfcare/web/static"
BASE = "http://calfcare.test"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    found = os.environ.get("CALFCARE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


@pytest.fixture(scope="module")
def chromium(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A session-wide ``browser`` fixture when a conftest provides one (Playwright's sync API allows one running
    instance per thread), else a browser of this module's own."""
    try:
        shared = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    sync_api = pytest.importorskip("playwright.sync_api")
    path = _chromium()
    if path is None:
        pytest.skip("Chromium is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


def _html(body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        '<link rel="stylesheet" href="/static/css/app.css"></head><body><main class="page">'
        + body
        + '</main><script src="/static/js/timer.js"></script><script src="/static/js/legpicker.js"></script>'
        '<script src="/static/js/charts.js"></script></body></html>'
    )


@pytest.fixture
def open_page(chromium: Any) -> Iterator[Any]:
    pages: list[Any] = []

    def make(body: str, api: dict[str, Any] | None = None, clock: bool = False, init: str | None = None) -> Any:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors

        def route(r: Any) -> None:
            path = r.request.url[len(BASE) :].split("?")[0]
            if path == "/":
                r.fulfill(body=_html(body), content_type="text/html")
            elif path.startswith("/static/") and (STATIC / path[8:]).is_file():
                f = STATIC / path[8:]
                r.fulfill(body=f.read_bytes(), content_type=mimetypes.guess_type(f.name)[0] or "text/plain")
            elif api is not None and path in api:
                r.fulfill(body=json.dumps(api[path]), content_type="application/json")
            else:
                r.fulfill(status=404, body="not found")

        page.route(f"{BASE}/**", route)
        if clock:
            page.clock.install()
        if init:
            page.add_init_script(init)
        page.goto(f"{BASE}/")
        pages.append(context)
        return page

    yield make
    for context in pages:
        context.close()


# ---------- timer.js ----------


def test_hold_timer_counts_down_then_rests_then_finishes(open_page: Any) -> None:
    page = open_page(
        '<div class="timer" data-timer-seconds="3" data-timer-rest="2" data-timer-sets="2" data-label="Hold">'
        "Hold 3 s</div>",
        clock=True,
    )
    timer = page.locator(".timer")
    assert timer.locator(".timer-display").inner_text() == "0:03"
    page.get_by_role("button", name="Start").click()
    assert "Hold 1 of 2" in timer.locator(".timer-phase").text_content()
    page.clock.run_for(3500)
    assert timer.locator(".timer-phase").text_content() == "Rest"
    assert timer.locator("[aria-live=assertive]").inner_text() == "Rest for 2 seconds"
    page.clock.run_for(2000)
    assert "Hold 2 of 2" in timer.locator(".timer-phase").text_content()
    page.clock.run_for(3500)
    assert timer.locator(".timer-phase").text_content() == "Done"
    assert "is-finished" in (timer.get_attribute("class") or "")
    assert page.get_by_role("button", name="Start").is_disabled()
    assert not page.errors


def test_pause_stops_the_clock_and_reset_goes_back_to_the_start(open_page: Any) -> None:
    page = open_page('<div class="timer" data-timer-seconds="30"></div>', clock=True)
    page.get_by_role("button", name="Start").click()
    page.clock.run_for(10_000)
    page.get_by_role("button", name="Pause").click()
    shown = page.locator(".timer-display").inner_text()
    assert shown == "0:20"
    page.clock.run_for(10_000)
    assert page.locator(".timer-display").inner_text() == shown
    page.get_by_role("button", name="Reset").click()
    assert page.locator(".timer-display").inner_text() == "0:30"


WAKE_LOCK_STUB = """
window.wakeLog = [];
Object.defineProperty(navigator, "wakeLock", {value: {request: function (kind) {
  window.wakeLog.push("request " + kind);
  var lock = new EventTarget();
  lock.release = function () { window.wakeLog.push("release"); return Promise.resolve(); };
  return Promise.resolve(lock);
}}});
"""


def test_a_running_timer_keeps_the_screen_awake_until_paused(open_page: Any) -> None:
    page = open_page('<div class="timer" data-timer-seconds="30"></div>', init=WAKE_LOCK_STUB)
    page.get_by_role("button", name="Start").click()
    page.wait_for_function("window.wakeLog.length === 1")
    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("window.wakeLog") == ["request screen", "release"]


def test_walk_run_timer_highlights_the_current_step_and_announces_each_change(open_page: Any) -> None:
    steps = [{"kind": "walk", "seconds": 60, "label": "warm-up walk"}, {"kind": "run", "seconds": 30}]
    steps.append({"kind": "walk", "seconds": 30})
    page = open_page(f"<div class=\"timer\" data-intervals='{json.dumps(steps)}'></div>", clock=True)
    items = page.locator(".interval-list li")
    assert items.count() == 3
    assert "Warm-up walk" in items.nth(0).inner_text()
    page.get_by_role("button", name="Start").click()
    assert items.nth(0).get_attribute("aria-current") == "step"
    page.clock.run_for(61_000)
    assert items.nth(1).get_attribute("aria-current") == "step"
    assert "is-current" in (items.nth(1).get_attribute("class") or "")
    assert "is-done" in (items.nth(0).get_attribute("class") or "")
    assert page.locator(".timer [aria-live=assertive]").inner_text() == "Run (2 of 3) for 30 seconds"
    page.clock.run_for(61_000)
    assert page.locator(".timer-phase").text_content() == "Done"
    assert not page.errors


def test_walk_run_timer_expands_the_plans_own_shape(open_page: Any) -> None:
    plan = {"warm_up_min": 5, "intervals": [{"walk_min": 2, "run_min": 3, "repeats": 4}]}
    page = open_page(f"<div class=\"timer\" data-intervals='{json.dumps(plan)}'></div>")
    items = page.locator(".interval-list li")
    assert items.count() == 1 + 4 * 2
    assert items.nth(1).inner_text().split() == ["Run", "3:00"]
    assert items.nth(2).inner_text().split() == ["Walk", "2:00"]


def test_bad_interval_data_leaves_the_server_markup_alone(open_page: Any) -> None:
    page = open_page(
        '<div class="timer" data-intervals=\'[{"kind":"sprint","seconds":10}]\'><p>Walk 2, run 3</p></div>'
        '<div class="timer" data-intervals="not json"></div>'
    )
    assert page.locator(".timer button").count() == 0
    assert page.locator(".timer p").inner_text() == "Walk 2, run 3"
    assert not page.errors


# ---------- legpicker.js ----------

LEG = (Path(__file__).resolve().parents[2] / "src/calfcare/web/templates/illustrations/leg_back.svg.j2").read_text(
    encoding="utf-8"
)


def _picker(kind: str) -> str:
    svg = LEG.split("-#}", 1)[1]
    choices = "".join(
        f'<label class="choice"><input type="{kind}" name="pain_location" value="{v}"> {v.replace("_", " ")}</label>'
        for v in ("achilles", "heel", "mid_calf", "shin_bone")
    )
    picture = f"<figure>{svg}</figure>"
    return f'<form><div class="legpicker" data-legpicker>{picture}<div class="choices">{choices}</div></div></form>'


def test_tapping_a_region_selects_its_radio_and_presses_only_that_region(open_page: Any) -> None:
    page = open_page(_picker("radio"))
    achilles = page.locator('[data-region="achilles"]')
    assert achilles.get_attribute("role") == "button"
    assert achilles.get_attribute("aria-pressed") == "false"
    assert achilles.get_attribute("aria-label") == "achilles"
    achilles.click()
    assert page.locator('input[value="achilles"]').is_checked()
    assert achilles.get_attribute("aria-pressed") == "true"
    page.locator('[data-region="heel"]').focus()
    page.keyboard.press("Enter")
    assert page.locator('input[value="heel"]').is_checked()
    assert achilles.get_attribute("aria-pressed") == "false"
    assert page.locator('[data-region="heel"]').get_attribute("aria-pressed") == "true"
    assert not page.errors


def test_checkboxes_toggle_and_ticking_an_input_updates_the_drawing(open_page: Any) -> None:
    page = open_page(_picker("checkbox"))
    mid = page.locator('[data-region="mid_calf"]')
    mid.focus()
    page.keyboard.press("Space")
    assert page.locator('input[value="mid_calf"]').is_checked()
    page.keyboard.press("Space")
    assert not page.locator('input[value="mid_calf"]').is_checked()
    page.locator('input[value="shin_bone"]').check()
    assert page.locator('[data-region="shin_bone"]').get_attribute("aria-pressed") == "true"


def test_regions_without_an_input_leave_the_tab_order(open_page: Any) -> None:
    page = open_page(_picker("radio"))
    knee = page.locator('[data-region="behind_knee"]')
    assert knee.get_attribute("tabindex") is None
    assert knee.get_attribute("aria-hidden") == "true"


# ---------- charts.js ----------

HISTORY = {
    "pain_series": [
        {"date": "2026-03-01", "morning_pain": 5, "pain_rest": 3, "single_leg_heel_raises_injured": None},
        {"date": "2026-03-02", "morning_pain": 4, "pain_rest": None, "single_leg_heel_raises_injured": 6},
        {"date": "2026-03-03", "morning_pain": 3, "pain_rest": 1, "single_leg_heel_raises_injured": 9},
        {"date": "2026-03-04", "morning_pain": 2, "pain_rest": 0, "single_leg_heel_raises_injured": 12},
    ],
    "checkins": [
        {"date": "2026-03-01", "phase": "protect", "decision": "hold"},
        {"date": "2026-03-02", "phase": "protect", "decision": "progress"},
        {"date": "2026-03-03", "phase": "mobility", "decision": "step_back"},
        {"date": "2026-03-04", "phase": "protect", "decision": "hold"},
    ],
}
LOAD = {
    "weeks": [
        {"week_start": "2026-01-05", "distance_km": 30, "runs": 4, "max_spike": None, "injured_days": 0},
        {"week_start": "2026-01-12", "distance_km": 42, "runs": 4, "max_spike": ">30–100 %", "injured_days": 0},
        {"week_start": "2026-01-19", "distance_km": 8, "runs": 1, "max_spike": None, "injured_days": 5},
    ],
    "spikes": [{"date": "2026-01-17", "km": 21, "band": ">30–100 %"}],
    "injured_periods": [{"from": "2026-01-20", "to": "2026-01-25"}],
}


def test_recovery_chart_draws_pain_lines_heel_raise_bars_and_phase_bands(open_page: Any) -> None:
    page = open_page(
        '<div class="chart" data-chart-src="/api/h" data-chart-kind="recovery">'
        '<div class="table-wrap chart-fallback"><table class="data"><tr><td>5</td></tr></table></div></div>',
        api={"/api/h": HISTORY},
    )
    page.wait_for_selector(".chart.is-drawn svg")
    svg = page.locator(".chart svg.chart-svg")
    assert svg.locator("circle.mark.s-rest").count() == 3  # the null on 2 March leaves a gap
    assert svg.locator("rect.mark.s-morning").count() == 4
    assert svg.locator("rect.bar.s-raises").count() == 3
    assert svg.locator("rect.band").count() == 3  # protect, mobility, protect again
    assert svg.locator("path.s-stepback").count() == 1
    assert "4 check-ins" in (svg.get_attribute("aria-label") or "")
    assert page.locator(".chart details.chart-numbers table.data").count() == 1
    width = page.evaluate("document.querySelector('.chart svg').getBoundingClientRect().width")
    assert width <= 390


def test_load_chart_draws_a_bar_a_week_spike_markers_and_injured_weeks(open_page: Any) -> None:
    page = open_page(
        '<div class="chart" data-chart-src="/api/l" data-chart-kind="load" role="img" aria-label="Weekly load"></div>',
        api={"/api/l": LOAD},
    )
    page.wait_for_selector(".chart.is-drawn svg")
    svg = page.locator(".chart svg.chart-svg")
    assert svg.locator("rect.bar.s-bar").count() == 3
    assert svg.locator("path.mark.s-spike").count() == 1
    assert svg.locator("rect.band-injured").count() == 1
    # the server already named the chart: the drawing is decoration, the name gains the summary
    assert svg.get_attribute("aria-hidden") == "true"
    assert (page.locator(".chart").get_attribute("aria-label") or "").startswith("Weekly load. Weekly distance for 3")


def test_a_chart_whose_data_cannot_be_fetched_says_so(open_page: Any) -> None:
    page = open_page('<div class="chart" data-chart-src="/api/missing" data-chart-kind="load"></div>', api={})
    page.wait_for_selector(".chart-status")
    assert "could not be loaded" in page.locator(".chart-status").inner_text()
    assert page.locator(".chart svg").count() == 0
    assert not page.errors
