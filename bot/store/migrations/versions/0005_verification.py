"""Verification attempts carry the case number and the client, and a success is used once.

Failures now also lock a case number and a client address (not only the sender id,
which the web-chat client chooses), and the lookup action trusts only a fresh,
unused success stored here, never a slot value.

Revision ID: 0005_verification
Revises: 0004_journal
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_verification"
down_revision = "0004_journal"
branch_labels = None
depends_on = None

TABLE = "case_verification_attempts"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("case_number", sa.String(20), nullable=True))
        batch.add_column(sa.Column("client", sa.String(64), nullable=True))
        batch.add_column(sa.Column("used", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_index("ix_case_verification_attempts_case_at", TABLE, ["case_number", "at"])
    op.create_index("ix_case_verification_attempts_client_at", TABLE, ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_verification_attempts_client_at", table_name=TABLE)
    op.drop_index("ix_case_verification_attempts_case_at", table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("used")
        batch.drop_column("client")
        batch.drop_column("case_number")
