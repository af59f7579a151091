"""``python -m bot admin ...``: output and exit codes."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bot.admin import cli
from bot.admin.config import AdminConfig
from bot.admin.figures import Figures
from bot.admin.inbox import text_key
from bot.admin.service import AdminService
from bot.settings import REPO_ROOT
from tests.admin.conftest import GIBBERISH, LOW
from tests.admin.fake_rasa import FakeRasa


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.close()


@pytest.fixture
def config(admin_config: AdminConfig, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch) -> AdminConfig:
    config = admin_config.with_overrides(rasa_backends=(rasa.url,))
    monkeypatch.setattr(cli, "load_config", lambda: config)
    return config


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def test_inbox_lists_masked_items(config: AdminConfig, seeded: datetime) -> None:
    code, out = run("inbox")
    assert code == 0
    assert LOW in out and "138****5678" in out and "13812345678" not in out
    assert text_key(LOW)[:10] in out and "describe_matter/vehicle_impound" in out
    code, out = run("inbox", "--source", "bad_rating")
    assert code == 0 and "交通事故认定书不服" in out and LOW not in out
    assert "1 of 1 shown" in out


def test_label_by_key_prefix_then_export(config: AdminConfig, seeded: datetime) -> None:
    code, out = run("label", text_key(LOW)[:8], "--intent", "describe_matter/vehicle_impound", "--by", "admin1")
    assert code == 0 and "已处理 1 条" in out
    assert run("label", text_key(GIBBERISH)[:8], "--noise")[0] == 0
    code, out = run("inbox", "--status", "labelled")
    assert LOW in out and "admin1" in out and GIBBERISH not in out
    code, out = run("export")
    assert code == 0 and "1 条样本" in out
    data = yaml.safe_load(config.reviewed_file.read_text(encoding="utf-8"))
    assert data["nlu"] == [{"intent": "describe_matter/vehicle_impound", "examples": f"- {LOW}\n"}]


def test_label_errors_exit_1(config: AdminConfig, seeded: datetime, capsys: pytest.CaptureFixture) -> None:
    assert run("label", text_key(LOW)[:8], "--intent", "no_such_intent")[0] == 1
    assert "未知的意图" in capsys.readouterr().err
    assert run("label", "abc", "--noise")[0] == 1
    assert run("label", "--text", "帮我订张机票", "--intent", "out_of_scope")[0] == 0


def test_usage_errors_exit_2(config: AdminConfig) -> None:
    with pytest.raises(SystemExit) as exited:
        run("label", "abcdef")  # neither --intent nor --noise/--skip/--undo
    assert exited.value.code == 2


def test_retrain_is_refused_while_a_job_runs(config: AdminConfig, capsys: pytest.CaptureFixture) -> None:
    admin = AdminService(config)
    admin.jobs.create("v-running", "admin1", config.var_dir / "x.log")
    admin.close()
    assert run("retrain")[0] == 1
    assert "已有训练任务正在进行" in capsys.readouterr().err
    code, out = run("job")
    assert code == 0 and "v-running" in out and "排队中" in out
    code, out = run("job", "--cancel", "--by", "admin1")
    assert code == 1 and "已被 admin1 取消" in out


def _register(config: AdminConfig, version: str, figures: Figures) -> None:
    admin = AdminService(config)
    initial = admin.registry.ensure_initial(config.initial_model)
    admin.registry.set_figures(initial.version, Figures(0.95, 0.97, 0.02))
    path = config.var_dir / f"{version}.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    admin.registry.add(version, path, "ab" * 32, figures, None, "admin1")
    admin.close()


def test_deploy_gate_override_models_and_rollback(config: AdminConfig, rasa: FakeRasa,
                                                  capsys: pytest.CaptureFixture) -> None:
    _register(config, "worse", Figures(0.80, 0.97, 0.02))
    code, out = run("deploy", "worse")
    assert code == 1 and "意图宏平均 F1" in out and "部署被拦截" in capsys.readouterr().err
    assert rasa.loads == []
    code, out = run("deploy", "worse", "--override", "演示用", "--by", "admin1")
    assert code == 0 and "initial → worse" in out and "强制部署" in out
    code, out = run("models")
    assert code == 0 and "worse" in out and "线上" in out and "强制理由：演示用" in out
    code, out = run("rollback", "--by", "admin1")
    assert code == 0 and "worse → initial" in out and rasa.model_file == "current.tar.gz"


def test_deploy_to_an_unreachable_server_exits_4(config: AdminConfig, capsys: pytest.CaptureFixture,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    unreachable = config.with_overrides(rasa_backends=("http://127.0.0.1:9",))
    monkeypatch.setattr(cli, "load_config", lambda: unreachable)
    _register(unreachable, "v2", Figures(0.96, 0.97, 0.02))
    assert run("deploy", "v2")[0] == 4
    assert "部署失败" in capsys.readouterr().err


def test_python_m_bot_admin_runs_as_a_tool(tmp_path: Path, admin_config: AdminConfig) -> None:
    var = tmp_path / "var"
    var.mkdir(exist_ok=True)
    (var / "admin.yml").write_text(yaml.safe_dump({"project_root": str(admin_config.project_root)}),
                                   encoding="utf-8")
    env = dict(os.environ, VAR_DIR=str(var), DATABASE_URL=admin_config.database_url,
               TRACKER_STORE_URL=admin_config.tracker_store_url, MODEL_DIR=str(admin_config.initial_model.parent))
    result = subprocess.run([sys.executable, "-m", "bot", "admin", "models"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "initial" in result.stdout and str(admin_config.initial_model) in result.stdout
    result = subprocess.run([sys.executable, "-m", "bot", "admin", "export"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and str(admin_config.reviewed_file) in result.stdout
