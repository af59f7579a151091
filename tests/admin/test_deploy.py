"""Gated deploy, override with a reason, rollback and multi-server switching (fake Rasa servers)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.admin.config import AdminConfig
from bot.admin.deploy import DeployError, GateRefused
from bot.admin.figures import Figures
from bot.admin.service import AdminService
from tests.admin.fake_rasa import FakeRasa

BASE = Figures(0.95, 0.97, 0.02, heldout="h1")


@pytest.fixture
def servers() -> Iterator[list[FakeRasa]]:
    fakes = [FakeRasa(token="s3cret"), FakeRasa(token="s3cret")]
    yield fakes
    for fake in fakes:
        fake.close()


@pytest.fixture
def fleet(admin_config: AdminConfig, servers: list[FakeRasa], tmp_path: Path) -> Iterator[AdminService]:
    config = admin_config.with_overrides(rasa_backends=tuple(s.url for s in servers),
                                         rasa_auth_token="s3cret")
    service = AdminService(config)
    initial = service.registry.ensure_initial(config.initial_model)
    service.registry.set_figures(initial.version, BASE)
    yield service
    service.close()


def candidate(service: AdminService, version: str, figures: Figures, tmp_path: Path) -> Path:
    path = tmp_path / f"{version}.tar.gz"
    path.write_bytes(b"model " + version.encode())
    service.registry.add(version, path, "f" * 64, figures, None, "admin1")
    return path


def test_a_better_model_deploys_everywhere(fleet: AdminService, servers: list[FakeRasa],
                                           tmp_path: Path) -> None:
    path = candidate(fleet, "v2", replace(BASE, intent_macro_f1=0.96), tmp_path)
    outcome = fleet.deploy("v2", "admin1")
    assert [s.loads for s in servers] == [[str(path)], [str(path)]]
    assert {s.model_file for s in servers} == {"v2.tar.gz"}
    assert outcome.previous == "initial" and not outcome.overridden
    statuses = {m.version: m.status for m in fleet.registry.all()}
    assert statuses == {"v2": "deployed", "initial": "retired"}
    entry = fleet.registry.history()[0]
    assert (entry.action, entry.actor, entry.gate_passed, entry.override_reason) == ("deploy", "admin1", True, None)
    assert fleet.config.deployed_link.resolve() == path.resolve()


def test_a_worse_model_is_refused_and_nothing_is_loaded(fleet: AdminService, servers: list[FakeRasa],
                                                        tmp_path: Path) -> None:
    candidate(fleet, "worse", replace(BASE, false_acceptance_rate=0.08), tmp_path)
    with pytest.raises(GateRefused) as refused:
        fleet.deploy("worse", "admin1")
    assert "误受理率" in str(refused.value)
    assert [s.loads for s in servers] == [[], []]
    assert fleet.registry.deployed().version == "initial"  # type: ignore[union-attr]


def test_override_with_a_reason_deploys_and_is_logged(fleet: AdminService, servers: list[FakeRasa],
                                                      tmp_path: Path) -> None:
    from bot.audit.models import AuditEntry

    candidate(fleet, "worse", replace(BASE, intent_macro_f1=0.90), tmp_path)
    outcome = fleet.deploy("worse", "admin1", "  紧急修复：新事项上线，F1 下降可接受  ")
    assert outcome.overridden and servers[0].model_file == "worse.tar.gz"
    entry = fleet.registry.history()[0]
    assert entry.gate_passed is False and entry.override_reason == "紧急修复：新事项上线，F1 下降可接受"
    with fleet.factory() as session:
        audit = session.execute(select(AuditEntry).where(AuditEntry.action == "model_deploy")).scalar_one()
    assert "紧急修复" in audit.detail and audit.actor == "admin1"


def test_rollback_goes_back_to_the_previous_model(fleet: AdminService, servers: list[FakeRasa],
                                                  tmp_path: Path) -> None:
    candidate(fleet, "v2", BASE, tmp_path)
    candidate(fleet, "v3", BASE, tmp_path)
    fleet.deploy("v2", "admin1")
    fleet.deploy("v3", "admin1")
    outcome = fleet.rollback("admin2")
    assert outcome.model.version == "v2" and servers[1].model_file == "v2.tar.gz"
    fleet.rollback("admin2", "initial")
    assert {s.model_file for s in servers} == {"current.tar.gz"}
    assert [h.action for h in fleet.registry.history()] == ["rollback", "rollback", "deploy", "deploy"]
    with pytest.raises(DeployError):
        fleet.rollback("admin2", "initial")  # already deployed


def test_a_failing_server_restores_the_others(fleet: AdminService, servers: list[FakeRasa],
                                              tmp_path: Path) -> None:
    candidate(fleet, "v2", BASE, tmp_path)
    servers[1].fail_loads = True
    with pytest.raises(DeployError) as failed:
        fleet.deploy("v2", "admin1")
    assert servers[1].url in str(failed.value)
    assert servers[0].model_file == "current.tar.gz"  # switched, then put back
    assert servers[0].loads[-1] == str(fleet.config.initial_model)
    assert fleet.registry.deployed().version == "initial"  # type: ignore[union-attr]
    assert fleet.registry.history() == []


def test_unknown_versions_and_missing_files(fleet: AdminService, tmp_path: Path) -> None:
    from bot.admin.registry import RegistryError

    with pytest.raises(RegistryError):
        fleet.deploy("nope", "admin1")
    path = candidate(fleet, "gone", BASE, tmp_path)
    path.unlink()
    with pytest.raises(DeployError):
        fleet.deploy("gone", "admin1")
