"""Two CPU fixes for the Rasa server, found by profiling ``python -m bench`` (py-spy).

1. Rasa validates every action server response with ``jsonschema.validate``, which
   re-checks the *schema itself* against the JSON-Schema meta-schema on each call:
   ~18 % of the server's CPU under load. Here the validator is built once; the
   response is validated against the same schema and the same best-matching
   error is raised, with Rasa's message.
2. The matter classifier's logistic regression multiplies a sparse row by
   ``coef_.T``; with the C-ordered ``coef_`` scipy copies the whole
   (features × classes) matrix on every message (~12 % of CPU). A Fortran-ordered
   copy of the same numbers makes ``coef_.T`` contiguous: identical results.

``apply()`` is idempotent; ``bot.launch.tracker_store`` (which Rasa imports from
endpoints.yml) calls it, so every Rasa server started by ``bot.launch`` has them.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Dict, Optional, Text

import numpy as np

logger = logging.getLogger(__name__)

_applied = False


def _fast_action_validation() -> None:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validator: Optional[Any] = None

    def validate(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        nonlocal validator
        if validator is None:
            spec = self.action_response_format_spec()
            cls = validator_for(spec)
            cls.check_schema(spec)  # once, not per response
            validator = cls(spec)
        error: Optional[ValidationError] = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]


def fortran_coefficients(model: Optional[Dict[str, Any]]) -> None:
    """Lay out the classifier's coefficients for fast ``sparse @ coef_.T``."""
    classifier = (model or {}).get("classifier")
    if classifier is not None and hasattr(classifier, "coef_"):
        classifier.coef_ = np.asfortranarray(classifier.coef_)


def _fast_matter_classifier() -> None:
    from bot.nlu.matter_classifier import MatterClassifier

    original: Callable[..., MatterClassifier] = MatterClassifier.load.__func__  # type: ignore[attr-defined]

    @functools.wraps(original)
    def load(cls: type, *args: Any, **kwargs: Any) -> MatterClassifier:
        component = original(cls, *args, **kwargs)
        fortran_coefficients(component._model)
        return component

    MatterClassifier.load = classmethod(load)  # type: ignore[method-assign,assignment]


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    _fast_action_validation()
    _fast_matter_classifier()
    logger.info("Rasa speed-ups applied (cached action-response validator, "
                "Fortran-ordered matter classifier coefficients)")
