"""The rule registry: every clinical rule the software applies, with its sources and how strong the evidence is.

Modules declare their rules at import time with :func:`rule`; importing :mod:`calfcare.clinical.catalogue` fills
:data:`RULES` with all of them. A reason shown to a runner names the rule and its sources via :func:`reason`, and
``docs/clinical.md`` is generated from the registry by :mod:`calfcare.clinical.docs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from calfcare.clinical.sources import SOURCES, labels

Evidence = Literal["guideline", "research", "expert_consensus", "weak", "disputed"]
EVIDENCE_LEVELS: tuple[Evidence, ...] = ("guideline", "research", "expert_consensus", "weak", "disputed")


@dataclass(frozen=True)
class Rule:
    id: str  # e.g. "redflag.dvt", "triage.structure.knee_bent_pain", "progress.pain_ceiling"
    summary: str  # one plain sentence: what the rule does
    sources: tuple[str, ...]  # keys of calfcare.clinical.sources.SOURCES
    evidence: Evidence
    caveat: str | None = None  # where the evidence is weak or disputed, in plain words

    @property
    def source_labels(self) -> list[str]:
        return labels(self.sources)


RULES: dict[str, Rule] = {}


def rule(id: str, summary: str, sources: Iterable[str], evidence: Evidence, caveat: str | None = None) -> Rule:
    """Register a rule and return it. Registering the same id again with identical content returns the first one;
    different content under the same id raises ValueError (two modules disagreeing about one rule)."""
    keys = tuple(sources)
    if not id or id != id.strip():
        raise ValueError(f"rule id {id!r} must be a non-empty string without surrounding spaces")
    if not summary.strip():
        raise ValueError(f"rule {id!r} needs a summary")
    if not keys:
        raise ValueError(f"rule {id!r} must name at least one source")
    unknown = [k for k in keys if k not in SOURCES]
    if unknown:
        raise ValueError(f"rule {id!r} names unknown source keys {unknown}; see calfcare.clinical.sources")
    if evidence not in EVIDENCE_LEVELS:
        raise ValueError(f"rule {id!r}: evidence must be one of {EVIDENCE_LEVELS}, not {evidence!r}")
    new = Rule(id=id, summary=summary, sources=keys, evidence=evidence, caveat=caveat)
    old = RULES.get(id)
    if old is not None:
        if old != new:
            raise ValueError(f"rule {id!r} is already registered with different content")
        return old
    RULES[id] = new
    return new


def reason(rule: Rule, text: str) -> str:
    """``"text (rule: <id>; source: NICE NG158, Zaleski 2017)"``."""
    return f"{text} (rule: {rule.id}; source: {', '.join(rule.source_labels)})"


@dataclass(frozen=True)
class Fired:
    """One rule that fired for one runner, with the plain-words text of why."""

    rule: Rule
    text: str

    @property
    def reason(self) -> str:
        return reason(self.rule, self.text)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.rule.id,
            "text": self.text,
            "sources": self.rule.source_labels,
            "evidence": self.rule.evidence,
            "caveat": self.rule.caveat,
        }
