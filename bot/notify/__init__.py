"""Status notifications to citizens (事事有回音) through a transactional outbox.

* ``models`` — ``notify_outbox`` (one row per message, with its delivery state) and
  ``notify_optouts`` (citizens who said 退订通知).
* ``outbox`` — ``enqueue`` inside the caller's transaction (``bot.cases.service`` calls
  it in the same transaction as a status change), ``OutboxStore`` (claim with a lease,
  mark sent / failed, list, retry, opt-out).
* ``worker`` — ``NotifyWorker``: one asyncio loop (in the gateway) that delivers pending
  rows through the ``DeliveryHub`` with retries and backoff.
* ``texts`` — the citizen texts (``data/notify/texts.yml``).
* ``addressing`` — which chat channel a sender id belongs to.

This package does not import ``bot.cases`` (cases imports it).
"""
