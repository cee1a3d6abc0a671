"""Study-2 figures: per-image error histograms, t-SNE of latent codes, noise-robustness
curves, and the frozen-encoder classifiers' confusion matrices and training curves."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from genlab import atomic
from genlab.data.fashion_mnist import CLASSES
from genlab.figures.common import class_legend

COLOURS = {"noisy input": "0.5"}  # the do-nothing baseline in grey; models take the default cycle


def error_histograms(path: Path, errors: dict[str, dict[str, np.ndarray]], title: str) -> Path:
    """One panel per input condition (e.g. clean / noisy), one histogram per model, log-spaced bins.
    errors: {condition: {model: per-image MSE array}}."""
    fig, axes = plt.subplots(1, len(errors), figsize=(5.2 * len(errors), 3.6), squeeze=False)
    for ax, (condition, per_model) in zip(axes[0], errors.items()):
        values = np.concatenate(list(per_model.values()))
        bins = np.geomspace(max(values.min(), 1e-5), values.max(), 60)
        for name, err in per_model.items():
            ax.hist(err, bins=bins, histtype="step", lw=1.6, label=f"{name} (mean {err.mean():.4f})")
        ax.set_xscale("log")
        ax.set_xlabel("per-image reconstruction MSE (log scale)")
        ax.set_ylabel("test images")
        ax.set_title(condition, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def tsne_panels(path: Path, embeddings: dict[str, np.ndarray], labels: np.ndarray, title: str) -> Path:
    """One 2-D t-SNE scatter per model, coloured by class. embeddings: {model: N×2}."""
    cmap = plt.get_cmap("tab10")
    fig, axes = plt.subplots(1, len(embeddings), figsize=(4.4 * len(embeddings) + 1.6, 4.4), squeeze=False)
    for ax, (name, xy) in zip(axes[0], embeddings.items()):
        ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap=cmap, vmin=0, vmax=9, s=3, alpha=0.7)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("t-SNE 1")
        ax.set_ylabel("t-SNE 2")
        ax.set_xticks([]), ax.set_yticks([])
    class_legend(axes[0][-1], cmap)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def robustness_curves(path: Path, factors: list[float], curves: dict[str, dict], train_noise: float | None,
                      title: str) -> Path:
    """PSNR and SSIM against the clean image over noise factors, one line per model."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, key, label in ((axes[0], "psnr", "PSNR (dB)"), (axes[1], "ssim", "SSIM")):
        for name, curve in curves.items():
            values = np.array([np.nan if v is None else v for v in curve[key]], dtype=float)
            style = "--" if name in COLOURS else "-o"
            ax.plot(factors, values, style, ms=3, label=name, color=COLOURS.get(name))
        if train_noise is not None:
            ax.axvline(train_noise, color="k", lw=0.8, ls=":", label=f"DAE training noise ({train_noise:g})")
        ax.set_xlabel("noise factor (x + factor·N(0, 1), unclipped)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def confusion(path: Path, matrix: list[list[int]], title: str) -> Path:
    """Confusion matrix with class names; cells show counts, colour shows the row fraction."""
    counts = np.asarray(matrix)
    fractions = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.6, 5.8))
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
    for (r, c), n in np.ndenumerate(counts):
        ax.text(c, r, str(n), ha="center", va="center", fontsize=7, color="white" if fractions[r, c] > 0.6 else "black")
    ax.set_xticks(range(len(CLASSES)), CLASSES, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(CLASSES)), CLASSES, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046, label="fraction of the true class")
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def classifier_curves(path: Path, curves: dict[str, list[dict]], title: str) -> Path:
    """Rows: loss, accuracy; one column per classifier; train and validation per epoch."""
    names = list(curves)
    fig, axes = plt.subplots(2, len(names), figsize=(3.4 * len(names), 5.6), squeeze=False)
    for col, name in enumerate(names):
        records = curves[name]
        epochs = [r["epoch"] for r in records]
        for row, (key, label) in enumerate((("loss", "cross-entropy"), ("accuracy", "accuracy"))):
            ax = axes[row, col]
            for split, style in (("train", "-o"), ("val", "--s")):
                ax.plot(epochs, [r[split][key] for r in records], style, ms=2.5, label=split)
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            if row == 0:
                ax.set_title(name, fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)
