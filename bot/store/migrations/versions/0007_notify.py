"""Status notifications: the transactional outbox and citizens' opt-outs (退订通知).

Revision ID: 0007_notify
Revises: 0006_wechat
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_notify"
down_revision = "0006_wechat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notify_outbox_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
    )
    op.create_index(op.f("ix_notify_outbox_case_id"), "notify_outbox", ["case_id"])
    op.create_index("ix_notify_outbox_state_due", "notify_outbox", ["state", "next_attempt_at"])
    op.create_table(
        "notify_optouts",
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("recipient", name=op.f("pk_notify_optouts")),
    )


def downgrade() -> None:
    op.drop_table("notify_optouts")
    op.drop_index("ix_notify_outbox_state_due", table_name="notify_outbox")
    op.drop_index(op.f("ix_notify_outbox_case_id"), table_name="notify_outbox")
    op.drop_table("notify_outbox")
