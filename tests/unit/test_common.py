"""``bot.common``: the two text cleanings differ on purpose; the backoff helpers."""
from __future__ import annotations

import pytest

from bot.common.backoff import exponential_delay, next_delay
from bot.common.text import clean_field, clean_message


def test_clean_message_drops_controls_and_invisible_marks() -> None:
    assert clean_message("  违\u200b停\u202e罚款\x07 ") == "违停罚款"
    assert clean_message(None) == ""  # type: ignore[arg-type]


def test_clean_field_keeps_joiners_and_direction_marks_but_not_controls() -> None:
    assert clean_field(" 张\u200d三\x00 ") == "张\u200d三"
    assert clean_field(None) == ""
    assert clean_field(12) == "12"


def test_both_normalise_to_nfc() -> None:
    assert clean_message("e\u0301") == clean_field("e\u0301") == "\u00e9"


def test_next_delay_doubles_up_to_the_cap() -> None:
    delays, last = [], 0.0
    for _ in range(8):
        last = next_delay(last, first=1.0, cap=60.0)
        delays.append(last)
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


@pytest.mark.parametrize("attempt, expected", [(0, 0.5), (1, 1.0), (3, 4.0), (10, 8.0)])
def test_exponential_delay_with_jitter_stays_within_bounds(attempt: int, expected: float) -> None:
    assert exponential_delay(attempt, 0.5, 8.0) == expected
    for _ in range(20):
        assert expected * 0.8 <= exponential_delay(attempt, 0.5, 8.0, jitter=0.2) <= expected * 1.2
