"""The dashboard's figures as named tables: shown under the charts and downloadable as CSV.

Personal data (masked phone, case numbers) appears only in figures computed with
``personal=True`` (roles allowed to see it); otherwise the repeat-contact list shows
the phone's pseudonym only.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.dashboard.charts import CASE_CHANNEL_NAMES, CHANNEL_NAMES, FOLLOWUP_NAMES, FUNNEL_NAMES
from bot.dashboard.queries import Figures

__all__ = ["TABLE_KEYS", "Table", "tables", "to_csv"]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: Sequence[str]
    rows: list[Sequence[Any]]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def tables(f: Figures, matter_names: dict[str, str] | None = None) -> list[Table]:
    names = matter_names or {}
    c, d, h, k = f.conversations, f.diversion, f.handoffs, f.cases
    out = [
        Table("summary", "总体指标", ("指标", "数值"), [
            ("对话数", c.conversations), ("群众消息数", c.messages),
            ("获得事项答复的对话", d.answered),
            ("分流：告知非交警受理的对话", d.diverted), ("分流率", _pct(d.rate)),
            ("分流后仍提交信访", d.petitioned), ("分流后仍要求转人工", d.asked_person),
            ("分流后仍信访或转人工（合计）", d.either), ("分流后仍信访或转人工比例", _pct(d.still_rate)),
            ("澄清提问率", _pct(c.clarification_rate)), ("未理解（兜底）率", _pct(c.fallback_rate)),
            ("未理解的消息", c.not_understood),
            ("人工接管", h.total), ("等待时长中位数（秒）", _seconds(h.wait_p50)),
            ("等待时长P95（秒）", _seconds(h.wait_p95)),
            ("平均满意度", "" if h.mean_rating is None else f"{h.mean_rating:.2f}"),
            ("登记信访件", k.filed), ("在办已超期", k.overdue_total),
            ("回访已发出", k.followup_asked), ("回访已评价", sum(k.followup.values())),
            ("回访满意率（满意+基本满意）", _pct(k.satisfaction_rate)),
        ]),
        Table("daily", "每日对话与消息（按渠道）", ("日期", "渠道", "对话数", "消息数"), [
            (day.isoformat(), CHANNEL_NAMES.get(channel, channel), conv, msgs)
            for (day, channel), (conv, msgs) in sorted(c.per_day.items())]),
        Table("matters", "咨询事项前15", ("事项", "事项代码", "是否交警受理", "对话数", "答复次数"), [
            (names.get(m.matter, m.matter), m.matter,
             "受理" if m.accepted else "不受理" if m.accepted is False else "", m.conversations, m.answers)
            for m in c.matters]),
        Table("diversion", "分流趋势（按日）", ("日期", "已分流", "仍信访或转人工"), [
            (day.isoformat(), diverted, still) for day, (diverted, still) in d.per_day.items()]),
        Table("officers", "各民警处理的人工接管", ("民警", "已处理"), list(h.per_officer)),
        Table("ratings", "满意度评分分布", ("评分", "次数"),
              [(score, h.ratings.get(score, 0)) for score in range(1, 6)]),
        Table("warnings", "苗头预警（按类别）", ("类别", "次数"), list(h.warnings.items())),
        Table("cases_week", "每周信访件（按事项、渠道）", ("周", "事项", "渠道", "件数"), [
            (week, names.get(matter, matter), CASE_CHANNEL_NAMES.get(channel, channel), count)
            for (week, matter, channel), count in k.per_week.items()]),
        Table("funnel", "办理漏斗", ("环节", "件数"),
              [(FUNNEL_NAMES[step], count) for step, count in k.funnel.items()]),
        Table("deadlines", "在办期限（按期限类型）", ("期限", "期限内", "已超期"),
              [(label, on_time, late) for label, (on_time, late) in k.deadlines.items()]),
        Table("overdue", "已超期信访件", ("编号", "事项", "期限", "到期日"), [
            (number or "（无权查看）", names.get(matter, matter), label, due.isoformat())
            for number, matter, label, due in k.overdue]),
        Table("followups", "回访满意度（本期评价）", ("评价", "件数"),
              [(FOLLOWUP_NAMES[rating], k.followup.get(rating, 0)) for rating in FOLLOWUP_NAMES]),
        Table("repeats", "重复来访排查（同一电话 / 同一事项与地点）",
              ("类型", "标识", "事项", "次数", "电话（脱敏）", "信访件编号"), [
                  ("同一电话" if r.kind == "phone" else "同一事项与地点", r.key,
                   names.get(r.matter, r.matter), r.count, r.phone, " ".join(r.cases))
                  for r in k.repeats]),
    ]
    return out


TABLE_KEYS = ("summary", "daily", "matters", "diversion", "officers", "ratings", "warnings",
              "cases_week", "funnel", "deadlines", "overdue", "followups", "repeats")


def to_csv(table: Table) -> str:
    """UTF-8 CSV with a BOM (so Excel opens the Chinese correctly)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue()
