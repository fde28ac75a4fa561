"""Migration 0009: activities whose sport an earlier calfcare inferred with the old rule (an untyped bike GPX at
76 rpm read as a run) are inferred again; the running load, the episode's baseline and its stored plan follow.

The database is built at revision 0008 and filled by the real importer running the old rule (the step-length limit
switched off: the rule before it, exactly), then upgraded to head. SQLite, and PostgreSQL when configured."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from alembic import command
from sqlalchemy import select, update
from test_import_fixtures import _points

from calfcare.activities import infer
from calfcare.activities.streams_codec import unpack_streams
from calfcare.analytics.runs import runs_in_rehab
from calfcare.services import assess, record_checkin
from calfcare.services.activities import list_activities, set_sport
from calfcare.services.importing import import_paths
from calfcare.services.load import baseline_for_onset, load_history
from calfcare.services.replay import stored_replay
from calfcare.services.today_plan import current_of, plan_from, stops_from
from calfcare.services.views import today_inputs
from calfcare.store import Database, open_database
from calfcare.store.db import alembic_config
from calfcare.store.models import Activity, ActivityStreams, Episode
from cases import SOLEUS

DAY0 = date(2025, 5, 10)  # the assessment; the onset is two days earlier (SOLEUS: 2.5 days)
CHECKIN = {
    "morning_pain": 2, "pain_rest": 0, "pain_walking": 1, "limp": False, "single_leg_heel_raises_injured": 14,
    "single_leg_heel_raises_other": 30, "session": "as_prescribed", "session_kind": "rehab_exercises",
    "session_minutes": 25, "pain_during_session": 1, "pain_after_session": 0, "calf_bigger_than_other": False,
}  # fmt: skip


def gpx(start: datetime, *, speed: float, cad: int, name: str, sport: str | None = None) -> bytes:
    """A 30-minute GPX with heart rate and a per-foot (or per-crank) cadence; no ``<type>`` unless ``sport``."""
    ext = "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr><gpxtpx:cad>{cad}</gpxtpx:cad>"
    ext += "</gpxtpx:TrackPointExtension></extensions>"
    pts = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>500</ele><time>{t.strftime("%Y-%m-%dT%H:%M:%SZ")}</time>'
        + ext.format(hr=hr, cad=cad)
        + "</trkpt>"
        for t, lat, lon, hr in _points(start, 1800, speed, 48.0, 1)
    )
    kind = f"<type>{sport}</type>" if sport else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="a cycling app" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><name>{name}</name>{kind}<trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def bike(start: datetime, name: str = "Tuesday") -> bytes:
    """A cycling app's untyped file: 5.4 m/s (19 km/h) at 76 rpm, which the old rule read as a run at 152 spm."""
    return gpx(start, speed=5.4, cad=76, name=name)


