"""Figures of the KITTI study, drawn from files in the run folder only."""
from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from PIL import Image  # noqa: E402

from genlab import atomic  # noqa: E402
from genlab.figures.common import MIN_FONT_PT, epoch_axis, panels  # noqa: E402

LOSSES = (("train/box_loss", "train box loss"), ("train/cls_loss", "train class loss"),
          ("val/box_loss", "test box loss"))
# report 004's Fig. 11: the validator's four numbers after every epoch
METRIC_CURVES = (("metrics/precision(B)", "precision"), ("metrics/recall(B)", "recall"),
                 ("metrics/mAP50(B)", "mAP@0.5"), ("metrics/mAP50-95(B)", "mAP@0.5:0.95"))


def read_results(path: Path) -> dict[str, list[float]]:
    """ultralytics' results.csv as columns (header names are stripped of padding)."""
    if not Path(path).is_file():
        return {}
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    return {k.strip(): [float(r[k]) for r in rows] for k in (rows[0] if rows else {})}


def training_curves(path: Path, results: dict[str, dict[str, list[float]]]) -> Path:
    """Losses per epoch, one panel per loss, one line per model."""
    return _curves(path, results, LOSSES, cols=3)


def metric_curves(path: Path, results: dict[str, dict[str, list[float]]]) -> Path:
    """Precision, recall, mAP@0.5 and mAP@0.5:0.95 on the test split after every epoch (2 × 2)."""
    return _curves(path, results, METRIC_CURVES, cols=2, limits=(0, 1.02))


def _curves(path: Path, results: dict, curves: tuple, cols: int, limits: tuple | None = None) -> Path:
    fig, axes = panels(len(curves), width=4.4 if cols == 2 else 3.6, height=3.0, cols=cols)
    for ax, (key, title) in zip(axes, curves):
        for name, columns in results.items():
            if key in columns:
                ax.plot(columns["epoch"], columns[key], marker="o", ms=3, label=name)
        ax.set_title(title, fontsize=10)
        epoch_axis(ax)
        if limits:
            ax.set_ylim(*limits)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def pr_curves(path: Path, curves: dict[str, dict]) -> Path:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    for name, curve in curves.items():
        if curve.get("recall"):
            ax.plot(curve["recall"], curve["precision"], label=name)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title="PR curve at IoU 0.5 (COCO-style)")
    ax.legend()
    return atomic.save_figure(path, fig)


def kitti_bars(path: Path, aps: dict[str, dict[str, float | None]], cls: str) -> Path:
    """AP R40 per difficulty, one bar group per model."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    diffs = ("easy", "moderate", "hard")
    width = 0.8 / max(len(aps), 1)
    for k, (name, ap) in enumerate(aps.items()):
        ax.bar([i + k * width for i in range(3)], [ap.get(d) or 0 for d in diffs], width, label=name)
    ax.set_xticks([i + width * (len(aps) - 1) / 2 for i in range(3)], [d.capitalize() for d in diffs])
    ax.set(ylabel="AP (R40)", ylim=(0, 1), title=f"KITTI 2-D AP, {cls}")
    ax.legend()
    return atomic.save_figure(path, fig)


def predictions_grid(path: Path, images: list[Path], gt: dict[str, list[tuple]], preds: dict[str, dict[str, list[tuple]]],
                     conf: float) -> Path:
    """Rows: test images; columns: models. Ground truth dashed green, detections
    (score >= conf) red with their score."""
    names = list(preds)
    width = min(5.5, 11 / max(len(names), 1))  # the page's width at full size, however many models
    fig, axes = plt.subplots(len(images), len(names), figsize=(width * len(names), width / 3 * len(images) + 0.4),
                             squeeze=False)
    for r, image in enumerate(images):
        with Image.open(image) as im:
            pixels = im.convert("RGB")
        for c, name in enumerate(names):
            ax = axes[r][c]
            ax.imshow(pixels)
            for (x1, y1, x2, y2) in gt.get(image.stem, []):
                ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="lime", lw=1.2, ls="--"))
            for (x1, y1, x2, y2, score) in preds[name].get(image.stem, []):
                if score >= conf:
                    ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="red", lw=1.2))
                    ax.text(x1, y1, f"{score:.2f}", color="white", fontsize=MIN_FONT_PT, va="bottom",
                            bbox={"fc": "red", "ec": "none", "pad": 0.5})
            ax.set_axis_off()
            if r == 0:
                ax.set_title(name, fontsize=10)
    fig.tight_layout()
    return atomic.save_figure(path, fig)
