"""Loads and validates the knowledge base in data/knowledge/ (one YAML record per matter)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.labels import load_labels

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO_ROOT / "data" / "knowledge"


class KnowledgeError(ValueError):
    """A knowledge file is missing, malformed or inconsistent (message names file and field)."""


@dataclass(frozen=True)
class LegalBasis:
    """A statute (file name in reference/laws without the date) and article numbers."""

    statute: str
    articles: tuple[str, ...]

    def cite(self) -> str:
        """E.g. 《道路交通事故处理程序规定》第七十一条、第一百一十二条."""
        return f"《{self.statute}》" + "、".join(self.articles)


@dataclass(frozen=True)
class TimeLimit:
    """One time limit in plain Chinese with its legal basis."""

    text: str
    basis: LegalBasis


@dataclass(frozen=True)
class Referral:
    """Where a not-accepted matter goes."""

    body: str
    contact: str = ""


@dataclass(frozen=True)
class Procedure:
    """The legal procedure that applies instead of (or besides) 信访."""

    name: str
    note: str = ""


@dataclass(frozen=True)
class MatterRecord:
    """Everything the bot says about one taxonomy matter."""

    id: str
    name: str
    short_name: str
    area: str
    accepted: bool
    needs_officer: bool
    summary: str
    handling_unit: str
    channels: tuple[str, ...]
    materials: tuple[str, ...]
    time_limits: tuple[TimeLimit, ...]
    legal_basis: tuple[LegalBasis, ...]
    late: str
    next_steps: tuple[str, ...]
    phrasings: tuple[str, ...] = ()
    procedure: Procedure | None = None
    referral: Referral | None = None

    @property
    def label(self) -> str:
        """Short title for buttons."""
        return self.short_name or self.name

    def all_bases(self) -> tuple[LegalBasis, ...]:
        """legal_basis plus every time limit's basis."""
        return self.legal_basis + tuple(limit.basis for limit in self.time_limits)


@dataclass(frozen=True)
class Area:
    """An overview area ("交通事故", ...) and its matter ids."""

    key: str
    title: str
    description: str
    matters: tuple[str, ...]


@dataclass(frozen=True)
class NotAcceptedHint:
    """A common not-accepted thing and where it goes (for the overview)."""

    text: str
    goes_to: str
    matters: tuple[str, ...]


@dataclass(frozen=True)
class Ambiguity:
    """An ambiguous word, the matters it may mean and the clarifying question."""

    words: tuple[str, ...]
    matters: tuple[str, ...]
    question: str
    except_words: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        """True if one of the words occurs in text and none of the except_words does."""
        if any(word in text for word in self.except_words):
            return False
        return any(word in text for word in self.words)


@dataclass(frozen=True)
class AmbiguousPair:
    """Two easily confused matters and the question that tells them apart."""

    matters: frozenset[str]
    question: str


