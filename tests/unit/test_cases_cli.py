"""Officer CLI smoke tests: ``python -m bot cases ...`` via main(argv) and a subprocess."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cases.cli import DEMO_FILE, main
from bot.store.db import REPO_ROOT

NUMBER = re.compile(r"XF-\d{4}-\d{6}")


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str, clock: Any = None) -> tuple[int, str, str]:
    kwargs = {"clock": clock} if clock else {}
    code = main([*argv, "--db", url], **kwargs)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_demo_then_list_show(capsys: pytest.CaptureFixture[str], db_url: str, fake_clock: Any) -> None:
    code, out, _ = run(capsys, db_url, "demo", clock=fake_clock)
    assert code == 0
    numbers = NUMBER.findall(out)
    assert len(numbers) == 12 and len(re.findall(r"查询码 [A-Z2-9]{8}", out)) == 12
    code, out, _ = run(capsys, db_url, "list", clock=fake_clock)
    assert code == 0 and "共 12 件" in out
    for label in ("登记", "不予受理并告知", "受理", "办理中", "已答复", "复查中", "复核中", "办结"):
        assert label in out
    code, out, _ = run(capsys, db_url, "list", "--overdue", clock=fake_clock)
    assert code == 0 and "共 1 件" in out and "OVERDUE" in out


def test_show_masks_unless_officer(capsys: pytest.CaptureFixture[str], sqlite_url: str, fake_clock: Any) -> None:
    run(capsys, sqlite_url, "demo", clock=fake_clock)
    code, out, _ = run(capsys, sqlite_url, "show", "xf-2026-1", clock=fake_clock)
    assert code == 0 and "张*" in out and "138****8001" in out and "13800138001" not in out
    assert "群众看到的进度说明" in out
    code, out, _ = run(capsys, sqlite_url, "show", "XF-2026-000001", "--officer", "王警官", clock=fake_clock)
    assert code == 0 and "张伟" in out and "13800138001" in out
    _, out, _ = run(capsys, sqlite_url, "show", "XF-2026-000001", "--officer", "李警官", clock=fake_clock)
    assert "access" in out and "王警官" in out


def test_update_status_and_extend(capsys: pytest.CaptureFixture[str], sqlite_url: str, fake_clock: Any) -> None:
    run(capsys, sqlite_url, "demo", clock=fake_clock)
    code, out, _ = run(capsys, sqlite_url, "update-status", "XF-2026-000001", "受理", "--officer", "王警官",
                       "--note", "已电话告知", clock=fake_clock)
    assert code == 0 and "受理" in out and "办结期限" in out
    code, out, _ = run(capsys, sqlite_url, "extend", "XF-2026-000001", "--days", "15", "--reason", "需现场勘查",
                       "--officer", "李科长", clock=fake_clock)
    assert code == 0 and "延长15日" in out
    code, _, err = run(capsys, sqlite_url, "extend", "XF-2026-000001", "--days", "5", "--reason", "再延",
                       "--officer", "李科长", clock=fake_clock)
    assert code == 1 and "只能延长一次" in err and "Traceback" not in err


@pytest.mark.parametrize("argv,expected_code,message", [
    (["update-status", "XF-2026-000001", "办结", "--officer", "王警官"], 1, "illegal transition"),
    (["update-status", "XF-2026-000999", "受理", "--officer", "王警官"], 1, "case not found"),
    (["update-status", "XF-2026-000001", "done", "--officer", "王警官"], 1, "unknown status"),
    (["show", "nonsense"], 1, "case not found"),
    (["extend", "XF-2026-000001", "--days", "40", "--reason", "x", "--officer", "王警官"], 1, "受理"),
    (["list", "--status", "bogus"], 1, "unknown status"),
    (["update-status", "XF-2026-000001", "受理"], 2, "--officer"),
    (["extend", "XF-2026-000001", "--days", "ten", "--reason", "x", "--officer", "a"], 2, "usage error"),
    (["frobnicate"], 2, "usage error"),
])
def test_user_errors_have_clear_messages(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, argv: list[str], expected_code: int, message: str
) -> None:
    run(capsys, sqlite_url, "demo")
    code, out, err = run(capsys, sqlite_url, *argv)
    assert code == expected_code
    assert message in err and "Traceback" not in err + out


def test_import_reports_skipped_rows(capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path) -> None:
    rows = json.loads(DEMO_FILE.read_text(encoding="utf-8"))["cases"][:1]
    rows[0] = {k: v for k, v in rows[0].items() if not k.endswith("_days_ago")} | {"received_at": "2026-01-05"}
    rows.append({"matter": "traffic_order"})
    path = tmp_path / "export.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, sqlite_url, "import", str(path), "--officer", "数据迁移")
    assert code == 1 and "导入 1 件，跳过 1 条" in out and "row 2" in out
    code, _, err = run(capsys, sqlite_url, "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "cannot read import file" in err


def test_reset_code(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> None:
    run(capsys, sqlite_url, "demo")
    code, out, _ = run(capsys, sqlite_url, "reset-code", "XF-2026-000003", "--officer", "王警官")
    assert code == 0 and re.search(r"[A-Z2-9]{8}", out.split(":")[-1])


def test_unreachable_database_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "postgresql://nobody@127.0.0.1:1/none", "list")
    assert code == 3 and "database unavailable" in err and "Traceback" not in err


def test_module_entry_point_subprocess(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    command = [sys.executable, "-m", "bot", "cases", "--db", url, "demo"]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(NUMBER.findall(result.stdout)) == 12
    result = subprocess.run([sys.executable, "-m", "bot", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown tool" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "bot", "cases", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "update-status" in result.stdout


def test_register_a_visit_with_the_address(capsys: pytest.CaptureFixture[str], sqlite_url: str,
                                           fake_clock: Any) -> None:
    """An officer registers a visit (来访) with the 住址 of 第十九条; shown masked unless --officer."""
    petition = ["register", "--matter", "accident_determination", "--channel", "来访", "--name", "李四",
                "--phone", "13912345678", "--facts", "事故认定书超过十日没有出具",
                "--request", "尽快出具认定书", "--reasons", "超过法定期限", "--officer", "王警官"]
    code, _, err = run(capsys, sqlite_url, *petition, "--address", "北京", clock=fake_clock)
    assert code == 1 and "住址" in err
    code, out, _ = run(capsys, sqlite_url, *petition, "--address", "北京市朝阳区建国路88号3单元501室",
                       clock=fake_clock)
    assert code == 0 and re.search(r"查询码 query code.*: [A-Z2-9]{8}", out)
    number = NUMBER.search(out).group(0)  # type: ignore[union-attr]
    _, out, _ = run(capsys, sqlite_url, "show", number, clock=fake_clock)
    assert "北京市朝阳区****" in out and "建国路" not in out and "来访" in out
    _, out, _ = run(capsys, sqlite_url, "show", number, "--officer", "王警官", clock=fake_clock)
    assert "北京市朝阳区建国路88号3单元501室" in out


def test_hearing_on_a_recheck(capsys: pytest.CaptureFixture[str], sqlite_url: str, fake_clock: Any) -> None:
    run(capsys, sqlite_url, "demo", clock=fake_clock)
    _, out, _ = run(capsys, sqlite_url, "list", "--status", "recheck", clock=fake_clock)
    number = NUMBER.search(out).group(0)  # type: ignore[union-attr]
    today = "2026-03-02"
    code, out, _ = run(capsys, sqlite_url, "hearing", number, "--start", today, "--officer", "王警官",
                       clock=fake_clock)
    assert code == 0 and "听证进行中" in out and "OVERDUE" not in out
    code, out, _ = run(capsys, sqlite_url, "hearing", number, "--start", today, "--days", "1",
                       "--officer", "王警官", clock=fake_clock)
    assert code == 0 and "听证时间不计入" in out
    _, out, _ = run(capsys, sqlite_url, "show", number, clock=fake_clock)
    assert "听证 hearing: 2026-03-02 起，1日" in out
    code, _, err = run(capsys, sqlite_url, "hearing", "XF-2026-000001", "--start", today,
                       "--officer", "王警官", clock=fake_clock)
    assert code == 1 and "复核" in err and "Traceback" not in err
