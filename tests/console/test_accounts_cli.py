"""``python -m bot accounts``: add, list, passwd, disable, enable, unlock."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

import bot.accounts.service as accounts_module
from bot.accounts.cli import main
from bot.accounts.service import AccountService
from bot.settings import REPO_ROOT
from bot.store.db import make_engine, make_session_factory
from tests.handoff.fixtures import fast_hasher


def run(url: str, *argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main([*argv[:1], "--db", url, *argv[1:]], out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts_module, "PasswordHasher", fast_hasher)


def test_account_lifecycle(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(sqlite_url, "add", "wang", "--name", "王警官", "--password-stdin",
                    stdin="long-enough-pw\n")
    assert code == 0 and "wang\t王警官\tofficer\tactive" in out
    assert run(sqlite_url, "add", "chief", "--name", "赵队", "--role", "admin", "--telegram-id",
               "555", "--password-stdin", stdin="another-pw-1\n")[0] == 0
    code, out = run(sqlite_url, "list")
    assert out.splitlines() == ["chief\t赵队\tadmin\tactive telegram=555", "wang\t王警官\tofficer\tactive"]
    assert run(sqlite_url, "add", "wang", "--name", "x", "--password-stdin", stdin="long-enough-pw\n")[0] == 1
    assert "已被使用" in capsys.readouterr().err
    assert run(sqlite_url, "add", "zhao", "--name", "x", "--password-stdin", stdin="short\n")[0] == 1
    assert run(sqlite_url, "passwd", "wang", "--password-stdin", stdin="brand-new-pw\n")[0] == 0
    accounts = AccountService(make_session_factory(make_engine(sqlite_url)), hasher=fast_hasher())
    assert accounts.authenticate("wang", "brand-new-pw").ok
    assert not accounts.authenticate("wang", "long-enough-pw").ok
    assert run(sqlite_url, "disable", "wang")[0] == 0
    assert not accounts.authenticate("wang", "brand-new-pw").ok
    assert run(sqlite_url, "enable", "wang")[0] == 0
    for _ in range(5):
        accounts.authenticate("wang", "nope")
    assert "locked until" in run(sqlite_url, "list")[1]
    assert run(sqlite_url, "unlock", "wang")[0] == 0
    assert accounts.authenticate("wang", "brand-new-pw").ok
    assert run(sqlite_url, "disable", "nobody")[0] == 1


def test_usage_errors_and_the_bot_entry_point(tmp_path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["add", "wang"])  # --name missing
    assert exit_info.value.code == 2
    result = subprocess.run([sys.executable, "-m", "bot", "accounts", "list", "--db",
                             f"sqlite:///{tmp_path / 'cli.db'}"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
