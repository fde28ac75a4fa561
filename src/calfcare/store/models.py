"""Tables. Every record belongs to a runner, so accounts, clinicians and sharing can be added later on the
same tables. JSON columns hold contract-shaped documents (answers, results) exactly as validated."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Runner(Base):
    __tablename__ = "runners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    episodes: Mapped[list[Episode]] = relationship(back_populates="runner", order_by="Episode.onset")


class Episode(Base):
    """One injury, from the assessment that opened it to its close (return to full training, or referral)."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed | referred
    side: Mapped[str | None] = mapped_column(String(10))
    structure: Mapped[str | None] = mapped_column(String(30))
    severity: Mapped[str | None] = mapped_column(String(20))
    onset: Mapped[date] = mapped_column(Date)
    assessed_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # why it was closed: back to full training, a new injury opened another episode, or closed by the runner
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # Plan state after the latest check-in (phase, stage, counters); derived, rebuilt by replaying check-ins.
    plan_state: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Runner facts that size the plan (pre-injury weekly km, usual run, age...).
    context: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    runner: Mapped[Runner] = relationship(back_populates="episodes")
    assessments: Mapped[list[Assessment]] = relationship(back_populates="episode", order_by="Assessment.id")
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="episode", order_by="CheckIn.day", cascade="all, delete-orphan"
    )


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id", ondelete="SET NULL"), index=True)
    day: Mapped[date] = mapped_column(Date)
    disposition: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    episode: Mapped[Episode | None] = relationship(back_populates="assessments")


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("episode_id", "day", name="uq_checkin_episode_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    result: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    episode: Mapped[Episode] = relationship(back_populates="checkins")


class Activity(Base):
    """One imported activity (summary). Streams live in :class:`ActivityStreams`, written in the same
    transaction. ``content_sha256`` makes re-importing the same file a no-op."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("runner_id", "content_sha256", name="uq_activity_runner_content"),
        Index("ix_activity_runner_start", "runner_id", "start_utc"),
        # covering index of the dashboard query (services.load.load_dashboard): a date range over every runner is
        # read from the index alone, never from the wide rows (migration 0005)
        Index(
            "ix_activity_load",
            "start_utc",
            "runner_id",
            "sport",
            "utc_offset_s",
            "distance_m",
            "moving_s",
            "elapsed_s",
            "avg_hr",
            "rpe",
            "elevation_gain_m",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(20))
    source_path: Mapped[str | None] = mapped_column(Text)
    sport: Mapped[str] = mapped_column(String(20))
    start_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    utc_offset_s: Mapped[int | None] = mapped_column(Integer)
    elapsed_s: Mapped[float] = mapped_column(Float)
    moving_s: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    avg_cadence_spm: Mapped[float | None] = mapped_column(Float)
    elevation_gain_m: Mapped[float | None] = mapped_column(Float)
    device: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(Text)
    rpe: Mapped[float | None] = mapped_column(Float)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Derived once at import (calfcare.analytics.figures; migration 0005 back-fills older rows) so load never
    # decodes streams: the fast-seconds/surges profile over candidate thresholds, TRIMP, climb per km.
    figures: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    trimp: Mapped[float | None] = mapped_column(Float)
    climb_per_km: Mapped[float | None] = mapped_column(Float)

    streams: Mapped[ActivityStreams | None] = relationship(
        back_populates="activity", cascade="all, delete-orphan", uselist=False
    )


class ActivityStreams(Base):
    """1 Hz streams, packed by :mod:`calfcare.activities.streams_codec` (compressed little-endian arrays)."""

    __tablename__ = "activity_streams"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    encoding: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    activity: Mapped[Activity] = relationship(back_populates="streams")


class OriginalFile(Base):
    """A runner's activity file exactly as received (a file, a zip member, an upload), stored compressed
    (:mod:`calfcare.activities.originals`; migration 0008), so a backup can give it back. ``content_sha256`` is the
    hash of its expanded content: one row per distinct file of a runner, linked to the activities it gave or fed
    (:class:`ActivityOriginal`)."""

    __tablename__ = "original_files"
    __table_args__ = (UniqueConstraint("runner_id", "content_sha256", name="uq_original_runner_content"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)  # bytes as received
    encoding: Mapped[str] = mapped_column(String(20))  # gzip | identity
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ActivityOriginal(Base):
    """Which original file(s) an activity came from: two for a run recorded twice and merged (a watch's FIT and
    the same run from Strava), one file for the several activities of a multi-track GPX."""

    __tablename__ = "activity_originals"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    original_id: Mapped[int] = mapped_column(
        ForeignKey("original_files.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CalendarToken(Base):
    """A private calendar subscription URL's token. Only its SHA-256 is stored (the token itself is shown once);
    ``revoked_at`` set means calendar apps polling it get nothing any more."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- the web app (migration 0004) ---------------------------------------------------------------------------------


class ExerciseSets(Base):
    """Sets of one exercise ticked off on one day of an episode (the web's today page); they count toward adherence."""

    __tablename__ = "exercise_sets"
    __table_args__ = (UniqueConstraint("episode_id", "day", "exercise_id", name="uq_exercise_sets_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    exercise_id: Mapped[str] = mapped_column(String(80))
    sets_done: Mapped[int] = mapped_column(Integer, default=0)
    sets_planned: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AnswersDraft(Base):
    """Answers a runner has given so far in a multi-screen form (the triage wizard), kept across reloads."""

    __tablename__ = "answers_drafts"
    __table_args__ = (UniqueConstraint("runner_id", "kind", name="uq_answers_draft_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RunnerPrefs(Base):
    """A runner's own settings (the emergency number their call button dials)."""

    __tablename__ = "runner_prefs"

    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), primary_key=True)
    emergency_number: Mapped[str] = mapped_column(String(10), default="112")


class SigninToken(Base):
    """A one-time sign-in link for ``calfcare serve --lan`` (only its hash is stored; used once, then spent)."""

    __tablename__ = "signin_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FormSubmission(Base):
    """A form's one-time token, claimed when the form is first submitted: a double submit finds it taken."""

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- accounts, sharing and audit (clinics and clubs; migration 0006) ---------------------------------------------


class User(Base):
    """An account. A runner account owns one runner record (``runner_id``); clinicians and admins have none."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # runner | clinician | admin
    password_hash: Mapped[str] = mapped_column(Text)
    runner_id: Mapped[int | None] = mapped_column(
        ForeignKey("runners.id", ondelete="CASCADE"), unique=True, nullable=True
    )
    disabled: Mapped[bool] = mapped_column(default=False)
    #: bumped by a password change or reset: signed session cookies carry it, so older sessions stop working
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiToken(Base):
    """A personal access token for ``/api/v1``: shown once, stored as its SHA-256 digest."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))  # read | write
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ShareCode(Base):
    """A one-time code a runner gives a clinician; redeeming it creates a :class:`Share`."""

    __tablename__ = "share_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Share(Base):
    """A runner sharing their record with a clinician, until revoked."""

    __tablename__ = "shares"
    __table_args__ = (Index("ix_share_clinician", "clinician_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Something a clinician (or the runner) did to a runner's record or its sharing; the runner can read all."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """A failed sign-in, kept for throttling (per account and per address) across stateless web processes."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppSetting(Base):
    """Deployment-wide settings an admin sets (sign-up mode, the invitation code's digest)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Upload(Base):
    """Files a runner uploaded, held in the database until their import job has run (web processes keep nothing
    on local disk), then emptied; ``report`` keeps what the import said."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClinicianEventRow(Base):
    """A clinician's action on an episode's plan (clear a red flag, set or hold the phase, pain ceilings): part of
    the replay stream, read in date order with the check-ins (:mod:`calfcare.clinical.clinician`)."""

    __tablename__ = "clinician_events"
    __table_args__ = (Index("ix_clinician_events_episode_day", "episode_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    runner_id: Mapped[int] = mapped_column(ForeignKey("runners.id", ondelete="CASCADE"), index=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    clinician_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # clear_red_flag | set_phase | hold_phase | pain_ceilings
    day: Mapped[date] = mapped_column(Date)
    values: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
