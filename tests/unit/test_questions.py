"""Specific questions per matter (data/knowledge/questions/): data rules, selection, rendering."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge import default_knowledge
from bot.knowledge.laws import default_statutes
from bot.knowledge.loader import KnowledgeError
from bot.knowledge.questions import (
    MAX_PHRASINGS,
    MIN_ACCEPTED_QUESTIONS,
    MIN_OTHER_QUESTIONS,
    MIN_PHRASINGS,
    QUESTIONS_DIR,
    QuestionBank,
    load_questions,
    normalize,
    select_question,
)
from bot.knowledge.render import (
    FULL_ANSWER_TITLE,
    render_question,
    scope_line,
    with_basis_button,
)
from bot.labels import label_button

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return load_questions()


# ---------------------------------------------------------------- the data


def test_every_matter_has_enough_questions(bank: QuestionBank) -> None:
    for record in default_knowledge():
        wanted = MIN_ACCEPTED_QUESTIONS if record.accepted else MIN_OTHER_QUESTIONS
        assert len(bank.for_matter(record.id)) >= wanted, record.id
    assert {path.stem for path in QUESTIONS_DIR.glob("*.yml")} == set(default_knowledge().ids)


def test_question_fields(bank: QuestionBank) -> None:
    for question in bank:
        assert MIN_PHRASINGS <= len(question.phrasings) <= MAX_PHRASINGS, question.key
        assert question.answer and question.basis and question.question, question.key
        assert CJK.search(question.answer) and len(question.answer) <= 420, question.key


def test_every_cited_article_is_in_data_laws(bank: QuestionBank) -> None:
    statutes = default_statutes()
    for question in bank:
        for basis in question.basis:
            assert basis.statute in statutes, (question.key, basis.statute)
            for number in basis.articles:
                assert statutes[basis.statute].article(number) is not None, (question.key, number)


def test_accepted_answers_never_say_not_accepted(bank: QuestionBank) -> None:
    """The e2e tests read "不属于" as "not accepted": an accepted matter's answer must not say it."""
    kb = default_knowledge()
    for question in bank:
        record = kb.get(question.matter)
        text = render_question(record, question).text
        assert ("不属于" in text or "不作为交警信访受理" in text) is (not record.accepted), question.key


def _write(root: Path, matter: str, questions: list) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{matter}.yml").write_text(
        yaml.safe_dump({"matter": matter, "questions": questions}, allow_unicode=True),
        encoding="utf-8")


GOOD = {"id": "one", "question": "问题？", "phrasings": ["说法一", "说法二", "说法三"],
        "answer": "请这样办。", "basis": [{"statute": "道路交通安全法", "articles": ["第十九条"]}]}


@pytest.mark.parametrize("change, message", [
    ({"basis": [{"statute": "道路交通安全法", "articles": ["第九百条"]}]}, r"has no 第九百条"),
    ({"basis": [{"statute": "不存在的法", "articles": ["第一条"]}]}, r"not in data/laws"),
    ({"basis": [{"statute": "道路交通安全法", "articles": ["第十九条第一款"]}]}, r"第七十一条"),
    ({"phrasings": ["只有一个"]}, r"phrasings.*3-6"),
    ({"id": "Bad-Id"}, r"field 'id'"),
    ({"answer": "**加粗**"}, r"plain text"),
    ({"extra": 1}, r"unknown field"),
])
def test_validation_names_file_and_field(tmp_path: Path, change: dict, message: str) -> None:
    _write(tmp_path, "driving_license", [{**GOOD, **change}])
    with pytest.raises(KnowledgeError, match=message):
        load_questions(tmp_path)


def test_validation_of_files(tmp_path: Path) -> None:
    _write(tmp_path / "a", "no_such_matter", [GOOD])
    with pytest.raises(KnowledgeError, match="not a matter"):
        load_questions(tmp_path / "a")
    _write(tmp_path / "b", "driving_license", [GOOD, GOOD])
    with pytest.raises(KnowledgeError, match="repeats"):
        load_questions(tmp_path / "b")
    _write(tmp_path / "c", "driving_license", [GOOD, {**GOOD, "id": "two", "question": "别的？"}])
    with pytest.raises(KnowledgeError, match="also in question 'one'"):
        load_questions(tmp_path / "c")
    _write(tmp_path / "d", "driving_license", [GOOD])
    assert len(load_questions(tmp_path / "d")) == 1


# ---------------------------------------------------------------- selection


