"""Helpers every layer may use: the clock (``clock``), text cleaning (``text``) and
retry delays (``backoff``).  Standard library only; nothing here imports ``bot``."""
