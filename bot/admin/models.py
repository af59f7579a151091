"""ORM models of the admin tools.

NLU labels, training jobs, the model registry, deployments, officers' retraining flags.

Timestamps are naive UTC.  Label texts are stored masked (``bot.privacy.mask_text``).
``TrainingJob.active_slot`` is 1 while a job runs and NULL otherwise; its unique
constraint lets only one job be active at a time (NULLs never collide, on SQLite
and PostgreSQL alike).
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint

import bot.accounts.models
import bot.handoff.models  # noqa: F401 (``handoffs``, target of a foreign key)
from bot.store.db import Base

__all__ = [
    "Deployment",
    "JobStatus",
    "LabelStatus",
    "ModelStatus",
    "NluLabel",
    "RegisteredModel",
    "RetrainingFlag",
    "TrainingJob",
]


class LabelStatus:
    LABELLED = "labelled"
    NOISE = "noise"
    SKIPPED = "skipped"
    ALL = (LABELLED, NOISE, SKIPPED)


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ACTIVE = (QUEUED, RUNNING)
    ALL = (QUEUED, RUNNING, SUCCEEDED, FAILED)


class ModelStatus:
    CANDIDATE = "candidate"
    DEPLOYED = "deployed"
    RETIRED = "retired"
    ALL = (CANDIDATE, DEPLOYED, RETIRED)


class NluLabel(Base):
    """An admin's decision about one inbox text (the latest decision wins)."""

    __tablename__ = "admin_nlu_labels"

    id = Column(Integer, primary_key=True)
    text_key = Column(String(40), nullable=False, unique=True)
    text = Column(Text, nullable=False)
    status = Column(String(12), nullable=False)
    label = Column(String(120), nullable=True)
    predicted = Column(String(120), nullable=True)
    sources = Column(String(100), nullable=False, default="")
    sender_id = Column(String(255), nullable=True)
    labelled_by = Column(String(64), nullable=False)
    labelled_at = Column(DateTime, nullable=False, index=True)
    exported_at = Column(DateTime, nullable=True)


class TrainingJob(Base):
    """One retraining run: validate → train → evaluate (state, progress and log path)."""

    __tablename__ = "admin_training_jobs"

    id = Column(Integer, primary_key=True)
    version = Column(String(64), nullable=False, unique=True)
    status = Column(String(12), nullable=False, index=True)
    step = Column(String(20), nullable=False, default="")
    progress = Column(Float, nullable=False, default=0.0)
    detail = Column(String(255), nullable=False, default="")
    active_slot = Column(Integer, nullable=True, unique=True)
    requested_by = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)
    heartbeat_at = Column(DateTime, nullable=True)
    pid = Column(Integer, nullable=True)
    log_path = Column(String(500), nullable=False, default="")
    error = Column(Text, nullable=True)
    fingerprint = Column(String(64), nullable=True)
    candidate_path = Column(String(500), nullable=True)
    result = Column(Text, nullable=True)


class RegisteredModel(Base):
    """A model archive known to the registry, with its evaluation figures."""

    __tablename__ = "admin_models"

    id = Column(Integer, primary_key=True)
    version = Column(String(64), nullable=False, unique=True)
    path = Column(String(500), nullable=False)
    status = Column(String(12), nullable=False, index=True)
    fingerprint = Column(String(64), nullable=True)
    figures = Column(Text, nullable=True)
    job_id = Column(Integer, ForeignKey("admin_training_jobs.id"), nullable=True)
    created_at = Column(DateTime, nullable=False)
    created_by = Column(String(64), nullable=False)
    deployed_at = Column(DateTime, nullable=True)
    deployed_by = Column(String(64), nullable=True)
    note = Column(Text, nullable=False, default="")


class Deployment(Base):
    """One deploy or rollback: who, when, the gate's verdict and any override reason."""

    __tablename__ = "admin_deployments"

    id = Column(Integer, primary_key=True)
    model_id = Column(Integer, ForeignKey("admin_models.id"), nullable=False, index=True)
    action = Column(String(12), nullable=False)
    at = Column(DateTime, nullable=False, index=True)
    actor = Column(String(64), nullable=False)
    previous_version = Column(String(64), nullable=True)
    gate_passed = Column(Boolean, nullable=True)
    override_reason = Column(Text, nullable=True)
    detail = Column(Text, nullable=False, default="")


class RetrainingFlag(Base):
    """A citizen message an officer flagged for the admin retraining inbox (raw text kept)."""

    __tablename__ = "retraining_flags"
    __table_args__ = (UniqueConstraint("sender_id", "message_key"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=True, index=True)
    message_key = Column(String(80), nullable=False)
    text = Column(Text, nullable=False)
    intent = Column(String(100), nullable=True)
    confidence = Column(Float, nullable=True)
    officer_id = Column(Integer, ForeignKey("officers.id"), nullable=True)
    flagged_by = Column(String(64), nullable=False)
    flagged_at = Column(DateTime, nullable=False, index=True)
    note = Column(Text, nullable=False, default="")
    status = Column(String(16), nullable=False, default="new")
