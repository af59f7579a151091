"""bot.knowledge.laws: statute texts parsed by their 第X条 headings, citations, trimming."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.laws import (
    ARTICLE_MAX_CHARS,
    LAWS_DIR,
    MISSING_NOTE,
    TRIM_NOTE,
    UNKNOWN_STATUTE_NOTE,
    Citation,
    LawError,
    article,
    basis_keys,
    chinese_to_int,
    cited_keys,
    default_statutes,
    int_to_chinese,
    normalize_article,
    parse_key,
    parse_statute,
    render_citation,
    resolve,
    trim,
)
from bot.knowledge.loader import LegalBasis


@pytest.mark.parametrize("number, numeral", [
    (1, "一"), (10, "十"), (11, "十一"), (18, "十八"), (20, "二十"), (23, "二十三"),
    (100, "一百"), (101, "一百零一"), (108, "一百零八"), (110, "一百一十"), (112, "一百一十二"),
])
def test_chinese_numerals_round_trip(number: int, numeral: str) -> None:
    assert int_to_chinese(number) == numeral
    assert chinese_to_int(numeral) == number


def test_article_references_are_normalized() -> None:
    assert normalize_article("第23条") == "第二十三条"
    assert normalize_article("23") == "第二十三条"
    assert normalize_article("一百零八") == "第一百零八条"
    assert normalize_article("第二十三条") == "第二十三条"
    with pytest.raises(LawError):
        normalize_article("第三款")


def test_every_statute_file_parses_into_consecutive_articles() -> None:
    statutes = default_statutes()
    assert len(statutes) == len(list(LAWS_DIR.glob("*.md"))) >= 14
    for name, statute in statutes.items():
        numbers = [a.ordinal for a in statute.articles.values()]
        assert numbers == list(range(1, len(numbers) + 1)), name
        assert all(a.paragraphs and a.paragraphs[0] for a in statute.articles.values()), name
        assert all("\u200b" not in p for a in statute.articles.values() for p in a.paragraphs)


def test_an_article_is_found_with_its_paragraphs() -> None:
    found = article("行政复议法", "第二十三条")
    assert found is not None and found.cite() == "《行政复议法》第二十三条"
    assert found.paragraphs[0].startswith("有下列情形之一的，申请人应当先向行政复议机关申请行政复议")
    assert found.paragraphs[1] == "（一）对当场作出的行政处罚决定不服；"
    assert found.paragraphs[-1].startswith("对前款规定的情形")
    assert article("道路交通安全法实施条例", "28").text.startswith(
        "机动车驾驶人在机动车驾驶证丢失、损毁、超过有效期")
    # the heading is not part of the text; the next article is not either
    assert "第二十四条" not in found.text
    assert default_statutes()["行政复议法"].title == "中华人民共和国行政复议法"


def test_a_missing_article_or_statute_is_reported_clearly() -> None:
    assert article("行政复议法", "第九百条") is None
    assert article("不存在的法", "第一条") is None
    missing, unknown = resolve(["行政复议法 第九百条", "不存在的法 第一条"])
    assert not missing.found and missing.statute_known
    assert not unknown.found and not unknown.statute_known
    assert render_citation(missing) == f"《行政复议法》第九百条\n{MISSING_NOTE}"
    assert render_citation(unknown) == f"《不存在的法》第一条\n{UNKNOWN_STATUTE_NOTE}"


def test_long_articles_are_trimmed_politely() -> None:
    longest = max((a for s in default_statutes().values() for a in s.articles.values()),
                  key=lambda a: len(a.text))
    assert len(longest.text) > ARTICLE_MAX_CHARS
    text = render_citation(Citation(longest.statute, longest.number, longest))
    assert text.endswith(TRIM_NOTE) and len(text) < ARTICLE_MAX_CHARS + 120
    short = article("道路交通安全法", "第十九条")
    assert TRIM_NOTE not in render_citation(Citation(short.statute, short.number, short))
    kept, trimmed = trim(["甲" * 30 + "。" + "乙" * 30], max_chars=40)
    assert trimmed and kept == ["甲" * 30 + "。"]


def test_keys_resolve_and_keep_order_without_repeats() -> None:
    bases = [LegalBasis("行政复议法", ("第二十三条", "第二十条")),
             LegalBasis("行政复议法", ("第二十条",)), LegalBasis("行政诉讼法", ("第四十六条",))]
    keys = basis_keys(bases)
    assert keys == ["行政复议法 第二十三条", "行政复议法 第二十条", "行政诉讼法 第四十六条"]
    assert [c.key() for c in resolve([*keys, "乱写", "行政复议法 第20条"])] == keys
    assert parse_key("行政复议法 第20条") == ("行政复议法", "第二十条")
    with pytest.raises(LawError):
        parse_key("行政复议法")


def test_citations_are_read_from_bot_texts() -> None:
    text = ("向交警部门信访……（《信访工作条例》第十七条）。……（第十九条）；《中华人民共和国行政复议法》"
            "第二十三条第一款第一项；《公安机关办理行政案件程序规定》第三条；第二十条")
    assert cited_keys(text) == ["信访工作条例 第十七条", "信访工作条例 第十九条",
                                "行政复议法 第二十三条"]
    assert cited_keys("没有引用") == []


def test_parse_statute_skips_the_header_and_invisible_characters(tmp_path: Path) -> None:
    path = tmp_path / "示例法(2020-01-01).md"
    path.write_text("# 中华人民共和国示例法\n\n第一条 不是正文\n<!-- INFO END -->\n\n## 第一章 总 则\n"
                    "\u200b\n第一条 第一款。\n\n第二款。\n第二条 只有一款，引用第一条规定。\n",
                    encoding="utf-8")
    statute = parse_statute(path)
    assert (statute.name, statute.title, statute.version) == ("示例法", "中华人民共和国示例法", "2020-01-01")
    assert statute.article("第一条").paragraphs == ("第一款。", "第二款。")
    assert statute.article("2").chapter == "第一章 总 则"
