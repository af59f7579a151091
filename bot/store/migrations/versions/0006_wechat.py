"""WeChat channel: replay keys of pushed messages and per-user state (unsubscribed,
unreachable, the numbered choices last shown).

Revision ID: 0006_wechat
Revises: 0005_verification
Create Date: 2026-12-10
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_wechat"
down_revision = "0005_verification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wechat_seen_messages",
        sa.Column("key", sa.String(190), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_wechat_seen_messages")),
    )
    op.create_index(op.f("ix_wechat_seen_messages_received_at"), "wechat_seen_messages",
                    ["received_at"])
    op.create_table(
        "wechat_users",
        sa.Column("openid", sa.String(64), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.Column("unreachable", sa.String(32), nullable=True),
        sa.Column("unreachable_at", sa.DateTime(), nullable=True),
        sa.Column("choices", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_wechat_users")),
    )


def downgrade() -> None:
    op.drop_table("wechat_users")
    op.drop_index(op.f("ix_wechat_seen_messages_received_at"), table_name="wechat_seen_messages")
    op.drop_table("wechat_seen_messages")
