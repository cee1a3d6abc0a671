"""Models with a 2-d latent space: the test set scattered in it, a decoded regular grid of
latent points, and how many latent units are dead (exactly zero on nearly every image).

The dead-unit explanation is given only for a model whose units are measured dead, and
the models without dead units are named beside it from the same numbers."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from genlab.analyses.base import (Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block,
                                  within)
from genlab.figures import latents as dfigs
from genlab.report.page import Table, Text

SCATTER = "latent_scatter_{name}"
GRID = "latent_grid_{name}"
DEAD_SHARE = 0.99  # a unit exactly zero on at least this share of test images counts as dead


@dataclass
class Latent2DSettings(AnalysisSettings):
    scatter_points: int = 10000  # test images in the scatter (all, when fewer)
    grid_size: int = 15  # points per side of the decoded latent grid

    def __post_init__(self) -> None:
        within(self, "latent_2d", {"scatter_points": (1, 1_000_000, "test images in a latent scatter"),
                                   "grid_size": (2, 50, "points per side of the decoded latent grid")})


class Latent2D(Analysis):
    key = "latent_2d"
    title = "2-d latent spaces"
    needs = frozenset({"latent_2d"})
    Settings = Latent2DSettings

    @torch.no_grad()
    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        test = ctx.splits.test.head(ctx.settings.scatter_points)
        x = test.floats()  # N×C×H×W
        out = {}
        for name, method in models.items():
            title = ctx.title(name)
            codes = dfigs.latent_codes(method, x)  # N×2
            dfigs.latent_scatter(ctx.run.figure(SCATTER.format(name=name)), codes, test.labels.numpy(),
                                 f"{title}: test set in latent space ({len(codes):,} images)",
                                 class_names(ctx.splits.facts))
            size = ctx.settings.grid_size
            dfigs.latent_grid(ctx.run.figure(GRID.format(name=name)), method, codes, size,
                              f"{title}: decoded {size}×{size} grid of latent points")
            zero = codes == 0  # N×2: a ReLU latent unit switched off for that image
            zero_share = zero.mean(0).tolist()
            out[name] = {"points": len(codes), "grid": size, "zero_share": zero_share,
                         "all_zero_share": float(zero.all(1).mean()),
                         "dead_units": [i for i, share in enumerate(zero_share) if share >= DEAD_SHARE]}
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        rows = [[view.title(n), e["points"], *[f"{s:.1%}" for s in e["zero_share"]], f"{e['all_zero_share']:.1%}",
                 len(e["dead_units"])] for n, e in results.items()]
        blocks: list = [Table(["model", "test images", "z₁ exactly 0", "z₂ exactly 0", "both 0", "dead units"], rows,
                              f"Latent units that are exactly zero (dead: zero on ≥ {DEAD_SHARE:.0%} of the images)")]
        alive = [view.title(n) for n, e in results.items() if not e["dead_units"]]
        dead = {n: e for n, e in results.items() if e["dead_units"]}
        if dead:  # the mechanism is explained once, however many models have dead units
            blocks.append(Text(" ".join(_dead_facts(view, n, e) for n, e in dead.items()) + " " + MECHANISM
                               + (f" Without dead units in this run: {', '.join(alive)}." if alive else ""), note=True))
        for name, entry in results.items():
            coloured = ", coloured by class" if view.data.get("classes") else ""
            blocks.append(figure_block(SCATTER.format(name=name),
                                       f"{view.title(name)}: {entry['points']:,} test images in latent space{coloured}"))
            blocks.append(figure_block(GRID.format(name=name),
                                       f"{view.title(name)}: decoded {entry['grid']}×{entry['grid']} grid spanning "
                                       "the 1st–99th percentile of the codes"))
        return blocks


MECHANISM = ("A unit that outputs exactly zero for nearly every input (a ReLU below its threshold) passes no "
             "gradient back, so training cannot revive it.")


def _dead_facts(view: ReportView, name: str, entry: dict) -> str:
    dead, dims = entry["dead_units"], len(entry["zero_share"])
    units = ", ".join(f"z{'₁₂'[i]} on {entry['zero_share'][i]:.1%} of the test images" for i in dead)
    text = (f"{view.title(name)} has {len(dead)} dead latent unit{'s' * (len(dead) != 1)}, exactly 0 ({units}): it "
            f"reconstructs from {dims - len(dead)} of its {dims} latent dimensions.")
    loss = view.reported.get(name, {}).get("loss")
    if loss is not None and view.source:
        text += f" The source report ({view.source}) gives a loss of {loss:g} for this model."
    return text
