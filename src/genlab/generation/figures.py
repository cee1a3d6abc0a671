"""Figures of the generation-quality section, drawn from metrics and run-folder files only."""
from __future__ import annotations

import numpy as np

from genlab import atomic
from genlab.runs import RunDir

HIST_FIGURE = "quality_class_histogram"
EPOCH_FIGURE = "quality_epoch_fid"
SAMPLES_FIGURE = "quality_samples_{name}"  # name: a model, or FLOOR_NAME for the real floor set
FLOOR_NAME = "floor"


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def class_histograms(run: RunDir, result: dict) -> None:
    """Heat map: rows = real floor and each generator, columns = the data's classes, cells =
    share of samples the classifier assigns there. A missing class (mode collapse) is a dark
    cell (0 %) in a row."""
    classes = result["data"]["classes"]
    rows = [("real floor", result["floor"]["class_hist"])]
    rows += [(name, entry["class_hist"]) for name, entry in result["models"].items()]
    shares = np.array([hist for _, hist in rows]) * 100  # sets × classes, percent
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 1.6))
    image = ax.imshow(shares, cmap="viridis", vmin=0, vmax=max(20.0, shares.max()), aspect="auto")
    for (r, c), value in np.ndenumerate(shares):
        ax.text(c, r, f"{value:.1f}", ha="center", va="center", fontsize=7,
                color="white" if value < 12 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8)
    ax.set_title("Class histogram of samples (% per class)", fontsize=9)
    fig.colorbar(image, ax=ax, label="% of samples")
    atomic.save_figure(run.figure(HIST_FIGURE), fig)


def epoch_fid_curves(run: RunDir, result: dict, key: str) -> bool:
    """FID per epoch for every model that logged it; the real floor at the same n as a line."""
    curves = {}
    for name in result["models"]:
        points = [(r["epoch"], r["extra"][key]) for r in run.model(name).read_metrics()
                  if key in (r.get("extra") or {})]
        if points:
            curves[name] = points
    if not curves:
        return False
    plt = _plt()
    from genlab.figures.common import series_styles  # matplotlib only when a figure is drawn

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for style, (name, points) in zip(series_styles(len(curves)), curves.items()):
        epochs, values = zip(*points)
        ax.plot(epochs, values, ms=3, label=name, **style)
    for size, value in (result.get("epoch_floor") or {}).items():
        ax.axhline(value, color="grey", ls="--", lw=1, label=f"real floor (n={size})")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"FID ({result['data']['title']} features, log scale)")
    ax.set_title("FID per epoch on a small sample", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    atomic.save_figure(run.figure(EPOCH_FIGURE), fig)
    return True
