"""Rasa's own checks: data validation and the test stories, run as the CLI runs them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT
from tests.stack import MODEL

pytestmark = pytest.mark.slow

RASA = str(Path(sys.executable).parent / "rasa")
TRAIN_DATA = ["data/nlu", "data/rules", "data/stories", "data/responses"]


def run_rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_data_validate_is_clean() -> None:
    result = run_rasa("data", "validate", "--data", *TRAIN_DATA, "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_stories_pass(tmp_path: Path) -> None:
    result = run_rasa("test", "core", "--model", str(MODEL), "--stories", "tests/stories",
                      "--fail-on-prediction-errors", "--out", str(tmp_path / "results"))
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-3000:]
