"""docs/clinical.md is generated from the rule and citation registries and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from calfcare.clinical.catalogue import RULES
from calfcare.clinical.docs import render
from calfcare.clinical.sources import SOURCES

DOC = Path(__file__).resolve().parents[2] / "docs" / "clinical.md"


def generated() -> str:
    """The output of `python -m calfcare.clinical.docs` in a fresh interpreter (only the catalogue's rules)."""
    done = subprocess.run(
        [sys.executable, "-m", "calfcare.clinical.docs"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def test_docs_clinical_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == generated(), (
        "docs/clinical.md is out of date: run `python -m calfcare.clinical.docs > docs/clinical.md`"
    )


def test_every_rule_appears_with_its_sources_and_caveat() -> None:
    text = render()
    for r in RULES.values():
        block = text.split(f"### `{r.id}`", 1)[1].split("\n### ", 1)[0]
        for key in r.sources:
            assert f"Source: {SOURCES[key].label}" in block, (r.id, key)
        if r.caveat:
            assert r.caveat in block, r.id


def test_the_weak_evidence_section_and_dois_are_included() -> None:
    text = render()
    assert "## Where the evidence is weak or disputed" in text
    assert "https://doi.org/10.1080/00913847.2017.1355210" in text
    assert "*(not in REFERENCE.md)*" in text or "banister1991" in text
