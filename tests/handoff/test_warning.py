"""Early-warning detector: recall on warning signs, precision on angry-but-safe messages."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.handoff.warning import WarningDetector, default_detector

# (message, expected category) — every one must be caught.
WARNINGS = [
    ("我不想活了", "self_harm"),
    ("活着没意思，我想一死了之", "self_harm"),
    ("再不解决我就从你们大楼上跳下去", "self_harm"),
    ("实在没办法了，我准备喝农药", "self_harm"),
    ("我要在交警大队门口自焚", "self_harm"),
    ("我去死好了，反正没人管", "self_harm"),
    ("今晚我就去跳河", "self_harm"),
    ("我要拿刀去找那个肇事司机算账", "violence"),
    ("我要弄死那个肇事司机", "violence"),
    ("我要和他同归于尽", "violence"),
    ("你们再不管，我就报复社会", "violence"),
    ("我要一把火烧了交警队", "violence"),
    ("我要杀了他", "violence"),
    ("我们村几十个人准备集体上访", "group_petition"),
    ("组织大家一起去上访", "group_petition"),
    ("我们已经在搞联名上访了", "group_petition"),
    ("我叫上全村的人去交警队讨说法", "group_petition"),
    ("不给说法我就去北京上访", "beijing_petition"),
    ("我要进京上访", "beijing_petition"),
    ("我要越级上访", "beijing_petition"),
    ("我要去中央反映你们", "beijing_petition"),
    ("明天去交警队门口拉横幅", "banner"),
    ("大家都去政府门口静坐", "banner"),
    ("我就跪在你们门口不走了", "banner"),
    ("我们要去堵路", "road_block"),
    ("要不我们就把国道堵了", "road_block"),
    ("不给说法就堵你们交警队的大门", "road_block"),
    ("我躺在马路上看你们管不管", "road_block"),
    ("逼得我走投无路了", "distress"),
    ("我已经彻底绝望了", "distress"),
    ("这日子过不下去了，生不如死", "distress"),
    ("救救我吧，我真的撑不下去了", "distress"),
    ("家里就我一个劳力，现在被撞残了，家破人亡啊", "distress"),
    ("我 不 想 活 了", "self_harm"),  # blanks
    ("我要去ＢＥＩＪＩＮＧ…不，我要进京上访", "beijing_petition"),  # full-width letters
]

# Ordinary angry, upset or blunt messages that are NOT warning signs.
SAFE = [
    "你们交警就是一群饭桶！",
    "气死我了，罚款凭什么罚我",
    "我要投诉你们，态度太差了",
    "这什么破系统，问了半天都不懂",
    "我对处理结果非常不满意，要申请复核",
    "你们再不处理我就去信访局反映",
    "我要去法院起诉你们",
    "我要找媒体曝光",
    "太过分了，简直欺人太甚",
    "堵车堵了两个小时，你们交警在干嘛",
    "我被堵在路上了，前面出事故了",
    "早高峰这条路堵路上一个小时",
    "小区门口天天有车堵着，出都出不去",
    "怎么办进京证",
    "外地车办进京证要什么材料",
    "去北京出差，车辆违章怎么处理",
    "炸街的摩托车太吵了，晚上睡不着",
    "我家人被车撞死了，事故认定书什么时候出",
    "对方把人撞死了还逃逸，你们抓到没有",
    "累死了，排了一上午队",
    "笑死，这也叫服务",
    "烦死了，网站一直打不开",
    "热死了，窗口也不开空调",
    "这个罚款我死也不服",
    "拉倒吧，你们根本不管",
    "我要投诉到市里",
    "我要向上级部门反映",
    "事故对方跑了，我快急疯了",
    "被罚了200块扣3分，真是倒霉透了",
    "我真的很生气，交警乱罚款",
    "凭什么扣我车，我要讨个说法",
    "再不给我答复，我就天天来找你们",
    "这已经是第三次来了，还是没人管",
    "我不服，我要行政复议",
    "交警骂人，我要投诉他",
    "拖车公司乱收费，简直是抢钱",
    "急死了，车被拖走了在哪取",
    "你们是不是想逼我去打官司",
    "我死活联系不上事故科",
    "对你们太失望了",
    "你们系统崩溃了吧，一直转圈",
    "信号灯坏了三天了也没人修，差点撞死我",
    "我要去交警大队门口等着，今天必须给我办",
    "我们小区几个人一起来问停车的事",
    "这事我要一直反映到底",
    "/request_human",
    '/rate_service{"rating":"1"}',
]


@pytest.fixture(scope="module")
def detector() -> WarningDetector:
    return default_detector()


@pytest.mark.parametrize("text, category", WARNINGS)
def test_warning_signs_are_caught(detector: WarningDetector, text: str, category: str) -> None:
    hit = detector.detect(text)
    assert category in hit.categories, (text, hit)


@pytest.mark.parametrize("text", SAFE)
def test_angry_but_safe_messages_are_not_flagged(detector: WarningDetector, text: str) -> None:
    assert not detector.detect(text), (text, detector.detect(text))


def test_precision_and_recall_summary(detector: WarningDetector) -> None:
    caught = sum(1 for text, _ in WARNINGS if detector.detect(text))
    false_alarms = sum(1 for text in SAFE if detector.detect(text))
    recall, precision = caught / len(WARNINGS), caught / max(1, caught + false_alarms)
    print(f"\nearly warning: recall {recall:.0%} ({caught}/{len(WARNINGS)}), "
          f"precision {precision:.0%} ({false_alarms} false alarms on {len(SAFE)} safe messages)")
    assert recall == 1.0 and precision == 1.0


# Written without looking at the vocabulary (see the file's header); never tune against it.
UNSEEN = Path(__file__).with_name("warning_unseen.yml")
# Honest bars, set from the first run on it (recall 10/24 = 42 %, precision 10/10): the
# vocabulary generalises poorly — no media-exposure category at all (SAFE above even lists
# "我要找媒体曝光"), and it misses e.g. 农药/天安门/国家信访局/集体/组织大家/拿着刀. Raise the
# bars when the vocabulary improves; lowering them needs a reason.
UNSEEN_MIN_RECALL = 0.40
UNSEEN_MIN_PRECISION = 0.90


def test_precision_and_recall_on_unseen_messages(detector: WarningDetector) -> None:
    data = yaml.safe_load(UNSEEN.read_text(encoding="utf-8"))
    warnings = [item["text"] for item in data["warning"]]
    safe = list(data["not_warning"])
    assert len(warnings) >= 20 and len(safe) >= 20 and len(warnings) + len(safe) >= 40
    tuned = {text for text, _ in WARNINGS} | set(SAFE)
    assert not tuned & (set(warnings) | set(safe)), "the unseen set overlaps the tuned lists"
    missed = [text for text in warnings if not detector.detect(text)]
    false_alarms = [text for text in safe if detector.detect(text)]
    caught = len(warnings) - len(missed)
    recall, precision = caught / len(warnings), caught / max(1, caught + len(false_alarms))
    print(f"\nearly warning on unseen messages: recall {recall:.0%} ({caught}/{len(warnings)}), "
          f"precision {precision:.0%} ({len(false_alarms)} false alarms on {len(safe)} safe)")
    for text in missed:
        print("  missed:", text)
    for text in false_alarms:
        print("  false alarm:", text, detector.detect(text).categories)
    assert recall >= UNSEEN_MIN_RECALL, missed
    assert precision >= UNSEEN_MIN_PRECISION, false_alarms


def test_hit_reports_labels_and_matches(detector: WarningDetector) -> None:
    hit = detector.detect("我不想活了，明天就去北京上访")
    assert hit.categories == ("self_harm", "beijing_petition")
    assert hit.labels[0].startswith("自伤")
    assert "不想活了" in hit.matches


def test_every_category_has_a_label_and_the_file_validates(tmp_path) -> None:
    bad = tmp_path / "warning.yml"
    bad.write_text("categories:\n  empty: {label: x}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        WarningDetector.from_file(bad)
    assert all(c.label for c in default_detector().categories)
