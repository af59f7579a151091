"""Admin configuration: settings, admin.yml overrides, JSON round trip for the runner."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.admin.config import AdminConfig, load_config
from bot.settings import settings_from_env


def test_defaults_come_from_the_settings(tmp_path: Path) -> None:
    settings = settings_from_env({"DATABASE_URL": "sqlite:///x.db", "RASA_URLS": "http://a:1,http://b:2",
                                  "RASA_AUTH_TOKEN": "tok", "MODEL_DIR": str(tmp_path)})
    config = load_config(settings, var_dir=tmp_path)
    assert config.database_url == "sqlite:///x.db"
    assert config.rasa_backends == ("http://a:1", "http://b:2") and config.rasa_auth_token == "tok"
    assert config.confidence_threshold == 0.6 and config.deploy_margin == 0.01
    assert config.initial_model == tmp_path / "current.tar.gz"
    assert config.candidates_dir == tmp_path / "models" / "candidates"


def test_admin_yml_overrides(tmp_path: Path) -> None:
    (tmp_path / "admin.yml").write_text(yaml.safe_dump(
        {"confidence_threshold": 0.7, "deploy_margin": 0.02, "project_root": "/srv/bot"}), encoding="utf-8")
    config = load_config(settings_from_env({}), var_dir=tmp_path)
    assert (config.confidence_threshold, config.deploy_margin) == (0.7, 0.02)
    assert config.reviewed_file == Path("/srv/bot/data/nlu/reviewed.yml")
    (tmp_path / "admin.yml").write_text("typo_setting: 1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_config(settings_from_env({}), var_dir=tmp_path)


def test_json_round_trip(tmp_path: Path) -> None:
    config = load_config(settings_from_env({}), var_dir=tmp_path).with_overrides(rasa_cache_dir=tmp_path)
    assert AdminConfig.from_json(config.to_json()) == config
