"""The dashboard's daily rollup of Rasa's events (see bot/dashboard/rollup.py).

Revision ID: 0009_dashboard_rollup
Revises: 0008_supervision
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_dashboard_rollup"
down_revision = "0008_supervision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_rollup_state",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "dashboard_day",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("not_understood", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "dashboard_channel_day",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel"),
    )
    op.create_table(
        "dashboard_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("matter", sa.String(255), nullable=True),
        sa.Column("accepted", sa.String(255), nullable=True),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_answer_day", "dashboard_answer", ["day"])


def downgrade() -> None:
    op.drop_index("ix_dashboard_answer_day", table_name="dashboard_answer")
    op.drop_table("dashboard_answer")
    op.drop_table("dashboard_channel_day")
    op.drop_table("dashboard_day")
    op.drop_table("dashboard_rollup_state")
