"""The officer console: login, queues, conversations, cases (mounted at ``/console/``).

``bot.console.app.setup_console(app)`` mounts it in the gateway;
accounts, sessions and login lockout are ``bot.accounts`` (``python -m bot accounts ...``
manages them from a shell); the audit log is ``bot.audit``.
"""
