"""per-activity figures (fast-seconds/surges profile, TRIMP, climb per km), back-filled from stored streams;
a covering index for the dashboard query

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 200
# the covering index of the dashboard query (models.Activity): a date range over every runner, from the index alone
LOAD_INDEX = (
    "start_utc", "runner_id", "sport", "utc_offset_s", "distance_m", "moving_s", "elapsed_s", "avg_hr", "rpe",
    "elevation_gain_m",
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("figures", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("trimp", sa.Float(), nullable=True))
        batch.add_column(sa.Column("climb_per_km", sa.Float(), nullable=True))
    op.create_index("ix_activity_load", "activities", list(LOAD_INDEX))
    backfill(op.get_bind())


def backfill(conn: sa.Connection) -> int:
    """Compute the figures of every activity stored before this revision (from its packed streams); returns how
    many rows were updated. Batched, so memory stays flat for a long history."""
    from calfcare.activities.streams_codec import unpack_streams
    from calfcare.analytics.figures import activity_figures, banister_trimp_one

    meta = sa.MetaData()
    acts = sa.Table("activities", meta, autoload_with=conn)
    streams = sa.Table("activity_streams", meta, autoload_with=conn)
    last, done = 0, 0
    while True:
        rows = conn.execute(
            sa.select(
                acts.c.id, acts.c.moving_s, acts.c.elapsed_s, acts.c.distance_m, acts.c.avg_hr, acts.c.max_hr,
                acts.c.elevation_gain_m, streams.c.data,
            )
            .select_from(acts.outerjoin(streams, streams.c.activity_id == acts.c.id))
            .where(acts.c.id > last)
            .order_by(acts.c.id)
            .limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            return done
        for r in rows:
            figures = None
            if r.data is not None:
                figures = activity_figures(unpack_streams(r.data).channels)
            km = (r.distance_m or 0.0) / 1000.0
            climb = round(r.elevation_gain_m / km, 2) if r.elevation_gain_m is not None and km > 0 else None
            minutes = (r.moving_s or r.elapsed_s or 0.0) / 60.0
            conn.execute(
                acts.update()
                .where(acts.c.id == r.id)
                .values(figures=figures, trimp=banister_trimp_one(minutes, r.avg_hr, r.max_hr), climb_per_km=climb)
            )
            done += 1
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_activity_load", table_name="activities")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("climb_per_km")
        batch.drop_column("trimp")
        batch.drop_column("figures")
