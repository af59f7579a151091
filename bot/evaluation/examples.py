"""Loading labelled examples from Rasa YAML NLU files."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.settings import REPO_ROOT

HELDOUT_DIR = REPO_ROOT / "tests" / "nlu_heldout"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # an intent, or "describe_matter/<matter_id>"

    @property
    def intent(self) -> str:
        return self.label.split("/", 1)[0]

    @property
    def matter(self) -> str:
        return self.label.split("/", 1)[1] if "/" in self.label else ""


def strip_annotations(text: str) -> str:
    """Plain text from Rasa's `[value](entity)` markup."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text)


def load_examples(paths: Iterable[Path]) -> list[Example]:
    examples: list[Example] = []
    for path in sorted(paths):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(strip_annotations(line[2:].strip()), block["intent"]))
    return examples


LONG_DIR_NAME = "long"  # tests/nlu_heldout/long: message-board letters (100+ characters)


def heldout_examples(root: Path = HELDOUT_DIR) -> list[Example]:
    return load_examples(root.rglob("*.yml"))


def heldout_sets(root: Path = HELDOUT_DIR) -> dict[str, list[Example]]:
    """The held-out set split as reported: "short" messages and "long" letters."""
    long_dir = root / LONG_DIR_NAME
    files = sorted(root.rglob("*.yml"))
    return {"short": load_examples(p for p in files if long_dir not in p.parents),
            "long": load_examples(p for p in files if long_dir in p.parents)}
