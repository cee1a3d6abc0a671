"""Reconstructions of clean and noisy test images, and the distribution of per-image
reconstruction error over the whole test set, for every model that reconstructs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genlab.analyses.base import (Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block,
                                  within)
from genlab.representation import robustness
from genlab.representation.measures import per_image_mse
from genlab.figures import common as figs
from genlab.figures import representations as cfigs
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Table, Text

CLEAN_FIGURE = "recon_clean"
NOISY_FIGURE = "recon_noisy"
HISTOGRAM_FIGURE = "error_hist"


def noisy(x: torch.Tensor, factor: float, seed: int) -> torch.Tensor:
    return robustness.add_noise(x, factor, torch.Generator().manual_seed(seed))


def denoisers(models: dict) -> dict[str, float]:
    """name → training noise factor of every model with the "denoise" capability."""
    return {n: float(m.noise_factor) for n, m in models.items() if "denoise" in m.capabilities()}


DEFAULT_NOISE = 0.5  # the noisy-input figures' noise when no model is trained on noise


@dataclass
class ErrorsSettings(AnalysisSettings):
    images: int = 10  # test images per reconstruction figure
    display_noise: float | None = None  # noise of the noisy-input figures; default: a denoiser's training noise

    def __post_init__(self) -> None:
        within(self, "reconstruction_errors", {"images": (1, 100, "test images per reconstruction figure"),
                                               "display_noise": (0, 10, "a noise factor")})


def display_noise(settings, models: dict, title=str) -> tuple[float, str]:
    """The noise of the noisy-input figures, and where it comes from (for the report)."""
    if settings.display_noise is not None:
        return settings.display_noise, "analysis.reconstruction_errors.display_noise"
    trained = denoisers(models)
    if trained:
        name = next(iter(trained))
        return trained[name], f"the training noise of {title(name)}"
    return DEFAULT_NOISE, "genlab's default, as no model here is trained on noise"


class ReconstructionErrors(Analysis):
    key = "reconstruction_errors"
    title = "Reconstructions and error distributions"
    needs = frozenset({"reconstruct"})
    Settings = ErrorsSettings

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        factor, source = display_noise(ctx.settings, models, ctx.title)
        seed, test = ctx.config.seed, ctx.splits.test
        n = min(ctx.settings.images, len(test))
        x, labels = test.floats(n), test.labels[:n].numpy()
        for figure, inputs, label, what in (
                (CLEAN_FIGURE, x, "input (clean)", "clean test images"),
                (NOISY_FIGURE, noisy(x, factor, seed), f"noisy input ({factor:g})",
                 f"test images + {factor:g}·N(0, 1) (shown clipped to [0, 1])")):
            rows = [(label, figs.to_uint8(inputs))]
            rows += [(ctx.title(name), figs.to_uint8(robustness.reconstruct(m, inputs))) for name, m in models.items()]
            figs.save_pairs(ctx.run.figure(figure), rows, labels, f"Reconstructions of {what}, one row per model",
                            class_names(ctx.splits.facts))
        return {"display_noise": factor, "noise_source": source, "images": n,
                "errors": self._errors(ctx, models, factor), "n_test": len(test)}

    @staticmethod
    def _errors(ctx: AnalysisContext, models: dict, factor: float) -> dict:
        """Per-image MSE against the clean image, every test image, clean and noisy inputs."""
        x = ctx.splits.test.floats()
        inputs = {"clean inputs": x, f"noisy inputs (noise factor {factor:g})": noisy(x, factor, ctx.config.seed)}
        errors = {cond: {ctx.title(n): per_image_mse(robustness.reconstruct(m, xi), x).numpy() for n, m in models.items()}
                  for cond, xi in inputs.items()}
        cfigs.error_histograms(ctx.run.figure(HISTOGRAM_FIGURE), errors, "Per-image reconstruction error on the test set")
        return {cond: {title: {"mean": float(e.mean()), "median": float(np.median(e)),
                               "p95": float(np.percentile(e, 95))} for title, e in per_model.items()}
                for cond, per_model in errors.items()}

    def blocks(self, view: ReportView, results: dict) -> list:
        factor, n = results["display_noise"], results["images"]
        rows = [[cond, title, v["mean"], v["median"], v["p95"]]
                for cond, per_model in results["errors"].items() for title, v in per_model.items()]
        return [
            Text(f"The first {n:,} test images, clean and with noise x + {factor:g}·N(0, 1) (unclipped; noise factor "
                 f"{factor:g}: {results['noise_source']}), and each model's reconstruction. The error is the mean "
                 f"squared error over an image's pixels against the clean image, for all {results['n_test']:,} test "
                 "images."),
            figure_block(CLEAN_FIGURE, "Clean test images (top row) and each model's reconstruction"),
            figure_block(NOISY_FIGURE, f"The same images with noise factor {factor:g} and each model's reconstruction"),
            figure_block(HISTOGRAM_FIGURE, "Distribution of per-image reconstruction MSE (against the clean image), "
                                           "every test image"),
            Table(["input", "model", "mean MSE", "median MSE", "95th percentile"], rows, "Per-image reconstruction error",
                  kinds=[None, None, "loss", "loss", "loss"]),
            Conclusion(" ".join([*(best_sentence(f"mean MSE on {cond}", {t: v["mean"] for t, v in per_model.items()},
                                                 "loss", True) for cond, per_model in results["errors"].items()),
                                 one_seed(view.config.study)])),
        ]
