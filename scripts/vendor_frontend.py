#!/usr/bin/env python3
"""Vendor calfcare's front-end files from npm, at pinned versions (no CDN, no build step at install time).

Run from the repository root:  python3 scripts/vendor_frontend.py

For each pinned package it runs `npm pack <name>@<version>` in a temporary directory (npm checks the
tarball against the registry's integrity hash), extracts the one file we ship and copies it to its place:

- htmx.org (minified)  -> src/calfcare/web/static/vendor/htmx.min.js   (shipped with the package)
- axe-core (minified)  -> tests/web/vendor/axe.min.js                  (test-only, never shipped)

It then writes src/calfcare/web/static/vendor/VERSIONS: one line per file with name, version, licence,
sha256 and the repository path, which tests/web/test_static_vendor.py checks against the files.
To upgrade, change a version below, run the script, run the tests, commit the output.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS_FILE = ROOT / "src/calfcare/web/static/vendor/VERSIONS"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    member: str  # path of the file inside the npm tarball
    target: str  # where it goes, relative to the repository root


PINS = (
    Pin("htmx.org", "2.0.11", "package/dist/htmx.min.js", "src/calfcare/web/static/vendor/htmx.min.js"),
    Pin("axe-core", "4.14.1", "package/axe.min.js", "tests/web/vendor/axe.min.js"),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(pin: Pin, workdir: Path) -> tuple[Path, str]:
    """npm pack the pinned version, return (extracted file, licence from its package.json)."""
    out = subprocess.run(
        ["npm", "pack", f"{pin.name}@{pin.version}", "--json", "--pack-destination", str(workdir)],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    filename = json.loads(out.stdout)[0]["filename"]
    tarball = workdir / filename
    dest = workdir / pin.name
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, members=[tar.getmember(pin.member), tar.getmember("package/package.json")], filter="data")
    meta = json.loads((dest / "package/package.json").read_text(encoding="utf-8"))
    if meta.get("version") != pin.version:
        raise SystemExit(f"{pin.name}: npm gave version {meta.get('version')}, pinned {pin.version}")
    return dest / pin.member, str(meta.get("license", "UNKNOWN"))


def main() -> int:
    if shutil.which("npm") is None:
        print("vendor_frontend: npm is not installed (needed only to refresh the vendored files)", file=sys.stderr)
        return 2
    lines = ["# name version licence sha256 path  (written by scripts/vendor_frontend.py; do not edit)"]
    with tempfile.TemporaryDirectory(prefix="calfcare-vendor-") as tmp:
        for pin in PINS:
            src, licence = fetch(pin, Path(tmp))
            target = ROOT / pin.target
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            lines.append(f"{pin.name} {pin.version} {licence} {sha256(target)} {pin.target}")
            print(f"{pin.name}@{pin.version} ({licence}) -> {pin.target}")
    VERSIONS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {VERSIONS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
