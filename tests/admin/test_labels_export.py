"""Labelling, the audit trail, and the export to data/nlu/reviewed.yml (round trip)."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.admin.export import read_reviewed
from bot.admin.inbox import text_key
from bot.admin.labels import LabelError, Target
from bot.admin.service import AdminService
from bot.evaluation.examples import load_examples
from bot.privacy import mask_text
from tests.admin.conftest import BEFORE_HANDOFF, GIBBERISH, LOW


def test_label_catalogue_has_intents_and_matters(service: AdminService) -> None:
    catalog = service.catalog
    assert "out_of_scope" in catalog and "describe_matter/parking_fee" in catalog
    assert "describe_matter" not in catalog and "nlu_fallback" not in catalog
    assert catalog.title("describe_matter/parking_fee").startswith("事项：")
    with pytest.raises(LabelError):
        catalog.check("no_such_intent")


def test_decisions_store_who_and_when_and_are_audited(service: AdminService, seeded: datetime) -> None:
    from bot.audit.models import AuditEntry

    service.decide([text_key(LOW)], "labelled", "describe_matter/vehicle_impound", "admin1", "10.0.0.1")
    view = service.labels.get(text_key(LOW))
    assert view is not None and view.labelled_by == "admin1" and view.labelled_at is not None
    assert view.predicted == "describe_matter/vehicle_impound" and view.sources == "low_confidence"
    with service.factory() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "nlu_labelled")).scalar_one()
    assert entry.actor == "admin1" and entry.ip == "10.0.0.1"


def test_bulk_relabel_and_undo(service: AdminService, seeded: datetime) -> None:
    keys = [text_key(LOW), text_key(GIBBERISH)]
    assert service.decide(keys, "skipped", None, "admin1") == 2
    assert service.decide(keys, "labelled", "out_of_scope", "admin2") == 2
    assert {v.label for v in service.labels.all()} == {"out_of_scope"}
    assert service.labels.undo(keys, "admin2") == 2
    assert service.labels.all() == []


def test_invalid_decisions_are_refused(service: AdminService, seeded: datetime) -> None:
    with pytest.raises(LabelError):
        service.decide([text_key(LOW)], "labelled", "bogus", "admin1")
    with pytest.raises(LabelError):
        service.decide(["0" * 40], "noise", None, "admin1")


def test_texts_are_stored_masked_even_when_given_raw(service: AdminService) -> None:
    service.labels.decide([Target("我的手机13912345678丢了")], "labelled", "out_of_scope", "admin1")
    assert [v.text for v in service.labels.all()] == ["我的手机139****5678丢了"]


def test_export_groups_sorts_and_skips_existing_lines(service: AdminService, seeded: datetime) -> None:
    service.decide([text_key(LOW)], "labelled", "describe_matter/vehicle_impound", "a")
    service.decide([text_key(mask_text(BEFORE_HANDOFF))], "labelled", "ask_materials", "a")
    service.decide([text_key(GIBBERISH)], "noise", None, "a")
    service.label_text("帮我订张机票", "out_of_scope", "a")
    service.label_text("你好", "greet", "a")          # already a training line, same intent
    service.label_text("您好", "goodbye", "a")        # already a training line of another intent
    result = service.export()
    path = service.config.reviewed_file
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    assert [block["intent"] for block in data["nlu"]] == sorted(block["intent"] for block in data["nlu"])
    examples = {(e.text, e.label) for e in load_examples([path])}
    assert examples == {(LOW, "describe_matter/vehicle_impound"),
                        (mask_text(BEFORE_HANDOFF), "ask_materials"),
                        ("帮我订张机票", "out_of_scope")}
    assert "13812345678" not in text and GIBBERISH not in text
    assert result.already_present == [("你好", "greet")]
    assert result.conflicts == [("您好", "goodbye", "greet")]
    assert result.examples == 3 and result.changed
    assert service.export().changed is False  # stable output


def test_held_out_texts_are_never_exported(service: AdminService) -> None:
    heldout = load_examples(service.config.heldout_dir.rglob("*.yml"))[0]
    service.label_text(heldout.text, heldout.label, "a")
    result = service.export()
    assert result.heldout == [(heldout.text, heldout.label)] and result.examples == 0


def test_export_merges_with_the_versioned_file(service: AdminService) -> None:
    path = service.config.reviewed_file
    path.write_text('version: "3.1"\nnlu:\n- intent: thank\n  examples: |\n    - 辛苦啦同志\n'
                    '- intent: greet\n  examples: |\n    - 哈喽交警\n', encoding="utf-8")
    service.label_text("哈喽交警", "out_of_scope", "a")       # relabel moves it
    service.labels.decide([Target("辛苦啦同志")], "noise", None, "a")  # noise removes it
    service.label_text("测试[括号](x)", "out_of_scope", "a")   # no entity markup leaks in
    service.export()
    assert read_reviewed(path) == {"哈喽交警": ("哈喽交警", "out_of_scope"),
                                   "测试[括号](x)": ("测试［括号］(x)", "out_of_scope")}


@pytest.mark.slow
def test_exported_file_passes_rasa_data_validate(service: AdminService, seeded: datetime) -> None:
    service.decide([text_key(LOW)], "labelled", "describe_matter/vehicle_impound", "a")
    service.decide([text_key(mask_text(BEFORE_HANDOFF))], "labelled", "ask_materials", "a")
    service.label_text("帮我订张机票", "out_of_scope", "a")
    service.export()
    root: Path = service.config.project_root
    rasa = str(Path(sys.executable).with_name("rasa"))
    result = subprocess.run(
        [rasa, "data", "validate", "--data", *map(str, service.config.training_paths()),
         "--domain", str(root / "domain.yml"), "--config", str(root / "config.yml"), "--fail-on-warnings"],
        cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
