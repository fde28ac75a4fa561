"""The citation registry and the rule registry: every shared key is defined, labels are short, rules refuse
unknown sources and conflicting re-registration, and reasons name the rule and its sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from calfcare.clinical.catalogue import RULES
from calfcare.clinical.rules import Fired, reason, rule
from calfcare.clinical.sources import SOURCES, labels

# Copied from /work/notes/SOURCES_KEYS.md (the shared vocabulary).
SHARED_KEYS = [
    "nice_ng158",
    "zaleski2017",
    "maffulli1998",
    "bjgp2015",
    "statpearls_acs",
    "msd_radicular",
    "ces_cards",
    "statpearls_stress",
    "visualdx_stress",
    "kahanov2015",
    "fpnotebook_cecs",
    "joy2015",
    "infection_consumer",
    "postgrad_med_j_2002",
    "dixon2009",
    "green2022",
    "green2020_ajsm",
    "green2020_sjmss",
    "prakash2018",
    "pedret2015",
    "ekstrand2020",
    "werner2017",
    "kelly2022",
    "tennis_leg_review",
    "orchard2020",
    "meek2022",
    "jarvinen2007",
    "dubois2020",
    "bleakley2004",
    "kwak2006",
    "jones2020_cochrane",
    "alfredson1998",
    "beyer2015",
    "oneill2019_isometric",
    "lauersen2014",
    "wiewelhove2019",
    "konrad2022",
    "lunsford1995",
    "hebert_losier2017",
    "sleeswijk_visser2025",
    "ross2000",
    "clinic_rtr_criteria",
    "praet2019",
    "ohio_state2019",
    "army_walkrun2023",
    "silbernagel2007",
    "thomee1997",
    "adams2012",
    "smith2017",
    "nielsen2014",
    "damsted2019",
    "rasmussen2013",
    "frandsen2025",
    "gabbett2016",
    "hulin2014",
    "hulin2016",
    "carey2017",
    "lolli2019",
    "coyne2019",
    "impellizzeri2020",
    "impellizzeri2021",
    "williams2017",
    "murray2017",
    "sampson2017",
    "foster1998",
    "foster2001",
    "green_pizzari2017",
    "hagglund2013",
    "orchard2001",
    "almonroeder2013",
    "mueller_wohlfahrt2013",
    "pollock2014",
    "nielsen2014_recovery",
    "mulvad2018",
    "bache_mathiesen2021",
    "banister1991",
    "morton1990",
]
# Second round, triage side (REFERENCE §3.11).
SHARED_KEYS += [
    "nye2021",
    "apeland2017",
    "stroes2015",
    "van_der_linden2003",
    "fda_fluoroquinolone2016",
    "stevens_bryant2017",
    "le_gal2006",
    "acs_anticoagulation",
    "severs_children",
]


@pytest.fixture
def scratch_rule_ids() -> Iterator[list[str]]:
    """Rule ids registered by a test, removed again afterwards so the registry stays as the catalogue made it."""
    ids: list[str] = []
    yield ids
    for rule_id in ids:
        RULES.pop(rule_id, None)


def test_every_shared_key_is_defined_and_nothing_else() -> None:
    assert set(SOURCES) == set(SHARED_KEYS)


def test_sources_have_short_labels_citations_and_a_confidence() -> None:
    for key, s in SOURCES.items():
        assert s.key == key
        assert 0 < len(s.label) <= 30, key
        assert len(s.citation) > 20, key
        assert s.confidence in ("P", "S", "U")
        if s.doi:
            assert s.doi.startswith("10.") and s.link == f"https://doi.org/{s.doi}"
    assert len({s.label for s in SOURCES.values()}) == len(SOURCES), "labels must be unique"


def test_load_model_sources_are_marked_as_outside_the_reference() -> None:
    outside = {k for k, s in SOURCES.items() if not s.in_reference}
    assert outside == {"banister1991", "morton1990"}


def test_key_facts_are_transcribed_from_the_reference() -> None:
    assert SOURCES["nice_ng158"].label == "NICE NG158"
    assert SOURCES["nice_ng158"].url == "https://www.nice.org.uk/guidance/ng158"
    assert SOURCES["zaleski2017"].doi == "10.1080/00913847.2017.1355210"
    assert SOURCES["green2022"].label == "Green 2022"
    assert SOURCES["infection_consumer"].confidence == "S"


def test_labels_keep_first_seen_order_without_repeats_and_refuse_unknown_keys() -> None:
    assert labels(["zaleski2017", "nice_ng158", "zaleski2017"]) == ["Zaleski 2017", "NICE NG158"]
    with pytest.raises(KeyError):
        labels(["no_such_source"])


def test_every_registered_rule_names_known_sources_and_an_evidence_level() -> None:
    assert len(RULES) >= 30
    for r in RULES.values():
        assert r.sources and all(k in SOURCES for k in r.sources), r.id
        assert r.summary.strip()
    assert {"redflag.dvt.signs", "triage.structure.knee_bent_pain", "triage.severity.regrade"} <= set(RULES)


def test_registering_the_same_rule_twice_is_harmless(scratch_rule_ids: list[str]) -> None:
    scratch_rule_ids.append("test.same")
    first = rule("test.same", "A test rule.", ["green2022"], "weak")
    assert rule("test.same", "A test rule.", ["green2022"], "weak") is first


def test_registering_an_id_again_with_different_content_raises(scratch_rule_ids: list[str]) -> None:
    scratch_rule_ids.append("test.conflict")
    rule("test.conflict", "One thing.", ["green2022"], "weak")
    with pytest.raises(ValueError, match="different content"):
        rule("test.conflict", "Another thing.", ["green2022"], "weak")


@pytest.mark.parametrize(
    ("sources", "evidence", "message"),
    [
        (["no_such_source"], "weak", "unknown source"),
        ([], "weak", "at least one source"),
        (["green2022"], "anecdote", "evidence must be one of"),
    ],
)
def test_a_rule_with_bad_sources_or_evidence_is_refused(sources: list[str], evidence: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule("test.bad", "Bad.", sources, evidence)  # type: ignore[arg-type]
    assert "test.bad" not in RULES


def test_a_reason_names_the_rule_and_its_source_labels() -> None:
    r = RULES["redflag.dvt.signs"]
    assert reason(r, "Calf bigger") == "Calf bigger (rule: redflag.dvt.signs; source: NICE NG158, Zaleski 2017)"
    fired = Fired(r, "Calf bigger")
    assert fired.reason == reason(r, "Calf bigger")
    assert fired.to_dict()["sources"] == ["NICE NG158", "Zaleski 2017"]
