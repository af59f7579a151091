"""Fixed command phrases (data/channels/commands.yml) sent to Rasa as their payload."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

from bot.settings import REPO_ROOT

COMMANDS_FILE = REPO_ROOT / "data" / "channels" / "commands.yml"
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def _folded(text: str) -> str:
    return _NOISE.sub("", text).lower()


@lru_cache(maxsize=2)
def load_commands(path: Path = COMMANDS_FILE) -> Dict[str, str]:
    """Folded phrase → payload; a phrase listed under two payloads is an error."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    commands: Dict[str, str] = {}
    for payload, phrases in data.items():
        if not str(payload).startswith("/"):
            raise ValueError(f"{path}: {payload!r} is not a payload (starts with '/')")
        for phrase in phrases or []:
            key = _folded(str(phrase))
            if not key or commands.get(key, payload) != payload:
                raise ValueError(f"{path}: phrase {phrase!r} is empty or listed twice")
            commands[key] = str(payload)
    return commands


def command_payload(text: str) -> Optional[str]:
    """The payload a message that is exactly a command phrase stands for, else None."""
    return load_commands().get(_folded(text))
