"""Plot helpers shared by studies: image grids, reconstruction pairs, loss curves."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from genlab import atomic
from genlab.data.fashion_mnist import CLASSES


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """B×1×28×28 float in [0, 1] → B×28×28 uint8."""
    return (images.detach().cpu().clamp(0, 1).squeeze(1).numpy() * 255).round().astype(np.uint8)


def image_grid(images: np.ndarray, cols: int) -> np.ndarray:
    """N×H×W → one (rows·H)×(cols·W) mosaic with 1-px gaps."""
    n, h, w = images.shape
    rows = (n + cols - 1) // cols
    grid = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = img
    return grid


def save_grid(path: Path, images: np.ndarray, cols: int, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(cols * 0.5 + 0.5, (len(images) + cols - 1) // cols * 0.5 + 0.7))
    ax.imshow(image_grid(images, cols), cmap="gray_r", vmin=0, vmax=255)
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    return atomic.save_figure(path, fig)


def save_pairs(path: Path, rows: list[tuple[str, np.ndarray]], labels: np.ndarray | None, title: str) -> Path:
    """Rows of images (e.g. input / reconstruction) with a label per row and class names
    above the columns."""
    n = len(rows[0][1])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.0 + 0.6), squeeze=False)
    for r, (row_label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(images[c], cmap="gray_r", vmin=0, vmax=255)
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(row_label, fontsize=8)
            if r == 0 and labels is not None:
                ax.set_title(CLASSES[int(labels[c])], fontsize=7)
    fig.suptitle(title, fontsize=10)
    return atomic.save_figure(path, fig)


def save_loss_curves(path: Path, curves: dict[str, list[dict]], key_for: dict[str, str], title: str,
                     ylabel: str = "loss") -> Path:
    """One panel per model: train and validation `key` over epochs from metrics.jsonl records."""
    names = list(curves)
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.0), squeeze=False)
    for ax, name in zip(axes[0], names):
        records, key = curves[name], key_for[name]
        epochs = [r["epoch"] for r in records]
        for split, style in (("train", "-o"), ("val", "--s")):
            ax.plot(epochs, [r[split].get(key, np.nan) for r in records], style, ms=3, label=split)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel if ylabel != "loss" else key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def class_legend(ax, cmap) -> None:
    handles = [plt.Line2D([], [], marker="o", ls="", color=cmap(i / 9), label=name) for i, name in enumerate(CLASSES)]
    ax.legend(handles=handles, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
