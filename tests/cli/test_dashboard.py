"""The dashboard path (every runner's load today in one pass) agrees with each runner's own ``load`` report."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from stored_runs import store_run
from test_load_cli import ONSET, RUNNER, START, fill

from calfcare.services.load import load_dashboard, load_report
from calfcare.store import Database


def test_the_dashboard_gives_every_runner_the_numbers_of_their_own_load_report(db: Database) -> None:
    fill(db.url)
    other = db.runner_id("ben")
    for k in range(30):  # a second runner: 5 km every other day, then a 12 km run (a spike) on the last day
        km = 12.0 if k == 29 else 5.0
        store_run(
            db,
            other,
            START + timedelta(days=2 * k),
            np.full(round(km * 1000 / 3), 3.0, np.float32),
            key=f"ben-{k:03d}-",
        )
    for today in (ONSET - timedelta(days=1), ONSET + timedelta(days=3), START + timedelta(days=58)):
        board = {row["runner"]: row for row in load_dashboard(db=db, today=today)}
        assert set(board) == {RUNNER, "ben"}
        for name, row in board.items():
            own = load_report(db=db, runner=name, today=today, weeks=2)["current"]
            assert row["acute_km_per_week"] == own["acute_km_per_week"], (name, today)
            assert row["chronic_km_per_week"] == own["chronic_km_per_week"], (name, today)
            assert row["acwr_uncoupled"] == own["acwr_uncoupled"], (name, today)
    assert board["ben"]["spike_7d"] == ">100 %" and board["ben"]["runs_7d"] == 4  # days 52, 54, 56, 58
    assert board[RUNNER]["injured_today"] is False