@dataclass(frozen=True)
class Policy:
    """Thresholds for bot.knowledge.decide."""

    answer_threshold: float = 0.5
    margin: float = 0.2
    max_options: int = 3
    # Scope first: P(traffic police accept) at or below -> "不属于交警受理" at once;
    # at or above -> only accepted matters are candidates.
    not_accepted_below: float = 0.3
    accepted_above: float = 0.7
    # Per sentence of a long letter: a matter named with at least this confidence (and
    # a scope as clear as the thresholds above) is mentioned beside the main answer.
    sentence_confidence: float = 0.6
    max_mentions: int = 2
    # Between the two scope thresholds an accepted matter is answered only when
    # P(accept) is at least this; below it the citizen is asked (both kinds offered).
    accept_answer_min_scope: float = 0.0


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded, validated knowledge base."""

    records: Mapping[str, MatterRecord]
    area_map: Mapping[str, Area]
    not_accepted: tuple[NotAcceptedHint, ...]
    ambiguities: tuple[Ambiguity, ...]
    pairs: tuple[AmbiguousPair, ...]
    policy: Policy = field(default_factory=Policy)

    def get(self, matter_id: str) -> MatterRecord:
        """The record for a matter id; KeyError if unknown."""
        try:
            return self.records[matter_id]
        except KeyError:
            raise KeyError(f"unknown matter id: {matter_id!r}") from None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.records)

    @property
    def areas(self) -> tuple[Area, ...]:
        return tuple(self.area_map.values())

    def area(self, key: str) -> Area:
        """One area by key; KeyError if unknown."""
        try:
            return self.area_map[key]
        except KeyError:
            raise KeyError(f"unknown area: {key!r}") from None

    def pair_question(self, first: str, second: str) -> str | None:
        """The clarifying question if (first, second) is a known confusable pair."""
        wanted = frozenset((first, second))
        for pair in self.pairs:
            if pair.matters == wanted:
                return pair.question
        return None

    def __contains__(self, matter_id: object) -> bool:
        return matter_id in self.records

    def __iter__(self) -> Iterator[MatterRecord]:
        return iter(self.records.values())

    def __len__(self) -> int:
        return len(self.records)


# ---------------------------------------------------------------- validation helpers


class _Fields:
    """Typed access to one YAML mapping, raising KnowledgeError naming file and field."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise KnowledgeError(f"{where}: expected a mapping, got {type(data).__name__}")
        self.data = data
        self.where = where

    def fail(self, name: str, problem: str) -> KnowledgeError:
        return KnowledgeError(f"{self.where}: field '{name}' {problem}")

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(self, name: str, required: bool = True) -> str:
        value = self.data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, "must be a non-empty string")
        return value.strip()

    def flag(self, name: str, default: bool | None = None) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "must be true or false")
        return value

    def number(self, name: str, default: float) -> float:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, "must be a number")
        return float(value)

    def texts(self, name: str, allow_empty: bool = True) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "must be a list of non-empty strings")
        if not value and not allow_empty:
            raise self.fail(name, "must not be empty")
        return tuple(v.strip() for v in value)

    def items(self, name: str, allow_empty: bool = True) -> list[Any]:
        value = self.data.get(name)
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.fail(name, "must be a list")
        if not value and not allow_empty:
            raise self.fail(name, "must not be empty")
        return value

    def sub(self, name: str) -> _Fields:
        return _Fields(self.data.get(name), f"{self.where}: {name}")

    def only(self, allowed: Sequence[str]) -> None:
        unknown = sorted(set(self.data) - set(allowed))
        if unknown:
            raise KnowledgeError(f"{self.where}: unknown field(s) {', '.join(unknown)}")


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: invalid YAML: {exc}") from None


def _basis(data: Any, where: str) -> LegalBasis:
    fields = _Fields(data, where)
    fields.only(["statute", "articles"])
    statute = fields.text("statute")
    articles = fields.texts("articles", allow_empty=False)
    for article in articles:
        if not (article.startswith("第") and article.endswith("条")):
            raise fields.fail("articles", f"entry {article!r} must look like 第七十一条")
    return LegalBasis(statute=statute, articles=articles)


_MATTER_FIELDS = (
    "id", "name", "short_name", "area", "accepted", "needs_officer", "summary",
    "handling_unit", "channels", "materials", "time_limits", "procedure", "referral",
    "legal_basis", "late", "next_steps", "phrasings",
)


