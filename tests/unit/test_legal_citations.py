"""Every legal citation in the knowledge base checked against the statute texts in data/laws/.

For each matter (bot.knowledge.default_knowledge()):

* every cited statute has a file in data/laws/ (the file whose name is the statute
  name followed by "(date).md" — "道路交通安全法" is the law, not its 实施条例);
* every cited article exists there (bot.knowledge.laws parses the "第X条" headings);
  a citation of a 款/项 ("第三十一条第六项") is checked at least at article level,
  and the 款/项 must exist too;
* the text of the cited articles (each up to the next article heading) contains every
  number of days/months/years that the time limit's text quotes: 3个工作日 ↔ 三日,
  60日 ↔ 六十日, 6个月 ↔ 六个月, 7天 ↔ 七天 …

Then: every record names a body and a channel in its answer, and the corrections
listed in docs/legal-review.md stay made.
"""
from __future__ import annotations

import re

import pytest
import yaml

from bot.knowledge import (
    KnowledgeBase,
    LegalBasis,
    MatterRecord,
    TimeLimit,
    default_knowledge,
    render_answer,
)
from bot.knowledge.laws import Article, chinese_to_int, default_statutes
from bot.knowledge.loader import REPO_ROOT

REVIEW_DOC = REPO_ROOT / "docs" / "legal-review.md"
CANNED = REPO_ROOT / "data" / "handoff" / "canned_replies.yml"

# ---------------------------------------------------------------- numerals and durations

CN_NUMBER = "[零〇一二两三四五六七八九十百千]+"


def number(text: str) -> int:
    """15 -> 15, 十五 -> 15, 一百二十 -> 120, 两 -> 2 (statutes write 两个月)."""
    if text.isdigit():
        return int(text)
    return chinese_to_int(text.replace("两", "二").replace("〇", "零"))


# 3日, 3个工作日, 三日, 十五日, 7天, 6个月, 六个月, 一年, 3年 -> (value, unit)
_DURATION = re.compile(rf"(\d+|{CN_NUMBER})\s*个?(工作日|日|天|月|年)")
_UNIT_CLASS = {"工作日": "day", "日": "day", "天": "day", "月": "month", "年": "year"}


def durations(text: str) -> set[tuple[int, str]]:
    """Every (number, unit class) quoted in text; unit class is day, month or year."""
    return {(number(value), _UNIT_CLASS[unit]) for value, unit in _DURATION.findall(text)}


# ---------------------------------------------------------------- citations

_ITEM = re.compile(r"^[（(][零一二三四五六七八九十]+[）)]")
_CITATION = re.compile(rf"^(第{CN_NUMBER}条)(?:第({CN_NUMBER})款)?(?:第({CN_NUMBER})项)?$")


def parse_citation(citation: str) -> tuple[str, int | None, int | None]:
    """第三十一条第六项 -> ("第三十一条", None, 6); 第二十八条第二款 -> ("第二十八条", 2, None)."""
    match = _CITATION.match(citation)
    if not match:
        raise ValueError(f"not an article citation: {citation!r}")
    article, paragraph, item = match.groups()
    return article, number(paragraph) if paragraph else None, number(item) if item else None


def clauses(article: Article) -> list[list[str]]:
    """The article's 款, each a list of lines: its first line, then its 项."""
    found: list[list[str]] = []
    for line in article.paragraphs:
        if _ITEM.match(line) and found:
            found[-1].append(line)
        else:
            found.append([line])
    return found


def check_basis(basis: LegalBasis) -> tuple[list[str], str]:
    """Problems with a citation, and the text of the cited articles."""
    statute = default_statutes().get(basis.statute)
    if statute is None:
        return [f"no statute file for 《{basis.statute}》 in data/laws/"], ""
    problems, texts = [], []
    for citation in basis.articles:
        try:
            heading, paragraph, item = parse_citation(citation)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        article = statute.article(heading)
        if article is None:
            problems.append(f"《{basis.statute}》 has no {heading}")
            continue
        texts.append(article.text)
        parts = clauses(article)
        if paragraph is not None and paragraph > len(parts):
            problems.append(f"《{basis.statute}》{citation}: the article has {len(parts)} 款")
        elif item is not None and item > len(parts[(paragraph or 1) - 1]) - 1:
            problems.append(f"《{basis.statute}》{citation}: no such 项")
    return problems, "\n".join(texts)


