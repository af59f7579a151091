"""The gateway side of handoffs.

Routing paused conversations to officers, early warnings, officer actions with their
side effects (pause/resume in Rasa, delivery), and a background loop that alerts
officers, resumes closed conversations and retries undelivered messages.

Everything that must survive a restart lives in the database (``HandoffService``); the
loop picks it up again on start, so a waiting handoff stays waiting, a paused
conversation stays paused and queued messages are delivered once.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.accounts.service import OfficerView
from bot.common.backoff import next_delay
from bot.conversation.delivery import DeliveryHub
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.handoff.events import EventBus
from bot.handoff.models import Kind, Priority, Reason, Status
from bot.handoff.service import HandoffService
from bot.handoff.texts import HandoffTexts
from bot.handoff.views import HandoffView, MessageView
from bot.handoff.warning import WarningDetector
from bot.privacy import mask_sender_id
from bot.replies import HANDOFF_SIGNAL, Reply

__all__ = ["RESUMED_ACTION", "HandoffRuntime", "OfficersAlert"]

log = logging.getLogger(__name__)

RESUMED_ACTION = "action_handoff_resumed"
POLL_SECONDS = 1.0
# Pokes arriving within this long after a pass are folded into the next one, so a burst
# of new handoffs or officer actions costs one pass of database queries, not one each.
MIN_PASS_SECONDS = 0.15
MAX_BACKOFF = 60.0
T = TypeVar("T")
Reachable = Callable[[str, str], bool]
Key = tuple[str, str]  # (channel, sender id)


class OfficersAlert(Protocol):
    """Optional extra alert channel (the Telegram officers' group)."""

    async def notify(self, handoff: HandoffView) -> int | None: ...

    async def claimed(self, handoff: HandoffView) -> None: ...


class HandoffRuntime:
    """Owns the handoff side effects inside the gateway process."""

    def __init__(
        self,
        service: HandoffService,
        rasa: RasaClient,
        delivery: DeliveryHub,
        texts: HandoffTexts,
        detector: WarningDetector,
        bus: EventBus | None = None,
        reachable: Reachable = lambda channel, sender: True,
        poll_seconds: float = POLL_SECONDS,
        min_pass_seconds: float = MIN_PASS_SECONDS,
    ) -> None:
        self.service = service
        self.rasa = rasa
        self.delivery = delivery
        self.texts = texts
        self.detector = detector
        self.bus = bus or EventBus()
        self.reachable = reachable
        self.officers_alert: OfficersAlert | None = None
        self.poll_seconds = poll_seconds
        self.min_pass_seconds = min(min_pass_seconds, poll_seconds)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._deliver_lock = asyncio.Lock()
        self._notify_lock = asyncio.Lock()
        self._resume_locks: dict[int, asyncio.Lock] = {}
        self._backoff: dict[tuple[str, int], tuple[float, float]] = {}  # key → (retry at, delay)
        self._last_db_error = 0.0
        # Conversations that have (or may just have got) a handoff: only their messages
        # need a database look-up; everyone else's go straight to the bot. Refreshed from
        # the database on every pass of the loop (at least once a second) and marked at
        # once when the bot or an early warning opens a handoff. ``None``: not loaded yet.
        self._with_handoff: set[Key] | None = None
        self._marked: dict[Key, float] = {}

    async def db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (blocking) service call in a worker thread."""
        return await asyncio.to_thread(function, *args, **kwargs)

    def poke(self) -> None:
        """Run the background loop now (new handoff, reconnect, …)."""
        self._wake.set()

    def _mark(self, key: Key) -> None:
        self._marked[key] = time.monotonic()
        if self._with_handoff is not None:
            self._with_handoff.add(key)

    def may_have_handoff(self, key: Key) -> bool:
        return self._with_handoff is None or key in self._with_handoff

    async def refresh_index(self) -> None:
        """Reload which conversations have a handoff (keeps marks newer than the query)."""
        started = time.monotonic()
        keys = set(await self.db(self.service.active_keys))
        self._marked = {key: at for key, at in self._marked.items() if at >= started}
        self._with_handoff = keys | set(self._marked)

    def _publish(self, kind: str, handoff_id: int, **extra: Any) -> None:
        self.bus.publish({"type": kind, "handoff": handoff_id, **extra})

    # ------------------------------------------------------- router hooks
    async def intercept(self, channel: str, sender_id: str, text: str) -> list[Reply] | None:
        """Router interceptor: paused conversations go to the officer, never to Rasa.

        Fails open: on a database error the message goes to the bot as usual.
        """
        try:
            return await self._intercept(channel, sender_id, text)
        except Exception as error:  # noqa: BLE001 - never cost the citizen an answer
            self._db_error("intercept", error)
            return None

    async def _intercept(self, channel: str, sender_id: str, text: str) -> list[Reply] | None:
        hit = self.detector.detect(text)
        if hit:
            self._mark((channel, sender_id))
            opened = await self.db(self.service.request, channel, sender_id, Reason.EARLY_WARNING,
                                   priority=Priority.URGENT, paused=False,
                                   warning_tags=hit.categories)
            log.warning("early warning: handoff %s categories=%s", opened.handoff.id,
                        ",".join(hit.categories))
            self.poke()
        if not self.may_have_handoff((channel, sender_id)):
            return None
        active = await self.db(self.service.active_for, channel, sender_id)
        if active is None:
            return None
        if active.status == Status.CLOSED:
            await self.resume(active)
            return None
        if not active.paused:
            return None
        await self.db(self.service.add_message, active.id, Kind.CITIZEN, text)
        self._publish("message", active.id)
        if active.status == Status.WAITING and await self.db(self.service.mark_acked, active.id):
            return [Reply(self.texts.get("waiting_ack"))]
        return []

    async def observe(self, channel: str, sender_id: str, text: str, replies: list[Reply]) -> None:
        """Router observer: the bot signals a handoff it opened — route and alert now."""
        if any(reply.signal == HANDOFF_SIGNAL for reply in replies):
            self._mark((channel, sender_id))
            self.poke()

    # ---------------------------------------------------- officer actions
    async def claim(self, handoff_id: int, officer: OfficerView,
                    ip: str | None = None) -> HandoffView | None:
        """Atomic claim; pauses the conversation and tells the citizen an officer joined."""
        view = await self.db(self.service.claim, handoff_id, officer.id, officer.username, ip)
        if view is None:
            return None
        self._mark((view.channel, view.sender_id))
        if not view.paused:
            await self.db(self.service.set_paused, view.id)
            try:
                await self.rasa.append_events(view.sender_id, [{"event": "pause"}])
            except RasaUnavailable as error:
                log.warning("could not pause conversation of handoff %s: %s", view.id, error)
        await self.db(self.service.add_message, view.id, Kind.SYSTEM,
                      self.texts.get("officer_joined", officer=officer.display_name))
        self._publish("state", view.id)
        await self.deliver_pending()
        if self.officers_alert is not None:
            await self._safely(self.officers_alert.claimed(view), "telegram claimed note")
        return view

    async def release(self, handoff_id: int, officer: OfficerView,
                      ip: str | None = None) -> HandoffView | None:
        view = await self.db(self.service.release, handoff_id, officer.id, officer.username,
                             admin=officer.is_admin, ip=ip)
        if view is not None:
            self._publish("state", view.id)
            self.poke()
        return view

    async def transfer(self, handoff_id: int, officer: OfficerView, to_officer_id: int,
                       ip: str | None = None) -> HandoffView | None:
        view = await self.db(self.service.transfer, handoff_id, officer.id, to_officer_id,
                             officer.username, admin=officer.is_admin, ip=ip)
        if view is not None:
            self._publish("state", view.id, officer=to_officer_id)
        return view

    def _may_write(self, view: HandoffView | None, officer: OfficerView) -> bool:
        return (view is not None and view.status == Status.ASSIGNED
                and (view.officer_id == officer.id or officer.is_admin))

    async def reply(self, handoff_id: int, officer: OfficerView, text: str,
                    ip: str | None = None) -> MessageView | None:
        """Store the officer's reply and deliver it (retried later if the citizen is away)."""
        text = text.strip()
        view = await self.db(self.service.get, handoff_id)
        if not text or not self._may_write(view, officer):
            return None
        message = await self.db(self.service.add_message, handoff_id, Kind.OFFICER, text,
                                author_id=officer.id, actor=officer.username, ip=ip)
        self._publish("message", handoff_id)
        await self.deliver_pending()
        return message

    async def note(self, handoff_id: int, officer: OfficerView, text: str,
                   ip: str | None = None) -> MessageView | None:
        """A private note (never shown to the citizen)."""
        text = text.strip()
        if not text or await self.db(self.service.get, handoff_id) is None:
            return None
        message = await self.db(self.service.add_message, handoff_id, Kind.NOTE, text,
                                author_id=officer.id, actor=officer.username, ip=ip)
        self._publish("message", handoff_id)
        return message

    async def close(self, handoff_id: int, officer: OfficerView, note: str,
                    ip: str | None = None) -> HandoffView | None:
        """Close, then resume the Rasa conversation (the bot asks for a rating)."""
        view = await self.db(self.service.close, handoff_id, officer.id, note, officer.username,
                             admin=officer.is_admin, ip=ip)
        if view is None:
            return None
        self._publish("state", view.id)
        if view.resumed_at is None:
            await self.resume(view)
        return view

    # ------------------------------------------------------------- resume
    async def resume(self, view: HandoffView) -> bool:
        """Resume event + action_handoff_resumed in Rasa; its messages go to the citizen once."""
        lock = self._resume_locks.setdefault(view.id, asyncio.Lock())
        async with lock:
            fresh = await self.db(self.service.get, view.id)
            if fresh is None or fresh.resumed_at is not None:
                return True
            try:
                await self.rasa.append_events(view.sender_id, [{"event": "resume"}])
                replies = await self.rasa.execute_action(view.sender_id, RESUMED_ACTION)
                await self.rasa.append_events(view.sender_id,
                                              [{"event": "action", "name": "action_listen"}])
            except RasaUnavailable as error:
                self._failed(("resume", view.id))
                log.warning("could not resume handoff %s yet: %s", view.id, error)
                return False
            stored = await self.db(self.service.complete_resume, view.id, replies)
        self._resume_locks.pop(view.id, None)
        self._backoff.pop(("resume", view.id), None)
        if stored:
            log.info("handoff %s resumed (%d bot messages)", view.id, len(replies))
            await self.deliver_pending()
        return True

    # ----------------------------------------------------------- delivery
    async def deliver_pending(self) -> int:
        """Deliver undelivered outgoing messages in order, each exactly once; returns how many."""
        async with self._deliver_lock:
            items = await self.db(self.service.undelivered)
            blocked: set[tuple[str, str]] = set()
            sent = 0
            for handoff, message in items:
                key = (handoff.channel, handoff.sender_id)
                if key in blocked:
                    continue
                if not self.reachable(*key):  # e.g. the web chat page is closed: wait for it
                    blocked.add(key)
                    continue
                retry_key = ("message", message.id)
                if self._waiting(retry_key):  # failed recently: keep the order, try later
                    blocked.add(key)
                    continue
                if not await self._send(handoff, message):
                    blocked.add(key)
                    self._failed(retry_key)
                    await self.db(self.service.record_attempt, message.id)
                    continue
                self._backoff.pop(retry_key, None)
                if await self.db(self.service.mark_delivered, message.id):
                    sent += 1
            return sent

    def citizen_reply(self, message: MessageView) -> Reply:
        """What the citizen sees for a stored outgoing message."""
        if message.kind == Kind.OFFICER:
            text = self.texts.get("officer_message", officer=message.author_name or "",
                                  text=message.text)
            return Reply(text)
        return message.reply()

    async def _send(self, handoff: HandoffView, message: MessageView) -> bool:
        try:
            return await self.delivery.deliver(handoff.channel, handoff.sender_id,
                                               [self.citizen_reply(message)])
        except Exception as error:  # noqa: BLE001 - a channel failure must not stop the loop
            log.warning("delivery of message %s to %s failed: %s", message.id,
                        mask_sender_id(handoff.sender_id), type(error).__name__)
            return False

    def _failed(self, key: tuple[str, int]) -> None:
        """Back off exponentially (1 s, 2 s, 4 s … 60 s) before trying ``key`` again."""
        _, last = self._backoff.get(key, (0.0, 0.0))
        delay = next_delay(last, first=1.0, cap=MAX_BACKOFF)
        self._backoff[key] = (time.monotonic() + delay, delay)

    def _waiting(self, key: tuple[str, int]) -> bool:
        return self._backoff.get(key, (0.0, 0.0))[0] > time.monotonic()

    # ------------------------------------------------------ notifications
    async def notify_pending(self) -> int:
        """Alert officers (console + Telegram group) about new, escalated or released handoffs."""
        async with self._notify_lock:
            pending = await self.db(self.service.pending_notifications)
            for view in pending:
                telegram_id: int | None = None
                if self.officers_alert is not None:
                    telegram_id = await self._safely(self.officers_alert.notify(view),
                                                     "telegram alert")
                await self.db(self.service.mark_notified, view.id, telegram_id)
                self._publish("alert" if view.urgent else "queue", view.id, urgent=view.urgent,
                              reason=view.reason_label)
            return len(pending)

    async def _safely(self, awaitable: Awaitable[T], what: str) -> T | None:
        try:
            return await awaitable
        except Exception as error:  # noqa: BLE001 - optional channel, log and go on
            log.warning("%s failed: %s", what, type(error).__name__)
            return None

    # --------------------------------------------------------------- loop
    async def tick(self) -> None:
        """One pass: which conversations have handoffs, alerts, pending resumes, deliveries."""
        try:
            await self.refresh_index()
            await self.notify_pending()
            for view in await self.db(self.service.pending_resumes):
                if not self._waiting(("resume", view.id)):
                    await self.resume(view)
            await self.deliver_pending()
        except (SQLAlchemyError, OSError) as error:
            self._db_error("background loop", error)

    def _db_error(self, where: str, error: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_db_error > 60:
            self._last_db_error = now
            log.error("handoff database unavailable in %s: %s", where, type(error).__name__)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except Exception:
                log.exception("handoff loop pass failed")
            await asyncio.sleep(self.min_pass_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(),
                                       self.poll_seconds - self.min_pass_seconds)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="handoff-runtime")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
