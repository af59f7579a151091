"""Resident memory of processes (from /proc), training time and model load time."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.settings import REPO_ROOT

TRAIN_DATA = ["data/nlu", "data/rules", "data/stories", "data/responses"]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except OSError:
        return []


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    result, pending = [], [pid]
    while pending:
        current = pending.pop()
        result.append(current)
        pending.extend(_children(current))
    return result


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, in MiB (VmRSS)."""
    total = 0
    for member in tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def memory(pids: dict[str, int]) -> dict[str, float]:
    return {name: rss_mib(pid) for name, pid in pids.items()}


def training_seconds_from_jobs(database_url: str) -> float | None:
    """Duration of the latest successful admin training job, if the table has one."""
    from sqlalchemy import text

    from bot.store.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT started_at, finished_at FROM admin_training_jobs "
                "WHERE finished_at IS NOT NULL AND started_at IS NOT NULL "
                "AND status = 'succeeded' "
                "ORDER BY finished_at DESC LIMIT 1")).first()
    except Exception:  # noqa: BLE001 - no such table / database: nothing recorded
        return None
    finally:
        engine.dispose()
    if row is None:
        return None
    started, finished = row
    return (finished - started).total_seconds()


def time_training() -> float:
    """Run ``rasa train`` into a temporary directory (only with ``--train``): seconds."""
    rasa = str(Path(sys.executable).parent / "rasa")
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out:
        started = time.perf_counter()
        subprocess.run([rasa, "train", "--data", *TRAIN_DATA, "--out", out,
                        "--fixed-model-name", "bench"], cwd=REPO_ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                       env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        return time.perf_counter() - started
