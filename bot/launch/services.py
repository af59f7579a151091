"""Which processes make up the assistant, with their command lines (one place).

Used by ``python -m bot.launch`` (supervised together), by the production-shape
tests and by ``bench/`` (started one by one so they can be killed individually).
With ``RASA_INSTANCES=N`` (or ``--rasa-instances N``) N Rasa servers listen on
consecutive ports from ``RASA_PORT`` and the gateway gets ``RASA_URLS`` listing
them (unless ``RASA_URLS`` is set). ``SANIC_WORKERS`` is passed through to Rasa.
When ``MODEL_SERVER_URL`` points at this machine, a small model server
(``bot.launch.model_server``) serves the deployed model and every instance pulls it
when it starts; the admin pages switch all running instances (``PUT /model``).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from urllib.parse import urlparse

from bot.launch.endpoints import write_endpoints
from bot.launch.logging_config import write_logging_config
from bot.launch.secrets import SecretsError, prepare_secrets, secret_env
from bot.launch.supervisor import Service
from bot.settings import LOOPBACK_HOSTS, REPO_ROOT, VAR_DIR, Settings
from bot.topology import rasa_ports, rasa_urls

logger = logging.getLogger("launch")


class ConfigurationError(ValueError):
    """The settings describe a deployment that cannot work."""


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def deployed_model(settings: Settings) -> Path:
    """The model to start with.

    The one the admin pages deployed last (they keep ``VAR_DIR/models/deployed.tar.gz``
    pointing at it), else ``MODEL_DIR/current.tar.gz``.
    """
    link = VAR_DIR / "models" / "deployed.tar.gz"
    return link if link.exists() else settings.model_dir / "current.tar.gz"


def serves_models_locally(settings: Settings) -> bool:
    parsed = urlparse(settings.model_server_url)
    return bool(settings.model_server_url) and parsed.hostname in LOOPBACK_HOSTS and bool(parsed.port)


def rasa_argv(settings: Settings, endpoints: Path, port: int,
              logging_file: Path | None = None) -> list[str]:
    argv = [sys.executable, "-m", "bot.launch.rasa_server", "run", "--enable-api",
            "-i", settings.bind_host, "--port", str(port),
            "--endpoints", str(endpoints), "--credentials", str(REPO_ROOT / "credentials.yml")]
    if logging_file is not None:
        argv += ["--logging-config-file", str(logging_file)]
    if not settings.model_server_url:
        argv += ["--model", str(deployed_model(settings))]
    return argv  # the auth token comes from RASA_AUTH_TOKEN, never the command line


def check(settings: Settings) -> list[str]:
    """Refuse impossible set-ups; return warnings for doubtful ones."""
    warnings: list[str] = []
    if settings.rasa_instances > 1 and not settings.lock_store_url:
        raise ConfigurationError(
            "several Rasa instances share conversations only with a Redis lock store: "
            "set LOCK_STORE_URL=redis://host:6379/<db>")
    if settings.rasa_instances > 1 and settings.tracker_store_url.startswith("sqlite"):
        warnings.append("several Rasa instances on a SQLite tracker store: use PostgreSQL "
                        "(TRACKER_STORE_URL=postgresql://…) in production")
    return warnings


def build_services(settings: Settings, endpoints_path: Path, with_gateway: bool = True,
                   model_server: bool | None = None) -> list[Service]:
    """Model server (default: when MODEL_SERVER_URL is on this machine), Rasa instance(s), action server, gateway."""
    for warning in check(settings):
        logger.warning(warning)
    try:
        settings = prepare_secrets(settings, endpoints_path.parent)
    except SecretsError as error:
        raise ConfigurationError(str(error)) from error
    tokens = secret_env(settings)
    endpoints = write_endpoints(settings, endpoints_path)
    result: list[Service] = []
    if serves_models_locally(settings) if model_server is None else model_server:
        port = urlparse(settings.model_server_url).port or 5004
        result.append(Service("models", [sys.executable, "-m", "bot.launch.model_server",
                                         "--host", settings.bind_host, "--port", str(port)],
                              tokens))
    ports = rasa_ports(settings)
    for index, port in enumerate(ports, start=1):
        name = "rasa" if len(ports) == 1 else f"rasa-{index}"
        logging_file = write_logging_config(settings, endpoints.parent, name)
        result.append(Service(name, rasa_argv(settings, endpoints, port, logging_file), tokens))
    logging_file = write_logging_config(settings, endpoints.parent, "actions")
    result.append(Service("actions", [sys.executable, "-m", "bot.launch.action_server",
                                      "--host", settings.bind_host,
                                      "--port", str(settings.action_port),
                                      "--logging-config-file", str(logging_file)], tokens))
    if with_gateway:
        env: dict[str, str] = dict(tokens)
        if settings.rasa_instances > 1 and not settings.rasa_urls:
            env["RASA_URLS"] = ",".join(rasa_urls(settings))
        # The gateway also runs the Telegram bridge (bot/channels/telegram).
        result.append(Service("gateway", [sys.executable, "-m", "bot.gateway.app"], env))
    return result
