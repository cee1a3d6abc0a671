"""Figures of representations: per-image error histograms, t-SNE of latent codes,
noise-robustness curves, and the frozen-encoder classifiers' confusion matrices and
training curves."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from genlab import atomic
from genlab.figures.common import MIN_FONT_PT, class_colours, class_handles, epoch_axis, panels

COLOURS = {"noisy input": "0.5"}  # the do-nothing baseline in grey; models take the default cycle


def error_histograms(path: Path, errors: dict[str, dict[str, np.ndarray]], title: str) -> Path:
    """One panel per input condition (e.g. clean / noisy), one histogram per model, log-spaced bins.
    errors: {condition: {model: per-image MSE array}}."""
    fig, axes = panels(len(errors), width=5.2, height=3.6, cols=2)
    for ax, (condition, per_model) in zip(axes, errors.items()):
        values = np.concatenate(list(per_model.values()))
        bins = np.geomspace(max(values.min(), 1e-5), values.max(), 60)
        for name, err in per_model.items():
            ax.hist(err, bins=bins, histtype="step", lw=1.6, label=f"{name} (mean {err.mean():.4f})")
        ax.set_xscale("log")
        ax.set_xlabel("per-image reconstruction MSE (log scale)")
        ax.set_ylabel("test images")
        ax.set_title(condition, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def tsne_panels(path: Path, embeddings: dict[str, np.ndarray], labels: np.ndarray, title: str,
                classes: tuple[str, ...] = ()) -> Path:
    """One 2-D t-SNE scatter per model, coloured by class where the data has classes.
    embeddings: {model: N×2}."""
    fig, axes = panels(len(embeddings), width=3.5, height=3.5)
    for ax, (name, xy) in zip(axes, embeddings.items()):
        if classes:
            cmap, top = class_colours(classes)
            ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap=cmap, vmin=0, vmax=top, s=3, alpha=0.7)
        else:
            ax.scatter(xy[:, 0], xy[:, 1], s=3, alpha=0.7)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("t-SNE 1")
        ax.set_ylabel("t-SNE 2")
        ax.set_xticks([]), ax.set_yticks([])
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    if classes:  # the class legend below the panels, not beside them: a fourth column would shrink the page's figure
        fig.legend(handles=class_handles(classes), loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=5,
                   frameon=False)
    return atomic.save_figure(path, fig)


def robustness_curves(path: Path, factors: list[float], curves: dict[str, dict], train_noise: float | None,
                      title: str) -> Path:
    """PSNR and SSIM against the clean image over noise factors, one line per model."""
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.8))
    for ax, key, label in ((axes[0], "psnr", "PSNR (dB)"), (axes[1], "ssim", "SSIM")):
        for name, curve in curves.items():
            values = np.array([np.nan if v is None else v for v in curve[key]], dtype=float)
            style = "--" if name in COLOURS else "-o"
            ax.plot(factors, values, style, ms=3, label=name, color=COLOURS.get(name))
        if train_noise is not None:
            ax.axvline(train_noise, color="k", lw=0.8, ls=":", label=f"the denoiser's training noise ({train_noise:g})")
        ax.set_xlabel("noise factor (x + factor·N(0, 1), unclipped)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def confusions(path: Path, matrices: dict[str, list[list[int]]], title: str, classes: tuple[str, ...]) -> Path:
    """One confusion matrix per classifier, two side by side per row (four stacked pages of
    matrices were hard to compare); cells show counts, colour the fraction of the true class."""
    fig, axes = panels(len(matrices), width=5.4, height=5.0, cols=2)
    for i, (ax, (name, matrix)) in enumerate(zip(axes, matrices.items())):
        counts = np.asarray(matrix)
        fractions = counts / np.maximum(counts.sum(1, keepdims=True), 1)
        image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
        for (r, c), n in np.ndenumerate(counts):
            ax.text(c, r, str(n), ha="center", va="center", fontsize=MIN_FONT_PT,
                    color="white" if fractions[r, c] > 0.6 else "black")
        ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
        ax.set_yticks(range(len(classes)), classes if i % 2 == 0 else [])  # the right column shares the left's labels
        ax.set_xlabel("predicted class")
        if i % 2 == 0:
            ax.set_ylabel("true class")
        ax.set_title(name, fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.colorbar(image, ax=axes, fraction=0.025, label="fraction of the true class")
    return atomic.save_figure(path, fig)


def classifier_curves(path: Path, curves: dict[str, list[dict]], title: str) -> Path:
    """Two panels, loss and accuracy, each with every classifier (one colour each): train solid,
    validation dashed. Side by side the heads compare at a glance; one column per head did not fit."""
    fig, axes = panels(2, width=5.2, height=3.8, cols=2)
    for ax, (key, label) in zip(axes, (("loss", "cross-entropy"), ("accuracy", "accuracy"))):
        for i, (name, records) in enumerate(curves.items()):
            epochs = [r["epoch"] for r in records]
            for split, style in (("train", "-o"), ("val", "--s")):
                ax.plot(epochs, [r[split][key] for r in records], style, ms=2.5, color=f"C{i}",
                        label=f"{name}, {split}")
        epoch_axis(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    # one legend for both panels, below them (after the layout, so it does not push the panels apart)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, frameon=False)
    return atomic.save_figure(path, fig)
