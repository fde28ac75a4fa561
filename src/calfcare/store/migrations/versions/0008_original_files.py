"""original files: the runner's activity files as received, compressed, linked to their activities

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "original_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("runner_id", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["runner_id"], ["runners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("runner_id", "content_sha256", name="uq_original_runner_content"),
    )
    op.create_table(
        "activity_originals",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("original_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["original_id"], ["original_files.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("activity_id", "original_id"),
    )
    op.create_index("ix_activity_originals_original_id", "activity_originals", ["original_id"])


def downgrade() -> None:
    op.drop_index("ix_activity_originals_original_id", table_name="activity_originals")
    op.drop_table("activity_originals")
    op.drop_table("original_files")
