"""The size budget from docs/design.md: a page's own JS + CSS stay under 100 KB compressed (gzip), and no static file
reaches for the network."""

from __future__ import annotations

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "src/calfcare/web/static"
BUDGET = 100 * 1024
#: what base.html loads on every page
PAGE_ASSETS = ("css/app.css", "vendor/htmx.min.js", "js/timer.js", "js/legpicker.js", "js/charts.js", "js/forms.js")


def _gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_every_pages_js_and_css_stay_under_100_kb_gzipped() -> None:
    total = sum(_gz(STATIC / name) for name in PAGE_ASSETS)
    assert total < BUDGET, f"{total} bytes gzipped"


def test_our_own_files_stay_small_enough_to_read() -> None:
    for name in ("js/timer.js", "js/legpicker.js", "js/charts.js", "js/forms.js"):
        assert _gz(STATIC / name) < 12 * 1024, name
    assert _gz(STATIC / "css/app.css") < 20 * 1024


def test_no_static_file_loads_anything_from_the_network() -> None:
    for path in list(STATIC.rglob("*.js")) + list(STATIC.rglob("*.css")):
        if "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", ""), path.name
        assert "https://" not in text, path.name
