"""Petition cases: cases, case_events, case_verification_attempts.

Revision ID: 0001_cases
Revises:
Create Date: 2026-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_cases"
down_revision = None
branch_labels = None
depends_on = None


def _create_cases() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("matter", sa.String(64), nullable=False),
        sa.Column("petitioner_name", sa.String(100), nullable=False),
        sa.Column("petitioner_phone", sa.String(32), nullable=False),
        sa.Column("petitioner_address", sa.String(300), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requested_outcome", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("location", sa.String(300), nullable=False),
        sa.Column("occurred_at", sa.String(100), nullable=False),
        sa.Column("handling_unit", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("query_code_hash", sa.String(255), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("review_requested_at", sa.DateTime(), nullable=True),
        sa.Column("recheck_requested_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("extension_days", sa.Integer(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("acceptance_due", sa.Date(), nullable=True),
        sa.Column("handling_due", sa.Date(), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("recheck_due", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("case_number", name="uq_cases_case_number"),
        sa.UniqueConstraint("year", "seq", name="uq_cases_year_seq"),
    )
    op.create_index("ix_cases_matter", "cases", ["matter"])
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_sender_id", "cases", ["sender_id"])
    op.create_index("ix_cases_phone_matter", "cases", ["petitioner_phone", "matter"])


def _create_events() -> None:
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_events_case_id_cases"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])


def _create_attempts() -> None:
    op.create_table(
        "case_verification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_verification_attempts"),
    )
    op.create_index(
        "ix_case_verification_attempts_sender_at", "case_verification_attempts", ["sender", "at"]
    )


def upgrade() -> None:
    _create_cases()
    _create_events()
    _create_attempts()


def downgrade() -> None:
    op.drop_table("case_verification_attempts")
    op.drop_table("case_events")
    op.drop_table("cases")
