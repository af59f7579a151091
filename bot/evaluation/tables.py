"""Plain-text tables of an evaluation report."""
from __future__ import annotations

from collections.abc import Mapping

from bot.evaluation.report import ClassStats, Report


def headline(report: Report) -> str:
    rows = [
        ("intent macro-F1", f"{report.intent_macro_f1:.3f}"),
        ("matter examples", str(report.matter_total)),
        ("answered / clarified", f"{report.answered} / {report.clarified}"),
        ("scope accuracy, first answer (clarify = miss)", f"{report.scope_accuracy:.3f}"),
        ("scope accuracy after one clarifying question", f"{report.scope_accuracy_after_clarify:.3f}"),
        ("clarification rate", f"{report.clarification_rate:.3f}"),
        ("clarifications offering the right matter", f"{report.clarify_hit_share:.3f}"),
        ("exact-matter accuracy", f"{report.exact_accuracy:.3f}"),
        ("false-acceptance rate", f"{report.false_acceptance_rate:.3f}"
                                  f" ({report.false_acceptances}/{report.not_accepted_total})"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def per_class(title: str, stats: Mapping[str, ClassStats]) -> str:
    lines: list[str] = [f"{title:<28} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>4}"]
    for name, s in sorted(stats.items()):
        if s.tp + s.fn == 0:
            continue
        lines.append(f"{name:<28} {s.precision:6.2f} {s.recall:6.2f} {s.f1:6.2f} {s.tp + s.fn:4d}")
    return "\n".join(lines)


def confusions(report: Report, n: int = 5) -> str:
    lines = ["worst-confused matter pairs (count):"]
    lines += [f"  {a} <-> {b}: {count}" for (a, b), count in report.worst_confusions(n)]
    return "\n".join(lines)


def full_report(report: Report) -> str:
    return "\n\n".join([headline(report), per_class("intent", report.intent_stats),
                        per_class("matter (bot decision)", report.matter_stats),
                        confusions(report)])


COMPARISON_COLUMNS = (
    ("scope, first answer", "scope_accuracy"),
    ("scope after 1 question", "scope_accuracy_after_clarify"),
    ("exact matter", "exact_accuracy"),
    ("matter macro-recall", "matter_macro_recall"),
    ("false acceptance", "false_acceptance_rate"),
    ("clarification rate", "clarification_rate"),
)


def comparison(rows: list[tuple[str, Report]]) -> str:
    """One table: each (name, report) a row, the strict figures as columns."""
    width = max(len(name) for name, _ in rows)
    header = f"{'':<{width}} | " + " | ".join(title for title, _ in COMPARISON_COLUMNS) + " |  n"
    lines = [header, "-" * len(header)]
    for name, report in rows:
        cells = [f"{getattr(report, attr):>{len(title)}.3f}" for title, attr in COMPARISON_COLUMNS]
        lines.append(f"{name:<{width}} | " + " | ".join(cells) + f" | {report.matter_total:3d}")
    return "\n".join(lines)


def non_matter_intents(report: Report) -> str:
    return (f"non-matter intents macro-F1 {report.non_matter_macro_f1:.3f}\n"
            + per_class("intent (non-matter)", report.non_matter_intents()))
