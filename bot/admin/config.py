"""Configuration of the admin tools (inbox threshold, deploy margin, paths).

Built from :mod:`bot.settings` (databases, Rasa servers, model directory) plus an
optional ``<VAR_DIR>/admin.yml`` with admin-only knobs, e.g.::

    confidence_threshold: 0.6   # inbox: citizen messages under this intent confidence
    deploy_margin: 0.01         # gate: how much a headline figure may get worse
    min_examples: 20            # insight: intents with fewer training examples
    project_root: /srv/bot      # where config.yml, domain.yml and data/ live

A config is serialised to JSON for the background training job, which therefore
runs with exactly the configuration of the request that started it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from bot.evaluation.examples import HELDOUT_DIR
from bot.settings import REPO_ROOT, VAR_DIR, Settings, get_settings
from bot.topology import rasa_urls

__all__ = ["TRAINING_DIRS", "AdminConfig", "load_config"]

TRAINING_DIRS: tuple[str, ...] = ("data/nlu", "data/rules", "data/stories", "data/responses")
_PATHS = ("project_root", "var_dir", "heldout_dir", "initial_model", "rasa_cache_dir")
_NUMBERS = {"confidence_threshold": float, "deploy_margin": float, "min_examples": int,
            "stale_after_seconds": float, "deploy_timeout_seconds": float}


@dataclass(frozen=True)
class AdminConfig:
    """Everything the admin tools need; immutable and JSON-serialisable."""

    database_url: str
    tracker_store_url: str
    rasa_backends: tuple[str, ...]
    rasa_auth_token: str = ""
    project_root: Path = REPO_ROOT
    var_dir: Path = VAR_DIR
    heldout_dir: Path = HELDOUT_DIR
    initial_model: Path = REPO_ROOT / "models" / "current.tar.gz"
    confidence_threshold: float = 0.6
    deploy_margin: float = 0.01
    min_examples: int = 20
    stale_after_seconds: float = 180.0
    deploy_timeout_seconds: float = 600.0
    rasa_cache_dir: Path | None = None
    model_server_url: str = ""
    training_dirs: tuple[str, ...] = field(default=TRAINING_DIRS)

    # ------------------------------------------------------------ derived paths
    @property
    def reviewed_file(self) -> Path:
        return self.project_root / "data" / "nlu" / "reviewed.yml"

    @property
    def nlu_dir(self) -> Path:
        return self.project_root / "data" / "nlu"

    @property
    def domain_file(self) -> Path:
        return self.project_root / "domain.yml"

    @property
    def config_file(self) -> Path:
        return self.project_root / "config.yml"

    @property
    def candidates_dir(self) -> Path:
        return self.var_dir / "models" / "candidates"

    @property
    def deployed_link(self) -> Path:
        """A symlink to the deployed model (for a launcher that wants to start with it)."""
        return self.var_dir / "models" / "deployed.tar.gz"

    @property
    def jobs_dir(self) -> Path:
        return self.var_dir / "admin" / "jobs"

    def training_paths(self) -> tuple[Path, ...]:
        return tuple(self.project_root / d for d in self.training_dirs)

    # ---------------------------------------------------------- serialisation
    def to_json(self) -> str:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> AdminConfig:
        return cls.from_mapping(json.loads(text))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> AdminConfig:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                raise ValueError(f"unknown admin setting: {key}")
            if key in _PATHS and value is not None:
                value = Path(value)
            elif key in ("rasa_backends", "training_dirs"):
                value = tuple(value)
            elif key in _NUMBERS:
                value = _NUMBERS[key](value)
            values[key] = value
        return cls(**values)

    def with_overrides(self, **values: Any) -> AdminConfig:
        return replace(self, **values)


def _file_overrides(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


def _backends(settings: Settings) -> tuple[str, ...]:
    """Every Rasa server to hot-swap: RASA_URLS, else the launcher's local instances."""
    return tuple(rasa_urls(settings))


def load_config(settings: Settings | None = None, var_dir: Path | None = None) -> AdminConfig:
    """The admin configuration of this process (settings + ``<var_dir>/admin.yml``)."""
    settings = settings or get_settings()
    var_dir = Path(var_dir or VAR_DIR)
    base = AdminConfig(database_url=settings.database_url,
                       tracker_store_url=settings.tracker_store_url,
                       rasa_backends=_backends(settings),
                       rasa_auth_token=settings.rasa_auth_token, var_dir=var_dir,
                       initial_model=settings.model_dir / "current.tar.gz",
                       model_server_url=settings.model_server_url)
    overrides = _file_overrides(var_dir / "admin.yml")
    if not overrides:
        return base
    merged = json.loads(base.to_json())
    merged.update(overrides)
    return AdminConfig.from_mapping(merged)