def check_limit(limit: TimeLimit) -> list[str]:
    """Problems with a time limit: its citation, and quoted durations the articles lack."""
    problems, text = check_basis(limit.basis)
    if problems:
        return problems
    missing = durations(limit.text) - durations(text)
    return [f"{limit.basis.cite()} does not contain {value} {unit}(s) quoted in {limit.text!r}"
            for value, unit in sorted(missing)]


def record_problems(record: MatterRecord) -> list[str]:
    problems = [f"{record.id}: legal_basis: {p}" for basis in record.legal_basis
                for p in check_basis(basis)[0]]
    problems += [f"{record.id}: time_limits[{index}]: {p}"
                 for index, limit in enumerate(record.time_limits) for p in check_limit(limit)]
    return problems


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return default_knowledge()


# ---------------------------------------------------------------- the checker itself


def test_numbers_in_both_forms() -> None:
    cases = {"一": 1, "十": 10, "十五": 15, "二十": 20, "三十": 30, "六十": 60, "九十": 90,
             "一百二十": 120, "两": 2, "15": 15}
    for text, value in cases.items():
        assert number(text) == value, text


def test_durations_accept_both_numeral_forms() -> None:
    assert durations("3个工作日内") == durations("三日内") == {(3, "day")}
    assert durations("6个月内") == durations("六个月内") == {(6, "month")}
    assert durations("15日") == durations("十五日") == {(15, "day")}
    assert durations("两个月内") == {(2, "month")}
    assert durations("满7天，最长不超过三年") == {(7, "day"), (3, "year")}
    assert durations("200元以下罚款，扣减6分，满30分钟") == set()


def test_statute_is_the_exact_file() -> None:
    statutes = default_statutes()
    assert statutes["道路交通安全法"].path.name.startswith("道路交通安全法(")
    assert "道路交通安全" not in statutes  # a prefix of several files is no statute
    assert check_basis(LegalBasis("道路交通安全", ("第一条",)))[0]


def test_citations_down_to_clause_and_item() -> None:
    assert parse_citation("第三十一条第六项") == ("第三十一条", None, 6)
    assert parse_citation("第二十八条第二款") == ("第二十八条", 2, None)
    assert parse_citation("第二十三条第一款第一项") == ("第二十三条", 1, 1)
    with pytest.raises(ValueError):
        parse_citation("第三十一条之一")
    petition = default_statutes()["信访工作条例"]
    article = petition.article("第三十一条")
    assert article is not None and "（六）" in article.text and "第三十二条" not in article.text
    assert len(clauses(article)) == 1 and len(clauses(article)[0]) == 7  # 1 款, 6 项
    assert len(clauses(petition.article("第三十六条"))) == 3  # type: ignore[arg-type]


def test_checker_fails_on_a_wrong_citation() -> None:
    """A fake "30日内" citing an article that says 十日 must be caught."""
    wrong = TimeLimit("自调解开始之日起30日内制作调解书",
                      LegalBasis("道路交通事故处理程序规定", ("第九十条",)))
    problems = check_limit(wrong)
    assert problems and "30" in problems[0]
    right = TimeLimit("自调解开始之日起10个工作日内制作调解书",
                      LegalBasis("道路交通事故处理程序规定", ("第九十条", "第一百一十二条")))
    assert check_limit(right) == []
    # the month must be the month: 3个月 is not in an article that says 三日 only
    assert check_limit(TimeLimit("3个月内", LegalBasis("道路交通事故处理程序规定", ("第七十一条",))))
    # unknown statute, unknown article, unknown 款/项
    assert check_limit(TimeLimit("10日内", LegalBasis("道路交通法", ("第一条",))))
    assert check_limit(TimeLimit("10日内", LegalBasis("道路交通事故处理程序规定", ("第九百条",))))
    assert check_basis(LegalBasis("信访工作条例", ("第二十八条第四款",)))[0]
    assert check_basis(LegalBasis("信访工作条例", ("第三十一条第七项",)))[0]
    assert check_basis(LegalBasis("信访工作条例", ("第二十八条第二款", "第三十一条第六项")))[0] == []


