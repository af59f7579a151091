"""A throw-away copy of the project's training inputs (tests never write into data/)."""
from __future__ import annotations

import shutil
from pathlib import Path

from bot.admin.export import render_reviewed
from bot.settings import REPO_ROOT

PROJECT_FILES = ("config.yml", "domain.yml")
PROJECT_DIRS = ("data/nlu", "data/rules", "data/stories", "data/responses", "data/dict")


def copy_project(target: Path) -> Path:
    """The training inputs copied to ``target`` (reviewed.yml emptied), so tests never touch data/."""
    for name in PROJECT_FILES:
        shutil.copy2(REPO_ROOT / name, target / name)
    for name in PROJECT_DIRS:
        shutil.copytree(REPO_ROOT / name, target / name)
    (target / "data" / "nlu" / "reviewed.yml").write_text(render_reviewed({}), encoding="utf-8")
    return target