def _matter(path: Path, label_keys: frozenset[str]) -> MatterRecord:
    fields = _Fields(_read_yaml(path), str(path))
    fields.only(_MATTER_FIELDS)
    matter_id = fields.text("id")
    if matter_id != path.stem:
        raise fields.fail("id", f"is {matter_id!r} but the file stem is {path.stem!r}")
    accepted = fields.flag("accepted")
    limits = []
    for index, item in enumerate(fields.items("time_limits")):
        limit = _Fields(item, f"{path}: time_limits[{index}]")
        limit.only(["text", "basis"])
        limits.append(TimeLimit(text=limit.text("text"),
                                basis=_basis(limit.data.get("basis"), f"{limit.where}: basis")))
    bases = tuple(_basis(item, f"{path}: legal_basis[{index}]")
                  for index, item in enumerate(fields.items("legal_basis", allow_empty=False)))
    procedure = None
    if fields.has("procedure"):
        sub = fields.sub("procedure")
        sub.only(["name", "note"])
        procedure = Procedure(name=sub.text("name"), note=sub.text("note", required=False))
    referral = None
    if fields.has("referral"):
        sub = fields.sub("referral")
        sub.only(["body", "contact"])
        referral = Referral(body=sub.text("body"), contact=sub.text("contact", required=False))
    elif not accepted:
        raise fields.fail("referral", "is required when accepted is false")
    next_steps = fields.texts("next_steps", allow_empty=False)
    for key in next_steps:
        if key not in label_keys:
            raise fields.fail("next_steps", f"has {key!r}, which is not a key of data/intent_labels.yml")
    return MatterRecord(
        id=matter_id,
        name=fields.text("name"),
        short_name=fields.text("short_name", required=False),
        area=fields.text("area"),
        accepted=accepted,
        needs_officer=fields.flag("needs_officer", default=False),
        summary=fields.text("summary"),
        handling_unit=fields.text("handling_unit"),
        channels=fields.texts("channels", allow_empty=False),
        materials=fields.texts("materials"),
        time_limits=tuple(limits),
        legal_basis=bases,
        late=fields.text("late"),
        next_steps=next_steps,
        phrasings=fields.texts("phrasings"),
        procedure=procedure,
        referral=referral,
    )


def _areas(path: Path, ids: frozenset[str]) -> tuple[dict[str, Area], tuple[NotAcceptedHint, ...]]:
    fields = _Fields(_read_yaml(path), str(path))
    fields.only(["areas", "not_accepted"])
    raw = fields.data.get("areas")
    if not isinstance(raw, dict) or not raw:
        raise fields.fail("areas", "must be a non-empty mapping")
    areas: dict[str, Area] = {}
    for key, item in raw.items():
        area = _Fields(item, f"{path}: areas.{key}")
        area.only(["title", "description", "matters"])
        matters = area.texts("matters", allow_empty=False)
        for matter_id in matters:
            if matter_id not in ids:
                raise area.fail("matters", f"has unknown matter id {matter_id!r}")
        areas[str(key)] = Area(key=str(key), title=area.text("title"),
                               description=area.text("description"), matters=matters)
    hints = []
    for index, item in enumerate(fields.items("not_accepted")):
        hint = _Fields(item, f"{path}: not_accepted[{index}]")
        hint.only(["text", "goes_to", "matters"])
        matters = hint.texts("matters")
        for matter_id in matters:
            if matter_id not in ids:
                raise hint.fail("matters", f"has unknown matter id {matter_id!r}")
        hints.append(NotAcceptedHint(text=hint.text("text"), goes_to=hint.text("goes_to"),
                                     matters=matters))
    return areas, tuple(hints)


def _ambiguity(path: Path, ids: frozenset[str]) -> tuple[tuple[Ambiguity, ...], tuple[AmbiguousPair, ...]]:
    fields = _Fields(_read_yaml(path), str(path))
    fields.only(["ambiguities", "pairs"])
    ambiguities = []
    for index, item in enumerate(fields.items("ambiguities")):
        entry = _Fields(item, f"{path}: ambiguities[{index}]")
        entry.only(["words", "except_words", "matters", "question"])
        matters = entry.texts("matters", allow_empty=False)
        if len(matters) < 2:
            raise entry.fail("matters", "needs at least two matter ids")
        for matter_id in matters:
            if matter_id not in ids:
                raise entry.fail("matters", f"has unknown matter id {matter_id!r}")
        ambiguities.append(Ambiguity(words=entry.texts("words", allow_empty=False), matters=matters,
                                     question=entry.text("question"),
                                     except_words=entry.texts("except_words")))
    pairs = []
    for index, item in enumerate(fields.items("pairs")):
        entry = _Fields(item, f"{path}: pairs[{index}]")
        entry.only(["matters", "question"])
        matters = entry.texts("matters")
        if len(set(matters)) != 2 or len(matters) != 2:
            raise entry.fail("matters", "must name exactly two different matter ids")
        for matter_id in matters:
            if matter_id not in ids:
                raise entry.fail("matters", f"has unknown matter id {matter_id!r}")
        pairs.append(AmbiguousPair(matters=frozenset(matters), question=entry.text("question")))
    return tuple(ambiguities), tuple(pairs)


