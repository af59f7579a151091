"""Message journal: citizen messages answered with the busy reply (Rasa down, action failed).

Revision ID: 0004_journal
Revises: 0001_cases
Create Date: 2026-02-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_journal"
down_revision = "0001_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(36), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_message_journal"),
        sa.UniqueConstraint("key", name="uq_message_journal_key"),
    )
    op.create_index("ix_message_journal_received_at", "message_journal", ["received_at"])
    op.create_index("ix_message_journal_sender_id", "message_journal", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_message_journal_sender_id", table_name="message_journal")
    op.drop_index("ix_message_journal_received_at", table_name="message_journal")
    op.drop_table("message_journal")
