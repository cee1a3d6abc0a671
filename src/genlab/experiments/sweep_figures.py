"""A sweep's figure: one panel per model, the metric's mean over seeds against the varied
value with its 95 % CI band, and the floor the study puts under one model's curve (PCA's for a
latent-size sweep)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from genlab import atomic  # noqa: E402


def against_value(path: Path, key: str, label: str, series: dict, floor: dict | None) -> None:
    names = list(series)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        points = sorted(series[name], key=lambda p: p[0])
        xs = [x for x, _ in points]
        means = [s.mean for _, s in points]
        ax.plot(xs, means, "o-", label="mean over seeds")
        if any(s.half_width is not None for _, s in points):
            lo = [s.mean - (s.half_width or 0) for _, s in points]
            hi = [s.mean + (s.half_width or 0) for _, s in points]
            ax.fill_between(xs, lo, hi, alpha=0.25, label="95 % CI")
        if floor and name == floor["model"]:
            ax.plot(floor["x"], floor["y"], "k--", label=floor["label"])
        if xs and min(xs) > 0 and max(xs) / min(xs) >= 8:
            ax.set_xscale("log", base=2)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(key.rsplit(".", 1)[-1])
        ax.set_ylabel(label if len(label) < 40 else label[:37] + "…", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.save_figure(path, fig)
