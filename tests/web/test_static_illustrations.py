"""The drawings: every exercise has one, each is clean inline SVG that follows the theme, and the leg picture has
exactly the contract's pain_location regions."""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

from calfcare.clinical.answers import PAIN_LOCATIONS
from calfcare.web import illustrations
from calfcare.web.illustrations import by_category, for_exercise, partial

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src/calfcare/clinical/data"
TEMPLATES = ROOT / "src/calfcare/web/templates"
SVG = "{http://www.w3.org/2000/svg}"
SELF_TESTS = ("leg_back", "heel_raise", "knee_straight", "knee_bent", "squeeze_test")


def _library() -> list[dict[str, str]]:
    return tomllib.loads((DATA / "exercises.toml").read_text(encoding="utf-8"))["exercise"]


def _render(name: str) -> ET.Element:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
    return ET.fromstring(env.get_template(partial(name)).render())


def test_every_exercise_of_the_library_maps_to_a_drawing_that_exists() -> None:
    missing = []
    for exercise in _library():
        found = for_exercise(exercise["id"])
        if found is None or not (TEMPLATES / found).is_file():
            missing.append(exercise["id"])
    assert not missing, f"no drawing for {missing}"


def test_cross_training_and_the_walk_run_have_drawings_too() -> None:
    protocol = tomllib.loads((DATA / "protocol.toml").read_text(encoding="utf-8"))
    for cid in [c["id"] for c in protocol["cross_training"]] + ["walk_run"]:
        found = for_exercise(cid)
        assert found is not None and (TEMPLATES / found).is_file(), cid


def test_the_knee_position_picks_the_drawing_of_that_knee_position() -> None:
    assert for_exercise("single_leg_raise_bent") != for_exercise("single_leg_raise_straight")
    assert for_exercise("eccentric_heel_drop_bent") == partial("exercise_heel_drop_bent")
    assert for_exercise("eccentric_heel_drop_straight") == partial("exercise_heel_drop_straight")


def test_an_unknown_id_has_no_drawing() -> None:
    assert for_exercise("no_such_exercise") is None


def test_a_new_exercise_falls_back_on_its_category_knee_and_target() -> None:
    categories = {e["category"] for e in _library()}
    for category in categories:
        assert by_category(category, "bent") is not None, category
    assert by_category("eccentric", "bent") == "exercise_heel_drop_bent"
    assert by_category("eccentric", "straight") == "exercise_heel_drop_straight"
    assert by_category("strength", "none", "hip_and_trunk") == "exercise_bridge"
    assert by_category("juggling") is None


def test_every_mapped_and_fallback_drawing_is_a_file() -> None:
    names = set(illustrations.EXERCISE_DRAWINGS.values()) | set(illustrations.CATEGORY_DRAWINGS.values())
    names |= set(illustrations.TARGET_DRAWINGS.values()) | set(SELF_TESTS)
    shipped = set(illustrations.drawings())
    assert names <= shipped, names - shipped


@pytest.mark.parametrize("name", illustrations.drawings())
def test_each_drawing_is_inline_svg_with_a_title_in_the_theme_colour(name: str) -> None:
    root = _render(name)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == ("group" if name == "leg_back" else "img")
    assert root.get("viewBox")
    title = root.find(f"{SVG}title")
    assert title is not None and title.text and len(title.text) > 10
    source = (TEMPLATES / partial(name)).read_text(encoding="utf-8")
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgba?\(", source), "colours come from currentColor and the CSS"
    assert " id=" not in source, "no ids: several drawings share one page"
    assert "<script" not in source and "href" not in source


def test_the_leg_picture_has_one_focusable_region_per_pain_location() -> None:
    root = _render("leg_back")
    regions = [el for el in root.iter() if el.get("data-region")]
    assert sorted(el.get("data-region") or "" for el in regions) == sorted(PAIN_LOCATIONS)
    for el in regions:
        assert el.tag == f"{SVG}path"
        assert el.get("tabindex") == "0"
        assert el.get("aria-label")
        assert el.find(f"{SVG}title") is not None
