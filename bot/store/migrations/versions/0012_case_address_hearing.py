"""Cases: the hearing (听证) of a 复核, whose time is not counted in the 30-day 复核
period (《信访工作条例》第三十六条第二款).  The petitioner's 住址 (第十九条) already has
its column (``cases.petitioner_address``, 0001); the online form now fills it.

Revision ID: 0012_case_address_hearing
Revises: 0011_followup
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_case_address_hearing"
down_revision = "0011_followup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("hearing_started_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("hearing_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("hearing_days")
        batch.drop_column("hearing_started_at")
