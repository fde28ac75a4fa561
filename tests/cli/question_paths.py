"""Walking the question plan as a runner would (shared by the plan tests, the CLI tests and the README check)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from calfcare.clinical.questions import (
    CheckinContext,
    Step,
    apply_reply,
    assessment_steps,
    checkin_steps,
    next_step,
    public_answers,
)

Plan = Callable[[Mapping[str, Any]], tuple[Step, ...]]

#: a safety screen with nothing to report
NOTHING_NEW: dict[str, Any] = {}

#: a typical gastrocnemius strain in an interval session, the day after (nothing on the safety screen)
GASTROCNEMIUS: dict[str, Any] = {
    "age": 38,
    "sex": "female",
    "side": "right",
    "days_since_onset": 1,
    "onset": "sudden",
    "activity_at_onset": "sprint_or_intervals",
    "previous_calf_strains": 0,
    "medicines": [],
    "pain_location": "upper_inner_calf",
    "pain_character": "sharp",
    "pain_rest": 1,
    "can_bear_weight": True,
    "pain_walking": 4,
    "walks_normally": False,
    "single_leg_heel_raises_injured": 6,
    "single_leg_heel_raises_other": 24,
    "pain_loading_knee_straight": 6,
    "pain_loading_knee_bent": 2,
}

#: a typical soleus strain building up over long runs
SOLEUS: dict[str, Any] = {
    "age": 49,
    "sex": "male",
    "side": "left",
    "days_since_onset": 3,
    "onset": "gradual",
    "activity_at_onset": "long_run",
    "forefoot_runner": True,
    "recent_mileage_increase": True,
    "previous_calf_strains": 1,
    "medicines": [],
    "pain_location": "lower_calf",
    "pain_character": "tight_or_cramping",
    "pain_rest": 0,
    "can_bear_weight": True,
    "pain_walking": 2,
    "walks_normally": True,
    "single_leg_heel_raises_injured": 15,
    "single_leg_heel_raises_other": 26,
    "pain_loading_knee_straight": 1,
    "pain_loading_knee_bent": 5,
}


def reply_for(step: Step, wanted: Mapping[str, Any]) -> Any:
    """What a runner with ``wanted`` answers replies to ``step`` (unlisted yes/no items are "no")."""
    if step.kind == "question":
        if step.id not in wanted and step.section.startswith("Safety") and step.id != "clot_risk_factors":
            return False  # a safety detail the runner does not have
        return wanted.get(step.id)
    if step.kind == "checklist":
        return [k for k in step.items if wanted.get(k) is True]
    return any(wanted.get(k) not in (None, False, []) for k in step.items)


def walk(
    plan: Plan,
    wanted: Mapping[str, Any],
    *,
    context: CheckinContext | None = None,
    offered: Collection[str] | None = None,
) -> tuple[dict[str, Any], list[Step]]:
    """The answers and the steps asked, in order (question steps whose key is not ``offered`` are skipped)."""
    answers: dict[str, Any] = {}
    asked: list[Step] = []
    done: set[str] = set()
    while (step := next_step(plan(answers), done)) is not None:
        done.add(step.id)
        if step.kind == "question" and offered is not None and step.id not in offered:
            continue
        asked.append(step)
        answers = apply_reply(step, reply_for(step, wanted), answers, context)
    return public_answers(answers), asked


def assessment_walk(wanted: Mapping[str, Any]) -> tuple[dict[str, Any], list[Step]]:
    return walk(assessment_steps, wanted)


def checkin_walk(
    wanted: Mapping[str, Any], context: CheckinContext, offered: Collection[str] | None = None
) -> tuple[dict[str, Any], list[Step]]:
    return walk(lambda a: checkin_steps(a, context), wanted, context=context, offered=offered)


def day(*, session: str = "as_prescribed", morning_pain: int = 0, **extra: Any) -> dict[str, Any]:
    """A check-in day with nothing new on the safety screen."""
    return {
        "morning_pain": morning_pain,
        "morning_stiffness": 1,
        "pain_rest": 0,
        "pain_walking": 0,
        "single_leg_heel_raises_injured": 14,
        "single_leg_heel_raises_other": 28,
        "hop_pain": 1,
        "session": session,
        "pain_during_session": 1,
        "pain_after_session": 0,
        **extra,
    }


#: README "How many questions" rows: path label → (questionnaire, how the count is made)
def readme_counts() -> dict[str, int]:
    """The number of questions each documented path asks, computed from the plan."""
    c = CheckinContext
    counts = {
        "assess: a typical gastrocnemius strain (sprint, nothing on the safety screen)": assessment_walk(GASTROCNEMIUS),
        "assess: a typical soleus strain (long runs, nothing on the safety screen)": assessment_walk(SOLEUS),
        "checkin: protect phase, a rest day with some pain": checkin_walk(
            day(session="none", morning_pain=3), c("protect", prescribed="rest")
        ),
        "checkin: mobility phase, exercises as prescribed, some morning pain": checkin_walk(
            day(morning_pain=2), c("mobility", prescribed="rehab_exercises")
        ),
        "checkin: strength phase, exercises as prescribed": checkin_walk(
            day(), c("strength", prescribed="rehab_exercises")
        ),
        "checkin: return to run, walk-run as prescribed": checkin_walk(
            day(), c("return_to_run", prescribed="walk_run")
        ),
        "checkin: full training, run as prescribed": checkin_walk(day(), c("full_training", prescribed="run")),
        "checkin: strength phase, a run of your own (not prescribed)": checkin_walk(
            day(session="different", session_kind="run", session_minutes=30, session_distance_km=5, session_rpe=4),
            c("strength", prescribed="rehab_exercises"),
        ),
    }
    return {label: len(steps) for label, (_, steps) in counts.items()}
