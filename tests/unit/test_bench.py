"""The benchmark's own pieces: repeatable varied conversations, rounds merged per path."""
from bench.conversations import STATUS_LOOKUP, script_for
from bench.load import Run, Sample, merge
from bot.evaluation.examples import heldout_examples


def test_conversations_are_repeatable_varied_and_from_held_out_wordings() -> None:
    scripts = [script_for(index) for index in range(300)]
    assert scripts == [script_for(index) for index in range(300)]
    assert len(set(scripts)) > 250
    held_out = {example.text for example in heldout_examples()}
    for script in scripts:
        assert 2 <= len(script) <= 5
        assert script == STATUS_LOOKUP or set(script) <= held_out


def test_rounds_merge_into_one_run_per_path() -> None:
    first = Run("gateway", 50, rate=60.0, wall=5.0, samples=[Sample(0.02, 200, 1, False)],
                sent={"web-a": ["你好"]}, lost=1)
    second = Run("gateway", 50, rate=60.0, wall=5.0, samples=[Sample(0.04, 200, 1, False)],
                 sent={"web-b": ["谢谢"]}, duplicated=2)
    merged = merge([first, second])
    assert (merged.wall, merged.lost, merged.duplicated, set(merged.sent)) == (
        10.0, 1, 2, {"web-a", "web-b"})
    assert merged.throughput == 0.2 and merged.percentile(.5) == 20.0


def test_lost_and_duplicated_messages_are_counted_in_their_stored_form() -> None:
    from bot.launch.tracker_scrub import HIDDEN, stored_versus_sent

    def tracker(*texts: str) -> dict:
        return {"events": [{"event": "user", "text": t} for t in texts]}

    sent = ["查进度", "XF-2026-000123", "ABCD2345", "我电话13812345678"]
    stored = tracker("查进度", "XF-2026-000123", HIDDEN, "我电话138****5678")
    assert stored_versus_sent(stored, sent) == (0, 0)
    assert stored_versus_sent(tracker("查进度", HIDDEN), sent) == (2, 0)
    assert stored_versus_sent(tracker(*sent[:2], HIDDEN, "我电话138****5678", "查进度"), sent) == (0, 1)
