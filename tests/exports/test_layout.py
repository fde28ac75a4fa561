"""The export builders stay pure: values in, bytes out; they never reach for the store, services or the CLI."""

from __future__ import annotations

from pathlib import Path

import calfcare.exports

EDGES = ("store", "services", "cli", "web", "charts")


def test_export_builders_import_no_edge() -> None:
    offenders = []
    for path in sorted(Path(calfcare.exports.__file__).parent.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            words = line.strip().split()
            module = words[1] if len(words) > 1 and words[0] in ("import", "from") else ""
            if module.startswith("calfcare.") and module.split(".")[1] in EDGES:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
