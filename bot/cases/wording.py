"""Plain Chinese status text for citizens (masked personal data only).

Tells the citizen the current stage, when the last step happened, the next
statutory deadline (《信访工作条例》) and whether it has passed; what to do if a
deadline is missed (督办, 第四十条), and after a written reply how to ask for
复查 (第三十五条) and then 复核 (第三十六条).
"""
from __future__ import annotations

from datetime import date, datetime

from bot.cases.deadlines import OFFICE, Deadline, next_deadline
from bot.cases.models import EventKind
from bot.cases.status import STATUS_LABELS, CaseStatus, citizen_explanation
from bot.cases.views import CaseView, EventView
from bot.common.clock import local_date

__all__ = ["citizen_status_text", "format_date"]

HUMAN_HINT = "需要的话，直接说“转人工”，工作人员会帮您跟进。"
FINALITY = "复核后，再以同一事实和理由提出的，各级机关不再受理（第三十六条）。"


def format_date(day: date) -> str:
    """``2026-03-05`` -> ``2026年3月5日``."""
    return f"{day.year}年{day.month}月{day.day}日"


_DATE_STEPS = (
    ("received_at", "登记"),
    ("accepted_at", "受理"),
    ("review_requested_at", "收到复查请求"),
    ("answered_at", "书面答复"),
    ("recheck_requested_at", "收到复核请求"),
    ("closed_at", "办结"),
)


def _event_words(event: EventView) -> str:
    if event.kind == EventKind.EXTENSION:
        return "办理期限延长"
    if event.to_status is None:  # every event but an extension records the status it led to
        raise ValueError(f"{event.kind} event without a status")
    return STATUS_LABELS[CaseStatus(event.to_status)]


def _last_step(case: CaseView) -> tuple[datetime, str]:
    """Latest procedural step from the stage dates and the timeline (imports excluded)."""
    steps = [(getattr(case, name), words) for name, words in _DATE_STEPS if getattr(case, name)]
    steps += [
        (event.at, _event_words(event))
        for event in case.events
        if event.kind in (EventKind.STATUS, EventKind.EXTENSION) and event.to_status
    ]
    return max(steps, key=lambda step: step[0])


def _last_step_line(case: CaseView) -> str:
    moment, words = _last_step(case)
    return f"最近一步：{format_date(local_date(moment))}，{words}。"


def _office_deadline_lines(deadline: Deadline, today: date) -> list[str]:
    when = f"{deadline.label}是{format_date(deadline.due_date)}（{deadline.basis}）"
    if not deadline.overdue:
        left = (deadline.due_date - today).days
        rest = "今天是最后一天" if left == 0 else f"还有{left}天"
        return [f"下一个法定期限：{when}，{rest}。"]
    late = (today - deadline.due_date).days
    return [
        f"{when}，目前已超期{late}天。",
        "您可以向承办机关的上一级机关或当地信访部门反映，请求督办（《信访工作条例》第四十条）；" + HUMAN_HINT,
    ]


def _appeal_lines(case: CaseView, deadline: Deadline | None) -> list[str]:
    if deadline is None:
        return [citizen_explanation(case.status).next_step]
    due = format_date(deadline.due_date)
    if deadline.overdue:
        step = "复核" if case.reviewed else "复查"
        return [f"申请{step}的期限（{due}）已经过了。如有新的事实和理由，可以重新提出；" + HUMAN_HINT]
    if case.reviewed:
        return [
            f"如对复查意见不服，可在收到复查书面答复之日起30日内（按答复日期算，约{due}前）"
            "向复查机关的上一级机关申请复核（第三十六条）。",
            FINALITY,
        ]
    return [
        f"如对答复不服，可在收到书面答复之日起30日内（按答复日期算，约{due}前）"
        "向原办理机关的上一级机关申请复查（第三十五条）。",
        "对复查意见仍不服的，可在收到复查答复之日起30日内再向上一级机关申请复核（第三十六条）。",
        FINALITY,
    ]


def _extension_line(case: CaseView) -> list[str]:
    if not case.extension_days or case.status not in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        return []
    reason = f"，理由：{case.extension_reason}" if case.extension_reason else ""
    return [f"因情况复杂，办理期限已依法延长{case.extension_days}日{reason}。"]


def _after_lines(case: CaseView, deadline: Deadline | None, today: date) -> list[str]:
    status = case.status
    if status is CaseStatus.ANSWERED:
        return _appeal_lines(case, deadline)
    lines = _office_deadline_lines(deadline, today) if deadline and deadline.applies_to == OFFICE else []
    if status is CaseStatus.REVIEW:
        lines.append("收到复查答复后如仍不服，可在30日内申请复核。")
    elif status is CaseStatus.RECHECK:
        lines.append(FINALITY)
    elif deadline is None or not deadline.overdue:
        lines.append(citizen_explanation(status).next_step)
    return lines


def citizen_status_text(case_view: CaseView, today: date) -> str:
    """Short, warm, concrete status message for the petitioner (personal data masked)."""
    case = case_view.masked_copy()
    who = f"（信访人：{case.petitioner_name}，电话：{case.petitioner_phone}）"
    lines = [
        f"您的信访件 {case.case_number}{who}目前处于「{case.status_label}」阶段。",
        citizen_explanation(case.status).meaning,
        _last_step_line(case),
        *_extension_line(case),
    ]
    lines += _after_lines(case, next_deadline(case, today), today)
    return "\n".join(lines)
