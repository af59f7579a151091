"""The officer console: login, queues, conversations, cases (mounted at ``/console/``).

``bot.console.app.setup_console(app)`` mounts it in the gateway;
``bot.console.accounts`` holds accounts, sessions and login lockout;
``python -m bot accounts ...`` manages accounts from a shell.
"""
