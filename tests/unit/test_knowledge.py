"""Knowledge base: consistency with the taxonomy and statutes, rendering, decisions, sync."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path

import pytest
import yaml

from bot.knowledge import (
    FOLLOWUP_TOPICS,
    KnowledgeBase,
    KnowledgeError,
    decide,
    default_knowledge,
    load_knowledge,
    render_answer,
    render_area,
    render_clarify,
    render_followup,
    render_overview,
    sync_responses,
)
from bot.knowledge.loader import REPO_ROOT, Policy
from bot.labels import label_button, load_labels
from bot.replies import Reply

SHARED = REPO_ROOT.parent / "shared"
MATTERS_SPEC = SHARED / "spec" / "matters.yml"
LAWS = SHARED / "reference" / "laws"
CJK = re.compile(r"[\u4e00-\u9fff]")
MARKDOWN = re.compile(r"(\*\*|__|^#+ |^\s*[-*] |\[[^\]]+\]\()", re.MULTILINE)

needs_shared = pytest.mark.skipif(not MATTERS_SPEC.exists() or not LAWS.is_dir(),
                                  reason="../shared (taxonomy, statutes) not available")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, bool]:
    spec = yaml.safe_load(MATTERS_SPEC.read_text(encoding="utf-8"))
    return {item["id"]: item["accepted"] for item in spec["matters"]}


@cache
def statute_articles(statute: str) -> frozenset:
    """Article headings (第X条) that start a line in the statute's Markdown text."""
    files = [path for path in LAWS.glob("*.md") if path.name.split("(")[0] == statute]
    assert files, f"no statute file for {statute!r} in {LAWS}"
    text = files[0].read_text(encoding="utf-8")
    return frozenset(re.findall(r"^(第[零一二三四五六七八九十百千]+条)[ \u3000]", text, re.MULTILINE))


# ---------------------------------------------------------------- consistency


@needs_shared
def test_every_taxonomy_id_has_a_record_with_the_same_accepted(kb: KnowledgeBase) -> None:
    spec = taxonomy()
    assert set(kb.ids) == set(spec)
    for matter_id, accepted in spec.items():
        assert kb.get(matter_id).accepted is accepted, matter_id


@needs_shared
def test_every_cited_article_exists_in_its_statute(kb: KnowledgeBase) -> None:
    statutes = {path.name.split("(")[0] for path in LAWS.glob("*.md")}
    for record in kb:
        for basis in record.all_bases():
            assert basis.statute in statutes, f"{record.id}: unknown statute {basis.statute}"
            missing = set(basis.articles) - statute_articles(basis.statute)
            assert not missing, f"{record.id}: {basis.statute} has no {sorted(missing)}"


def test_record_fields(kb: KnowledgeBase) -> None:
    for record in kb:
        assert (REPO_ROOT / "data" / "knowledge" / "matters" / f"{record.id}.yml").exists()
        assert CJK.search(record.summary) and CJK.search(record.late)
        assert record.channels and record.legal_basis and record.next_steps
        if not record.accepted:
            assert record.referral is not None and record.referral.body, record.id
    assert kb.get("officer_conduct").needs_officer


def test_required_statutory_facts(kb: KnowledgeBase) -> None:
    review = kb.get("accident_review")
    assert any("3日" in t.text and "第七十一条" in t.basis.articles for t in review.time_limits)
    assert any("30日" in t.text and "第七十四条" in t.basis.articles for t in review.time_limits)
    assert "一次" in review.summary and review.procedure is not None
    appeal = kb.get("penalty_appeal")
    cited = {(b.statute, a) for b in appeal.all_bases() for a in b.articles}
    assert ("行政复议法", "第二十条") in cited and ("行政复议法", "第二十三条") in cited
    assert ("行政诉讼法", "第四十六条") in cited
    for matter_id in ("compensation_litigation", "litigation_in_progress"):
        assert kb.get(matter_id).procedure is not None
        assert any(b.statute == "信访工作条例" for b in kb.get(matter_id).legal_basis)


