"""Human handoff (人工接管): handoff records, early warning, citizen texts, officer routing.

Public API (kept free of aiohttp/Telegram imports so the action server can use it):

* ``HandoffService`` — handoffs, messages, ratings, retraining flags (``bot.handoff.service``);
* ``start_handoff`` — open/reuse a handoff and build what the citizen is told (actions);
* ``WarningDetector`` / ``default_detector`` — early-warning vocabulary (``data/handoff``);
* ``parse_rating``, ``default_texts``, the model constants ``Status``/``Reason``/``Priority``/``Kind``.

The gateway side lives in ``bot.handoff.gateway.setup_handoff`` and ``bot.handoff.runtime``.
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
