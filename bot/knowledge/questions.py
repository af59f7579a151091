"""Specific questions within a matter, and picking the one the citizen actually asked.

Plain data, one file per matter: ``data/knowledge/questions/<matter_id>.yml``::

    matter: driving_license
    questions:
      - id: full_score
        question: 驾照记满12分了怎么办？          # the canonical wording (heading of the answer)
        phrasings: [驾照12分扣满了怎么办, 满分了怎么办, ...]   # 3-6 short citizen wordings
        answer: 一个记分周期内记满12分的……          # short, concrete, what to do next
        basis:                                     # same format as a matter's legal_basis
          - {statute: 道路交通安全违法行为记分管理办法, articles: [第十七条, 第十八条]}

The NLU picks the matter; :meth:`QuestionBank.match` then compares the citizen's text
with the phrasings of that matter's questions (character bigrams and characters weighted
by TF-IDF over all questions: the mean of cosine similarity and of how much of a
phrasing the text covers). Below :data:`MATCH_THRESHOLD` nothing is picked and the general matter
answer stands.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.knowledge.laws import default_statutes
from bot.knowledge.loader import (
    DEFAULT_ROOT,
    KnowledgeBase,
    KnowledgeError,
    LegalBasis,
    _basis,
    _Fields,
    _read_yaml,
    default_knowledge,
)

QUESTIONS_DIR = DEFAULT_ROOT / "questions"
MIN_PHRASINGS, MAX_PHRASINGS = 3, 6
# Minimum per-matter counts the knowledge base promises (checked by the tests).
MIN_ACCEPTED_QUESTIONS, MIN_OTHER_QUESTIONS = 5, 2
# Below this score the citizen gets the general matter answer (tuned on
# tests/unit/test_questions.py: specific questions above, generic descriptions below).
MATCH_THRESHOLD = 0.36
UNIGRAM_WEIGHT = 0.5
# A payload ("/describe_matter{...}") or a one-word message is no question.
MIN_TEXT_CHARS = 2

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_MARKDOWN = re.compile(r"(\*\*|__|^#+ |^\s*[-*] |\[[^\]]+\]\()", re.MULTILINE)
_NOT_TEXT = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
# Traditional characters citizens use in this domain -> simplified (a small table, not a converter).
_TRADITIONAL = str.maketrans(
    "駕駛證換遺補領車輛號違規處罰記審驗過滿學習為麼嗎還開關認書賠錢調聽紅綠燈壞鳴聲會"
    "機動輛執據險監測攝頭電費們這樣說話請問該經發時間對後裡應當辦個",
    "驾驶证换遗补领车辆号违规处罚记审验过满学习为么吗还开关认书赔钱调听红绿灯坏鸣声会"
    "机动辆执据险监测摄头电费们这样说话请问该经发时间对后里应当办个")
# Same thing, different words: mapped before comparing (longest first).
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("机动车驾驶证", "驾照"), ("驾驶证", "驾照"), ("驾驶本", "驾照"), ("驾证", "驾照"),
    ("十二分", "12分"), ("扣分", "记分"), ("扣满", "记满"),
    ("违章", "违法"), ("电子眼", "电子警察"), ("监控拍", "电子警察拍"), ("探头", "电子警察"),
    ("掉了", "丢了"), ("弄丢", "丢"), ("超期", "过期"), ("车牌", "号牌"), ("牌照", "号牌"), ("罚单", "罚款单"),
    ("事故责任认定书", "认定书"),
    ("事故认定书", "认定书"), ("责任认定书", "认定书"), ("交警队", "交警"), ("交警大队", "交警"),
    ("红绿灯", "信号灯"), ("拖走", "拖移"), ("拖车", "拖移"), ("补办", "补领"),
    ("年检", "检验"), ("年审", "审验"),
)


@dataclass(frozen=True)
class Question:
    """One specific question of a matter, with its own answer and legal basis."""

    matter: str
    id: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    basis: tuple[LegalBasis, ...]

    @property
    def key(self) -> str:
        return f"{self.matter}/{self.id}"

    def cite(self) -> str:
        """E.g. 《行政复议法》第二十条、第二十三条；《行政诉讼法》第四十六条."""
        return "；".join(basis.cite() for basis in self.basis)


@dataclass(frozen=True)
class Match:
    question: Question
    score: float


# ---------------------------------------------------------------- similarity


def normalize(text: str) -> str:
    """Lower case, synonyms mapped, everything but CJK, digits and letters removed."""
    text = str(text or "").lower().translate(_TRADITIONAL)
    for word, canonical in SYNONYMS:
        text = text.replace(word, canonical)
    return _NOT_TEXT.sub("", text)


def grams(text: str) -> frozenset[str]:
    """Character bigrams and single characters of the normalized text."""
    chars = normalize(text)
    return frozenset(chars[i:i + 2] for i in range(len(chars) - 1)) | frozenset(chars)


def segments(text: str) -> list[str]:
    """The text itself and, if it has several, its sentences (long enough to compare)."""
    parts = [part for part in _SENTENCE_END.split(str(text or ""))
             if len(normalize(part)) >= MIN_TEXT_CHARS]
    return [text, *parts] if len(parts) > 1 else [text]


class _Index:
    """IDF of character bigrams and characters over all questions (one document per question).

    A single character weighs :data:`UNIGRAM_WEIGHT` of a bigram.
    """

    def __init__(self, questions: Iterable[Question]) -> None:
        documents = [frozenset().union(*(grams(p) for p in (q.question, *q.phrasings)))
                     for q in questions]
        self.size = len(documents)
        counts = Counter(gram for document in documents for gram in document)
        self.unseen = math.log(self.size + 1) + 1.0
        self.idf = {gram: math.log((self.size + 1) / (count + 1)) + 1.0
                    for gram, count in counts.items()}
        self._cache: dict[str, tuple[dict[str, float], float]] = {}

    def weights(self, text: str) -> tuple[dict[str, float], float]:
        """Bigram -> squared weight, and the squared norm."""
        cached = self._cache.get(text)
        if cached is None:
            squared = {gram: (self.idf.get(gram, self.unseen)
                              * (UNIGRAM_WEIGHT if len(gram) == 1 else 1.0)) ** 2
                       for gram in grams(text)}
            cached = (squared, sum(squared.values()))
            if len(self._cache) < 4096:
                self._cache[text] = cached
        return cached

    def score(self, text: str, phrasing: str) -> float:
        """Mean of the cosine and of the share of the phrasing's weight found in the text."""
        left, left_norm = self.weights(text)
        right, right_norm = self.weights(phrasing)
        if not left_norm or not right_norm:
            return 0.0
        shared = sum(weight for gram, weight in right.items() if gram in left)
        cosine = shared / math.sqrt(left_norm * right_norm)
        covered = shared / right_norm
        return (cosine + covered) / 2


