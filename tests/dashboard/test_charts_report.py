"""Charts (SVG, CJK font required), tables/CSV, the weekly report (PDF rendered by pdftoppm,
HTML) and the demo command."""
from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from matplotlib import font_manager

import bot.dashboard.charts as charts
from bot.dashboard import report
from bot.dashboard.charts import CHARTS, FontMissing, all_charts
from bot.dashboard.queries import Dashboard
from bot.dashboard.tables import TABLE_KEYS, tables, to_csv
from bot.settings import get_settings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from tests.dashboard.data import TODAY_UTC, WEEK, seed


@pytest.fixture
def sqlite_dashboard(sqlite_url: str, request: pytest.FixtureRequest) -> Dashboard:
    """The known data on SQLite only (charts and reports do not depend on the backend)."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    seed(engine, engine)
    request.addfinalizer(engine.dispose)
    return Dashboard(engine, engine, clock=lambda: TODAY_UTC)


def test_every_chart_is_a_non_empty_svg(sqlite_dashboard: Dashboard) -> None:
    drawn = all_charts(sqlite_dashboard.figures(WEEK), {"parking_fee": "停车收费"})
    assert set(drawn) == {chart.key for chart in CHARTS}
    for key, body in drawn.items():
        assert body.lstrip().startswith("<?xml") and "<svg" in body, key
        assert body.count("<path") > 20, key  # glyphs and bars are paths
        assert "该时间段没有数据" not in body  # (drawn as paths anyway; no placeholder text object)


def test_charts_of_an_empty_period_still_render(sqlite_dashboard: Dashboard) -> None:
    from datetime import date

    from bot.dashboard.period import Period

    drawn = all_charts(sqlite_dashboard.figures(Period(date(2025, 1, 1), date(2025, 1, 7))))
    assert all("<svg" in body for body in drawn.values())


def test_a_missing_cjk_font_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    charts.cjk_font.cache_clear()
    monkeypatch.setattr(charts, "CJK_FONTS", ("No Such Font CJK",))
    monkeypatch.setattr(font_manager.FontManager, "__init__", lambda self: None)
    try:
        with pytest.raises(FontMissing, match=r"scripts/chart_deps\.sh"):
            charts.cjk_font()
    finally:
        charts.cjk_font.cache_clear()


def test_the_installed_font_is_found() -> None:
    assert charts.cjk_font() in charts.CJK_FONTS


def test_every_table_has_a_csv(sqlite_dashboard: Dashboard) -> None:
    figures = sqlite_dashboard.figures(WEEK)
    made = tables(figures)
    assert [t.key for t in made] == list(TABLE_KEYS)
    summary = dict(next(t for t in made if t.key == "summary").rows)
    assert summary["分流：告知非交警受理的对话"] == 4
    assert summary["分流后仍信访或转人工比例"] == "50.0%"
    for table in made:
        rows = list(csv.reader(io.StringIO(to_csv(table).lstrip("\ufeff"))))
        assert rows[0] == list(table.headers) and len(rows) == len(table.rows) + 1


@pytest.fixture
def report_env(sqlite_dashboard: Dashboard, sqlite_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("TRACKER_STORE_URL", sqlite_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_weekly_report_pdf_renders(report_env: None, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    assert report.main(["--week", "2026-W49", "--as-of", "2026-12-20", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(out), str(tmp_path / "page")], check=True,
                   timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 1 + len(CHARTS)
    assert all(page.stat().st_size > 1000 for page in pages)


def test_weekly_report_html_and_summary(report_env: None, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert report.main(["--week", "2026-W49", "--as-of", "2026-12-20", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("<svg") == len(CHARTS)
    assert "分流：4 次对话" in text and "其中 2 次（50.0%）" in text
    assert "在办已超期 2 件" in text and "self_harm 2 次" in text
    assert "13911112222" not in text and "XF-2026" not in text


def test_report_usage_errors(tmp_path: Path) -> None:
    assert report.main(["--week", "2026-49", "--out", str(tmp_path / "r.pdf")]) == 2
    assert report.main(["--week", "2026-W49", "--out", str(tmp_path / "r.txt")]) == 2


def test_demo_fills_a_living_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from bot.dashboard import cli
    from bot.dashboard.period import Period

    app_url, tracker_url = f"sqlite:///{tmp_path / 'app.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("DATABASE_URL", app_url)
    monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
    get_settings.cache_clear()
    try:
        assert cli.main(["demo", "--end", "2026-12-06"]) == 0
        assert cli.main(["demo", "--end", "2026-12-06"]) == 0  # nothing written twice
        assert "已存在" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    app, tracker = make_engine(app_url), make_engine(tracker_url)
    try:
        from datetime import date

        f = Dashboard(tracker, app).figures(Period(date(2026, 11, 7), date(2026, 12, 6)))
    finally:
        app.dispose()
        tracker.dispose()
    assert f.conversations.conversations > 1000 and len(f.conversations.channels) == 3
    assert len(f.conversations.matters) == 15
    assert 0 < f.diversion.either < f.diversion.diverted < f.diversion.answered
    assert f.handoffs.total > 50 and len(f.handoffs.per_officer) == 3 and sum(f.handoffs.ratings.values()) > 20
    assert {"received", "accepted", "in_progress", "answered", "closed", "rejected"} <= set(f.cases.by_status)
    assert f.cases.overdue_total > 0 and any(r.kind == "phone" for r in f.cases.repeats)
