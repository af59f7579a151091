"""Training jobs: the database record of each retraining run and the launcher.

A job is created in the request (or CLI) and run by a separate process
(``python -m bot.admin.runner``), never in the request handler.  Only one job can
be active: the row's ``active_slot`` is 1 while queued/running and its unique
constraint makes a second insert fail, which becomes a clear Chinese refusal.
The runner beats a heartbeat; a job whose heartbeat stopped (killed process,
reboot) is marked failed the next time anyone looks, so the slot frees itself.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.admin.config import AdminConfig
from bot.admin.models import JobStatus, TrainingJob
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.store.db import session_scope

__all__ = ["STEP_LABELS", "JobRefused", "JobStore", "JobView", "cancel_job", "new_version", "start_job"]

STEP_LABELS: dict[str, str] = {
    "queued": "排队中",
    "export": "导出标注数据",
    "validate": "校验训练数据（rasa data validate）",
    "wait": "等待本机其他训练结束",
    "train": "训练模型（rasa train）",
    "evaluate": "在留出集上评估候选模型与线上模型",
    "register": "登记候选模型",
    "done": "完成",
    "failed": "失败",
}
STATUS_LABELS = {"queued": "排队中", "running": "进行中", "succeeded": "已完成", "failed": "失败"}


class JobRefused(RuntimeError):
    """A job could not be started (message in Chinese)."""


@dataclass(frozen=True)
class JobView:
    id: int
    version: str
    status: str
    step: str
    progress: float
    detail: str
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    pid: int | None
    log_path: str
    error: str | None
    fingerprint: str | None
    candidate_path: str | None
    result: dict[str, Any] | None

    @property
    def active(self) -> bool:
        return self.status in JobStatus.ACTIVE

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def step_label(self) -> str:
        return STEP_LABELS.get(self.step, self.step)

    def seconds(self, now: datetime) -> float:
        end = self.finished_at or now
        return max(0.0, (end - (self.started_at or self.created_at)).total_seconds())

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the job log ('' if missing)."""
        path = Path(self.log_path)
        if not self.log_path or not path.is_file():
            return ""
        with path.open("rb") as stream:
            stream.seek(max(0, path.stat().st_size - 64 * 1024))
            text = stream.read().decode("utf-8", "replace")
        return "\n".join(text.splitlines()[-lines:])


def _view(row: TrainingJob) -> JobView:
    return JobView(row.id, row.version, row.status, row.step or "", float(row.progress or 0.0),
                   row.detail or "", row.requested_by, row.created_at, row.started_at,
                   row.finished_at, row.heartbeat_at, row.pid, row.log_path or "", row.error,
                   row.fingerprint, row.candidate_path, json.loads(row.result) if row.result else None)


def new_version(now: datetime) -> str:
    """A unique, sortable model version such as ``20260120-093015-4f2a``."""
    return now.strftime("%Y%m%d-%H%M%S-") + os.urandom(2).hex()


