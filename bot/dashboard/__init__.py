"""The leadership dashboard (issue 17).

Figures for a period computed from the databases the product already writes — Rasa's tracker
store (``events``), cases, handoffs and the officer accounts — by SQL that runs on SQLite
and PostgreSQL.

* ``period`` — the chosen period (this week, last 30 days, custom, ISO week), China dates;
* ``sql`` — the dialect-specific expressions (local day number, JSON field as text,
  microseconds between two datetimes);
* ``rollup`` / ``senders`` — the daily rollup of the tracker store's events, and the
  per-day counts the distinct senders of any period are summed from;
* ``queries`` — :class:`Dashboard` and the figures (:class:`Figures`);
* ``charts`` — server-side SVG charts (matplotlib, CJK font required);
* ``tables`` — the figures as named tables (page and CSV download);
* ``demo`` — a realistic month of demo data (``python -m bot dashboard demo``).

Domain layer: imports infrastructure and base (and ``bot.cases`` for the deadline rules).
The web page is ``bot.dashboard.web`` (interfaces layer).
"""
