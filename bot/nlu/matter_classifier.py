"""Matter classifier: a linear model over words and character n-grams.

Citizens' descriptions are short, noisy texts over 29 matters with ~60
examples each; a regularised logistic regression on TF-IDF features generalises
better there than the neural ResponseSelector alone (held-out top-1 0.90 vs
0.85) and trains in seconds. Its probabilities are blended with the
ResponseSelector's ranking and written back in the ResponseSelector's own
output format, so actions and evaluation read one place.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.knowledge import default_knowledge
from bot.nlu.jieba_tokenizer import words
from bot.nlu.letters import sentences, strip_formulas

logger = logging.getLogger(__name__)

SEPARATOR = "\x1f"
MODEL_FILE = "matter_classifier.joblib"


def split_tokens(joined: str) -> List[str]:
    """Analyzer for pre-tokenised text (module level so the model pickles)."""
    return [token for token in joined.split(SEPARATOR) if token]


def fortran_coefficients(model: Optional[Dict[str, Any]]) -> None:
    """Lay out the classifier's coefficients for fast ``sparse @ coef_.T``.

    With the C-ordered ``coef_`` scipy copies the whole (features × classes)
    matrix on every message (~12 % of a Rasa server's CPU under load); a
    Fortran-ordered copy of the same numbers makes ``coef_.T`` contiguous.
    """
    classifier = (model or {}).get("classifier")
    if classifier is not None and hasattr(classifier, "coef_"):
        classifier.coef_ = np.asfortranarray(classifier.coef_)


def message_chars(message: Message) -> str:
    """The text the character n-grams see: a letter without its greeting and closing."""
    return strip_formulas(message.get(TEXT) or "").lower()


def accepted_labels(labels: List[str], retrieval_intent: str) -> set:
    """The labels (``describe_matter/<id>``) of matters the traffic police accept."""
    kb = default_knowledge()
    prefix = retrieval_intent + "/"
    return {label for label in labels
            if label[len(prefix):] in kb.ids and kb.get(label[len(prefix):]).accepted}


def joined_tokens(message: Message) -> str:
    """Every word of the message (the tokenizer may cap what the neural models see)."""
    return SEPARATOR.join(words(message.get(TEXT) or ""))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class MatterClassifier(GraphComponent):
    """Ranks the matters of one retrieval intent and blends with the ResponseSelector."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # min_df / max_char_features keep the feature space small: with long letters the
        # character n-grams alone grew past 200,000 features and training took minutes.
        return {"retrieval_intent": "describe_matter", "C": 20.0, "weight": 0.7,
                "ranking_length": 10, "max_ngram": 3, "min_df": 2, "max_char_features": 40000,
                # Letters at least this long (without greeting and closing) are also
                # scored sentence by sentence, at most max_sentences of them.
                "sentence_scoring_chars": 60, "max_sentences": 20}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage,
                 resource: Resource, model: Optional[Dict[str, Any]] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> MatterClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> MatterClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
            fortran_coefficients(model)
            return cls(config, model_storage, resource, model)
        except (ValueError, FileNotFoundError):
            logger.warning("MatterClassifier has no trained model; it will not rank matters")
            return cls(config, model_storage, resource)

    def _examples(self, training_data: TrainingData) -> Tuple[List[Message], List[str]]:
        prefix = self._config["retrieval_intent"] + "/"
        messages, labels = [], []
        for message in training_data.intent_examples:
            key = message.get(INTENT_RESPONSE_KEY) or ""
            if key.startswith(prefix):
                messages.append(message)
                labels.append(key)
        return messages, labels

    def train(self, training_data: TrainingData) -> Resource:
        messages, labels = self._examples(training_data)
        if len(set(labels)) < 2:
            logger.warning("MatterClassifier: fewer than two matters in the data; skipped")
            return self._resource
        words = TfidfVectorizer(analyzer=split_tokens, sublinear_tf=True,
                                min_df=int(self._config["min_df"]))
        chars = TfidfVectorizer(analyzer="char_wb", sublinear_tf=True,
                                ngram_range=(1, int(self._config["max_ngram"])),
                                min_df=int(self._config["min_df"]),
                                max_features=int(self._config["max_char_features"]) or None)
        features = hstack([words.fit_transform([joined_tokens(m) for m in messages]),
                           chars.fit_transform([message_chars(m) for m in messages])]).tocsr()
        classifier = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        classifier.fit(features, labels)
        accepted = accepted_labels(labels, self._config["retrieval_intent"])
        scope = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        scope.fit(features, [label in accepted for label in labels])
        self._model = {"words": words, "chars": chars, "classifier": classifier,
                       "scope": scope}
        with self._storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self._model is not None and message.get(TEXT):
                self._rank(message)
        return messages

    def _features(self, message: Message) -> Any:
        return self._texts_features([joined_tokens(message)], [message_chars(message)])

    def _fitted(self) -> Dict[str, Any]:
        """The trained vectorizers and classifiers (only called once there is a model)."""
        if self._model is None:
            raise RuntimeError("MatterClassifier has no trained model")
        return self._model

    def _texts_features(self, joined: List[str], chars: List[str]) -> Any:
        model = self._fitted()
        return hstack([model["words"].transform(joined),
                       model["chars"].transform(chars)]).tocsr()

    def _sentence_scores(self, message: Message) -> List[Dict[str, Any]]:
        """Top matter, its confidence and P(accept) of each sentence of a long letter."""
        body = message_chars(message)
        if len(body) < int(self._config["sentence_scoring_chars"]) or self._model is None:
            return []
        parts = sentences(body)[: int(self._config["max_sentences"])]
        if len(parts) < 2:
            return []
        features = self._texts_features(
            [SEPARATOR.join(words(part)) for part in parts], parts)
        classifier = self._model["classifier"]
        probabilities = classifier.predict_proba(features)
        scopes = self._scopes(features)
        result = []
        for row, scope in zip(probabilities, scopes, strict=True):
            best = int(np.argmax(row))
            result.append({"intent_response_key": str(classifier.classes_[best]),
                           "confidence": float(row[best]), "scope": scope})
        return result

    def _probabilities(self, features: Any) -> Dict[str, float]:
        classifier = self._fitted()["classifier"]
        probabilities = classifier.predict_proba(features)[0]
        return dict(zip(classifier.classes_, map(float, probabilities), strict=True))

    def _scope(self, features: Any) -> Optional[float]:
        """P(the traffic police accept the message), from the scope model."""
        return self._scopes(features)[0]

    def _scopes(self, features: Any) -> List[Optional[float]]:
        """P(accept) for each row of ``features`` (None without a scope model)."""
        scope = self._fitted().get("scope")
        if scope is None:
            return [None] * features.shape[0]
        index = list(scope.classes_).index(True)
        return [float(p) for p in scope.predict_proba(features)[:, index]]

    def _rank(self, message: Message) -> None:
        key = self._config["retrieval_intent"]
        selector = dict(message.get("response_selector") or {})
        previous = dict(selector.get(key) or {})
        neural = {item["intent_response_key"]: float(item["confidence"])
                  for item in previous.get("ranking") or []}
        weight = float(self._config["weight"]) if neural else 1.0
        features = self._features(message)
        blended = {label: weight * p + (1 - weight) * neural.get(label, 0.0)
                   for label, p in self._probabilities(features).items()}
        ranking = sorted(blended.items(), key=lambda item: -item[1])
        ranking = ranking[: int(self._config["ranking_length"])]
        top_key, top_confidence = ranking[0]
        response = dict(previous.get("response") or {})
        response.update({"confidence": top_confidence, "intent_response_key": top_key,
                         "utter_action": "utter_" + top_key})
        response.setdefault("responses", None)
        selector[key] = {"response": response, "ranking": [
            {"id": i, "confidence": c, "intent_response_key": k}
            for i, (k, c) in enumerate(ranking)], "scope": self._scope(features),
            "sentences": self._sentence_scores(message)}
        selector.setdefault("all_retrieval_intents", [key])
        message.set("response_selector", selector, add_to_output=True)
        logger.debug("matter ranking %s", [(k, round(c, 3)) for k, c in ranking[:3]])
