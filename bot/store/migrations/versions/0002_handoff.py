"""Human handoff and officer console: officers, officer_sessions, audit_log, handoffs,
handoff_messages, retraining_flags.

Revision ID: 0002_handoff
Revises: 0001_cases
Create Date: 2026-01-15
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_handoff"
down_revision = "0001_cases"
branch_labels = None
depends_on = None

OPEN_WHERE = sa.text("status != 'closed'")


def _create_officers() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_officers"),
        sa.UniqueConstraint("username", name="uq_officers_username"),
        sa.UniqueConstraint("telegram_user_id", name="uq_officers_telegram_user_id"),
    )
    op.create_table(
        "officer_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_officer_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_officer_sessions_token_hash"),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"],
                                name="fk_officer_sessions_officer_id_officers"),
    )
    op.create_index("ix_officer_sessions_officer_id", "officer_sessions", ["officer_id"])


def _create_audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])


def _create_handoffs() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("matter", sa.String(64), nullable=True),
        sa.Column("warning_tags", sa.String(255), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("resumed_at", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("citizen_acked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoffs"),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"],
                                name="fk_handoffs_officer_id_officers"),
    )
    op.create_index("ix_handoffs_status", "handoffs", ["status"])
    op.create_index("ix_handoffs_officer_id", "handoffs", ["officer_id"])
    op.create_index("ix_handoffs_sender_channel", "handoffs", ["sender_id", "channel"])
    op.create_index("uq_handoffs_open_sender", "handoffs", ["channel", "sender_id"], unique=True,
                    sqlite_where=OPEN_WHERE, postgresql_where=OPEN_WHERE)


def _create_messages() -> None:
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_messages"),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"],
                                name="fk_handoff_messages_handoff_id_handoffs"),
        sa.ForeignKeyConstraint(["author_id"], ["officers.id"],
                                name="fk_handoff_messages_author_id_officers"),
    )
    op.create_index("ix_handoff_messages_handoff_id", "handoff_messages", ["handoff_id"])
    op.create_index("ix_handoff_messages_delivered", "handoff_messages", ["delivered"])


def _create_flags() -> None:
    op.create_table(
        "retraining_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("message_key", sa.String(80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(100), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("flagged_by", sa.String(64), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retraining_flags"),
        sa.UniqueConstraint("sender_id", "message_key",
                            name="uq_retraining_flags_sender_id_message_key"),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"],
                                name="fk_retraining_flags_handoff_id_handoffs"),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"],
                                name="fk_retraining_flags_officer_id_officers"),
    )
    op.create_index("ix_retraining_flags_handoff_id", "retraining_flags", ["handoff_id"])
    op.create_index("ix_retraining_flags_flagged_at", "retraining_flags", ["flagged_at"])


def upgrade() -> None:
    _create_officers()
    _create_audit()
    _create_handoffs()
    _create_messages()
    _create_flags()


def downgrade() -> None:
    op.drop_table("retraining_flags")
    op.drop_table("handoff_messages")
    op.drop_index("uq_handoffs_open_sender", table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_table("audit_log")
    op.drop_table("officer_sessions")
    op.drop_table("officers")