def test_areas_partition_the_matters(kb: KnowledgeBase) -> None:
    assert 4 <= len(kb.areas) <= 6
    seen: list[str] = []
    for area in kb.areas:
        seen.extend(area.matters)
        for matter_id in area.matters:
            assert kb.get(matter_id).area == area.key
    assert sorted(seen) == sorted(kb.ids)
    assert kb.not_accepted
    for hint in kb.not_accepted:
        assert all(not kb.get(m).accepted for m in hint.matters)


def test_ambiguity_ids_exist(kb: KnowledgeBase) -> None:
    assert kb.ambiguities and kb.pairs
    for ambiguity in kb.ambiguities:
        assert all(m in kb for m in ambiguity.matters) and ambiguity.question
    for pair in kb.pairs:
        assert len(pair.matters) == 2 and all(m in kb for m in pair.matters)
    assert kb.pair_question("penalty_appeal", "accident_review")


def test_next_steps_are_labels(kb: KnowledgeBase) -> None:
    labels = load_labels()
    for record in kb:
        assert set(record.next_steps) <= set(labels), record.id
    assert label_button("request_human").payload == "/request_human"
    with pytest.raises(KeyError):
        label_button("no_such_intent")


def test_get_unknown_raises_keyerror(kb: KnowledgeBase) -> None:
    with pytest.raises(KeyError):
        kb.get("no_such_matter")
    assert default_knowledge() is default_knowledge()