def at(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def database_at_0008(url: str) -> Database:
    old = Database(url)
    with old.engine.begin() as conn:
        cfg = alembic_config(old.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    assert old.current_revision() == "0008"
    return old


def import_with_the_old_rule(
    db: Database, files: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, int]:
    """Import ``files`` as the calfcare before the step-length rule did; the ids of their activities by name."""
    folder = tmp_path / "files"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with monkeypatch.context() as m:
        m.setattr(infer, "RUN_STEP_MAX_M", float("inf"))  # no step too long: the old rule
        report = import_paths(db=db, runner="ana", paths=[folder / n for n in files], workers=1)
    assert report.count("imported") == len(files), report.not_imported
    with db.session() as s:
        rows = s.execute(select(Activity.source_path, Activity.id)).all()
    return {Path(p).name: int(i) for p, i in rows if p and Path(p).name in files}


def activity(db: Database, aid: int) -> Activity:
    with db.session() as s:
        row = s.get(Activity, aid)
        assert row is not None
        return row


def cadence_stream(db: Database, aid: int) -> np.ndarray:
    with db.session() as s:
        blob = s.scalar(select(ActivityStreams.data).where(ActivityStreams.activity_id == aid))
    return np.asarray(unpack_streams(blob).channels["cadence"])


def stored_plan_is_current(db: Database, day: date) -> bool:
    """Would ``today`` serve the episode's stored plan state (its key matches the inputs as they now are)?"""
    inputs = today_inputs(db=db, runner="ana", day=day)
    ep = current_of(inputs.episodes, day)
    assert ep is not None
    runs = runs_in_rehab(list(inputs.runs), ep.onset)
    stops = stops_from(inputs.assessments, ep.id)
    return stored_replay(ep, list(inputs.checkins), stops, runs, day, inputs.events) is not None


def test_rides_stored_as_runs_by_the_old_rule_become_rides_and_leave_the_running_load(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = database_at_0008(db_url)
    onset = DAY0 - timedelta(days=2)
    rid = old.runner_id("ana")
    with old.session() as s:  # eight weeks of 8 km runs every other day before the onset (typed files)
        for k in range(3, 57, 2):
            start = at(onset - timedelta(days=k))
            run = {"start_utc": start, "utc_offset_s": 0, "elapsed_s": 2700.0, "moving_s": 2700.0, "distance_m": 8000.0}
            s.add(Activity(runner_id=rid, content_sha256=f"{k:064d}", source_format="gpx", sport="run", **run))
    files = {
        **{f"ride{w}.gpx": bike(at(onset - timedelta(days=7 * w + 2), 17)) for w in range(1, 5)},  # one a week
        "run.gpx": gpx(at(onset - timedelta(days=1)), speed=3.0, cad=85, name="Morning"),  # a real untyped run
        "set.gpx": bike(at(onset - timedelta(days=70), 17), name="Sunday"),  # the runner says: a run
        "typed.gpx": gpx(at(onset - timedelta(days=75), 17), speed=5.4, cad=76, name="Fast", sport="running"),
    }
    ids = import_with_the_old_rule(old, files, tmp_path, monkeypatch)
    ride = ids["ride1.gpx"]
    before = activity(old, ride)
    assert before.sport == "run" and before.extra["sport_inferred"].startswith("from the speed and cadence profile")
    assert np.nanmedian(cadence_stream(old, ride)) == pytest.approx(152.0)  # 76 rpm "doubled" as one foot's
    set_sport(db=old, runner="ana", activity_id=ids["set.gpx"], sport="run")
    assert "sport_inferred" not in activity(old, ids["typed.gpx"]).extra  # the file said running
    rides_km = sum((activity(old, ids[f"ride{w}.gpx"]).distance_m or 0.0) / 1000 for w in range(1, 5))
    assert rides_km > 35
    assess(db=old, runner="ana", answers=SOLEUS, day=DAY0)
    record_checkin(db=old, runner="ana", answers=CHECKIN, day=DAY0 + timedelta(days=1))
    with old.session() as s:
        (ep,) = s.scalars(select(Episode))
        inflated = dict(ep.context["baseline"])
    assert inflated["source"] == "files"
    assert stored_plan_is_current(old, DAY0 + timedelta(days=1))
    history = load_history(old, "ana", reference=onset, streams_from=onset - timedelta(weeks=14))
    assert sum(round(r.distance_km) == 10 for r in history.runs) == 6, "the old rule counted each 9.7 km ride"
    old.dispose()

    new = open_database(db_url)  # upgrades to head
    for w in range(1, 5):
        row = activity(new, ids[f"ride{w}.gpx"])
        assert row.sport == "ride"
        assert "pedalling cadence" in row.extra["sport_inferred"]
        assert row.extra["sport_reinferred"] == {"from": "run", "reason": before.extra["sport_inferred"], "at": "0009"}
    assert activity(new, ids["run.gpx"]).sport == "run"
    assert "sport_reinferred" not in activity(new, ids["run.gpx"]).extra
    assert activity(new, ids["set.gpx"]).sport == "run"
    assert activity(new, ids["typed.gpx"]).sport == "run"
    assert "sport_reinferred" not in activity(new, ids["typed.gpx"]).extra
    # the running load: the rides are no longer runs, they are listed as not counted
    history = load_history(new, "ana", reference=onset, streams_from=onset - timedelta(weeks=14))
    assert sum(round(r.distance_km) == 10 for r in history.runs) == 2, "the runner's and the typed file's only"
    rides = [n for n in history.not_counted if n.sport == "ride"]
    assert sorted(n.activity_id for n in rides) == sorted(ids[f"ride{w}.gpx"] for w in range(1, 5))
    # the plan was sized from a baseline with the rides in it: sized again without them, and the stored plan
    # state is no longer served (its key holds the episode's context)
    with new.session() as s:
        (ep,) = s.scalars(select(Episode))
        context: dict[str, Any] = dict(ep.context)
    assert context["baseline_corrected"]["from"] == inflated
    assert context["baseline"]["weekly_km"] < inflated["weekly_km"]
    assert context["baseline"]["weekly_km"] == pytest.approx(28.0, abs=4.5)  # 8 km every other day, no rides
    assert context["baseline"] == asdict(baseline_for_onset(db=new, runner="ana", onset=onset)), "as assess computes"
    assert not stored_plan_is_current(new, DAY0 + timedelta(days=1))
    plan = plan_from(today_inputs(db=new, runner="ana", day=DAY0 + timedelta(days=1)))
    assert plan is not None and plan["episode"]["id"] == ep.id
    # the activity list says what changed
    listed = {r["id"]: r for r in list_activities(db=new, runner="ana")}
    assert listed[ride]["sport_reinferred_from"] == "run" and not listed[ride]["counted_as_run"]
    assert listed[ids["run.gpx"]]["sport_reinferred_from"] is None
    new.dispose()


def test_a_reinferred_ride_is_stored_as_a_fresh_import_would_store_it(
    db_url: str, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sport, reason, warnings, average cadence and cadence stream, as the current importer writes them."""
    data = bike(at(DAY0, 17))
    old = database_at_0008(db_url)
    (aid,) = import_with_the_old_rule(old, {"ride.gpx": data}, tmp_path, monkeypatch).values()
    old.dispose()
    migrated = open_database(db_url)
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    (tmp_path / "now").mkdir()
    (tmp_path / "now" / "ride.gpx").write_bytes(data)
    import_paths(db=fresh, runner="ana", paths=[tmp_path / "now" / "ride.gpx"], workers=1)
    with fresh.session() as s:
        (want,) = s.scalars(select(Activity))
    got = activity(migrated, aid)
    assert got.sport == want.sport == "ride"
    assert {k: v for k, v in got.extra.items() if k != "sport_reinferred"} == want.extra
    assert not any("cadence doubled" in w for w in got.extra["warnings"])
    assert got.avg_cadence_spm == pytest.approx(want.avg_cadence_spm, abs=0.05)
    assert np.nanmedian(cadence_stream(migrated, aid)) == pytest.approx(76.0)
    assert np.allclose(cadence_stream(migrated, aid), cadence_stream(fresh, want.id), equal_nan=True, atol=0.05)
    migrated.dispose()
    fresh.dispose()


def test_rows_whose_inference_cannot_be_reproduced_are_left_alone(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merged row (streams from several files) and a sport read from the description (not stored) keep their
    sport; so does one the runner set even with a reason kept beside it."""
    old = database_at_0008(db_url)
    files = {f"{k}.gpx": bike(at(DAY0 - timedelta(days=k), 17)) for k in (1, 2, 3, 4)}
    ids = import_with_the_old_rule(old, files, tmp_path, monkeypatch)
    marks: dict[str, dict[str, Any]] = {
        "1.gpx": {"merged_from": ["other.fit"]},
        "2.gpx": {"sport_inferred": "from the description 'Lauf mit Rad' (confidence 0.9)"},
        "3.gpx": {"sport_set_by_runner": True},
        "4.gpx": {},  # the control: re-inferred
    }
    with old.engine.begin() as conn:
        for name, mark in marks.items():
            extra = {**activity(old, ids[name]).extra, **mark}
            conn.execute(update(Activity).where(Activity.id == ids[name]).values(extra=extra))
    old.dispose()
    new = open_database(db_url)
    sports = {name: activity(new, ids[name]).sport for name in marks}
    assert sports == {"1.gpx": "run", "2.gpx": "run", "3.gpx": "run", "4.gpx": "ride"}
    new.dispose()


def test_activity_list_says_a_sport_was_inferred_again_at_the_upgrade(
    cli_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from calfcare.cli.app import app

    old = database_at_0008(cli_env)
    import_with_the_old_rule(old, {"ride.gpx": bike(at(DAY0, 17))}, tmp_path, monkeypatch)
    old.dispose()
    out = CliRunner().invoke(app, ["activity", "list", "--runner", "ana"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "re-inferred at upgrade, was run" in " ".join(out.output.split()), out.output
    assert "not counted" in out.output


def test_the_corpus_cycling_file_stored_as_a_run_becomes_a_ride(
    corpus: Path, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real file behind the defect (a cycling app's untyped GPX, 76 rpm at 19 km/h: 21 km of "running")."""
    data = (corpus / "gpx/GoldenCheetah/UrbanBiker2019-04-18_16-12.gpx").read_bytes()
    old = database_at_0008(sqlite_url)
    (aid,) = import_with_the_old_rule(old, {"UrbanBiker.gpx": data}, tmp_path, monkeypatch).values()
    assert activity(old, aid).sport == "run"
    old.dispose()
    new = open_database(sqlite_url)
    row = activity(new, aid)
    assert row.sport == "ride" and row.extra["sport_reinferred"]["from"] == "run"
    assert "pedalling cadence" in row.extra["sport_inferred"]
    new.dispose()
