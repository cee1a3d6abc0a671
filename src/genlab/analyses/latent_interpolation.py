"""Latent interpolation: each row decodes the points on a path between two latent codes,
spherical for a Gaussian prior and linear for a uniform one (genlab.generation.interpolation).

A model that encodes walks between the codes of two test images of different classes
(the images themselves are drawn at both ends of the row); a model that only samples
walks between two draws of its prior. Pairs and draws are seeded, so every model of a
run shows the same test images and reruns show the same rows."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from genlab.analyses.base import (Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block,
                                  within)
from genlab.figures.common import save_grid, to_uint8
from genlab.generation.interpolation import interpolate, path_kind

FIGURE = "interpolation_{name}"


@dataclass
class InterpolationSettings(AnalysisSettings):
    pairs: int = 6  # rows of a figure
    steps: int = 10  # decoded points per row

    def __post_init__(self) -> None:
        within(self, "latent_interpolation", {"pairs": (1, 20, "rows of an interpolation figure"),
                                              "steps": (2, 30, "decoded points per interpolation row")})


def image_pairs(labels: torch.Tensor, pairs: int, seed: int, labelled: bool = True) -> list[tuple[int, int]]:
    """`pairs` (i, j) of test indices, in a seeded order; of different labels where the data has them."""
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed)).tolist()
    out, used = [], set()
    for i in order:
        if len(out) == pairs:
            break
        j = next((k for k in order if k not in used and k != i and (labels[k] != labels[i] or not labelled)), None)
        if i in used or j is None:
            continue
        out.append((i, j))
        used |= {i, j}
    return out


class LatentInterpolation(Analysis):
    key = "latent_interpolation"
    title = "Latent interpolation"
    needs = frozenset({"decode", "encode"})  # or decode + sample: see missing()
    Settings = InterpolationSettings

    def missing(self, capabilities: frozenset[str]) -> list[str]:
        if "decode" in capabilities and ({"encode", "sample"} & capabilities):
            return []
        return ["decode"] if "decode" not in capabilities else ["encode"]

    @torch.no_grad()
    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        steps, seed, test = ctx.settings.steps, ctx.config.seed, ctx.splits.test
        classes = class_names(ctx.splits.facts)
        pairs = image_pairs(test.labels, ctx.settings.pairs, seed, labelled=bool(classes))
        first, second = (torch.tensor(side) for side in zip(*pairs))
        shape = tuple(test.images.shape[1:])  # C×H×W
        out = {}
        for name, method in models.items():
            prior = method.prior  # normal | uniform for a model with a prior; None: its codes follow none
            if "encode" in method.capabilities():
                a, b = test.images[first] / 255, test.images[second] / 255  # P×C×H×W
                path = interpolate(method.encode(a), method.encode(b), steps, prior)  # P×steps×D
                decoded = method.decode(path.flatten(0, 1)).view(len(pairs), steps, *shape)
                rows = torch.cat([a.unsqueeze(1), decoded, b.unsqueeze(1)], dim=1)  # P×(steps+2)×C×H×W
                between = [[classes[int(test.labels[i])], classes[int(test.labels[j])]] for i, j in pairs] \
                    if classes else None
            else:
                generator = torch.Generator().manual_seed(seed)
                ends = method.noise(2 * len(pairs), generator=generator)  # 2P×D from its prior
                path = interpolate(ends[:len(pairs)], ends[len(pairs):], steps, prior)
                rows = method.decode(path.flatten(0, 1)).view(len(pairs), steps, *shape)
                between = None
            cols = rows.shape[1]
            save_grid(ctx.run.figure(FIGURE.format(name=name)), to_uint8(rows.flatten(0, 1)), cols,
                      f"{ctx.title(name)}: {path_kind(prior)} interpolation")
            out[name] = {"prior": prior, "path": path_kind(prior), "steps": steps, "pairs": len(pairs),
                         "between": between, "encodes": "encode" in method.capabilities()}
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        blocks = []
        for name, entry in results.items():
            title, kind = view.title(name), entry["path"]
            why = {"normal": "its prior is Gaussian", "uniform": "its prior is uniform on a cube",
                   None: "its codes follow no declared prior"}[entry["prior"]]
            if entry.get("encodes", entry["between"] is not None):
                pairs = f" ({'; '.join(f'{a} → {b}' for a, b in entry['between'])})" if entry["between"] else ""
                caption = (f"{title}: {kind} interpolation ({why}) between the codes of {entry['pairs']} pairs of test "
                           f"images{pairs}; first and last column: the test images, between them "
                           f"{entry['steps']} decoded points from one code to the other.")
            else:
                caption = (f"{title}: {kind} interpolation ({why}) between {entry['pairs']} pairs of latent draws "
                           f"from its prior, {entry['steps']} generated points per row (it has no encoder).")
            blocks.append(figure_block(FIGURE.format(name=name), caption))
        return blocks
