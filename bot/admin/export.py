"""Export of reviewed labels to ``data/nlu/reviewed.yml`` (Rasa 3.1 NLU YAML).

The file is the version-controlled record of every admin decision, so export
*merges*: examples already in the file stay unless a newer decision in the
database moves them (relabelled) or removes them (noise).  Texts that already
appear in another training file are left out (same intent: nothing to add;
another intent: reported as a conflict instead of creating contradictory data).
Texts of the held-out evaluation set are left out too.  Output order is stable:
intents sorted, examples sorted within an intent.
"""
from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.admin.inbox import normalise
from bot.admin.labels import LabelStore
from bot.admin.models import LabelStatus
from bot.evaluation.examples import load_examples

__all__ = ["ExportResult", "export_reviewed", "read_reviewed", "render_reviewed"]

HEADER = ("# 审核过的群众消息（已脱敏），由管理后台导出：python -m bot admin export\n"
          "# Reviewed citizen messages (masked), exported by the admin tools; edits here are kept\n"
          "# unless an admin relabels the same text.\n")
_BRACKETS = str.maketrans({"[": "［", "]": "］", "{": "｛", "}": "｝"})


@dataclass
class ExportResult:
    path: Path
    examples: int = 0
    by_label: dict[str, int] = field(default_factory=dict)
    already_present: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    heldout: list[tuple[str, str]] = field(default_factory=list)
    changed: bool = False


def clean_example(text: str) -> str:
    """One line of plain text that Rasa will not read as entity markup."""
    return " ".join(text.split()).translate(_BRACKETS)


def read_reviewed(path: Path) -> dict[str, tuple[str, str]]:
    """``{normalised text: (text, label)}`` of an existing reviewed file."""
    if not path.exists():
        return {}
    return {normalise(e.text): (e.text, e.label) for e in load_examples([path])}


def render_reviewed(examples: dict[str, list[str]]) -> str:
    """The file text for ``{label: [texts]}`` (sorted, literal blocks)."""
    if not any(examples.values()):
        return HEADER + 'version: "3.1"\nnlu: []\n'
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for label in sorted(examples):
        texts = sorted(set(examples[label]))
        if not texts:
            continue
        lines += [f"- intent: {label}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"


def _existing_training(nlu_dir: Path, reviewed: Path) -> dict[str, str]:
    paths = [p for p in nlu_dir.rglob("*.yml") if p.resolve() != reviewed.resolve()]
    return {normalise(e.text): e.label for e in load_examples(paths)}


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".reviewed-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_reviewed(store: LabelStore, nlu_dir: Path, path: Path,
                    heldout_dir: Path | None = None) -> ExportResult:
    """Merge the database's decisions into ``path``; returns what was written and left out.

    Texts of the held-out evaluation set are never exported (they would inflate the figures).
    """
    merged = read_reviewed(path)
    exported_keys: list[str] = []
    for view in store.all():
        norm = normalise(view.text)
        if view.status == LabelStatus.NOISE:
            merged.pop(norm, None)
        elif view.status == LabelStatus.LABELLED and view.label:
            merged[norm] = (clean_example(view.text), view.label)
        exported_keys.append(view.key)
    existing = _existing_training(nlu_dir, path)
    heldout = ({normalise(e.text) for e in load_examples(heldout_dir.rglob("*.yml"))}
               if heldout_dir is not None and heldout_dir.is_dir() else set())
    result = ExportResult(path)
    grouped: dict[str, list[str]] = defaultdict(list)
    for norm, (text, label) in merged.items():
        other = existing.get(norm)
        if norm in heldout:
            result.heldout.append((text, label))
        elif other == label:
            result.already_present.append((text, label))
        elif other is not None:
            result.conflicts.append((text, label, other))
        else:
            grouped[label].append(text)
    text = render_reviewed(grouped)
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if before != text:
        _write_atomically(path, text)
        result.changed = True
    result.by_label = {label: len(set(texts)) for label, texts in sorted(grouped.items())}
    result.examples = sum(result.by_label.values())
    store.mark_exported(exported_keys)
    return result
