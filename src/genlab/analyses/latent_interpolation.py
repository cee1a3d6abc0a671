"""Latent interpolation: each row decodes the points on a path between two latent codes,
spherical for a Gaussian prior and linear for a uniform one (genlab.generation.interpolation).

A model that encodes walks between the codes of two test images of different classes
(the images themselves are drawn at both ends of the row); a model that only samples
walks between two draws of its prior. Pairs and draws are seeded, so every model of a
run shows the same test images and reruns show the same rows."""
from __future__ import annotations

import torch

from genlab.analyses.base import Analysis, AnalysisContext, ReportView, figure_block
from genlab.data.fashion_mnist import CLASSES
from genlab.figures.common import save_grid, to_uint8
from genlab.generation.interpolation import interpolate, path_kind

FIGURE = "interpolation_{name}"


def image_pairs(labels: torch.Tensor, pairs: int, seed: int) -> list[tuple[int, int]]:
    """`pairs` (i, j) of test indices with different labels, in a seeded order."""
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed)).tolist()
    out, used = [], set()
    for i in order:
        if len(out) == pairs:
            break
        j = next((k for k in order if k not in used and k != i and labels[k] != labels[i]), None)
        if i in used or j is None:
            continue
        out.append((i, j))
        used |= {i, j}
    return out


def latent_prior(method) -> str | None:
    """normal | uniform for a model that samples from a prior (a VAE's is N(0, I)), None for
    one whose codes follow none (a plain autoencoder)."""
    return getattr(method, "prior", "normal" if hasattr(method, "sample") else None)


class LatentInterpolation(Analysis):
    key = "latent_interpolation"
    title = "Latent interpolation"
    needs = frozenset({"sample"})  # or encode + decode: see missing()

    def missing(self, capabilities: frozenset[str]) -> list[str]:
        if "sample" in capabilities or {"encode", "decode"} <= capabilities:
            return []
        return ["sample"]

    @torch.no_grad()
    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        steps, seed = ctx.settings.interpolation_steps, ctx.config.seed
        pairs = image_pairs(ctx.splits.test.labels, ctx.settings.interpolation_pairs, seed)
        first, second = (torch.tensor(side) for side in zip(*pairs))
        test = ctx.splits.test
        out = {}
        for name, method in models.items():
            prior = latent_prior(method)
            if hasattr(method, "encode"):
                a, b = test.images[first].unsqueeze(1) / 255, test.images[second].unsqueeze(1) / 255  # P×1×28×28
                path = interpolate(method.encode(a), method.encode(b), steps, prior)  # P×steps×D
                decoded = method.decode(path.flatten(0, 1)).view(len(pairs), steps, 1, 28, 28)
                rows = torch.cat([a.unsqueeze(1), decoded, b.unsqueeze(1)], dim=1)  # P×(steps+2)×1×28×28
                between = [[CLASSES[int(test.labels[i])], CLASSES[int(test.labels[j])]] for i, j in pairs]
            else:
                generator = torch.Generator().manual_seed(seed)
                ends = method.noise(2 * len(pairs), generator=generator)  # 2P×D from its prior
                path = interpolate(ends[:len(pairs)], ends[len(pairs):], steps, prior)
                rows = method.generate(path.flatten(0, 1)).view(len(pairs), steps, 1, 28, 28)
                between = None
            cols = rows.shape[1]
            save_grid(ctx.run.figure(FIGURE.format(name=name)), to_uint8(rows.flatten(0, 1)), cols,
                      f"{ctx.title(name)}: {path_kind(prior)} interpolation")
            out[name] = {"prior": prior, "path": path_kind(prior), "steps": steps, "pairs": len(pairs),
                         "between": between}
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        blocks = []
        for name, entry in results.items():
            title, kind = view.title(name), entry["path"]
            why = {"normal": "its prior is Gaussian", "uniform": "its prior is uniform on a cube",
                   None: "its codes follow no declared prior"}[entry["prior"]]
            if entry["between"]:
                pairs = "; ".join(f"{a} → {b}" for a, b in entry["between"])
                caption = (f"{title}: {kind} interpolation ({why}) between the codes of {entry['pairs']} pairs of test "
                           f"images ({pairs}); first and last column: the test images, between them "
                           f"{entry['steps']} decoded points from one code to the other.")
            else:
                caption = (f"{title}: {kind} interpolation ({why}) between {entry['pairs']} pairs of latent draws "
                           f"from its prior, {entry['steps']} generated points per row (it has no encoder).")
            blocks.append(figure_block(FIGURE.format(name=name), caption))
        return blocks
