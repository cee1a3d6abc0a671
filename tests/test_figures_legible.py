"""Every figure genlab draws stays legible on the report page: its smallest text is at least
9 pt as displayed (a figure wider than the page is shown scaled down), epoch axes carry whole
numbers, a GAN's panel draws both players' losses, and the KITTI per-epoch metrics are drawn."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genlab import atomic
from genlab.detect import figures as kfigs
from genlab.figures import common
from genlab.figures import latents as dense
from genlab.figures import representations as conv

FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot")

SIX_MODELS = ["AE-2 (report's architecture)", "AE-2 improved (deeper, linear latent)", "AE-64", "VAE-64",
              "GAN-64, normal prior", "GAN-64, uniform prior"]


@pytest.fixture
def drawn(monkeypatch):
    """figure file name → the matplotlib figure, captured as it is saved (and then closed)."""
    figures = {}

    def capture(path, fig):
        figures[path.name] = fig
        return path

    monkeypatch.setattr(atomic, "save_figure", capture)
    return figures


def records(epochs: int, keys: list[str]) -> list[dict]:
    return [{"epoch": e, "train": {k: 1.0 / e for k in keys}, "val": {k: 1.2 / e for k in keys}}
            for e in range(1, epochs + 1)]


def draw_everything(tmp_path):
    rng = np.random.default_rng(0)
    curves = {t: records(3, ["discriminator_loss", "generator_loss"] if "GAN" in t else ["loss"]) for t in SIX_MODELS}
    keys = {t: [k for k in c[0]["train"]] for t, c in curves.items()}
    common.save_loss_curves(tmp_path / "loss_curves.png", curves, keys, "loss per epoch")
    images = rng.integers(0, 255, (10, 28, 28), dtype=np.uint8)
    common.save_pairs(tmp_path / "pairs.png", [("input", images), ("reconstruction", images)], np.arange(10), "pairs",
                      FASHION)
    common.save_grid(tmp_path / "grid.png", images, 5, "grid")
    vae = [{"epoch": e, "train": {"reconstruction": 1.0, "kl": 2.0}, "val": {"reconstruction": 1.0, "kl": 2.0}}
           for e in (1, 2, 3)]
    dense.vae_parts(tmp_path / "vae_parts.png", vae, "parts")
    dense.latent_scatter(tmp_path / "scatter.png", rng.normal(size=(50, 2)), rng.integers(0, 10, 50), "scatter",
                         FASHION)
    for e in (1, 2):
        np.savez(tmp_path / f"epoch_{e:03d}.npz", images=np.repeat(images[:, None], 2, axis=0), epoch=e)  # N×1×H×W
    dense.sample_progress(tmp_path / "progress.png", sorted(tmp_path.glob("epoch_*.npz")), "progress")
    conv.error_histograms(tmp_path / "hist.png", {c: {m: rng.random(100) + 0.01 for m in ("AE", "VAE", "DAE")}
                                                  for c in ("clean inputs", "noisy inputs (noise factor 0.5)")}, "errors")
    labels = rng.integers(0, 10, 60)
    conv.tsne_panels(tmp_path / "tsne.png", {m: rng.normal(size=(60, 2)) for m in ("AE", "VAE", "DAE")}, labels, "t-SNE",
                     FASHION)
    factors = [0.0, 0.5, 1.0]
    conv.robustness_curves(tmp_path / "robust.png", factors, {m: {"psnr": [20, 15, 10], "ssim": [0.9, 0.5, 0.2]}
                                                              for m in ("AE", "noisy input")}, 0.5, "robustness")
    matrix = (rng.integers(0, 900, (10, 10))).tolist()
    conv.confusions(tmp_path / "confusion_matrices.png", {m: matrix for m in ("AE", "VAE", "DAE", "raw pixels")}, "cm",
                    FASHION)
    heads = {m: [{"epoch": e, "train": {"loss": 1 / e, "accuracy": 0.8}, "val": {"loss": 1 / e, "accuracy": 0.8}}
                 for e in (1, 2, 3)] for m in ("AE", "VAE", "DAE", "raw pixels (baseline)")}
    conv.classifier_curves(tmp_path / "heads.png", heads, "heads")
    ultralytics = {m: {"epoch": [1.0, 2.0, 3.0], **{k: [0.1, 0.2, 0.3] for k, _ in kfigs.LOSSES + kfigs.METRIC_CURVES}}
                   for m in ("YOLOv5s from scratch", "YOLOv5s transfer learning")}
    kfigs.training_curves(tmp_path / "kitti_training_curves.png", ultralytics)
    kfigs.metric_curves(tmp_path / "kitti_metric_curves.png", ultralytics)
    kfigs.pr_curves(tmp_path / "pr.png", {m: {"recall": [0, 1], "precision": [1, 0]} for m in ultralytics})
    kfigs.kitti_bars(tmp_path / "bars.png", {m: {"easy": 0.5, "moderate": 0.4, "hard": 0.3} for m in ultralytics}, "Car")
    scenes = []
    for i in range(3):
        scenes.append(tmp_path / f"{i:06d}.png")
        Image.new("RGB", (640, 194), (90, 90, 90)).save(scenes[-1])
    boxes = {s.stem: [(10, 10, 100, 60, 0.9)] for s in scenes}
    kfigs.predictions_grid(tmp_path / "predictions.png", scenes, {s.stem: [(10, 10, 100, 60)] for s in scenes},
                           {m: boxes for m in ultralytics}, 0.25)


def test_every_figure_keeps_its_text_at_9_pt_as_displayed(drawn, tmp_path):
    draw_everything(tmp_path)
    assert len(drawn) == 16
    small = {name: round(common.displayed_font_pt(fig), 1) for name, fig in drawn.items()
             if common.displayed_font_pt(fig) < common.MIN_FONT_PT - 0.05}
    assert not small, f"text below {common.MIN_FONT_PT} pt as displayed: {small}"


def test_six_loss_panels_wrap_into_rows(drawn, tmp_path):
    draw_everything(tmp_path)
    axes = [ax for ax in drawn["loss_curves.png"].axes if ax.get_visible()]
    assert len(axes) == 6
    assert len({round(ax.get_position().y0, 3) for ax in axes}) == 2  # two rows of three, not one row of six


def test_epoch_axes_have_whole_number_ticks(drawn, tmp_path):
    draw_everything(tmp_path)
    for name in ("loss_curves.png", "vae_parts.png", "heads.png", "kitti_training_curves.png", "kitti_metric_curves.png"):
        for ax in drawn[name].axes:
            if ax.get_xlabel() == "epoch":
                ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
                assert ticks and all(float(t).is_integer() for t in ticks), (name, ticks)


def test_a_gan_panel_draws_both_players_losses(drawn, tmp_path):
    draw_everything(tmp_path)
    gan = next(ax for ax in drawn["loss_curves.png"].axes if ax.get_title().startswith("GAN-64, normal"))
    labels = {line.get_label() for line in gan.get_lines()}
    assert {"discriminator train", "discriminator val", "generator train", "generator val"} <= labels


def test_confusion_matrices_sit_side_by_side(drawn, tmp_path):
    draw_everything(tmp_path)
    matrices = [ax for ax in drawn["confusion_matrices.png"].axes if ax.get_title()]
    assert len(matrices) == 4
    assert len({round(ax.get_position().y0, 3) for ax in matrices}) == 2  # 2 × 2, not four stacked


def test_kitti_metric_curves_draw_precision_recall_and_both_maps(drawn, tmp_path):
    draw_everything(tmp_path)
    titles = {ax.get_title() for ax in drawn["kitti_metric_curves.png"].axes}
    assert {"precision", "recall", "mAP@0.5", "mAP@0.5:0.95"} <= titles
