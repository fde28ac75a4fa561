"""The palette in static/css/app.css meets WCAG 2.1 AA contrast, in the light and the dark theme.

Colours are read from the stylesheet's custom properties, so changing a colour to one that fails
makes this test fail. Text needs 4.5:1; borders of controls, focus rings and chart marks 3:1 (1.4.11).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "src/calfcare/web/static/css/app.css"

TEXT = 4.5
NON_TEXT = 3.0

# (foreground, background, minimum ratio): every pairing the stylesheet uses for text or meaning
PAIRS: list[tuple[str, str, float]] = [
    ("--text", "--bg", TEXT),
    ("--text", "--surface", TEXT),
    ("--text", "--surface-2", TEXT),
    ("--muted", "--bg", TEXT),
    ("--muted", "--surface", TEXT),
    ("--muted", "--surface-2", TEXT),
    ("--link", "--bg", TEXT),
    ("--link", "--surface", TEXT),
    ("--on-primary", "--primary", TEXT),
    ("--on-primary", "--primary-hover", TEXT),
    ("--on-danger", "--danger", TEXT),
    ("--on-danger", "--danger-hover", TEXT),
    ("--error-text", "--surface", TEXT),
    ("--error-text", "--bg", TEXT),
    ("--success-text", "--surface", TEXT),
    ("--text", "--success-bg", TEXT),
    ("--success-bg", "--success-text", NON_TEXT),
    ("--warning-text", "--warning-bg", TEXT),
    ("--notice-text", "--notice-bg", TEXT),
    ("--muted", "--notice-bg", TEXT),
    ("--on-emergency", "--emergency-bg", TEXT),
    ("--emergency-bg", "--on-emergency", TEXT),  # the call button: red text on white
    ("--on-urgent", "--urgent-bg", TEXT),
    ("--urgent-bg", "--on-urgent", TEXT),
    ("--border-strong", "--surface", NON_TEXT),
    ("--border-strong", "--bg", NON_TEXT),
    ("--focus", "--bg", NON_TEXT),
    ("--focus", "--surface", NON_TEXT),
    ("--focus", "--surface-2", NON_TEXT),
    ("--warning-border", "--warning-bg", NON_TEXT),
    ("--primary", "--surface", NON_TEXT),
    ("--danger", "--surface", NON_TEXT),
    ("--chart-rest", "--surface", NON_TEXT),
    ("--chart-morning", "--surface", NON_TEXT),
    ("--chart-during", "--surface", NON_TEXT),
    ("--chart-raises", "--surface", NON_TEXT),
    ("--chart-bar", "--surface", NON_TEXT),
    ("--chart-spike", "--surface", NON_TEXT),
    ("--chart-axis", "--surface", TEXT),
]


def _block(css: str, start: int) -> str:
    """The text between the brace that opens at or after `start` and its matching close."""
    open_at = css.index("{", start)
    depth = 0
    for i in range(open_at, len(css)):
        if css[i] == "{":
            depth += 1
        elif css[i] == "}":
            depth -= 1
            if depth == 0:
                return css[open_at + 1 : i]
    raise AssertionError("unbalanced braces in app.css")


def _hex_vars(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", block))


def palettes() -> dict[str, dict[str, str]]:
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    light = _hex_vars(_block(css, css.index(":root")))
    dark_media = _block(css, css.index("@media (prefers-color-scheme: dark)"))
    dark = {**light, **_hex_vars(_block(dark_media, dark_media.index(":root")))}
    return {"light": light, "dark": dark}


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_palette_pair_meets_wcag_aa(theme: str) -> None:
    palette = palettes()[theme]
    failures = []
    for fg, bg, minimum in PAIRS:
        assert fg in palette and bg in palette, f"{theme}: {fg} or {bg} is not a hex custom property in app.css"
        ratio = contrast_ratio(palette[fg], palette[bg])
        if ratio < minimum:
            failures.append(f"{fg} on {bg}: {ratio:.2f} < {minimum}")
    assert not failures, f"{theme} theme: " + "; ".join(failures)


def test_dark_theme_overrides_every_colour_of_the_light_theme() -> None:
    css = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    light = _hex_vars(_block(css, css.index(":root")))
    dark_media = _block(css, css.index("@media (prefers-color-scheme: dark)"))
    dark_only = _hex_vars(_block(dark_media, dark_media.index(":root")))
    assert set(light) - {"--on-emergency"} <= set(dark_only)


def test_stylesheet_has_touch_targets_focus_rings_and_motion_and_theme_queries() -> None:
    css = CSS.read_text(encoding="utf-8")
    touch = re.search(r"--touch:\s*(\d+)px", css)
    assert touch and int(touch.group(1)) >= 44
    assert ":focus-visible" in css and "outline: 3px solid var(--focus)" in css
    assert "@media (prefers-reduced-motion: reduce)" in css
    assert "@media (prefers-color-scheme: dark)" in css
    assert "url(http" not in css and "@import" not in css  # nothing from the network


@pytest.mark.parametrize(
    "selector",
    [
        ".page",
        ".card",
        ".btn",
        ".btn-primary",
        ".btn-danger",
        ".field",
        ".field-error",
        ".flag-emergency",
        ".flag-urgent",
        ".warning",
        ".progress",
        ".checklist",
        ".exercise",
        ".timer",
        ".interval-list",
        ".visually-hidden",
        ".chart",
        ".legpicker",
    ],
)
def test_the_agreed_component_classes_exist(selector: str) -> None:
    css = CSS.read_text(encoding="utf-8")
    assert re.search(re.escape(selector) + r"[\s,{:.\[]", css), selector
