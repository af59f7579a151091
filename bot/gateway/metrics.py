"""A tiny Prometheus text-format registry (counters, gauges, one histogram type)."""
from __future__ import annotations

import bisect
import threading
from typing import Callable, Dict, List, Sequence, Tuple

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Histogram:
    """Cumulative-bucket histogram of observations in seconds."""

    def __init__(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * (len(self.buckets) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> List[str]:
        out, running = [], 0
        for bound, count in zip(self.buckets, self.counts):
            running += count
            out.append(f'{name}_bucket{{le="{bound}"}} {running}')
        out.append(f'{name}_bucket{{le="+Inf"}} {self.count}')
        out += [f"{name}_sum {self.total:.6f}", f"{name}_count {self.count}"]
        return out


class Metrics:
    """Process-local metrics rendered as Prometheus text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: Dict[Tuple[str, str], float] = {}
        self.histograms: Dict[str, Histogram] = {}
        self.gauges: Dict[str, Callable[[], float]] = {}
        self.help: Dict[str, str] = {}

    def inc(self, name: str, label: str = "", amount: float = 1.0, help: str = "") -> None:
        with self._lock:
            self.counters[(name, label)] = self.counters.get((name, label), 0.0) + amount
            self.help.setdefault(name, help)

    def observe(self, name: str, seconds: float, help: str = "") -> None:
        with self._lock:
            self.histograms.setdefault(name, Histogram()).observe(seconds)
            self.help.setdefault(name, help)

    def gauge(self, name: str, read: Callable[[], float], help: str = "") -> None:
        self.gauges[name] = read
        self.help.setdefault(name, help)

    def render(self) -> str:
        lines: List[str] = []
        with self._lock:
            for name in sorted({n for n, _ in self.counters}):
                lines += [f"# HELP {name} {self.help.get(name, name)}", f"# TYPE {name} counter"]
                for (n, label), value in sorted(self.counters.items()):
                    if n == name:
                        lines.append(f"{name}{{{label}}} {value:g}" if label else f"{name} {value:g}")
            for name, histogram in sorted(self.histograms.items()):
                lines += [f"# HELP {name} {self.help.get(name, name)}", f"# TYPE {name} histogram"]
                lines += histogram.lines(name)
        for name, read in sorted(self.gauges.items()):
            lines += [f"# HELP {name} {self.help.get(name, name)}", f"# TYPE {name} gauge"]
            lines.append(f"{name} {read():g}")
        return "\n".join(lines) + "\n"
