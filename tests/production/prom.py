"""Reading ``/metrics`` in tests, with ``prometheus_client``'s own parser.

The helpers flatten what :func:`prometheus_client.parser.text_string_to_metric_families`
returns into ``{'name{label="value",…}': value}`` (labels in exposition order), the
shape the assertions are written in.
"""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def key(name: str, labels: dict[str, str]) -> str:
    """``name{a="x",b="y"}`` (or ``name`` without labels)."""
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def parse(text: str) -> dict[str, float]:
    """``{'name{labels}': value}`` for every sample; the library raises on bad text."""
    return {key(sample.name, sample.labels): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def types(text: str) -> dict[str, str]:
    """Metric name (as written in the text, e.g. ``x_total`` for a counter) → type."""
    result: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        result[family.name] = family.type
        if family.type == "counter":
            result[family.name + "_total"] = family.type
    return result


def total(samples: dict[str, float], name: str) -> float:
    """Sum of all series of a metric (any labels)."""
    return sum(v for k, v in samples.items() if k == name or k.startswith(name + "{"))


def buckets(samples: dict[str, float], name: str) -> list[float]:
    return [v for k, v in samples.items() if k.startswith(name + "_bucket{")]
