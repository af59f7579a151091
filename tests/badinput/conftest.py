"""Bad-input fixtures (officer/admin sessions on the real stack, the Telegram bridge)
and the catalogue printed at the end of the run."""
from __future__ import annotations

import importlib.util
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from tests.badinput.catalogue import ROWS, table
from tests.fake_telegram import fake_telegram  # noqa: F401 - fixture
from tests.stack import Stack
from tests.telegram.conftest import fake_rasa, start_bridge  # noqa: F401 - fixtures

HAS_CONSOLE = importlib.util.find_spec("bot.console.app") is not None
HAS_ADMIN = importlib.util.find_spec("bot.admin.web") is not None
PASSWORD = "Bad-input-test-2026!"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    terminalreporter.section("bad-input catalogue")
    for line in table(ROWS):
        terminalreporter.write_line(line)


@dataclass
class Browser:
    """A logged-in console session over real HTTP."""

    session: requests.Session
    base: str
    csrf: str

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.get(self.base + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.post(self.base + path, allow_redirects=False, timeout=30, **kwargs)


def login(base: str, username: str) -> Browser:
    session = requests.Session()
    page = session.get(f"{base}/console/login", timeout=30).text
    token = CSRF.search(page).group(1)  # type: ignore[union-attr]
    response = session.post(f"{base}/console/login", allow_redirects=False, timeout=30,
                            data={"csrf": token, "username": username, "password": PASSWORD,
                                  "next": "/console/queue"})
    assert response.status_code == 302, response.text[:300]
    queue = session.get(f"{base}/console/queue", timeout=30).text
    return Browser(session, base, CSRF.search(queue).group(1))  # type: ignore[union-attr]


@dataclass
class Accounts:
    officer: Browser
    admin: Browser


@pytest.fixture(scope="module")
def accounts(stack: Stack) -> Iterator[Accounts]:
    """An officer and an admin in the stack's database, both logged in."""
    if not HAS_CONSOLE:
        pytest.skip("bot.console is not present")
    from bot.accounts.service import AccountService
    from bot.store.db import make_engine, make_session_factory

    engine = make_engine(stack.env["DATABASE_URL"])
    service = AccountService(make_session_factory(engine))
    suffix = uuid.uuid4().hex[:6]
    service.create(f"bad_officer_{suffix}", "测试民警", PASSWORD)
    service.create(f"bad_admin_{suffix}", "测试管理员", PASSWORD, role="admin")
    try:
        yield Accounts(login(stack.gateway_url, f"bad_officer_{suffix}"),
                       login(stack.gateway_url, f"bad_admin_{suffix}"))
    finally:
        engine.dispose()