class JobStore:
    """Job rows on the application database."""

    def __init__(self, factory: sessionmaker, clock: Clock = utc_now,
                 stale_after: float = 180.0) -> None:
        self._factory = factory
        self._clock = clock
        self._stale = timedelta(seconds=stale_after)

    def now(self) -> datetime:
        return to_naive_utc(self._clock())

    def reap_stale(self) -> int:
        """Mark active jobs without a recent heartbeat as failed; returns how many."""
        limit = self.now() - self._stale
        with session_scope(self._factory) as session:
            rows = session.execute(select(TrainingJob).where(
                TrainingJob.status.in_(JobStatus.ACTIVE))).scalars().all()
            stale = [r for r in rows if (r.heartbeat_at or r.created_at) < limit]
            for row in stale:
                row.status, row.active_slot, row.finished_at = JobStatus.FAILED, None, self.now()
                row.error = (f"训练进程已中断：超过 {int(self._stale.total_seconds())} 秒没有心跳"
                             f"（停在“{STEP_LABELS.get(row.step, row.step)}”）。线上模型未受影响。")
            return len(stale)

    def create(self, version: str, requested_by: str, log_path: Path) -> JobView:
        """A queued job holding the single active slot, or :class:`JobRefused`."""
        self.reap_stale()
        try:
            with session_scope(self._factory) as session:
                row = TrainingJob(version=version, status=JobStatus.QUEUED, step="queued",
                                  progress=0.0, detail="", active_slot=1,
                                  requested_by=requested_by[:64], created_at=self.now(),
                                  log_path=str(log_path))
                session.add(row)
                session.flush()
                return _view(row)
        except IntegrityError:
            active = self.active()
            if active is None:
                raise JobRefused("无法创建训练任务，请重试。") from None
            raise JobRefused(
                f"已有训练任务正在进行（#{active.id}，{active.requested_by} 发起，当前：{active.step_label}）。"
                "同一时间只能运行一个训练任务，请等它结束后再试。") from None

    def get(self, job_id: int) -> JobView | None:
        with session_scope(self._factory) as session:
            row = session.get(TrainingJob, job_id)
            return _view(row) if row else None

    def active(self) -> JobView | None:
        query = select(TrainingJob).where(TrainingJob.status.in_(JobStatus.ACTIVE))
        with session_scope(self._factory) as session:
            row = session.execute(query.order_by(TrainingJob.id.desc())).scalars().first()
            return _view(row) if row else None

    def recent(self, limit: int = 20) -> list[JobView]:
        with session_scope(self._factory) as session:
            rows = session.execute(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(limit)).scalars()
            return [_view(r) for r in rows]

    def latest_succeeded(self) -> JobView | None:
        query = select(TrainingJob).where(TrainingJob.status == JobStatus.SUCCEEDED)
        with session_scope(self._factory) as session:
            row = session.execute(query.order_by(TrainingJob.id.desc())).scalars().first()
            return _view(row) if row else None

    def _set(self, job_id: int, **values: Any) -> None:
        with session_scope(self._factory) as session:
            session.execute(update(TrainingJob).where(TrainingJob.id == job_id).values(**values)
                            .execution_options(synchronize_session=False))

    def mark_running(self, job_id: int, pid: int) -> None:
        now = self.now()
        self._set(job_id, status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, pid=pid)

    def progress(self, job_id: int, step: str, progress: float, detail: str = "") -> None:
        self._set(job_id, step=step, progress=max(0.0, min(1.0, progress)), detail=detail[:255],
                  heartbeat_at=self.now())

    def heartbeat(self, job_id: int) -> None:
        self._set(job_id, heartbeat_at=self.now())

    def set_fields(self, job_id: int, **values: Any) -> None:
        self._set(job_id, **values)

    def finish(self, job_id: int, ok: bool, error: str | None = None,
               result: dict[str, Any] | None = None) -> None:
        values: dict[str, Any] = dict(status=JobStatus.SUCCEEDED if ok else JobStatus.FAILED,
                                      active_slot=None, finished_at=self.now(), error=error,
                                      heartbeat_at=self.now())
        values["step"], values["progress"] = ("done", 1.0) if ok else ("failed", 1.0)
        if result is not None:
            values["result"] = json.dumps(result, ensure_ascii=False, default=str)
        self._set(job_id, **values)


def cancel_job(store: JobStore, job_id: int, actor: str) -> bool:
    """Stop an active job's process group (runner and its ``rasa``) and mark it failed."""
    job = store.get(job_id)
    if job is None or not job.active:
        return False
    if job.pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(job.pid, signal.SIGTERM)
    store.finish(job_id, False, f"已被 {actor} 取消。线上模型未受影响。")
    return True


def start_job(config: AdminConfig, store: JobStore, requested_by: str) -> JobView:
    """Create a job and start its runner process in the background; returns at once."""
    version = new_version(store.now())
    config.jobs_dir.mkdir(parents=True, exist_ok=True)
    log_path = config.jobs_dir / f"{version}.log"
    job = store.create(version, requested_by, log_path)
    config_path = config.jobs_dir / f"{version}.json"
    config_path.write_text(config.to_json(), encoding="utf-8")
    try:
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.admin.runner", str(job.id), str(config_path)],
                cwd=str(config.project_root), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as error:
        store.finish(job.id, False, f"无法启动训练进程：{error}")
        raise JobRefused(f"无法启动训练进程：{error}") from error
    threading.Thread(target=process.wait, name=f"reap-job-{job.id}", daemon=True).start()
    store.set_fields(job.id, pid=process.pid)
    return store.get(job.id) or job
