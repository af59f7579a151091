"""More of the dashboard's daily rollup: distinct senders over any period (matters, 分流)
and the diverted senders matched with later petitions and requests for a person (see
bot/dashboard/rollup.py and bot/dashboard/models.py).

Revision ID: 0010_dashboard_more
Revises: 0009_dashboard_rollup
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_dashboard_more"
down_revision = "0009_dashboard_rollup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dashboard_answer_sender", "dashboard_answer", ["sender_id"])
    op.create_table(
        "dashboard_senders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("prev_day", sa.Integer(), nullable=True),
        sa.Column("matter", sa.String(255), nullable=True),
        sa.Column("accepted", sa.String(255), nullable=True),
        sa.Column("senders", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dashboard_senders_kind_day", "dashboard_senders", ["kind", "day"])
    op.create_table(
        "dashboard_diverted",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("matter", sa.String(255), nullable=True),
        sa.Column("prev_day", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("sender_id", "day"),
    )
    op.create_index("ix_dashboard_diverted_day", "dashboard_diverted", ["day"])
    op.create_index("ix_dashboard_diverted_prev_day", "dashboard_diverted", ["prev_day"])
    op.create_table(
        "dashboard_human",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", "day"),
    )
    op.create_index("ix_dashboard_human_day", "dashboard_human", ["day"])
    # The new tables start empty: rebuild the whole rollup on the next refresh.
    op.execute("UPDATE dashboard_rollup_state SET last_event_id = 0")


def downgrade() -> None:
    op.drop_index("ix_dashboard_human_day", table_name="dashboard_human")
    op.drop_table("dashboard_human")
    op.drop_index("ix_dashboard_diverted_prev_day", table_name="dashboard_diverted")
    op.drop_index("ix_dashboard_diverted_day", table_name="dashboard_diverted")
    op.drop_table("dashboard_diverted")
    op.drop_index("ix_dashboard_senders_kind_day", table_name="dashboard_senders")
    op.drop_table("dashboard_senders")
    op.drop_index("ix_dashboard_answer_sender", table_name="dashboard_answer")
