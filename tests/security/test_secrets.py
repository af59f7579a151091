"""Secrets never have working defaults: generated per launch locally, required elsewhere."""
from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.launch.rasa_server import rasa_command_line
from bot.launch.secrets import (
    SecretsError,
    bearer_matches,
    prepare_secrets,
    read_token,
    weak_secrets,
)
from bot.launch.services import ConfigurationError, build_services
from bot.secrets import weak_secret
from bot.settings import REPO_ROOT, Settings, settings_from_env

STRONG = "k" * 20 + "Qz9-x1_Lm2Nb7Vc4"  # 36 characters, no placeholder word


@pytest.mark.parametrize("value", ["", "CHANGE_ME", "change_me_please_change_me_please_xx",
                                   "short-secret", " " * 40])
def test_placeholders_and_short_values_are_weak(value: str) -> None:
    assert weak_secret(value)


def test_a_long_random_value_is_not_weak() -> None:
    assert not weak_secret(STRONG)


def test_local_mode_generates_fresh_private_tokens_per_launch(tmp_path: Path) -> None:
    first = prepare_secrets(Settings(), tmp_path)
    second = prepare_secrets(Settings(), tmp_path)
    assert first.rasa_auth_token and first.action_server_token and first.session_secret
    assert first.rasa_auth_token != second.rasa_auth_token  # one per launch
    assert read_token(tmp_path, "rasa_token") == second.rasa_auth_token
    for name in ("rasa_token", "action_token"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_local_mode_keeps_tokens_given_in_the_environment(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), rasa_auth_token=STRONG)
    assert prepare_secrets(settings, tmp_path).rasa_auth_token == STRONG


@pytest.mark.parametrize("env", [
    {"DEPLOYMENT": "production"},
    {"BIND_HOST": "0.0.0.0"},
    {"GATEWAY_HOST": "0.0.0.0"},
])
def test_outside_local_mode_missing_secrets_are_refused(tmp_path: Path, env: dict) -> None:
    settings = settings_from_env(env)
    assert not settings.local_only
    with pytest.raises(SecretsError, match="RASA_AUTH_TOKEN"):
        prepare_secrets(settings, tmp_path)
    assert not (tmp_path / "rasa_token").exists()


def test_placeholders_are_refused_and_named(tmp_path: Path) -> None:
    settings = settings_from_env({
        "DEPLOYMENT": "production", "RASA_AUTH_TOKEN": "CHANGE_ME",
        "ACTION_SERVER_TOKEN": STRONG, "SESSION_SECRET": STRONG,
        "TELEGRAM_WEBHOOK_URL": "https://example.org/tg", "TELEGRAM_WEBHOOK_SECRET": "x" * 8})
    assert weak_secrets(settings) == ["RASA_AUTH_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]
    with pytest.raises(ConfigurationError, match="TELEGRAM_WEBHOOK_SECRET"):
        build_services(settings, tmp_path / "endpoints.yml")


def test_services_get_the_tokens_through_the_environment_not_argv(tmp_path: Path) -> None:
    settings = settings_from_env({"DEPLOYMENT": "production", "RASA_AUTH_TOKEN": STRONG,
                                  "ACTION_SERVER_TOKEN": STRONG + "a", "SESSION_SECRET": STRONG})
    services = {s.name: s for s in build_services(settings, tmp_path / "endpoints.yml")}
    for service in services.values():
        assert STRONG not in " ".join(service.argv)
        assert service.env["RASA_AUTH_TOKEN"] == STRONG
    assert services["rasa"].argv[1:3] == ["-m", "bot.launch.rasa_server"]
    assert services["actions"].argv[1:3] == ["-m", "bot.launch.action_server"]
    endpoints = yaml.safe_load((tmp_path / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["headers"] == {"Authorization": f"Bearer {STRONG}a"}


def test_the_rasa_wrapper_adds_the_token_and_refuses_one_on_the_command_line() -> None:
    assert rasa_command_line(["run", "--enable-api"], STRONG)[-2:] == ["--auth-token", STRONG]
    with pytest.raises(SystemExit):
        rasa_command_line(["run", "--auth-token", "x"], STRONG)


def test_bearer_comparison() -> None:
    assert bearer_matches(f"Bearer {STRONG}", STRONG)
    assert not bearer_matches(f"Bearer {STRONG}x", STRONG)
    assert not bearer_matches(STRONG, STRONG) and not bearer_matches(None, STRONG)
    assert not bearer_matches("Bearer ", "")


@pytest.mark.parametrize("env", [
    {"DEPLOYMENT": "production", "RASA_AUTH_TOKEN": "CHANGE_ME", "ACTION_SERVER_TOKEN": "CHANGE_ME",
     "SESSION_SECRET": "CHANGE_ME"},
    {"BIND_HOST": "0.0.0.0"},
])
def test_the_launcher_refuses_to_start_with_placeholder_secrets(tmp_path: Path, env: dict) -> None:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "SESSION_SECRET")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.launch"], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=120, env={**clean, "VAR_DIR": str(tmp_path),
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", **env})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "RASA_AUTH_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "rasa_token").exists()
