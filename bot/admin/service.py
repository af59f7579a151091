"""``AdminService``: the one façade the CLI and the web pages use.

It owns the engines (application database, tracker store) and hands out the
inbox, label store, export, insight, jobs, registry and deployer, all configured
from one :class:`~bot.admin.config.AdminConfig`.  Every method is blocking; the
web layer calls them in a worker thread.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.admin.config import AdminConfig, load_config
from bot.admin.deploy import Deployer, SwitchOutcome
from bot.admin.export import ExportResult, export_reviewed
from bot.admin.figures import Comparison, Figures, compare
from bot.admin.gate import GateResult, check_gate
from bot.admin.inbox import Inbox, InboxFilter, InboxItem, InboxPage
from bot.admin.insight import Insight, example_counts, few_examples
from bot.admin.jobs import JobStore, JobView, cancel_job, start_job
from bot.admin.labels import LabelCatalog, LabelError, LabelStore, Target
from bot.admin.registry import ModelView, Registry
from bot.admin.tracker import transcript
from bot.audit.log import AuditLog
from bot.store.db import make_engine, make_session_factory

__all__ = ["AdminService", "JobResult"]


@dataclass(frozen=True)
class JobResult:
    """A finished job's figures side by side, with the gate's verdict."""

    job: JobView
    candidate: Figures
    deployed: Figures
    deployed_version: str
    comparison: Comparison
    gate: GateResult


class AdminService:
    """Inbox, labels, export, insight, retraining, registry, deploy and rollback.

    Exports, retraining starts/cancels and transcript views are written to the audit
    log (who, from which address).
    """

    def __init__(self, config: AdminConfig | None = None,
                 factory: sessionmaker | None = None) -> None:
        """``factory``: sessions on ``config.database_url`` owned by the caller (the gateway's one engine).

        Without it the service creates (and closes) its own.
        """
        self.config = config or load_config()
        if factory is not None:
            self.__dict__["factory"] = factory  # the cached_property below is not used

    # ---------------------------------------------------------------- wiring
    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.config.database_url)

    @cached_property
    def factory(self) -> sessionmaker:
        return make_session_factory(self.engine)

    @cached_property
    def tracker_engine(self) -> Engine:
        return make_engine(self.config.tracker_store_url, sqlite_foreign_keys=False)

    @cached_property
    def catalog(self) -> LabelCatalog:
        return LabelCatalog.load(self.config.domain_file)

    @cached_property
    def inbox(self) -> Inbox:
        return Inbox(self.tracker_engine, self.factory, self.config.confidence_threshold)

    @cached_property
    def labels(self) -> LabelStore:
        return LabelStore(self.factory, self.catalog)

    @cached_property
    def jobs(self) -> JobStore:
        return JobStore(self.factory, stale_after=self.config.stale_after_seconds)

    @cached_property
    def registry(self) -> Registry:
        return Registry(self.factory)

    @cached_property
    def deployer(self) -> Deployer:
        return Deployer(self.config, self.registry)

    def audit(self, actor: str, action: str, target_type: str = "", target_id: object = "",
              detail: dict[str, Any] | None = None, ip: str | None = None) -> None:
        """One entry in the audit log (the console's ``audit_log`` table)."""
        AuditLog(self.factory).record(actor, action, target_type, target_id, detail, ip)

    def close(self) -> None:
        for name in ("engine", "tracker_engine"):
            if name in self.__dict__:
                self.__dict__[name].dispose()

    # ----------------------------------------------------------------- inbox
    def query_inbox(self, filters: InboxFilter) -> InboxPage:
        return self.inbox.query(filters)

    def decide(self, keys: Sequence[str], status: str, label: str | None, actor: str,
               ip: str | None = None) -> int:
        """Label / noise / skip inbox items by key; unknown keys are an error."""
        found = self.inbox.find(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            raise LabelError(f"收件箱中没有这些条目：{', '.join(k[:10] for k in missing)}")
        return self.decide_items([found[k] for k in keys], status, label, actor, ip)

    def decide_items(self, items: Iterable[InboxItem], status: str, label: str | None,
                     actor: str, ip: str | None = None) -> int:
        targets = [Target(i.text, i.predicted, i.source_list, i.sender_id) for i in items]
        return self.labels.decide(targets, status, label, actor, ip)

    def label_text(self, text: str, label: str, actor: str) -> int:
        """Label a text that is not (or no longer) in the inbox."""
        return self.labels.decide([Target(text, "", ("manual",))], "labelled", label, actor)

    def export(self, actor: str = "?", ip: str | None = None) -> ExportResult:
        """Write the labels to the reviewed NLU file (audited)."""
        result = export_reviewed(self.labels, self.config.nlu_dir, self.config.reviewed_file,
                                 self.config.heldout_dir)
        self.audit(actor, "nlu_export", "nlu_file", self.config.reviewed_file.name,
                   {"examples": result.examples, "changed": result.changed}, ip)
        return result

    def insight(self) -> Insight:
        counts = example_counts(self.config.nlu_dir)
        deployed = self.registry.deployed()
        figures = deployed.figures if deployed else None
        return Insight(counts, few_examples(counts, self.catalog, self.config.min_examples),
                       self.config.min_examples, list(figures.confusions) if figures else [],
                       deployed.version if deployed and figures else None)

    # ------------------------------------------------------------ retraining
    def retrain(self, actor: str, ip: str | None = None) -> JobView:
        """Start a background job (``JobRefused`` if one is already active; audited)."""
        self.registry.ensure_initial(self.config.initial_model)
        job = start_job(self.config, self.jobs, actor)
        self.audit(actor, "retrain_start", "job", job.id, {"version": job.version}, ip)
        return job

    def cancel(self, job_id: int, actor: str, ip: str | None = None) -> bool:
        """Stop a running job (its process group); False if it was not active (audited)."""
        cancelled = cancel_job(self.jobs, job_id, actor)
        self.audit(actor, "retrain_cancel", "job", job_id, {"cancelled": cancelled}, ip)
        return cancelled

    def transcript(self, sender_id: str, actor: str, ip: str | None = None) -> list[Any]:
        """A conversation's masked transcript from the tracker store (the view is audited)."""
        lines = transcript(self.tracker_engine, sender_id)
        self.audit(actor, "view_transcript", "conversation", sender_id, {"lines": len(lines)}, ip)
        return lines

    def job(self, job_id: int | None = None) -> JobView | None:
        """A job by id, else the active one, else the latest (stale jobs reaped first)."""
        self.jobs.reap_stale()
        if job_id is not None:
            return self.jobs.get(job_id)
        return self.jobs.active() or next(iter(self.jobs.recent(1)), None)

    def job_result(self, job: JobView) -> JobResult | None:
        if not job.result:
            return None
        candidate = Figures.from_dict(job.result["candidate"])
        deployed = Figures.from_dict(job.result["deployed"])
        return JobResult(job, candidate, deployed, str(job.result.get("deployed_version", "")),
                         compare(candidate, deployed),
                         check_gate(candidate, deployed, self.config.deploy_margin))

    def confusion_png(self, job: JobView, which: str) -> Path | None:
        if which not in ("candidate", "deployed"):
            return None
        path = self.config.jobs_dir / job.version / f"{which}_confusion.png"
        return path if path.is_file() else None

    # ------------------------------------------------------- registry/deploy
    def models(self) -> list[ModelView]:
        self.registry.ensure_initial(self.config.initial_model)
        return self.registry.all()

    def gate(self, version: str) -> GateResult:
        return self.deployer.gate(version)

    def deploy(self, version: str, actor: str, override_reason: str = "",
               ip: str | None = None) -> SwitchOutcome:
        return self.deployer.deploy(version, actor, override_reason, ip)

    def rollback(self, actor: str, version: str | None = None,
                 ip: str | None = None) -> SwitchOutcome:
        return self.deployer.rollback(actor, version, ip)
