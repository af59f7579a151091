"""The model registry: every candidate and deployed model with figures, and the deploy history.

Exactly one model is ``deployed`` once the registry is seeded; the model that was
running before the admin tools were first used is registered as ``initial``
(its path is the launcher's ``models/current.tar.gz``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.admin.figures import Figures
from bot.admin.models import Deployment, ModelStatus, RegisteredModel
from bot.audit.log import add_audit
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.store.db import session_scope

__all__ = ["INITIAL_VERSION", "DeploymentView", "ModelView", "Registry", "RegistryError"]

INITIAL_VERSION = "initial"


class RegistryError(ValueError):
    """Unknown model or an impossible registry change (message in Chinese)."""


@dataclass(frozen=True)
class ModelView:
    id: int
    version: str
    path: Path
    status: str
    fingerprint: str | None
    figures: Figures | None
    job_id: int | None
    created_at: datetime
    created_by: str
    deployed_at: datetime | None
    deployed_by: str | None
    note: str

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def status_label(self) -> str:
        return {"candidate": "候选", "deployed": "线上", "retired": "已下线"}.get(self.status, self.status)


@dataclass(frozen=True)
class DeploymentView:
    id: int
    version: str
    action: str
    at: datetime
    actor: str
    previous_version: str | None
    gate_passed: bool | None
    override_reason: str | None
    detail: dict[str, Any]


def _figures(text: str | None) -> Figures | None:
    return Figures.from_dict(json.loads(text)) if text else None


def _view(row: RegisteredModel) -> ModelView:
    return ModelView(row.id, row.version, Path(row.path), row.status, row.fingerprint,
                     _figures(row.figures), row.job_id, row.created_at, row.created_by,
                     row.deployed_at, row.deployed_by, row.note or "")


class Registry:
    """Registry rows on the application database."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now) -> None:
        self._factory = factory
        self._clock = clock

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    @staticmethod
    def _row(session: Session, version: str) -> RegisteredModel:
        row = session.execute(select(RegisteredModel).where(RegisteredModel.version == version)
                              ).scalar_one_or_none()
        if row is None:
            raise RegistryError(f"模型登记中没有这个版本：{version}")
        return row

    def ensure_initial(self, path: Path) -> ModelView:
        """The deployed model; registers ``path`` as the deployed ``initial`` model if none is."""
        current = self.deployed()
        if current is not None:
            return current
        try:
            with session_scope(self._factory) as session:
                session.add(RegisteredModel(version=INITIAL_VERSION, path=str(path),
                                            status=ModelStatus.DEPLOYED, created_at=self.now(),
                                            created_by="system", deployed_at=self.now(),
                                            deployed_by="system",
                                            note="管理后台首次使用时正在运行的模型"))
        except IntegrityError:
            pass
        deployed = self.deployed()
        if deployed is None:
            raise RegistryError("没有线上模型（initial 已登记但不是线上状态）")
        return deployed

    def add(self, version: str, path: Path, fingerprint: str | None, figures: Figures | None,
            job_id: int | None, created_by: str, note: str = "") -> ModelView:
        with session_scope(self._factory) as session:
            row = RegisteredModel(version=version, path=str(path), status=ModelStatus.CANDIDATE,
                                  fingerprint=fingerprint,
                                  figures=json.dumps(figures.to_dict(), ensure_ascii=False) if figures else None,
                                  job_id=job_id, created_at=self.now(), created_by=created_by[:64],
                                  note=note)
            session.add(row)
            session.flush()
            return _view(row)

    def set_figures(self, version: str, figures: Figures) -> None:
        with session_scope(self._factory) as session:
            self._row(session, version).figures = json.dumps(figures.to_dict(), ensure_ascii=False)

    def get(self, version: str) -> ModelView:
        with session_scope(self._factory) as session:
            return _view(self._row(session, version))

    def deployed(self) -> ModelView | None:
        query = select(RegisteredModel).where(RegisteredModel.status == ModelStatus.DEPLOYED)
        with session_scope(self._factory) as session:
            row = session.execute(query.order_by(RegisteredModel.deployed_at.desc())).scalars().first()
            return _view(row) if row else None

    def all(self) -> list[ModelView]:
        with session_scope(self._factory) as session:
            rows = session.execute(select(RegisteredModel).order_by(RegisteredModel.id.desc())).scalars()
            return [_view(r) for r in rows]

    def previous(self) -> ModelView | None:
        """The model that was deployed before the current one (the default rollback target)."""
        current = self.deployed()
        if current is None:
            return None
        query = (select(Deployment.previous_version).where(Deployment.model_id == current.id)
                 .order_by(Deployment.id.desc()))
        with session_scope(self._factory) as session:
            version = session.execute(query).scalars().first()
        return self.get(version) if version else None

    def record_switch(self, version: str, action: str, actor: str, previous: str | None,
                      gate_passed: bool | None, override_reason: str | None,
                      detail: dict[str, Any], ip: str | None = None) -> ModelView:
        """Mark ``version`` deployed (the others retired) and log the deployment, atomically."""
        now = self.now()
        with session_scope(self._factory) as session:
            row = self._row(session, version)
            session.execute(update(RegisteredModel)
                            .where(RegisteredModel.status == ModelStatus.DEPLOYED,
                                   RegisteredModel.id != row.id)
                            .values(status=ModelStatus.RETIRED)
                            .execution_options(synchronize_session=False))
            row.status, row.deployed_at, row.deployed_by = ModelStatus.DEPLOYED, now, actor[:64]
            session.add(Deployment(model_id=row.id, action=action, at=now, actor=actor[:64],
                                   previous_version=previous, gate_passed=gate_passed,
                                   override_reason=override_reason,
                                   detail=json.dumps(detail, ensure_ascii=False, default=str)))
            add_audit(session, now, actor, f"model_{action}", "model", version,
                      {"previous": previous, "gate_passed": gate_passed,
                       "override_reason": override_reason}, ip)
            session.flush()
            return _view(row)

    def history(self, limit: int = 50) -> list[DeploymentView]:
        query = (select(Deployment, RegisteredModel.version)
                 .join(RegisteredModel, RegisteredModel.id == Deployment.model_id)
                 .order_by(Deployment.id.desc()).limit(limit))
        with session_scope(self._factory) as session:
            return [DeploymentView(d.id, version, d.action, d.at, d.actor, d.previous_version,
                                   d.gate_passed, d.override_reason, json.loads(d.detail or "{}"))
                    for d, version in session.execute(query)]
