"""Renders knowledge records as short, plain-text Chinese replies with buttons."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from bot.knowledge.laws import ARTICLE_MAX_CHARS, Statute, render_citation, resolve
from bot.knowledge.loader import KnowledgeBase, LegalBasis, MatterRecord, TimeLimit
from bot.knowledge.texts import TEXTS
from bot.labels import label_button
from bot.replies import Button, Reply

if TYPE_CHECKING:  # annotations only: no import cycle through bot.knowledge
    from bot.knowledge.questions import Question

FOLLOWUP_TOPICS = ("materials", "time_limit", "where_to_go", "if_late")
_TOPIC_LABEL = {
    "materials": "ask_materials",
    "time_limit": "ask_time_limit",
    "where_to_go": "ask_where_to_go",
    "if_late": "ask_if_late",
}
ANSWER_MAX_LIMITS = 2
HUMAN_FALLBACK_TITLE = TEXTS["human_fallback_title"]
NONE_OF_THESE_TITLE = TEXTS["none_of_these_title"]
CATCH_ALL_MATTER = "other_government"  # where "都不是" leads: other bodies and 12345
CATCH_ALL_NUMBER = "12345"
CATCH_ALL_LINE = TEXTS["catch_all_line"]
ALTERNATIVES_LINE = TEXTS["alternatives_line"]


def payload(intent: str, **entities: str) -> str:
    """Rasa payload, e.g. /describe_matter{"matter":"parking_fee"}."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def matter_button(record: MatterRecord) -> Button:
    """A button that selects one matter explicitly."""
    return Button(title=record.label, payload=payload("describe_matter", matter=record.id))


def _bullets(items: Iterable[str]) -> list[str]:
    return [f"· {item}" for item in items]


def _limit_line(limit: TimeLimit) -> str:
    return f"· {limit.text}（{limit.basis.cite()}）"


def _where(record: MatterRecord) -> list[str]:
    if record.accepted or record.referral is None:
        return [f"办理单位：{record.handling_unit}"]
    lines = [f"请找：{record.referral.body}"]
    if record.referral.contact:
        lines.append(f"联系：{record.referral.contact}")
    return lines


def _procedure(record: MatterRecord, with_note: bool) -> list[str]:
    if record.procedure is None:
        return []
    if record.accepted:
        return [f"提示：{record.procedure.note}"] if record.procedure.note else []
    note = record.procedure.note if with_note else ""
    return [f"法定途径：{record.procedure.name}。{note}".rstrip()]


def _buttons(keys: Iterable[str]) -> list[Button]:
    return [label_button(key) for key in keys]


def render_answer(record: MatterRecord, alternatives: Sequence[MatterRecord] = ()) -> Reply:
    """The direct answer for a matter: accepted or not, where, how, time limits, next steps.

    ``alternatives``: other likely matters, offered as buttons after the answer.
    """
    lines = [f"【{record.name}】", record.summary, ""]
    if record.accepted:
        lines.append("这件事属于交警（公安交管部门）受理。")
        lines.extend(_where(record))
        lines.append("办理渠道：" + "、".join(record.channels))
        if record.materials:
            lines.append("需要准备：" + "；".join(record.materials))
    else:
        if record.procedure is not None:
            lines.append("这件事要走法定程序，不作为交警信访受理。")
        else:
            lines.append("这件事不属于交警受理。")
        lines.extend(_where(record))
    lines.extend(_procedure(record, with_note=False))
    if record.time_limits:
        lines.append("时限：")
        lines.extend(_limit_line(limit) for limit in record.time_limits[:ANSWER_MAX_LIMITS])
    if not record.accepted and CATCH_ALL_NUMBER not in "\n".join(lines):
        lines.append(CATCH_ALL_LINE)
    buttons = [matter_button(other) for other in alternatives if other.id != record.id]
    if buttons:
        lines.append(ALTERNATIVES_LINE)
    return Reply(text="\n".join(lines).strip(), buttons=buttons + _buttons(record.next_steps))


def _followup_buttons(record: MatterRecord, topic: str) -> list[Button]:
    keys = [key for key in record.next_steps if key != _TOPIC_LABEL[topic]]
    if "request_human" not in keys:
        keys.append("request_human")
    return _buttons(keys)


