"""Our replacements of private Rasa methods, applied only where they were made for.

:mod:`bot.launch.rasa_speedups` (cached action-response validation, memoised TED)
and the tracker store's read fast path (:func:`bot.launch.tracker_store.install_fast_paths`)
replace or call private Rasa methods. A Rasa upgrade can rename such a method (the
speed-up silently disappears) or change its signature (every prediction breaks at
run time). So :func:`apply` — called by ``python -m bot.launch.rasa_server``, the one
entry point of every Rasa server the launcher starts, before Rasa loads anything —
first checks the installed Rasa version and, with :func:`inspect.signature`, every
method a patch replaces or relies on. On any mismatch it logs one error naming
every difference and applies nothing: Rasa runs stock (slower, still correct; the
tracker store keeps scrubbing personal data, which uses no private method).

The expected signatures are those of Rasa 3.6.21; ``tests/production/test_rasa_patches.py``
asserts they match the installed Rasa.
"""
from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

SUPPORTED_RASA_VERSIONS = ("3.6.21",)

_FEATURIZER_STATES = (
    "(self, trackers: 'List[DialogueStateTracker]', domain: 'Domain', "
    "use_text_for_last_user_input: 'bool' = False, ignore_rule_only_turns: 'bool' = False, "
    "rule_only_data: 'Optional[Dict[Text, Any]]' = None, "
    "ignore_action_unlikely_intent: 'bool' = False) -> 'List[List[State]]'")


@dataclass(frozen=True)
class Expected:
    """A Rasa callable (``module:Class.attribute``) and the signature a patch assumes."""

    target: str
    signature: str


@dataclass(frozen=True)
class Patch:
    """One patch: what it assumes of Rasa, what it replaces, how to install it."""

    name: str
    expects: tuple[Expected, ...]
    replaces: tuple[str, ...]  # ``module:Class.attribute`` set by ``install``
    install: Callable[[], None]


def _install_action_validation() -> None:
    from bot.launch import rasa_speedups

    rasa_speedups.install_action_validation()


def _install_ted_memo() -> None:
    from bot.launch import rasa_speedups

    rasa_speedups.install_ted_memo()


def _install_tracker_fast_paths() -> None:
    from bot.launch import tracker_store

    tracker_store.install_fast_paths()


PATCHES: tuple[Patch, ...] = (
    Patch(
        "cached action-response validator",
        (Expected("rasa.core.actions.action:RemoteAction._validate_action_result",
                  "(self, result: Dict[str, Any]) -> bool"),
         Expected("rasa.core.actions.action:RemoteAction.action_response_format_spec",
                  "() -> Dict[str, Any]")),
        ("rasa.core.actions.action:RemoteAction._validate_action_result",),
        _install_action_validation),
    Patch(
        "memoised TED predictions",
        (Expected("rasa.core.policies.ted_policy:TEDPolicy.predict_action_probabilities",
                  "(self, tracker: 'DialogueStateTracker', domain: 'Domain', "
                  "rule_only_data: 'Optional[Dict[Text, Any]]' = None, "
                  "precomputations: 'Optional[MessageContainerForCoreFeaturization]' = None, "
                  "**kwargs: 'Any') -> 'PolicyPrediction'"),
         Expected("rasa.core.featurizers.tracker_featurizers:TrackerFeaturizer.prediction_states",
                  _FEATURIZER_STATES),
         Expected("rasa.core.featurizers.tracker_featurizers:"
                  "MaxHistoryTrackerFeaturizer.prediction_states", _FEATURIZER_STATES),
         Expected("rasa.core.policies.ted_policy:TEDPolicy.supported_data",
                  "() -> 'SupportedData'")),
        ("rasa.core.policies.ted_policy:TEDPolicy.predict_action_probabilities",),
        _install_ted_memo),
    Patch(
        "tracker store read fast path",
        (Expected("rasa.core.tracker_store:SQLTrackerStore._retrieve",
                  "(self, sender_id: 'Text', fetch_events_from_all_sessions: 'bool') "
                  "-> 'Optional[DialogueStateTracker]'"),
         Expected("rasa.core.tracker_store:SQLTrackerStore._event_query",
                  "(self, session: \"'Session'\", sender_id: 'Text', "
                  "fetch_events_from_all_sessions: 'bool') -> \"'Query'\"")),
        ("bot.launch.tracker_store:GuardedSQLTrackerStore._retrieve",),
        _install_tracker_fast_paths),
)

_MISSING = object()
# What apply() replaced: (owner, attribute, the owner's own previous value or _MISSING).
_replaced: list[tuple[Any, str, Any]] = []
_applied = False


def installed_rasa_version() -> str:
    import rasa

    return str(rasa.__version__)


def _owner_and_name(target: str) -> tuple[Any, str]:
    module_name, _, path = target.partition(":")
    *owner_path, name = path.split(".")
    owner: Any = importlib.import_module(module_name)
    for part in owner_path:
        owner = getattr(owner, part)
    return owner, name


def signature_of(target: str) -> str | None:
    """``str(inspect.signature(…))`` of ``module:Class.attribute``; ``None`` if it is gone."""
    try:
        owner, name = _owner_and_name(target)
        return str(inspect.signature(getattr(owner, name)))
    except (ImportError, AttributeError, TypeError, ValueError):
        return None


def mismatches(rasa_version: str | None = None) -> list[str]:
    """Every difference between the installed Rasa and what the patches expect."""
    problems: list[str] = []
    version = installed_rasa_version() if rasa_version is None else rasa_version
    if version not in SUPPORTED_RASA_VERSIONS:
        problems.append(f"Rasa {version} is installed, the patches were written for "
                        f"{', '.join(SUPPORTED_RASA_VERSIONS)}")
    for patch in PATCHES:
        for expected in patch.expects:
            found = signature_of(expected.target)
            if found is None:
                problems.append(f"{patch.name}: {expected.target} no longer exists")
            elif found != expected.signature:
                problems.append(f"{patch.name}: {expected.target} has signature {found}, "
                                f"expected {expected.signature}")
    return problems


def apply(rasa_version: str | None = None) -> bool:
    """Install every patch if Rasa is what they were written for; otherwise log one error and leave Rasa stock.

    Returns whether the patches are installed (idempotent).
    """
    global _applied
    if _applied:
        return True
    problems = mismatches(rasa_version)
    if problems:
        logger.error("Rasa patches NOT applied, running stock Rasa (slower, still correct): "
                     "%s. Update bot/launch/rasa_patches.py and the patches it lists.",
                     "; ".join(problems))
        return False
    try:
        for patch in PATCHES:
            for target in patch.replaces:
                owner, name = _owner_and_name(target)
                _replaced.append((owner, name, owner.__dict__.get(name, _MISSING)))
            patch.install()
    except Exception as error:  # noqa: BLE001 - any failure: back to stock Rasa, say why
        restore()
        logger.error("Rasa patches NOT applied, running stock Rasa (slower, still correct): "
                     "installing %r failed (%s: %s)", patch.name, type(error).__name__, error)
        return False
    _applied = True
    logger.info("Rasa patches applied: %s", ", ".join(p.name for p in PATCHES))
    return True


def applied() -> bool:
    return _applied


def restore() -> None:
    """Undo :func:`apply` (for tests that need stock Rasa after a patched one)."""
    global _applied
    while _replaced:
        owner, name, previous = _replaced.pop()
        if previous is _MISSING:
            if name in owner.__dict__:
                delattr(owner, name)
        else:
            setattr(owner, name, previous)
    _applied = False

