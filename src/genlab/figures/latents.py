"""Figures of models' latent spaces and samples: reconstructions, 2-D latent grid and
scatter, VAE loss parts, samples, and the same noise batch over training."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from genlab import atomic
from genlab.figures.common import (MIN_FONT_PT, class_colours, class_legend, display, epoch_axis, image_grid,
                                   save_grid, save_pairs, show, to_uint8)


@torch.no_grad()
def reconstructions(path: Path, method, images: torch.Tensor, labels: torch.Tensor, title: str,
                    classes: tuple[str, ...] = ()) -> Path:
    """Originals above their reconstructions. images: B×C×H×W float."""
    return save_pairs(path, [("input", to_uint8(images)), ("reconstruction", to_uint8(method.reconstruct(images)))],
                      labels.cpu().numpy(), title, classes)


@torch.no_grad()
def latent_codes(method, images: torch.Tensor, batch: int = 2000) -> np.ndarray:
    """N×C×H×W → N×D codes, batched to bound memory."""
    return torch.cat([method.encode(images[i:i + batch]) for i in range(0, len(images), batch)]).cpu().numpy()


@torch.no_grad()
def latent_grid(path: Path, method, codes: np.ndarray, size: int, title: str) -> Path:
    """Decode a size×size regular grid spanning the 1st–99th percentile of the codes."""
    lo, hi = np.percentile(codes, 1, axis=0), np.percentile(codes, 99, axis=0)
    hi = np.where(hi - lo < 1e-6, lo + 1.0, hi)  # a dead ReLU code is constant: still show a range
    xs, ys = np.linspace(lo[0], hi[0], size), np.linspace(hi[1], lo[1], size)  # top row = high z2
    grid = torch.tensor([[x, y] for y in ys for x in xs], dtype=torch.float32)  # size²×2
    device = next(method.parameters()).device
    decoded = to_uint8(method.decode(grid.to(device)))
    fig, ax = plt.subplots(figsize=(7, 7))
    show(ax, image_grid(decoded, size), extent=(xs[0], xs[-1], ys[-1], ys[0]), aspect="auto")
    ax.set_xlabel("latent z₁")
    ax.set_ylabel("latent z₂")
    ax.set_title(title, fontsize=10)
    return atomic.save_figure(path, fig)


def latent_scatter(path: Path, codes: np.ndarray, labels: np.ndarray, title: str, classes: tuple[str, ...] = ()) -> Path:
    """The codes as points, coloured by class where the data has classes."""
    fig, ax = plt.subplots(figsize=(7.5, 6))
    if classes:
        cmap, top = class_colours(classes)
        ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap=cmap, vmin=0, vmax=top, s=3, alpha=0.6)
        class_legend(ax, classes)
    else:
        ax.scatter(codes[:, 0], codes[:, 1], s=3, alpha=0.6)
    ax.set_xlabel("latent z₁")
    ax.set_ylabel("latent z₂")
    ax.set_title(title, fontsize=10)
    return atomic.save_figure(path, fig)


def vae_parts(path: Path, records: list[dict], title: str) -> Path:
    """Reconstruction and KL per image over epochs, train and validation."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    epochs = [r["epoch"] for r in records]
    for ax, key in zip(axes, ("reconstruction", "kl")):
        for split, style in (("train", "-o"), ("val", "--s")):
            ax.plot(epochs, [r[split][key] for r in records], style, ms=3, label=split)
        epoch_axis(ax)
        ax.set_ylabel(f"{key} (per image, nats)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def sample_progress(path: Path, snapshots: list[Path], title: str, per_epoch: int = 16) -> Path:
    """One row per snapshot epoch: the same noise vectors decoded as training went on."""
    rows = [np.load(p) for p in snapshots]
    fig, axes = plt.subplots(len(rows), 1, figsize=(per_epoch * 0.55, len(rows) * 0.75 + 0.5), squeeze=False)
    for ax, row in zip(axes[:, 0], rows):
        show(ax, image_grid(display(row["images"][:per_epoch]), per_epoch))
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_ylabel(f"epoch {int(row['epoch'])}", fontsize=MIN_FONT_PT, rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize=10)
    return atomic.save_figure(path, fig)


def samples(path: Path, method, n: int, seed: int, title: str) -> Path:
    device = next(method.parameters()).device
    with torch.no_grad():
        images = method.sample(n, generator=torch.Generator(device=device).manual_seed(seed))
    return save_grid(path, to_uint8(images), cols=10, title=title)
