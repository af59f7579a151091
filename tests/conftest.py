"""Shared pytest fixtures; database fixtures live in tests/conftest_db.py."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytest_plugins = ["tests.conftest_db", "tests.stack", "tests.production.fixtures"]
