"""The first test and training images above their reconstructions, for every model that
reconstructs its input, with the per-pixel squared error of exactly those images."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from genlab.analyses.base import (Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block,
                                  within)
from genlab.figures import latents as dfigs
from genlab.report.page import Text

FIGURE = "recon_{split}_{name}"  # one figure per split and model
SPLITS = ("test", "train")


@dataclass
class PairsSettings(AnalysisSettings):
    images: int = 10  # images per figure

    def __post_init__(self) -> None:
        within(self, "reconstruction_pairs", {"images": (1, 100, "images per figure")})


class ReconstructionPairs(Analysis):
    key = "reconstruction_pairs"
    title = "Reconstructions"
    needs = frozenset({"reconstruct"})
    Settings = PairsSettings

    @torch.no_grad()
    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        k = ctx.settings.images
        out = {}
        for name, method in models.items():
            errors = {}
            for split_name in SPLITS:
                split = getattr(ctx.splits, split_name).head(k)
                x = split.floats()  # k×C×H×W
                dfigs.reconstructions(ctx.run.figure(FIGURE.format(split=split_name, name=name)), method, x,
                                      split.labels, f"{ctx.title(name)}: {split_name} images (top) and "
                                                    "reconstructions (bottom)", class_names(ctx.splits.facts))
                errors[split_name] = float((method.reconstruct(x) - x).pow(2).mean())
            out[name] = {"images": len(x), "mse": errors}
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        counts = sorted({entry["images"] for entry in results.values()})
        shown = " or ".join(f"{c:,}" for c in counts)
        blocks = [Text(f"The first {shown} images of the test and training splits (top rows) and each model's "
                       "reconstruction (bottom rows); the number under each figure is the mean squared error per "
                       "pixel of exactly those images.")]
        for name, entry in results.items():
            for split_name in SPLITS:
                blocks.append(figure_block(FIGURE.format(split=split_name, name=name),
                                           f"{view.title(name)}: {split_name} reconstructions "
                                           f"(MSE per pixel {entry['mse'][split_name]:.4f})"))
        return blocks
