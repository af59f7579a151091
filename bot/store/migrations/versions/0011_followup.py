"""回访: the satisfaction question asked a while after a case is answered, and its answer.

Revision ID: 0011_followup
Revises: 0010_dashboard_more
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_followup"
down_revision = "0010_dashboard_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("after_review", sa.Boolean(), nullable=False),
        sa.Column("case_answered_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("rating", sa.String(12), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["outbox_id"], ["notify_outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "case_answered_at", name="uq_case_followups_answer"),
    )
    op.create_index("ix_case_followups_case_id", "case_followups", ["case_id"])
    op.create_index("ix_case_followups_recipient_state", "case_followups", ["recipient", "state"])
    op.create_index("ix_case_followups_answered_at", "case_followups", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_case_followups_answered_at", table_name="case_followups")
    op.drop_index("ix_case_followups_recipient_state", table_name="case_followups")
    op.drop_index("ix_case_followups_case_id", table_name="case_followups")
    op.drop_table("case_followups")
