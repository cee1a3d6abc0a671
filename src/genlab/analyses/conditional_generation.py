"""Class-conditional generation: does a model draw the class it is asked for? For every model
that samples for a chosen class, `samples` images per class, classified by the feature network
(the share that lands in the class asked for), and each class's FID against the test images of
that class; a grid with one row per class. The feature network's own test accuracy is the
ceiling of the first number: a perfect generator scores what the classifier scores on real
images."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from genlab.analyses.base import (Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block,
                                  within)
from genlab.data import load as load_data
from genlab.figures.common import display, save_grid
from genlab.generation import samplers
from genlab.generation.evaluate import run_feature_net
from genlab.generation.features import extract, load_or_train, reference_features
from genlab.generation.scores import fid
from genlab.report.conclude import one_seed
from genlab.report.page import Conclusion, Table, Text

FIGURE = "conditional_{name}"
SEED = 4242
GRID = 10  # images per class in the figure


@dataclass
class ConditionalSettings(AnalysisSettings):
    samples: int = 500  # images per class (a class's FID needs at least two; it is noisy at a few hundred)

    def __post_init__(self) -> None:
        within(self, "conditional_generation", {"samples": (2, 100_000, "images per class")})


class ConditionalGeneration(Analysis):
    key = "conditional_generation"
    title = "Class-conditional generation: the class asked for"
    needs = frozenset({"conditional"})
    labels = True
    Settings = ConditionalSettings

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        data = load_data(ctx.config.data)
        fnet, _ = load_or_train(run_feature_net(ctx.config), data, data.mirror, progress=ctx.progress)
        reference = reference_features(fnet, data)[0]
        classes = class_names(ctx.splits.facts)
        out = {"samples": ctx.settings.samples, "ceiling": fnet.record["test_accuracy"], "classes": list(classes),
               "models": {}}
        for name, method in models.items():
            per_class, grid = [], []
            for k in range(len(classes)):
                images = _draw(method, k, ctx.settings.samples)  # uint8 m×C×H×W
                feats, logits = extract(fnet.net, images)
                wanted = data.test_labels == k
                per_class.append({"accuracy": float((logits.argmax(1) == k).float().mean()),
                                  "fid": fid(reference[wanted], feats) if len(feats) > 1 else None})
                grid.append(images[:GRID])
            save_grid(ctx.run.figure(FIGURE.format(name=name)), display(torch.cat(grid).numpy()), GRID,
                      f"{ctx.title(name)}: one row per class asked for")
            out["models"][name] = per_class
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        classes, blocks = results["classes"], []
        blocks.append(Text(f"Each model draws {results['samples']:,} images per class it is asked for; the feature "
                           f"network classifies them (its own accuracy on real test images, {results['ceiling']:.1%}, "
                           "is the ceiling here), and each class's FID compares them with that class's test images "
                           "(noisy at a few hundred images)."))
        for name, per_class in results["models"].items():
            rows = [[c, 100 * p["accuracy"], p["fid"]] for c, p in zip(classes, per_class)]
            blocks += [Table(["class asked for", "drawn as that class %", "FID within the class"], rows,
                             f"{view.title(name)}", kinds=[None, "percent", "fid"]),
                       figure_block(FIGURE.format(name=name), f"{view.title(name)}: {GRID} samples per class, one "
                                                              "row per class asked for")]
        return blocks + [Conclusion(conclusion(view, results))]


@torch.no_grad()
def _draw(method, label: int, n: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(SEED + label)
    out = [samplers.quantize_uint8(method.sample(min(500, n - s), generator=generator,
                                                 labels=torch.full((min(500, n - s),), label)).cpu())
           for s in range(0, n, 500)]
    return torch.cat(out)


def conclusion(view: ReportView, results: dict) -> str:
    """Each model's mean share drawn as the class asked for, and its weakest class."""
    out = []
    for name, per_class in results["models"].items():
        accuracies = [p["accuracy"] for p in per_class]
        worst = min(range(len(accuracies)), key=accuracies.__getitem__)
        out.append(f"{view.title(name)} draws the class asked for {sum(accuracies) / len(accuracies):.1%} of the "
                   f"time (its weakest class: {results['classes'][worst]}, {accuracies[worst]:.1%}; the classifier's "
                   f"ceiling {results['ceiling']:.1%}).")
    return " ".join(out + [one_seed(view.config.study)])
