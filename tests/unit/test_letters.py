"""Long letters: formulas dropped, scripts folded, long texts capped head and tail."""
from __future__ import annotations

from rasa.nlu.tokenizers.tokenizer import Token

from bot.nlu.jieba_tokenizer import head_and_tail, words
from bot.nlu.letters import normalise, sentences, strip_formulas

LETTER = ("尊敬的王市长：您好！我是L6县某某小区的居民，小区门口的红绿灯坏了一个多月，"
          "晚上车辆乱闯，非常危险。望有关部门尽快处理！谢谢！此致 敬礼")


def test_greeting_and_closing_formulas_are_dropped() -> None:
    stripped = strip_formulas(LETTER)
    assert stripped.startswith("我是L6县") and stripped.endswith("非常危险。")
    assert "市长" not in stripped and "敬礼" not in stripped


def test_short_messages_and_content_clauses_are_kept() -> None:
    assert strip_formulas("谢谢") == "谢谢" and strip_formulas("您好") == "您好"
    request = "尊敬的领导：您好！我家门口路灯坏了三个月，恳请领导督促供电公司尽快修好路灯，谢谢！"
    assert "督促供电公司尽快修好路灯" in strip_formulas(request)


def test_traditional_and_full_width_are_folded() -> None:
    assert normalise("車禍責任認定書什麼時候下來") == "车祸责任认定书什么时候下来"
    assert normalise("ＸＦ－２０２６－０００１２３") == "XF-2026-000123"
    assert strip_formulas("尊敬的市長：您好！我家門口的紅綠燈壞了一個多月，晚上車輛亂闖，"
                          "非常危險。望儘快處理！") == "我家门口的红绿灯坏了一个多月,晚上车辆乱闯,非常危险。"


def test_sentences_join_fragments() -> None:
    parts = sentences("红绿灯坏了好几天了。晚上车辆乱闯，非常危险！望处理")
    assert parts == ["红绿灯坏了好几天了。", "晚上车辆乱闯，非常危险！望处理"]
    assert sentences("坏了。好。晚上车辆乱闯！") == ["坏了。好。晚上车辆乱闯！"]


def test_long_token_lists_keep_head_and_tail() -> None:
    tokens = [Token(str(i), i) for i in range(100)]
    kept = head_and_tail(tokens, 30)
    assert [t.text for t in kept] == [str(i) for i in range(20)] + [str(i) for i in range(90, 100)]
    assert head_and_tail(tokens, 0) == tokens and head_and_tail(tokens[:10], 30) == tokens[:10]


def test_words_cover_the_whole_text() -> None:
    assert words(LETTER)[-1] == "。" or "危险" in words(LETTER)
    assert "市长" not in words(LETTER)
