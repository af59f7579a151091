"""Petition cases (信访件).

Numbering, status machine, statutory deadlines, query codes with verification +
lockout, citizen wording and the officer CLI.

Main entry point: ``bot.cases.service.CaseService``.
"""
