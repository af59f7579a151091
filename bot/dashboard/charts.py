"""The dashboard's charts, drawn server-side with matplotlib as SVG (or into a PDF).

Chinese labels need a CJK font: :func:`cjk_font` looks for one of :data:`CJK_FONTS`
(``scripts/chart_deps.sh``, run by ``make run``/``make test``, installs WenQuanYi Micro
Hei) and raises :class:`FontMissing` with that instruction otherwise — never boxes
instead of characters.  Glyphs are embedded as paths, so the SVG shows the same in
every browser.  matplotlib is imported on first use only (it costs ~0.3 s and tens of
MiB in processes that never draw).
"""
from __future__ import annotations

import io
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.dashboard.queries import Figures, daily_series
from bot.followup.service import RATING_LABELS

__all__ = ["CJK_FONTS", "Chart", "FontMissing", "all_charts", "cjk_font", "draw"]

CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei")
CHANNEL_NAMES = {"webchat": "网页", "telegram": "Telegram", "wechat": "微信", "other": "其他"}
CASE_CHANNEL_NAMES = {"online": "网上信访", "letter": "来信", "phone": "来电", "visit": "来访"}
FUNNEL_NAMES = {"received": "登记", "accepted": "受理", "answered": "答复", "closed": "办结"}
FOLLOWUP_NAMES = RATING_LABELS  # 回访 ratings in their order: 满意, 基本满意, 不满意
ACCEPTED_COLOR, NOT_ACCEPTED_COLOR, UNKNOWN_COLOR = "#2b6cb0", "#dd6b20", "#a0aec0"
#: matplotlib's rcParams are global: one chart at a time (pages draw in worker threads).
_LOCK = threading.Lock()
PALETTE = ("#2b6cb0", "#38a169", "#dd6b20", "#805ad5", "#d53f8c", "#718096")


class FontMissing(RuntimeError):
    """No CJK font: the charts would show boxes instead of Chinese."""


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of an installed CJK font (raises :class:`FontMissing`)."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    font_manager.fontManager.__init__()  # a font installed since the cache was built
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    raise FontMissing("没有可用的中文字体，图表无法显示中文。请运行 `bash scripts/chart_deps.sh` "
                      "(make run / make test 会自动运行) 安装 fonts-wqy-microhei。 "
                      f"No CJK font found (looked for: {', '.join(CJK_FONTS)}).")


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    draw: Callable[[Any, Figures, dict[str, str]], None]
    width: float = 8.0
    height: float = 3.6


def _style() -> dict[str, Any]:
    return {"font.family": [cjk_font()], "axes.unicode_minus": False, "svg.fonttype": "path",
            "svg.hashsalt": "dashboard", "font.size": 9, "axes.spines.top": False,
            "axes.spines.right": False}


def _new_figure(chart: Chart) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(chart.width, chart.height), dpi=100, layout="constrained")


def draw(chart: Chart, figures: Figures, matter_names: dict[str, str] | None = None) -> Any:
    """A matplotlib ``Figure`` with the chart (for SVG or a PDF page)."""
    import matplotlib

    with _LOCK, matplotlib.rc_context(_style()):
        figure = _new_figure(chart)
        chart.draw(figure, figures, matter_names or {})
        figure.suptitle(chart.title, fontsize=11, x=0.01, ha="left")
    return figure


def svg(chart: Chart, figures: Figures, matter_names: dict[str, str] | None = None) -> str:
    import matplotlib

    figure = draw(chart, figures, matter_names)
    buffer = io.StringIO()
    with _LOCK, matplotlib.rc_context(_style()):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _empty(axes: Any, text: str = "该时间段没有数据") -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="#718096")
    axes.set_xticks([])
    axes.set_yticks([])


