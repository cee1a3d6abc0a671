"""The linear floor beside every autoencoder: each model's per-pixel test MSE against PCA's
with as many components as the model's code has dimensions, fitted on the same training
images (genlab.representation.linear_floor). A nonlinear autoencoder that does not beat
PCA has learnt less than a linear projection; the report says so in one sentence."""
from __future__ import annotations

import torch

from genlab.analyses.base import Analysis, AnalysisContext, ReportView
from genlab.report.conclude import best_sentence, one_seed
from genlab.report.page import Conclusion, Table, Text
from genlab.representation.linear_floor import pca_test_mse


class LinearFloor(Analysis):
    key = "linear_floor"
    title = "Reconstruction beside the linear floor (PCA)"
    needs = frozenset({"encode", "reconstruct"})

    @torch.no_grad()
    def run(self, ctx: AnalysisContext, models: dict) -> dict:
        test, out = ctx.splits.test, {}
        sizes = {}
        for name, method in models.items():
            errors, count, dim = 0.0, 0, None
            for x, _ in test.batches(1000):  # x: B×C×H×W in [0, 1]
                dim = dim or int(method.encode(x[:1]).flatten(1).shape[1])
                errors += float((method.reconstruct(x) - x).pow(2).sum())
                count += x.numel()
            sizes[name] = dim
            out[name] = {"code_dim": dim, "model_mse": errors / count, "n_test": len(test), "n_train": len(ctx.splits.train),
                         "pixels": x[0].numel()}
        floors = dict(zip(sorted(set(sizes.values())), pca_test_mse(ctx.splits.train.images, test.images,
                                                                    sorted(set(sizes.values())))))
        for name, entry in out.items():
            entry["pca_mse"] = floors[sizes[name]]
            entry["ratio_to_pca"] = entry["model_mse"] / entry["pca_mse"] if entry["pca_mse"] > 0 else None
        return out

    def blocks(self, view: ReportView, results: dict) -> list:
        rows = [[view.title(n), r["code_dim"], r["model_mse"], r["pca_mse"], r["ratio_to_pca"]] for n, r in results.items()]
        some = next(iter(results.values()))
        blocks: list = [Text(f"Per-pixel mean squared error on the {some['n_test']:,} test images: each model's reconstruction "
                       f"beside PCA's with as many components as the model's code has dimensions, fitted on the same "
                       f"{some['n_train']:,} training images (closed form). No linear autoencoder of that size can do "
                       "better than PCA."),
                  Table(["model", "code dimensions", "model test MSE", "PCA test MSE", "model / PCA"], rows,
                        kinds=[None, None, "loss", "loss", "ratio"])]
        best = best_sentence("test MSE per pixel", {view.title(n): r["model_mse"] for n, r in results.items()}, "loss", True)
        sentences = " ".join(_sentence(view.title(n), r) for n, r in results.items())
        return blocks + [Conclusion(f"{best} {sentences} {one_seed(view.config.study)}")]


def _sentence(title: str, r: dict) -> str:
    if r["code_dim"] >= r["pixels"]:
        return (f"{title}: its {r['code_dim']}-d code has at least as many dimensions as the image has values, so PCA "
                f"reconstructs exactly; the comparison does not apply (its code is not a compression).")
    ratio = r["ratio_to_pca"]
    if ratio < 1:
        return f"{title} beats the linear floor: {1 - ratio:.0%} lower test MSE than PCA-{r['code_dim']}."
    return (f"{title} does not beat the linear floor: {ratio - 1:.0%} higher test MSE than PCA-{r['code_dim']} — a "
            f"linear projection of the same size reconstructs better.")
