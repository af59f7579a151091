"""Training jobs: one at a time, stale jobs free the slot, failures leave the deployed model alone."""
from __future__ import annotations

import re
import threading
from datetime import datetime
from pathlib import Path

import pytest

from bot.admin.config import AdminConfig
from bot.admin.jobs import STEP_LABELS, JobRefused, JobStore
from bot.admin.runner import run_job
from bot.admin.service import AdminService
from tests.conftest_db import FakeClock


def test_a_second_job_is_refused_with_a_clear_message(service: AdminService, tmp_path: Path) -> None:
    first = service.jobs.create("v1", "admin1", tmp_path / "v1.log")
    with pytest.raises(JobRefused) as refused:
        service.retrain("admin2")
    message = str(refused.value)
    assert "已有训练任务正在进行" in message and f"#{first.id}" in message and "admin1" in message
    assert [j.version for j in service.jobs.recent()] == ["v1"]  # nothing was started


def test_concurrent_creates_let_exactly_one_through(admin_config: AdminConfig, tmp_path: Path) -> None:
    services = [AdminService(admin_config) for _ in range(6)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(services))

    def attempt(index: int) -> None:
        barrier.wait()
        try:
            services[index].jobs.create(f"v{index}", f"admin{index}", tmp_path / f"{index}.log")
            outcomes.append("created")
        except JobRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(services))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for admin in services:
        admin.close()
    assert sorted(outcomes) == ["created"] + ["refused"] * 5


def test_a_finished_job_frees_the_slot(service: AdminService, tmp_path: Path) -> None:
    job = service.jobs.create("v1", "a", tmp_path / "v1.log")
    service.jobs.finish(job.id, False, "boom")
    second = service.jobs.create("v2", "a", tmp_path / "v2.log")
    assert second.active and service.jobs.get(job.id).status == "failed"  # type: ignore[union-attr]


def test_a_job_without_heartbeat_is_reaped(service: AdminService, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 2, 0))
    store = JobStore(service.factory, clock=clock, stale_after=60)
    job = store.create("v1", "a", tmp_path / "v1.log")
    store.mark_running(job.id, 999_999)
    clock.advance(seconds=30)
    assert store.reap_stale() == 0
    clock.advance(seconds=61)
    assert store.reap_stale() == 1
    reaped = store.get(job.id)
    assert reaped is not None and reaped.status == "failed" and "心跳" in (reaped.error or "")
    assert store.create("v2", "a", tmp_path / "v2.log").active


def test_cancel_marks_the_job_failed(service: AdminService, tmp_path: Path) -> None:
    job = service.jobs.create("v1", "a", tmp_path / "v1.log")
    assert service.cancel(job.id, "admin9")
    cancelled = service.jobs.get(job.id)
    assert cancelled is not None and cancelled.status == "failed" and "admin9" in (cancelled.error or "")
    assert not service.cancel(job.id, "admin9")


@pytest.mark.slow
def test_failed_validation_leaves_the_deployed_model_untouched(service: AdminService,
                                                                admin_config: AdminConfig) -> None:
    broken = admin_config.project_root / "data" / "nlu" / "broken.yml"
    broken.write_text('version: "3.1"\nnlu:\n- intent: not_in_domain\n  examples: |\n    - 随便说说\n',
                      encoding="utf-8")
    deployed_before = service.registry.ensure_initial(admin_config.initial_model)
    admin_config.jobs_dir.mkdir(parents=True)
    job = service.jobs.create("v-broken", "admin1", admin_config.jobs_dir / "v-broken.log")
    assert run_job(job.id, admin_config) is False
    failed = service.jobs.get(job.id)
    assert failed is not None and failed.status == "failed" and not failed.active
    assert "训练数据校验未通过" in (failed.error or "") and "not_in_domain" in (failed.error or "")
    assert "线上模型未受影响" in (failed.error or "")
    assert service.registry.deployed() == deployed_before
    assert [m.version for m in service.registry.all()] == ["initial"]
    assert not list(admin_config.candidates_dir.glob("*.tar.gz"))
    log = failed.log_tail(200)
    # The command itself ran (``$ …/rasa data validate …``; the step's label alone also
    # says "rasa data validate") and training never started.
    assert re.search(r"^\$ \S*rasa data validate .*--fail-on-warnings$", log, re.M), log
    assert not re.search(r"^\$ \S*rasa train\b", log, re.M), log
    assert STEP_LABELS["train"] not in log, log
    assert service.jobs.create("v-next", "admin1", admin_config.jobs_dir / "next.log").active


@pytest.mark.slow
def test_failed_training_leaves_the_deployed_model_untouched(service: AdminService,
                                                              admin_config: AdminConfig) -> None:
    config = admin_config.project_root / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - name: RegexFeaturizer\n", "  - name: RegexFeaturizer\n  - name: NoSuchComponentAnywhere\n"),
        encoding="utf-8")
    service.registry.ensure_initial(admin_config.initial_model)
    admin_config.jobs_dir.mkdir(parents=True)
    job = service.jobs.create("v-badcfg", "admin1", admin_config.jobs_dir / "v-badcfg.log")
    assert run_job(job.id, admin_config) is False
    failed = service.jobs.get(job.id)
    assert failed is not None and failed.status == "failed"
    assert "NoSuchComponentAnywhere" in (failed.error or "") + failed.log_tail(400)
    assert service.registry.deployed().version == "initial"  # type: ignore[union-attr]
    assert not list(admin_config.candidates_dir.glob("*.tar.gz"))
    assert not [p for p in admin_config.candidates_dir.glob(".train-*")]