def _policy(path: Path) -> Policy:
    if not path.exists():
        return Policy()
    fields = _Fields(_read_yaml(path) or {}, str(path))
    fields.only(["answer_threshold", "margin", "max_options", "not_accepted_below",
                 "accepted_above", "sentence_confidence", "max_mentions",
                 "accept_answer_min_scope"])
    threshold = fields.number("answer_threshold", Policy.answer_threshold)
    margin = fields.number("margin", Policy.margin)
    max_options = int(fields.number("max_options", Policy.max_options))
    low = fields.number("not_accepted_below", Policy.not_accepted_below)
    high = fields.number("accepted_above", Policy.accepted_above)
    sentence_confidence = fields.number("sentence_confidence", Policy.sentence_confidence)
    max_mentions = int(fields.number("max_mentions", Policy.max_mentions))
    accept_min = fields.number("accept_answer_min_scope", Policy.accept_answer_min_scope)
    if not 0.0 <= low < high <= 1.0:
        raise fields.fail("accepted_above", "needs 0 <= not_accepted_below < accepted_above <= 1")
    if not 0.0 < threshold <= 1.0:
        raise fields.fail("answer_threshold", "must be in (0, 1]")
    if not 0.0 <= margin < 1.0:
        raise fields.fail("margin", "must be in [0, 1)")
    if max_options < 2:
        raise fields.fail("max_options", "must be at least 2")
    return Policy(answer_threshold=threshold, margin=margin, max_options=max_options,
                  not_accepted_below=low, accepted_above=high,
                  sentence_confidence=sentence_confidence, max_mentions=max_mentions,
                  accept_answer_min_scope=accept_min)


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    """Load and validate every file under root (default: <repo>/data/knowledge)."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    matter_dir = root / "matters"
    paths = sorted(matter_dir.glob("*.yml"))
    if not paths:
        raise KnowledgeError(f"{matter_dir}: no matter records (*.yml) found")
    label_keys = frozenset(load_labels())
    records = {}
    for path in paths:
        record = _matter(path, label_keys)
        records[record.id] = record
    ids = frozenset(records)
    areas_path = root / "areas.yml"
    areas, hints = _areas(areas_path, ids)
    owner: dict[str, str] = {}
    for area in areas.values():
        for matter_id in area.matters:
            if matter_id in owner:
                raise KnowledgeError(f"{areas_path}: matter {matter_id!r} is listed in both "
                                     f"'{owner[matter_id]}' and '{area.key}'")
            owner[matter_id] = area.key
    for record in records.values():
        if record.area not in areas:
            raise KnowledgeError(f"{matter_dir / (record.id + '.yml')}: field 'area' has unknown "
                                 f"area {record.area!r}")
        if owner.get(record.id) != record.area:
            raise KnowledgeError(f"{areas_path}: matter {record.id!r} must be listed in area "
                                 f"'{record.area}' (its record's area), found in {owner.get(record.id)!r}")
    ambiguities, pairs = _ambiguity(root / "ambiguity.yml", ids)
    return KnowledgeBase(records=records, area_map=areas, not_accepted=hints,
                         ambiguities=ambiguities, pairs=pairs, policy=_policy(root / "policy.yml"))


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """The knowledge base from the default root, loaded once per process."""
    return load_knowledge()
