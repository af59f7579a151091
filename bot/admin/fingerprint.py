"""The data fingerprint of a model: a hash of its training data, config and domain."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["data_fingerprint", "training_files"]


def training_files(root: Path, inputs: Iterable[Path]) -> list[Path]:
    """Every file under the inputs (directories walked), sorted by path relative to ``root``."""
    files: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")]
        elif path.is_file():
            files.append(path)
    return sorted(set(files), key=lambda p: str(p.relative_to(root)) if p.is_relative_to(root) else str(p))


def data_fingerprint(root: Path, inputs: Iterable[Path]) -> str:
    """SHA-256 over relative paths and contents (64 hex characters)."""
    digest = hashlib.sha256()
    for path in training_files(root, inputs):
        name = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
