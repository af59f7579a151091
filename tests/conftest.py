"""Shared pytest fixtures; database fixtures live in tests/conftest_db.py."""
import os
from collections.abc import Callable, Iterator

import pytest

# Sanic (imported by Rasa) calls filterwarnings("once", DeprecationWarning) when first
# imported, in front of pytest.ini's narrow filters, for the rest of that test. Imported
# here, inside pytest's configuration-time warnings context (restored afterwards), it
# cannot override them in a test.
import sanic  # noqa: F401

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytest_plugins = ["tests.conftest_db", "tests.stack", "tests.production.fixtures"]

# The stack's settings for office hours (read by bot.settings in every process it starts):
# officers on duty around the clock, so what the stack tests see does not depend on when
# they run. After-hours behaviour is tested with an injected clock and settings
# (tests/handoff/test_citizen_side.py, tests/handoff/test_actions.py).
STACK_OFFICE_HOURS = {"OFFICE_HOURS": "0-24", "OFFICE_ALL_WEEK": "1"}


@pytest.fixture(scope="session")
def _stack_office_hours() -> Iterator[Callable[[], None]]:
    """Put STACK_OFFICE_HOURS into the environment the stack is started with; yields the
    function that restores the previous environment (called once the stack runs)."""
    saved = {name: os.environ.get(name) for name in STACK_OFFICE_HOURS}

    def restore() -> None:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    os.environ.update(STACK_OFFICE_HOURS)
    try:
        yield restore
    finally:
        restore()


@pytest.fixture(scope="session")
def stack(_stack_office_hours: Callable[[], None], stack):  # type: ignore[no-untyped-def]
    """tests/stack.py's ``stack``, started with STACK_OFFICE_HOURS. Only its processes get
    them: the environment of this test process is restored at once (in-process tests
    keep the real defaults)."""
    _stack_office_hours()
    assert {name: stack.env.get(name) for name in STACK_OFFICE_HOURS} == STACK_OFFICE_HOURS
    return stack
