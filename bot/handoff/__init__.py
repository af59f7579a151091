"""Human handoff (人工接管): handoff records, early warning, citizen texts, officer routing.

A pure domain package: no aiohttp and no Telegram imports, so the action server can use
it (``tests/unit/test_layers.py`` keeps it below the gateway, the console and the
channels).  Public API:

* ``HandoffService`` — handoffs, their messages and ratings (``bot.handoff.service``);
* ``start_handoff`` — open/reuse a handoff and build what the citizen is told (actions);
* ``WarningDetector`` / ``default_detector`` — early-warning vocabulary (``data/handoff``);
* ``parse_rating``, ``default_texts``, the model constants ``Status``/``Reason``/``Priority``/``Kind``;
* ``HandoffRuntime`` (``bot.handoff.runtime``) — the asyncio loop that pauses/resumes
  conversations and delivers officers' messages through a ``DeliveryHub``.

Wired into the aiohttp gateway by ``bot.gateway.handoff.setup_handoff``; the Telegram
officers' group is ``bot.channels.telegram.officers``.  Officer accounts are
``bot.accounts``, the audit log ``bot.audit``, retraining flags ``bot.admin.flags``.
"""
from bot.handoff.citizen import HandoffStart, start_handoff
from bot.handoff.models import Kind, Priority, Reason, Status
from bot.handoff.rating import parse_rating
from bot.handoff.service import HandoffService, Opened
from bot.handoff.texts import default_texts
from bot.handoff.views import HandoffView, MessageView
from bot.handoff.warning import WarningDetector, WarningHit, default_detector

__all__ = [
    "HandoffService",
    "HandoffStart",
    "HandoffView",
    "Kind",
    "MessageView",
    "Opened",
    "Priority",
    "Reason",
    "Status",
    "WarningDetector",
    "WarningHit",
    "default_detector",
    "default_texts",
    "parse_rating",
    "start_handoff",
]
