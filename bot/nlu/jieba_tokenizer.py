"""Jieba tokenizer with our domain dictionary, fixing two gaps of Rasa's own.

* Rasa issue #7910: jieba emits whitespace as tokens, which yields empty
  features and misaligned entities; they are dropped here.
* Rasa fingerprints only the component config, so editing a dictionary file
  would reuse a stale cached model; the dictionary contents are added to the
  fingerprint. Only ``*.txt`` files are dictionaries (a README may sit beside).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.letters import FORMULAS_FILE, strip_formulas

logger = logging.getLogger(__name__)


def dictionary_files(path: Optional[Text]) -> List[Path]:
    """The jieba dictionary files under ``path`` in a stable order."""
    if not path:
        return []
    return sorted(Path(path).glob("*.txt"))


def dictionary_fingerprint(path: Optional[Text]) -> Optional[str]:
    """A hash over names and contents of all dictionary files."""
    files = dictionary_files(path)
    if not files:
        return None
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def head_and_tail(tokens: List[Token], limit: int) -> List[Token]:
    """At most ``limit`` tokens: the first two thirds and the last third (0: all)."""
    if limit <= 0 or len(tokens) <= limit:
        return tokens
    tail = limit // 3
    return tokens[: limit - tail] + tokens[len(tokens) - tail:]


def words(text: str) -> List[str]:
    """All words of ``text`` as the tokenizer sees them, uncapped (formulas dropped)."""
    import jieba

    return [word.lower() for word in jieba.lcut(strip_formulas(text)) if word.strip()]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class DomainJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer without whitespace tokens and with a content fingerprint."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Retrain whenever a dictionary file or the letter formulas change."""
        formulas = hashlib.sha256(FORMULAS_FILE.read_bytes()).hexdigest()
        return f"{dictionary_fingerprint(config.get('dictionary_path'))}-{formulas}"

    @staticmethod
    def _load_custom_dictionary(path: Text) -> None:
        import jieba

        for file in dictionary_files(path):
            logger.info("Loading jieba user dictionary %s", file)
            jieba.load_userdict(str(file))

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**JiebaTokenizer.get_default_config(), "max_tokens": 0}

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenize like jieba, minus whitespace-only tokens.

        A long letter's greeting and closing formulas are left out of the user text's
        tokens (bot.nlu.letters), so every featurizer sees only what it is about. With
        ``max_tokens`` a longer text keeps its beginning and its end (where citizens put
        what they ask for): the neural classifiers pad every batch to its longest
        message, and a few 500-character letters would multiply their training time.
        The matter classifier reads the whole text itself (``words``).
        """
        import jieba

        text = message.get(attribute) or ""
        if attribute == TEXT:
            text = strip_formulas(text)
        tokens = self._apply_token_pattern(
            [Token(word, start) for (word, start, _end) in jieba.tokenize(text)])
        kept = [token for token in tokens if token.text.strip()]
        if not kept and tokens:
            return tokens[:1]
        return head_and_tail(kept, int(self._config.get("max_tokens") or 0))
