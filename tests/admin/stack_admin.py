"""Admin tools against the real running stack (the session ``stack`` fixture).

``stack_admin`` points the stack's gateway at a copy of the project (via
``<var>/admin.yml``, so retraining never writes into the repository's data/),
creates an admin account and gives the test an ``AdminService`` on the stack's
databases.  ``trained_run`` trains at most once per session: it reuses a
succeeded job whose data contains the labelled example (e.g. the browser test's).
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from bot.admin.config import AdminConfig, load_config
from bot.admin.jobs import JobView
from bot.admin.service import AdminService
from bot.settings import REPO_ROOT, settings_from_env
from tests.admin.project import copy_project
from tests.stack import Stack

MISUNDERSTOOD = "帮我订张机票"   # the deployed model falls back (file_petition vs out_of_scope)
RIGHT_LABEL = "out_of_scope"
ADMIN_USER, ADMIN_PASSWORD = "admin-test", "admin-pass-2026"
TRAIN_TIMEOUT = 1500


@dataclass
class StackAdmin:
    stack: Stack
    config: AdminConfig
    service: AdminService
    project: Path

    def parse(self, text: str) -> str:
        """The intent the running Rasa server gives ``text``."""
        response = requests.post(f"{self.stack.rasa_url}/model/parse", json={"text": text},
                                 params=self.stack.rasa_auth, timeout=60)
        response.raise_for_status()
        return str(response.json()["intent"]["name"])

    def model_file(self) -> str:
        return str(requests.get(f"{self.stack.rasa_url}/status", params=self.stack.rasa_auth,
                                timeout=30).json()["model_file"])

    def restore_initial(self) -> None:
        """Put the stack back on models/current.tar.gz (other tests expect it)."""
        deployed = self.service.registry.deployed()
        if deployed is not None and deployed.version != "initial":
            self.service.rollback("test-teardown", "initial")
        if self.model_file() != "current.tar.gz":
            requests.put(f"{self.stack.rasa_url}/model", params=self.stack.rasa_auth,
                         json={"model_file": str(self.config.initial_model)}, timeout=600).raise_for_status()


@pytest.fixture(scope="session")
def stack_admin(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackAdmin]:
    from bot.accounts.service import AccountError, AccountService

    project = copy_project(tmp_path_factory.mktemp("admin-project"))
    overrides = {"project_root": str(project), "rasa_cache_dir": str(REPO_ROOT / ".rasa" / "cache")}
    (stack.var_dir / "admin.yml").write_text(yaml.safe_dump(overrides), encoding="utf-8")
    config = load_config(settings_from_env({**stack.env, "RASA_AUTH_TOKEN": stack.rasa_token}),
                         var_dir=stack.var_dir)
    service = AdminService(config)
    with contextlib.suppress(AccountError):
        AccountService(service.factory).create(ADMIN_USER, "测试管理员", ADMIN_PASSWORD, role="admin")
    admin = StackAdmin(stack, config, service, project)
    yield admin
    admin.restore_initial()
    service.close()


def say(stack: Stack, sender: str, text: str) -> None:
    """A citizen message straight to Rasa (lands in the tracker store)."""
    stack.rest(sender, text)


def wait_for_job(service: AdminService, job_id: int, timeout: float = TRAIN_TIMEOUT) -> JobView:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = service.job(job_id)
        assert job is not None
        if not job.active:
            return job
        time.sleep(5)
    raise AssertionError(f"training job #{job_id} did not finish in {timeout} s")


def reusable_run(service: AdminService) -> JobView | None:
    """A succeeded job trained with the labelled example (from an earlier test), if any."""
    label = next((v for v in service.labels.all() if v.text == MISUNDERSTOOD and v.label == RIGHT_LABEL), None)
    job = service.jobs.latest_succeeded()
    if label is None or job is None or job.created_at < label.labelled_at:
        return None
    return job


@pytest.fixture(scope="session")
def trained_run(stack_admin: StackAdmin) -> JobView:
    """Label the misunderstood message and retrain once per session (or reuse a run)."""
    service = stack_admin.service
    job = reusable_run(service)
    if job is not None:
        return job
    say(stack_admin.stack, "e2e-citizen", MISUNDERSTOOD)
    item = next(i for i in service.inbox.collect() if i.text == MISUNDERSTOOD)
    service.decide_items([item], "labelled", RIGHT_LABEL, ADMIN_USER)
    started = service.retrain(ADMIN_USER)
    job = wait_for_job(service, started.id)
    assert job.status == "succeeded", f"{job.error}\n{job.log_tail(60)}"
    return job
