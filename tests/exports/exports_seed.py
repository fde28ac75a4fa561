"""Test helper for the export tests: a runner with an episode (assessment and check-ins), imported runs with
streams and their original files, and a calendar token, written through the services as the CLI would."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import MetaData, select

from calfcare.activities import originals
from calfcare.activities.activity import Streams
from calfcare.activities.streams_codec import ENCODING, pack_streams
from calfcare.services import assess, record_checkin
from calfcare.store import Database
from calfcare.store.models import (
    Activity,
    ActivityOriginal,
    ActivityStreams,
    AnswersDraft,
    ApiToken,
    AuditEvent,
    CalendarToken,
    ClinicianEventRow,
    Episode,
    ExerciseSets,
    FormSubmission,
    OriginalFile,
    RunnerPrefs,
    Share,
    ShareCode,
    Upload,
    User,
)
from cases import SOLEUS

DAY0 = date(2025, 5, 10)


def good_day(i: int) -> dict[str, Any]:
    return {
        "morning_pain": max(0, 3 - i // 3),
        "pain_rest": 0,
        "pain_walking": max(0, 2 - i // 2),
        "limp": False,
        "single_leg_heel_raises_injured": min(32, 12 + 2 * i),
        "single_leg_heel_raises_other": 30,
        "session": "as_prescribed",
        "session_kind": "rehab_exercises",
        "session_minutes": 25,
        "pain_during_session": 1,
        "pain_after_session": 0,
        "calf_bigger_than_other": False,
    }


def store_run(db: Database, runner_id: int, day: date, km: float, *, key: str, gzipped: bool = False) -> int:
    seconds = int(km * 360)
    speed = np.full(seconds, 1000.0 / 360.0, dtype=np.float32)
    with db.session() as s:
        act = Activity(
            runner_id=runner_id,
            content_sha256=hashlib.sha256(key.encode()).hexdigest(),
            source_format="fit",
            source_path=f"/home/runner/{key}.fit",
            sport="run",
            start_utc=datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC),
            utc_offset_s=3600,
            elapsed_s=float(seconds),
            moving_s=float(seconds),
            distance_m=float(speed.sum()),
            avg_hr=141.5,
            record_count=seconds,
            extra={"gear": "shoes", "laps": [1, 2]},
        )
        s.add(act)
        s.flush()
        blob = pack_streams(Streams(start_epoch=0.0, channels={"speed": speed}))
        s.add(ActivityStreams(activity_id=act.id, length=seconds, encoding=ENCODING, data=blob))
        # the file it came from, as received: a plain one (stored gzipped) or, for a gzipped name, as it is
        content = f"FIT file of {key}: {km} km".encode() * 50
        received = gzip.compress(content, mtime=0) if gzipped else content
        kept = originals.keep(received, path=f"/home/runner/{key}.fit" + (".gz" if gzipped else ""),
                              content_sha256=act.content_sha256)  # fmt: skip
        original = OriginalFile(runner_id=runner_id, content_sha256=kept.content_sha256, name=kept.name,
                                size=kept.size, encoding=kept.encoding, data=kept.data)  # fmt: skip
        s.add(original)
        s.flush()
        s.add(ActivityOriginal(activity_id=act.id, original_id=original.id))
        return act.id


def seed_runner(db: Database, name: str, *, checkins: int = 8, runs: int = 6) -> int:
    """``name`` with runs in the weeks before and after DAY0, an assessment on DAY0, ``checkins`` check-ins after
    it, and a revoked calendar token: every table holds something of theirs."""
    rid = db.runner_id(name)
    for i in range(runs):
        store_run(db, rid, DAY0 - timedelta(days=30 - 4 * i), 6.0 + i, key=f"{name}-{i}", gzipped=i % 2 == 1)
    assess(db=db, runner=name, answers=SOLEUS, day=DAY0)
    for i in range(1, checkins + 1):
        record_checkin(db=db, runner=name, answers=good_day(i), day=DAY0 + timedelta(days=i))
    with db.session() as s:
        s.add(CalendarToken(runner_id=rid, token_sha256=hashlib.sha256(name.encode()).hexdigest(),
                            revoked_at=datetime(2025, 6, 1, tzinfo=UTC)))  # fmt: skip
        # the web app's tables: ticked sets, a wizard draft, preferences, a used form token
        episode_id = s.scalar(select(Episode.id).where(Episode.runner_id == rid))
        if episode_id is not None:
            s.add(ExerciseSets(runner_id=rid, episode_id=episode_id, day=DAY0, exercise_id="isometric_hold",
                               sets_done=2, sets_planned=3))  # fmt: skip
        s.add(AnswersDraft(runner_id=rid, kind="checkin", answers={"pain_rest": 1}))
        s.add(RunnerPrefs(runner_id=rid, emergency_number="999"))
        s.add(FormSubmission(token=f"form-{name}", runner_id=rid, kind="checkin", result={"status": "recorded"}))
        # accounts (clinics): the runner's account and token, a share with a clinician, a code, the audit log, an upload
        now = datetime(2025, 6, 1, tzinfo=UTC)
        user = User(username=name, role="runner", password_hash="$argon2id$seed", runner_id=rid)
        clinician = s.scalar(select(User).where(User.username == "seed-physio"))
        if clinician is None:
            clinician = User(username="seed-physio", role="clinician", password_hash="$argon2id$seed")
            s.add(clinician)
        s.add(user)
        s.flush()
        s.add(ApiToken(user_id=user.id, name="watch", digest=hashlib.sha256(f"t-{name}".encode()).hexdigest(),
                       scope="read", created_at=now))  # fmt: skip
        s.add(ShareCode(runner_id=rid, digest=hashlib.sha256(f"c-{name}".encode()).hexdigest(), created_at=now,
                        expires_at=now, used_at=now))  # fmt: skip
        s.add(Share(runner_id=rid, clinician_id=clinician.id, created_at=now))
        s.add(AuditEvent(runner_id=rid, actor_id=clinician.id, actor_name="seed-physio", action="note",
                         detail={"text": "seeded"}, at=now))  # fmt: skip
        s.add(Upload(runner_id=rid, filename="run.fit", size=3, data=b"fit", status="done", created_at=now))
        if episode_id is not None:  # a clinician's hold that had ended before the first check-in (changes no plan)
            s.add(ClinicianEventRow(episode_id=episode_id, runner_id=rid, clinician_id=clinician.id,
                                    clinician_name="seed-physio", kind="hold_phase", day=DAY0,
                                    values={"until": (DAY0 + timedelta(days=1)).isoformat(), "reason": "seeded"},
                                    at=now))  # fmt: skip
    return rid


#: accounts that belong to no runner (clinicians, admins): they stay when a runner is deleted
def clinician_accounts(db: Database) -> int:
    with db.session() as s:
        return len(list(s.scalars(select(User.id).where(User.runner_id.is_(None)))))


def normalise(value: Any) -> Any:
    if isinstance(value, datetime):  # the same instant, however the backend returns it
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but Alembic's), in primary-key order, read independently of the backup code."""
    md = MetaData()
    with db.engine.connect() as conn:
        md.reflect(bind=conn)
        out = {}
        for table in md.sorted_tables:
            if table.name == "alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(*table.columns).order_by(*order))
            out[table.name] = [tuple(normalise(v) for v in row) for row in rows]
    return out
