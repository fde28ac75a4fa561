"""Whole courses (mild, moderate, severe × gastrocnemius, soleus × perfect, flaring, silent runners) driven day by
day through `today` and the check-in engine, against the timing bounds of issue #7 item 2."""

from __future__ import annotations

from functools import cache

import pytest

from calfcare.clinical.simulation import COURSES, Course, Runner, simulate, table


@cache
def course(grade: str, structure: str, runner: Runner) -> Course:
    return simulate(grade, structure, runner)


@pytest.mark.parametrize(("grade", "structure", "runner"), COURSES)
def test_no_course_runs_before_half_the_lower_bound_or_returns_before_the_lower_bound(
    grade: str, structure: str, runner: Runner
) -> None:
    c = course(grade, structure, runner)
    t = c.timeline
    assert c.first_run_day is not None and c.full_training_day is not None
    assert c.first_run_day >= t.days[0] / 2 and c.first_run_day >= t.first_run_day
    assert c.full_training_day >= t.days[0]
    assert c.full_training_day <= 2 * t.days[1]  # a flare or a silence slows the plan but never stalls it


@pytest.mark.parametrize("grade", ["mild", "moderate", "severe"])
@pytest.mark.parametrize("structure", ["gastrocnemius", "soleus"])
def test_a_symptom_free_runner_is_in_full_training_by_one_and_a_half_times_the_upper_bound(
    grade: str, structure: str
) -> None:
    c = course(grade, structure, "perfect")
    assert c.full_training_day is not None and c.full_training_day <= 1.5 * c.timeline.days[1]
    assert not c.referred


def test_a_perfect_mild_case_is_back_within_the_published_one_to_three_weeks() -> None:
    for structure in ("gastrocnemius", "soleus"):
        c = course("mild", structure, "perfect")
        assert c.full_training_day is not None and 7 <= c.full_training_day <= 21  # was day 65


def test_a_perfect_moderate_case_is_in_full_training_well_before_day_74() -> None:
    for structure in ("gastrocnemius", "soleus"):
        c = course("moderate", structure, "perfect")
        assert c.full_training_day is not None and c.full_training_day < 74 and c.full_training_day <= 1.5 * 54


def test_a_severe_tear_with_perfect_answers_does_not_run_early_nor_skip_the_strength_stages() -> None:
    c = course("severe", "soleus", "perfect")
    assert c.first_run_day is not None and c.first_run_day >= 21  # was day 5
    strength_stages = {d.stage for _, d in c.decisions if d.phase == "strength"}
    assert len(strength_stages) == 3
    cleared = [n for n, d in c.decisions if d.new_state.cleared_to_run_on is not None]
    assert cleared and cleared[0] < c.first_run_day  # a clinician cleared it before the first run


def test_the_plan_and_today_never_disagree_about_running() -> None:
    for grade in ("mild", "severe"):
        c = course(grade, "soleus", "perfect")
        for n, d in c.decisions:
            if d.phase in ("protect", "mobility", "strength"):
                assert n < (c.first_run_day or 0)


def test_a_flare_steps_back_and_a_ten_day_silence_is_not_a_completed_stage() -> None:
    flaring = course("moderate", "soleus", "flaring")
    assert flaring.days_of("step_back")
    assert flaring.full_training_day > course("moderate", "soleus", "perfect").full_training_day  # type: ignore[operator]
    silent = course("moderate", "soleus", "silent")
    back = [d for _, d in silent.decisions if "progress.silence" in d.rules]
    assert len(back) == 1 and back[0].decision == "hold" and back[0].new_state.completions == 0


def test_the_docs_table_has_a_row_per_grade_and_muscle_beside_the_published_ranges() -> None:
    rows = table()[2:]
    assert len(rows) == 6 and all("Prakash 2018" in r for r in rows)
    perfect = course("mild", "soleus", "perfect")
    assert f"| {perfect.first_run_day} / {perfect.full_training_day} |" in rows[1]
