"""Officer accounts (console and admin pages, Telegram officers' group).

The ``officers`` and ``officer_sessions`` tables (``models``) and ``AccountService`` —
passwords (Argon2), roles, lockout after failed logins, console sessions (``service``).

Below every package that needs to know who an officer is (handoff, console, admin, the
Telegram officers' group); imports only ``bot.common``, ``bot.store`` and ``bot.audit``.
"""