def render_followup(record: MatterRecord, topic: str) -> Reply:
    """Answer a follow-up ("要带什么材料", "多久", "去哪办", "过期了怎么办") for a matter."""
    if topic not in _TOPIC_LABEL:
        raise ValueError(f"unknown follow-up topic {topic!r}; expected one of {FOLLOWUP_TOPICS}")
    head = f"关于「{record.label}」："
    if topic == "materials":
        if record.materials:
            lines = [head, "请准备：", *_bullets(record.materials)]
        else:
            lines = [head, "这件事不由交警受理，需要的材料请以对方的要求为准。", *_where(record)]
        if not record.accepted and record.materials:
            lines.append("具体以受理部门的要求为准。")
    elif topic == "time_limit":
        if record.time_limits:
            lines = [head, *[_limit_line(limit) for limit in record.time_limits]]
        else:
            note = ("这件事由其他部门办理，时限以受理部门的规定为准，建议尽早反映。"
                    if not record.accepted else "这件事没有专门的办理时限规定，建议尽早办理。")
            lines = [head, note, *_where(record)]
    elif topic == "where_to_go":
        lines = [head, *_where(record), "渠道：" + "、".join(record.channels)]
        lines.extend(_procedure(record, with_note=True))
    else:
        lines = [head, record.late]
    return Reply(text="\n".join(lines), buttons=_followup_buttons(record, topic))


def render_overview(kb: KnowledgeBase) -> Reply:
    """Short overview of what traffic police handle, one button per area."""
    lines = ["公安交管部门（交警）主要受理：交通事故处理、交通违法处理、车辆和驾驶证业务、"
             "交通秩序与信号设施，以及对交警执法的投诉。"]
    if kb.not_accepted:
        lines.append("")
        lines.append("这些一般不归交警管：")
        lines.extend(f"· {hint.text} → {hint.goes_to}" for hint in kb.not_accepted)
    lines.append("")
    lines.append("请选择您想了解的类别：")
    buttons = [Button(title=area.title, payload=payload("ask_scope_overview", area=area.key))
               for area in kb.areas]
    return Reply(text="\n".join(lines), buttons=buttons)


def render_area(kb: KnowledgeBase, area_key: str) -> Reply:
    """The matters of one area as buttons."""
    area = kb.area(area_key)
    records = [kb.get(matter_id) for matter_id in area.matters]
    lines = [f"【{area.title}】{area.description}"]
    others = [record.label for record in records if not record.accepted]
    if others:
        lines.append("其中「" + "、".join(others) + "」需要找其他部门或走法定程序。")
    lines.append("请选择具体事项：")
    return Reply(text="\n".join(lines), buttons=[matter_button(record) for record in records])


def render_clarify(question: str, option_ids: Sequence[str], kb: KnowledgeBase) -> Reply:
    """A clarifying question.

    One button per candidate matter, then "都不是，其他事情" (the catch-all answer for other
    departments) and 转人工.
    """
    buttons = [matter_button(kb.get(matter_id)) for matter_id in option_ids]
    if CATCH_ALL_MATTER not in option_ids and CATCH_ALL_MATTER in kb:
        buttons.append(Button(title=NONE_OF_THESE_TITLE,
                              payload=payload("describe_matter", matter=CATCH_ALL_MATTER)))
    buttons.append(Button(title=HUMAN_FALLBACK_TITLE, payload=label_button("request_human").payload))
    return Reply(text=question, buttons=buttons)


# ---------------------------------------------------------------- specific questions and the law
# (added for "answer the question asked" and "show the law it cites")

BASIS_LABEL = "ask_legal_basis"           # the "查看法条" button (data/intent_labels.yml)
LAW_ARTICLE_ENTITY = "law_article"        # entity of a button that asks for one article
FULL_ANSWER_TITLE = TEXTS["full_answer_title"]
LEGAL_BASIS_MAX_ARTICLES = 4              # articles quoted in full in one reply
LEGAL_BASIS_MAX_BUTTONS = 6               # further articles offered as buttons
SINGLE_ARTICLE_MAX_CHARS = 1200           # one article asked for by its button
LEGAL_BASIS_INTRO = TEXTS["legal_basis_intro"]
LEGAL_BASIS_ONE_INTRO = TEXTS["legal_basis_one_intro"]
LEGAL_BASIS_MORE = TEXTS["legal_basis_more"]       # {cites}
LEGAL_BASIS_NOTE = TEXTS["legal_basis_note"]
NO_BASIS_TEXT = TEXTS["no_basis_text"]


def scope_line(record: MatterRecord) -> str:
    """One line: do the traffic police accept this matter, and where it goes."""
    if record.accepted:
        return f"「{record.label}」属于交警（公安交管部门）受理，办理单位：{record.handling_unit}。"
    if record.procedure is not None and record.referral is None:
        return f"「{record.label}」要走法定程序（{record.procedure.name}），不作为交警信访受理。"
    where = record.referral.body if record.referral else record.handling_unit
    contact = f"，联系：{record.referral.contact}" if record.referral and record.referral.contact else ""
    if record.procedure is not None:
        return (f"「{record.label}」要走法定程序（{record.procedure.name}），不属于交警信访受理，"
                f"请找：{where}{contact}。")
    return f"「{record.label}」不属于交警受理，请找：{where}{contact}。"


