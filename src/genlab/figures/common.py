"""Plot helpers shared by studies: image grids, reconstruction pairs, loss curves, and the
layout rules that keep every figure legible on the report page.

Legibility: report.html shows a figure at most PAGE_WIDTH_PX wide (CSS px, 96 per inch), so a
figure wider than PAGE_WIDTH_IN inches is shrunk and its text with it. Every figure here keeps
text at MIN_FONT_PT or more and wraps its panels (at most MAX_COLS per row) so that the text
stays at least MIN_FONT_PT as displayed; tests check this with displayed_font_pt."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from genlab import atomic
from genlab.report.page import PAGE_WIDTH_PX

PAGE_WIDTH_IN = PAGE_WIDTH_PX / 96  # CSS px per inch
MIN_FONT_PT = 9
MAX_COLS = 3  # three 3.6-inch panels fill the page at full size
plt.rcParams.update({"font.size": 10, "legend.fontsize": MIN_FONT_PT, "xtick.labelsize": MIN_FONT_PT,
                     "ytick.labelsize": MIN_FONT_PT, "axes.titlesize": 10, "axes.labelsize": 10})


def panels(n: int, width: float = 3.6, height: float = 3.0, cols: int = MAX_COLS):
    """A figure of n panels wrapped into rows of at most `cols`; unused slots are removed.
    Returns (fig, axes) with axes a flat list of n."""
    cols = max(1, min(n, cols))
    rows = math.ceil(n / cols)
    fig, grid = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.4), squeeze=False)
    flat = list(grid.flat)
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]


def epoch_axis(ax) -> None:
    """Epochs are whole numbers: no 1.5 ticks."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")


def displayed_font_pt(fig) -> float:
    """The smallest visible text of `fig` in points as report.html displays it (a figure wider
    than the page is scaled down to the page's width)."""
    fig.canvas.draw()
    width = fig.get_tightbbox(fig.canvas.get_renderer()).width  # inches, as bbox_inches="tight" saves
    sizes = [t.get_fontsize() for t in fig.findobj(plt.Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes, default=float("inf")) * min(1.0, PAGE_WIDTH_IN / width)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """B×C×H×W floats in [0, 1] → what imshow takes: B×H×W uint8 (grey) or B×H×W×3 (RGB)."""
    return display(images.detach().cpu().clamp(0, 1).mul(255).round().to(torch.uint8).numpy())


def display(images: np.ndarray) -> np.ndarray:
    """uint8 N×C×H×W → N×H×W (one channel) or N×H×W×3 (three), the layout imshow takes."""
    return images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)


def show(ax, image: np.ndarray, **kwargs) -> None:
    """One image or mosaic (H×W grey, drawn dark on white as the datasets' grey images are
    usually shown, or H×W×3 colour as it is)."""
    if image.ndim == 2:
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255, **kwargs)
    else:
        ax.imshow(image, **kwargs)


def image_grid(images: np.ndarray, cols: int) -> np.ndarray:
    """N×H×W (or N×H×W×3) → one (rows·H)×(cols·W) mosaic with 1-px gaps."""
    n, h, w = images.shape[:3]
    rows = (n + cols - 1) // cols
    grid = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1, *images.shape[3:]), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = img
    return grid


def save_grid(path: Path, images: np.ndarray, cols: int, title: str) -> Path:
    """images: N×H×W or N×H×W×3 uint8 (display layout)."""
    fig, ax = plt.subplots(figsize=(cols * 0.5 + 0.5, (len(images) + cols - 1) // cols * 0.5 + 0.7))
    show(ax, image_grid(images, cols))
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    return atomic.save_figure(path, fig)


def save_pairs(path: Path, rows: list[tuple[str, np.ndarray]], labels: np.ndarray | None, title: str,
               classes: tuple[str, ...] = ()) -> Path:
    """Rows of images (e.g. input / reconstruction) with a label per row and, where the data
    has them, class names above the columns."""
    n = len(rows[0][1])
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.0 + 0.6), squeeze=False)
    for r, (row_label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            show(ax, images[c])
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(row_label, fontsize=MIN_FONT_PT)
            if r == 0 and labels is not None and classes:
                ax.set_title(classes[int(labels[c])], fontsize=MIN_FONT_PT)
    fig.suptitle(title, fontsize=10)
    return atomic.save_figure(path, fig)


def save_loss_curves(path: Path, curves: dict[str, list[dict]], keys_for: dict[str, list[str]], title: str) -> Path:
    """One panel per model, wrapped into rows: train (solid) and validation (dashed) of each of
    the model's `keys` over epochs from metrics.jsonl records (a GAN: both players' losses)."""
    fig, axes = panels(len(curves))
    for ax, (name, records) in zip(axes, curves.items()):
        epochs = [r["epoch"] for r in records]
        keys = keys_for[name]
        for i, key in enumerate(keys):
            label = key.removesuffix("_loss") if len(keys) > 1 else ""
            for split, style in (("train", "-o"), ("val", "--s")):
                ax.plot(epochs, [r[split].get(key, np.nan) for r in records], style, ms=3, color=f"C{i}",
                        label=f"{label} {split}".strip())
        ax.set_title(_wrap(name), fontsize=10)
        epoch_axis(ax)
        ax.set_ylabel(keys[0] if len(keys) == 1 else "loss")
        ax.grid(alpha=0.3)
        if len(keys) > 1:  # four lines (a GAN's two players): below the panel, where they hide no curve
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
        else:
            ax.legend()
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def _wrap(title: str, width: int = 34) -> str:
    """A long model title on two lines rather than over its neighbour's panel."""
    import textwrap

    return "\n".join(textwrap.wrap(title, width)) or title


def series_styles(n: int) -> list[dict]:
    """Line styles for `n` series that no two share: tab10 with round markers up to ten, beyond
    that tab20's colours with a marker that changes every ten (a gen study plots 13 models)."""
    if n <= 10:
        return [{"color": f"C{i}", "marker": "o"} for i in range(n)]
    cmap, markers = plt.get_cmap("tab20"), "osD^v"
    return [{"color": cmap(i % 20), "marker": markers[(i // 10) % len(markers)]} for i in range(n)]


def class_colours(classes: tuple[str, ...]):
    """(colour map, vmax) giving each of `classes` its own colour (tab10, or tab20 beyond ten)."""
    cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    return cmap, max(len(classes) - 1, 1)


def class_handles(classes: tuple[str, ...]) -> list:
    cmap, top = class_colours(classes)
    return [plt.Line2D([], [], marker="o", ls="", color=cmap(i / top), label=name) for i, name in enumerate(classes)]


def class_legend(ax, classes: tuple[str, ...]) -> None:
    ax.legend(handles=class_handles(classes), fontsize=MIN_FONT_PT, loc="center left", bbox_to_anchor=(1.0, 0.5),
              frameon=False)
