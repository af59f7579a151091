"""Handoff test fixtures (see tests/handoff/fixtures.py)."""
from tests.handoff.fixtures import (  # noqa: F401 - fixtures
    accounts,
    deliveries,
    factory,
    officers,
    rasa_api,
    runtime,
    service,
)
