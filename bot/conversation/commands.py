"""Fixed command phrases (data/channels/commands.yml) that the gateway answers itself."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import REPO_ROOT

COMMANDS_FILE = REPO_ROOT / "data" / "channels" / "commands.yml"
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def _folded(text: str) -> str:
    return _NOISE.sub("", text).lower()


@lru_cache(maxsize=2)
def load_commands(path: Path = COMMANDS_FILE) -> dict[str, str]:
    """Folded phrase → command name; a phrase listed under two commands is an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    commands: dict[str, str] = {}
    for name, phrases in data.items():
        for phrase in phrases or []:
            key = _folded(str(phrase))
            if not key or commands.get(key, name) != name:
                raise ValueError(f"{path}: phrase {phrase!r} is empty or listed twice")
            commands[key] = str(name)
    return commands


def command_name(text: str) -> str | None:
    """The command a message that is exactly a command phrase stands for, else None."""
    return load_commands().get(_folded(text))
