"""Latency the Telegram bridge adds per message.

Runs the real bridge (``build_application`` + ``BridgeRunner``) against the fake
Bot API of the tests and a fake instant Rasa, over real loopback HTTP. For each
message: time from the update being available to getUpdates until the fake Bot
API receives the sendMessage, minus the time the (fake) Rasa spent answering.

    .venv/bin/python -m bench.telegram_latency [-n 200] [--rate 20] [--chats 1]
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import statistics
import time

from bot.channels.telegram import BridgeRunner, build_application
from bot.conversation import ConversationRouter, RasaClient
from bot.conversation.delivery import DeliveryHub
from bot.settings import Settings
from tests.fake_telegram import TOKEN, FakeTelegram
from tests.telegram.fake_rasa import FakeRasa


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def table(rows: dict[str, list[float]]) -> str:
    lines = [f"{'ms':<34}{'p50':>8}{'p95':>8}{'max':>8}", "-" * 58]
    for name, values in rows.items():
        ms = [v * 1000 for v in values]
        lines.append(f"{name:<34}{percentile(ms, .5):>8.1f}{percentile(ms, .95):>8.1f}"
                     f"{max(ms):>8.1f}")
    return "\n".join(lines)


async def measure(count: int, rate: float, chats: int) -> dict[str, list[float]]:
    telegram, rasa = FakeTelegram(), FakeRasa()
    await telegram.start()
    await rasa.start()
    settings = dataclasses.replace(Settings(), telegram_bot_token=TOKEN,
                                   telegram_api_base_url=telegram.base_url)
    router = ConversationRouter(RasaClient([rasa.url]))
    runner = BridgeRunner(build_application(settings, router, DeliveryHub()), settings)
    runner.start()
    total: list[float] = []
    rasa_time: list[float] = []
    try:
        await telegram.wait_for(runner.started.is_set)
        for n in range(count):
            chat = 10_000 + n % chats
            text = f"测试消息{n}"
            update = telegram.send_text(chat, text)
            await telegram.wait_for(lambda text=text, chat=chat: f"收到：{text}" in telegram.sent_texts(chat))
            sent = next(c for c in telegram.calls_of("sendMessage", chat)
                        if c.params["text"] == f"收到：{text}")
            total.append(sent.at - telegram.available_at[update["update_id"]])
            rasa_time.append(rasa.busy_seconds[text])
            await asyncio.sleep(max(0.0, 1 / rate - total[-1]))
    finally:
        await runner.stop()
        await router.rasa.close()
        await rasa.stop()
        await telegram.stop()
    added = [t - r for t, r in zip(total, rasa_time, strict=True)]
    return {"update → sendMessage": total, "fake Rasa processing": rasa_time,
            "added by the bridge": added}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="messages to send")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="messages per second (Telegram allows ~30/s per bot)")
    parser.add_argument("--chats", type=int, default=20, help="distinct chats to rotate over")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    started = time.monotonic()
    rows = asyncio.run(measure(args.n, args.rate, args.chats))
    print(f"Telegram bridge latency over {args.n} messages "
          f"({args.rate:g}/s, {args.chats} chats, loopback HTTP, "
          f"{time.monotonic() - started:.1f}s total)")
    print(table(rows))
    print(f"mean added: {statistics.mean(rows['added by the bridge']) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
