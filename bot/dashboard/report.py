"""``python -m bot report --week 2026-W49 --out report.pdf`` (or ``.html``): the weekly report.

The same figures and charts as the dashboard, with a short written summary for a
leadership meeting: the headline figures against the week before (largest changes
first), overdue cases and early warnings.  PDF via matplotlib's ``PdfPages`` (page 1
the summary, then one chart per page); HTML with the charts inline as SVG.  No personal
data (case numbers of overdue cases are left out; the repeat list shows pseudonyms).

Exit codes: 0 ok; 2 usage error; 3 charts impossible (no CJK font).
"""
from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from bot.common.clock import local_midnight, utc_now
from bot.dashboard.charts import CHARTS, FontMissing, cjk_font, draw, svg
from bot.dashboard.cli import chosen_period, dashboard_engines, period_arguments
from bot.dashboard.period import PeriodError
from bot.dashboard.queries import Dashboard, Figures
from bot.knowledge import default_knowledge

__all__ = ["headline", "main", "summary_lines", "write_html", "write_pdf"]


def headline(f: Figures) -> dict[str, float]:
    """The figures compared week on week."""
    return {
        "对话数": f.conversations.conversations,
        "分流（告知非交警受理）": f.diversion.diverted,
        "分流后仍信访或转人工": f.diversion.either,
        "人工接管": f.handoffs.total,
        "登记信访件": f.cases.filed,
        "未理解的消息": f.conversations.not_understood,
        "苗头预警": sum(f.handoffs.warnings.values()),
    }


def _change(now: float, before: float) -> tuple[float, str]:
    if before == 0:
        return (float("inf") if now else 0.0), ("新增" if now else "持平")
    ratio = (now - before) / before
    return abs(ratio), f"{'上升' if ratio > 0 else '下降' if ratio < 0 else '持平'}{abs(ratio) * 100:.0f}%"


def summary_lines(current: Figures, previous: Figures, names: dict[str, str]) -> list[str]:
    """A short written summary: figures, largest changes, overdue cases, early warnings."""
    d = current.diversion
    lines = [
        f"本期（{current.period.label}）共 {current.conversations.conversations} 次对话、"
        f"{current.conversations.messages} 条群众消息。",
        f"分流：{d.diverted} 次对话被告知所问事项不属交警受理并指引到正确部门"
        f"（占获得事项答复对话的 {_pct(d.rate)}）；其中 {d.either} 次（{_pct(d.still_rate)}）"
        f"其后仍提交信访（{d.petitioned}）或要求转人工（{d.asked_person}）。",
    ]
    now, before = headline(current), headline(previous)
    changes = sorted(((name, *_change(now[name], before[name])) for name in now),
                     key=lambda item: -item[1])
    moved = [f"{name} {text}（{before[name]:.0f} → {now[name]:.0f}）"
             for name, size, text in changes if size > 0][:3]
    lines.append("与上期相比变化最大：" + ("；".join(moved) if moved else "各项指标与上期持平。"))
    k = current.cases
    overdue = ", ".join(f"{label} {late} 件" for label, (_, late) in k.deadlines.items() if late)
    detail = f"（{overdue}）" if overdue else ""
    lines.append(f"信访件：登记 {k.filed} 件；在办已超期 {k.overdue_total} 件{detail}。")
    if k.overdue:
        top = "；".join(f"{names.get(m, m)}·{label}（{due.isoformat()} 到期）" for _, m, label, due in k.overdue[:5])
        lines.append(f"超期最久：{top}。")
    warnings = current.handoffs.warnings
    lines.append("苗头预警：" + ("、".join(f"{tag} {n} 次" for tag, n in warnings.items()) if warnings
                                else "本期无。"))
    repeats = [r for r in k.repeats if r.kind == "phone"]
    if repeats:
        lines.append(f"重复来访排查：{len(repeats)} 个电话本期多次信访（最多 {repeats[0].count} 次），"
                     "详见看板“重复来访排查”。")
    return lines


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _figures(args: argparse.Namespace) -> tuple[Figures, Figures]:
    with dashboard_engines() as (tracker, app):
        clock = utc_now
        if args.as_of:
            noon = local_midnight(date.fromisoformat(args.as_of)) + timedelta(hours=12)
            clock = lambda: noon  # noqa: E731
        dashboard = Dashboard(tracker, app, clock=clock)
        period = chosen_period(args)
        return dashboard.figures(period), dashboard.figures(period.previous())


def write_pdf(path: Path, current: Figures, previous: Figures, names: dict[str, str]) -> int:
    """Page 1: the summary; then one chart per page.  Returns the number of pages."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines = summary_lines(current, previous, names)
    with PdfPages(str(path), metadata={"Title": f"交警信访周报 {current.period.label}",
                                        "CreationDate": None}) as pdf:
        with matplotlib.rc_context({"font.family": [cjk_font()], "pdf.fonttype": 42}):
            page = Figure(figsize=(8.27, 11.69))
            page.text(0.08, 0.94, "交警信访指引助手 · 周报", fontsize=18, weight="bold")
            page.text(0.08, 0.91, current.period.label, fontsize=11, color="#555555")
            y = 0.86
            for line in lines:
                for chunk in _wrap(line, 38):
                    page.text(0.08, y, chunk, fontsize=11)
                    y -= 0.028
                y -= 0.012
            pdf.savefig(page)
        pages = 1
        for chart in CHARTS:
            figure = draw(chart, current, names)
            with matplotlib.rc_context({"font.family": [cjk_font()], "pdf.fonttype": 42}):
                pdf.savefig(figure)
            pages += 1
    return pages


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def write_html(path: Path, current: Figures, previous: Figures, names: dict[str, str]) -> None:
    parts = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
             f"<title>交警信访周报 {html.escape(current.period.label)}</title>",
             "<style>body{font-family:sans-serif;max-width:960px;margin:24px auto;color:#1f2933}"
             "figure{margin:18px 0}svg{max-width:100%;height:auto}</style></head><body>",
             f"<h1>交警信访指引助手 · 周报</h1><p>{html.escape(current.period.label)}</p><ul>"]
    parts += [f"<li>{html.escape(line)}</li>" for line in summary_lines(current, previous, names)]
    parts.append("</ul>")
    for chart in CHARTS:
        body = svg(chart, current, names)
        body = body[body.index("<svg"):]
        parts.append(f"<figure id='chart-{chart.key}'>{body}<figcaption>{html.escape(chart.title)}"
                     "</figcaption></figure>")
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot report", description="周报 / weekly report")
    period_arguments(parser)
    parser.add_argument("--as-of", help="deadlines as of this China date (default: now)")
    parser.add_argument("--out", required=True, type=Path, help="report.pdf or report.html")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.out.suffix.lower() not in (".pdf", ".html", ".htm"):
        print("用法错误 / usage error: --out 须以 .pdf 或 .html 结尾", file=sys.stderr)
        return 2
    try:
        if args.as_of:
            try:
                date.fromisoformat(args.as_of)
            except ValueError:
                raise PeriodError("--as-of 须为 YYYY-MM-DD") from None
        current, previous = _figures(args)
        names = {r.id: r.label for r in default_knowledge()}
        if args.out.suffix.lower() == ".pdf":
            pages = write_pdf(args.out, current, previous, names)
            print(f"已生成 {args.out}（{pages} 页）")
        else:
            write_html(args.out, current, previous, names)
            print(f"已生成 {args.out}")
    except PeriodError as error:
        print(f"用法错误 / usage error: {error}", file=sys.stderr)
        return 2
    except FontMissing as error:
        print(str(error), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