def with_basis_button(reply: Reply) -> Reply:
    """The reply with a "查看法条" button, placed before 转人工 (once)."""
    button = label_button(BASIS_LABEL)
    buttons = [b for b in reply.buttons if b.payload != button.payload]
    human = label_button("request_human").payload
    at = next((i for i, b in enumerate(buttons) if b.payload == human), len(buttons))
    return Reply(text=reply.text, buttons=[*buttons[:at], button, *buttons[at:]], signal=reply.signal)


def render_question(record: MatterRecord, question: Question, alternatives: Sequence[MatterRecord] = ()) -> Reply:
    """The answer to one specific question of a matter (a bot.knowledge.questions.Question).

    The answer, its legal basis, one scope line, then the matter's buttons.
    """
    lines = [f"【{record.label}】{question.question}", question.answer,
             f"依据：{question.cite()}", scope_line(record)]
    buttons = [matter_button(other) for other in alternatives if other.id != record.id]
    if buttons:
        lines.append(ALTERNATIVES_LINE)
    full = Button(title=FULL_ANSWER_TITLE, payload=payload("describe_matter", matter=record.id))
    return Reply(text="\n".join(lines), buttons=[*buttons, full, *_buttons(record.next_steps)])


def matter_basis(record: MatterRecord) -> tuple[LegalBasis, ...]:
    """The bases of a general matter answer, in the order a citizen sees them.

    The time limits shown in the answer, then the matter's legal basis, then the other
    limits.
    """
    shown = [limit.basis for limit in record.time_limits[:ANSWER_MAX_LIMITS]]
    rest = [limit.basis for limit in record.time_limits[ANSWER_MAX_LIMITS:]]
    return tuple(shown) + tuple(record.legal_basis) + tuple(rest)


def followup_basis(record: MatterRecord, topic: str) -> tuple[LegalBasis, ...]:
    """The bases a follow-up answer relies on (time limits cite their own)."""
    if topic == "time_limit" and record.time_limits:
        return tuple(limit.basis for limit in record.time_limits)
    return matter_basis(record)


def article_button(key: str) -> Button:
    """A button asking for one article, e.g. /ask_legal_basis{"law_article":"行政复议法 第二十条"}."""
    statute, _, number = key.rpartition(" ")
    return Button(title=f"《{statute}》{number}",
                  payload=payload(BASIS_LABEL, **{LAW_ARTICLE_ENTITY: key}))


def render_legal_basis(keys: Sequence[str], statutes: Mapping[str, Statute] | None = None,
                       single: bool = False) -> Reply:
    """The exact text of the cited articles (keys like "行政复议法 第二十三条"), read from data/laws.

    Long articles are trimmed politely, missing ones are named as missing. More than
    LEGAL_BASIS_MAX_ARTICLES: the rest are offered as buttons.
    """
    citations = resolve(keys, statutes)
    if not citations:
        return Reply(text=NO_BASIS_TEXT, buttons=[label_button("ask_scope_overview"),
                                                   label_button("request_human")])
    shown = citations[:1] if single else citations[:LEGAL_BASIS_MAX_ARTICLES]
    limit = SINGLE_ARTICLE_MAX_CHARS if single else ARTICLE_MAX_CHARS
    parts = [LEGAL_BASIS_ONE_INTRO if len(shown) == 1 else LEGAL_BASIS_INTRO]
    parts.extend(render_citation(citation, limit) for citation in shown)
    more = citations[len(shown):]
    buttons = [article_button(c.key()) for c in more[:LEGAL_BASIS_MAX_BUTTONS]]
    if more:
        parts.append(LEGAL_BASIS_MORE.format(cites="、".join(c.cite() for c in more)))
    parts.append(LEGAL_BASIS_NOTE)
    return Reply(text="\n\n".join(parts), buttons=[*buttons, label_button("request_human")])


MENTION_INTRO = TEXTS["mention_intro"]
MENTION_OUTRO = TEXTS["mention_outro"]


def render_mentions(records: Sequence[MatterRecord]) -> Reply:
    """Other matters a long letter names in single sentences: one line each, buttons."""
    lines = [MENTION_INTRO, *(scope_line(record) for record in records), MENTION_OUTRO]
    return Reply(text="\n".join(lines), buttons=[matter_button(record) for record in records])