def test_checker_reports_a_broken_record(kb: KnowledgeBase) -> None:
    from dataclasses import replace

    record = kb.get("accident_review")
    extra = TimeLimit("送达之日起5日内申请复核", LegalBasis("道路交通事故处理程序规定", ("第七十一条",)))
    broken = replace(record, time_limits=(*record.time_limits, extra))
    assert record_problems(record) == []
    assert any("5 day" in problem for problem in record_problems(broken))


# ---------------------------------------------------------------- the knowledge base


def test_every_citation_and_quoted_time_limit_matches_the_statute_text(kb: KnowledgeBase) -> None:
    problems = [problem for record in kb for problem in record_problems(record)]
    assert not problems, "\n".join(problems)


def test_every_decision_names_a_body_and_a_channel(kb: KnowledgeBase) -> None:
    for record in kb:
        assert record.handling_unit.strip() and record.channels, record.id
        text = render_answer(record).text
        if record.accepted:
            assert f"办理单位：{record.handling_unit}" in text, record.id
            assert "办理渠道：" + "、".join(record.channels) in text, record.id
        else:
            assert record.referral is not None, record.id
            assert record.referral.body.strip() and record.referral.contact.strip(), record.id
            assert f"请找：{record.referral.body}" in text, record.id
            assert f"联系：{record.referral.contact}" in text, record.id


def test_review_document_lists_every_matter(kb: KnowledgeBase) -> None:
    text = REVIEW_DOC.read_text(encoding="utf-8")
    missing = [record.id for record in kb if f"`{record.id}`" not in text]
    assert not missing, f"docs/legal-review.md lacks {missing}"


# ---------------------------------------------------------------- the corrections stay made


def cited(record: MatterRecord) -> frozenset[tuple[str, str]]:
    return frozenset((basis.statute, article) for basis in record.all_bases() for article in basis.articles)


def test_rejected_objection_leads_to_review_first_for_on_the_spot_decisions(kb: KnowledgeBase) -> None:
    record = kb.get("violation_record_dispute")
    assert "简易程序" in record.late and "必须先申请行政复议" in record.late and "60日" in record.late
    assert {("行政复议法", "第二十三条"), ("道路交通安全违法行为处理程序规定", "第五十二条"),
            ("道路交通安全违法行为处理程序规定", "第四十四条")} <= cited(record)


def test_penalty_appeal_states_which_decisions_need_review_first(kb: KnowledgeBase) -> None:
    record = kb.get("penalty_appeal")
    assert "必须先申请行政复议" in record.summary and "当场作出" in record.summary
    assert "200元以下" in record.summary and "超过200元" in record.summary
    first, second = record.time_limits[:2]  # what render_answer shows
    assert "60日" in first.text and "先复议" in first.text and "第二十三条" in first.basis.articles
    assert "6个月" in second.text and "第四十六条" in second.basis.articles


@pytest.mark.parametrize("matter_id", ["penalty_appeal", "litigation_in_progress"])
def test_review_decision_periods_and_suing_after_silence(kb: KnowledgeBase, matter_id: str) -> None:
    record = kb.get(matter_id)
    decision = [t for t in record.time_limits if t.basis.statute == "行政复议法"
                and "第六十二条" in t.basis.articles]
    assert decision and "简易程序" in decision[0].text and "30日" in decision[0].text
    assert "第五十三条" in decision[0].basis.articles
    suing = [t for t in record.time_limits if t.basis.statute == "行政诉讼法"
             and "第四十五条" in t.basis.articles]
    assert suing and "复议期满之日起15日" in suing[0].text


def test_compensation_offers_police_mediation_first(kb: KnowledgeBase) -> None:
    record = kb.get("compensation_litigation")
    first = record.time_limits[0]
    assert "交警调解" in first.text and "10个工作日" in first.text
    assert {"第八十四条", "第八十六条"} <= set(first.basis.articles)
    assert "调解" in record.summary and "10个工作日" in record.summary


