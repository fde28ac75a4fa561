"""Test helper shared by the CLI tests that need imported runs: store one run (summary + 1 Hz speed stream)
exactly as ``calfcare import`` would, without building a file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from calfcare.activities.activity import Streams
from calfcare.activities.streams_codec import ENCODING, pack_streams
from calfcare.store import Database
from calfcare.store.models import Activity, ActivityStreams


def store_run(
    db: Database, runner_id: int, day: date, speed: npt.NDArray[np.float32], *, key: str, **fields: Any
) -> None:
    """A run at 07:00 UTC on ``day`` whose 1 Hz speed stream is ``speed`` (m/s); ``key`` makes its content hash."""
    with db.session() as s:
        act = Activity(
            runner_id=runner_id,
            content_sha256=key.ljust(64, "0"),
            source_format="fit",
            sport="run",
            start_utc=datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC),
            utc_offset_s=3600,
            elapsed_s=float(len(speed)),
            moving_s=float(len(speed)),
            distance_m=float(speed.sum()),
            record_count=len(speed),
            extra={},
            **fields,
        )
        s.add(act)
        s.flush()
        blob = pack_streams(Streams(start_epoch=0.0, channels={"speed": speed}))
        s.add(ActivityStreams(activity_id=act.id, length=len(speed), encoding=ENCODING, data=blob))
