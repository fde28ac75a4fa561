"""The rehab protocol data: what it contains, and that a broken file is refused with the file and entry named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from calfcare.clinical.protocol import CRITERIA, DATA, PHASES, ProtocolError, load_protocol, protocol

PROTOCOL_TEXT = (DATA / "protocol.toml").read_text(encoding="utf-8")
EXERCISES_TEXT = (DATA / "exercises.toml").read_text(encoding="utf-8")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _broken_protocol(tmp_path: Path, old: str, new: str) -> Path:
    assert old in PROTOCOL_TEXT, old
    return _write(tmp_path, "protocol.toml", PROTOCOL_TEXT.replace(old, new, 1))


def _broken_exercises(tmp_path: Path, old: str, new: str) -> Path:
    assert old in EXERCISES_TEXT, old
    return _write(tmp_path, "exercises.toml", EXERCISES_TEXT.replace(old, new, 1))


def test_the_packaged_protocol_has_the_five_contract_phases_in_order() -> None:
    assert tuple(p.id for p in protocol().phases) == PHASES
    assert PHASES == ("protect", "mobility", "strength", "return_to_run", "full_training")


def test_every_phase_explains_why_and_every_stage_lists_known_exercises() -> None:
    p = protocol()
    for phase in p.phases:
        assert len(phase.purpose) > 40
        for stage in phase.stages:
            assert stage.exercises and all(x in p.exercises for x in stage.exercises)
    assert p.phase("return_to_run").stages == ()
    assert p.phase("return_to_run").exercises


def test_progressions_and_regressions_point_at_real_exercises() -> None:
    p = protocol()
    for ex in p.exercises.values():
        for link in (ex.progression, ex.regression):
            assert link is None or link in p.exercises


def test_the_library_covers_every_kind_of_exercise_the_plan_needs() -> None:
    p = protocol()
    categories = {e.category for e in p.exercises.values()}
    assert {"isometric", "strength", "eccentric", "stretch", "soft_tissue", "plyometric", "running_drill"} <= categories
    assert {e.target for e in p.exercises.values()} >= {"soleus", "gastrocnemius", "hip_and_trunk", "whole_leg"}
    for knee, target in (("bent", "soleus"), ("straight", "gastrocnemius")):
        assert all(
            e.target == target
            for e in p.exercises.values()
            if e.knee == knee and e.category == "strength" and e.target in ("soleus", "gastrocnemius")
        )
    assert {"knee_to_wall_stretch", "straight_leg_calf_stretch", "foam_rolling_calf", "run_throughs"} <= set(
        p.exercises
    )


def test_eccentric_heel_drops_use_the_alfredson_dosage_and_say_the_evidence_is_from_tendinopathy() -> None:
    p = protocol()
    for ex_id in ("eccentric_heel_drop_straight", "eccentric_heel_drop_bent"):
        ex = p.exercise(ex_id)
        assert (ex.dosage.sets, ex.dosage.reps, ex.dosage.per_day, ex.dosage.per_week) == (3, 15, 2, 7)
        assert "Achilles tendinopathy" in ex.evidence and "not calf strains" in ex.evidence
    assert "short-lived" in p.exercise("foam_rolling_calf").evidence


def test_the_start_running_and_full_training_gates_carry_the_reference_thresholds() -> None:
    p = protocol()
    start = {c.id: c.value for c in p.phase("strength").exit}
    assert start["heel_raise_floor"] == 25 and start["heel_raise_lsi_min_pct"] == 90
    assert start["hop_pain_max"] == 2 and start["pain_walking_max"] == 0
    full = {c.id: c.value for c in p.phase("return_to_run").exit}
    assert full["heel_raise_floor"] == 30 and full["heel_raise_lsi_min_pct"] == 90 and "walk_run_complete" in full
    assert all(c.id in CRITERIA for phase in p.phases for c in (*phase.entry, *phase.exit))


def test_acute_advice_marks_ice_and_compression_as_weak_and_anti_inflammatories_as_disputed() -> None:
    advice = {a.id: a for a in protocol().acute_advice}
    assert advice["ice"].evidence == "weak" and "pain relief" in advice["ice"].text
    assert advice["compress"].evidence == "weak"
    assert advice["avoid_anti_inflammatories"].evidence == "disputed"
    assert "1–3 days" in advice["protect"].text


def test_cross_training_is_offered_in_every_phase() -> None:
    p = protocol()
    for phase in PHASES:
        assert p.cross_training_for(phase)
    assert {c.id for c in p.cross_training_for("strength")} == {"swimming", "cycling", "pool_running", "elliptical"}


def test_an_unknown_exercise_id_in_a_stage_is_refused_naming_file_and_phase(tmp_path: Path) -> None:
    path = _broken_protocol(tmp_path, '"cat_camel"]', '"cat_camels"]')
    with pytest.raises(ProtocolError) as err:
        load_protocol(path)
    assert str(path) in str(err.value) and "phase 'protect'" in str(err.value) and "cat_camels" in str(err.value)


def test_a_missing_field_in_an_exercise_is_refused_naming_the_exercise(tmp_path: Path) -> None:
    path = _broken_exercises(tmp_path, 'tempo = "2 s push, 3 s back"\n', "")
    with pytest.raises(ProtocolError, match=r"exercise 'band_plantarflexion_bent': missing field 'tempo'"):
        load_protocol(exercises_path=path)


@pytest.mark.parametrize("bad", ['"three"', "0", "2.5", "true"])
def test_a_bad_number_is_refused_naming_the_field(tmp_path: Path, bad: str) -> None:
    path = _broken_exercises(tmp_path, "sets = 5\n", f"sets = {bad}\n")
    with pytest.raises(ProtocolError, match=r"exercise 'isometric_bent_knee': 'sets' must be a whole number"):
        load_protocol(exercises_path=path)


def test_a_progression_to_an_unknown_exercise_is_refused(tmp_path: Path) -> None:
    path = _broken_exercises(tmp_path, 'progression = "band_plantarflexion_bent"', 'progression = "nope"')
    with pytest.raises(ProtocolError, match="'nope' is not an exercise id"):
        load_protocol(exercises_path=path)


def test_an_unknown_criterion_or_a_threshold_out_of_range_is_refused(tmp_path: Path) -> None:
    path = _broken_protocol(
        tmp_path,
        'id = "hop_pain_max", name = "pain hopping ten times", value = 2',
        'id = "hop_pain_max", name = "pain hopping ten times", value = 12',
    )
    with pytest.raises(ProtocolError, match=r"phase 'strength': exit #5: 'value' must be a number between 0 and 10"):
        load_protocol(path)
    path = _broken_protocol(tmp_path, 'id = "no_limp"', 'id = "no_limping"')
    with pytest.raises(ProtocolError, match="'id' must be one of"):
        load_protocol(path)


def test_a_criterion_without_a_value_must_not_carry_one(tmp_path: Path) -> None:
    path = _broken_protocol(
        tmp_path,
        '{ id = "no_limp", name = "walking without a limp" }',
        '{ id = "no_limp", name = "walking without a limp", value = 1 }',
    )
    with pytest.raises(ProtocolError, match="takes no value"):
        load_protocol(path)


def test_phases_out_of_order_are_refused(tmp_path: Path) -> None:
    path = _broken_protocol(tmp_path, 'id = "mobility"\ntitle', 'id = "mobilty"\ntitle')
    with pytest.raises(ProtocolError, match="phases must be exactly"):
        load_protocol(path)


def test_a_misspelt_key_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    path = _broken_protocol(tmp_path, "warm_up_min = 5", "warmup_min = 5")
    with pytest.raises(ProtocolError, match=r"return_to_run: unknown key\(s\) \['warmup_min'\]"):
        load_protocol(path)


def test_an_unknown_source_key_in_advice_is_refused(tmp_path: Path) -> None:
    path = _broken_protocol(tmp_path, 'sources = ["bleakley2004", "dubois2020"]', 'sources = ["bleakley2005"]')
    with pytest.raises(ProtocolError, match=r"acute_advice #5: unknown source key\(s\) \['bleakley2005'\]"):
        load_protocol(path)


def test_invalid_toml_and_a_missing_file_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "protocol.toml", "[[phase]\nid = ")
    with pytest.raises(ProtocolError, match="not valid TOML") as err:
        load_protocol(path)
    assert str(path) in str(err.value)
    with pytest.raises(ProtocolError, match="cannot be read"):
        load_protocol(tmp_path / "nowhere.toml")


def test_the_pain_ceilings_are_reviewable_data_that_the_engine_uses() -> None:
    from calfcare.clinical.progression import EpisodeFacts, PainRules

    pain = protocol().pain
    assert (pain.early_weeks, pain.early_ceiling, pain.later_ceiling, pain.symptom_free_max) == (3, 3, 5, 2)
    assert EpisodeFacts(onset=date(2025, 1, 1), structure="soleus").pain_rules == PainRules.from_protocol()


def test_a_clinician_can_set_a_stricter_early_ceiling_in_the_protocol(tmp_path: Path) -> None:
    from calfcare.clinical.progression import PainRules

    path = _broken_protocol(tmp_path, "early_ceiling = 3 ", "early_ceiling = 2 ")
    rules = PainRules.from_protocol(load_protocol(path))
    assert rules.early_ceiling == 2 and rules.ceiling(5) == 2 and rules.ceiling(30) == 5


def test_an_early_ceiling_above_the_later_one_is_refused(tmp_path: Path) -> None:
    path = _broken_protocol(tmp_path, "early_ceiling = 3 ", "early_ceiling = 7 ")
    with pytest.raises(ProtocolError, match="pain_monitoring: early_ceiling must not be above later_ceiling"):
        load_protocol(path)
