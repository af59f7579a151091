"""Realistic mixed citizen conversations for load tests (greetings, matter
descriptions, follow-up questions, status requests, thanks).

No script files a petition or asks for an officer, so a benchmark leaves no cases
or handoffs behind; the status lookups use made-up numbers (each conversation has
its own sender, so the lockout after repeated misses never triggers).
"""
from __future__ import annotations

from typing import List, Tuple

SCRIPTS: Tuple[Tuple[str, ...], ...] = (
    ("你好", "出了事故半个月了，事故认定书到现在还没出", "需要带什么材料", "多久能出来", "谢谢"),
    ("您好", "对交警的事故认定不服，认为责任划分不公平，想申请复核", "过了三天还能复核吗",
     "去哪里申请", "好的谢谢"),
    ("你好", "我想查一下我的信访件办到哪一步了", "XF-2026-000123", "K7M2Q9XA", "算了，谢谢"),
    ("网约车司机故意绕路多收了我三十块钱", "那我应该找谁", "谢谢"),
    ("电子警察拍的违章我不认可，那天我根本没开车", "怎么提出异议", "要多长时间", "再见"),
    ("我的车被交警扣了，怎么才能取回来", "要带什么", "拖车要收费吗", "谢谢你"),
    ("小区门口的红绿灯坏了好几天了", "找谁反映", "好的"),
    ("你是机器人吗", "怎么信访", "网上可以提交吗", "谢谢"),
    ("驾驶证到期了怎么换", "在哪里办", "谢谢"),
    ("交通事故对方不赔钱怎么办", "调解不成呢", "多久之内要起诉", "明白了"),
)


def script_for(index: int) -> Tuple[str, ...]:
    """Conversation ``index`` (cycling through the scripts)."""
    return SCRIPTS[index % len(SCRIPTS)]


def all_messages() -> List[str]:
    return [message for script in SCRIPTS for message in script]
