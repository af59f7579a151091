"""Matter confusion matrix as a PNG (truth rows, top-ranked matter columns)."""
from __future__ import annotations

from pathlib import Path

from bot.evaluation.report import Report


def matter_labels(report: Report) -> list[str]:
    return sorted({label for pair in report.confusions for label in pair})


def write_confusion_png(report: Report, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = matter_labels(report)
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for (truth, predicted), count in report.confusions.items():
        matrix[index[truth], index[predicted]] += count
    size = max(6, 0.32 * len(labels))
    figure, axes = plt.subplots(figsize=(size + 2, size))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.set_xlabel("predicted (top-ranked matter)")
    axes.set_ylabel("true matter")
    for (row, col), value in np.ndenumerate(matrix):
        if value:
            axes.text(col, row, str(value), ha="center", va="center", fontsize=6,
                      color="white" if value > matrix.max() / 2 else "black")
    figure.colorbar(image, ax=axes, fraction=0.03)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
