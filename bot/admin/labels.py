"""Labels for inbox texts: the catalogue of valid labels and the label store.

A label is an intent of the domain (``ask_materials``) or a matter as a retrieval
intent (``describe_matter/parking_fee``); an admin may also mark a text as noise
or skip it.  Decisions are stored masked, with who and when, and every decision is
written to the audit log.  The latest decision for a text wins.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.admin.inbox import text_key
from bot.admin.models import LabelStatus, NluLabel
from bot.audit.log import add_audit
from bot.common.clock import Clock, to_naive_utc, utc_now
from bot.knowledge import default_knowledge
from bot.labels import LABELS_PATH, read_labels
from bot.privacy import mask_text
from bot.store.db import session_scope

__all__ = ["LabelCatalog", "LabelError", "LabelStore", "LabelView", "Target"]

MATTER_INTENT = "describe_matter"
NOT_LABELS = {MATTER_INTENT, "nlu_fallback", "rate_service"}


class LabelError(ValueError):
    """An invalid label decision (message in Chinese)."""


@dataclass(frozen=True)
class LabelCatalog:
    """Valid labels with their Chinese titles, in display order."""

    titles: dict[str, str]

    @classmethod
    def load(cls, domain_file: Path, intent_labels_file: Path | None = None) -> LabelCatalog:
        """Intents from ``domain.yml`` plus one ``describe_matter/<id>`` per knowledge record."""
        domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
        buttons = read_labels(intent_labels_file or LABELS_PATH)
        titles: dict[str, str] = {}
        for entry in domain.get("intents") or []:
            name = next(iter(entry)) if isinstance(entry, dict) else str(entry)
            if name not in NOT_LABELS:
                titles[name] = buttons[name].title if name in buttons else name
        for record in sorted(default_knowledge(), key=lambda r: r.id):
            titles[f"{MATTER_INTENT}/{record.id}"] = f"事项：{record.name}"
        return cls(titles)

    def __contains__(self, label: object) -> bool:
        return label in self.titles

    def title(self, label: str | None) -> str:
        if not label:
            return ""
        return self.titles.get(label, label)

    def check(self, label: str) -> str:
        label = (label or "").strip()
        if label not in self.titles:
            raise LabelError(f"未知的意图或事项：{label or '（空）'}")
        return label

    @property
    def intents(self) -> list[str]:
        return [label for label in self.titles if "/" not in label]

    @property
    def matters(self) -> list[str]:
        return [label for label in self.titles if "/" in label]


@dataclass(frozen=True)
class Target:
    """What to label: the masked text plus what the inbox knew about it."""

    text: str
    predicted: str = ""
    sources: Sequence[str] = ()
    sender_id: str = ""


@dataclass(frozen=True)
class LabelView:
    key: str
    text: str
    status: str
    label: str | None
    predicted: str | None
    sources: str
    labelled_by: str
    labelled_at: datetime
    exported_at: datetime | None


def _view(row: NluLabel) -> LabelView:
    return LabelView(row.text_key, row.text, row.status, row.label, row.predicted, row.sources,
                     row.labelled_by, row.labelled_at, row.exported_at)


class LabelStore:
    """Stores label decisions (one row per distinct masked text)."""

    def __init__(self, factory: sessionmaker, catalog: LabelCatalog, clock: Clock = utc_now) -> None:
        self._factory = factory
        self.catalog = catalog
        self._clock = clock

    def decide(self, targets: Iterable[Target], status: str, label: str | None, actor: str,
               ip: str | None = None) -> int:
        """Label / mark as noise / skip many texts in one transaction; returns how many."""
        if status not in LabelStatus.ALL:
            raise LabelError(f"未知的处理方式：{status}")
        label = self.catalog.check(label or "") if status == LabelStatus.LABELLED else None
        if not (actor or "").strip():
            raise LabelError("缺少操作人")
        now = to_naive_utc(self._clock())
        count = 0
        with session_scope(self._factory) as session:
            for target in targets:
                text = mask_text(" ".join((target.text or "").split()))
                if not text:
                    continue
                key = text_key(text)
                row = session.execute(select(NluLabel).where(NluLabel.text_key == key)).scalar_one_or_none()
                if row is None:
                    row = NluLabel(text_key=key, text=text)
                    session.add(row)
                row.status, row.label = status, label
                row.predicted = (target.predicted or None) and target.predicted[:120]
                row.sources = ",".join(target.sources)[:100]
                row.sender_id = target.sender_id[:255] or None
                row.labelled_by, row.labelled_at, row.exported_at = actor[:64], now, None
                add_audit(session, now, actor, f"nlu_{status}", "nlu_text", key[:16],
                          {"label": label, "text": text[:200]}, ip)
                count += 1
        return count

    def undo(self, keys: Iterable[str], actor: str) -> int:
        """Forget decisions (the texts go back to the open inbox)."""
        count = 0
        now = to_naive_utc(self._clock())
        with session_scope(self._factory) as session:
            for key in keys:
                row = session.execute(select(NluLabel).where(NluLabel.text_key == key)).scalar_one_or_none()
                if row is not None:
                    session.delete(row)
                    add_audit(session, now, actor, "nlu_undo", "nlu_text", key[:16], None)
                    count += 1
        return count

    def all(self, status: str | None = None) -> list[LabelView]:
        query = select(NluLabel).order_by(NluLabel.labelled_at.desc(), NluLabel.id.desc())
        if status:
            query = query.where(NluLabel.status == status)
        with session_scope(self._factory) as session:
            return [_view(row) for row in session.execute(query).scalars()]

    def get(self, key: str) -> LabelView | None:
        with session_scope(self._factory) as session:
            row = session.execute(select(NluLabel).where(NluLabel.text_key == key)).scalar_one_or_none()
            return _view(row) if row else None

    def mark_exported(self, keys: Iterable[str]) -> None:
        now = to_naive_utc(self._clock())
        wanted = list(keys)
        with session_scope(self._factory) as session:
            for start in range(0, len(wanted), 500):
                rows = session.execute(select(NluLabel).where(
                    NluLabel.text_key.in_(wanted[start:start + 500]))).scalars()
                for row in rows:
                    row.exported_at = now
