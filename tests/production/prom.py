"""A strict little reader of the Prometheus text format (for assertions)."""
from __future__ import annotations

import re
from typing import Dict, List

SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{[^}]*\})? '
                    r'(?P<value>-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$')
META = re.compile(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$")


def parse(text: str) -> Dict[str, float]:
    """``{'name{labels}': value}``; raises ValueError on any malformed line."""
    samples: Dict[str, float] = {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("#"):
            if not META.match(line):
                raise ValueError(f"bad metadata line: {line!r}")
            continue
        match = SAMPLE.match(line)
        if not match:
            raise ValueError(f"bad sample line: {line!r}")
        samples[match["name"] + (match["labels"] or "")] = float(match["value"])
    return samples


def types(text: str) -> Dict[str, str]:
    """Metric name → declared type."""
    return {parts[2]: parts[3] for parts in (line.split(" ", 3) for line in text.splitlines()
                                             if line.startswith("# TYPE "))}


def total(samples: Dict[str, float], name: str) -> float:
    """Sum of all series of a metric (any labels)."""
    return sum(v for k, v in samples.items() if k == name or k.startswith(name + "{"))


def buckets(samples: Dict[str, float], name: str) -> List[float]:
    return [v for k, v in samples.items() if k.startswith(name + "_bucket{")]
