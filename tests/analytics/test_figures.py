"""Issue #9 items 5 and 6: speed work on grade-adjusted pace (downhill stretches are not speed work), and per-activity
figures computed once at import, stored (migration 0002 back-fills older rows), and read by load without streams."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, text

from calfcare.activities.activity import Streams
from calfcare.activities.streams_codec import ENCODING, pack_streams
from calfcare.analytics.figures import activity_figures, grade_adjusted_speed, minetti_cost
from calfcare.analytics.threshold import fast_at
from calfcare.store import Database, open_database
from calfcare.store.models import Activity, ActivityStreams


def _run(speed: float, gradient: float, seconds: int = 1800) -> dict[str, np.ndarray]:
    """Ten easy minutes at 2.8 m/s, then ``seconds`` at ``speed`` on ``gradient``, then ten easy minutes."""
    v = np.concatenate([np.full(600, 2.8), np.full(seconds, speed), np.full(600, 2.8)])
    d = np.cumsum(v)
    slope = np.concatenate([np.zeros(600), np.full(seconds, gradient), np.zeros(600)])
    alt = 300.0 + np.cumsum(v * slope)
    return {"speed": v.astype(np.float32), "distance": d.astype(np.float32), "altitude": alt.astype(np.float32)}


def test_minetti_cost_is_lowest_gently_downhill_and_highest_uphill() -> None:
    assert minetti_cost(0.0) == pytest.approx(3.6)
    assert minetti_cost(-0.1) < 3.6 < minetti_cost(0.1)
    assert minetti_cost(-0.2) == pytest.approx(1.78, abs=0.05)  # Minetti 2002: minimum near −20 %


def test_a_fast_downhill_stretch_of_an_easy_run_is_not_speed_work() -> None:
    threshold = 3.6
    flat = activity_figures(_run(4.0, 0.0))
    down = activity_figures(_run(4.0, -0.10))
    up = activity_figures(_run(3.2, 0.05))
    assert flat is not None and down is not None and up is not None
    flat_min, flat_surges, flat_downhill = fast_at(flat, threshold)
    down_min, down_surges, down_downhill = fast_at(down, threshold)
    assert flat_min == pytest.approx(30, abs=0.5) and flat_surges == 1 and flat_downhill == 0
    assert down_min == 0 and down_surges == 0  # 4.0 m/s down 10 % costs what ~2.5 m/s costs on the flat
    assert down_downhill == pytest.approx(30, abs=0.5)  # …and the figures say how much was left out
    assert fast_at(up, threshold)[0] == pytest.approx(30, abs=0.5)  # 3.2 m/s up 5 % is harder than 3.6 on the flat


def test_without_altitude_the_speed_is_taken_as_it_is() -> None:
    v = np.full(100, 3.0)
    adjusted, graded = grade_adjusted_speed(v, None, None)
    assert not graded and np.array_equal(adjusted, v)


def _gpx_run(path: Path, day: date, minutes: int = 40) -> None:
    points = []
    start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC)
    for i in range(minutes * 60):
        stamp = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        speed = 4.2 if 600 <= i < 900 else 2.8
        lat = 48.0 + (i * speed) / 111_195.0
        ele = 100 + 20 * np.sin(i / 300)
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="11.0"><ele>{ele:.1f}</ele><time>{stamp}</time>'
            "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr></gpxtpx:TrackPointExtension>"
            "</extensions></trkpt>"
        )
    ns = 'xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
    body = f"<trk><name>Morning Run</name><type>running</type><trkseg>{''.join(points)}</trkseg></trk>"
    path.write_text(f'<?xml version="1.0"?><gpx version="1.1" creator="t" {ns}>{body}</gpx>')


def test_figures_are_stored_at_import_and_load_never_reads_streams(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calfcare.services import load as load_service
    from calfcare.services.importing import import_paths

    day0 = date(2025, 3, 3)
    for k in range(6):
        _gpx_run(tmp_path / f"run{k}.gpx", day0 + timedelta(days=2 * k))
    report = import_paths(db=db, runner="ana", paths=[tmp_path], workers=1)
    assert report.count("imported") == 6
    with db.session() as s:
        rows = list(s.scalars(select(Activity)))
    assert all(r.figures and r.figures["fast_s"] for r in rows)
    assert all(r.trimp is not None and r.trimp > 0 and r.climb_per_km is not None for r in rows)

    def no_streams(db: Database, ids: Any) -> dict[int, np.ndarray]:
        assert not list(ids), "load decoded streams although the figures are stored"
        return {}

    monkeypatch.setattr(load_service, "_speeds", no_streams)
    out = load_service.load_report(db=db, runner="ana", today=day0 + timedelta(days=14), weeks=2)
    assert sum(w["fast_min"] for w in out["weeks"]) > 0  # the 5 minutes at 4.2 m/s of each run
    assert out["not_counted"]["count"] == 0


def test_migration_0005_back_fills_the_figures_of_rows_stored_before_it(tmp_path: Path) -> None:
    from alembic import command

    from calfcare.store.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    with db.engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO runners (id, name) VALUES (1, 'ana')"))
        conn.execute(
            text(
                "INSERT INTO activities (id, runner_id, content_sha256, source_format, sport, start_utc, elapsed_s, "
                "moving_s, distance_m, avg_hr, max_hr, elevation_gain_m, record_count, extra) VALUES (1, 1, 'x', "
                "'fit', 'run', '2025-03-03 07:00:00', 3000, 3000, 9000, 150, 180, 45, 3000, '{}')"
            )
        )
        blob = pack_streams(Streams(0.0, {"speed": np.full(3000, 3.0, dtype=np.float32)}))
        conn.execute(
            text("INSERT INTO activity_streams (activity_id, length, encoding, data) VALUES (1, 3000, :e, :d)"),
            {"e": ENCODING, "d": blob},
        )
    db.dispose()
    migrated = open_database(url)
    with migrated.session() as s:
        act = s.get(Activity, 1)
        assert act is not None and act.figures is not None
        assert act.figures["best_30min_speed"] == pytest.approx(3.0)
        assert act.climb_per_km == 5.0 and act.trimp is not None
        assert s.get(ActivityStreams, 1) is not None
    migrated.dispose()


def test_the_surge_profile_counts_what_count_surges_counts_at_every_threshold() -> None:
    from calfcare.analytics.figures import speed_grid, surge_profile
    from calfcare.analytics.intensity import count_surges

    rng = np.random.default_rng(3)
    for _ in range(5):  # intervals, strides, dips shorter and longer than the merge gap, noise
        blocks = [np.full(int(rng.integers(3, 90)), rng.uniform(2.0, 6.5)) for _ in range(40)]
        speed = np.concatenate(blocks) + rng.normal(0, 0.15, sum(len(b) for b in blocks))
        grid = speed_grid()
        assert surge_profile(speed, grid) == [count_surges(speed, float(g)) for g in grid]


@pytest.mark.parametrize("gradient", [0.0, -0.10])
def test_fast_descents_of_easy_runs_are_not_speed_work_in_retro(db: Database, gradient: float) -> None:
    """Issue #9 item 5 through the service: 18 weeks of easy runs (figures stored as the importer stores them); in
    the last six, each Thursday run has 10 minutes at 4.2 m/s. On the flat that is new speed work (gastrocnemius
    evidence for triage); down a 10 % slope it is easy running, and neither retro nor load counts it."""
    from calfcare.services.load import load_report, retro_report

    rid = db.runner_id("ana", create=True)
    first, onset = date(2025, 1, 6), date(2025, 1, 6) + timedelta(weeks=18)
    with db.session() as s:
        for week in range(18):
            for offset in (1, 3, 6):
                day = first + timedelta(weeks=week, days=offset)
                streams = _run(4.2, gradient, 600) if offset == 3 and week >= 12 else _run(2.8, 0.0, 1200)
                seconds = float(len(streams["speed"]))
                s.add(
                    Activity(
                        runner_id=rid,
                        content_sha256=f"r{week}-{offset}".ljust(64, "0"),
                        source_format="fit",
                        sport="run",
                        start_utc=datetime(day.year, day.month, day.day, 7, tzinfo=UTC),
                        elapsed_s=seconds,
                        moving_s=seconds,
                        distance_m=float(streams["distance"][-1]),
                        record_count=int(seconds),
                        extra={},
                        figures=activity_figures(streams),  # as the importer stores them; no streams are needed
                    )
                )
    retro = retro_report(db=db, runner="ana", onset=onset)
    found = {f["kind"]: f for f in retro["findings"]}
    weeks = load_report(db=db, runner="ana", today=onset - timedelta(days=1), weeks=6)["weeks"]
    fast_min = sum(w["fast_min"] for w in weeks)
    if gradient == 0.0:
        assert "speedwork_increase" in found and "no downhill running counted" in found["speedwork_increase"]["text"]
        assert fast_min == pytest.approx(60, abs=2)
    else:
        assert "speedwork_increase" not in found
        assert fast_min == 0
