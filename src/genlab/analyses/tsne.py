"""t-SNE of every encoder's codes of a seeded subset of the test set, coloured by class."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from genlab.analyses.base import (Analysis, AnalysisContext, AnalysisSettings, ReportView, class_names, figure_block,
                                  within)
from genlab.data.splits import Split
from genlab.representation.probes import encode_split
from genlab.figures import representations as cfigs
from genlab.report.page import Text

TSNE_FIGURE = "tsne"
PCA_DIMS = 50  # the usual PCA step before t-SNE: faster, and removes noise dimensions


def tsne_subset(test: Split, points: int, seed: int) -> Split:
    """A seeded random subset of `points` test images (all when fewer)."""
    order = torch.randperm(len(test), generator=torch.Generator().manual_seed(seed))[:points]
    return Split(test.images[order], test.labels[order])


def embed(codes, perplexity: float, seed: int) -> tuple[object, int | None]:
    """N×D codes → (N×2 t-SNE embedding, PCA dims used or None). PCA only when the codes
    are wider than PCA_DIMS and there are at least PCA_DIMS points to fit it on."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    pca = PCA_DIMS if codes.shape[1] > PCA_DIMS and len(codes) >= PCA_DIMS else None
    if pca:
        codes = PCA(pca, random_state=seed).fit_transform(codes)
    return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(codes), pca


@dataclass
class TSNESettings(AnalysisSettings):
    points: int = 2000  # seeded subset of the test set (t-SNE is O(n²) in memory)
    perplexity: float = 30.0

    def __post_init__(self) -> None:
        within(self, "tsne", {"points": (10, 100_000, "test images; t-SNE of fewer points says nothing"),
                              "perplexity": (1e-3, 1e4, "t-SNE's effective number of neighbours")})


class TSNEMap(Analysis):
    key = "tsne"
    title = "Latent spaces (t-SNE)"
    needs = frozenset({"encode"})
    Settings = TSNESettings

    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        subset = tsne_subset(ctx.splits.test, ctx.settings.points, ctx.config.seed)
        # sklearn requires perplexity < number of points; a third of them is the usual ceiling
        perplexity = min(ctx.settings.perplexity, (len(subset) - 1) / 3)
        embeddings, codes = {}, {}
        for name, method in models.items():
            x = encode_split(method, subset).x.numpy()  # N×D
            embeddings[ctx.title(name)], pca = embed(x, perplexity, ctx.config.seed)
            codes[name] = {"dim": int(x.shape[1]), "pca": pca}
        what = ", ".join(f"{ctx.title(n)} {c['dim']}-d" for n, c in codes.items())
        cfigs.tsne_panels(ctx.run.figure(TSNE_FIGURE), embeddings, subset.labels.numpy(),
                          f"t-SNE of the codes of {len(subset):,} test images ({what})", class_names(ctx.splits.facts))
        return {"points": len(subset), "perplexity": perplexity, "requested_perplexity": ctx.settings.perplexity,
                "codes": codes}

    def blocks(self, view: ReportView, results: dict) -> list:
        codes = results["codes"]
        dims = ", ".join(f"{view.title(n)} {c['dim']}-d" for n, c in codes.items())
        text = (f"t-SNE on a seeded subset of {results['points']:,} test images (perplexity {results['perplexity']:g}"
                f"{self._clamped(results)}) of each model's code, the output of its encoder ({dims}).")
        reduced = {}
        for name, c in codes.items():
            if c["pca"]:
                reduced.setdefault(c["pca"], []).append(view.title(name))
        for dims_to, titles in reduced.items():
            text += f" The codes of {', '.join(titles)} are reduced to {dims_to} dimensions by PCA first."
        coloured = ", coloured by class" if view.data.get("classes") else ""
        return [Text(text), figure_block(TSNE_FIGURE, f"t-SNE of each model's codes{coloured}")]

    @staticmethod
    def _clamped(results: dict) -> str:
        if results["perplexity"] < results["requested_perplexity"]:
            return (f"; analysis.tsne.perplexity {results['requested_perplexity']:g} lowered to a third of the points, "
                    "as t-SNE needs fewer neighbours than points")
        return ""
