"""Plain-text tables for the benchmark results."""
from __future__ import annotations

import math
from collections.abc import Sequence

from bench.load import Run

P50_RATIO_TARGET = 1.3
THROUGHPUT_TARGET = 60.0
P95_TARGET_MS = 500.0


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in header]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.1f}"
    return str(value)


def mode(run: Run) -> str:
    return f"paced {run.rate:.0f}/s" if run.rate else "closed"


def latency_table(runs: list[Run]) -> str:
    rows = [[r.target, mode(r), r.concurrency, len(r.samples), r.percentile(.5),
             r.percentile(.95), r.percentile(.99), r.throughput, r.errors, r.lost, r.duplicated]
            for r in runs]
    return table(["path", "mode", "conc", "msgs", "p50 ms", "p95 ms", "p99 ms", "msg/s",
                  "errors", "lost", "dup"], rows)


def _pair(runs: list[Run], concurrency: int, rate: float = 0.0) -> dict[str, Run]:
    return {r.target: r for r in runs if r.concurrency == concurrency and r.rate == rate}


def overhead_table(runs: list[Run]) -> str:
    rows = []
    for concurrency, rate in sorted({(r.concurrency, r.rate) for r in runs}):
        pair = _pair(runs, concurrency, rate)
        if {"gateway", "rasa"} <= set(pair):
            gateway, rasa = pair["gateway"], pair["rasa"]
            rows.append([concurrency, mode(rasa), rasa.percentile(.5), gateway.percentile(.5),
                         f"{gateway.percentile(.5) / rasa.percentile(.5):.2f}×",
                         f"{gateway.throughput / rasa.throughput:.2f}×"])
    return table(["conc", "mode", "rasa p50", "gateway p50", "p50 ratio", "msg/s ratio"], rows)


def targets_table(runs: list[Run], high: int, rate: float) -> str:
    """The issue's targets, judged on this run.

    Capacity comes from the closed loop (conversations send as soon as answered); the
    p95 from the paced run at ``rate``: 50 closed-loop conversations without pauses
    cannot have both, by Little's law (50 in flight at 60 msg/s means 830 ms each on
    average).
    """
    rows: list[list[object]] = []
    for concurrency, pace in sorted({(r.concurrency, r.rate) for r in runs}):
        pair = _pair(runs, concurrency, pace)
        if {"gateway", "rasa"} <= set(pair):
            ratio = pair["gateway"].percentile(.5) / pair["rasa"].percentile(.5)
            rows.append([f"p50 gateway ≤ {P50_RATIO_TARGET}× bare Rasa, {concurrency} "
                         f"conversations, {mode(pair['rasa'])}", f"{ratio:.2f}×",
                         _yes(ratio <= P50_RATIO_TARGET)])
    saturated = _pair(runs, high).get("gateway")
    if saturated is not None:
        rows.append([f"≥ {THROUGHPUT_TARGET:.0f} msg/s with {high} conversations (gateway, "
                     "closed loop)", f"{saturated.throughput:.1f}",
                     _yes(saturated.throughput >= THROUGHPUT_TARGET)])
    paced: Run | None = _pair(runs, high, rate).get("gateway") if rate else None
    if paced is not None:
        keeps_up = paced.throughput >= 0.97 * rate
        rows.append([f"keeps up with {rate:.0f} msg/s offered by {high} conversations",
                     f"{paced.throughput:.1f}", _yes(keeps_up)])
        p95 = paced.percentile(.95)
        rows.append([f"p95 ≤ {P95_TARGET_MS:.0f} ms at {rate:.0f} msg/s (gateway)",
                     f"{p95:.0f} ms", _yes(p95 <= P95_TARGET_MS)])
    lost = sum(r.lost + r.duplicated + r.errors for r in runs)
    rows.append(["no message lost, duplicated or unanswered", str(lost), _yes(lost == 0)])
    return table(["target", "measured", "met"], rows)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def resources_table(memory: dict[str, float], ready: dict[str, float]) -> str:
    rows = [[name, memory.get(name, float("nan")), ready.get(name, float("nan"))]
            for name in memory]
    return table(["process", "RSS MiB", "start→ready s"], rows)