def _int(axis: Any) -> None:
    """Counts: whole-number ticks only."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _short_dates(dates: list[Any]) -> list[str]:
    return [f"{d.month}/{d.day}" for d in dates]


def _every(labels: list[str], most: int = 16) -> int:
    return max(1, -(-len(labels) // most))


def _conversations(figure: Any, f: Figures, names: dict[str, str]) -> None:
    axes = figure.add_subplot()
    dates = list(f.period.dates())
    series = daily_series(f.conversations, dates)
    if not series:
        return _empty(axes)
    bottom = [0] * len(dates)
    x = list(range(len(dates)))
    for index, (channel, values) in enumerate(sorted(series.items())):
        axes.bar(x, values, bottom=bottom, color=PALETTE[index % len(PALETTE)],
                 label=CHANNEL_NAMES.get(channel, channel))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    labels = _short_dates(dates)
    step = _every(labels)
    axes.set_xticks(x[::step], labels[::step])
    axes.set_ylabel("对话数")
    _int(axes.yaxis)
    axes.legend(loc="upper left", frameon=False, ncol=4)


def _matters(figure: Any, f: Figures, names: dict[str, str]) -> None:
    axes = figure.add_subplot()
    matters = list(reversed(f.conversations.matters))
    if not matters:
        return _empty(axes)
    colors = [ACCEPTED_COLOR if m.accepted else NOT_ACCEPTED_COLOR if m.accepted is False
              else UNKNOWN_COLOR for m in matters]
    axes.barh([names.get(m.matter, m.matter) for m in matters], [m.conversations for m in matters],
              color=colors)
    from matplotlib.patches import Patch

    axes.legend(handles=[Patch(color=ACCEPTED_COLOR, label="交警受理"),
                         Patch(color=NOT_ACCEPTED_COLOR, label="不属交警受理（分流）")],
                loc="lower right", frameon=False)
    axes.set_xlabel("对话数")
    _int(axes.xaxis)


def _diversion(figure: Any, f: Figures, names: dict[str, str]) -> None:
    axes = figure.add_subplot()
    days = list(f.diversion.per_day)
    if not f.diversion.diverted:
        return _empty(axes)
    x = list(range(len(days)))
    diverted = [f.diversion.per_day[d][0] for d in days]
    still = [f.diversion.per_day[d][1] for d in days]
    axes.plot(x, diverted, marker="o", markersize=3, color=NOT_ACCEPTED_COLOR, label="已分流（告知非交警受理）")
    axes.plot(x, still, marker="o", markersize=3, color="#c53030", label="仍信访或转人工")
    axes.fill_between(x, still, color="#c53030", alpha=0.15)
    labels = _short_dates(days)
    step = _every(labels)
    axes.set_xticks(x[::step], labels[::step])
    axes.set_ylabel("对话数")
    axes.set_ylim(bottom=0)
    _int(axes.yaxis)
    axes.legend(loc="upper left", frameon=False)


def _handoffs(figure: Any, f: Figures, names: dict[str, str]) -> None:
    left, middle, right = figure.subplots(1, 3)
    h = f.handoffs
    if h.per_officer:
        left.barh([n for n, _ in reversed(h.per_officer)], [c for _, c in reversed(h.per_officer)],
                  color=PALETTE[0])
        left.set_title("各民警处理数", fontsize=9)
        _int(left.xaxis)
    else:
        _empty(left)
    if h.ratings:
        middle.bar([str(k) for k in range(1, 6)], [h.ratings.get(k, 0) for k in range(1, 6)],
                   color=PALETTE[1])
        middle.set_title("满意度评分（1–5）", fontsize=9)
        _int(middle.yaxis)
    else:
        _empty(middle, "暂无评分")
    if h.warnings:
        right.barh(list(reversed(list(h.warnings))), list(reversed(list(h.warnings.values()))),
                   color="#c53030")
        right.set_title("苗头预警（按类别）", fontsize=9)
        _int(right.xaxis)
    else:
        _empty(right, "无预警")


def _cases_week(figure: Any, f: Figures, names: dict[str, str]) -> None:
    axes = figure.add_subplot()
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (week, _, channel), count in f.cases.per_week.items():
        per[week][channel] += count
    if not per:
        return _empty(axes)
    weeks = sorted(per)
    channels = sorted({c for counts in per.values() for c in counts})
    bottom = [0] * len(weeks)
    for index, channel in enumerate(channels):
        values = [per[w].get(channel, 0) for w in weeks]
        axes.bar(weeks, values, bottom=bottom, color=PALETTE[index % len(PALETTE)],
                 label=CASE_CHANNEL_NAMES.get(channel, channel))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("信访件数")
    _int(axes.yaxis)
    axes.legend(loc="upper left", frameon=False, ncol=4)


def _followups(axes: Any, f: Figures) -> None:
    answers = f.cases.followup
    if not answers:
        return _empty(axes, "暂无回访评价")
    axes.bar(list(FOLLOWUP_NAMES.values()), [answers.get(r, 0) for r in FOLLOWUP_NAMES],
             color=[PALETTE[1], PALETTE[0], "#c53030"])
    axes.set_title(f"回访评价（已发出{f.cases.followup_asked}件）", fontsize=9)
    _int(axes.yaxis)


def _cases_flow(figure: Any, f: Figures, names: dict[str, str]) -> None:
    left, right, last = figure.subplots(1, 3)
    _followups(last, f)
    if f.cases.filed:
        steps = list(f.cases.funnel)
        left.bar([FUNNEL_NAMES[s] for s in steps], [f.cases.funnel[s] for s in steps], color=PALETTE[0])
        left.set_title("办理漏斗", fontsize=9)
        _int(left.yaxis)
    else:
        _empty(left)
    if f.cases.deadlines:
        labels = list(f.cases.deadlines)
        on_time = [f.cases.deadlines[k][0] for k in labels]
        late = [f.cases.deadlines[k][1] for k in labels]
        right.barh(labels, on_time, color=PALETTE[1], label="期限内")
        right.barh(labels, late, left=on_time, color="#c53030", label="已超期")
        right.legend(loc="best", frameon=False)
        right.set_title("在办期限（按期限类型）", fontsize=9)
        _int(right.xaxis)
    else:
        _empty(right, "没有在办期限")


CHARTS: list[Chart] = [
    Chart("conversations", "每日对话数（按渠道）", _conversations),
    Chart("matters", "咨询事项前15（受理 / 不受理）", _matters, height=4.4),
    Chart("diversion", "分流趋势：告知非交警受理，及其后仍信访或转人工", _diversion),
    Chart("handoffs", "人工接管", _handoffs, height=3.2),
    Chart("cases_week", "每周信访件（按渠道）", _cases_week),
    Chart("cases_flow", "信访件办理、期限与回访", _cases_flow, height=3.2),
]
CHART_KEYS = {chart.key: chart for chart in CHARTS}


def all_charts(figures: Figures, matter_names: dict[str, str] | None = None) -> dict[str, str]:
    """Chart key → SVG text."""
    return {chart.key: svg(chart, figures, matter_names) for chart in CHARTS}
