"""CPU fixes for the Rasa server, found by profiling ``python -m bench`` (py-spy).

1. Rasa validates every action server response with ``jsonschema.validate``, which
   re-checks the *schema itself* against the JSON-Schema meta-schema on each call:
   ~18 % of the server's CPU under load. Here the validator is built once; the
   response is validated against the same schema and the same best-matching
   error is raised, with Rasa's message.
2. TED runs a TensorFlow call for every action it is asked to predict (~20 % of the
   CPU). Its prediction is a pure function of the last ``max_history`` dialogue
   states (intents, previous actions, slots, active form) — a small set in this
   assistant, since a thousand different wordings map to the same intent. The
   prediction is memoised per distinct state sequence (LRU, 4,096 entries, per
   loaded model): identical answers, one TensorFlow call per new situation.
   Not used when TED reads the user's text (end-to-end stories), which has no
   small state space.

(The matter classifier's coefficient layout fix lives in its ``load``.)

Both replace private Rasa methods, so nothing here runs by itself: the functions
below are installed by :func:`bot.launch.rasa_patches.apply` — called by
``python -m bot.launch.rasa_server``, the one entry point of every Rasa server the
launcher starts — only after it checked the Rasa version and the signatures of the
methods they replace or rely on.
"""
from __future__ import annotations

import copy
import functools
import json
from collections import OrderedDict
from typing import Any


def install_action_validation() -> None:
    """Replace ``RemoteAction._validate_action_result`` by the cached validator."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    validator: Any | None = None

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        nonlocal validator
        if validator is None:
            spec = self.action_response_format_spec()
            cls = validator_for(spec)
            cls.check_schema(spec)  # once, not per response
            validator = cls(spec)
        error: ValidationError | None = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions")
            raise error
        return True

    RemoteAction._validate_action_result = validate


TED_MEMO_SIZE = 4096


def _memo_key(policy: Any, tracker: Any, domain: Any, rule_only_data: Any) -> str | None:
    """The dialogue states TED predicts from, as text; ``None`` when text features count."""
    from rasa.core.policies.policy import SupportedData  # loaded by Rasa long before
    from rasa.shared.nlu.constants import TEXT

    if policy.only_e2e or TEXT in getattr(policy, "fake_features", {}):
        return None
    ml_only = policy.supported_data() == SupportedData.ML_DATA
    states = policy.featurizer.prediction_states(
        [tracker], domain, use_text_for_last_user_input=False,
        ignore_rule_only_turns=ml_only, rule_only_data=rule_only_data,
        ignore_action_unlikely_intent=ml_only)
    return json.dumps(states, sort_keys=True, default=sorted, ensure_ascii=False)


def install_ted_memo() -> None:
    """Wrap ``TEDPolicy.predict_action_probabilities`` in the memo."""
    from rasa.core.policies.ted_policy import TEDPolicy

    original = TEDPolicy.predict_action_probabilities

    @functools.wraps(original)
    def predict(self: TEDPolicy, tracker: Any, domain: Any, rule_only_data: Any = None,
                precomputations: Any = None, **kwargs: Any) -> Any:
        key = None if self.model is None else _memo_key(self, tracker, domain, rule_only_data)
        memo: OrderedDict[str, Any] = self.__dict__.setdefault("_prediction_memo", OrderedDict())
        if key is not None and key in memo:
            memo.move_to_end(key)
            return copy.deepcopy(memo[key])
        prediction = original(self, tracker, domain, rule_only_data=rule_only_data,
                              precomputations=precomputations, **kwargs)
        if key is not None:
            memo[key] = copy.deepcopy(prediction)
            if len(memo) > TED_MEMO_SIZE:
                memo.popitem(last=False)
        return prediction

    TEDPolicy.predict_action_probabilities = predict
