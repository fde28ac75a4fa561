"""Issue #9 items 1 and 2 end to end: two files of the same run merge into one activity holding the best of each,
whatever the order; the runner lists activities, corrects a sport (kept on re-import), deletes one; load and retro
list what they did not count."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from test_import_fixtures import fit_run, tcx_run
from test_round2_files import gpx
from typer.testing import CliRunner

from calfcare.activities.formats.fit_encode import encode_run
from calfcare.activities.streams_codec import unpack_streams
from calfcare.cli import app
from calfcare.services.activities import delete_activity, list_activities, set_sport
from calfcare.services.importing import import_paths
from calfcare.services.load import load_report, retro_report
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityStreams

START = datetime(2024, 5, 4, 7, 30, tzinfo=UTC)
SLOW = 2.05  # a pace between a walk and a jog: an untyped, nameless GPX at it stays "other"


def _import(db: Database, runner: str, tmp_path: Path, name: str, data: bytes) -> Any:
    folder = tmp_path / runner / name.replace(".", "_")
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return import_paths(db=db, runner=runner, paths=[folder], workers=1)


def _state(db: Database, runner: str) -> dict[str, Any]:
    with db.session() as s:
        rows = list(s.scalars(select(Activity).where(Activity.runner_id == db.runner_id(runner))))
        assert len(rows) == 1, "the same run must be one activity"
        act = rows[0]
        blob = s.scalar(select(ActivityStreams.data).where(ActivityStreams.activity_id == act.id))
        channels = sorted(unpack_streams(blob).channels) if blob is not None else []
        return {
            "sport": act.sport,
            "avg_hr": act.avg_hr,
            "source_format": act.source_format,
            "distance_m": act.distance_m,
            "channels": channels,
            "has_figures": act.figures is not None,
        }


@pytest.mark.parametrize("first", ["gpx", "tcx"])
def test_an_untyped_gpx_and_the_tcx_of_the_same_run_merge_whatever_the_order(
    db: Database, tmp_path: Path, first: str
) -> None:
    files = {"gpx": ("run.gpx", gpx([(1801, SLOW)])), "tcx": ("run.tcx", tcx_run(START, 1800, SLOW))}
    order = [first, "tcx" if first == "gpx" else "gpx"]
    reports = [_import(db, "ana", tmp_path, *files[k]) for k in order]
    assert [r.outcomes[0].status for r in reports] == ["imported", "duplicate"]
    state = _state(db, "ana")
    # the specific sport over "other", the heart rate, the heart-rate stream — from whichever file brought them
    assert state["sport"] == "run" and state["avg_hr"] is not None and "heart_rate" in state["channels"]
    assert state["source_format"] == "tcx" and state["has_figures"]
    if first == "gpx":
        assert "merged into it" in (reports[1].outcomes[0].error or "")


def test_a_fit_and_a_gpx_of_one_run_keep_the_devices_session_figures_in_both_orders(
    db: Database, tmp_path: Path
) -> None:
    states = []
    for runner, order in (("a", ["gpx", "fit"]), ("b", ["fit", "gpx"])):
        files = {"gpx": ("w.gpx", gpx([(1801, 3.0)], name="Run")), "fit": ("w.fit", fit_run(START, 1800, 3.0))}
        for k in order:
            _import(db, runner, tmp_path, *files[k])
        states.append(_state(db, runner))
    assert states[0] == states[1]
    assert states[0]["source_format"] == "fit" and states[0]["avg_hr"] == 150


@pytest.mark.parametrize("first", ["fit", "tcx"])
def test_a_strapless_watchs_zero_heart_rate_does_not_block_the_other_files_heart_rate(
    db: Database, tmp_path: Path, first: str
) -> None:
    files = {"fit": ("w.fit", encode_run(START, 1800, speed_ms=3.0, hr=0)), "tcx": ("w.tcx", tcx_run(START, 1800, 3.0))}
    for k in (first, "tcx" if first == "fit" else "fit"):
        _import(db, "ana", tmp_path, *files[k])
    state = _state(db, "ana")
    assert state["source_format"] == "fit" and state["avg_hr"] is not None and "heart_rate" in state["channels"]
    with db.session() as s:
        blob = s.scalar(select(ActivityStreams.data))
        assert float(np.nanmin(unpack_streams(blob).channels["heart_rate"])) > 0


def test_the_runner_corrects_a_sport_and_it_survives_reimport_and_merging(db: Database, tmp_path: Path) -> None:
    _import(db, "ana", tmp_path, "slow.gpx", gpx([(1801, SLOW)]))
    [row] = list_activities(db=db, runner="ana")
    assert row["sport"] == "other" and not row["counted_as_run"]
    fixed = set_sport(db=db, runner="ana", activity_id=row["id"], sport="walk")
    assert fixed["sport"] == "walk" and fixed["sport_set_by_runner"]
    _import(db, "ana", tmp_path, "again.gpx", gpx([(1801, SLOW)]))  # the same file again
    _import(db, "ana", tmp_path, "watch.tcx", tcx_run(START, 1800, SLOW))  # the same run, typed "Running"
    [after] = list_activities(db=db, runner="ana")
    assert after["sport"] == "walk" and after["avg_hr"] is not None  # the runner's word, the watch's heart rate


def test_an_unknown_sport_is_refused_and_a_deleted_activity_is_gone(db: Database, tmp_path: Path) -> None:
    from calfcare.errors import InvalidInput, NotFound

    _import(db, "ana", tmp_path, "slow.gpx", gpx([(1801, SLOW)]))
    [row] = list_activities(db=db, runner="ana")
    with pytest.raises(InvalidInput, match="SPORT"):
        set_sport(db=db, runner="ana", activity_id=row["id"], sport="kayak")
    delete_activity(db=db, runner="ana", activity_id=row["id"])
    assert list_activities(db=db, runner="ana") == []
    with pytest.raises(NotFound):
        delete_activity(db=db, runner="ana", activity_id=row["id"])


def test_load_lists_what_it_did_not_count(db: Database, tmp_path: Path) -> None:
    for k in range(3):
        day = START + timedelta(days=2 * k)
        _import(db, "ana", tmp_path, f"run{k}.gpx", gpx([(1801, 3.0)], name="Run", start=day))
    _import(db, "ana", tmp_path, "odd.gpx", gpx([(1801, SLOW)], start=START + timedelta(days=1)))
    _import(db, "ana", tmp_path, "bike.gpx", gpx([(1801, 7.0)], name="Ride", start=START + timedelta(days=3)))
    report = load_report(db=db, runner="ana", today=(START + timedelta(days=6)).date(), weeks=2)
    left = report["not_counted"]
    assert left["count"] == 2 and left["by_sport"]["other"]["count"] == 1 and left["by_sport"]["ride"]["count"] == 1
    assert left["distance_km"] == pytest.approx(1.801 * SLOW + 1.801 * 7.0, abs=0.1)
    assert sum(w["runs"] for w in report["weeks"]) == 3
    retro = retro_report(db=db, runner="ana", onset=(START + timedelta(days=7)).date())
    assert retro["not_counted"]["count"] == 2 and set(retro["not_counted"]["by_sport"]) == {"other", "ride"}


def test_the_activity_commands(cli_env: str, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "slow.gpx").write_bytes(gpx([(1801, SLOW)]))
    cli = CliRunner()
    assert cli.invoke(app, ["import", str(inbox), "--runner", "ana"]).exit_code == 0
    listed = json.loads(cli.invoke(app, ["activity", "list", "--runner", "ana", "--json"]).stdout)
    assert [r["sport"] for r in listed] == ["other"]
    aid = str(listed[0]["id"])
    out = cli.invoke(app, ["activity", "set-sport", aid, "run", "--runner", "ana"])
    assert out.exit_code == 0 and "now run" in out.stdout
    assert "not counted" not in cli.invoke(app, ["activity", "list", "--runner", "ana"]).stdout
    bad = cli.invoke(app, ["activity", "set-sport", aid, "kayak", "--runner", "ana"])
    assert bad.exit_code == 2 and "kayak" in bad.stderr
    assert cli.invoke(app, ["activity", "delete", aid, "--runner", "ana"]).exit_code == 0
    gone = cli.invoke(app, ["activity", "delete", aid, "--runner", "ana", "--json"])
    assert gone.exit_code == 4 and json.loads(gone.stdout)["error"] == "NotFound"


def test_load_and_retro_on_the_command_line_say_what_they_did_not_count(cli_env: str, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for k in range(3):
        day = START + timedelta(days=2 * k)
        (inbox / f"run{k}.gpx").write_bytes(gpx([(1801, 3.0)], name="Run", start=day))
    (inbox / "odd.gpx").write_bytes(gpx([(1801, SLOW)], start=START + timedelta(days=1)))
    (inbox / "bike.gpx").write_bytes(gpx([(1801, 7.0)], name="Ride", start=START + timedelta(days=3)))
    cli = CliRunner()
    assert cli.invoke(app, ["import", str(inbox), "--runner", "ana"]).exit_code == 0
    ids = {
        r["sport"]: r["id"]
        for r in json.loads(cli.invoke(app, ["activity", "list", "--runner", "ana", "--json"]).stdout)
    }
    day = (START + timedelta(days=6)).date().isoformat()
    load = cli.invoke(app, ["load", "--runner", "ana", "--date", day, "--weeks", "2"], terminal_width=200)
    assert load.exit_code == 0, load.output
    line = next(x for x in load.stdout.splitlines() if x.startswith("Not counted"))
    assert line.startswith("Not counted as running in these weeks: 2 activities, 16.3 km — ")
    assert "1 other (3.7 km)" in line and "1 ride (12.6 km)" in line
    assert line.count("not counted") == 0 and "If one was a run: calfcare activity set-sport ID run" in line
    assert f"{ids['other']}" in line.split("(ids: ")[1] and f"{ids['ride']}" in line.split("(ids: ")[1]
    onset = (START + timedelta(days=7)).date().isoformat()
    retro = cli.invoke(app, ["retro", "--runner", "ana", "--onset", onset], terminal_width=200)
    assert retro.exit_code == 0, retro.output
    assert "Not counted as running in the six weeks before: 2 activities, 16.3 km" in retro.stdout


CORPUS_PAIRS = [  # two files of one activity each, from the shared corpus (the pairs the round-2 import met)
    ("fit/GoldenCheetah/GarminHRMswim.FIT", "tcx/GoldenCheetah/GarminHRMswim.tcx"),
    ("fit/sports-lib/2067489619.fit", "gpx/sports-lib/2067489619.gpx"),
    ("tcx/python-tcxparser/no_hr.tcx", "tcx/python-tcxparser/test.tcx"),
    ("fit/GoldenCheetah/10kUNLP2014-Garmin15.fit", "tcx/GoldenCheetah/10kUNLP2014-Garmin15.tcx"),  # neither has HR
]


@pytest.mark.corpus
@pytest.mark.parametrize(("first", "second"), CORPUS_PAIRS)
def test_corpus_pairs_merge_to_the_same_activity_in_both_orders(
    db: Database, tmp_path: Path, corpus: Path, first: str, second: str
) -> None:
    states = []
    for runner, order in (("a", (first, second)), ("b", (second, first))):
        for rel in order:
            _import(db, runner, tmp_path, Path(rel).name, (corpus / rel).read_bytes())
        with db.session() as s:
            [act] = list(s.scalars(select(Activity).where(Activity.runner_id == db.runner_id(runner))))
            blob = s.scalar(select(ActivityStreams.data).where(ActivityStreams.activity_id == act.id))
            channels = sorted(unpack_streams(blob).channels) if blob is not None else []
            states.append(
                (act.sport, act.avg_hr, act.max_hr, act.source_format, act.distance_m, act.start_utc, channels)
            )
    assert states[0] == states[1]
    assert states[0][0] != "other"  # the specific sport over the untyped file's
    if "Garmin15" not in first:  # the heart rate of whichever file had it
        assert states[0][1] is not None and "heart_rate" in states[0][6]
