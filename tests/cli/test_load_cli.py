"""`calfcare load` / `calfcare retro` / `calfcare adherence` and the load services, on a database filled by the
test (16 steady weeks, then a jump with intervals before an onset, then a comeback), and on a corpus export."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from stored_runs import store_run
from typer.testing import CliRunner

from calfcare.cli import app
from calfcare.store import Database, open_database
from calfcare.store.models import Episode

START = date(2025, 9, 1)  # a Monday
ONSET = START + timedelta(weeks=18)
TODAY = ONSET + timedelta(weeks=8)
RUNNER = "ana"


def _speed(km: float, intervals: bool) -> np.ndarray:
    """Easy running at 2.8 m/s (5:57/km); with 6 × (2 min at 4.6 m/s + 2 min easy) in the middle, the whole run
    still ``km`` long (the intervals cover 6 × (552 + 336) = 5328 m)."""
    if not intervals:
        return np.full(round(km * 1000 / 2.8), 2.8, dtype=np.float32)
    easy = np.full(round((km * 1000 - 5328) / 2.8), 2.8, dtype=np.float32)
    block = np.concatenate([np.full(120, 4.6), np.full(120, 2.8)]).astype(np.float32)
    return np.concatenate([easy[:300], np.tile(block, 6), easy[300:]])


def _add_run(db: Database, runner_id: int, day: date, km: float, *, intervals: bool = False, n: int = 0) -> None:
    store_run(
        db,
        runner_id,
        day,
        _speed(km, intervals),
        key=f"{day.isoformat()}-{n}",
        avg_hr=145.0,
        max_hr=182.0,
        elevation_gain_m=km * 5,
        device="Forerunner 245",
    )


def fill(url: str) -> None:
    """16 steady weeks (8/8/14 km), then weeks −2 and −1 with Thursday intervals and a 40 % jump in week −2;
    an episode from ONSET closed after 6 weeks; comeback runs every other day from week 3 after onset."""
    db = open_database(url)
    rid = db.runner_id(RUNNER)
    for w in range(18):
        monday = START + timedelta(weeks=w)
        kms = (10.0, 10.0, 22.0) if w == 16 else (8.0, 8.0, 14.0)
        for offset, km in zip((1, 3, 6), kms, strict=True):
            _add_run(db, rid, monday + timedelta(days=offset), km, intervals=offset == 3 and w >= 14)
    for i in range(21, 56, 2):
        _add_run(db, rid, ONSET + timedelta(days=i), 2.0 + i / 10)
    with db.session() as s:
        s.add(
            Episode(
                runner_id=rid, status="closed", onset=ONSET, assessed_on=ONSET, closed_on=ONSET + timedelta(weeks=6)
            )
        )
    db.dispose()


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_load_json_shows_weeks_spikes_ratio_and_caveats(cli_env: str) -> None:
    fill(cli_env)
    day = (ONSET - timedelta(days=1)).isoformat()
    out = json.loads(invoke("load", "--runner", RUNNER, "--weeks", "6", "--json", "--date", day).stdout)
    assert len(out["weeks"]) == 6
    jump = [w for w in out["weeks"] if w["distance_km"] > 40]
    assert len(jump) == 1 and jump[0]["pct_change"] == pytest.approx(40.0, abs=1.0)
    assert jump[0]["max_spike"] == ">30–100 %"  # 22 km after 14 km long runs
    assert any(s["band"] == ">30–100 %" for s in out["spikes"])
    assert out["weeks"][-1]["surges"] == 6 and out["weeks"][-1]["fast_min"] > 10
    assert out["current"]["acwr_uncoupled"] is not None and out["current"]["acwr_note"].startswith("descriptive")
    assert any("not supported" in c for c in out["caveats"]) and any("disputed" in c for c in out["caveats"])
    assert out["settings"]["lambda_acute"] == 0.25


def test_load_marks_the_injury_and_warns_after_return(cli_env: str) -> None:
    fill(cli_env)
    out = json.loads(invoke("load", "--runner", RUNNER, "--weeks", "10", "--json", "--date", TODAY.isoformat()).stdout)
    assert out["injured_periods"] == [{"from": ONSET.isoformat(), "to": (ONSET + timedelta(weeks=6)).isoformat()}]
    injured_weeks = [w for w in out["weeks"] if w["injured_days"]]
    assert injured_weeks and all(w["pct_change"] is None and w["monotony"] is None for w in injured_weeks)
    assert "reinjury_window" in {w["kind"] for w in out["warnings"]}


def test_load_draws_the_plot(cli_env: str, tmp_path: Path) -> None:
    fill(cli_env)
    target = tmp_path / "load.png"
    result = invoke("load", "--runner", RUNNER, "--weeks", "26", "--plot", str(target), "--date", TODAY.isoformat())
    assert "Weekly load" in result.stdout and "Plot written" in result.stdout
    assert target.read_bytes()[:4] == b"\x89PNG" and target.stat().st_size > 20_000


def test_load_refuses_a_plot_file_of_another_type(cli_env: str, tmp_path: Path) -> None:
    fill(cli_env)
    result = CliRunner().invoke(app, ["load", "--runner", RUNNER, "--plot", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and "--plot" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_retro_names_the_jump_and_the_intervals_with_their_muscles(cli_env: str) -> None:
    fill(cli_env)
    out = json.loads(invoke("retro", "--runner", RUNNER, "--json").stdout)
    assert out["onset"] == ONSET.isoformat() and out["enough_data"]
    found = {f["kind"]: f for f in out["findings"]}
    assert found["mileage_spike"]["favours"] == "soleus"
    assert found["speedwork_increase"]["favours"] == "gastrocnemius"
    assert found["long_run_spike"]["favours"] == "soleus"
    base = out["baseline"]
    assert base["source"] == "files" and base["weekly_km"] == 30.0 and base["long_run_km"] == 14.0
    assert base["runs_per_week"] == 3.0
    text = invoke("retro", "--runner", RUNNER).stdout
    assert "Pre-injury baseline: 30.0 km/week" in text and "soleus" in text


def test_the_clinical_hooks_return_evidence_and_baseline(db: Database) -> None:
    from calfcare.services.load import baseline_for_onset, evidence_for_onset

    fill(db.url)
    kinds = {e.kind for e in evidence_for_onset(db=db, runner=RUNNER, onset=ONSET)}
    assert {"mileage_spike", "speedwork_increase", "long_run_spike"} <= kinds
    assert baseline_for_onset(db=db, runner=RUNNER, onset=ONSET).weekly_km == 30.0
    assert evidence_for_onset(db=db, runner="nobody", onset=ONSET) == []
    assert baseline_for_onset(db=db, runner="nobody", onset=ONSET).source == "none"


def test_adherence_matches_comeback_runs_to_given_prescriptions(db: Database) -> None:
    from calfcare.services.load import adherence_report

    fill(db.url)
    plan = {"kind": "walk_run", "run": {"intervals": [{"walk_min": 1, "run_min": 4, "repeats": 4}], "total_min": 20,
                                        "effort": "easy, RPE ≤ 4"}}  # fmt: skip
    days = [ONSET + timedelta(days=i) for i in range(21, 26)]
    report = adherence_report(db=db, runner=RUNNER, today=days[-1], prescriptions={d: plan for d in days})
    verdicts = {d["date"]: d for d in report["days"]}
    # day 21: a 4.1 km run at 2.8 m/s = 24.4 min against 20 (+22 %) and no walk breaks → overdone
    first = verdicts[days[0].isoformat()]
    assert first["verdict"] == "overdone" and any("too long" in r for r in first["reasons"])
    assert any("walk breaks" in r for r in first["reasons"]) and len(first["ask"]) == 3
    assert verdicts[days[1].isoformat()]["verdict"] == "skipped"


def test_retro_without_an_episode_is_a_clear_not_found(cli_env: str) -> None:
    result = CliRunner().invoke(app, ["retro", "--runner", "nobody", "--json"])
    assert result.exit_code == 4
    assert json.loads(result.stdout)["error"] == "NotFound"


CORPUS_RUNS = ("FR70-intervals.fit", "Fenix-2.fit", "FR630-with-lth.fit", "FR920xt-with-Stryd.fit",
               "Fenix-3-with-inactive-Moxy.fit", "FR735XT-with-performance-condition.fit")  # fmt: skip


@pytest.mark.corpus
def test_load_and_retro_on_real_garmin_runs(cli_env: str, corpus: Path) -> None:
    from calfcare.services.importing import import_paths
    from calfcare.services.load import load_history

    db = open_database(cli_env)
    report = import_paths(db=db, runner=RUNNER, paths=[corpus / "fit" / "Runalyze" / f for f in CORPUS_RUNS])
    assert report.counts["imported"] == len(CORPUS_RUNS)
    history = load_history(db, RUNNER, reference=date(2018, 1, 22), streams_from=date(2013, 1, 1))
    total = sum(r.distance_km for r in history.runs)
    intervals = next(r for r in history.runs if r.device and "fr70" in r.device)
    assert intervals.walk_breaks is not None and intervals.walk_breaks >= 3  # the recoveries of an interval session
    assert history.threshold_speed is not None  # from the 44-minute run in the 180 days before
    rid = db.runner_id(RUNNER)
    onset = date(2016, 8, 27)
    with db.session() as s:
        s.add(Episode(runner_id=rid, status="closed", onset=onset, assessed_on=onset, closed_on=onset + timedelta(21)))
    db.dispose()
    out = json.loads(invoke("load", "--runner", RUNNER, "--weeks", "300", "--json", "--date", "2018-01-21").stdout)
    assert sum(w["distance_km"] for w in out["weeks"]) == pytest.approx(total, abs=0.05)
    retro = json.loads(invoke("retro", "--runner", RUNNER, "--json").stdout)
    assert retro["onset"] == onset.isoformat() and not retro["enough_data"]  # two runs in 12 weeks: says so
    assert "too few" in retro["lines"][0]


def test_adherence_command_reads_each_days_plan_and_asks_about_every_run(cli_env: str) -> None:
    fill(cli_env)
    day = ONSET + timedelta(days=30)
    out = json.loads(invoke("adherence", "--runner", RUNNER, "--json", "--date", day.isoformat()).stdout)
    run_days = {(ONSET + timedelta(days=i)).isoformat() for i in range(21, 31, 2)}
    matched = {d["date"]: d for d in out["days"]}
    assert run_days <= set(matched)
    for d in run_days:
        assert matched[d]["verdict"] in ("as_prescribed", "overdone", "underdone") and len(matched[d]["ask"]) == 3
    assert out["latest"]["date"] == max(matched)
    text = invoke("adherence", "--runner", RUNNER, "--date", day.isoformat()).stdout
    assert "Please tell us in your check-in" in text


def test_load_without_runs_says_to_import_first(cli_env: str) -> None:
    open_database(cli_env).runner_id(RUNNER)
    result = CliRunner().invoke(app, ["load", "--runner", RUNNER])
    assert result.exit_code == 4 and "calfcare import" in result.output


def test_load_for_a_date_before_the_first_run_is_a_clear_not_found(cli_env: str) -> None:
    fill(cli_env)
    result = CliRunner().invoke(app, ["load", "--runner", RUNNER, "--date", "2020-01-01"])
    assert result.exit_code == 4 and result.exception is not None and "ValueError" not in repr(result.exception)
    assert "no runs on or before 2020-01-01" in result.output
    assert (START + timedelta(days=1)).isoformat() in result.output  # the first run, a Tuesday


def _treadmill_without_distance(db: Database, day: date, minutes: float, rpe: float | None) -> None:
    """A treadmill session recorded without a footpod: minutes (and maybe an RPE), no distance, no stream."""
    from datetime import UTC, datetime

    from calfcare.store.models import Activity

    with db.session() as s:
        s.add(
            Activity(
                runner_id=db.runner_id(RUNNER), content_sha256=f"treadmill-{day.isoformat()}".ljust(64, "0"),
                source_format="fit", sport="treadmill", elapsed_s=minutes * 60, moving_s=minutes * 60,
                start_utc=datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC), utc_offset_s=0,
                distance_m=None, rpe=rpe, record_count=0, extra={},
            )
        )  # fmt: skip


def test_runs_without_a_distance_give_session_rpe_and_monotony_and_count_for_adherence(db: Database) -> None:
    from calfcare.services.load import adherence_report, load_report

    runner_id = db.runner_id(RUNNER)
    monday = date(2026, 3, 2)
    # two weeks of treadmill sessions without GPS, RPE given: Mon 30 min RPE 4, Wed 40 min RPE 5, Sat 60 min RPE 3
    for week in range(2):
        for offset, minutes, rpe in ((0, 30.0, 4.0), (2, 40.0, 5.0), (5, 60.0, 3.0)):
            _treadmill_without_distance(db, monday + timedelta(weeks=week, days=offset), minutes, rpe)
    _treadmill_without_distance(db, monday + timedelta(weeks=1, days=6), 2.0, None)  # started by mistake: ignored
    report = load_report(db=db, runner=RUNNER, today=monday + timedelta(weeks=1, days=6), weeks=2)
    week = report["weeks"][-1]
    # session-RPE by hand: 4 × 30 + 5 × 40 + 3 × 60 = 500 AU; daily loads 120, 0, 200, 0, 0, 180, 0
    loads = np.array([120.0, 0, 200, 0, 0, 180, 0])
    assert (week["runs"], week["distance_km"], week["srpe"]) == (3, 0.0, 500.0)
    assert week["monotony_srpe"] == round(loads.mean() / loads.std(), 2)
    assert week["strain_srpe"] == round(500 * loads.mean() / loads.std(), 2)
    # the treadmill walk-run on a planned day is a run done, not "skipped"
    with db.session() as s:
        onset = monday - timedelta(days=1)  # the day before: the onset day's run is the injury, not the rehab's
        s.add(Episode(runner_id=runner_id, status="open", onset=onset, assessed_on=onset))
    plan = {"kind": "walk_run", "run": {"intervals": [{"walk_min": 1, "run_min": 4, "repeats": 6}], "total_min": 30,
                                        "effort": "easy, RPE ≤ 4"}}  # fmt: skip
    found = adherence_report(db=db, runner=RUNNER, today=monday, prescriptions={monday: plan})["days"]
    assert [d["verdict"] for d in found] == ["as_prescribed"]


def test_an_easy_only_runner_has_no_speed_work_from_hills_and_gps_wobble(db: Database) -> None:
    from calfcare.services.load import load_report

    runner_id = db.runner_id(RUNNER)
    t = np.arange(3600)
    wobble = (0.3 * np.sin(2 * np.pi * t / 600)).astype(np.float32)  # ±0.3 m/s: hills and GPS, 10-minute waves
    day = START
    for i in range(20):  # easy hours at 2.8 m/s, every fifth a little quicker (2.9 m/s): never a hard run
        store_run(db, runner_id, day, np.float32(2.9 if i % 5 == 4 else 2.8) + wobble, key=f"easy-{i:03d}-")
        day += timedelta(days=2)
    report = load_report(db=db, runner=RUNNER, today=day, weeks=6)
    # median run 2.8 m/s → threshold at least 3.22 m/s (5:11/km); the quicker easy runs peak at 3.2 m/s
    assert report["threshold_pace"] == "5:11 min/km"
    assert all(w["fast_min"] == 0 and w["surges"] == 0 for w in report["weeks"])


def test_load_on_a_past_date_shows_the_injury_only_up_to_that_date(cli_env: str) -> None:
    fill(cli_env)
    day = ONSET + timedelta(weeks=2)  # the episode was closed four weeks later
    out = json.loads(invoke("load", "--runner", RUNNER, "--weeks", "4", "--json", "--date", day.isoformat()).stdout)
    assert out["injured_periods"] == [{"from": ONSET.isoformat(), "to": day.isoformat()}]
    early = ONSET - timedelta(days=1)  # the day before the onset: no injury yet
    out = json.loads(invoke("load", "--runner", RUNNER, "--weeks", "4", "--json", "--date", early.isoformat()).stdout)
    assert out["injured_periods"] == []


def test_the_ewma_spans_can_be_set_on_the_command_line(cli_env: str, tmp_path: Path) -> None:
    from calfcare.analytics.load import ewma

    fill(cli_env)
    day = ONSET - timedelta(days=1)
    spans = ["--acute-days", "3", "--chronic-days", "21"]
    args = ["load", "--runner", RUNNER, "--json", "--date", day.isoformat(), *spans]
    out = json.loads(invoke(*args).stdout)
    assert out["settings"]["lambda_acute"] == 0.5 and out["settings"]["lambda_chronic"] == round(2 / 22, 4)
    # by hand from the daily distances of the fill: acute EWMA-3 today, chronic EWMA-21 as it stood 3 days ago
    n_days = (day - (START + timedelta(days=1))).days + 1
    daily = np.zeros((1, n_days))
    for w in range(18):
        kms = (10.0, 10.0, 22.0) if w == 16 else (8.0, 8.0, 14.0)
        for offset, km in zip((1, 3, 6), kms, strict=True):
            i = (START + timedelta(weeks=w, days=offset) - (START + timedelta(days=1))).days
            if i < n_days:
                daily[0, i] = round(km * 1000 / 2.8) * 2.8 / 1000  # the stored stream's distance
    acute, chronic = ewma(daily, 3)[0, -1], ewma(daily[:, :-3], 21)[0, -1]
    assert out["current"]["acute_km_per_week"] == round(acute * 7, 2)
    assert out["current"]["acwr_uncoupled"] == round(acute / chronic, 2)
    plot = tmp_path / "spans.svg"
    invoke(*args[:3], "--date", day.isoformat(), *spans, "--plot", str(plot))
    assert "EWMA 3 d" in plot.read_text() and "EWMA 21 d" in plot.read_text()
    bad = CliRunner().invoke(app, ["load", "--runner", RUNNER, "--acute-days", "28", "--chronic-days", "7"])
    assert bad.exit_code == 2 and "--chronic-days" in bad.output


def test_the_ratio_is_not_shown_in_the_weeks_after_an_injury_and_the_note_says_why(cli_env: str) -> None:
    fill(cli_env)
    back = ONSET + timedelta(weeks=6, days=1)  # the day after the episode closed: the ratio would read ≈ 1.7
    out = json.loads(invoke("load", "--runner", RUNNER, "--json", "--date", back.isoformat()).stdout)
    assert out["current"]["acwr_uncoupled"] is None and out["current"]["acute_km_per_week"] is not None
    assert "within 35 days of an injury" in out["current"]["acwr_note"]
    text = invoke("load", "--runner", RUNNER, "--date", back.isoformat()).stdout
    assert "within 35 days of an injury" in " ".join(text.split())
    later = back + timedelta(days=36)
    out = json.loads(invoke("load", "--runner", RUNNER, "--json", "--date", later.isoformat()).stdout)
    assert out["current"]["acwr_uncoupled"] is not None and out["current"]["acwr_note"].startswith("descriptive")


def test_retro_says_whether_the_plan_is_sized_from_the_files(cli_env: str, tmp_path: Path) -> None:
    # the runner assesses first (no files yet), then imports: the plan was not sized from the files, and retro says
    # so instead of claiming it was; assessing again sizes it, and then retro says it is
    answers = json.loads((Path(__file__).parents[2] / "examples" / "soleus-build-up.json").read_text())
    answers["days_since_onset"] = 2
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    assessed = (ONSET + timedelta(days=2)).isoformat()
    invoke("assess", "--runner", RUNNER, "--answers", str(path), "--date", assessed)
    db = open_database(cli_env)
    rid = db.runner_id(RUNNER)
    for w in range(18):
        for offset, km in zip((1, 3, 6), (8.0, 8.0, 14.0), strict=True):
            _add_run(db, rid, START + timedelta(weeks=w, days=offset), km)
    db.dispose()
    out = json.loads(invoke("retro", "--runner", RUNNER, "--json").stdout)
    assert out["baseline"]["source"] == "files" and out["plan_baseline"] is None
    text = " ".join(invoke("retro", "--runner", RUNNER).stdout.split())
    assert "not sized from them" in text and "sized from it" not in text
    invoke("assess", "--runner", RUNNER, "--answers", str(path), "--date", assessed)
    out = json.loads(invoke("retro", "--runner", RUNNER, "--json").stdout)
    assert out["plan_baseline"] == out["baseline"]
    assert "The return-to-run plan is sized from it." in " ".join(invoke("retro", "--runner", RUNNER).stdout.split())
    # a look back from a day that is no episode's onset says nothing about a plan
    other = " ".join(invoke("retro", "--runner", RUNNER, "--onset", ONSET.replace(day=20).isoformat()).stdout.split())
    assert "Pre-injury baseline" in other and "plan" not in other
