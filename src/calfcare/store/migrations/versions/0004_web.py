"""the web app: exercise sets ticked off, answer drafts, runner preferences, one-time sign-in links, form tokens

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _runner() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("runner_id", sa.Integer(), sa.ForeignKey("runners.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "exercise_sets",
        sa.Column("id", sa.Integer(), primary_key=True),
        _runner(),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("exercise_id", sa.String(length=80), nullable=False),
        sa.Column("sets_done", sa.Integer(), nullable=False),
        sa.Column("sets_planned", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("episode_id", "day", "exercise_id", name="uq_exercise_sets_day"),
    )
    op.create_index("ix_exercise_sets_runner_id", "exercise_sets", ["runner_id"])
    op.create_index("ix_exercise_sets_episode_id", "exercise_sets", ["episode_id"])
    op.create_table(
        "answers_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _runner(),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("runner_id", "kind", name="uq_answers_draft_kind"),
    )
    op.create_index("ix_answers_drafts_runner_id", "answers_drafts", ["runner_id"])
    op.create_table(
        "runner_prefs",
        sa.Column("runner_id", sa.Integer(), sa.ForeignKey("runners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("emergency_number", sa.String(length=10), nullable=False),
    )
    op.create_table(
        "signin_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=False, unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), primary_key=True),
        _runner(),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_form_submissions_runner_id", "form_submissions", ["runner_id"])


def downgrade() -> None:
    for table in ("form_submissions", "signin_tokens", "runner_prefs", "answers_drafts", "exercise_sets"):
        op.drop_table(table)