# ---------------------------------------------------------------- the bank


@dataclass(frozen=True)
class QuestionBank:
    """All questions, by matter, with the similarity index."""

    by_matter: Mapping[str, tuple[Question, ...]]
    index: _Index

    def for_matter(self, matter_id: str) -> tuple[Question, ...]:
        return self.by_matter.get(matter_id, ())

    def get(self, matter_id: str, question_id: str) -> Question:
        for question in self.for_matter(matter_id):
            if question.id == question_id:
                return question
        raise KeyError(f"unknown question {matter_id}/{question_id}")

    def __iter__(self) -> Iterator[Question]:
        for questions in self.by_matter.values():
            yield from questions

    def __len__(self) -> int:
        return sum(len(questions) for questions in self.by_matter.values())

    def rank(self, matter_id: str, text: str) -> list[Match]:
        """The matter's questions by similarity to text, best first.

        A long message is also compared sentence by sentence (the question in a
        letter is usually one sentence of it); the best comparison counts.
        """
        parts = segments(text)
        matches = []
        for question in self.for_matter(matter_id):
            wordings = (question.question, *question.phrasings)
            best = max(self.index.score(part, wording) for part in parts for wording in wordings)
            matches.append(Match(question, round(best, 4)))
        return sorted(matches, key=lambda m: m.score, reverse=True)

    def match(self, matter_id: str, text: str,
              threshold: float = MATCH_THRESHOLD) -> Match | None:
        """The best question if it scores at least threshold, else None (general answer)."""
        text = str(text or "").strip()
        if text.startswith("/") or len(normalize(text)) < MIN_TEXT_CHARS:
            return None
        ranked = self.rank(matter_id, text)
        if ranked and ranked[0].score >= threshold:
            return ranked[0]
        return None


# ---------------------------------------------------------------- loading


_FILE_FIELDS = ("matter", "questions")
_QUESTION_FIELDS = ("id", "question", "phrasings", "answer", "basis")


