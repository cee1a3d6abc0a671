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

CURVES = (("train/box_loss", "train box loss"), ("train/cls_loss", "train class loss"),
          ("val/box_loss", "test box loss"), ("metrics/mAP50-95(B)", "test mAP@0.5:0.95"))


def read_results(path: Path) -> dict[str, list[float]]:
    """ultralytics' results.csv as columns (header names are stripped of padding)."""
    if not Path(path).is_file():
        return {}
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    return {k.strip(): [float(r[k]) for r in rows] for k in (rows[0] if rows else {})}


def training_curves(path: Path, results: dict[str, dict[str, list[float]]]) -> Path:
    fig, axes = plt.subplots(1, len(CURVES), figsize=(4 * len(CURVES), 3.2))
    for ax, (key, title) in zip(axes, CURVES):
        for name, cols in results.items():
            if key in cols:
                ax.plot(cols["epoch"], cols[key], marker="o", ms=3, label=name)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("epoch")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return atomic.save_figure(path, fig)


def pr_curves(path: Path, curves: dict[str, dict]) -> Path:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    for name, curve in curves.items():
        if curve.get("recall"):
            ax.plot(curve["recall"], curve["precision"], label=name)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title="PR curve at IoU 0.5 (COCO-style)")
    ax.legend(fontsize=8)
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
    ax.legend(fontsize=8)
    return atomic.save_figure(path, fig)


def predictions_grid(path: Path, images: list[Path], gt: dict[str, list[tuple]], preds: dict[str, dict[str, list[tuple]]],
                     conf: float) -> Path:
    """Rows: test images; columns: models. Ground truth dashed green, detections
    (score >= conf) red with their score."""
    names = list(preds)
    fig, axes = plt.subplots(len(images), len(names), figsize=(6.5 * len(names), 2.2 * len(images)), squeeze=False)
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
                    ax.text(x1, y1, f"{score:.2f}", color="white", fontsize=6, va="bottom",
                            bbox={"fc": "red", "ec": "none", "pad": 0.5})
            ax.set_axis_off()
            if r == 0:
                ax.set_title(name, fontsize=10)
    fig.tight_layout()
    return atomic.save_figure(path, fig)