@pytest.mark.parametrize("matter_id", ["compensation_litigation", "litigation_in_progress"])
def test_separation_of_litigation_cites_the_right_articles(kb: KnowledgeBase, matter_id: str) -> None:
    record = kb.get(matter_id)
    assert ("信访工作条例", "第二十二条") not in cited(record)
    assert {("信访工作条例", "第二十八条"), ("信访工作条例", "第三十一条")} <= cited(record)


@pytest.mark.parametrize("matter_id", ["traffic_order", "traffic_signal", "vehicle_noise", "officer_conduct"])
def test_sixty_day_handling_and_recheck_only_for_opinions(kb: KnowledgeBase, matter_id: str) -> None:
    """第三十四、三十五条 apply to 第三十一条第六项 matters: every mention says so."""
    record = kb.get(matter_id)
    assert record.procedure is not None and record.procedure.note
    for text in [t.text for t in record.time_limits] + [record.late, record.procedure.note]:
        if "60日内办结" in text or "复查" in text:
            assert "不适用" in text or "不走" in text or "不能申请" in text or "信访处理意见书" in text, \
                (matter_id, text)
    if matter_id in ("traffic_order", "vehicle_noise"):  # requests to act on violations
        assert {("行政复议法", "第十一条"), ("行政复议法", "第二十三条"),
                ("信访工作条例", "第三十一条")} <= cited(record)
    if matter_id == "traffic_signal":
        assert ("信访工作条例", "第二十九条") in cited(record)
    if matter_id == "officer_conduct":
        assert ("信访工作条例", "第三十条") in cited(record)


def test_canned_review_reply_says_working_days_and_original_unit() -> None:
    replies = yaml.safe_load(CANNED.read_text(encoding="utf-8"))["canned_replies"]
    text = next(item["text"] for item in replies if item["title"] == "事故认定复核")
    assert "3个工作日" in text and "送达之日起" in text and "原办案" in text and "2个工作日" in text


def test_compulsory_insurance_limits_are_not_applied_to_commercial_insurance(kb: KnowledgeBase) -> None:
    record = kb.get("insurance_claim")
    for limit in record.time_limits:
        if limit.basis.statute == "机动车交通事故责任强制保险条例":
            assert limit.text.startswith("交强险"), limit.text
    assert "只适用于交强险" in record.summary


def test_accident_certificate_has_no_invented_delivery_limit(kb: KnowledgeBase) -> None:
    for limit in kb.get("accident_records").time_limits:
        if "第六十七条" in limit.basis.articles:
            assert not durations(limit.text), limit.text


def test_driving_licence_study_place_and_extension(kb: KnowledgeBase) -> None:
    record = kb.get("driving_license")
    assert ("道路交通安全违法行为记分管理办法", "第二十条") in cited(record)
    assert "违法行为发生地、处理地" in record.summary
    assert "延期期间不得驾驶机动车" in record.late
    assert any("延期期间不得驾驶" in t.text and "第七十五条" in t.basis.articles for t in record.time_limits)


def test_road_occupation_can_be_a_police_matter(kb: KnowledgeBase) -> None:
    record = kb.get("illegal_construction")
    assert {("道路交通安全法", "第三十一条"), ("道路交通安全法", "第一百零四条")} <= cited(record)
    assert any("122" in channel for channel in record.channels)


def test_accident_determination_shorter_limits(kb: KnowledgeBase) -> None:
    record = kb.get("accident_determination")
    limits = {article for t in record.time_limits for article in t.basis.articles}
    assert {"第二十四条", "第六十九条"} <= limits


def test_points_reduction_exclusions(kb: KnowledgeBase) -> None:
    record = kb.get("violation_handling")
    assert ("道路交通安全违法行为记分管理办法", "第二十六条") in cited(record)
    assert "不予受理" in record.summary


def test_driving_school_body_agrees_between_record_and_overview(kb: KnowledgeBase) -> None:
    record = kb.get("driving_school")
    assert record.referral is not None and record.referral.body.startswith("交通运输主管部门")
    hint = next(h for h in kb.not_accepted if "driving_school" in h.matters)
    assert hint.goes_to.startswith("交通运输部门")
    assert ("道路交通安全法", "第二十条") in cited(record)