@pytest.mark.parametrize("matter, text, question_id", [
    ("driving_license", "驾照12分扣满了怎么办", "full_score"),
    ("driving_license", "满分后怎么办", "full_score"),
    ("driving_license", "驾照过期半年了还能开吗", "expired"),
    ("driving_license", "驾照过期了还能开吗", "expired"),
    ("driving_license", "驾驶证超期三个月了还可以开车不", "expired"),
    ("driving_license", "异地换证", "renew_elsewhere"),
    ("driving_license", "补证", "lost_license"),
    ("driving_license", "驾照掉了", "lost_license"),
    ("driving_license", "审验", "inspection"),
    ("driving_license", "駕照遺失補領流程", "lost_license"),
    ("violation_handling", "罚款逾期怎么办", "late_fine"),
    ("violation_handling", "记分怎么查", "check_points"),
    ("violation_handling", "学法减分条件", "study_deduction"),
    ("violation_handling", "替别人消分", "points_for_others"),
    ("penalty_appeal", "电子眼拍的200元罚款不服能直接起诉吗", "camera_fine_court"),
    ("penalty_appeal", "被电子警察罚了两百块，我不服，能不能直接去法院告？", "camera_fine_court"),
    ("accident_mediation", "对方不赔钱，交警还能调解吗", "other_party_refuses"),
    ("compensation_litigation", "对方不赔钱，交警还能调解吗", "refuses_to_pay"),
    ("accident_review", "责任认定不服要在几天内提出", "deadline"),
    ("vehicle_noise", "炸街车怎么举报", "modified_roar"),
    ("traffic_signal", "施工后红绿灯一直没恢复", "broken_light"),
    ("driving_license", "驾照下个月就到期了，可是我人在国外工作要明年才能回国。听说可以延期换证？",
     "postpone"),
])
def test_specific_questions_get_their_specific_answer(bank: QuestionBank, matter: str, text: str,
                                                       question_id: str) -> None:
    found = bank.match(matter, text)
    assert found is not None and found.question.id == question_id, bank.rank(matter, text)[:2]


@pytest.mark.parametrize("matter, text", [
    ("driving_license", "我想咨询一下驾驶证业务"),
    ("driving_license", "驾照的问题"),
    ("driving_license", "想增驾A2怎么申请"),
    ("violation_handling", "我有几个违章要处理"),
    ("penalty_appeal", "我对交警的处罚不服"),
    ("accident_report", "刚刚出了交通事故"),
    ("accident_report", "我的车被撞了"),
    ("accident_determination", "我想问问事故认定书的事"),
    ("officer_conduct", "我要反映一个交警的问题"),
    ("traffic_signal", "路口的信号灯有问题"),
    ("vehicle_registration", "我要办车辆登记业务"),
    ("other_government", "社保的问题"),
    ("bus_service", "公交车的问题"),
])
def test_a_generic_description_gets_the_general_answer(bank: QuestionBank, matter: str,
                                                       text: str) -> None:
    assert bank.match(matter, text) is None, bank.rank(matter, text)[:2]


def test_payloads_and_empty_texts_are_no_questions(bank: QuestionBank) -> None:
    assert bank.match("driving_license", '/describe_matter{"matter":"driving_license"}') is None
    assert bank.match("driving_license", "") is None
    assert bank.match("driving_license", "？") is None
    assert bank.match("no_such_matter", "驾照过期半年了还能开吗") is None
    assert select_question("driving_license", "驾照过期半年了还能开吗").id == "expired"


def test_normalize_maps_synonyms_and_drops_punctuation() -> None:
    assert normalize("驾驶证，扣分？") == "驾照记分"
    assert normalize("违章 Check!") == "违法check"


# ---------------------------------------------------------------- rendering


def test_specific_answer_says_scope_in_one_line_and_keeps_the_buttons(bank: QuestionBank) -> None:
    kb = default_knowledge()
    record = kb.get("driving_license")
    question = bank.get("driving_license", "expired")
    reply = with_basis_button(render_question(record, question))
    lines = reply.text.splitlines()
    assert lines[0] == "【驾驶证业务】驾照过期了还能开车吗？"
    assert lines[1] == question.answer
    assert lines[2].startswith("依据：《道路交通安全法实施条例》第二十八条；《机动车驾驶证申领和使用规定》")
    assert lines[3] == scope_line(record) and "属于交警" in lines[3] and "不属于" not in reply.text
    titles = [b.title for b in reply.buttons]
    assert titles[0] == FULL_ANSWER_TITLE
    assert reply.buttons[0].payload == '/describe_matter{"matter":"driving_license"}'
    for key in record.next_steps:
        assert label_button(key) in reply.buttons
    assert titles.index("查看法条") == titles.index("转人工") - 1


def test_not_accepted_specific_answer_names_where_to_go(bank: QuestionBank) -> None:
    kb = default_knowledge()
    taxi = kb.get("taxi_ride_hailing")
    text = render_question(taxi, bank.get("taxi_ride_hailing", "service_complaint")).text
    assert "「出租车网约车服务」不属于交警受理，请找：" in text and "12328" in text
    appeal = kb.get("penalty_appeal")
    reply = render_question(appeal, bank.get("penalty_appeal", "camera_fine_court"),
                            [kb.get("accident_review")])
    assert "要走法定程序（行政复议或行政诉讼），不属于交警信访受理" in reply.text
    assert "先向行政复议机关申请行政复议" in reply.text and "60日" in reply.text
    assert "《行政复议法》第二十三条" in reply.text
    assert reply.buttons[0].payload == '/describe_matter{"matter":"accident_review"}'
