"""A small, known data set for the dashboard tests (week 2026-W49, Mon 30 Nov – Sun 6 Dec).

Times are given in China time (UTC+8) and stored as naive UTC, as the product does.
The expected figures are written out in the tests next to their reasons.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.dashboard.demo import EventWriter, add_case, add_handoff, add_officer, ensure_events_table
from bot.dashboard.period import iso_week

WEEK = iso_week("2026-W49")
TODAY_UTC = datetime(2026, 12, 20, 4, 0)  # the clock: 2026-12-20 12:00 China time
P1, P2 = "13911112222", "13933334444"


def cn(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """China local time → naive UTC."""
    return datetime(2026, month, day, hour, minute) - timedelta(hours=8)


def seed(tracker: Engine, app: Engine) -> dict[str, int]:
    ensure_events_table(tracker)
    w = EventWriter(tracker)
    # s1 web, 1 Dec: told parking fees are not ours, then asks for a person.
    w.user("web-s1", cn(12, 1, 10), "webchat", "greet")
    w.user("web-s1", cn(12, 1, 10, 1), "webchat", "describe_matter")
    w.explain("web-s1", cn(12, 1, 10, 1), "parking_fee", False)
    w.user("web-s1", cn(12, 1, 10, 3), "webchat", "request_human")
    w.action("web-s1", cn(12, 1, 10, 3), "action_request_human")
    # s2 telegram, 1 Dec: a clarifying question, then an accepted matter.
    w.user("100002", cn(12, 1, 15), "telegram", "describe_matter")
    w.explain("100002", cn(12, 1, 15), None, None)
    w.user("100002", cn(12, 1, 15, 1), "telegram", "describe_matter")
    w.explain("100002", cn(12, 1, 15, 1), "accident_determination", True)
    # s3 wechat, 2 Dec: not understood once, then told penalty appeals are not ours; files anyway.
    w.user("o-s3", cn(12, 2, 11), "wechat", "nlu_fallback")
    w.action("o-s3", cn(12, 2, 11), "action_fallback_suggest")
    w.user("o-s3", cn(12, 2, 11, 1), "wechat", "describe_matter")
    w.explain("o-s3", cn(12, 2, 11, 1), "penalty_appeal", False)
    # s4 web, 2 Dec (diverted, nothing else) and again on 3 Dec (a second conversation).
    w.user("web-s4", cn(12, 2, 20), "webchat", "describe_matter")
    w.explain("web-s4", cn(12, 2, 20), "parking_fee", False)
    w.user("web-s4", cn(12, 3, 9), "webchat", "thank")
    # s5 web, 29 Nov 23:59 — before the week.
    w.user("web-s5", cn(11, 29, 23, 59), "webchat", "describe_matter")
    w.explain("web-s5", cn(11, 29, 23, 59), "parking_fee", False)
    # s6 web, 3 Dec 10:00: diverted, but its case was filed at 09:00, before the answer.
    w.user("web-s6", cn(12, 3, 10), "webchat", "describe_matter")
    w.explain("web-s6", cn(12, 3, 10), "highway_toll", False)
    # s7 telegram, 1 Dec 00:30 China time (30 Nov in UTC): counts on 1 Dec.
    w.user("100007", cn(12, 1, 0, 30), "telegram", "describe_matter")
    w.explain("100007", cn(12, 1, 0, 30), "driving_license", True)
    # 7 Dec 00:00 — after the week.
    w.user("web-s8", cn(12, 7, 0, 0), "webchat", "describe_matter")
    w.explain("web-s8", cn(12, 7, 0, 0), "parking_fee", False)
    events = w.flush()
    with app.begin() as c:
        wang = add_officer(c, "wang", "王警官")
        li = add_officer(c, "li", "李警官")
        add_handoff(c, sender_id="web-s1", created_at=cn(12, 1, 10, 3), officer_id=wang,
                    claimed_at=cn(12, 1, 10, 4), closed_at=cn(12, 1, 10, 20), rating=5)
        add_handoff(c, sender_id="web-x2", created_at=cn(12, 2, 9), officer_id=wang,
                    claimed_at=cn(12, 2, 9, 2), closed_at=cn(12, 2, 9, 30), rating=4)
        add_handoff(c, sender_id="web-x3", created_at=cn(12, 3, 9), officer_id=li,
                    claimed_at=cn(12, 3, 9, 10), closed_at=cn(12, 3, 9, 40), warning_tags="self_harm")
        add_handoff(c, sender_id="web-x4", created_at=cn(12, 4, 9), warning_tags="self_harm,violence")
        add_handoff(c, sender_id="web-x5", created_at=cn(11, 20, 9), officer_id=li,
                    claimed_at=cn(11, 20, 9, 1), closed_at=cn(11, 20, 9, 5), rating=1)
        add_case(c, matter="penalty_appeal", received_at=cn(12, 2, 20), sender_id="o-s3",
                 phone=P1, location="人民路", name="张三")                      # 000001
        add_case(c, matter="highway_toll", received_at=cn(12, 3, 9), sender_id="web-s6",
                 phone=P1, name="张三")                                          # 000002
        add_case(c, matter="penalty_appeal", received_at=cn(11, 30, 10), channel="letter",
                 status="accepted", accepted_at=cn(12, 1, 10), phone=P2,
                 location=" 人民路 ", name="李四")                               # 000003
        add_case(c, matter="parking_fee", received_at=cn(12, 5, 10), channel="visit",
                 status="rejected", closed_at=cn(12, 5, 16), phone=P1, name="张三")  # 000004
        add_case(c, matter="parking_fee", received_at=cn(10, 1, 10), phone=P1, name="张三")  # 000005, before
    return {"events": events}
