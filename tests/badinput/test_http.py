"""Bad input over HTTP: web chat, Rasa's REST webhook, officer console and admin pages.

Runs against the real stack (``stack`` fixture: Rasa, action server, gateway).
A well-formed chat request carrying odd text gets a clear answer (200); a request
that is malformed, too large or not allowed gets a 4xx; nothing gets a 5xx or a
stack trace. Console/admin rows are skipped while those modules do not exist.
"""
from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests

from bot.conversation.router import EMPTY_REPLY, TOO_LONG_REPLY
from tests.badinput.catalogue import CHINESE, leaks, record, short
from tests.badinput.conftest import HAS_ADMIN, HAS_CONSOLE, Accounts
from tests.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.slow]

HUGE = 300 * 1024  # above the gateway's client_max_size (256 KiB)
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE cases; -- 1' OR '1'='1"
CONTROL = "\x00\x07你好\x1b[31m\u202e\u200b"


@dataclass
class Ctx:
    stack: Stack
    request: pytest.FixtureRequest

    @property
    def accounts(self) -> Accounts:
        return self.request.getfixturevalue("accounts")  # type: ignore[no-any-return]

    def url(self, path: str) -> str:
        return self.stack.gateway_url + path


Send = Callable[[Ctx], requests.Response]
Check = Callable[[requests.Response], bool]


@dataclass(frozen=True)
class Case:
    entry: str
    name: str
    expected: str
    send: Send
    check: Check
    needs: str = ""


def admin(tail: str) -> str:
    """A path of the admin pages (they live under the console's prefix)."""
    from bot.admin.web.context import ADMIN_PREFIX

    return ADMIN_PREFIX + tail


def sender() -> str:
    return "web-bad" + uuid.uuid4().hex[:12]


def chat(message: object, who: str | None = None) -> Send:
    return lambda ctx: requests.post(ctx.url("/api/chat"), timeout=60,
                                     json={"sender": who or sender(), "message": message})


def raw_chat(body: bytes, content_type: str = "application/json") -> Send:
    return lambda ctx: requests.post(ctx.url("/api/chat"), data=body, timeout=30,
                                     headers={"Content-Type": content_type})


def rest(body: bytes) -> Send:
    return lambda ctx: requests.post(f"{ctx.stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     params=ctx.stack.rasa_auth,
                                     timeout=120, headers={"Content-Type": "application/json"})


def replies(response: requests.Response) -> str:
    return "\n".join(m.get("text", "") for m in response.json().get("messages", []))


def answered(contains: str = "") -> Check:
    """200 with a Chinese reply (containing ``contains``) — not the busy reply, which on a
    healthy stack means an action crashed on this input."""
    def check(response: requests.Response) -> bool:
        if response.status_code != 200:
            return False
        text = replies(response)
        return bool(CHINESE.search(text)) and contains in text and "系统繁忙" not in text
    return check


def refused(*codes: int, chinese: bool = True) -> Check:
    def check(response: requests.Response) -> bool:
        return response.status_code in codes and (not chinese or bool(CHINESE.search(response.text)))
    return check


def to_login(response: requests.Response) -> bool:
    """A page asked for without a session: redirect to a login page, or 401/403."""
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303) and "login" in response.headers.get("Location", "")


def rasa_ok(response: requests.Response) -> bool:
    return response.status_code in (200, 400) and isinstance(response.json(), (list, dict))


WEBCHAT = "web chat /api/chat"
REST = "Rasa REST webhook"
CONSOLE = "officer console"
ADMIN = "admin pages"

