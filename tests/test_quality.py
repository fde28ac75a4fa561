"""The code base stays lint-clean: ruff runs as part of the test suite, so CI enforces it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(args: list[str]) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it is in the [test] extra)")
    paths = [p for p in ("src", "tests", "benchmarks") if (ROOT / p).is_dir()]
    done = subprocess.run([ruff, *args, *paths], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean() -> None:
    """Types are checked (strict for the clinical domain and the load maths, see pyproject)."""
    mypy = shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (it is in the [test] extra)")
    done = subprocess.run([mypy, "src/calfcare"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


DOMAIN = ("clinical", "activities", "analytics", "contracts", "accounts")
EDGES = ("store", "services", "cli", "web", "charts")


@pytest.mark.parametrize("domain", DOMAIN)
def test_domain_never_imports_an_edge(domain: str) -> None:
    """The domain folders stay free of storage, services and user interfaces (docs/architecture.md)."""
    offenders = []
    for path in sorted((ROOT / "src" / "calfcare" / domain).rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("import calfcare.", "from calfcare.")) and any(
                stripped.split()[1].split(".")[1] == edge for edge in EDGES
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []
