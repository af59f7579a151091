"""``NotifyWorker``: delivers pending outbox rows through the ``DeliveryHub``.

One loop per gateway process (started from the gateway's ``cleanup_ctx``).  Each pass
leases due rows (``OutboxStore.claim``), hands each to its channel and records the
outcome: sent, or retried after an exponential backoff (``bot.common.backoff``) until
``max_attempts``, then ``failed`` (``python -m bot notify retry`` makes it pending
again).  A channel that is down only delays messages.  Web chat rows wait while the
citizen has no page open (``reachable``) and go out over the websocket on the next
visit, without using up attempts.  Time comes from the injected clock; ``run_once`` is
what tests drive.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.common.backoff import exponential_delay, next_delay
from bot.conversation.delivery import DeliveryHub
from bot.notify.outbox import Claimed, OutboxStore
from bot.privacy import mask_sender_id
from bot.replies import Button, Reply

__all__ = ["NotifyWorker", "PassResult", "WorkerPolicy"]

log = logging.getLogger(__name__)

Reachable = Callable[[str, str], bool]  # (channel, recipient) -> can deliver now


@dataclass(frozen=True)
class WorkerPolicy:
    batch: int = 20
    lease: timedelta = timedelta(minutes=5)
    base_delay: float = 30.0  # seconds before the first retry
    max_delay: float = 3600.0
    max_attempts: int = 12
    poll_seconds: float = 1.0


@dataclass(frozen=True)
class PassResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0


class NotifyWorker:
    def __init__(self, store: OutboxStore, hub: DeliveryHub, *,
                 reachable: Reachable | None = None, policy: WorkerPolicy = WorkerPolicy(),
                 owner: str | None = None,
                 buttons: Mapping[str, list[Button]] | None = None) -> None:
        self.store = store
        #: quick replies sent with a kind of message (the 回访 question's 满意/基本满意/不满意)
        self.buttons: dict[str, list[Button]] = dict(buttons or {})
        self.hub = hub
        self.reachable = reachable or (lambda channel, recipient: True)
        self.policy = policy
        self.owner = owner or f"notify-{secrets.token_hex(6)}"

    async def _deliver(self, row: Claimed) -> str | None:
        """``None`` when the channel accepted the message, else the reason."""
        try:
            reply = Reply(row.text, list(self.buttons.get(row.kind, [])), notice=True)
            ok = await self.hub.deliver(row.channel, row.recipient, [reply])
        except Exception as error:  # noqa: BLE001 - a broken channel must not stop the loop
            return f"{type(error).__name__}: {error}"
        return None if ok else "channel refused or unavailable"

    async def run_once(self) -> PassResult:
        """One pass: claim due rows and try each once."""
        rows = await asyncio.to_thread(self.store.claim, self.owner, lease=self.policy.lease,
                                       limit=self.policy.batch)
        sent = retried = failed = waiting = 0
        for row in rows:
            if not self.reachable(row.channel, row.recipient):
                await asyncio.to_thread(self.store.release, row.id, self.owner)
                waiting += 1
                continue
            error = await self._deliver(row)
            if error is None:
                await asyncio.to_thread(self.store.mark_sent, row.id, self.owner)
                sent += 1
                continue
            give_up = row.attempts >= self.policy.max_attempts
            delay = exponential_delay(row.attempts - 1, self.policy.base_delay, self.policy.max_delay)
            await asyncio.to_thread(self.store.mark_failed, row.id, self.owner, error,
                                    delay=delay, give_up=give_up)
            log.warning("notification %s to %s %s (attempt %s): %s", row.id, row.channel,
                        mask_sender_id(row.recipient), row.attempts,
                        "gave up" if give_up else f"retry in {delay:.0f}s")
            failed += give_up
            retried += not give_up
        return PassResult(sent, retried, failed, waiting)

    async def run_forever(self) -> None:
        """Pass after pass; while the database is failing, wait longer (backoff up to a minute)."""
        error_delay = 0.0
        while True:
            try:
                await self.run_once()
                error_delay = 0.0
            except asyncio.CancelledError:
                raise
            except Exception:
                error_delay = next_delay(error_delay, self.policy.poll_seconds, 60.0)
                log.exception("notification pass failed; next try in %.0fs", error_delay)
            await asyncio.sleep(error_delay or self.policy.poll_seconds)