CASES: list[Case] = [
    Case(WEBCHAT, "empty message", "200 + 空消息提示", chat(""), answered(EMPTY_REPLY[:6])),
    Case(WEBCHAT, "whitespace only", "200 + 空消息提示", chat(" \n\t\u3000 "),
         answered(EMPTY_REPLY[:6])),
    Case(WEBCHAT, "20,000 characters", "200 + 太长提示", chat("事故" * 10_000),
         answered(TOO_LONG_REPLY[:8])),
    Case(WEBCHAT, "emoji only", "200 + 回答", chat("🚗💥😡🙏"), answered()),
    Case(WEBCHAT, "control/bidi characters", "200 + 回答(已清理)", chat(CONTROL), answered()),
    Case(WEBCHAT, "invalid UTF-8 body", "400 + 中文说明",
         raw_chat(b'{"sender": "web-abcdefgh12", "message": "\xff\xfe\xfa"}'), refused(400)),
    Case(WEBCHAT, "malformed JSON", "400 + 中文说明", raw_chat(b'{"sender": "web-x", "mes'),
         refused(400)),
    Case(WEBCHAT, "JSON array instead of object", "400 + 中文说明", raw_chat(b'["hi"]'),
         refused(400)),
    Case(WEBCHAT, "message is a number", "400 + 中文说明", chat(12345), refused(400)),
    Case(WEBCHAT, "forged sender id", "400 + 中文说明",
         lambda ctx: requests.post(ctx.url("/api/chat"), timeout=30,
                                   json={"sender": "../../etc' OR 1=1", "message": "你好"}),
         refused(400)),
    Case(WEBCHAT, "form-encoded body", "400 + 中文说明",
         raw_chat(b"sender=web-abcdefgh12&message=hi", "application/x-www-form-urlencoded"),
         refused(400)),
    Case(WEBCHAT, "HTML/JS", "200 + 回答, 不回显脚本", chat(HTML),
         lambda r: answered()(r) and "<script" not in replies(r)),
    Case(WEBCHAT, "SQL fragment", "200 + 回答", chat(SQL), answered()),
    Case(WEBCHAT, "oversized upload (300 KiB)", "413 + 中文说明",
         raw_chat(json.dumps({"sender": "web-abcdefgh12", "message": "x" * HUGE}).encode()),
         refused(413)),
    Case(WEBCHAT, "GET instead of POST", "405", lambda ctx: requests.get(ctx.url("/api/chat"),
                                                                         timeout=30),
         refused(405, chinese=False)),
    Case(WEBCHAT, "unknown path", "404", lambda ctx: requests.get(ctx.url("/api/../../etc/passwd"),
                                                                  timeout=30),
         refused(404, chinese=False)),
    Case(REST, "malformed JSON", "4xx/empty list, no 5xx", rest(b'{"sender": "x", "mes'),
         lambda r: r.status_code < 500),
    Case(REST, "invalid UTF-8", "no 5xx", rest(b'{"sender": "rest-bad", "message": "\xff\xfe"}'),
         lambda r: r.status_code < 500),
    Case(REST, "empty message", "200 list", rest(b'{"sender": "rest-bad", "message": ""}'),
         rasa_ok),
    Case(REST, "HTML/JS + SQL", "200 list", rest(json.dumps(
        {"sender": "rest-bad", "message": HTML + SQL}).encode()), rasa_ok),
    Case(REST, "5,000 characters", "200 list", rest(json.dumps(
        {"sender": "rest-bad-long", "message": "事故认定书" * 1000}).encode()), rasa_ok),
    Case(CONSOLE, "page without login", "302 → login", lambda ctx: requests.get(
        ctx.url("/console/queue"), allow_redirects=False, timeout=30), to_login, "console"),
    Case(CONSOLE, "claim without login", "401", lambda ctx: requests.post(
        ctx.url("/console/handoffs/1/claim"), data={"csrf": "x"}, timeout=30,
        allow_redirects=False), refused(401, 403), "console"),
    Case(CONSOLE, "login without CSRF token", "403", lambda ctx: requests.post(
        ctx.url("/console/login"), data={"username": "admin", "password": "x"}, timeout=30,
        allow_redirects=False), refused(403), "console"),
    Case(CONSOLE, "oversized login form", "413", lambda ctx: requests.post(
        ctx.url("/console/login"), data={"username": "x" * HUGE}, timeout=30,
        allow_redirects=False), refused(413), "console"),
    Case(CONSOLE, "invalid UTF-8 form", "4xx", lambda ctx: requests.post(
        ctx.url("/console/login"), data=b"username=\xff\xfe&password=\xfa", timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded"}, allow_redirects=False),
        lambda r: 400 <= r.status_code < 500, "console"),
    Case(CONSOLE, "POST without CSRF (logged in)", "403", lambda ctx: ctx.accounts.officer.post(
        "/console/handoffs/1/claim", data={}), refused(403), "console"),
    Case(CONSOLE, "POST with forged CSRF", "403", lambda ctx: ctx.accounts.officer.post(
        "/console/handoffs/1/claim", data={"csrf": "forged-token"}), refused(403), "console"),
    Case(CONSOLE, "officer opens admin-only accounts", "403", lambda ctx: ctx.accounts.officer.get(
        "/console/accounts"), refused(403), "console"),
    Case(CONSOLE, "forged case number", "404", lambda ctx: ctx.accounts.officer.get(
        "/console/cases/XF-2099-999999"), refused(404, chinese=False), "console"),
    Case(CONSOLE, "case number with HTML", "4xx", lambda ctx: ctx.accounts.officer.get(
        "/console/cases/%3Cscript%3E"), lambda r: 400 <= r.status_code < 500, "console"),
    Case(CONSOLE, "handoff id not a number", "404", lambda ctx: ctx.accounts.officer.get(
        "/console/handoffs/1%27%20OR%201=1"), lambda r: 400 <= r.status_code < 500, "console"),
    Case(CONSOLE, "SQL in case search", "200", lambda ctx: ctx.accounts.officer.get(
        "/console/cases", params={"q": SQL}), lambda r: r.status_code == 200, "console"),
    Case(ADMIN, "admin page without login", "302 → login / 401", lambda ctx: requests.get(
        ctx.url(admin("inbox")), allow_redirects=False, timeout=30), to_login, "admin"),
    Case(ADMIN, "admin POST without login", "401/403", lambda ctx: requests.post(
        ctx.url(admin("inbox/decide")), data={"action": "noise"}, timeout=30,
        allow_redirects=False), lambda r: r.status_code in (401, 403), "admin"),
    Case(ADMIN, "officer opens admin inbox", "403", lambda ctx: ctx.accounts.officer.get(
        admin("inbox")), lambda r: r.status_code == 403, "admin"),
    Case(ADMIN, "officer opens model registry", "403", lambda ctx: ctx.accounts.officer.get(
        admin("models")), lambda r: r.status_code == 403, "admin"),
    Case(ADMIN, "admin POST without CSRF", "403", lambda ctx: ctx.accounts.admin.post(
        admin("inbox/decide"), data={"action": "noise"}), lambda r: r.status_code == 403,
         "admin"),
    Case(ADMIN, "admin POST with forged CSRF", "403", lambda ctx: ctx.accounts.admin.post(
        admin("inbox/decide"), data={"action": "noise", "csrf": "forged"}),
         lambda r: r.status_code == 403, "admin"),
    Case(ADMIN, "forged job id", "404", lambda ctx: ctx.accounts.admin.get(
        admin("jobs/99999999")), lambda r: r.status_code == 404, "admin"),
    Case(ADMIN, "conversation id with HTML", "200/404, escaped", lambda ctx: ctx.accounts.admin.get(
        admin("conversations/%3Cscript%3Ealert(1)%3C%2Fscript%3E")),
         lambda r: r.status_code in (200, 404) and "<script>alert(1)" not in r.text, "admin"),
]


def _param(case: Case) -> object:
    missing = {"console": not HAS_CONSOLE, "admin": not HAS_ADMIN}.get(case.needs, False)
    if missing:
        record(case.entry, case.name, case.expected, f"bot.{case.needs} missing", None)
    marks = [pytest.mark.skip(reason=f"bot.{case.needs} does not exist yet")] if missing else []
    return pytest.param(case, id=f"{case.entry}: {case.name}", marks=marks)


@pytest.fixture
def ctx(stack: Stack, request: pytest.FixtureRequest) -> Ctx:
    return Ctx(stack, request)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_http_input(case: Case, ctx: Ctx) -> None:
    try:
        response = case.send(ctx)
    except Exception as error:
        record(case.entry, case.name, case.expected, f"exception {type(error).__name__}", False)
        raise
    body = response.text
    shown = replies(response) if "messages" in body[:20] and response.status_code == 200 else body
    outcome = f"{response.status_code} {short(shown, 40)}"
    ok = response.status_code < 500 and not leaks(body) and case.check(response)
    record(case.entry, case.name, case.expected, outcome, ok)
    assert response.status_code < 500, body[:500]
    assert not leaks(body), body[:500]
    assert case.check(response), outcome


def _texts(stack: Stack, who: str, message: str) -> str:
    response = requests.post(f"{stack.gateway_url}/api/chat", timeout=60,
                             json={"sender": who, "message": message})
    assert response.status_code == 200
    return replies(response)


def test_forged_case_numbers_and_brute_forced_query_codes(stack: Stack) -> None:
    """Every wrong guess gets the same answer; after a few the lookup is locked."""
    who = sender()
    answers: list[str] = []
    locked = ""
    for attempt in range(8):
        start = _texts(stack, who, "/check_case_status")
        if "暂停" in start:
            locked = start
            break
        _texts(stack, who, f"XF-2026-{999990 + attempt}")
        answer = _texts(stack, who, f"A1B2C3D{attempt}")
        if "暂停" in answer:  # the guess that triggers the lock says so
            locked = answer
            break
        answers.append(answer)
    uniform = len(answers) >= 3 and all(a == answers[0] and "不正确" in a for a in answers)
    record(WEBCHAT, "forged case numbers", "同一答复“不正确”",
           f"{len(answers)}× {short(answers[0], 34)}", uniform)
    record(WEBCHAT, f"brute-forced query codes ×{len(answers) + 1}", "查询暂停1小时",
           short(locked, 40), bool(locked))
    assert uniform, answers
    assert locked, answers


def _user_texts(stack: Stack, who: str) -> list[str]:
    events = stack.tracker(who)["events"]
    return [e.get("text") or "" for e in events if e["event"] == "user"]


def test_nothing_is_stored_wrongly(stack: Stack) -> None:
    """Refused input never reaches the conversation; cleaned input is stored cleaned;
    SQL fragments changed nothing; no case was filed by any bad input."""
    import sqlite3

    empty, long, control = sender(), sender(), sender()
    _texts(stack, empty, " \n ")
    _texts(stack, long, "事故" * 10_000)
    _texts(stack, control, CONTROL)
    checks = {
        "empty message not stored": _user_texts(stack, empty) == [],
        "20,000 chars not stored": _user_texts(stack, long) == [],
        "control chars stored cleaned": [
            "你好" in text and not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
            for text in _user_texts(stack, control)] == [True],
    }
    database = stack.env["DATABASE_URL"].replace("sqlite:///", "")
    with sqlite3.connect(database) as connection:
        bad_cases = connection.execute(
            "SELECT count(*) FROM cases WHERE sender_id LIKE 'web-bad%'").fetchone()[0]
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    checks["no case filed by bad input"] = bad_cases == 0
    checks["SQL fragments dropped nothing"] = "cases" in tables
    for name, ok in checks.items():
        record("storage", name, "true", str(ok).lower(), ok)
    assert all(checks.values()), checks


@pytest.mark.skipif(not HAS_CONSOLE, reason="bot.console does not exist yet")
def test_citizen_html_is_shown_escaped_in_the_console(stack: Stack, accounts: Accounts) -> None:
    import sqlite3

    who = sender()
    _texts(stack, who, "<script>alert('x')</script>我要投诉")
    _texts(stack, who, "转人工")
    database = stack.env["DATABASE_URL"].replace("sqlite:///", "")
    with sqlite3.connect(database) as connection:
        handoff = connection.execute("SELECT id FROM handoffs WHERE sender_id = ?",
                                     (who,)).fetchone()
    assert handoff, "转人工 opened no handoff"
    page = accounts.officer.get(f"/console/handoffs/{handoff[0]}").text
    escaped = "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    record(CONSOLE, "citizen HTML in transcript", "shown escaped, never run",
           "escaped" if escaped else "RAW <script> in page", escaped)
    assert escaped
