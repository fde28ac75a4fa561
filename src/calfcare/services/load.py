"""Load analytics use cases: read a runner's runs, streams, episodes and check-ins, run the pure load maths
(:mod:`calfcare.analytics.load` and friends), return plain dicts for the CLI/web, and the hooks the clinical
services call: :func:`evidence_for_onset` (triage) and :func:`baseline_for_onset` (return-to-run sizing).

Nothing is cached: recomputing one runner's load from the stored summaries takes milliseconds even for ten years
(docs/benchmarks.md), and the 1 Hz streams are decoded only for the runs a question needs (the window shown and
the 180 days that set the threshold pace), so a new import changes the answer without any rebuild step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, DateTime, bindparam, select, text
from sqlalchemy.orm import Session

from calfcare.activities.activity import RUN_SPORTS
from calfcare.activities.streams_codec import unpack_streams
from calfcare.analytics.adherence import checkin_questions, match_days
from calfcare.analytics.baseline import baseline_before
from calfcare.analytics.figures import activity_figures
from calfcare.analytics.intensity import (
    format_pace,
    pace_s_per_km,
)
from calfcare.analytics.load import (
    SPIKE_LABELS,
    LoadConfig,
    RunDay,
    daily_from_runs,
    daily_matrix,
    ewma,
    injured_mask,
)
from calfcare.analytics.load_weekly import all_metrics, weekly_means
from calfcare.analytics.retro import BASELINE_WEEKS, WINDOW_WEEKS, retrospective
from calfcare.analytics.runs import runs_in_rehab
from calfcare.analytics.warnings import prevention_warnings
from calfcare.clinical.context import AdherenceFinding, RunnerBaseline, TrainingEvidence
from calfcare.errors import NotFound
from calfcare.services.run_days import (
    MIN_UNMEASURED_S,
    counted,
    is_run,
    local_day,
    run_days,
    stored_figures,
    streams_window,
)
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityStreams, CheckIn, Episode, Runner

REPORT_HISTORY_DAYS = 407  # load_report reads runs from this long before its first week (400 days + a week)
CAVEATS = (
    "The acute:chronic ratio is descriptive, not a prediction: it is disputed (mathematical coupling, arbitrary "
    "windows, poor prediction; in runners a higher weekly ratio went with fewer injuries). Lolli 2019; "
    "Impellizzeri 2020/2021; Frandsen 2025.",
    "The '10 % rule' for weekly increases is not supported by research; weekly-change studies are mixed "
    "(Nielsen 2014; Damsted 2019).",
    "Foster monotony and strain were tied to illness in a small sample; they are not validated for calf injury.",
    "Injured periods are shaded and left out of % changes, ratios and spike baselines.",
)


@dataclass(frozen=True)
class NotCounted:
    """An activity the load leaves out: not a run (walk, ride, swim, ``other``), or a run too short to count."""

    day: date
    sport: str
    distance_km: float
    activity_id: int


def not_counted_summary(items: Sequence[NotCounted], first: date, last: date) -> dict[str, Any]:
    """What the report left out between ``first`` and ``last``: a count and distance, by sport."""
    chosen = [i for i in items if first <= i.day <= last]
    by_sport: dict[str, dict[str, float]] = {}
    for i in chosen:
        entry = by_sport.setdefault(i.sport, {"count": 0, "distance_km": 0.0})
        entry["count"] += 1
        entry["distance_km"] = round(entry["distance_km"] + i.distance_km, 2)
    return {
        "count": len(chosen),
        "distance_km": round(sum(i.distance_km for i in chosen), 2),
        "by_sport": by_sport,
        "activity_ids": [i.activity_id for i in chosen],
        "hint": "If one was a run: calfcare activity set-sport ID run" if chosen else None,
    }


@dataclass(frozen=True)
class History:
    runs: list[RunDay]
    not_counted: list[NotCounted]
    episodes: list[tuple[date, date | None]]
    threshold_speed: float | None
    pain: list[tuple[date, float]]
    pain_during: list[tuple[date, float]]


def _runner_id(db: Database, name: str) -> int:
    with db.session() as s:
        found = s.scalar(select(Runner.id).where(Runner.name == name))
    if found is None:
        raise NotFound(f"no runner called {name!r}: import some runs first (calfcare import)")
    return int(found)


def _speeds(ex: Session | Connection, ids: Sequence[int]) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for chunk in range(0, len(ids), 500):
        rows = ex.execute(
            select(ActivityStreams.activity_id, ActivityStreams.data).where(
                ActivityStreams.activity_id.in_(ids[chunk : chunk + 500])
            )
        ).all()
        for aid, blob in rows:
            speed = unpack_streams(blob, channels=("speed",)).channels.get("speed")
            if speed is not None:
                out[int(aid)] = np.asarray(speed, dtype=np.float64)
    return out


def _runs(
    ex: Session | Connection, rid: int, *, reference: date, streams_from: date, since: date | None
) -> tuple[list[Any], float | None, list[RunDay]]:
    """The runner's activity rows (scalar columns, start order), the threshold speed and the runs, read through a
    session or a bare connection (a data migration's: :func:`baseline_on`). Named columns only, so it reads any
    schema that has them."""
    cols = Activity.__table__.c
    # scalar columns only: ten years of one runner is a few thousand narrow rows (the JSON columns are read below,
    # for the window that needs them)
    query = select(
        cols.id, cols.sport, cols.start_utc, cols.utc_offset_s, cols.distance_m, cols.moving_s, cols.elapsed_s,
        cols.avg_hr, cols.max_hr, cols.rpe, cols.elevation_gain_m, cols.device,
    ).where(cols.runner_id == rid)  # fmt: skip
    if since is not None:  # a day of margin: runs are placed on the runner's local day
        query = query.where(cols.start_utc >= datetime.combine(since - timedelta(days=1), time.min, tzinfo=UTC))
    rows = list(ex.execute(query.order_by(cols.start_utc)).all())
    acts, days = counted(rows, since)
    window = streams_window(reference, streams_from)
    wanted = {a.id for a in acts if days[a.id] >= window}
    # figures stored at import (migration 0005); a row written without them (none today) is computed from its streams
    figures: dict[int, Mapping[str, Any]] = {}
    extras: dict[int, Mapping[str, Any]] = {}
    if wanted:
        since_utc = datetime.combine(window - timedelta(days=1), time.min, tzinfo=UTC)
        found = select(cols.id, cols.figures, cols.extra).where(cols.runner_id == rid, cols.start_utc >= since_utc)
        figures, extras = stored_figures(ex.execute(found).all(), wanted)
    for aid, speed in _speeds(ex, [i for i in wanted if i not in figures]).items():
        computed = activity_figures({"speed": speed})
        if computed is not None:
            figures[aid] = computed
    threshold, runs = run_days(acts, days, figures, extras, reference=reference, streams_from=streams_from)
    return rows, threshold, runs


def load_history(
    db: Database, runner: str, *, reference: date, streams_from: date, since: date | None = None
) -> History:
    """Every run of ``runner`` (summaries), or only those from ``since`` on, with stream-derived intensity for
    runs on or after ``streams_from`` and a threshold pace from the 180 days before ``reference`` (give a
    ``since`` at least that early, or the pace is set from fewer runs)."""
    rid = _runner_id(db, runner)
    with db.session() as s:
        rows, threshold, runs = _runs(s, rid, reference=reference, streams_from=streams_from, since=since)
        eps = list(s.scalars(select(Episode).where(Episode.runner_id == rid).order_by(Episode.onset)))
        checkins = list(s.scalars(select(CheckIn).where(CheckIn.runner_id == rid).order_by(CheckIn.day)))
    others = [
        NotCounted(local_day(a.start_utc, a.utc_offset_s), a.sport, (a.distance_m or 0.0) / 1000.0, a.id)
        for a in rows
        if not is_run(a)
    ]
    others = [o for o in others if since is None or o.day >= since]

    def series(key: str) -> list[tuple[date, float]]:
        points = [(c.day, (c.answers or {}).get(key)) for c in checkins]
        return [(d, float(v)) for d, v in points if isinstance(v, int | float) and not isinstance(v, bool)]

    return History(
        runs=runs,
        not_counted=others,
        episodes=[(e.onset, e.closed_on) for e in eps],
        threshold_speed=threshold,
        pain=series("morning_pain"),
        pain_during=series("pain_during_session"),
    )


def _nan(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 2) + 0.0  # + 0.0: no "-0"


def load_report(
    *,
    db: Database,
    runner: str,
    today: date,
    weeks: int = 12,
    plot: Path | None = None,
    config: LoadConfig | None = None,
) -> dict[str, Any]:
    """Weekly load for the last ``weeks`` weeks, today's acute/chronic values, spikes and prevention warnings."""
    config = config or LoadConfig()
    first_week = today - timedelta(weeks=weeks)
    # only what the report uses: the shown weeks, the 400 days before them (EWMA and spike windows) and the 180-day
    # threshold window inside them; ten years of history stay in the database
    since = first_week - timedelta(days=REPORT_HISTORY_DAYS)
    h = load_history(db, runner, reference=today, streams_from=first_week - timedelta(days=7), since=since)
    if not h.runs:  # nothing that recent: the whole history says why
        h = load_history(db, runner, reference=today, streams_from=first_week - timedelta(days=7))
    if not h.runs:
        raise NotFound(f"{runner!r} has no runs in the store: import some with `calfcare import`")
    if min(r.day for r in h.runs) > today:
        raise NotFound(
            f"{runner!r} has no runs on or before {today.isoformat()}: the first imported run is on "
            f"{min(r.day for r in h.runs).isoformat()} (check --date)"
        )
    start = max(min(r.day for r in h.runs), today - timedelta(weeks=weeks) - timedelta(days=400))
    daily = daily_from_runs([r for r in h.runs if start <= r.day <= today], start=start, end=today,
                            episodes=h.episodes, config=config)  # fmt: skip
    m = all_metrics(daily, config)
    wk = m.weekly
    shown = list(range(max(len(wk.week_start) - weeks, 0), len(wk.week_start)))  # the last N calendar weeks
    first_week = wk.week_start[shown[0]]
    rows = [_week_row(wk, i) for i in shown]
    spikes = [
        {
            "date": daily.day(int(i)).isoformat(),
            "km": round(float(daily.longest_km[0, i]), 2),
            "over_30_day_longest_pct": round(float(m.spike_ratio[0, i]) * 100),
            "band": SPIKE_LABELS[int(m.spike_band[0, i])],
        }
        for i in np.flatnonzero(m.spike_band[0] >= 1)
        if daily.day(int(i)) >= first_week
    ]
    closed = [c for _, c in h.episodes if c is not None and c <= today]
    warns = prevention_warnings(h.runs, today, returned_on=max(closed) if closed else None)
    # as known on ``today``: an episode closed later (or opened later) is shown only up to ``today``
    injured = [(o, min(c or today, today)) for o, c in h.episodes if o <= today and (c or today) >= start]
    report = {
        "runner": runner,
        "date": today.isoformat(),
        "weeks": rows,
        "current": {
            "acute_km_per_week": _nan(m.acute["distance_km"][0, -1] * 7),
            "chronic_km_per_week": _nan(m.chronic["distance_km"][0, -1] * 7),
            "acwr_uncoupled": _nan(m.acwr["distance_km"][0, -1]),
            "acwr_note": _acwr_note(daily.injured[0], config),
        },
        "spikes": spikes,
        "not_counted": not_counted_summary(h.not_counted, first_week, today),
        "threshold_pace": format_pace(pace_s_per_km(h.threshold_speed)),
        "injured_periods": [{"from": o.isoformat(), "to": c.isoformat()} for o, c in injured],
        "warnings": [asdict(w) for w in warns],
        "settings": {
            "acute_days": config.acute_days,
            "chronic_days": config.chronic_days,
            "lambda_acute": round(2 / (config.acute_days + 1), 4),
            "lambda_chronic": round(2 / (config.chronic_days + 1), 4),
            "hr_rest": config.hr_rest,
            "spike_window_days": config.spike_window_days,
        },
        "caveats": list(CAVEATS),
    }
    if plot is not None:
        # matplotlib costs ~0.35 s to import: only commands that draw pay for it.
        from calfcare.charts.load_plot import LoadPlotData, render_load_plot

        days, acute = weekly_means(daily, m.acute["distance_km"] * 7)
        _, chronic = weekly_means(daily, ewma(daily.distance_km, config.chronic_days) * 7)
        sel = [i for i, d in enumerate(days) if d >= first_week]
        data = LoadPlotData(
            week_start=[wk.week_start[i] for i in shown],
            weekly_km=[float(wk.distance_km[0, i]) for i in shown],
            spike_band=[int(wk.max_spike_band[0, i]) for i in shown],
            days=[days[i] for i in sel],
            acute_km_week=[float(acute[0, i]) for i in sel],
            chronic_km_week=[float(chronic[0, i]) for i in sel],
            pain=[p for p in h.pain if p[0] >= first_week],
            pain_during=[p for p in h.pain_during if p[0] >= first_week],
            injured=[(max(o, first_week), c) for o, c in injured if c >= first_week],
            title=f"Training load — {runner}, {weeks} weeks to {today.isoformat()}",
            acute_days=config.acute_days,
            chronic_days=config.chronic_days,
        )
        report["plot"] = str(render_load_plot(data, plot))
    return report


def _acwr_note(injured: np.ndarray, config: LoadConfig) -> str:
    window = config.acute_days + config.chronic_days
    if injured[-(window + 1) :].any():
        return f"not shown within {window} days of an injury (its low load is still in the windows); descriptive only"
    return "descriptive only (disputed)"


def _week_row(wk: Any, i: int) -> dict[str, Any]:
    return {
        "week_start": wk.week_start[i].isoformat(),
        "distance_km": round(float(wk.distance_km[0, i]), 2),
        "duration_min": round(float(wk.duration_min[0, i]), 1),
        "runs": int(wk.runs[0, i]),
        "longest_km": round(float(wk.longest_km[0, i]), 2),
        "pct_change": _nan(wk.pct_change[0, i]),
        "srpe": round(float(wk.srpe[0, i]), 1) if wk.srpe_complete[0, i] else None,
        "trimp": _nan(wk.trimp[0, i]) if wk.trimp[0, i] > 0 else None,
        "climb_per_km": _nan(wk.climb_per_km[0, i]),
        "fast_min": round(float(wk.fast_min[0, i]), 1),
        "surges": int(wk.surges[0, i]),
        "monotony": _nan(wk.monotony[0, i]),
        "strain": _nan(wk.strain[0, i]),
        "monotony_srpe": _nan(wk.monotony_srpe[0, i]),
        "strain_srpe": _nan(wk.strain_srpe[0, i]),
        "max_spike": SPIKE_LABELS[int(wk.max_spike_band[0, i])] if wk.max_spike_band[0, i] >= 1 else None,
        "injured_days": int(wk.injured_days[0, i]),
    }


def _history_for_onset(db: Database, runner: str, onset: date) -> tuple[History, list[tuple[date, date | None]]]:
    lo = onset - timedelta(weeks=WINDOW_WEEKS + BASELINE_WEEKS)
    h = load_history(db, runner, reference=onset, streams_from=lo)
    earlier = [(o, c) for o, c in h.episodes if o < onset]
    return h, earlier


def retro_report(*, db: Database, runner: str, onset: date | None = None) -> dict[str, Any]:
    """What changed in the six weeks before ``onset`` (default: the runner's latest episode), and the
    pre-injury baseline the return-to-run plan is sized from."""
    if onset is None:
        rid = _runner_id(db, runner)
        with db.session() as s:
            onset = s.scalar(select(Episode.onset).where(Episode.runner_id == rid).order_by(Episode.onset.desc()))
        if onset is None:
            raise NotFound(f"{runner!r} has no injury episode: `calfcare assess` opens one")
    h, earlier = _history_for_onset(db, runner, onset)
    pace = pace_s_per_km(h.threshold_speed)
    retro = retrospective(h.runs, onset, earlier_episodes=earlier, threshold_pace_s_per_km=pace)
    base = baseline_before(h.runs, onset, earlier_episodes=earlier)
    rid = _runner_id(db, runner)
    with db.session() as s:
        ep = s.scalars(select(Episode).where(Episode.runner_id == rid, Episode.onset == onset)).first()
        stored = (ep.context or {}).get("baseline") if ep is not None else None
    return {
        "runner": runner,
        "onset": onset.isoformat(),
        "enough_data": retro.enough_data,
        "lines": list(retro.lines),
        "findings": [asdict(f) for f in retro.findings],
        "weeks": [{**asdict(w), "start": w.start.isoformat()} for w in retro.weeks],
        "baseline": asdict(base),
        # what the episode's return-to-run plan was sized from (stored at the assessment; None: not from files)
        "plan_baseline": stored if isinstance(stored, dict) else None,
        "episode_at_onset": ep is not None,
        "threshold_pace": format_pace(pace),
        "not_counted": not_counted_summary(h.not_counted, onset - timedelta(weeks=WINDOW_WEEKS), onset),
    }


def evidence_for_onset(*, db: Database, runner: str, onset: date) -> list[TrainingEvidence]:
    """Findings for triage's structure likelihood; empty when the runner has no runs stored."""
    try:
        h, earlier = _history_for_onset(db, runner, onset)
    except NotFound:
        return []
    pace = pace_s_per_km(h.threshold_speed)
    return list(retrospective(h.runs, onset, earlier_episodes=earlier, threshold_pace_s_per_km=pace).findings)


def baseline_for_onset(*, db: Database, runner: str, onset: date) -> RunnerBaseline:
    """The pre-injury baseline from the files (``source="none"`` when too few runs are stored)."""
    try:
        h, earlier = _history_for_onset(db, runner, onset)
    except NotFound:
        return RunnerBaseline(source="none")
    return baseline_before(h.runs, onset, earlier_episodes=earlier)


def baseline_on(conn: Connection, runner_id: int, onset: date) -> RunnerBaseline:
    """:func:`baseline_for_onset` read through a bare connection with named columns only (the same runs, the same
    earlier episodes): what a data migration can call (0009 re-sizes a plan whose runs changed sport)."""
    lo = onset - timedelta(weeks=WINDOW_WEEKS + BASELINE_WEEKS)
    _, _, runs = _runs(conn, runner_id, reference=onset, streams_from=lo, since=None)
    eps = Episode.__table__.c
    earlier = conn.execute(
        select(eps.onset, eps.closed_on).where(eps.runner_id == runner_id, eps.onset < onset).order_by(eps.onset)
    ).all()
    return baseline_before(runs, onset, earlier_episodes=[(o, c) for o, c in earlier])


def adherence_report(
    *, db: Database, runner: str, today: date, prescriptions: Mapping[date, Mapping[str, Any] | None] | None = None
) -> dict[str, Any]:
    """Each day since the latest episode's onset with a planned or imported run, matched to that day's
    prescription (from :func:`calfcare.services.episodes.today` unless ``prescriptions`` are given)."""
    rid = _runner_id(db, runner)
    with db.session() as s:
        ep = s.scalars(select(Episode).where(Episode.runner_id == rid).order_by(Episode.onset.desc())).first()
    if ep is None:
        raise NotFound(f"{runner!r} has no injury episode: `calfcare assess` opens one")
    last = min(today, ep.closed_on or today)
    h = load_history(db, runner, reference=ep.onset, streams_from=ep.onset)
    if prescriptions is None:
        prescriptions = morning_prescriptions(db=db, runner=runner, first=ep.onset, last=last)
    findings = match_days(prescriptions, runs_in_rehab(h.runs, ep.onset), first=ep.onset, last=last)
    return {
        "runner": runner,
        "onset": ep.onset.isoformat(),
        "days": [_finding_dict(f) for f in findings],
        "latest": _finding_dict(findings[-1]) if findings else None,
    }


def morning_prescriptions(
    *, db: Database, runner: str, first: date, last: date
) -> dict[date, Mapping[str, Any] | None]:
    """The prescription the runner saw on the morning of each day from ``first`` to ``last``: the plan replayed
    from the check-ins *before* that day (that day's own check-in reports on the day and moves tomorrow's plan),
    with the stops found by then. ``None`` for a day the plan was stopped (a red flag) or had no episode.

    Built from the stored rows, so the answer is the same whatever order runs were imported and check-ins made."""
    from calfcare.clinical.today import build_today
    from calfcare.services.replay import episode_facts, replay
    from calfcare.services.views import checkins_of, runs_after_onset, stops_of

    runs = runs_after_onset(db=db, runner=runner)
    rid = _runner_id(db, runner)
    out: dict[date, Mapping[str, Any] | None] = {}
    with db.session() as s:
        ep = s.scalars(select(Episode).where(Episode.runner_id == rid).order_by(Episode.onset.desc())).first()
        if ep is None:
            return out
        rows = checkins_of(s, ep.id)
        stops = stops_of(s, ep.id)
        facts = episode_facts(ep)
        replays: dict[tuple[int, int], Any] = {}  # days between two check-ins share one replay
        day = max(first, ep.onset)
        while day <= last:
            before = [r for r in rows if r.day < day]
            stopped = [st for st in stops if st.day <= day]
            key = (len(before), len(stopped))
            if key not in replays:
                replays[key] = replay(ep, before, stopped, runs)
            done = replays[key]
            if done.referral is not None or done.state.stopped:
                out[day] = None
            else:
                plan = build_today(done.state, facts, day=day, last_checkin=done.last_checkin).to_contract()
                found = plan.get("prescription")
                out[day] = found if isinstance(found, Mapping) else None
            day += timedelta(days=1)
    return out


def latest_adherence(*, db: Database, runner: str, today: date) -> AdherenceFinding | None:
    """The most recent day's finding, for the next progression decision."""
    report = adherence_report(db=db, runner=runner, today=today)
    latest = report["latest"]
    if latest is None:
        return None
    return AdherenceFinding(date.fromisoformat(latest["date"]), latest["verdict"], tuple(latest["reasons"]))


def _finding_dict(f: AdherenceFinding) -> dict[str, Any]:
    return {
        "date": f.day.isoformat(),
        "verdict": f.verdict,
        "reasons": list(f.reasons),
        "ask": list(checkin_questions(f)),
    }


DASHBOARD_DAYS = 400  # history read for the dashboard: the chronic EWMA forgets what is older (weight < 1e-6)


def load_dashboard(*, db: Database, today: date, config: LoadConfig | None = None) -> list[dict[str, Any]]:
    """Every runner's load today in one pass, what a clinician's dashboard of many runners shows: runs and km in
    the last 7 days, acute and chronic km/week, the uncoupled ratio and the latest single-run spike of the week.

    One narrow query over the last :data:`DASHBOARD_DAYS` days of run summaries (no JSON, no streams), one over the
    episodes, then the ``runners × days`` load maths for everyone at once."""
    config = config or LoadConfig()
    start = today - timedelta(days=DASHBOARD_DAYS)
    epoch = "CAST(strftime('%s', a.start_utc) AS INTEGER)" if db.is_sqlite else "EXTRACT(EPOCH FROM a.start_utc)"
    sports = ", ".join(f"'{s}'" for s in sorted(RUN_SPORTS))
    sql = (
        f"SELECT a.runner_id, {epoch} + COALESCE(a.utc_offset_s, 0), COALESCE(a.distance_m, 0), "
        "COALESCE(a.moving_s, a.elapsed_s), COALESCE(a.avg_hr, -1), COALESCE(a.rpe, -1), "
        "COALESCE(a.elevation_gain_m, 0) FROM activities a "
        f"WHERE a.sport IN ({sports}) AND a.start_utc >= :since AND a.start_utc < :until "
        f"AND (a.distance_m > 0 OR COALESCE(a.moving_s, a.elapsed_s) >= {MIN_UNMEASURED_S})"
    )
    since = datetime.combine(start - timedelta(days=1), time.min, tzinfo=UTC)
    until = datetime.combine(today + timedelta(days=2), time.min, tzinfo=UTC)
    with db.engine.connect() as conn:
        query = text(sql).bindparams(
            bindparam("since", type_=DateTime(timezone=True)), bindparam("until", type_=DateTime(timezone=True))
        )
        rows = conn.execute(query, {"since": since, "until": until}).all()
        names = dict(conn.execute(select(Runner.id, Runner.name)).all())
        eps = conn.execute(select(Episode.runner_id, Episode.onset, Episode.closed_on)).all()
    if not rows:
        return []
    # Row objects straight into one float array (np.asarray on Rows probes each for array attributes: 10× slower)
    width = len(rows[0])
    data = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * width).reshape(-1, width)
    local_day = np.floor(data[:, 1] / 86400.0).astype(np.int64) - (start - date(1970, 1, 1)).days
    n_days = (today - start).days + 1
    keep = (local_day >= 0) & (local_day < n_days)
    data, local_day = data[keep], local_day[keep]
    ids, runner_index = np.unique(data[:, 0].astype(np.int64), return_inverse=True)
    position = {int(r): i for i, r in enumerate(ids)}
    injured = np.zeros((len(ids), n_days), dtype=bool)
    for rid, onset, closed in eps:
        if rid in position and onset <= today:
            injured[position[rid]] |= injured_mask(start, n_days, [(onset, closed)], today)
    daily = daily_matrix(
        n_runners=len(ids), start=start, n_days=n_days, runner=runner_index.astype(np.int64), day=local_day,
        distance_km=data[:, 2] / 1000.0, duration_min=data[:, 3] / 60.0,
        avg_hr=np.where(data[:, 4] > 0, data[:, 4], np.nan), rpe=np.where(data[:, 5] >= 0, data[:, 5], np.nan),
        climb_m=data[:, 6], injured=injured, hr_rest=config.hr_rest,
    )  # fmt: skip
    m = all_metrics(daily, config)
    week = slice(n_days - 7, n_days)
    out = []
    for i, rid in enumerate(ids.tolist()):
        bands = m.spike_band[i, week]
        worst = int(bands.max()) if len(bands) else 0
        out.append(
            {
                "runner": names.get(rid, str(rid)),
                "runs_7d": int(daily.runs[i, week].sum()),
                "km_7d": round(float(daily.distance_km[i, week].sum()), 2),
                "acute_km_per_week": _nan(m.acute["distance_km"][i, -1] * 7),
                "chronic_km_per_week": _nan(m.chronic["distance_km"][i, -1] * 7),
                "acwr_uncoupled": _nan(m.acwr["distance_km"][i, -1]),
                "spike_7d": SPIKE_LABELS[worst] if worst >= 1 else None,
                "injured_today": bool(injured[i, -1]),
            }
        )
    return sorted(out, key=lambda r: str(r["runner"]))
