"""The vendored front-end files are exactly the pinned npm releases listed in static/vendor/VERSIONS."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src/calfcare/web/static/vendor"


def _entries() -> list[dict[str, str]]:
    rows = []
    for line in (VENDOR / "VERSIONS").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, version, licence, digest, path = line.split()
        rows.append({"name": name, "version": version, "licence": licence, "sha256": digest, "path": path})
    return rows


def test_every_vendored_file_matches_the_sha256_recorded_in_versions() -> None:
    entries = _entries()
    assert {e["name"] for e in entries} == {"htmx.org", "axe-core"}
    for entry in entries:
        data = (ROOT / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{entry['path']} differs from VERSIONS"


def test_versions_are_exact_pins_and_htmx_is_the_2_x_line() -> None:
    by_name = {e["name"]: e for e in _entries()}
    for entry in by_name.values():
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry
        assert entry["licence"] and entry["licence"] != "UNKNOWN"
    assert by_name["htmx.org"]["version"].startswith("2.")
    assert by_name["htmx.org"]["path"] == "src/calfcare/web/static/vendor/htmx.min.js"


def test_the_vendor_script_pins_the_same_versions_as_versions_file() -> None:
    script = (ROOT / "scripts/vendor_frontend.py").read_text(encoding="utf-8")
    for entry in _entries():
        assert f'Pin("{entry["name"]}", "{entry["version"]}"' in script


def test_axe_is_test_only_and_not_shipped_in_the_package() -> None:
    by_name = {e["name"]: e for e in _entries()}
    assert by_name["axe-core"]["path"].startswith("tests/")
    assert not list((ROOT / "src").rglob("axe*.js"))


def test_package_data_ships_static_files_and_templates() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["calfcare"]
    assert "web/static/**/*" in data
    assert "web/templates/**/*" in data