def _question(item: object, matter_id: str, where: str) -> Question:
    fields = _Fields(item, where)
    fields.only(_QUESTION_FIELDS)
    question_id = fields.text("id")
    if not _ID.match(question_id):
        raise fields.fail("id", "must be lower-case letters, digits and _ (e.g. full_score)")
    fields.where = f"{where} ({question_id})"
    phrasings = fields.texts("phrasings", allow_empty=False)
    if not MIN_PHRASINGS <= len(phrasings) <= MAX_PHRASINGS:
        raise fields.fail("phrasings", f"needs {MIN_PHRASINGS}-{MAX_PHRASINGS} wordings, "
                                       f"has {len(phrasings)}")
    if len(set(phrasings)) != len(phrasings):
        raise fields.fail("phrasings", "has a repeated wording")
    answer = fields.text("answer")
    if _MARKDOWN.search(answer):
        raise fields.fail("answer", "must be plain text (no Markdown)")
    bases = tuple(_basis(entry, f"{fields.where}: basis[{index}]")
                  for index, entry in enumerate(fields.items("basis", allow_empty=False)))
    return Question(matter=matter_id, id=question_id, question=fields.text("question"),
                    phrasings=phrasings, answer=answer, basis=bases)


def _check_citations(question: Question, where: str, statutes: Mapping[str, object]) -> None:
    for basis in question.basis:
        statute = statutes.get(basis.statute)
        if statute is None:
            raise KnowledgeError(f"{where}: basis names {basis.statute!r}, which is not in data/laws")
        missing = [a for a in basis.articles if statute.article(a) is None]  # type: ignore[attr-defined]
        if missing:
            raise KnowledgeError(f"{where}: 《{basis.statute}》 has no {', '.join(missing)}")


def load_questions(root: Path | None = None, kb: KnowledgeBase | None = None,
                   statutes: Mapping[str, object] | None = None) -> QuestionBank:
    """Load and validate every data/knowledge/questions/<matter>.yml.

    Checks: the file names a known matter; ids are unique per matter; 3-6 phrasings,
    none repeated within the matter; plain-text answers; every cited article exists
    in data/laws (pass ``statutes={}`` only in tests that build their own).
    """
    root = Path(root) if root is not None else QUESTIONS_DIR
    kb = kb or default_knowledge()
    statutes = statutes if statutes is not None else default_statutes()
    by_matter: dict[str, tuple[Question, ...]] = {}
    for path in sorted(root.glob("*.yml")):
        fields = _Fields(_read_yaml(path), str(path))
        fields.only(_FILE_FIELDS)
        matter_id = fields.text("matter")
        if matter_id != path.stem:
            raise fields.fail("matter", f"is {matter_id!r} but the file stem is {path.stem!r}")
        if matter_id not in kb:
            raise fields.fail("matter", f"{matter_id!r} is not a matter of data/knowledge/matters")
        questions: list[Question] = []
        seen_ids: dict[str, int] = {}
        seen_phrasings: dict[str, str] = {}
        for index, item in enumerate(fields.items("questions", allow_empty=False)):
            where = f"{path}: questions[{index}]"
            question = _question(item, matter_id, where)
            if question.id in seen_ids:
                raise KnowledgeError(f"{where}: id {question.id!r} repeats questions[{seen_ids[question.id]}]")
            seen_ids[question.id] = index
            for phrasing in (question.question, *question.phrasings):
                key = normalize(phrasing)
                if key in seen_phrasings and seen_phrasings[key] != question.id:
                    raise KnowledgeError(f"{where}: wording {phrasing!r} is also in "
                                         f"question {seen_phrasings[key]!r}")
                seen_phrasings[key] = question.id
            if statutes:
                _check_citations(question, f"{where} ({question.id})", statutes)
            questions.append(question)
        by_matter[matter_id] = tuple(questions)
    everything = [q for questions in by_matter.values() for q in questions]
    return QuestionBank(by_matter=by_matter, index=_Index(everything))


@lru_cache(maxsize=1)
def default_questions() -> QuestionBank:
    """The question bank from data/knowledge/questions, loaded once per process."""
    return load_questions()


def select_question(matter_id: str, text: str,
                    bank: QuestionBank | None = None) -> Question | None:
    """The specific question of matter_id the citizen asked, or None (general answer)."""
    found = (bank or default_questions()).match(matter_id, text)
    return found.question if found else None

