"""The admin pages through aiohttp's test client: login, roles, CSRF, inbox, jobs, deploy."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from bot.accounts.service import AccountService
from bot.admin.config import AdminConfig
from bot.admin.figures import Figures
from bot.admin.inbox import text_key
from bot.admin.service import AdminService
from bot.admin.web.context import ADMIN_KEY, Admin
from bot.admin.web.context import ADMIN_PREFIX as ADMIN
from tests.admin.conftest import GIBBERISH, LOW
from tests.admin.fake_rasa import FakeRasa
from tests.admin.seed import Say, seed_tracker

PASSWORD = "correct horse 1"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    yield fake
    fake.close()


@pytest.fixture
def config(admin_config: AdminConfig, rasa: FakeRasa) -> AdminConfig:
    return admin_config.with_overrides(rasa_backends=(rasa.url,))


@pytest.fixture
async def client(aiohttp_client: Any, config: AdminConfig) -> TestClient:
    """The real gateway (console + admin) on the test databases, with two accounts."""
    from bot.gateway.app import create_app
    from bot.settings import settings_from_env

    service = AdminService(config)
    accounts = AccountService(service.factory, hasher=FAST)
    accounts.create("boss", "管理员甲", PASSWORD, role="admin")
    accounts.create("wang", "王警官", PASSWORD, role="officer")
    service.close()
    settings = settings_from_env({"DATABASE_URL": config.database_url,
                                  "TRACKER_STORE_URL": config.tracker_store_url,
                                  "RASA_URL": config.rasa_backends[0]})
    app = create_app(settings)
    app[ADMIN_KEY].close()
    app[ADMIN_KEY] = Admin(settings, config)  # the test's project copy and var dir
    return await aiohttp_client(app)


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def login(client: TestClient, username: str = "boss") -> str:
    """Log in through the console's login page; returns the session's CSRF token."""
    page = await client.get("/console/login")
    token = _hidden(await page.text(), "csrf")
    response = await client.post("/console/login", data={"csrf": token, "username": username,
                                                         "password": PASSWORD, "next": ADMIN + "inbox"},
                                 allow_redirects=False)
    assert response.status == 302, await response.text()
    assert response.headers["Location"] == ADMIN + "inbox"
    inbox = await client.get(ADMIN + "inbox")
    return _hidden(await inbox.text(), "csrf") if username == "boss" else ""


async def test_pages_need_a_console_login(client: TestClient) -> None:
    response = await client.get("/admin", allow_redirects=False)
    assert response.headers["Location"] == ADMIN + "inbox"
    response = await client.get(ADMIN + "inbox", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/console/login?next=" + quote(ADMIN + "inbox")
    polled = await client.get(ADMIN + "jobs/current.json", headers={"X-Fragment": "1"})
    assert polled.status == 401


async def test_officers_are_not_admins(client: TestClient) -> None:
    await login(client, "wang")
    response = await client.get(ADMIN + "inbox")
    assert response.status == 403 and "只有管理员" in await response.text()
    assert (await client.get(ADMIN + "jobs/current.json")).status == 403


async def test_inbox_shows_masked_escaped_items_and_insight(client: TestClient, config: AdminConfig,
                                                            seeded: datetime, tmp_path: Any) -> None:
    await asyncio.to_thread(seed_tracker, tmp_path / "tracker.db", {"c-xss": (seeded, [
        Say("<script>alert(1)</script> 我电话13912345678", [("greet", 0.2)])])})
    await login(client)
    response = await client.get(ADMIN + "inbox")
    html = await response.text()
    assert response.status == 200
    assert LOW in html and "138****5678" in html and "13812345678" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "样本偏少的意图" in html and "重新训练" in html
    assert f'href="{ADMIN}conversations/c-low"' in html
    filtered = await (await client.get(ADMIN + "inbox", params={"source": "bad_rating"})).text()
    assert "交通事故认定书不服" in filtered and LOW not in filtered


async def test_labelling_needs_csrf_and_works_in_bulk(client: TestClient, seeded: datetime) -> None:
    csrf = await login(client)
    form = {"row": f"label:{text_key(LOW)}", f"label_{text_key(LOW)}": "describe_matter/vehicle_impound"}
    assert (await client.post(ADMIN + "inbox/decide", data=form)).status == 403
    response = await client.post(ADMIN + "inbox/decide", data={**form, "csrf": csrf}, allow_redirects=False)
    assert response.status == 302 and "msg=labelled" in response.headers["Location"]
    bulk = [("csrf", csrf), ("bulk", "noise"), ("keys", text_key(GIBBERISH)), ("back", ADMIN + "inbox?status=open")]
    response = await client.post(ADMIN + "inbox/decide", data=bulk, allow_redirects=False)
    assert response.headers["Location"] == ADMIN + "inbox?status=open&msg=noise"
    html = await (await client.get(ADMIN + "inbox", params={"status": "all"})).text()
    assert "已标注：事项：" in html and "噪声" in html
    response = await client.post(ADMIN + "inbox/decide", data={"csrf": csrf, "bulk": "label", "bulk_label": "bogus",
                                                              "keys": text_key(LOW)}, allow_redirects=False)
    assert "msg=bad_label" in response.headers["Location"]


async def test_retrain_is_refused_while_a_job_runs(client: TestClient, config: AdminConfig) -> None:
    csrf = await login(client)
    service = AdminService(config)
    job = service.jobs.create("v-busy", "someone", config.var_dir / "busy.log")
    service.jobs.progress(job.id, "train", 0.4, "DIETClassifier 50%")
    service.close()
    response = await client.post(ADMIN + "retrain", data={"csrf": csrf})
    html = await response.text()
    assert str(response.url).endswith(f"{ADMIN}jobs/{job.id}?msg=job_refused")
    assert "同一时间只能运行一个训练任务" in html and "训练模型（rasa train）" in html
    status = await (await client.get(f"{ADMIN}jobs/{job.id}.json")).json()
    assert status["active"] and status["step"] == "train" and status["progress"] == 0.4
    assert status["detail"] == "DIETClassifier 50%"
    current = await (await client.get(ADMIN + "jobs/current.json")).json()
    assert current["id"] == job.id


def _finished_job(config: AdminConfig, candidate: Figures, deployed: Figures) -> dict[str, Any]:
    service = AdminService(config)
    initial = service.registry.ensure_initial(config.initial_model)
    service.registry.set_figures(initial.version, deployed)
    job = service.jobs.create("v-new", "boss", config.var_dir / "new.log")
    path = config.candidates_dir / "v-new.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    service.registry.add("v-new", path, "c" * 64, candidate, job.id, "boss")
    service.jobs.finish(job.id, True, result={"version": "v-new", "candidate": candidate.to_dict(),
                                              "deployed": deployed.to_dict(), "deployed_version": "initial"})
    service.close()
    return {"id": job.id, "path": path}


async def test_result_page_gate_refusal_and_override(client: TestClient, config: AdminConfig,
                                                      rasa: FakeRasa) -> None:
    deployed = Figures(0.95, 0.97, 0.02, per_intent_f1={"greet": 1.0}, heldout="h")
    worse = Figures(0.90, 0.97, 0.02, per_intent_f1={"greet": 0.8}, heldout="h")
    job = _finished_job(config, worse, deployed)
    csrf = await login(client)
    html = await (await client.get(f"{ADMIN}jobs/{job['id']}")).text()
    assert "0.950" in html and "0.900" in html and "-0.050" in html
    assert "意图宏平均 F1变差" in html and 'name="override_reason"' in html
    response = await client.post(ADMIN + "models/v-new/deploy", data={"csrf": csrf, "job": str(job["id"])})
    assert response.status == 409 and "部署被拦截" in await response.text()
    assert rasa.loads == []
    response = await client.post(ADMIN + "models/v-new/deploy",
                                 data={"csrf": csrf, "job": str(job["id"]), "override_reason": "领导批准"})
    assert response.status == 200 and str(response.url).endswith(ADMIN + "models?msg=deployed")
    html = await response.text()
    assert "领导批准" in html and 'id="deployed-version">v-new<' in html
    assert rasa.model_file == "v-new.tar.gz"
    response = await client.post(ADMIN + "rollback", data={"csrf": csrf})
    assert str(response.url).endswith("msg=rolled_back") and rasa.model_file == "current.tar.gz"


async def test_conversation_transcript_is_masked(client: TestClient, seeded: datetime) -> None:
    await login(client)
    html = await (await client.get(ADMIN + "conversations/c-handoff")).text()
    assert "138****5678" in html and "13812345678" not in html and "（转人工）" in html
    assert "办理需要带身份证" in html


async def test_transcript_views_exports_and_retraining_are_audited(
        client: TestClient, config: AdminConfig, seeded: datetime,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.admin.service as service_module
    from bot.audit.log import AuditLog

    def start_job(cfg: AdminConfig, store: Any, requested_by: str) -> Any:
        return store.create("v-audit", requested_by, cfg.var_dir / "audit.log")  # no training

    monkeypatch.setattr(service_module, "start_job", start_job)
    csrf = await login(client)
    forged = {"X-Forwarded-For": "10.9.9.9"}  # no trusted proxy: must not be recorded
    assert (await client.get(ADMIN + "conversations/c-handoff", headers=forged)).status == 200
    await client.post(ADMIN + "export", data={"csrf": csrf}, headers=forged)
    started = await client.post(ADMIN + "retrain", data={"csrf": csrf}, allow_redirects=False)
    job_id = int(started.headers["Location"].split("/jobs/")[1].split("?")[0])
    await client.post(f"{ADMIN}jobs/{job_id}/cancel", data={"csrf": csrf}, allow_redirects=False)
    service = AdminService(config)
    entries = {e.action: e for e in AuditLog(service.factory).recent(50, actor="boss")}
    service.close()
    assert (entries["view_transcript"].target_type, entries["view_transcript"].target_id) == \
        ("conversation", "c-handoff")
    assert '"changed"' in entries["nlu_export"].detail
    assert entries["retrain_start"].target_id == str(job_id)
    assert '"cancelled": true' in entries["retrain_cancel"].detail
    for action in ("view_transcript", "nlu_export", "retrain_start", "retrain_cancel"):
        assert entries[action].ip == "127.0.0.1", action


async def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = await login(client)
    await client.post("/console/logout", data={"csrf": csrf})
    response = await client.get(ADMIN + "inbox", allow_redirects=False)
    assert response.status == 302


def test_status_json_is_plain_data(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the job page polls: only JSON types (no datetimes), the log tail, the page URL."""
    from bot.admin.jobs import STATUS_LABELS, STEP_LABELS, JobView
    from bot.admin.web import views

    started = datetime(2026, 3, 2, 2, 0)
    monkeypatch.setattr(views, "utc_now", lambda: started + timedelta(seconds=75.4))
    log = tmp_path / "job.log"
    log.write_text("".join(f"line {i}\n" for i in range(50)), encoding="utf-8")
    job = JobView(7, "v-7", "running", "train", 0.41666, "DIETClassifier", "boss", started,
                  started, None, started, 4242, str(log), None, "abc123", None, None)
    data = views.job_json(job, tail=3)
    assert json.loads(json.dumps(data)) == data  # json.dumps raises on datetimes, paths, …
    assert data == {"id": 7, "version": "v-7", "status": "running",
                    "status_label": STATUS_LABELS["running"], "step": "train",
                    "step_label": STEP_LABELS["train"], "detail": "DIETClassifier",
                    "progress": 0.417, "active": True, "seconds": 75, "error": "",
                    "log": "line 47\nline 48\nline 49", "url": ADMIN + "jobs/7"}
    finished = dataclasses.replace(job, status="failed", finished_at=started + timedelta(seconds=9),
                                   error="训练失败", log_path=str(tmp_path / "missing.log"))
    data = views.job_json(finished)
    assert (data["active"], data["seconds"], data["error"], data["log"]) == (False, 9, "训练失败", "")
