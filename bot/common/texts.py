"""The one loader of citizen-facing texts, which live in YAML files under ``data/``.

Texts are data, not code: a wording change is an edit of a YAML file, reviewed as such,
and every package reads its file the same way.  ``load_texts`` checks that the keys a
package needs are there (a missing one fails at start-up, naming the file and the keys,
not in front of a citizen) and turns YAML block scalars into chat text: each line
trimmed, leading and trailing blank lines dropped, blank lines inside kept as paragraph
breaks.  Files are parsed once per path and re-read only when they change on disk, so
callers may load on every use (edits then show without a restart).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

__all__ = ["DATA_DIR", "GATEWAY_TEXTS_PATH", "block_text", "load_text", "load_texts", "read_document"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
#: The gateway's own texts (router, rate limit, console allow-list): here, because the
#: modules that say them sit in three layers and this is the lowest place they share.
GATEWAY_TEXTS_PATH = DATA_DIR / "gateway" / "texts.yml"


def block_text(value: object) -> str:
    """A YAML (block) scalar as chat text: lines trimmed, outer blank lines dropped."""
    return "\n".join(line.strip() for line in str(value).strip().splitlines())


@lru_cache(maxsize=64)
def _parse(path: Path, stamp: tuple[int, int]) -> Mapping[str, Any]:
    """The parsed file; ``stamp`` (mtime, size) is part of the key so an edit is re-read."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of texts")
    return MappingProxyType(data)


def read_document(path: Path) -> Mapping[str, Any]:
    """The whole YAML mapping of a texts file, for the parts that are not texts (lists, numbers).

    Shared between callers through the cache: read it, never change it.
    """
    path = Path(path).resolve()
    status = path.stat()
    return _parse(path, (status.st_mtime_ns, status.st_size))


def _section(path: Path, section: str | None) -> Mapping[str, Any]:
    document = read_document(path)
    if section is None:
        return document
    found = document.get(section)
    if not isinstance(found, dict) or not found:
        raise ValueError(f"{path}: missing section '{section}'")
    return found


def load_texts(path: Path, required: Iterable[str], *, section: str | None = None) -> Mapping[str, str]:
    """Every text of ``path`` (or of its mapping ``section``), checked to hold ``required``.

    A required key must be a non-empty string; ``ValueError`` names the file, the section
    and every missing key at once.  Values that are not strings (lists, numbers) are left
    out: read them with ``read_document``.
    """
    values = _section(path, section)
    texts = {str(key): block_text(value) for key, value in values.items() if isinstance(value, str)}
    missing = [key for key in required if not texts.get(key)]
    if missing:
        where = f"{path} (section '{section}')" if section else str(path)
        raise ValueError(f"{where}: missing texts {', '.join(missing)}")
    return MappingProxyType(texts)


def load_text(path: Path, key: str) -> str:
    """One required text of ``path``, for a module that says a single sentence."""
    return load_texts(path, (key,))[key]
