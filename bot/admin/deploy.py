"""Hot-swapping the model in the running Rasa server(s), gated, with rollback.

``PUT /model {"model_file": path}`` makes a Rasa server load another archive and
swap its agent; conversations survive because trackers live in the tracker store
and the lock store is kept.  With several servers, all are switched; if one
fails, the ones already switched are put back on the previous model, so the
fleet never runs two models for long.  One deploy or rollback at a time per
machine (a file lock under ``var/``).
"""
from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from bot.admin.config import AdminConfig
from bot.admin.gate import GateResult, check_gate
from bot.admin.registry import ModelView, Registry

__all__ = ["BackendResult", "DeployError", "Deployer", "GateRefused", "RasaModels", "SwitchOutcome"]

log = logging.getLogger(__name__)


class DeployError(RuntimeError):
    """A deploy or rollback did not happen (message in Chinese)."""


class GateRefused(DeployError):
    """The gate refused and no override reason was given."""

    def __init__(self, gate: GateResult) -> None:
        super().__init__("部署被拦截：" + gate.summary + "。如确需部署，请填写理由强制部署。")
        self.gate = gate


@dataclass(frozen=True)
class BackendResult:
    url: str
    ok: bool
    model_file: str = ""
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class SwitchOutcome:
    model: ModelView
    previous: str | None
    gate: GateResult | None
    overridden: bool
    backends: list[BackendResult]


class RasaModels:
    """Loads models into Rasa servers over their HTTP API."""

    def __init__(self, backends: Sequence[str], token: str = "", timeout: float = 600.0) -> None:
        self.backends = [b.rstrip("/") for b in backends]
        self._params = {"token": token} if token else {}
        self._timeout = timeout

    def model_file(self, url: str) -> str:
        """The archive name the server runs (``GET /status``)."""
        response = requests.get(f"{url}/status", params=self._params, timeout=30)
        response.raise_for_status()
        return str(response.json().get("model_file") or "")

    def load(self, url: str, path: Path) -> BackendResult:
        started = time.monotonic()
        try:
            response = requests.put(f"{url}/model", json={"model_file": str(path)},
                                    params=self._params, timeout=self._timeout)
            if response.status_code >= 300:
                message = response.text[:300]
                return BackendResult(url, False, error=f"HTTP {response.status_code}: {message}",
                                     seconds=time.monotonic() - started)
            running = self.model_file(url)
        except requests.RequestException as error:
            return BackendResult(url, False, error=str(error)[:300], seconds=time.monotonic() - started)
        ok = running == path.name
        return BackendResult(url, ok, running, "" if ok else f"服务器运行的是 {running}",
                             time.monotonic() - started)

    def switch_all(self, path: Path, fallback: Path | None) -> list[BackendResult]:
        """Load ``path`` everywhere; on any failure restore ``fallback`` where switched, then raise."""
        results: list[BackendResult] = []
        for url in self.backends:
            result = self.load(url, path)
            results.append(result)
            if not result.ok:
                restored = [self.load(r.url, fallback) for r in results[:-1]] if fallback else []
                failed = [r.url for r in restored if not r.ok]
                note = f"；恢复原模型失败：{', '.join(failed)}" if failed else ""
                raise DeployError(f"Rasa 服务器 {url} 加载模型失败：{result.error}{note}")
        return results


@contextmanager
def _machine_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeployError("另一个部署或回滚正在进行，请稍后再试。") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _point_link(link: Path, target: Path) -> None:
    """Atomically repoint ``var/models/deployed.tar.gz`` at the deployed archive."""
    link.parent.mkdir(parents=True, exist_ok=True)
    temporary = link.with_name(f".{link.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target.resolve())
    os.replace(temporary, link)


class Deployer:
    """Gate check, hot swap on every Rasa server, registry record."""

    def __init__(self, config: AdminConfig, registry: Registry,
                 models: RasaModels | None = None) -> None:
        self.config = config
        self.registry = registry
        self.models = models or RasaModels(config.rasa_backends, config.rasa_auth_token,
                                           config.deploy_timeout_seconds)

    def current(self) -> ModelView:
        return self.registry.ensure_initial(self.config.initial_model)

    def gate(self, version: str) -> GateResult:
        """The gate's verdict for deploying ``version`` over the current model."""
        current = self.current()
        return check_gate(self.registry.get(version).figures, current.figures,
                          self.config.deploy_margin)

    def _target(self, version: str, current: ModelView) -> ModelView:
        target = self.registry.get(version)
        if target.version == current.version:
            raise DeployError(f"{version} 已经是线上模型。")
        if not target.exists:
            raise DeployError(f"模型文件不存在：{target.path}")
        return target

    def deploy(self, version: str, actor: str, override_reason: str = "",
               ip: str | None = None) -> SwitchOutcome:
        """Deploy a candidate if the gate allows it (or with an override reason)."""
        reason = (override_reason or "").strip()
        with _machine_lock(self.config.var_dir / "admin" / "deploy.lock"):
            current = self.current()
            target = self._target(version, current)
            gate = check_gate(target.figures, current.figures, self.config.deploy_margin)
            if not gate.allowed and not reason:
                raise GateRefused(gate)
            return self._switch(target, current, "deploy", actor, gate, reason, ip)

    def rollback(self, actor: str, version: str | None = None,
                 ip: str | None = None) -> SwitchOutcome:
        """Go back to ``version`` (default: the model deployed before the current one)."""
        with _machine_lock(self.config.var_dir / "admin" / "deploy.lock"):
            current = self.current()
            if version is None:
                previous = self.registry.previous()
                if previous is None:
                    raise DeployError("没有可以回滚到的上一个模型。")
                version = previous.version
            target = self._target(version, current)
            return self._switch(target, current, "rollback", actor, None, "", ip)

    def _switch(self, target: ModelView, current: ModelView, action: str, actor: str,
                gate: GateResult | None, reason: str, ip: str | None) -> SwitchOutcome:
        if self.config.model_server_url:
            raise DeployError("Rasa 从模型服务器（MODEL_SERVER_URL）拉取模型，热切换会被下一次拉取覆盖；"
                              "请把模型发布到模型服务器。")
        fallback = current.path if current.exists else None
        log.info("%s %s → %s by %s", action, current.version, target.version, actor)
        backends = self.models.switch_all(target.path, fallback)
        overridden = gate is not None and not gate.allowed
        detail = {"backends": [asdict(b) for b in backends],
                  "gate": gate.reasons if gate else None, "path": str(target.path)}
        model = self.registry.record_switch(target.version, action, actor, current.version,
                                            gate.allowed if gate else None,
                                            reason if overridden else None, detail, ip)
        try:
            _point_link(self.config.deployed_link, target.path)
        except OSError as error:
            log.warning("could not update %s: %s", self.config.deployed_link, error)
        return SwitchOutcome(model, current.version, gate, overridden, backends)
