"""督办: supervisors' instructions on cases and job leases (one deadline check per hour).

Roles are plain strings (no CHECK constraint), so the new ``supervisor`` role needs no
schema change.

Revision ID: 0008_supervision
Revises: 0007_notify
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_supervision"
down_revision = "0007_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_instructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"],
                                name=op.f("fk_supervision_instructions_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_instructions")),
    )
    op.create_index(op.f("ix_supervision_instructions_case_id"), "supervision_instructions",
                    ["case_id"])
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    op.drop_index(op.f("ix_supervision_instructions_case_id"), table_name="supervision_instructions")
    op.drop_table("supervision_instructions")
