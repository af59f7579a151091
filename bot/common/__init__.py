"""Helpers every layer may use: clock, text cleaning, retry delays, citizen texts.

``clock``, ``text`` (cleaning), ``backoff`` (retry delays) and ``texts`` (the one
loader of the citizen-facing texts in ``data/``).  Standard library only, plus PyYAML
for ``texts``; nothing here imports ``bot``.
"""
