"""Statute texts in data/laws/*.md, parsed into articles by their "第X条" headings.

A statute file is named ``<short name>(<date>).md`` (e.g. ``行政复议法(2023-09-01).md``);
the short name is what ``LegalBasis.statute`` holds. Every article starts a line with
its heading (``第二十三条 有下列情形之一的……``); the lines up to the next heading
(chapter headings ``## 第二章 …`` and blank lines skipped) are its paragraphs.

    article("行政复议法", "第二十三条")        -> Article | None
    resolve([LegalBasis(...)])                 -> [Citation(...)], missing ones flagged
    render_citation(citation)                  -> the article's text, long ones trimmed
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.knowledge.loader import REPO_ROOT, LegalBasis

LAWS_DIR = REPO_ROOT / "data" / "laws"

_DIGITS = "零一二三四五六七八九"
_NUMERAL = "零一二三四五六七八九十百千"
_HEADING = re.compile(rf"^(第[{_NUMERAL}]+条)(?:[ \u3000]+|$)(.*)$")
_CHAPTER = re.compile(rf"^#+\s*(第[{_NUMERAL}]+[章节].*)$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)
_ARABIC_REF = re.compile(r"^\s*第?\s*(\d{1,4})\s*条?\s*$")
_CHINESE_REF = re.compile(rf"^\s*第?\s*([{_NUMERAL}]+)\s*条?\s*$")

# Trimming of long articles (characters of article text, headings not counted).
ARTICLE_MAX_CHARS = 420
TRIM_NOTE = "（这一条较长，以上是节选；完整条文请以正式公布的文本为准。）"
MISSING_NOTE = "抱歉，资料库里没有找到这一条的原文，请以正式公布的法律文本为准。"
UNKNOWN_STATUTE_NOTE = "抱歉，资料库里没有收录这部法规的文本，请以正式公布的法律文本为准。"


class LawError(LookupError):
    """A statute or article reference that cannot be understood."""


# ---------------------------------------------------------------- numerals


def chinese_to_int(numeral: str) -> int:
    """一百一十二 -> 112, 二十 -> 20, 十八 -> 18, 一百零八 -> 108; LawError if malformed."""
    if not numeral or any(ch not in _NUMERAL for ch in numeral):
        raise LawError(f"not a Chinese numeral: {numeral!r}")
    total, digit = 0, None
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in numeral:
        if ch in units:
            total += (1 if digit is None else digit) * units[ch]
            digit = None
        else:
            digit = _DIGITS.index(ch)
    if digit:
        total += digit
    if total <= 0:
        raise LawError(f"not a positive number: {numeral!r}")
    return total


def int_to_chinese(number: int) -> str:
    """112 -> 一百一十二, 20 -> 二十, 18 -> 十八, 108 -> 一百零八 (1..9999)."""
    if not 0 < number < 10000:
        raise LawError(f"article number out of range: {number}")
    parts: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, value)
        if digit:
            if zero:
                parts.append("零")
                zero = False
            parts.append(_DIGITS[digit] + unit)
        elif parts and number:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def normalize_article(ref: str) -> str:
    """"第23条", "23", "二十三", "第二十三条" -> "第二十三条"; LawError otherwise."""
    match = _ARABIC_REF.match(ref)
    if match:
        return f"第{int_to_chinese(int(match.group(1)))}条"
    match = _CHINESE_REF.match(ref)
    if match:
        return f"第{int_to_chinese(chinese_to_int(match.group(1)))}条"
    raise LawError(f"not an article reference: {ref!r}")


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Article:
    """One article: its heading (第二十三条) and its paragraphs (the first without heading)."""

    statute: str
    number: str
    paragraphs: tuple[str, ...]
    chapter: str = ""

    @property
    def ordinal(self) -> int:
        return chinese_to_int(self.number[1:-1])

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def cite(self) -> str:
        return f"《{self.statute}》{self.number}"


@dataclass(frozen=True)
class Statute:
    """One statute file: short name, title, version date and its articles in order."""

    name: str
    title: str
    version: str
    path: Path
    articles: Mapping[str, Article]

    def article(self, number: str) -> Article | None:
        """The article by heading (any form normalize_article accepts), or None."""
        try:
            return self.articles.get(normalize_article(number))
        except LawError:
            return None


def _clean(line: str) -> str:
    return line.translate(_INVISIBLE).strip()


def parse_statute(path: Path) -> Statute:
    """Parse one statute file into its articles (text before <!-- INFO END --> is skipped)."""
    raw = path.read_text(encoding="utf-8")
    name, _, rest = path.stem.partition("(")
    version = rest.rstrip(")")
    lines = raw.splitlines()
    title = next((_clean(line)[1:].strip() for line in lines if _clean(line).startswith("# ")), name)
    marker = next((i for i, line in enumerate(lines) if "INFO END" in line), -1)
    articles: dict[str, Article] = {}
    chapter = ""
    current: tuple[str, list[str], str] | None = None

    def close() -> None:
        if current is not None:
            number, paragraphs, where = current
            if number in articles:
                raise LawError(f"{path.name}: {number} appears twice")
            articles[number] = Article(statute=name, number=number,
                                       paragraphs=tuple(p for p in paragraphs if p), chapter=where)

    for line in lines[marker + 1:]:
        text = _clean(line)
        if not text:
            continue
        heading = _CHAPTER.match(text)
        if heading:
            chapter = heading.group(1).strip()
            continue
        if text.startswith("#"):
            continue
        match = _HEADING.match(text)
        if match:
            close()
            current = (match.group(1), [match.group(2).strip()], chapter)
        elif current is not None:
            current[1].append(text)
    close()
    return Statute(name=name, title=title, version=version, path=path, articles=articles)


def load_statutes(root: Path | None = None) -> dict[str, Statute]:
    """Every statute under root (default data/laws), by short name."""
    root = Path(root) if root is not None else LAWS_DIR
    statutes = {}
    for path in sorted(root.glob("*.md")):
        statute = parse_statute(path)
        statutes[statute.name] = statute
    return statutes


@lru_cache(maxsize=1)
def default_statutes() -> Mapping[str, Statute]:
    """The statutes in data/laws, parsed once per process."""
    return load_statutes()


def article(statute: str, number: str,
            statutes: Mapping[str, Statute] | None = None) -> Article | None:
    """One article, or None if the statute or the article is not in data/laws."""
    found = (statutes if statutes is not None else default_statutes()).get(statute)
    return found.article(number) if found is not None else None


# ---------------------------------------------------------------- citations


@dataclass(frozen=True)
class Citation:
    """One cited article and what was found for it (``article`` None: not found)."""

    statute: str
    number: str
    article: Article | None = None
    statute_known: bool = True

    @property
    def found(self) -> bool:
        return self.article is not None

    def cite(self) -> str:
        return f"《{self.statute}》{self.number}"

    def key(self) -> str:
        """Compact form kept in the ``last_basis`` slot, e.g. "行政复议法 第二十三条"."""
        return f"{self.statute} {self.number}"


def basis_keys(bases: Iterable[LegalBasis]) -> list[str]:
    """Slot values for bases, in order, without repeats: ["行政复议法 第二十三条", …]."""
    keys: list[str] = []
    for basis in bases:
        for number in basis.articles:
            key = f"{basis.statute} {number}"
            if key not in keys:
                keys.append(key)
    return keys


def parse_key(key: str) -> tuple[str, str]:
    """"行政复议法 第二十三条" -> ("行政复议法", "第二十三条"); LawError if malformed."""
    statute, _, number = str(key).strip().rpartition(" ")
    if not statute.strip() or not number:
        raise LawError(f"not a citation key: {key!r}")
    return statute.strip(), normalize_article(number)


def resolve(keys: Sequence[str], statutes: Mapping[str, Statute] | None = None) -> list[Citation]:
    """Citations for slot keys (see basis_keys), looked up in the statute texts.

    Malformed keys are skipped; unknown statutes and articles come back with
    ``article=None`` so the caller can say clearly what is missing.
    """
    statutes = statutes if statutes is not None else default_statutes()
    citations: list[Citation] = []
    seen = set()
    for key in keys:
        try:
            name, number = parse_key(key)
        except LawError:
            continue
        if (name, number) in seen:
            continue
        seen.add((name, number))
        statute = statutes.get(name)
        citations.append(Citation(statute=name, number=number,
                                  article=statute.article(number) if statute else None,
                                  statute_known=statute is not None))
    return citations


def trim(paragraphs: Sequence[str], max_chars: int = ARTICLE_MAX_CHARS) -> tuple[list[str], bool]:
    """Whole paragraphs up to max_chars (the first is cut at a sentence end if it alone is too long).

    Returns (kept, trimmed).
    """
    kept: list[str] = []
    used = 0
    for paragraph in paragraphs:
        if used + len(paragraph) <= max_chars:
            kept.append(paragraph)
            used += len(paragraph)
            continue
        if not kept:
            cut = paragraph[:max_chars]
            end = max(cut.rfind(mark) for mark in "。；")
            kept.append(cut[:end + 1] if end > 0 else cut + "……")
        return kept, True
    return kept, False


def render_citation(citation: Citation, max_chars: int = ARTICLE_MAX_CHARS) -> str:
    """Heading line with the citation, then the article's paragraphs or a note that it is missing.

    Long articles are trimmed politely.
    """
    head = citation.cite()
    if citation.article is None:
        return f"{head}\n{MISSING_NOTE if citation.statute_known else UNKNOWN_STATUTE_NOTE}"
    paragraphs, trimmed = trim(citation.article.paragraphs, max_chars)
    lines = [head, *paragraphs]
    if trimmed:
        lines.append(TRIM_NOTE)
    return "\n".join(lines)


_CITED = re.compile(rf"《([^》]{{2,40}})》|(第[{_NUMERAL}]+条)")


def statute_name(name: str, statutes: Mapping[str, Statute] | None = None) -> str | None:
    """The short name of a statute as written in a text, or None if it is not in data/laws.

    Both "中华人民共和国行政复议法" and "行政复议法" give "行政复议法".
    """
    statutes = statutes if statutes is not None else default_statutes()
    name = name.strip()
    if name in statutes:
        return name
    for short, statute in statutes.items():
        if name == statute.title or name == f"中华人民共和国{short}":
            return short
    return None


def cited_keys(text: str, statutes: Mapping[str, Statute] | None = None) -> list[str]:
    """Articles cited in a bot text, as slot keys, in order.

    Each "第X条" belongs to the statute named last before it (《信访工作条例》第十七条……（第十九条）).
    Articles of statutes not in data/laws are left out.
    """
    statutes = statutes if statutes is not None else default_statutes()
    current: str | None = None
    keys: list[str] = []
    for match in _CITED.finditer(text or ""):
        if match.group(1):
            current = statute_name(match.group(1), statutes)
        elif current is not None:
            key = f"{current} {match.group(2)}"
            if key not in keys:
                keys.append(key)
    return keys
