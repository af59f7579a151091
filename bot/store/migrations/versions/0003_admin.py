"""Admin retraining: admin_nlu_labels, admin_training_jobs, admin_models, admin_deployments.

Revision ID: 0003_admin
Revises: 0002_handoff
Create Date: 2026-01-20
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_admin"
down_revision = "0002_handoff"
branch_labels = None
depends_on = None


def _create_labels() -> None:
    op.create_table(
        "admin_nlu_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("label", sa.String(120), nullable=True),
        sa.Column("predicted", sa.String(120), nullable=True),
        sa.Column("sources", sa.String(100), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=True),
        sa.Column("labelled_by", sa.String(64), nullable=False),
        sa.Column("labelled_at", sa.DateTime(), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_admin_nlu_labels"),
        sa.UniqueConstraint("text_key", name="uq_admin_nlu_labels_text_key"),
    )
    op.create_index("ix_admin_nlu_labels_labelled_at", "admin_nlu_labels", ["labelled_at"])


def _create_jobs() -> None:
    op.create_table(
        "admin_training_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("detail", sa.String(255), nullable=False),
        sa.Column("active_slot", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("log_path", sa.String(500), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("candidate_path", sa.String(500), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_admin_training_jobs"),
        sa.UniqueConstraint("version", name="uq_admin_training_jobs_version"),
        sa.UniqueConstraint("active_slot", name="uq_admin_training_jobs_active_slot"),
    )
    op.create_index("ix_admin_training_jobs_status", "admin_training_jobs", ["status"])


def _create_models() -> None:
    op.create_table(
        "admin_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("figures", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("deployed_at", sa.DateTime(), nullable=True),
        sa.Column("deployed_by", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_admin_models"),
        sa.UniqueConstraint("version", name="uq_admin_models_version"),
        sa.ForeignKeyConstraint(["job_id"], ["admin_training_jobs.id"],
                                name="fk_admin_models_job_id_admin_training_jobs"),
    )
    op.create_index("ix_admin_models_status", "admin_models", ["status"])


def _create_deployments() -> None:
    op.create_table(
        "admin_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("previous_version", sa.String(64), nullable=True),
        sa.Column("gate_passed", sa.Boolean(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_admin_deployments"),
        sa.ForeignKeyConstraint(["model_id"], ["admin_models.id"],
                                name="fk_admin_deployments_model_id_admin_models"),
    )
    op.create_index("ix_admin_deployments_model_id", "admin_deployments", ["model_id"])
    op.create_index("ix_admin_deployments_at", "admin_deployments", ["at"])


def upgrade() -> None:
    _create_labels()
    _create_jobs()
    _create_models()
    _create_deployments()


def downgrade() -> None:
    op.drop_table("admin_deployments")
    op.drop_table("admin_models")
    op.drop_table("admin_training_jobs")
    op.drop_table("admin_nlu_labels")