def test_validation_names_file_and_field(tmp_path: Path) -> None:
    source = REPO_ROOT / "data" / "knowledge"
    root = tmp_path / "knowledge"
    (root / "matters").mkdir(parents=True)
    for name in ("areas.yml", "ambiguity.yml", "policy.yml"):
        (root / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    for path in (source / "matters").glob("*.yml"):
        (root / "matters" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(load_knowledge(root)) == len(load_knowledge())
    broken = root / "matters" / "parking_fee.yml"
    data = yaml.safe_load(broken.read_text(encoding="utf-8"))
    del data["referral"]
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"parking_fee\.yml.*referral"):
        load_knowledge(root)


# ---------------------------------------------------------------- rendering


# The scope sentence of a direct answer (bot/knowledge/render.py): exactly one of them.
# "属于交警" alone would not do: it is contained in "不属于交警".
ACCEPTED_LINE = "这件事属于交警（公安交管部门）受理。"
REFUSED_LINES = ("这件事不属于交警受理。", "这件事要走法定程序，不作为交警信访受理。")


def assert_reply(reply: Reply) -> None:
    assert isinstance(reply, Reply)
    assert reply.text.strip() and CJK.search(reply.text)
    assert reply.buttons and all(b.title and b.payload.startswith("/") for b in reply.buttons)
    assert not MARKDOWN.search(reply.text), reply.text


def test_render_answer_and_followups_for_every_record(kb: KnowledgeBase) -> None:
    for record in kb:
        answer = render_answer(record)
        assert_reply(answer)
        accepted_line = ACCEPTED_LINE in answer.text
        refused_line = any(line in answer.text for line in REFUSED_LINES)
        assert (accepted_line, refused_line) == (record.accepted, not record.accepted), \
            (record.id, record.accepted, answer.text)
        if record.time_limits:
            assert "《" in answer.text
        for topic in FOLLOWUP_TOPICS:
            assert_reply(render_followup(record, topic))
    with pytest.raises(ValueError):
        render_followup(kb.get("accident_review"), "weather")


def test_render_answer_content(kb: KnowledgeBase) -> None:
    accepted = render_answer(kb.get("accident_review")).text
    assert "3个工作日" in accepted and "《道路交通事故处理程序规定》第七十一条" in accepted
    refused = render_answer(kb.get("other_government")).text
    assert "不属于交警受理" in refused and "12345" in refused
    late = render_followup(kb.get("accident_review"), "if_late").text
    assert "不予受理" in late and "调解" in late


def test_render_overview_and_areas(kb: KnowledgeBase) -> None:
    overview = render_overview(kb)
    assert_reply(overview)
    assert [b.payload for b in overview.buttons] == [
        f'/ask_scope_overview{{"area":"{area.key}"}}' for area in kb.areas]
    for area in kb.areas:
        reply = render_area(kb, area.key)
        assert_reply(reply)
        assert [b.payload for b in reply.buttons] == [
            f'/describe_matter{{"matter":"{m}"}}' for m in area.matters]


def test_render_clarify(kb: KnowledgeBase) -> None:
    reply = render_clarify("您说的“违章”是交通违法记录，还是违章建筑？",
                           ["violation_handling", "illegal_construction"], kb)
    assert_reply(reply)
    assert [b.payload for b in reply.buttons] == [
        '/describe_matter{"matter":"violation_handling"}',
        '/describe_matter{"matter":"illegal_construction"}',
        '/describe_matter{"matter":"other_government"}',
        "/request_human",
    ]
    assert [b.title for b in reply.buttons[-2:]] == ["都不是，其他事情", "转人工"]


def test_render_clarify_offers_the_catch_all_once(kb: KnowledgeBase) -> None:
    reply = render_clarify("?", ["parking_fee", "other_government"], kb)
    payloads = [b.payload for b in reply.buttons]
    assert payloads.count('/describe_matter{"matter":"other_government"}') == 1


def test_not_accepted_answer_names_12345_and_offers_alternatives(kb: KnowledgeBase) -> None:
    reply = render_answer(kb.get("road_damage"), [kb.get("other_government"), kb.get("road_damage")])
    assert "不属于交警受理" in reply.text and "12345" in reply.text
    assert reply.buttons[0].payload == '/describe_matter{"matter":"other_government"}'
    assert sum(b.payload.endswith('"road_damage"}') for b in reply.buttons) == 0
    accepted = render_answer(kb.get("accident_report"))
    assert "12345" not in accepted.text and "不属于" not in accepted.text


def test_scope_decides_first(kb: KnowledgeBase) -> None:
    """A confident not-accepted scope is answered at once even if the matter is unsure."""
    ranking = [("other_government", 0.3), ("road_damage", 0.25), ("traffic_signal", 0.2),
               ("parking_fee", 0.25)]
    decision = decide(ranking, "路灯坏了", kb, policy=TEST_POLICY, scope=0.1)
    assert decision.is_answer and decision.matter == "other_government"
    assert decision.reason == "not_accepted" and "traffic_signal" not in decision.alternatives
    # A confident accepted scope never offers not-accepted matters.
    accepted = decide(ranking, "红绿灯", kb, policy=TEST_POLICY, scope=0.9)
    assert accepted.is_answer and accepted.matter == "traffic_signal"
    # Without a scope model, the summed ranking decides.
    assert decide(ranking, "路灯", kb, policy=TEST_POLICY).matter == "other_government"


def test_uncertain_scope_asks_with_both_kinds(kb: KnowledgeBase) -> None:
    ranking = [("traffic_signal", 0.45), ("road_damage", 0.4), ("other_government", 0.15)]
    decision = decide(ranking, "路口", kb, policy=TEST_POLICY, scope=0.5)
    assert decision.kind == "clarify"
    assert {"traffic_signal", "road_damage"} <= set(decision.options)


# ---------------------------------------------------------------- decisions

# Decision rules are tested against fixed thresholds; data/knowledge/policy.yml is tuned separately.
TEST_POLICY = Policy(answer_threshold=0.5, margin=0.2, max_options=3)


def test_doubtful_acceptance_asks_beside_the_likeliest_other_body(kb: KnowledgeBase) -> None:
    ranking = [("traffic_order", 0.9), ("other_government", 0.06), ("road_damage", 0.04)]
    strict = dataclasses.replace(TEST_POLICY, not_accepted_below=0.1, accepted_above=0.9,
                                 accept_answer_min_scope=0.3)
    doubtful = decide(ranking, "门口总有人乱停", kb, policy=strict, scope=0.25)
    assert doubtful.kind == "clarify" and doubtful.options[:2] == ("traffic_order", "other_government")
    likely = decide(ranking, "门口总有人乱停", kb, policy=strict, scope=0.35)
    assert likely.is_answer and likely.matter == "traffic_order"


def test_confident_answer(kb: KnowledgeBase) -> None:
    decision = decide([("accident_review", 0.91), ("accident_mediation", 0.04)], "我对责任认定不服", kb,
                      policy=TEST_POLICY)
    assert decision.kind == "answer" and decision.matter == "accident_review"


def test_close_accepted_vs_not_accepted_clarifies(kb: KnowledgeBase) -> None:
    ranking = [("traffic_order", 0.55), ("public_security_other", 0.40), ("vehicle_noise", 0.02)]
    decision = decide(ranking, "有人在路上闹事", kb, policy=TEST_POLICY)
    assert decision.kind == "clarify"
    assert decision.options[:2] == ("traffic_order", "public_security_other")
    # an accepted/accepted runner-up within the margin is not a risk by itself
    ranking = [("traffic_signal", 0.55), ("traffic_order", 0.40)]
    assert decide(ranking, "这个路段", kb, policy=TEST_POLICY).kind == "answer"


def test_known_pair_within_margin_clarifies(kb: KnowledgeBase) -> None:
    decision = decide([("accident_review", 0.6), ("penalty_appeal", 0.45)], "我不服", kb, policy=TEST_POLICY)
    assert decision.kind == "clarify" and set(decision.options) == {"accident_review", "penalty_appeal"}
    assert decision.question == kb.pair_question("accident_review", "penalty_appeal")


def test_low_confidence_clarifies_with_top_three(kb: KnowledgeBase) -> None:
    ranking = [("vehicle_registration", 0.3), ("driving_license", 0.25),
               ("vehicle_impound", 0.2), ("traffic_order", 0.1)]
    decision = decide(ranking, "我想办个业务", kb, policy=TEST_POLICY)
    assert decision.kind == "clarify"
    assert decision.options == ("vehicle_registration", "driving_license", "vehicle_impound")


def test_ambiguous_word_clarifies(kb: KnowledgeBase) -> None:
    ranking = [("violation_handling", 0.6), ("illegal_construction", 0.45)]
    decision = decide(ranking, "我要举报违章", kb, policy=TEST_POLICY)
    assert decision.kind == "clarify" and "违章" in decision.question
    assert set(decision.options) == {"violation_handling", "illegal_construction"}
    # two accepted, non-paired candidates: the word alone triggers the question
    ranking = [("traffic_signal", 0.6), ("violation_record_dispute", 0.45)]
    decision = decide(ranking, "红绿灯的问题", kb, policy=TEST_POLICY)
    assert decision.kind == "clarify" and decision.reason == "ambiguous_word"
    assert decide(ranking, "这里设置得不合理", kb, policy=TEST_POLICY).kind == "answer"
    # the word is there but its other matter is far below the top: answer
    assert decide([("traffic_signal", 0.8), ("violation_record_dispute", 0.1)], "红绿灯坏了", kb,
                  policy=TEST_POLICY).is_answer
    weizhang = next(a for a in kb.ambiguities if "违章" in a.words)
    assert weizhang.matches("查违章") and not weizhang.matches("举报违章建筑")


def test_policy_thresholds_are_used(kb: KnowledgeBase) -> None:
    ranking = [("vehicle_registration", 0.45), ("parking_fee", 0.35), ("driving_license", 0.2)]
    assert decide(ranking, "上牌", kb, policy=TEST_POLICY).kind == "clarify"
    lenient = replace(TEST_POLICY, answer_threshold=0.4, margin=0.05)
    assert decide(ranking, "上牌", kb, policy=lenient).kind == "answer"
    assert decide([], "", kb, policy=TEST_POLICY).kind == "clarify"
    assert decide([("not_a_matter", 0.99)], "x", kb, policy=TEST_POLICY).kind == "clarify"


# ---------------------------------------------------------------- generated responses


def test_sync_responses_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert sync_responses.main(["--check"]) == 0
    data = yaml.safe_load(sync_responses.RESPONSES_PATH.read_text(encoding="utf-8"))
    assert str(data["version"]) == "3.1"
    kb = default_knowledge()
    assert set(data["responses"]) == {f"utter_describe_matter/{m}" for m in kb.ids}


def test_sync_responses_check_detects_drift(tmp_path: Path) -> None:
    stale = tmp_path / "matters.yml"
    stale.write_text('version: "3.1"\nresponses: {}\n', encoding="utf-8")
    assert sync_responses.main(["--check", "--output", str(stale)]) == 1
    assert sync_responses.main(["--output", str(stale)]) == 0
    assert sync_responses.main(["--check", "--output", str(stale)]) == 0
